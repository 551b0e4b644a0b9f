#include "norm.hpp"

#include <cmath>

#include "linear.hpp"

namespace moecap::reference {

std::vector<double> rms_norm(const std::vector<double>& x, const WeightTensor& scale, double eps,
                             StepCounters& counters) {
  const size_t width = static_cast<size_t>(scale.size());
  std::vector<double> out(x.size());
  for (size_t start = 0; start < x.size(); start += width) {
    double sum_squares = 0;
    for (size_t i = 0; i < width; ++i) sum_squares += x[start + i] * x[start + i];
    const double inverse_rms = 1.0 / std::sqrt(sum_squares / static_cast<double>(width) + eps);
    for (size_t i = 0; i < width; ++i) out[start + i] = x[start + i] * inverse_rms * scale.at(static_cast<int64_t>(i));
  }
  touch(scale, counters);
  return out;
}

std::vector<double> layer_norm(const std::vector<double>& x, const WeightTensor& scale, const WeightTensor* bias,
                               double eps, StepCounters& counters) {
  const double n = static_cast<double>(x.size());
  double mean = 0;
  for (double v : x) mean += v;
  mean /= n;
  double variance = 0;
  for (double v : x) variance += (v - mean) * (v - mean);
  variance /= n;
  const double inverse_std = 1.0 / std::sqrt(variance + eps);
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    out[i] = (x[i] - mean) * inverse_std * scale.at(static_cast<int64_t>(i));
    if (bias != nullptr) out[i] += bias->at(static_cast<int64_t>(i));
  }
  touch(scale, counters);
  if (bias != nullptr) touch(*bias, counters);
  return out;
}

}  // namespace moecap::reference
