// AVX-512 F/BW/VL + F16C (compiled with -mavx512f -mavx512bw -mavx512vl -mfma -mf16c; called only when
// instruction_set.cpp found them and the OS saves the ZMM state).
#include <immintrin.h>

#include "blocked_kernels.hpp"
#include "exp_avx2.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {
namespace {

struct Avx512Simd {
  using Vec = __m512;
  static constexpr int width = 16;
  static constexpr int registers = 32;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec broadcast(float v) { return _mm512_set1_ps(v); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Vec v) { _mm512_storeu_ps(p, v); }
  template <WeightType Type>
  static Vec load_weights(const void* row, int64_t c) {
    if constexpr (Type == WeightType::f32) {
      return _mm512_loadu_ps(static_cast<const float*>(row) + c);
    } else {
      const __m256i half = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(row) + c));
      if constexpr (Type == WeightType::bf16)
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
      else
        return _mm512_cvtph_ps(half);
    }
  }
  static Vec fma(Vec a, Vec b, Vec acc) { return _mm512_fmadd_ps(a, b, acc); }
  static float sum(Vec v) { return _mm512_reduce_add_ps(v); }
  static void sum_each(const Vec* v, int count, float* out) {
    for (int i = 0; i < count; ++i) out[i] = sum(v[i]);
  }
  static Vec max(Vec a, Vec b) { return _mm512_max_ps(a, b); }
  static float max_of(Vec v) { return _mm512_reduce_max_ps(v); }
  static Vec sub(Vec a, Vec b) { return _mm512_sub_ps(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm512_mul_ps(a, b); }
  static Vec exp(Vec v) {  // the AVX2 exp on each half (softmax is a small share of decode attention)
    const __m256 lo = exp_ps(_mm512_castps512_ps256(v));
    const __m256 hi = exp_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)), _mm256_castps_pd(hi), 1));
  }
};

}  // namespace

const VectorKernels& avx512_vector_kernels() {
  static const VectorKernels table{InstructionSet::avx512,       &blocked::gemv<Avx512Simd>,
                                   &blocked::dot<Avx512Simd>,    &blocked::axpy<Avx512Simd>,
                                   &blocked::attend<Avx512Simd>, &blocked::rows_to_f32<Avx512Simd>};
  return table;
}

}  // namespace moecap::kernels::cpu
