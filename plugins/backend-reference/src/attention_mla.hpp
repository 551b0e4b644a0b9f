// DeepSeek multi-head latent attention for one token (with or without q LoRA).
#pragma once

#include <vector>

#include "kv_cache.hpp"
#include "model_weights.hpp"
#include "rope.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

struct MlaConfig {
  int32_t n_heads, kv_lora_rank, nope, rope, v;  ///< nope/rope/v: per-head sizes
  double norm_eps;                               ///< of q_a_norm and kv_a_norm (RMSNorm)
  double scale;                                  ///< softmax scale of q·k
};

/// x is the normed hidden state; appends this token's decompressed K/V at position pos (== cache.length()).
std::vector<double> mla_attention(const MlaWeights& w, const MlaConfig& config, const Rope& rope,
                                  const std::vector<double>& x, int64_t pos, int32_t layer, SequenceCache& cache,
                                  StepCounters& counters);

}  // namespace moecap::reference
