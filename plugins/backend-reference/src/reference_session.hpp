// A reference session: the decoder plus one KV cache per live sequence, driven a step at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "decoder.hpp"
#include "moecap/cpp/plugin.hpp"
#include "moecap/cpp/step_checks.hpp"

namespace moecap::reference {

struct SessionLimits {
  int32_t max_sequences = 0;  ///< 0 = unbounded
  int64_t max_context = 0;    ///< longest sequence (pos + n_new); 0 = unbounded
};

class ReferenceSession final : public Session {
 public:
  ReferenceSession(const moecap_model_desc& desc, const moecap_weight_source_i& weights, SessionLimits limits);

  void info(moecap_session_info& out) override;
  void step(const moecap_batch& batch, moecap_step_result& result) override;
  void release(int64_t seq_id) override;

 private:
  using Layout = StepLayout;  // where each sequence's tokens and logits rows go in the step's arrays
  Layout check_step(const moecap_batch& batch, const moecap_step_result& result) const;
  int32_t check_sequence(const moecap_batch& batch, int32_t s, const Layout& layout) const;
  void run_sequence(const moecap_batch& batch, int32_t s, const Layout& layout, moecap_step_result& result,
                    std::vector<int32_t>& expert_tokens, StepCounters& counters);
  void write_counters(const StepCounters& counters, moecap_step_result& result) const;

  Decoder decoder_;
  SessionLimits limits_;
  std::map<int64_t, SequenceCache> sequences_;
  int32_t expert_stride_needed_ = 0;  ///< largest n_experts of any layer
  int32_t topk_stride_needed_ = 0;    ///< largest top_k of any layer
};

}  // namespace moecap::reference
