// FFN activations over arrays.
#pragma once

#include <cstdint>

namespace moecap::kernels::cpu {

enum class Activation : int32_t { silu = 1, gelu = 2, gelu_tanh = 3 };  // values of moecap_activation

/// hidden[i] = act(gate[i]) · hidden[i] (gated FFN: hidden holds up·x).
void gated_activation(Activation act, const float* gate, float* hidden, int64_t n);
/// x[i] = act(x[i]).
void activation_in_place(Activation act, float* x, int64_t n);

}  // namespace moecap::kernels::cpu
