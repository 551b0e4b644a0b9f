// Rotary position embedding: frequencies (plain, linear-scaled or YaRN) and the rotation itself.
#pragma once

#include <vector>

#include "moecap/kernels/common/rope_table.hpp"
#include "moecap/model.h"

namespace moecap::reference {

class Rope {
 public:
  /// rotary_dims: how many leading dims of each head rotate (GQA: partial_rotary_factor·head_dim; MLA: the
  /// rope head dim). Throws UNSUPPORTED for scaling kinds without an implementation here.
  Rope(const moecap_attention_desc& attention, int32_t rotary_dims);

  /// Rotates the first rotary_dims of each of n_heads consecutive heads of head_size in x, at position pos.
  void apply(double* x, int32_t n_heads, int32_t head_size, int64_t pos) const;

  int32_t rotary_dims() const { return rotary_dims_; }

 private:
  int32_t rotary_dims_;
  bool interleaved_;
  std::vector<double> inverse_frequencies_;  ///< rotary_dims / 2 of them
  double cos_sin_scale_ = 1.0;               ///< YaRN's attention factor, folded into cos and sin as HF does
};

using kernels::yarn_mscale;

}  // namespace moecap::reference
