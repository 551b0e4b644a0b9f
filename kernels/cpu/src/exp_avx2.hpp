// exp over 8 floats with AVX2 + FMA, for the translation units compiled with those flags (activation_avx2,
// vector_kernels_avx2 and _avx512). In an anonymous namespace: each unit gets its own copy, so no ODR merge
// can hand one unit's code to a CPU the other unit's flags assume.
//
// Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two so n·ln2 is exact), a degree-7 polynomial
// for e^r, and 2^n put into the exponent bits; about 1 ulp over the clamped range. Inputs are clamped to
// [-87.3, 88.7] so 2^n stays a normal float (e^-87.3 ≈ 1.2e-38: below that the result is that, not 0).
#pragma once

#include <immintrin.h>

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

}  // namespace
}  // namespace moecap::kernels::cpu
