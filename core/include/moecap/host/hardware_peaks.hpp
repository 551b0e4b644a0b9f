// The two ceilings every utilisation ratio divides by.
#pragma once

namespace moecap::host {

/// Peaks of the whole system a step ran on (device peak × device count). Dense FLOP/s only: never a
/// 2:4-sparsity figure (moe-cap-method.md §6.2 K5), and of the dtype the step computes in.
struct HardwarePeaks {
  double bandwidth_bytes_per_s = 0;  ///< memory read bandwidth, bytes/s
  double flops_per_s = 0;            ///< dense peak of the compute dtype, FLOP/s
};

}  // namespace moecap::host
