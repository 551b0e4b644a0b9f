// SiLU over arrays with AVX2 + FMA (compiled with -mavx2 -mfma; called only when instruction_set.cpp found
// them). A prefill runs millions of exp() per layer (tokens × experts × expert width); glibc's scalar expf
// made the activation a visible share of the expert stage.
//
// exp is Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so n·ln2 is exact), a degree-7
// polynomial for e^r, and 2^n put into the exponent bits; about 1 ulp over the clamped range. Inputs are
// clamped to [-87.3, 88.7] so 2^n stays a normal float: SiLU then gives x for large x and ~-0 for very
// negative x, as the scalar formula does.
#include <immintrin.h>

#include <cstdint>

namespace moecap::kernels::cpu {
namespace {

inline __m256 exp_ps(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3365447504f)), _mm256_set1_ps(88.7228391117f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

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
