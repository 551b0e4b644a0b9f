// Builders of StepRecords with a hand-made routing trace, shared by the metric tests.
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/host/step_record.hpp"

namespace moecap::test {

/// A step with the given contexts and per-sequence new tokens; mode follows StepRecord's rule.
inline host::StepRecord make_step(std::vector<int64_t> contexts, std::vector<int64_t> new_tokens, double latency_s,
                                  int32_t n_layers, int32_t expert_stride) {
  host::StepRecord step;
  step.context_lengths = std::move(contexts);
  step.new_tokens = std::move(new_tokens);
  step.n_seqs = static_cast<int32_t>(step.context_lengths.size());
  bool any_prefill = false;
  bool any_decode = false;
  for (size_t s = 0; s < step.new_tokens.size(); ++s) {
    const int64_t n = step.new_tokens[s];
    step.n_tokens += n;
    const bool prefill = n > 1 || step.context_lengths[s] == n;
    (prefill ? step.n_prefill_tokens : step.n_decode_tokens) += n;
    (prefill ? any_prefill : any_decode) = true;
  }
  step.mode = any_prefill && any_decode ? host::StepMode::mixed
              : any_prefill             ? host::StepMode::prefill
                                        : host::StepMode::decode;
  step.latency_s = latency_s;
  step.n_layers = n_layers;
  step.expert_stride = expert_stride;
  step.expert_tokens.assign(static_cast<size_t>(n_layers) * static_cast<size_t>(expert_stride), 0);
  return step;
}

/// Routes `tokens` of `layer` over the first `experts` experts as evenly as possible (each gets ≥ 1).
inline void spread(host::StepRecord& step, int32_t layer, int32_t experts, int32_t tokens) {
  for (int32_t i = 0; i < tokens; ++i) {
    step.expert_tokens[static_cast<size_t>(layer) * static_cast<size_t>(step.expert_stride) +
                       static_cast<size_t>(i % experts)] += 1;
  }
}

}  // namespace moecap::test
