// "MoE-CAP-code-compatible" S-MBU and S-MFU: the formulas of the authors' code (Auto-CAP/MoE-CAP e9e0d88,
// moe-cap-method.md §4.5), so that published numbers can be set beside moecap's paper-faithful values.
// These are NOT moecap's metrics; label them "moecap-code-compatible" wherever they are shown.
//
// What differs from step_utilisation (IDs from moe-cap-method.md §6):
//   - the expert union is one number A per pass, the mean over MoE layers (P5);
//   - attention weights are the projection matrices only, no biases or norms (K9);
//   - the KV term is seq_lens_sum × KV elements per token at the WEIGHT width (K1);
//   - S-MFU counts ONE routed expert per token (P1), no router (P2), and the attention-score term of the
//     whole batch's context (2·ctx·L·H·hd for GQA, ctx·L·H·(q_head + v) for MLA) per token (P3);
//   - their peak table halves 2:4-sparse peaks, i.e. divides by the dense peak: pass the dense peak here;
//   - their MLA attention-score term is the naive (un-absorbed) form: build the ModelAccounting with
//     MlaScoreForm::naive (the default) to match it.
// Kept faithful to the paper where their code is simply wrong: the shared-expert term is the model's real
// shared size (their DeepSeek code hard-codes 2 experts, K3).
#pragma once

#include <cstdint>

#include "moecap/host/hardware_peaks.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/step_record.hpp"

namespace moecap::host {

/// One forward pass as their recorder describes it (§4.1).
struct MoeCapCodePass {
  double latency_s = 0;          ///< t (decode) or TTFT (prefill)
  int64_t seq_lens_sum = 0;      ///< SGLang semantics: the batch's context sum (the KV a decode step reads)
  double expert_activation = 0;  ///< A: mean over MoE layers of the per-layer union
  double tokens_per_s = 0;       ///< decode: batch size / t; prefill: tokens / TTFT
};

/// Builds the pass from a StepRecord: seq_lens_sum = Σ context lengths, A = mean union over MoE layers,
/// tokens/s = n_seqs / latency for decode and mixed steps (their `tpot` path), Σ context / latency for a
/// prefill step (their path without per_req_info).
MoeCapCodePass moecap_code_pass(const StepRecord& step, const ModelAccounting& model);

struct MoeCapCodeUtilisation {
  double s_mbu = 0;
  double s_mfu = 0;
};

/// §4.5 (our symbols): S_attn = projections, E = routed expert, Sh = shared experts, Dn = dense FFN, b =
/// weight bytes per element.
///   S-MBU = [Σ_L S_attn + Σ_MoE (A·E + Sh) + Σ_dense Dn + seq_lens_sum·KV_elements] · b / t / BW
///   S-MFU = [Σ_L S_attn + Σ_MoE (E + Sh) + Σ_dense Dn + AS(seq_lens_sum)] · 2 · tokens/s / dense peak
MoeCapCodeUtilisation moecap_code_utilisation(const MoeCapCodePass& pass, const ModelAccounting& model,
                                              const HardwarePeaks& peaks);

}  // namespace moecap::host
