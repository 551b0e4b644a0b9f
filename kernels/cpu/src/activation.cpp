#include "moecap/kernels/cpu/activation.hpp"

#include <cmath>
#include <numbers>

namespace moecap::kernels::cpu {
namespace {

inline float activate(Activation act, float x) {
  switch (act) {
    case Activation::gelu:
      return 0.5f * x * (1.0f + std::erf(x / std::numbers::sqrt2_v<float>));
    case Activation::gelu_tanh: {
      const float k = std::sqrt(2.0f / std::numbers::pi_v<float>);
      return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
    }
    default:
      return x / (1.0f + std::exp(-x));
  }
}

}  // namespace

void gated_activation(Activation act, const float* gate, float* hidden, int64_t n) {
  for (int64_t i = 0; i < n; ++i) hidden[i] *= activate(act, gate[i]);
}

void activation_in_place(Activation act, float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = activate(act, x[i]);
}

}  // namespace moecap::kernels::cpu
