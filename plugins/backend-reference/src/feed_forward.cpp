#include "feed_forward.hpp"

#include <cmath>

#include "activation.hpp"
#include "linear.hpp"

namespace moecap::reference {

std::vector<double> mlp(const MlpWeights& w, int32_t activation, const std::vector<double>& x, StepCounters& counters) {
  std::vector<double> hidden = matvec(w.up, x, counters);
  if (w.gate) {
    const std::vector<double> gate = matvec(*w.gate, x, counters);
    for (size_t i = 0; i < hidden.size(); ++i) hidden[i] *= activate(activation, gate[i]);
  } else {
    for (double& h : hidden) h = activate(activation, h);
  }
  return matvec(w.down, hidden, counters);
}

std::vector<double> moe(const MoeWeights& w, const moecap_ffn_desc& ffn, const std::vector<double>& x,
                        std::vector<RoutedExpert>& routed, StepCounters& counters) {
  routed = route(w, ffn, x, counters);
  std::vector<double> out(x.size(), 0.0);
  for (const RoutedExpert& r : routed) {
    const std::vector<double> y = mlp(w.experts[static_cast<size_t>(r.expert)], ffn.activation, x, counters);
    for (size_t i = 0; i < out.size(); ++i) out[i] += r.weight * y[i];
  }
  if (w.shared) {
    const std::vector<double> y = mlp(*w.shared, ffn.activation, x, counters);
    double gate = 1.0;
    if (w.shared_gate) gate = 1.0 / (1.0 + std::exp(-matvec(*w.shared_gate, x, counters)[0]));
    for (size_t i = 0; i < out.size(); ++i) out[i] += gate * y[i];
  }
  return out;
}

}  // namespace moecap::reference
