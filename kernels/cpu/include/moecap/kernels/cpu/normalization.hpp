// RMSNorm and LayerNorm of rows of activations; sums of squares in double (a 4096-wide f32 sum loses digits
// the conformance tolerance would notice).
#pragma once

#include <cstdint>

namespace moecap::kernels::cpu {

/// out = x / sqrt(mean(x²) + eps) · scale, over each group of `width` consecutive elements of a row of
/// `size` (width == size: the whole row; width == head size: per head, as qk-norm does).
void rms_norm(const float* x, const float* scale, int64_t size, int64_t width, double eps, float* out);

/// out = (x − mean) / sqrt(var + eps) · scale (+ bias when non-NULL) over a row of size elements.
void layer_norm(const float* x, const float* scale, const float* bias, int64_t size, double eps, float* out);

}  // namespace moecap::kernels::cpu
