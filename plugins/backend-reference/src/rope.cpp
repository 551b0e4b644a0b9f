#include "rope.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "moecap/cpp/host.hpp"

namespace moecap::reference {
namespace {

// YaRN (Peng et al. 2023), written after the DeepSeek-V2 / HF implementations: dims whose wavelength is
// short compared to the original context keep their frequency ("extrapolate"), long ones are divided by the
// factor ("interpolate"), with a linear ramp between the correction dims of beta_fast and beta_slow rotations.
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
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    const double keep_extrapolated = 1.0 - ramp;
    out[static_cast<size_t>(i)] = interpolated * (1.0 - keep_extrapolated) + extrapolated * keep_extrapolated;
  }
  return out;
}

}  // namespace

double yarn_mscale(double factor, double mscale) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

Rope::Rope(const moecap_attention_desc& a, int32_t rotary_dims)
    : rotary_dims_(rotary_dims), interleaved_(a.rope_interleaved != 0) {
  const int32_t pairs = rotary_dims / 2;
  switch (a.rope_scaling) {
    case MOECAP_ROPE_NONE:
    case MOECAP_ROPE_LINEAR: {
      // Linear scaling divides positions by the factor, i.e. every frequency.
      const double divide = a.rope_scaling == MOECAP_ROPE_LINEAR ? a.rope_scaling_factor : 1.0;
      for (int32_t i = 0; i < pairs; ++i)
        inverse_frequencies_.push_back(1.0 / std::pow(a.rope_theta, 2.0 * i / rotary_dims) / divide);
      break;
    }
    case MOECAP_ROPE_YARN:
      inverse_frequencies_ = yarn_inverse_frequencies(a, rotary_dims);
      // As transformers: the ratio when both mscales are set, else the plain 0.1·ln(factor) + 1.
      cos_sin_scale_ = a.yarn_mscale != 0 && a.yarn_mscale_all_dim != 0
                           ? yarn_mscale(a.rope_scaling_factor, a.yarn_mscale) /
                                 yarn_mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim)
                           : yarn_mscale(a.rope_scaling_factor, 1.0);
      break;
    default:
      throw Error(MOECAP_ERR_UNSUPPORTED,
                  "reference backend: attention.rope_scaling = " + std::to_string(a.rope_scaling) +
                      " (dynamic / llama3) is not implemented; supported: none, linear, yarn");
  }
}

void Rope::apply(double* x, int32_t n_heads, int32_t head_size, int64_t pos) const {
  const int32_t pairs = rotary_dims_ / 2;
  for (int32_t i = 0; i < pairs; ++i) {
    const double angle = static_cast<double>(pos) * inverse_frequencies_[static_cast<size_t>(i)];
    const double c = std::cos(angle) * cos_sin_scale_;
    const double s = std::sin(angle) * cos_sin_scale_;
    for (int32_t h = 0; h < n_heads; ++h) {
      double* head = x + static_cast<int64_t>(h) * head_size;
      // Interleaved rotates adjacent pairs (2i, 2i+1); otherwise HF's rotate_half pairs i with i + dims/2.
      double& first = interleaved_ ? head[2 * i] : head[i];
      double& second = interleaved_ ? head[2 * i + 1] : head[i + pairs];
      const double a = first;
      const double b = second;
      first = a * c - b * s;
      second = b * c + a * s;
    }
  }
}

}  // namespace moecap::reference
