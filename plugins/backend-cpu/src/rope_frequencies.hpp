// The per-position cos/sin tables the kernels rotate with, from the shared RoPE frequency table
// (kernels/common), so the frequencies are exactly backend-reference's.
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/kernels/common/rope_table.hpp"
#include "moecap/model.h"

namespace moecap::cpu_backend {

class RopeFrequencies {
 public:
  /// rotary_dims: GQA: partial_rotary_factor·head_dim; MLA: the rope head dim.
  RopeFrequencies(const moecap_attention_desc& attention, int32_t rotary_dims);

  int32_t pairs() const { return static_cast<int32_t>(inverse_frequencies_.size()); }
  bool interleaved() const { return interleaved_; }
  /// cos and sin (pairs() each) at position, YaRN's attention factor folded in (as HF does).
  void angles(int64_t position, float* cos, float* sin) const;

 private:
  bool interleaved_;
  std::vector<double> inverse_frequencies_;
  double cos_sin_scale_ = 1.0;
};

using kernels::yarn_mscale;

}  // namespace moecap::cpu_backend
