#include "rope_frequencies.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "moecap/cpp/host.hpp"

namespace moecap::cpu_backend {
namespace {

// YaRN (Peng et al. 2023) after DeepSeek-V2 / HF: short wavelengths keep their frequency, long ones are
// divided by the factor, with a linear ramp between the beta_fast and beta_slow correction dims.
double correction_dim(double rotations, int32_t dims, double base, double original_max_position) {
  return dims * std::log(original_max_position / (rotations * 2.0 * std::numbers::pi)) / (2.0 * std::log(base));
}

std::vector<double> yarn_inverse_frequencies(const moecap_attention_desc& a, int32_t dims) {
  const double base = a.rope_theta;
  const double factor = a.rope_scaling_factor;
  const double original = a.rope_original_max_position;
  double low = std::floor(correction_dim(a.yarn_beta_fast, dims, base, original));
  double high = std::ceil(correction_dim(a.yarn_beta_slow, dims, base, original));
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dims - 1));
  if (low == high) high += 0.001;  // avoid a zero-width ramp
  std::vector<double> out(static_cast<size_t>(dims / 2));
  for (int32_t i = 0; i < dims / 2; ++i) {
    const double extrapolated = 1.0 / std::pow(base, 2.0 * i / dims);
    const double interpolated = extrapolated / factor;
    const double keep_extrapolated = 1.0 - std::clamp((i - low) / (high - low), 0.0, 1.0);
    out[static_cast<size_t>(i)] = interpolated * (1.0 - keep_extrapolated) + extrapolated * keep_extrapolated;
  }
  return out;
}

}  // namespace

double yarn_mscale(double factor, double mscale) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

RopeFrequencies::RopeFrequencies(const moecap_attention_desc& a, int32_t rotary_dims)
    : interleaved_(a.rope_interleaved != 0) {
  switch (a.rope_scaling) {
    case MOECAP_ROPE_NONE:
    case MOECAP_ROPE_LINEAR: {
      const double divide = a.rope_scaling == MOECAP_ROPE_LINEAR ? a.rope_scaling_factor : 1.0;
      for (int32_t i = 0; i < rotary_dims / 2; ++i)
        inverse_frequencies_.push_back(1.0 / std::pow(a.rope_theta, 2.0 * i / rotary_dims) / divide);
      break;
    }
    case MOECAP_ROPE_YARN:
      inverse_frequencies_ = yarn_inverse_frequencies(a, rotary_dims);
      cos_sin_scale_ =
          yarn_mscale(a.rope_scaling_factor, a.yarn_mscale) / yarn_mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim);
      break;
    default:
      throw Error(MOECAP_ERR_UNSUPPORTED,
                  "cpu backend: model description attention.rope_scaling = " + std::to_string(a.rope_scaling) +
                      " is not implemented; supported: none, linear, yarn");
  }
}

void RopeFrequencies::angles(int64_t position, float* cos, float* sin) const {
  for (size_t i = 0; i < inverse_frequencies_.size(); ++i) {
    const double angle = static_cast<double>(position) * inverse_frequencies_[i];
    cos[i] = static_cast<float>(std::cos(angle) * cos_sin_scale_);
    sin[i] = static_cast<float>(std::sin(angle) * cos_sin_scale_);
  }
}

}  // namespace moecap::cpu_backend
