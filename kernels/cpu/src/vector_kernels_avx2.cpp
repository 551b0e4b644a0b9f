// AVX2 + FMA + F16C (compiled with -mavx2 -mfma -mf16c; called only when instruction_set.cpp found them).
#include <immintrin.h>

#include "blocked_kernels.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {
namespace {

struct Avx2Simd {
  using Vec = __m256;
  static constexpr int width = 8;
  static constexpr int registers = 16;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec broadcast(float v) { return _mm256_set1_ps(v); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, Vec v) { _mm256_storeu_ps(p, v); }
  template <WeightType Type>
  static Vec load_weights(const void* row, int64_t c) {
    if constexpr (Type == WeightType::f32) {
      return _mm256_loadu_ps(static_cast<const float*>(row) + c);
    } else {
      const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + c));
      if constexpr (Type == WeightType::bf16)  // bf16 → f32: widen and shift into the top half
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(half), 16));
      else
        return _mm256_cvtph_ps(half);
    }
  }
  static Vec fma(Vec a, Vec b, Vec acc) { return _mm256_fmadd_ps(a, b, acc); }
  static float sum(Vec v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

}  // namespace

const VectorKernels& avx2_vector_kernels() {
  static const VectorKernels table{InstructionSet::avx2, &blocked::gemv<Avx2Simd>, &blocked::dot<Avx2Simd>,
                                   &blocked::axpy<Avx2Simd>, &blocked::rows_to_f32<Avx2Simd>};
  return table;
}

}  // namespace moecap::kernels::cpu
