// One sequence's KV cache in f32: per layer, a row of keys and a row of values per position.
//
// GQA rows hold n_kv_heads·head_dim (after RoPE); MLA rows hold the decompressed per-head keys (nope+rope)
// and values, like the reference (the latent cache a bandwidth-optimised MLA kernel keeps is future work).
// Rows past length() are scratch: a step writes its new rows there and commit() makes them part of the
// sequence only when the step succeeded, so a failed step leaves the sequence as it was.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace moecap::cpu_backend {

class SequenceCache {
 public:
  SequenceCache(int32_t n_layers, int64_t key_width, int64_t value_width)
      : key_width_(key_width), value_width_(value_width), layers_(static_cast<size_t>(n_layers)) {}

  int64_t length() const { return length_; }
  int64_t key_width() const { return key_width_; }
  int64_t value_width() const { return value_width_; }

  /// Makes room for positions < positions (geometric growth: appending a token is amortised O(1)).
  void reserve(int64_t positions) {
    if (positions <= capacity_) return;
    capacity_ = std::max(positions, 2 * capacity_);
    for (Layer& l : layers_) {
      l.keys.resize(static_cast<size_t>(capacity_ * key_width_));
      l.values.resize(static_cast<size_t>(capacity_ * value_width_));
    }
  }

  float* key(int32_t layer, int64_t position) {
    return layers_[static_cast<size_t>(layer)].keys.data() + position * key_width_;
  }
  float* value(int32_t layer, int64_t position) {
    return layers_[static_cast<size_t>(layer)].values.data() + position * value_width_;
  }

  void commit(int64_t length) { length_ = length; }

 private:
  struct Layer {
    std::vector<float> keys;
    std::vector<float> values;
  };
  int64_t key_width_;
  int64_t value_width_;
  int64_t length_ = 0;
  int64_t capacity_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace moecap::cpu_backend
