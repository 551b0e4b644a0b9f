// Causal scaled-dot-product attention of one new token over the positions a sequence's cache holds.
#pragma once

#include <vector>

#include "kv_cache.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

struct AttentionShape {
  int32_t n_heads;     ///< query heads
  int32_t n_kv_heads;  ///< key/value heads; query head h reads kv head h / (n_heads / n_kv_heads)
  int32_t qk_size;     ///< per-head size of q and k
  int32_t v_size;      ///< per-head size of v
  double scale;        ///< multiplies q·k before the softmax
};

/// q holds n_heads·qk_size; the cache's first n_positions rows at layer are the visible keys and values
/// (the token itself included). Returns n_heads·v_size.
std::vector<double> attend(const std::vector<double>& q, const SequenceCache& cache, int32_t layer, int64_t n_positions,
                           const AttentionShape& shape, StepCounters& counters);

}  // namespace moecap::reference
