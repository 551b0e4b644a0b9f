#include "moecap/kernels/cpu/attention.hpp"

#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {

void attend_heads(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride,
                  const float* values, int64_t value_stride, int64_t n_positions, int32_t qk_size, int32_t v_size,
                  float scale, float* out, int64_t out_stride, float* scores) {
  vector_kernels().attend(q, q_stride, group, keys, key_stride, values, value_stride, n_positions, qk_size, v_size,
                          scale, out, out_stride, scores);
}

}  // namespace moecap::kernels::cpu
