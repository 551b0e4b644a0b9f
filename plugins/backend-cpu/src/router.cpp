#include "router.hpp"

#include <algorithm>
#include <cmath>

namespace moecap::cpu_backend {
namespace {

/// The k best indices of values (descending; ties: lowest index first) among those with eligible[i].
std::vector<int32_t> top_k_indices(const std::vector<double>& values, const std::vector<bool>& eligible, int32_t k) {
  std::vector<int32_t> order;
  for (size_t i = 0; i < values.size(); ++i)
    if (eligible[i]) order.push_back(static_cast<int32_t>(i));
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return values[static_cast<size_t>(a)] > values[static_cast<size_t>(b)];
  });
  order.resize(std::min(order.size(), static_cast<size_t>(k)));
  return order;
}

std::vector<bool> eligible_experts(const std::vector<double>& selection, const moecap_ffn_desc& ffn) {
  std::vector<bool> eligible(selection.size(), true);
  if (ffn.n_group <= 1) return eligible;
  const int32_t group_size = ffn.n_experts / ffn.n_group;
  std::vector<double> group_scores(static_cast<size_t>(ffn.n_group));
  for (int32_t g = 0; g < ffn.n_group; ++g) {
    const std::vector<double> members(selection.begin() + g * group_size, selection.begin() + (g + 1) * group_size);
    double score = 0;
    if (ffn.router_scoring == MOECAP_ROUTER_SIGMOID) {
      for (int32_t best : top_k_indices(members, std::vector<bool>(members.size(), true), 2))
        score += members[static_cast<size_t>(best)];
    } else {
      score = *std::max_element(members.begin(), members.end());
    }
    group_scores[static_cast<size_t>(g)] = score;
  }
  std::vector<bool> kept_group(static_cast<size_t>(ffn.n_group), false);
  for (int32_t g : top_k_indices(group_scores, std::vector<bool>(group_scores.size(), true), ffn.topk_group))
    kept_group[static_cast<size_t>(g)] = true;
  for (int32_t e = 0; e < ffn.n_experts; ++e)
    eligible[static_cast<size_t>(e)] = kept_group[static_cast<size_t>(e / group_size)];
  return eligible;
}

}  // namespace

std::vector<RoutedExpert> route(const float* logits, const std::vector<float>& score_bias, const moecap_ffn_desc& ffn) {
  const auto n = static_cast<size_t>(ffn.n_experts);
  std::vector<double> scores(n);
  if (ffn.router_scoring == MOECAP_ROUTER_SIGMOID) {
    for (size_t i = 0; i < n; ++i) scores[i] = 1.0 / (1.0 + std::exp(-static_cast<double>(logits[i])));
  } else {
    const double max_logit = *std::max_element(logits, logits + n);
    double total = 0;
    for (size_t i = 0; i < n; ++i) total += (scores[i] = std::exp(logits[i] - max_logit));
    for (double& s : scores) s /= total;
  }
  std::vector<double> selection = scores;
  if (!score_bias.empty())
    for (size_t i = 0; i < n; ++i) selection[i] += score_bias[i];

  const std::vector<int32_t> chosen = top_k_indices(selection, eligible_experts(selection, ffn), ffn.top_k);
  double total = 0;
  for (int32_t e : chosen) total += scores[static_cast<size_t>(e)];
  std::vector<RoutedExpert> out;
  for (int32_t e : chosen) {
    double weight = scores[static_cast<size_t>(e)];
    if (ffn.renormalize_topk) weight /= total;
    out.push_back({e, static_cast<float>(weight * ffn.routed_scaling_factor)});
  }
  return out;
}

}  // namespace moecap::cpu_backend
