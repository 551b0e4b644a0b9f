#include "moecap/host/step_arrays.hpp"

#include <algorithm>
#include <utility>

namespace moecap::host {

StepArrays::StepArrays(const std::vector<PositionedSequence>& sequences, const moecap_model_desc& model,
                       int32_t expert_stride, int32_t topk_stride) {
  size_t rows = 0;
  for (const PositionedSequence& s : sequences) {
    ids_.push_back(s.id);
    positions_.push_back(s.pos);
    n_new_.push_back(static_cast<int32_t>(s.tokens.size()));
    modes_.push_back(s.logits_mode);
    tokens_.insert(tokens_.end(), s.tokens.begin(), s.tokens.end());
    rows += s.logits_mode == MOECAP_LOGITS_ALL ? s.tokens.size() : s.logits_mode == MOECAP_LOGITS_LAST ? 1 : 0;
  }
  batch_.struct_size = sizeof batch_;
  batch_.abi_minor = MOECAP_ABI_MINOR;
  batch_.n_seqs = static_cast<int32_t>(sequences.size());
  batch_.n_tokens = static_cast<int32_t>(tokens_.size());
  batch_.seq_ids = ids_.data();
  batch_.n_new = n_new_.data();
  batch_.pos = positions_.data();
  batch_.logits_mode = modes_.data();
  batch_.token_ids = tokens_.data();

  const auto layers = static_cast<size_t>(model.n_layers);
  out_.logits.assign(rows * static_cast<size_t>(model.vocab_size), -12345.0f);
  out_.expert_tokens.assign(layers * static_cast<size_t>(expert_stride), -7);
  out_.topk_ids.assign(tokens_.size() * layers * static_cast<size_t>(topk_stride), -7);
  out_.status.assign(sequences.size(), -7);
  out_.counters.resize(16);
  result_.struct_size = sizeof result_;
  result_.abi_minor = MOECAP_ABI_MINOR;
  result_.logits = out_.logits.data();
  result_.logits_capacity = out_.logits.size();
  result_.expert_tokens = out_.expert_tokens.data();
  result_.expert_stride = expert_stride;
  result_.topk_stride = topk_stride;
  result_.topk_ids = out_.topk_ids.empty() ? nullptr : out_.topk_ids.data();
  result_.seq_status = out_.status.data();
  result_.counters = out_.counters.data();
  result_.counters_capacity = static_cast<int32_t>(out_.counters.size());
}

StepOutput StepArrays::take() {
  out_.counters.resize(static_cast<size_t>(std::clamp(result_.counters_count, 0, result_.counters_capacity)));
  out_.device_seconds = result_.device_seconds;
  return std::move(out_);
}

}  // namespace moecap::host
