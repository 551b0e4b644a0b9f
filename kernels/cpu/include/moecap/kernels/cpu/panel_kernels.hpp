// The matrix products over weights in the panel layout (matrix_view.hpp), one table per instruction set.
//
// GEMM: the activations are first packed into strips of kStripTokens tokens (pack_token_strips), in blocks of
// kBlockColumns input columns; a 6×16 micro-kernel then multiplies one strip by one panel's block, which
// stays in L1 while every strip of the step streams past it from L2. The weights need no packing at run
// time (they were laid out so at load), which is what a general sgemm spends a good part of a small
// product on: an expert's product has only ~M = 2·tokens/experts rows.
// GEMV: 16 rows per panel accumulated with vertical FMAs; one token reads four panels at a time, each from
// its own quarter of a chunk of the matrix (four long sequential streams, as the row-major GEMV does); two or
// three tokens read two such lanes, more tokens one, in chunks of four.
#pragma once

#include <cstdint>

#include "moecap/kernels/cpu/instruction_set.hpp"
#include "moecap/kernels/cpu/matrix_view.hpp"

namespace moecap::kernels::cpu {

/// Tokens per strip of packed activations (the micro-kernel's rows).
inline constexpr int32_t kStripTokens = 6;
/// Input columns per block: a panel's block (16 × 256 f32 = 16 KB) stays in L1 across the strips.
inline constexpr int64_t kBlockColumns = 256;

/// Floats pack_token_strips writes for n_tokens tokens of cols inputs.
inline int64_t token_strips_floats(int32_t n_tokens, int64_t cols) {
  return (n_tokens + kStripTokens - 1) / kStripTokens * kStripTokens * cols;
}

/// x (n_tokens rows of cols floats, x_stride apart) into out: for each block of kBlockColumns columns
/// (starting at column b), the strips one after another (strip s at out + strips·6·b + s·6·block_cols), each
/// strip column by column, the 6 tokens of a column contiguous; missing tokens of the last strip are zero.
void pack_token_strips(const float* x, int64_t x_stride, int32_t n_tokens, int64_t cols, float* out);

struct PanelKernels {
  InstructionSet isa;
  /// For rows r of panels [panel_begin, panel_end) and t < n_tokens: y[t·y_stride + r] = Σ_c W[r, c]·x[t·x_stride
  /// + c]. The weights are read once whatever n_tokens is (meant for few tokens: decode).
  void (*gemv)(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x, int64_t x_stride,
               int32_t n_tokens, float* y, int64_t y_stride);
  /// The same product over activations packed by pack_token_strips (meant for many tokens: prefill).
  void (*gemm)(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x_strips, int32_t n_tokens,
               float* y, int64_t y_stride);
};

/// The table of the active instruction set (AVX-512 CPUs run the AVX2 one); resolved once, thread-safe.
const PanelKernels& panel_kernels();
/// The table of a given set; the caller guarantees the CPU supports it.
const PanelKernels& panel_kernels(InstructionSet isa);

const PanelKernels& scalar_panel_kernels();
const PanelKernels& avx2_panel_kernels();

}  // namespace moecap::kernels::cpu
