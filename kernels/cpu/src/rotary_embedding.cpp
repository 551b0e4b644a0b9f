#include "moecap/kernels/cpu/rotary_embedding.hpp"

namespace moecap::kernels::cpu {

void apply_rotary(float* x, int32_t n_heads, int32_t head_size, int32_t pairs, bool interleaved, const float* cos,
                  const float* sin) {
  for (int32_t h = 0; h < n_heads; ++h) {
    float* head = x + static_cast<int64_t>(h) * head_size;
    for (int32_t i = 0; i < pairs; ++i) {
      float& first = interleaved ? head[2 * i] : head[i];
      float& second = interleaved ? head[2 * i + 1] : head[i + pairs];
      const float a = first;
      const float b = second;
      first = a * cos[i] - b * sin[i];
      second = b * cos[i] + a * sin[i];
    }
  }
}

}  // namespace moecap::kernels::cpu
