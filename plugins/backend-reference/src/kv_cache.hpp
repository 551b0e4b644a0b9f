// One sequence's KV cache: per layer, the keys and values of every position so far, as doubles.
//
// GQA stores n_kv_heads·head_dim per position for K and V (after RoPE). MLA stores the decompressed per-head
// keys (nope + rope) and values: more memory than the latent cache a fast backend keeps, but each position is
// decompressed once and attention reads plain rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace moecap::reference {

class SequenceCache {
 public:
  SequenceCache(int32_t n_layers, int64_t key_width, int64_t value_width)
      : key_width_(key_width), value_width_(value_width), layers_(static_cast<size_t>(n_layers)) {}

  /// Tokens held (the sequence's next position).
  int64_t length() const { return length_; }

  /// Appends a position's key and value at layer; the token counts once every layer has its row.
  void append(int32_t layer, const double* key, const double* value) {
    Layer& l = layers_[static_cast<size_t>(layer)];
    l.keys.insert(l.keys.end(), key, key + key_width_);
    l.values.insert(l.values.end(), value, value + value_width_);
  }
  /// Called after every layer appended the token.
  void commit_token() { ++length_; }

  const double* key(int32_t layer, int64_t position) const {
    return layers_[static_cast<size_t>(layer)].keys.data() + position * key_width_;
  }
  const double* value(int32_t layer, int64_t position) const {
    return layers_[static_cast<size_t>(layer)].values.data() + position * value_width_;
  }

  /// Drops everything past length tokens: undoes a sequence's part of a failed step.
  void truncate(int64_t length) {
    for (Layer& l : layers_) {
      l.keys.resize(static_cast<size_t>(length * key_width_));
      l.values.resize(static_cast<size_t>(length * value_width_));
    }
    length_ = length;
  }

 private:
  struct Layer {
    std::vector<double> keys;
    std::vector<double> values;
  };
  int64_t key_width_;
  int64_t value_width_;
  int64_t length_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace moecap::reference
