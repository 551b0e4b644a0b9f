// Decode attention over the positions a KV cache holds (softmax with the max subtracted): one query head, or
// the group of query heads that share a KV head (GQA), which reads each K/V row once for the whole group.
#pragma once

#include <cstdint>

namespace moecap::kernels::cpu {

/// q: qk_size floats. Key t is keys + t·key_stride (qk_size floats), value t is values + t·value_stride
/// (v_size floats), for t < n_positions. out (v_size) = Σ_t softmax(scale·q·k)_t · v_t. scores: scratch of
/// n_positions floats.
void attend_head(const float* q, const float* keys, int64_t key_stride, const float* values, int64_t value_stride,
                 int64_t n_positions, int32_t qk_size, int32_t v_size, float scale, float* out, float* scores);

/// The `group` query heads q + g·q_stride sharing the keys and values above; out + g·out_stride gets head g.
/// scores: scratch of group·n_positions floats.
void attend_heads(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride,
                  const float* values, int64_t value_stride, int64_t n_positions, int32_t qk_size, int32_t v_size,
                  float scale, float* out, int64_t out_stride, float* scores);

/// In place, max subtracted first (no overflow).
void softmax_in_place(float* x, int64_t n);

}  // namespace moecap::kernels::cpu
