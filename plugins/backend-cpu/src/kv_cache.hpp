// One sequence's KV cache in f32, head-major: per layer and cache head, the keys of every position one after
// another (then the values likewise).
//
// GQA caches n_kv_heads heads of head_dim (keys after RoPE); MLA caches every query head's decompressed key
// (nope+rope) and value, like the reference (the latent cache a bandwidth-optimised MLA kernel keeps is future
// work). Head-major because decode attention reads one head's rows for all positions: contiguous, that is
// one stream the prefetcher follows; position-major (all heads of a position in a row) it was a strided walk
// from DRAM that read at a third of the bandwidth (kernel_benchmarks BM_AttentionDecode, cold).
// Rows past length() are scratch: a step writes its new rows there and commit() makes them part of the
// sequence only when the step succeeded, so a failed step leaves the sequence as it was.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace moecap::cpu_backend {

class SequenceCache {
 public:
  SequenceCache(int32_t n_layers, int32_t n_heads, int64_t key_size, int64_t value_size)
      : n_heads_(n_heads), key_size_(key_size), value_size_(value_size), layers_(static_cast<size_t>(n_layers)) {}

  int64_t length() const { return length_; }
  int32_t n_heads() const { return n_heads_; }
  int64_t key_size() const { return key_size_; }      ///< floats per key of one head (the key row stride)
  int64_t value_size() const { return value_size_; }  ///< floats per value of one head

  /// Makes room for positions < positions (geometric growth: appending a token is amortised O(1)).
  void reserve(int64_t positions) {
    if (positions <= capacity_) return;
    const int64_t capacity = std::max(positions, 2 * capacity_);
    for (Layer& l : layers_) {
      l.keys = regrown(l.keys, key_size_, capacity);
      l.values = regrown(l.values, value_size_, capacity);
    }
    capacity_ = capacity;
  }

  /// Head `head`'s key at `position`; the head's later positions follow at key_size() floats each.
  float* key(int32_t layer, int32_t head, int64_t position) {
    return layers_[static_cast<size_t>(layer)].keys.data() + (head * capacity_ + position) * key_size_;
  }
  float* value(int32_t layer, int32_t head, int64_t position) {
    return layers_[static_cast<size_t>(layer)].values.data() + (head * capacity_ + position) * value_size_;
  }

  /// Stores one position's keys and values given as rows of all heads (head h at h·key_size, h·value_size).
  void write(int32_t layer, int64_t position, const float* keys, const float* values) {
    for (int32_t h = 0; h < n_heads_; ++h) {
      std::copy_n(keys + h * key_size_, key_size_, key(layer, h, position));
      std::copy_n(values + h * value_size_, value_size_, value(layer, h, position));
    }
  }

  void commit(int64_t length) { length_ = length; }

 private:
  /// The same heads' rows laid out for `capacity` positions per head.
  std::vector<float> regrown(const std::vector<float>& old, int64_t size, int64_t capacity) const {
    std::vector<float> grown(static_cast<size_t>(n_heads_ * capacity * size));
    for (int32_t h = 0; h < n_heads_; ++h)
      std::copy_n(old.begin() + h * capacity_ * size, capacity_ * size, grown.begin() + h * capacity * size);
    return grown;
  }

  struct Layer {
    std::vector<float> keys;
    std::vector<float> values;
  };
  int32_t n_heads_;
  int64_t key_size_;
  int64_t value_size_;
  int64_t length_ = 0;
  int64_t capacity_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace moecap::cpu_backend
