#include "moecap/kernels/cpu/compute_threads.hpp"

#include <cblas.h>
#include <sched.h>

#include <thread>

namespace moecap::kernels::cpu {

int available_hardware_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

ComputeThreads::ComputeThreads(int threads)
    : threads_(threads > 0 ? threads : available_hardware_threads()), arena_(threads_) {}

void use_single_threaded_blas() {
  openblas_set_num_threads(1);
}

void set_blas_threads(int threads) {
  openblas_set_num_threads(threads);
}

}  // namespace moecap::kernels::cpu
