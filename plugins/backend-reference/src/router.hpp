// Which experts a token goes to, and with what weights.
#pragma once

#include <vector>

#include "model_weights.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

struct RoutedExpert {
  int32_t expert;
  double weight;
};

/// Scores (softmax or sigmoid of router·x), selection on scores + score_bias, group-limited when n_group > 1
/// (a group scores the sum of its top-2 biased scores for sigmoid routing, its max for softmax; experts of the
/// other groups get selection score 0, as transformers masks them), top_k by
/// selection score with ties to the lowest expert index, weights = the unbiased scores of the chosen experts,
/// renormalised when renormalize_topk, times routed_scaling_factor. Returned in selection order.
std::vector<RoutedExpert> route(const MoeWeights& w, const moecap_ffn_desc& ffn, const std::vector<double>& x,
                                StepCounters& counters);

/// The k best indices of values (descending; ties: lowest index first) among those with eligible[i].
std::vector<int32_t> top_k_indices(const std::vector<double>& values, const std::vector<bool>& eligible, int32_t k);

}  // namespace moecap::reference
