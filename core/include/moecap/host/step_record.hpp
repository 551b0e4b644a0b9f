// What the host records about one backend step: the unit every metric is computed from.
//
// Recorded by the scheduler for every step it drives; consumed by metrics (S-MBU, S-MFU, TTFT …), by sinks
// (as STEP records) and by `moecap analyze` (read back from JSONL).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moecap::host {

enum class StepMode { prefill, decode, mixed };
const char* step_mode_name(StepMode mode);

struct StepRecord {
  int64_t index = 0;                     ///< step number within the run (warm-up steps are not recorded)
  StepMode mode = StepMode::decode;      ///< prefill: every sequence's n_new > 1 or pos == 0; decode: all n_new == 1
  int32_t n_seqs = 0;                    ///< sequences in the step
  int64_t n_tokens = 0;                  ///< new tokens processed (sum of n_new)
  int64_t n_prefill_tokens = 0;          ///< new tokens of sequences in prefill (pos == 0 or n_new > 1)
  int64_t n_decode_tokens = 0;           ///< new tokens of sequences decoding (n_new == 1 and pos > 0)
  std::vector<int64_t> context_lengths;  ///< per sequence: pos + n_new, the tokens attention reads
  std::vector<int64_t> new_tokens;       ///< per sequence: n_new (parallel to context_lengths)
  double start_s = 0;                    ///< host clock at the call
  double latency_s = 0;                  ///< host-measured wall time of the step call
  double device_s = 0;                   ///< the backend's own timing of the step
  int32_t n_layers = 0;
  int32_t expert_stride = 0;           ///< entries per layer in expert_tokens
  std::vector<int32_t> expert_tokens;  ///< [layer * expert_stride + expert]: tokens routed there this step
  struct Counter {
    std::string name;
    std::string unit;
    double value = 0;
  };
  std::vector<Counter> counters;  ///< the backend's named counters

  /// Experts with at least one token at a layer (the per-layer union S-MBU counts).
  int32_t activated_experts(int32_t layer) const {
    int32_t n = 0;
    for (int32_t e = 0; e < expert_stride; ++e) n += expert_tokens[static_cast<size_t>(layer) * expert_stride + e] > 0;
    return n;
  }
};

}  // namespace moecap::host
