#include "rope.hpp"

#include <cmath>
#include <utility>

namespace moecap::reference {

Rope::Rope(const moecap_attention_desc& a, int32_t rotary_dims) : rotary_dims_(rotary_dims) {
  kernels::RopeTable table = kernels::rope_table(a, rotary_dims, "reference backend");
  interleaved_ = table.interleaved;
  inverse_frequencies_ = std::move(table.inverse_frequencies);
  cos_sin_scale_ = table.cos_sin_scale;
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
