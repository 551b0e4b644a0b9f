// Bytes read, FLOPs done and utilisation of ONE backend step: S-MBU (paper eq. 4), S-MBU-full, S-MFU
// (paper eq. 5, summed over layers) and the plain MBU/MFU that count every expert, side by side.
//
// Definitions (DESIGN.md §5; moe-cap-method.md §1):
//   S_activated = Σ_layers attention + Σ_MoE layers |experts with ≥1 token this step| × routed expert
//                 + Σ_layers (shared experts + dense FFN)                           [weight bytes]
//   S_KV        = Σ_sequences context_length × KV bytes per token                   [KV dtype bytes]
//   S-MBU       = (S_activated + S_KV) / latency / peak bandwidth
//   S-MBU-full  = S-MBU's numerator + routers (and score biases) + shared-expert gates + every norm
//                 + one embedding row per new token + the whole LM head (the embedding when tied; read once
//                 per step, as every step here yields at least one row of logits)
//   MBU         = S-MBU's numerator with EVERY routed expert of every MoE layer
//   S-MFU       = step FLOPs / latency / dense peak, step FLOPs = n_tokens × sparse weight FLOPs per token
//                 + attention-score FLOPs from the true context lengths (causal within a prefill)
//   MFU         = as S-MFU with every routed expert's FLOPs per token
// The union is read from StepRecord::expert_tokens per layer; dense layers' rows are ignored, never
// averaged in (moe-cap-method.md §13.2). A step of a model with MoE layers and no routing trace is an
// error, never an activation of zero (§13.8).
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/host/hardware_peaks.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/step_record.hpp"

namespace moecap::host {

/// Per-sequence new-token counts of a step, parallel to StepRecord::context_lengths: StepRecord::new_tokens
/// when recorded (validated: 0 < n_new <= context). Records without it (older JSONL) are inferred:
/// decode → 1 each; one sequence → it owns all n_tokens; a step whose n_tokens equals Σ context_lengths →
/// every context token is new (prefill from position 0). Any other step (a chunked prefill or mixed step
/// of several sequences) cannot be split: per_sequence is empty and exact is false.
struct StepNewTokens {
  std::vector<int64_t> per_sequence;
  bool exact = false;
};
StepNewTokens infer_new_tokens(const StepRecord& step);

/// Bytes a step read, by component (bytes at the weight dtype; kv at the KV dtype).
struct StepBytes {
  double attention = 0;           ///< Σ layers attention weights (projections, biases, qk/LoRA norms)
  double routed_experts = 0;      ///< Σ MoE layers union × one routed expert
  double always_active_ffn = 0;   ///< Σ layers shared experts + dense FFN
  double kv = 0;                  ///< Σ sequences context length × KV bytes per token
  double routers_and_gates = 0;   ///< S-MBU-full: routers, score biases, shared-expert gates
  double norms = 0;               ///< S-MBU-full: layer norms + final norm
  double embedding_rows = 0;      ///< S-MBU-full: n_tokens × hidden_size elements
  double lm_head = 0;             ///< S-MBU-full: vocab × hidden_size elements
  double all_routed_experts = 0;  ///< MBU: every routed expert of every MoE layer

  double activated() const { return attention + routed_experts + always_active_ffn; }  ///< S_activated
  double s_mbu_numerator() const { return activated() + kv; }
  double s_mbu_full_numerator() const {
    return s_mbu_numerator() + routers_and_gates + norms + embedding_rows + lm_head;
  }
  double mbu_numerator() const { return attention + all_routed_experts + always_active_ffn + kv; }
};

/// FLOPs of a step.
struct StepFlops {
  double attention_scores = 0;  ///< QK^T and AV over the true contexts
  double sparse_weights = 0;    ///< n_tokens × ModelAccounting::sparse_weight_flops_per_token()
  double dense_weights = 0;     ///< n_tokens × ModelAccounting::dense_weight_flops_per_token()
  /// false when the step's per-sequence new tokens could not be inferred (see StepNewTokens); the
  /// attention-score term then charges every new token the step's mean context length.
  bool attention_exact = true;

  double sparse() const { return sparse_weights + attention_scores; }  ///< S-MFU numerator
  double dense() const { return dense_weights + attention_scores; }    ///< MFU numerator
};

/// Everything the metrics know about one step. Ratios are in [0, 1] for a step at or under the peaks.
struct StepUtilisation {
  int64_t index = 0;
  StepMode mode = StepMode::decode;
  double latency_s = 0;
  int64_t n_tokens = 0;
  StepBytes bytes;
  StepFlops flops;
  std::vector<int32_t> activated_experts;  ///< per layer: the union (0 for dense layers)
  double mean_activated_experts = 0;       ///< mean union over MoE layers only (0 without MoE layers)
  double s_mbu = 0;
  double s_mbu_full = 0;
  double mbu = 0;
  double s_mfu = 0;
  double mfu = 0;
};

/// The per-layer union of a step; throws std::invalid_argument when the trace does not fit the model
/// (layer count, expert stride, missing trace of a model with MoE layers).
std::vector<int32_t> activated_experts_per_layer(const StepRecord& step, const ModelAccounting& model);

StepBytes step_bytes(const StepRecord& step, const ModelAccounting& model);
StepFlops step_flops(const StepRecord& step, const ModelAccounting& model);

/// The step's bytes, FLOPs and ratios. Throws std::invalid_argument for a non-positive latency or peak,
/// or a routing trace that does not fit the model.
StepUtilisation step_utilisation(const StepRecord& step, const ModelAccounting& model, const HardwarePeaks& peaks);

}  // namespace moecap::host
