// Grouped-query attention (MHA when kv heads == heads) for one token: projections, optional bias, qk-norm and
// clipping, RoPE, the cache append, attention, output projection.
#pragma once

#include <vector>

#include "kv_cache.hpp"
#include "model_weights.hpp"
#include "rope.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

struct GqaConfig {
  int32_t n_heads, n_kv_heads, head_dim;
  double qkv_clip;  ///< 0 = none
  double norm_eps;  ///< qk-norm epsilon (the model's norm_eps)
  double scale;     ///< softmax scale of q·k
};

/// x is the normed hidden state; appends this token's K/V at cache position pos (== cache.length()).
std::vector<double> gqa_attention(const GqaWeights& w, const GqaConfig& config, const Rope& rope,
                                  const std::vector<double>& x, int64_t pos, int32_t layer, SequenceCache& cache,
                                  StepCounters& counters);

}  // namespace moecap::reference
