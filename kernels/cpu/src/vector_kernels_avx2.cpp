// AVX2 + FMA + F16C (compiled with -mavx2 -mfma -mf16c; called only when instruction_set.cpp found them).
#include <immintrin.h>

#include <vector>

#include "blocked_kernels.hpp"
#include "exp_avx2.hpp"
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
  /// Groups of 8 vectors are reduced together: hadd pairs (lanes hold pair sums per 128-bit half), hadd again,
  /// then add the two halves — out[i] for 8 vectors in one store.
  static void sum_each(const Vec* v, int count, float* out) {
    int i = 0;
    for (; i + 8 <= count; i += 8) {
      const __m256 a = _mm256_hadd_ps(v[i], v[i + 1]), b = _mm256_hadd_ps(v[i + 2], v[i + 3]);
      const __m256 c = _mm256_hadd_ps(v[i + 4], v[i + 5]), d = _mm256_hadd_ps(v[i + 6], v[i + 7]);
      const __m256 ab = _mm256_hadd_ps(a, b), cd = _mm256_hadd_ps(c, d);
      // ab's low half holds the low-half sums of v[i..i+3], its high half their high-half sums; same for cd.
      const __m256 low = _mm256_permute2f128_ps(ab, cd, 0x20), high = _mm256_permute2f128_ps(ab, cd, 0x31);
      _mm256_storeu_ps(out + i, _mm256_add_ps(low, high));
    }
    for (; i < count; ++i) out[i] = sum(v[i]);
  }
  static Vec max(Vec a, Vec b) { return _mm256_max_ps(a, b); }
  static float max_of(Vec v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
  }
  static Vec sub(Vec a, Vec b) { return _mm256_sub_ps(a, b); }
  static Vec mul(Vec a, Vec b) { return _mm256_mul_ps(a, b); }
  static Vec exp(Vec v) { return exp_ps(v); }
};

// Decode (one token) over bf16 weights. The generic kernel widens 8 weights per load (vpmovzxwd + shift):
// about twice the instructions per byte of the f32 kernel, so the out-of-order window covers half the bytes
// and fewer cache misses are in flight; measured, it read at ~0.5-0.6 of the bandwidth f32 reached. Here one
// 32-byte load gives 16 weights as two f32 vectors by interleaving zeros below each bf16
// (vpunpck{l,h}wd): 5 instructions per 16 weights instead of 8-10. The unpack works within 128-bit lanes,
// so lo holds elements 0-3 and 8-11 and hi 4-7 and 12-15 of each group of 16; x is permuted the same way
// once per call, so every product still pairs a weight with its own input.
//
// Each lane also prefetches (into L2) the line 512 bytes ahead of what it reads. Measured (one thread, 32
// bf16 [3584, 1024] matrices on huge pages walked out of order, 15 interleaved rounds, medians): 16.5-17.3 GB/s
// without, 17.8-18.2 with; 256 bytes ahead about as good, 768 and more worse than none. The f32 kernel reads
// as fast without (prefetching there cost 2-3%), so only this one does.
void bf16_decode_rows(const MatrixView& w, int64_t row_begin, int64_t row_end, const float* x, float* y) {
  constexpr int kLanes = 4;
  constexpr int64_t kLineWeights = 32;       // bf16 weights per 64-byte line
  constexpr int64_t kPrefetchWeights = 256;  // 512 bytes
  const int64_t cols = w.cols;
  const int64_t vector_end = cols - cols % 16;
  thread_local std::vector<float> permuted;
  permuted.resize(static_cast<size_t>(vector_end));
  for (int64_t c = 0; c < vector_end; c += 16)
    for (int j = 0; j < 4; ++j) {
      permuted[c + j] = x[c + j];
      permuted[c + 4 + j] = x[c + 8 + j];
      permuted[c + 8 + j] = x[c + 4 + j];
      permuted[c + 12 + j] = x[c + 12 + j];
    }
  const float* xp = permuted.data();
  const __m256i zero = _mm256_setzero_si256();
  auto tail = [&](const uint16_t* row) {
    float total = 0;
    for (int64_t c = vector_end; c < cols; ++c) total += bf16_to_f32(row[c]) * x[c];
    return total;
  };
  auto single_row = [&](int64_t r) {
    const uint16_t* row = static_cast<const uint16_t*>(w.row(r));
    __m256 acc = _mm256_setzero_ps();
    for (int64_t c = 0; c < vector_end; c += 16) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + c));
      acc = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, v)), _mm256_loadu_ps(xp + c), acc);
      acc = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, v)), _mm256_loadu_ps(xp + c + 8), acc);
    }
    y[r] = Avx2Simd::sum(acc) + tail(row);
  };
  // In chunks of kLaneChunkBytes of rows, four lanes a quarter of the chunk apart, each one sequential
  // stream (see lane_block in blocked_kernels.hpp); the rows a chunk has beyond 4·q one by one.
  const int64_t chunk_rows = std::max<int64_t>(kLanes, blocked::kLaneChunkBytes / (cols * 2));
  for (int64_t chunk = row_begin; chunk < row_end; chunk += chunk_rows) {
    const int64_t q = (std::min(row_end, chunk + chunk_rows) - chunk) / kLanes;
    for (int64_t i = 0; i < q; ++i) {
      const uint16_t* rows[kLanes];
      __m256 acc_lo[kLanes], acc_hi[kLanes];
      for (int l = 0; l < kLanes; ++l) {
        rows[l] = static_cast<const uint16_t*>(w.row(chunk + i + l * q));
        acc_lo[l] = _mm256_setzero_ps();
        acc_hi[l] = _mm256_setzero_ps();
      }
      for (int64_t c = 0; c < vector_end; c += 16) {
        if (c % kLineWeights == 0)
          for (int l = 0; l < kLanes; ++l) __builtin_prefetch(rows[l] + c + kPrefetchWeights, 0, 1);
        const __m256 x_lo = _mm256_loadu_ps(xp + c);
        const __m256 x_hi = _mm256_loadu_ps(xp + c + 8);
        for (int l = 0; l < kLanes; ++l) {
          const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[l] + c));
          acc_lo[l] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, v)), x_lo, acc_lo[l]);
          acc_hi[l] = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, v)), x_hi, acc_hi[l]);
        }
      }
      for (int l = 0; l < kLanes; ++l)
        y[chunk + i + l * q] = Avx2Simd::sum(_mm256_add_ps(acc_lo[l], acc_hi[l])) + tail(rows[l]);
    }
    for (int64_t rest = chunk + kLanes * q; rest < std::min(row_end, chunk + chunk_rows); ++rest) single_row(rest);
  }
}

void gemv(const MatrixView& w, int64_t row_begin, int64_t row_end, const float* x, int64_t x_stride, int32_t n_tokens,
          float* y, int64_t y_stride) {
  if (w.type == WeightType::bf16 && n_tokens == 1) return bf16_decode_rows(w, row_begin, row_end, x, y);
  blocked::gemv<Avx2Simd>(w, row_begin, row_end, x, x_stride, n_tokens, y, y_stride);
}

}  // namespace

const VectorKernels& avx2_vector_kernels() {
  static const VectorKernels table{InstructionSet::avx2,       &gemv,
                                   &blocked::dot<Avx2Simd>,    &blocked::axpy<Avx2Simd>,
                                   &blocked::attend<Avx2Simd>, &blocked::rows_to_f32<Avx2Simd>};
  return table;
}

}  // namespace moecap::kernels::cpu
