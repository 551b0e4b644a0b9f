// The MoE-CAP code's per-pass S-MBU and S-MFU (see moecap_code_compat.hpp; moe-cap-method.md §4.5).
#include "moecap/host/moecap_code_compat.hpp"

#include <numeric>
#include <stdexcept>

#include "moecap/host/step_utilisation.hpp"

namespace moecap::host {

MoeCapCodePass moecap_code_pass(const StepRecord& step, const ModelAccounting& model) {
  if (!(step.latency_s > 0)) throw std::invalid_argument("moecap_code_pass: latency must be > 0 s");
  MoeCapCodePass pass;
  pass.latency_s = step.latency_s;
  pass.seq_lens_sum = std::accumulate(step.context_lengths.begin(), step.context_lengths.end(), int64_t{0});
  const std::vector<int32_t> union_sizes = activated_experts_per_layer(step, model);
  if (model.n_moe_layers() > 0) {
    pass.expert_activation =
        static_cast<double>(std::accumulate(union_sizes.begin(), union_sizes.end(), int64_t{0})) / model.n_moe_layers();
  }
  const double tokens = step.mode == StepMode::prefill ? static_cast<double>(pass.seq_lens_sum) : step.n_seqs;
  pass.tokens_per_s = tokens / step.latency_s;
  return pass;
}

MoeCapCodeUtilisation moecap_code_utilisation(const MoeCapCodePass& pass, const ModelAccounting& model,
                                              const HardwarePeaks& peaks) {
  if (!(pass.latency_s > 0) || !(peaks.bandwidth_bytes_per_s > 0) || !(peaks.flops_per_s > 0)) {
    throw std::invalid_argument("moecap_code_utilisation: latency and peaks must be > 0");
  }
  double read_params = 0;     // the S-MBU weights, in parameters (their code works in counts)
  double compute_params = 0;  // the S-MFU weights
  for (const LayerParams& layer : model.layers()) {
    const auto common = static_cast<double>(layer.attention_projections + layer.shared_experts + layer.dense_ffn);
    const auto expert = static_cast<double>(layer.routed_expert);
    read_params += common + (layer.is_moe ? pass.expert_activation * expert : 0.0);
    compute_params += common + (layer.is_moe ? expert : 0.0);
  }
  const auto context = static_cast<double>(pass.seq_lens_sum);
  const double kv_params = context * static_cast<double>(model.kv_elements_per_token());
  // Their attention-score term equals our per-token score FLOPs at the batch's whole context, halved
  // (they multiply the whole bracket by 2 afterwards).
  const double attention_scores = model.attention_score_flops_per_token(1) * context / 2.0;
  const double bytes = (read_params + kv_params) * model.options().weight_bytes_per_element;
  MoeCapCodeUtilisation result;
  result.s_mbu = bytes / pass.latency_s / peaks.bandwidth_bytes_per_s;
  result.s_mfu = (compute_params + attention_scores) * 2.0 * pass.tokens_per_s / peaks.flops_per_s;
  return result;
}

}  // namespace moecap::host
