// Adapts a backend Session to the workload's StepTarget.
#pragma once

#include <algorithm>

#include "moecap/host/plugin_proxies.hpp"
#include "moecap/host/workload.hpp"

namespace moecap::host {

class SessionStepTarget : public StepTarget {
 public:
  SessionStepTarget(Session& session, const moecap_model_desc& model) : session_(session) {
    shape_.vocab_size = model.vocab_size;
    shape_.n_layers = model.n_layers;
    shape_.layer_top_k.assign(static_cast<size_t>(model.n_layers), 0);
    for (int32_t layer = 0; layer < model.n_layers; ++layer) {
      const moecap_ffn_desc* ffn = model.layer_ffn[layer];
      if (ffn->kind == MOECAP_FFN_MOE) {
        shape_.expert_stride = std::max(shape_.expert_stride, ffn->n_experts);
        shape_.layer_top_k[static_cast<size_t>(layer)] = ffn->top_k;
      }
    }
    shape_.expert_stride = std::max(shape_.expert_stride, 1);
  }
  StepShape shape() const override { return shape_; }
  void step(const moecap_batch& batch, moecap_step_result& result) override { session_.step(batch, result); }
  void release(int64_t seq_id) override { session_.release(seq_id); }

 private:
  Session& session_;
  StepShape shape_;
};

}  // namespace moecap::host
