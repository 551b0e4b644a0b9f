// One step's bytes, FLOPs and utilisation (see step_utilisation.hpp for the definitions).
#include "moecap/host/step_utilisation.hpp"

#include <numeric>
#include <stdexcept>
#include <string>

namespace moecap::host {
namespace {

[[noreturn]] void invalid_step(const StepRecord& step, const std::string& what) {
  throw std::invalid_argument("step " + std::to_string(step.index) + ": " + what);
}

int64_t context_sum(const StepRecord& step) {
  return std::accumulate(step.context_lengths.begin(), step.context_lengths.end(), int64_t{0});
}

}  // namespace

StepNewTokens infer_new_tokens(const StepRecord& step) {
  StepNewTokens result;
  const auto n_sequences = static_cast<int64_t>(step.context_lengths.size());
  if (!step.new_tokens.empty()) {
    if (step.new_tokens.size() != step.context_lengths.size()) {
      invalid_step(step, "new_tokens and context_lengths differ in length");
    }
    for (size_t s = 0; s < step.new_tokens.size(); ++s) {
      if (step.new_tokens[s] <= 0 || step.new_tokens[s] > step.context_lengths[s]) {
        invalid_step(step, "sequence " + std::to_string(s) + ": need 0 < new_tokens <= context_length");
      }
    }
    result.per_sequence = step.new_tokens;
    result.exact = true;
  } else if (step.mode == StepMode::decode && step.n_tokens == n_sequences) {
    result.per_sequence.assign(step.context_lengths.size(), 1);
    result.exact = true;
  } else if (n_sequences == 1 && step.n_tokens <= step.context_lengths[0]) {
    result.per_sequence = {step.n_tokens};  // one sequence owns every new token, chunked or not
    result.exact = true;
  } else if (step.n_tokens == context_sum(step)) {
    result.per_sequence = step.context_lengths;
    result.exact = true;
  }
  return result;
}

std::vector<int32_t> activated_experts_per_layer(const StepRecord& step, const ModelAccounting& model) {
  std::vector<int32_t> union_sizes(static_cast<size_t>(model.n_layers()), 0);
  if (model.n_moe_layers() == 0) return union_sizes;
  if (step.expert_tokens.empty()) {
    invalid_step(step, "no routing trace for a model with MoE layers (an activation is measured, never assumed 0)");
  }
  if (step.n_layers != model.n_layers()) {
    invalid_step(step, "routing trace has " + std::to_string(step.n_layers) + " layers, the model " +
                           std::to_string(model.n_layers()));
  }
  if (step.expert_stride <= 0 ||
      step.expert_tokens.size() != static_cast<size_t>(step.n_layers) * static_cast<size_t>(step.expert_stride)) {
    invalid_step(step, "routing trace size is not n_layers × expert_stride");
  }
  for (int32_t layer = 0; layer < model.n_layers(); ++layer) {
    const LayerParams& params = model.layer(layer);
    if (!params.is_moe) continue;  // a dense layer's row is not an activation (moe-cap-method.md §4.2)
    if (params.n_routed_experts > step.expert_stride) {
      invalid_step(step, "expert_stride " + std::to_string(step.expert_stride) + " < the " +
                             std::to_string(params.n_routed_experts) + " experts of layer " + std::to_string(layer));
    }
    union_sizes[static_cast<size_t>(layer)] = step.activated_experts(layer);
  }
  return union_sizes;
}

StepBytes step_bytes(const StepRecord& step, const ModelAccounting& model) {
  const std::vector<int32_t> union_sizes = activated_experts_per_layer(step, model);
  StepBytes bytes;
  for (int32_t layer = 0; layer < model.n_layers(); ++layer) {
    const LayerParams& params = model.layer(layer);
    bytes.attention += model.weight_bytes(params.attention);
    bytes.always_active_ffn += model.weight_bytes(params.always_active_ffn());
    bytes.routed_experts += model.weight_bytes(int64_t{union_sizes[static_cast<size_t>(layer)]} * params.routed_expert);
    bytes.all_routed_experts += model.weight_bytes(int64_t{params.n_routed_experts} * params.routed_expert);
    bytes.routers_and_gates += model.weight_bytes(params.router + params.shared_expert_gate);
  }
  bytes.kv = static_cast<double>(context_sum(step)) * model.kv_bytes_per_token();
  bytes.norms = model.weight_bytes(model.norm_params());
  bytes.embedding_rows = model.weight_bytes(step.n_tokens * int64_t{model.hidden_size()});
  bytes.lm_head = model.weight_bytes(int64_t{model.vocab_size()} * model.hidden_size());
  return bytes;
}

StepFlops step_flops(const StepRecord& step, const ModelAccounting& model) {
  StepFlops flops;
  const auto tokens = static_cast<double>(step.n_tokens);
  flops.sparse_weights = tokens * model.sparse_weight_flops_per_token();
  flops.dense_weights = tokens * model.dense_weight_flops_per_token();
  const StepNewTokens new_tokens = infer_new_tokens(step);
  if (new_tokens.exact) {
    for (size_t s = 0; s < step.context_lengths.size(); ++s) {
      flops.attention_scores += model.attention_score_flops(step.context_lengths[s], new_tokens.per_sequence[s]);
    }
  } else {
    // Chunked or mixed: which sequence owns which new tokens is not recorded. Charge each new token the
    // mean context length; exact for equal contexts, and flagged so a report can say so.
    flops.attention_exact = false;
    if (!step.context_lengths.empty()) {
      const double mean_context =
          static_cast<double>(context_sum(step)) / static_cast<double>(step.context_lengths.size());
      flops.attention_scores = tokens * model.attention_score_flops_per_token(1) * mean_context;
    }
  }
  return flops;
}

StepUtilisation step_utilisation(const StepRecord& step, const ModelAccounting& model, const HardwarePeaks& peaks) {
  if (!(step.latency_s > 0)) invalid_step(step, "latency must be > 0 s");
  if (!(peaks.bandwidth_bytes_per_s > 0) || !(peaks.flops_per_s > 0)) {
    invalid_step(step, "hardware peaks must be > 0");
  }
  StepUtilisation result;
  result.index = step.index;
  result.mode = step.mode;
  result.latency_s = step.latency_s;
  result.n_tokens = step.n_tokens;
  result.activated_experts = activated_experts_per_layer(step, model);
  if (model.n_moe_layers() > 0) {
    const int64_t union_sum =
        std::accumulate(result.activated_experts.begin(), result.activated_experts.end(), int64_t{0});
    result.mean_activated_experts = static_cast<double>(union_sum) / model.n_moe_layers();
  }
  result.bytes = step_bytes(step, model);
  result.flops = step_flops(step, model);
  const double bytes_at_peak = peaks.bandwidth_bytes_per_s * step.latency_s;
  const double flops_at_peak = peaks.flops_per_s * step.latency_s;
  result.s_mbu = result.bytes.s_mbu_numerator() / bytes_at_peak;
  result.s_mbu_full = result.bytes.s_mbu_full_numerator() / bytes_at_peak;
  result.mbu = result.bytes.mbu_numerator() / bytes_at_peak;
  result.s_mfu = result.flops.sparse() / flops_at_peak;
  result.mfu = result.flops.dense() / flops_at_peak;
  return result;
}

}  // namespace moecap::host
