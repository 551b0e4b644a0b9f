// SiLU over arrays with AVX2 + FMA (compiled with -mavx2 -mfma; called only when instruction_set.cpp found
// them). A prefill runs millions of exp() per layer (tokens × experts × expert width); glibc's scalar expf
// made the activation a visible share of the expert stage.
//
// exp is exp_avx2.hpp's (Cephes' expf, about 1 ulp); with its input clamp SiLU gives x for large x and ~-0 for
// very negative x, as the scalar formula does.
#include <immintrin.h>

#include <cstdint>

#include "exp_avx2.hpp"

namespace moecap::kernels::cpu {
namespace {

inline __m256 silu_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(x, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

}  // namespace

/// hidden[i] *= silu(gate[i]); returns how many leading elements it did (a multiple of 8).
int64_t gated_silu_avx2(const float* gate, float* hidden, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(hidden + i, _mm256_mul_ps(_mm256_loadu_ps(hidden + i), silu_ps(_mm256_loadu_ps(gate + i))));
  return i;
}

/// x[i] = silu(x[i]); returns how many leading elements it did (a multiple of 8).
int64_t silu_in_place_avx2(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, silu_ps(_mm256_loadu_ps(x + i)));
  return i;
}

}  // namespace moecap::kernels::cpu
