// RoPE frequencies of a model description (plain, linear-scaled or YaRN) and YaRN's magnitude factors,
// computed in double once per session. Shared by every backend: the reference defines the exact semantics
// (transformers' DeepSeek-V2/V3 YaRN), and a second copy would drift from it.
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/model.h"

namespace moecap::kernels {

/// YaRN's magnitude correction 0.1·mscale·ln(factor) + 1 (1 when factor <= 1).
double yarn_mscale(double factor, double mscale);

struct RopeTable {
  bool interleaved = false;                 ///< rotate adjacent pairs (DeepSeek) instead of halves
  std::vector<double> inverse_frequencies;  ///< rotary_dims / 2 of them
  double cos_sin_scale = 1.0;               ///< YaRN's attention factor, folded into cos and sin as HF does
};

/// rotary_dims: GQA: partial_rotary_factor·head_dim; MLA: the rope head dim. Throws moecap::Error
/// (UNSUPPORTED, message prefixed with backend_name) for a scaling kind without an implementation.
RopeTable rope_table(const moecap_attention_desc& attention, int32_t rotary_dims, const char* backend_name);

}  // namespace moecap::kernels
