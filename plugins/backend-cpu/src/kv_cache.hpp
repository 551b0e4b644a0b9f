// One sequence's KV cache in f32, head-major: per layer and cache head, the keys of every position one after
// another (then the values likewise).
//
// GQA caches n_kv_heads heads of head_dim (keys after RoPE); MLA caches every query head's decompressed key
// (nope+rope) and value, like the reference (the latent cache a bandwidth-optimised MLA kernel keeps is future
// work). Head-major because decode attention reads one head's rows for all positions: contiguous, that is
// one stream the prefetcher follows; position-major (all heads of a position in a row) it was a strided walk
// from DRAM that read at a third of the bandwidth (kernel_benchmarks BM_AttentionDecode, cold).
// Rows past length() are scratch (not initialised): a step writes its new rows there and commit() makes them
// part of the sequence only when the step succeeded, so a failed step leaves the sequence as it was.
//
// All layers' rows are one 64-byte aligned block (layer by layer: keys of every head, then values): on
// malloc's own alignment every row began 16 bytes into a cache line. Not on huge pages, unlike the weights:
// decode attention over a cold 512-position cache read 104 µs on huge pages against 109 on 4 KiB ones
// (kernel_benchmarks BM_AttentionDecode/512/1, medians of 9; 111 unaligned), but a cache grows inside a step,
// and a huge-page fault that has to compact memory first stalls it: in moecap bench (bf16, one thread, A/B
// against 4 KiB pages) the runs' decode fell from 34.1 to 29.9 tok/s, the loss in the step split's "rest"
// (2.28 against 0.47 ms per step), where the cache grows.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <new>

namespace moecap::cpu_backend {

class SequenceCache {
 public:
  SequenceCache(int32_t n_layers, int32_t n_heads, int64_t key_size, int64_t value_size)
      : n_layers_(n_layers), n_heads_(n_heads), key_size_(key_size), value_size_(value_size) {}

  int64_t length() const { return length_; }
  int32_t n_heads() const { return n_heads_; }
  int64_t key_size() const { return key_size_; }      ///< floats per key of one head (the key row stride)
  int64_t value_size() const { return value_size_; }  ///< floats per value of one head

  /// Makes room for positions < positions (geometric growth: appending a token is amortised O(1)). Only the
  /// committed rows move; the new block is not zeroed, since a step writes every row it reads (its own
  /// positions first, then attends). Zeroing cost the first decode step after a 512-token prefill 16.8 MB
  /// of stores and their page faults (moecap bench's model).
  void reserve(int64_t positions) {
    if (positions <= capacity_) return;
    const int64_t capacity = std::max(positions, 2 * capacity_);
    Rows grown = uninitialised_rows(n_layers_ * layer_floats(capacity));
    for (int32_t layer = 0; layer < n_layers_ && length_ > 0; ++layer) {
      float* to = grown.get() + layer * layer_floats(capacity);
      const float* from = rows_.get() + layer * layer_floats(capacity_);
      for (int32_t h = 0; h < n_heads_; ++h) {
        std::copy_n(from + h * capacity_ * key_size_, length_ * key_size_, to + h * capacity * key_size_);
        std::copy_n(from + n_heads_ * capacity_ * key_size_ + h * capacity_ * value_size_, length_ * value_size_,
                    to + n_heads_ * capacity * key_size_ + h * capacity * value_size_);
      }
    }
    rows_ = std::move(grown);
    capacity_ = capacity;
  }

  /// Head `head`'s key at `position`; the head's later positions follow at key_size() floats each.
  float* key(int32_t layer, int32_t head, int64_t position) {
    return rows_.get() + layer * layer_floats(capacity_) + (head * capacity_ + position) * key_size_;
  }
  float* value(int32_t layer, int32_t head, int64_t position) {
    return rows_.get() + layer * layer_floats(capacity_) + n_heads_ * capacity_ * key_size_ +
           (head * capacity_ + position) * value_size_;
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
  struct AlignedDelete {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  using Rows = std::unique_ptr<float[], AlignedDelete>;

  /// `count` floats, 64-byte aligned, not initialised.
  static Rows uninitialised_rows(int64_t count) {
    return Rows(new (std::align_val_t{64}) float[static_cast<size_t>(count)]);
  }

  /// Floats of one layer (keys of every head, then values) at `capacity` positions per head.
  int64_t layer_floats(int64_t capacity) const { return n_heads_ * capacity * (key_size_ + value_size_); }

  int32_t n_layers_;
  int32_t n_heads_;
  int64_t key_size_;
  int64_t value_size_;
  int64_t length_ = 0;
  int64_t capacity_ = 0;
  Rows rows_;
};

}  // namespace moecap::cpu_backend
