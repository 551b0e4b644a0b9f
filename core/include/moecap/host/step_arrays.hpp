// The arrays of one backend step, built from the sequences it runs: the moecap_batch that points into them
// and a moecap_step_result sized from the model description. Shared by StepRunner and the tests' plugin
// harness, which drive backends step by step and compare what they return.
//
// Result arrays are pre-filled with values no backend writes (logits -12345, ids and counts -7), so a backend
// that leaves part of its output unwritten shows up as a mismatch rather than as a stale zero.
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/moecap.h"

namespace moecap::host {

/// One sequence's part of a step: where it stands (tokens it already holds), the tokens it adds and which
/// logits it wants (moecap_logits_mode).
struct PositionedSequence {
  int64_t id;
  int64_t pos;
  std::vector<int32_t> tokens;
  int32_t logits_mode;
};

/// What one step returned, in the layouts of moecap/backend.h.
struct StepOutput {
  std::vector<float> logits;           ///< rows of vocab_size, in batch order
  std::vector<int32_t> expert_tokens;  ///< [layer * expert_stride + expert]
  std::vector<int32_t> topk_ids;       ///< [(token * n_layers + layer) * topk_stride + j]
  std::vector<int32_t> status;         ///< per sequence
  std::vector<moecap_counter> counters;
  double device_seconds = 0;
};

/// Not copyable or movable: the batch and the result point into the object's own vectors.
class StepArrays {
 public:
  /// expert_stride and topk_stride as the result is to carry them (at least the model's largest n_experts
  /// and top_k); room for 16 counters.
  StepArrays(const std::vector<PositionedSequence>& sequences, const moecap_model_desc& model, int32_t expert_stride,
             int32_t topk_stride);
  StepArrays(const StepArrays&) = delete;
  StepArrays& operator=(const StepArrays&) = delete;

  const moecap_batch& batch() const { return batch_; }
  moecap_step_result& result() { return result_; }

  /// The outputs after the step ran: the counters the backend wrote, its device_seconds. Call once.
  StepOutput take();

 private:
  std::vector<int64_t> ids_, positions_;
  std::vector<int32_t> n_new_, modes_, tokens_;
  StepOutput out_;
  moecap_batch batch_{};
  moecap_step_result result_{};
};

}  // namespace moecap::host
