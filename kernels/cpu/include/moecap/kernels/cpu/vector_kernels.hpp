// The bandwidth-bound inner kernels, one table per instruction set, picked at run time.
//
// Decode is a matrix-vector product over weights read once per step: the kernels stream each weight row
// exactly once for all the step's tokens (a block of rows stays in L1 while every token uses it), convert
// bf16/f16 to f32 in registers and accumulate in f32 with FMA.
#pragma once

#include <cstdint>

#include "moecap/kernels/cpu/instruction_set.hpp"
#include "moecap/kernels/cpu/matrix_view.hpp"

namespace moecap::kernels::cpu {

struct VectorKernels {
  InstructionSet isa;
  /// For r in [row_begin, row_end) and t < n_tokens: y[t·y_stride + r] = Σ_c W[r, c] · x[t·x_stride + c].
  /// Any n_tokens; the weights are read once per call whatever n_tokens is.
  void (*gemv)(const MatrixView& w, int64_t row_begin, int64_t row_end, const float* x, int64_t x_stride,
               int32_t n_tokens, float* y, int64_t y_stride);
  /// Σ a[i]·b[i].
  float (*dot)(const float* a, const float* b, int64_t n);
  /// y[i] += alpha·x[i].
  void (*axpy)(float alpha, const float* x, float* y, int64_t n);
  /// Decode attention of `group` query heads sharing one KV head: for g < group, out + g·out_stride (v_size
  /// floats) = Σ_t softmax_t(scale · q_g·k_t) · v_t with q_g = q + g·q_stride (qk_size floats), key t at
  /// keys + t·key_stride, value t at values + t·value_stride, t < n_positions. Each K/V row is read once for
  /// the whole group. scores: scratch of group·n_positions floats.
  void (*attend)(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride,
                 const float* values, int64_t value_stride, int64_t n_positions, int32_t qk_size, int32_t v_size,
                 float scale, float* out, int64_t out_stride, float* scores);
  /// Rows [row_begin, row_end) of w as f32, row-major into out (tiles for the GEMM of 16-bit weights).
  void (*rows_to_f32)(const MatrixView& w, int64_t row_begin, int64_t row_end, float* out);
};

/// The table of the active instruction set (instruction_set.hpp); resolved once, thread-safe.
const VectorKernels& vector_kernels();
/// The table of a given set; the caller guarantees the CPU supports it.
const VectorKernels& vector_kernels(InstructionSet isa);

// One table per translation unit (each compiled with its own -m flags).
const VectorKernels& scalar_vector_kernels();
const VectorKernels& avx2_vector_kernels();
const VectorKernels& avx512_vector_kernels();

}  // namespace moecap::kernels::cpu
