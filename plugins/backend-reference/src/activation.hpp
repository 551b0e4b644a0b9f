// The FFN activations of the canonical description.
#pragma once

#include <cmath>
#include <numbers>

#include "moecap/model.h"

namespace moecap::reference {

inline double silu(double x) {
  return x / (1.0 + std::exp(-x));
}
/// Exact GELU: x·Φ(x).
inline double gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::numbers::sqrt2));
}
/// The tanh approximation (HF "gelu_pytorch_tanh" / "gelu_new").
inline double gelu_tanh(double x) {
  const double k = std::sqrt(2.0 / std::numbers::pi);
  return 0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x)));
}

/// activation is a moecap_activation the session checked at creation.
inline double activate(int32_t activation, double x) {
  switch (activation) {
    case MOECAP_ACT_GELU:
      return gelu(x);
    case MOECAP_ACT_GELU_TANH:
      return gelu_tanh(x);
    default:
      return silu(x);
  }
}

}  // namespace moecap::reference
