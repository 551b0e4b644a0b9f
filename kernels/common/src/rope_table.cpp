#include "moecap/kernels/common/rope_table.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "moecap/cpp/host.hpp"

namespace moecap::kernels {
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
    const double keep_extrapolated = 1.0 - std::clamp((i - low) / (high - low), 0.0, 1.0);
    out[static_cast<size_t>(i)] = interpolated * (1.0 - keep_extrapolated) + extrapolated * keep_extrapolated;
  }
  return out;
}

}  // namespace

double yarn_mscale(double factor, double mscale) {
  return factor <= 1.0 ? 1.0 : 0.1 * mscale * std::log(factor) + 1.0;
}

RopeTable rope_table(const moecap_attention_desc& a, int32_t rotary_dims, const char* backend_name) {
  RopeTable table;
  table.interleaved = a.rope_interleaved != 0;
  switch (a.rope_scaling) {
    case MOECAP_ROPE_NONE:
    case MOECAP_ROPE_LINEAR: {
      // Linear scaling divides positions by the factor, i.e. every frequency.
      const double divide = a.rope_scaling == MOECAP_ROPE_LINEAR ? a.rope_scaling_factor : 1.0;
      for (int32_t i = 0; i < rotary_dims / 2; ++i)
        table.inverse_frequencies.push_back(1.0 / std::pow(a.rope_theta, 2.0 * i / rotary_dims) / divide);
      break;
    }
    case MOECAP_ROPE_YARN:
      table.inverse_frequencies = yarn_inverse_frequencies(a, rotary_dims);
      // As transformers: the ratio when both mscales are set, else the plain 0.1·ln(factor) + 1.
      table.cos_sin_scale = a.yarn_mscale != 0 && a.yarn_mscale_all_dim != 0
                                ? yarn_mscale(a.rope_scaling_factor, a.yarn_mscale) /
                                      yarn_mscale(a.rope_scaling_factor, a.yarn_mscale_all_dim)
                                : yarn_mscale(a.rope_scaling_factor, 1.0);
      break;
    default:
      throw Error(MOECAP_ERR_UNSUPPORTED, std::string(backend_name) + ": model description attention.rope_scaling = " +
                                              std::to_string(a.rope_scaling) +
                                              " is not supported; supported: none, linear, yarn");
  }
  return table;
}

}  // namespace moecap::kernels
