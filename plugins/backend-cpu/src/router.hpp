// Which experts a token goes to, with what weights: the reference's rule, in double, on the f32 router
// logits (so the routing trace matches the reference's except where two scores tie to f32 rounding).
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/model.h"

namespace moecap::cpu_backend {

struct RoutedExpert {
  int32_t expert;
  float weight;
};

/// Scores (softmax or sigmoid of the logits), selection on scores + score_bias (empty = none), group-limited
/// when n_group > 1 (a group scores the sum of its top-2 biased scores for sigmoid, its max for softmax),
/// top_k by selection score with ties to the lowest index, weights = unbiased scores of the chosen experts,
/// renormalised when renormalize_topk, times routed_scaling_factor. Returned in selection order.
std::vector<RoutedExpert> route(const float* logits, const std::vector<float>& score_bias, const moecap_ffn_desc& ffn);

}  // namespace moecap::cpu_backend
