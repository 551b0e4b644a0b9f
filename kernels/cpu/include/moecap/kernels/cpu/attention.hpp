// Decode attention over the positions a KV cache holds (softmax with the max subtracted), for the group of
// query heads that share a KV head (GQA; MHA and MLA: groups of one), which reads each K/V row once for the
// whole group. The kernel is the active instruction set's VectorKernels::attend.
#pragma once

#include <cstdint>

namespace moecap::kernels::cpu {

/// For g < group: out + g·out_stride (v_size floats) = Σ_t softmax_t(scale · q_g·k_t) · v_t, with
/// q_g = q + g·q_stride (qk_size floats), key t at keys + t·key_stride (qk_size floats) and value t at
/// values + t·value_stride (v_size floats), t < n_positions. scores: scratch of group·n_positions floats.
void attend_heads(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride,
                  const float* values, int64_t value_stride, int64_t n_positions, int32_t qk_size, int32_t v_size,
                  float scale, float* out, int64_t out_stride, float* scores);

}  // namespace moecap::kernels::cpu
