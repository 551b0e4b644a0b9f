#include "moecap/kernels/cpu/activation.hpp"

#include <cmath>
#include <numbers>

#include "moecap/kernels/cpu/instruction_set.hpp"

namespace moecap::kernels::cpu {

// activation_avx2.cpp: the vector part of SiLU; each returns how many leading elements it did.
int64_t gated_silu_avx2(const float* gate, float* hidden, int64_t n);
int64_t silu_in_place_avx2(float* x, int64_t n);

namespace {

bool vector_silu() {
  static const bool available = static_cast<int>(active_instruction_set()) >= static_cast<int>(InstructionSet::avx2);
  return available;
}

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
  int64_t i = act == Activation::silu && vector_silu() ? gated_silu_avx2(gate, hidden, n) : 0;
  for (; i < n; ++i) hidden[i] *= activate(act, gate[i]);
}

void activation_in_place(Activation act, float* x, int64_t n) {
  int64_t i = act == Activation::silu && vector_silu() ? silu_in_place_avx2(x, n) : 0;
  for (; i < n; ++i) x[i] = activate(act, x[i]);
}

}  // namespace moecap::kernels::cpu
