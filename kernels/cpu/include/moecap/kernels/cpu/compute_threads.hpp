// The one pool of threads a session computes with: a oneTBB task arena of `threads` slots.
//
// Every parallel loop of the kernels runs inside run(), so the `threads` knob bounds all of them, nested
// loops included (experts × rows, tokens × heads). OpenBLAS is told to use ONE thread of its own
// (use_single_threaded_blas): the GEMMs are cut into row tiles that TBB spreads over the arena, so the
// machine is never oversubscribed by two pools fighting over the same cores, and a GEMM per expert can run
// beside another expert's.
#pragma once

#include <tbb/task_arena.h>

#include <utility>

namespace moecap::kernels::cpu {

class ComputeThreads {
 public:
  /// threads <= 0: every hardware thread the process may use.
  explicit ComputeThreads(int threads = 0);

  int count() const { return threads_; }

  /// Runs f inside the arena (parallel loops inside f use at most count() threads).
  template <class F>
  decltype(auto) run(F&& f) {
    return arena_.execute(std::forward<F>(f));
  }

 private:
  int threads_;
  tbb::task_arena arena_;
};

/// The hardware threads available to the process (its affinity mask).
int available_hardware_threads();

/// openblas_set_num_threads(1): see the file comment. Process-wide, idempotent.
void use_single_threaded_blas();

/// openblas_set_num_threads(threads), for the sgemm ceiling probe, which measures OpenBLAS on its own.
void set_blas_threads(int threads);

}  // namespace moecap::kernels::cpu
