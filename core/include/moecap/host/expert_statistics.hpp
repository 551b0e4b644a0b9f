// Expert statistics of a run: how many experts each layer activated per step, and how the tokens spread
// over the experts (load). Inputs are the per-step routing traces (StepRecord::expert_tokens).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "moecap/host/model_accounting.hpp"
#include "moecap/host/step_record.hpp"

namespace moecap::host {

struct ExpertStatistics {
  int32_t n_layers = 0;
  int32_t expert_stride = 0;  ///< experts per layer in `load` (the widest MoE layer)
  int64_t steps = 0;
  std::vector<bool> moe_layer;                   ///< per layer
  std::vector<double> mean_activated_per_layer;  ///< per layer: mean union over steps (0 for dense layers)
  double mean_activated_per_moe_layer_step = 0;  ///< Σ unions / (steps × MoE layers)
  std::vector<int64_t> load;                     ///< [layer × expert_stride + expert]: tokens over all steps

  int64_t expert_load(int32_t layer, int32_t expert) const {
    return load.at(static_cast<size_t>(layer) * static_cast<size_t>(expert_stride) + static_cast<size_t>(expert));
  }
  /// Max over experts of a layer's load divided by its mean load (1 = perfectly balanced; 0 when unused).
  double load_imbalance(int32_t layer) const;
};

/// Statistics over the steps (optionally only those of one mode). Throws std::invalid_argument when a
/// step's trace does not fit the model (see activated_experts_per_layer).
ExpertStatistics expert_statistics(std::span<const StepRecord> steps, const ModelAccounting& model,
                                   std::optional<StepMode> only_mode = std::nullopt);

}  // namespace moecap::host
