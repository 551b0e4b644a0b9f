// What one step did, for the named counters of moecap_step_result.
#pragma once

#include <cstdint>
#include <unordered_map>

namespace moecap::reference {

struct StepCounters {
  /// 2·rows·cols per matrix-vector product plus 2·width per attention score and per value accumulation.
  double flops = 0;
  /// Bytes of K and V read by attention (the cache holds doubles).
  double kv_bytes_read = 0;
  /// Distinct weight tensors touched this step and their sizes: a batched backend reads each once per step,
  /// which is what S-MBU charges, so the reference reports that rather than its own per-token rereads.
  std::unordered_map<const void*, uint64_t> weights_touched;

  double weight_bytes_read() const {
    double total = 0;
    for (const auto& [data, bytes] : weights_touched) total += static_cast<double>(bytes);
    return total;
  }
};

}  // namespace moecap::reference
