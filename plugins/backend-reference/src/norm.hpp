// RMSNorm and LayerNorm over a vector or over consecutive slices of it (per-head qk-norm).
#pragma once

#include <vector>

#include "step_counters.hpp"
#include "weight_tensor.hpp"

namespace moecap::reference {

/// x / sqrt(mean(x²) + eps) · scale, applied independently to each slice of scale.size() elements.
/// x.size() is a multiple of the scale's size: equal for a whole-vector norm, head_dim for per-head.
std::vector<double> rms_norm(const std::vector<double>& x, const WeightTensor& scale, double eps,
                             StepCounters& counters);

/// (x − mean) / sqrt(var + eps) · scale (+ bias when bias is non-NULL); var is the population variance.
std::vector<double> layer_norm(const std::vector<double>& x, const WeightTensor& scale, const WeightTensor* bias,
                               double eps, StepCounters& counters);

}  // namespace moecap::reference
