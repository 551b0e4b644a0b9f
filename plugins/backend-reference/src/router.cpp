#include "router.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "linear.hpp"

namespace moecap::reference {
namespace {

std::vector<double> softmax(const std::vector<double>& logits) {
  const double max_logit = *std::max_element(logits.begin(), logits.end());
  std::vector<double> out(logits.size());
  double total = 0;
  for (size_t i = 0; i < logits.size(); ++i) total += (out[i] = std::exp(logits[i] - max_logit));
  for (double& v : out) v /= total;
  return out;
}

std::vector<double> sigmoid(const std::vector<double>& logits) {
  std::vector<double> out(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = 1.0 / (1.0 + std::exp(-logits[i]));
  return out;
}

/// Group-limited routing (DeepSeek-V2 group_limited_greedy, V3 noaux_tc): experts outside the best topk_group
/// groups get selection score 0, exactly as transformers masks them (masked_fill 0.0). With softmax scores
/// (all positive) that makes them ineligible; with sigmoid + a negative score bias a masked expert can still
/// outrank an eligible one, and transformers then picks it, so the reference does too.
void mask_groups(std::vector<double>& selection, const moecap_ffn_desc& ffn) {
  if (ffn.n_group <= 1) return;
  const int32_t group_size = ffn.n_experts / ffn.n_group;
  const std::vector<bool> all_groups(static_cast<size_t>(ffn.n_group), true);
  std::vector<double> group_scores(static_cast<size_t>(ffn.n_group));
  for (int32_t g = 0; g < ffn.n_group; ++g) {
    const std::vector<double> members(selection.begin() + g * group_size, selection.begin() + (g + 1) * group_size);
    const std::vector<bool> all_members(members.size(), true);
    double score = 0;
    if (ffn.router_scoring == MOECAP_ROUTER_SIGMOID) {
      for (int32_t best : top_k_indices(members, all_members, 2)) score += members[static_cast<size_t>(best)];
    } else {
      score = *std::max_element(members.begin(), members.end());
    }
    group_scores[static_cast<size_t>(g)] = score;
  }
  std::vector<bool> kept_group(static_cast<size_t>(ffn.n_group), false);
  for (int32_t g : top_k_indices(group_scores, all_groups, ffn.topk_group)) kept_group[static_cast<size_t>(g)] = true;
  for (int32_t e = 0; e < ffn.n_experts; ++e)
    if (!kept_group[static_cast<size_t>(e / group_size)]) selection[static_cast<size_t>(e)] = 0.0;
}

}  // namespace

std::vector<int32_t> top_k_indices(const std::vector<double>& values, const std::vector<bool>& eligible, int32_t k) {
  std::vector<int32_t> order;
  for (size_t i = 0; i < values.size(); ++i)
    if (eligible[i]) order.push_back(static_cast<int32_t>(i));
  // stable_sort keeps ascending index order among equal values: ties go to the lowest index.
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return values[static_cast<size_t>(a)] > values[static_cast<size_t>(b)];
  });
  order.resize(std::min(order.size(), static_cast<size_t>(k)));
  return order;
}

std::vector<RoutedExpert> route(const MoeWeights& w, const moecap_ffn_desc& ffn, const std::vector<double>& x,
                                StepCounters& counters) {
  const std::vector<double> logits = matvec(w.router, x, counters);
  const std::vector<double> scores = ffn.router_scoring == MOECAP_ROUTER_SIGMOID ? sigmoid(logits) : softmax(logits);
  std::vector<double> selection = scores;
  if (w.score_bias) add_bias(selection, *w.score_bias, counters);

  std::vector<RoutedExpert> chosen;
  mask_groups(selection, ffn);
  for (int32_t e : top_k_indices(selection, std::vector<bool>(selection.size(), true), ffn.top_k))
    chosen.push_back({e, scores[static_cast<size_t>(e)]});
  if (ffn.renormalize_topk) {
    double total = 0;
    for (const RoutedExpert& r : chosen) total += r.weight;
    for (RoutedExpert& r : chosen) r.weight /= total;
  }
  for (RoutedExpert& r : chosen) r.weight *= ffn.routed_scaling_factor;
  return chosen;
}

}  // namespace moecap::reference
