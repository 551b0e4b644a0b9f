// One step as the forward pass sees it: the tokens of every sequence that runs, in batch order, with the
// position and cache of each, and which of them yield logits. Built by the session from the batch.
#pragma once

#include <cstdint>
#include <vector>

#include "kv_cache.hpp"

namespace moecap::cpu_backend {

struct StepPlan {
  std::vector<int32_t> token_ids;          ///< the tokens of the sequences that run, batch order
  std::vector<int64_t> positions;          ///< each token's position in its sequence
  std::vector<SequenceCache*> caches;      ///< each token's sequence cache (reserved for the new positions)
  std::vector<int32_t> batch_token_index;  ///< each token's index in the batch (for topk_ids)
  std::vector<int32_t> logits_tokens;      ///< plan token indices whose logits are wanted, in output order
  std::vector<int64_t> logits_rows;        ///< the result row each of them goes to

  int32_t n_tokens() const { return static_cast<int32_t>(token_ids.size()); }
};

/// What the forward pass reports besides logits.
struct StepOutputs {
  std::vector<int32_t> expert_tokens;  ///< [layer · expert_stride + expert]
  int32_t expert_stride = 0;
  std::vector<int32_t> topk_ids;  ///< [(plan token · n_layers + layer) · topk_stride + j], -1 unused
  int32_t topk_stride = 0;
  double weight_bytes_read = 0;      ///< distinct weight bytes the step read (each tensor once)
  double kv_bytes_read = 0;          ///< KV rows read by attention, every token over its context
  double expert_flops = 0;           ///< FLOPs of the routed experts' matrix products
  double expert_seconds = 0;         ///< wall time of the routed-expert stage (gather, GEMMs, scatter)
  double expert_cpu_seconds = 0;     ///< process CPU time of that stage (all threads), steps of 16+ tokens
  bool expert_cpu_measured = false;  ///< whether expert_cpu_seconds was read (not for smaller steps)
  double expert_gemm_seconds = 0;  ///< wall time of the stage's matrix products alone (no gather, activation, scatter)
  double attend_seconds = 0;       ///< wall time of attend over the KV caches alone (part of attention_seconds)
  double attention_seconds = 0;    ///< wall time of the attention blocks (projections, cache, attend, output)
  double lm_head_seconds = 0;      ///< wall time of the final norm and the LM head
};

}  // namespace moecap::cpu_backend
