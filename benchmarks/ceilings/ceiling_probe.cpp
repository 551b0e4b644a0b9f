// ceiling_probe [threads] [rounds]: the machine's ceilings at a thread count, several rounds, so their drift on
// a shared machine is visible.
#include <cstdio>
#include <cstdlib>

#include "moecap/ceilings/machine_ceilings.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : moecap::kernels::cpu::available_hardware_threads();
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  moecap::ceilings::BandwidthProbe probe;
  std::printf("threads %d (best / median of 5 passes)\n%5s %15s %15s %14s %14s\n", threads, "round", "read GB/s",
              "triad GB/s", "sgemm GFLOP/s", "(expert shape)");
  for (int r = 0; r < rounds; ++r) {
    const moecap::ceilings::ProbeResult read = probe.read(threads);
    const moecap::ceilings::ProbeResult triad = probe.triad(threads);
    const moecap::ceilings::GemmCeiling gemm = moecap::ceilings::measure_sgemm(threads);
    std::printf("%5d %7.2f/%7.2f %7.2f/%7.2f %14.1f %14.1f\n", r, read.best / 1e9, read.median / 1e9, triad.best / 1e9,
                triad.median / 1e9, gemm.square_flops_per_second / 1e9, gemm.expert_flops_per_second / 1e9);
  }
  return 0;
}
