#include "moecap/host/step_runner.hpp"

#include <algorithm>
#include <cstring>

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
  const moecap_model_desc& d = model_->describe();
  std::vector<int64_t> ids, positions;
  std::vector<int32_t> n_new, modes, tokens;
  size_t rows = 0;
  for (const SequenceStep& s : sequences) {
    const auto held =
        std::find_if(positions_.begin(), positions_.end(), [&](const auto& p) { return p.first == s.id; });
    ids.push_back(s.id);
    positions.push_back(held == positions_.end() ? 0 : held->second);
    n_new.push_back(static_cast<int32_t>(s.tokens.size()));
    modes.push_back(s.logits_mode);
    tokens.insert(tokens.end(), s.tokens.begin(), s.tokens.end());
    rows += s.logits_mode == MOECAP_LOGITS_ALL ? s.tokens.size() : s.logits_mode == MOECAP_LOGITS_LAST ? 1 : 0;
  }
  moecap_batch batch;
  std::memset(&batch, 0, sizeof batch);
  batch.struct_size = sizeof batch;
  batch.abi_minor = MOECAP_ABI_MINOR;
  batch.n_seqs = static_cast<int32_t>(sequences.size());
  batch.n_tokens = static_cast<int32_t>(tokens.size());
  batch.seq_ids = ids.data();
  batch.n_new = n_new.data();
  batch.pos = positions.data();
  batch.logits_mode = modes.data();
  batch.token_ids = tokens.data();

  StepOutput out;
  out.logits.assign(rows * static_cast<size_t>(d.vocab_size), -12345.0f);
  out.expert_tokens.assign(static_cast<size_t>(d.n_layers) * static_cast<size_t>(expert_stride_), -7);
  out.topk_ids.assign(tokens.size() * static_cast<size_t>(d.n_layers) * static_cast<size_t>(topk_stride_), -7);
  out.status.assign(sequences.size(), -7);
  out.counters.resize(16);
  moecap_step_result result;
  std::memset(&result, 0, sizeof result);
  result.struct_size = sizeof result;
  result.abi_minor = MOECAP_ABI_MINOR;
  result.logits = out.logits.data();
  result.logits_capacity = out.logits.size();
  result.expert_tokens = out.expert_tokens.data();
  result.expert_stride = expert_stride_;
  result.topk_stride = topk_stride_;
  result.topk_ids = out.topk_ids.data();
  result.seq_status = out.status.data();
  result.counters = out.counters.data();
  result.counters_capacity = static_cast<int32_t>(out.counters.size());
  session_.step(batch, result);
  out.counters.resize(static_cast<size_t>(std::clamp(result.counters_count, 0, result.counters_capacity)));

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
