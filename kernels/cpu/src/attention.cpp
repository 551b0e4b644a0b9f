#include "moecap/kernels/cpu/attention.hpp"

#include <algorithm>
#include <cmath>

#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {

void softmax_in_place(float* x, int64_t n) {
  const float max_value = *std::max_element(x, x + n);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += (x[i] = std::exp(x[i] - max_value));
  const auto inverse = static_cast<float>(1.0 / total);
  for (int64_t i = 0; i < n; ++i) x[i] *= inverse;
}

void attend_head(const float* q, const float* keys, int64_t key_stride, const float* values, int64_t value_stride,
                 int64_t n_positions, int32_t qk_size, int32_t v_size, float scale, float* out, float* scores) {
  vector_kernels().attend(q, qk_size, 1, keys, key_stride, values, value_stride, n_positions, qk_size, v_size, scale,
                          out, v_size, scores);
}

void attend_heads(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride,
                  const float* values, int64_t value_stride, int64_t n_positions, int32_t qk_size, int32_t v_size,
                  float scale, float* out, int64_t out_stride, float* scores) {
  vector_kernels().attend(q, q_stride, group, keys, key_stride, values, value_stride, n_positions, qk_size, v_size,
                          scale, out, out_stride, scores);
}

}  // namespace moecap::kernels::cpu
