#include "moecap/host/step_runner.hpp"

#include <algorithm>

namespace moecap::host {

StepRunner::StepRunner(const BackendProxy& backend, std::shared_ptr<const Model> model, const moecap_config* config)
    : model_(model), session_(backend.create_session(model, config)) {
  const moecap_model_desc& d = model_->describe();
  for (int32_t layer = 0; layer < d.n_layers; ++layer) {
    const moecap_ffn_desc& ffn = *d.layer_ffn[layer];
    if (ffn.kind != MOECAP_FFN_MOE) continue;
    expert_stride_ = std::max(expert_stride_, ffn.n_experts);
    topk_stride_ = std::max(topk_stride_, ffn.top_k);
  }
}

StepOutput StepRunner::step(const std::vector<SequenceStep>& sequences) {
  std::vector<PositionedSequence> positioned;
  for (const SequenceStep& s : sequences) {
    const auto held =
        std::find_if(positions_.begin(), positions_.end(), [&](const auto& p) { return p.first == s.id; });
    positioned.push_back({s.id, held == positions_.end() ? 0 : held->second, s.tokens, s.logits_mode});
  }
  StepArrays arrays(positioned, model_->describe(), expert_stride_, topk_stride_);
  session_.step(arrays.batch(), arrays.result());
  StepOutput out = arrays.take();

  for (size_t i = 0; i < sequences.size(); ++i) {
    if (out.status[i] != MOECAP_OK) continue;
    auto held =
        std::find_if(positions_.begin(), positions_.end(), [&](const auto& p) { return p.first == sequences[i].id; });
    if (held == positions_.end()) held = positions_.insert(positions_.end(), {sequences[i].id, 0});
    held->second += static_cast<int64_t>(sequences[i].tokens.size());
  }
  return out;
}

std::vector<int32_t> StepRunner::experts_of(const StepOutput& output, size_t token, int32_t layer) const {
  const size_t stride = static_cast<size_t>(topk_stride_);
  const size_t first = (token * static_cast<size_t>(describe().n_layers) + static_cast<size_t>(layer)) * stride;
  std::vector<int32_t> experts;
  // -1 marks an unused slot; anything else stays, so an unwritten slot (-7) is a visible mismatch.
  for (size_t j = 0; j < stride && first + j < output.topk_ids.size(); ++j)
    if (output.topk_ids[first + j] != -1) experts.push_back(output.topk_ids[first + j]);
  std::sort(experts.begin(), experts.end());
  return experts;
}

}  // namespace moecap::host
