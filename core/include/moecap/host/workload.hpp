// The built-in synthetic workload: fixed prompt and output lengths, a batch size, continuous batching.
//
// It knows nothing about models or backends beyond StepTarget (LoadGen's SystemUnderTest separation): it
// makes requests, groups them into steps, feeds generated tokens back, and records what each step did and
// when each request got its tokens. All requests arrive at the start (the offline scenario of the paper's
// fixed-batch sweep).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "moecap/backend.h"
#include "moecap/host/step_record.hpp"

namespace moecap::host {

struct WorkloadSpec {
  int64_t batch_size = 1;      ///< most sequences in one step
  int64_t prompt_tokens = 32;  ///< tokens per prompt (prefilled in one step)
  int64_t output_tokens = 16;  ///< tokens generated per request (the first comes from the prefill step)
  int64_t requests = 0;        ///< requests in the run; 0 = batch_size
  uint64_t seed = 0;           ///< prompt token ids are drawn from it
  int64_t warmup_steps = 1;    ///< steps driven on throw-away sequences before recording
};

/// What the workload needs to size a step's result buffers and check the routing trace.
struct StepShape {
  int32_t vocab_size = 0;
  int32_t n_layers = 0;
  int32_t expert_stride = 0;         ///< >= the most routed experts of any layer
  std::vector<int32_t> layer_top_k;  ///< per layer: experts each token is routed to (0 = dense layer)
};

/// The system under test, one step at a time. Implementations throw HostException on failure.
class StepTarget {
 public:
  virtual ~StepTarget() = default;
  virtual StepShape shape() const = 0;
  virtual void step(const moecap_batch& batch, moecap_step_result& result) = 0;
  virtual void release(int64_t seq_id) = 0;
};

struct RequestRecord {
  int64_t id = 0;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  double arrival_s = 0;               ///< host clock
  double first_token_s = 0;           ///< end of the step that produced the first token
  double finish_s = 0;                ///< end of the step that produced the last token
  std::vector<double> token_times_s;  ///< end time of the step that produced each output token
  std::vector<int32_t> output_ids;    ///< greedy tokens generated
};

struct WorkloadResult {
  std::vector<StepRecord> steps;
  std::vector<RequestRecord> requests;
  double start_s = 0;
  double end_s = 0;
};

/// Runs the workload to completion. on_step (optional) sees each recorded step as soon as it is done, so
/// sinks can stream. Throws HostException when a step fails, a sequence reports a failure, or the routing
/// trace is inconsistent (a step without a valid trace is an error, never a zero).
WorkloadResult run_fixed_workload(StepTarget& target, const WorkloadSpec& spec,
                                  const std::function<void(const StepRecord&)>& on_step = {});

}  // namespace moecap::host
