// y = W·x for the tokens of a step, parallel over output rows: the matrix products of attention, routers,
// experts, dense FFNs and the LM head.
//
// Few tokens (decode): a bandwidth-bound GEMV, which reads each weight once for all tokens. Many tokens
// (prefill, a busy expert): a GEMM. Both follow the matrix's layout (matrix_view.hpp):
//  - panels (backend-cpu's own copy of the weights): the panel kernels (panel_kernels.hpp) — the weights
//    need no packing at run time and 16-bit weights are widened in registers;
//  - rows (weights read in place): the row GEMV of vector_kernels, and OpenBLAS sgemm over row tiles of W,
//    16-bit weights converted tile by tile into a per-thread f32 buffer (an L2-sized tile, reused across the
//    GEMM's tokens), so the activations stay f32 (cblas_sbgemm would round them to bf16 as well).
// Call from inside ComputeThreads::run.
#pragma once

#include <cstdint>
#include <span>

#include "moecap/kernels/cpu/matrix_view.hpp"

namespace moecap::kernels::cpu {

/// From this many tokens on, linear() uses the GEMM path.
inline constexpr int32_t kGemmMinTokens = 8;

/// For t < n_tokens and r < w.rows: y[t·y_stride + r] = Σ_c W[r, c]·x[t·x_stride + c].
void linear(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride);

/// One product of a group run together (linear_group).
struct LinearJob {
  MatrixView w;
  const float* x;
  int64_t x_stride;
  int32_t n_tokens;
  float* y;
  int64_t y_stride;
};

/// Runs independent products (q/k/v; the gate and up of every active expert; their downs) as ONE parallel
/// loop when all are GEMVs: a decode step then has a few joins per layer instead of one per matrix, and on a
/// shared machine every join waits for the slowest (possibly descheduled) thread. GEMM jobs run side by side,
/// each tiled inside.
void linear_group(std::span<const LinearJob> jobs);

/// The two paths on their own (benchmarks; linear() picks between them).
void linear_gemv(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride);
/// min_tiles: split into at least this many row tiles (0: two per thread; linear_group passes each job its
/// share of the group's work, since several GEMMs side by side already keep the threads busy).
void linear_gemm(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride,
                 int64_t min_tiles = 0);

}  // namespace moecap::kernels::cpu
