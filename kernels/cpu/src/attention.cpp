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
  const VectorKernels& k = vector_kernels();
  for (int64_t t = 0; t < n_positions; ++t) scores[t] = scale * k.dot(q, keys + t * key_stride, qk_size);
  softmax_in_place(scores, n_positions);
  std::fill_n(out, v_size, 0.0f);
  for (int64_t t = 0; t < n_positions; ++t) k.axpy(scores[t], values + t * value_stride, out, v_size);
}

}  // namespace moecap::kernels::cpu
