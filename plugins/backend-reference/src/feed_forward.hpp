// The FFN of a layer: a dense MLP, or routed experts plus optional (gated) shared experts.
#pragma once

#include <vector>

#include "model_weights.hpp"
#include "router.hpp"
#include "step_counters.hpp"

namespace moecap::reference {

/// down(act(gate·x) ⊙ up·x) when gated, down(act(up·x)) otherwise.
std::vector<double> mlp(const MlpWeights& w, int32_t activation, const std::vector<double>& x, StepCounters& counters);

/// Routed experts weighted by the router, plus the shared experts (times sigmoid(shared_gate·x) when gated).
/// routed receives the chosen experts, in selection order, for the routing trace.
std::vector<double> moe(const MoeWeights& w, const moecap_ffn_desc& ffn, const std::vector<double>& x,
                        std::vector<RoutedExpert>& routed, StepCounters& counters);

}  // namespace moecap::reference
