// Applying RoPE: the rotation itself, given each pair's cos and sin at a position (the frequencies, with
// their scaling, are the model's business and computed by the backend).
#pragma once

#include <cstdint>

namespace moecap::kernels::cpu {

/// Rotates the first 2·pairs dims of each of n_heads consecutive heads of head_size in x. interleaved:
/// pairs (2i, 2i+1); otherwise HF's rotate_half pairs i with i + pairs.
void apply_rotary(float* x, int32_t n_heads, int32_t head_size, int32_t pairs, bool interleaved, const float* cos,
                  const float* sin);

}  // namespace moecap::kernels::cpu
