#include "moecap/kernels/cpu/normalization.hpp"

#include <cmath>

namespace moecap::kernels::cpu {

void rms_norm(const float* x, const float* scale, int64_t size, int64_t width, double eps, float* out) {
  for (int64_t start = 0; start < size; start += width) {
    double sum_squares = 0;
    for (int64_t i = 0; i < width; ++i) sum_squares += static_cast<double>(x[start + i]) * x[start + i];
    const auto inverse_rms = static_cast<float>(1.0 / std::sqrt(sum_squares / static_cast<double>(width) + eps));
    for (int64_t i = 0; i < width; ++i) out[start + i] = x[start + i] * inverse_rms * scale[i];
  }
}

void layer_norm(const float* x, const float* scale, const float* bias, int64_t size, double eps, float* out) {
  double mean = 0;
  for (int64_t i = 0; i < size; ++i) mean += x[i];
  mean /= static_cast<double>(size);
  double variance = 0;
  for (int64_t i = 0; i < size; ++i) variance += (x[i] - mean) * (x[i] - mean);
  variance /= static_cast<double>(size);
  const double inverse_std = 1.0 / std::sqrt(variance + eps);
  for (int64_t i = 0; i < size; ++i) {
    float v = static_cast<float>((x[i] - mean) * inverse_std) * scale[i];
    if (bias != nullptr) v += bias[i];
    out[i] = v;
  }
}

}  // namespace moecap::kernels::cpu
