#include "rope_frequencies.hpp"

#include <cmath>
#include <utility>

namespace moecap::cpu_backend {

RopeFrequencies::RopeFrequencies(const moecap_attention_desc& a, int32_t rotary_dims) {
  kernels::RopeTable table = kernels::rope_table(a, rotary_dims, "cpu backend");
  interleaved_ = table.interleaved;
  inverse_frequencies_ = std::move(table.inverse_frequencies);
  cos_sin_scale_ = table.cos_sin_scale;
}

void RopeFrequencies::angles(int64_t position, float* cos, float* sin) const {
  for (size_t i = 0; i < inverse_frequencies_.size(); ++i) {
    const double angle = static_cast<double>(position) * inverse_frequencies_[i];
    cos[i] = static_cast<float>(std::cos(angle) * cos_sin_scale_);
    sin[i] = static_cast<float>(std::sin(angle) * cos_sin_scale_);
  }
}

}  // namespace moecap::cpu_backend
