// Expert statistics over a run's routing traces (see expert_statistics.hpp).
#include "moecap/host/expert_statistics.hpp"

#include <algorithm>

#include "moecap/host/step_utilisation.hpp"

namespace moecap::host {

double ExpertStatistics::load_imbalance(int32_t layer) const {
  const auto begin = load.begin() + static_cast<std::ptrdiff_t>(layer) * expert_stride;
  const auto end = begin + expert_stride;
  int64_t total = 0;
  int64_t max_load = 0;
  for (auto it = begin; it != end; ++it) {
    total += *it;
    max_load = std::max(max_load, *it);
  }
  if (total == 0) return 0;
  return static_cast<double>(max_load) * expert_stride / static_cast<double>(total);
}

ExpertStatistics expert_statistics(std::span<const StepRecord> steps, const ModelAccounting& model,
                                   std::optional<StepMode> only_mode) {
  ExpertStatistics stats;
  stats.n_layers = model.n_layers();
  for (const LayerParams& layer : model.layers()) {
    stats.moe_layer.push_back(layer.is_moe);
    stats.expert_stride = std::max(stats.expert_stride, layer.n_routed_experts);
  }
  const auto n_layers = static_cast<size_t>(stats.n_layers);
  const auto stride = static_cast<size_t>(stats.expert_stride);
  stats.mean_activated_per_layer.assign(n_layers, 0);
  stats.load.assign(n_layers * stride, 0);

  int64_t union_sum = 0;
  for (const StepRecord& step : steps) {
    if (only_mode && step.mode != *only_mode) continue;
    ++stats.steps;
    const std::vector<int32_t> union_sizes = activated_experts_per_layer(step, model);
    for (size_t layer = 0; layer < n_layers; ++layer) {
      if (!stats.moe_layer[layer]) continue;
      stats.mean_activated_per_layer[layer] += union_sizes[layer];
      union_sum += union_sizes[layer];
      const auto experts = static_cast<size_t>(model.layer(static_cast<int32_t>(layer)).n_routed_experts);
      for (size_t expert = 0; expert < experts; ++expert) {
        stats.load[layer * stride + expert] +=
            step.expert_tokens[layer * static_cast<size_t>(step.expert_stride) + expert];
      }
    }
  }
  if (stats.steps > 0) {
    for (double& mean : stats.mean_activated_per_layer) mean /= static_cast<double>(stats.steps);
    if (model.n_moe_layers() > 0) {
      stats.mean_activated_per_moe_layer_step =
          static_cast<double>(union_sum) / (static_cast<double>(stats.steps) * model.n_moe_layers());
    }
  }
  return stats;
}

}  // namespace moecap::host
