// The panel products with AVX2 + FMA + F16C (compiled with -mavx2 -mfma -mf16c; called only when
// instruction_set.cpp found them).
#include <immintrin.h>

#include <algorithm>

#include "moecap/kernels/cpu/panel_kernels.hpp"

namespace moecap::kernels::cpu {
namespace {

/// Column c of a panel (16 weights) as two f32 vectors: rows 0-7 and 8-15.
template <WeightType Type>
inline void load_column(const void* panel, int64_t c, __m256& low, __m256& high) {
  if constexpr (Type == WeightType::f32) {
    const float* p = static_cast<const float*>(panel) + c * kPanelRows;
    low = _mm256_loadu_ps(p);
    high = _mm256_loadu_ps(p + 8);
  } else if constexpr (Type == WeightType::bf16) {
    // Zeros interleaved below each bf16 make it an f32; panel_slot stored the rows so that this comes out
    // in order.
    const __m256i v =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(panel) + c * kPanelRows));
    low = _mm256_castsi256_ps(_mm256_unpacklo_epi16(_mm256_setzero_si256(), v));
    high = _mm256_castsi256_ps(_mm256_unpackhi_epi16(_mm256_setzero_si256(), v));
  } else {
    const uint16_t* p = static_cast<const uint16_t*>(panel) + c * kPanelRows;
    low = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    high = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8)));
  }
}

// ---- GEMV ----------------------------------------------------------------------------------------------

/// Lines of 16-bit panels are prefetched this far ahead (prefetchnta for one token, see below). The
/// distance matters more than one would think; measured against the row GEMV on the same bf16 matrices
/// (one thread, interleaved, [3584, 1024] / [1024, 3584] / [32000, 1024], medians): 128 bytes 0.87-0.92,
/// 256 0.97-1.03, 384 0.99-1.06, 512 0.90 (the row kernel's own distance), 1024 0.84. Against a plain read loop
/// over the same matrices (the read probe's, 64 [3584, 1024], interleaved, medians of 21-41 rounds) it reads
/// 0.93-0.97; prefetchnta or prefetcht0 instead, 6 lanes instead of 4, the same within the noise; 2 lanes 0.82-0.84.
/// prefetchnta is kept for one token: it does not push the step's other data (KV cache, activations) out of
/// L2 and L3. Inside a decode step it measured ahead (moecap bench --compare-plugin-path, bf16, one thread, 9
/// runs: paired S-MBU-full 0.925 against 0.901, ahead in 7 of 9), but A and B there read two copies of the
/// weights in different memory, and placement alone moves the read rate (benchmarks/README.md).
constexpr int64_t kPrefetchBytes = 384;
/// f32 panels: one line per lane and column, requested this far ahead with prefetchnta. Against the plain read
/// loop as above (f32 [3584, 1024]): without 0.90-0.96, 128 / 192 / 256 / 320 bytes ahead 0.94-0.96 / 0.95-0.97 /
/// 0.97-1.01 (prefetcht0; prefetcht2 0.97-0.99, prefetchnta 1.00-1.01) / 0.98-0.99, 512 0.87, 1024 (t2) 0.80.
constexpr int64_t kF32PrefetchBytes = 256;
/// Four lanes are taken inside chunks of this many bytes of panels (as blocked_kernels.hpp's kLaneChunkBytes,
/// whose 4 MB this was until measured): 2 MB, so the lanes run 512 KB apart instead of 1 MB. kernel_benchmarks
/// BM_LmHeadGemv (bf16 [32000, 1024], cut into 4 MB GEMV tiles at two threads), two invocations of 5 and 7
/// interleaved series, medians: two threads 19.7 / 19.3 → 25.6 / 24.1 GB/s (all series 17.6-24.3 against
/// 20.1-29.3), one thread 16.0 / 15.5 → 17.4 / 16.7; an expert matrix at one thread 16.1 → 17.9 (within the
/// noise). 1 MB chunks read between the two.
constexpr int64_t kLaneChunkBytes = int64_t{2} << 20;

/// With several tokens (a decode step of several sequences) the kernel does 2·T FMAs per 16 weights: the
/// out-of-order window then covers few bytes and the hardware prefetcher alone kept few misses in flight.
/// Lines this far ahead are requested too. Measured (bf16 [3584, 1024], one thread, one panel stream,
/// interleaved against the row GEMV, medians; 2 / 4 / 7 tokens): without 1.11 / 1.18 / 1.24 of the row GEMV,
/// 1 KB ahead 1.26 / 1.38 / 1.41, 2 KB 1.37 / 1.47 / 1.44, 4 KB 1.28 / 1.47 / 1.43.
constexpr int64_t kTokensPrefetchBytes = 2048;

/// T tokens over L panels q apart (p, p + q, …): L sequential streams, 2·L·T accumulators; for T > 1 each
/// panel's columns come from memory once and from registers for the other tokens.
template <WeightType Type, int L, int T>
inline void lanes(const MatrixView& w, int64_t p, int64_t q, const float* x, int64_t x_stride, float* y,
                  int64_t y_stride) {
  __m256 low[L][T], high[L][T];
  const char* panels[L];
  for (int l = 0; l < L; ++l) {
    for (int t = 0; t < T; ++t) low[l][t] = high[l][t] = _mm256_setzero_ps();
    panels[l] = static_cast<const char*>(w.panel(p + l * q));
  }
  constexpr int64_t kColumnBytes = kPanelRows * (Type == WeightType::f32 ? 4 : 2);
  constexpr int64_t kLineColumns = 64 / kColumnBytes;  // a cache line per lane per iteration
  constexpr bool kF32Token = T == 1 && Type == WeightType::f32;
  constexpr int64_t kAhead = T > 1 ? kTokensPrefetchBytes : kF32Token ? kF32PrefetchBytes : kPrefetchBytes;
  constexpr _mm_hint kHint = T == 1 ? _MM_HINT_NTA : _MM_HINT_T2;
  auto column = [&](int64_t c) {
    __m256 xv[T];
    for (int t = 0; t < T; ++t) xv[t] = _mm256_broadcast_ss(x + t * x_stride + c);
    for (int l = 0; l < L; ++l) {
      __m256 a, b;
      load_column<Type>(panels[l], c, a, b);
      for (int t = 0; t < T; ++t) {
        low[l][t] = _mm256_fmadd_ps(a, xv[t], low[l][t]);
        high[l][t] = _mm256_fmadd_ps(b, xv[t], high[l][t]);
      }
    }
  };
  int64_t c = 0;
  for (; c + kLineColumns <= w.cols; c += kLineColumns) {
    for (int l = 0; l < L; ++l) _mm_prefetch(panels[l] + c * kColumnBytes + kAhead, kHint);
    for (int64_t j = 0; j < kLineColumns; ++j) column(c + j);
  }
  for (; c < w.cols; ++c) column(c);
  for (int l = 0; l < L; ++l)
    for (int t = 0; t < T; ++t) {
      float* out = y + t * y_stride + (p + l * q) * kPanelRows;
      _mm256_storeu_ps(out, low[l][t]);
      _mm256_storeu_ps(out + 8, high[l][t]);
    }
}

/// Every token over L panels q apart: in chunks of up to kMaxTokens tokens (2·L·kMaxTokens accumulators), the
/// chunks after the first reading the same panels from L1/L2.
template <WeightType Type, int L, int kMaxTokens>
void lanes_all_tokens(const MatrixView& w, int64_t p, int64_t q, const float* x, int64_t x_stride, int32_t n_tokens,
                      float* y, int64_t y_stride) {
  for (int32_t t0 = 0; t0 < n_tokens; t0 += kMaxTokens) {
    const float* xt = x + t0 * x_stride;
    float* yt = y + t0 * y_stride;
    switch (std::min(kMaxTokens, n_tokens - t0)) {
      case 1:
        lanes<Type, L, 1>(w, p, q, xt, x_stride, yt, y_stride);
        break;
      case 2:
        lanes<Type, L, 2>(w, p, q, xt, x_stride, yt, y_stride);
        break;
      case 3:
        lanes<Type, L, 3>(w, p, q, xt, x_stride, yt, y_stride);
        break;
      default:
        if constexpr (kMaxTokens >= 4) lanes<Type, L, 4>(w, p, q, xt, x_stride, yt, y_stride);
    }
  }
}

/// Panels [panel_begin, panel_end), L lanes at a time inside chunks of about kLaneChunkBytes, a multiple of L
/// panels; the last chunk's panels beyond L·q are taken as fewer lanes side by side. They had been read one
/// at a time, one stream each: a down projection ([1024, 3584] bf16, 112 KB panels, 18 to a chunk) read 1
/// panel in 9 so at one thread and 1 in 5 inside two threads' 10-panel tiles. kernel_benchmarks BM_DownGemv
/// (that matrix), interleaved, medians of 7 and 11 rounds: one thread 440 → 421 and 447 → 399 µs, two
/// threads 333 → 300 and 305 → 305.
template <WeightType Type, int L, int kMaxTokens>
void lanes_over_range(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x, int64_t x_stride,
                      int32_t n_tokens, float* y, int64_t y_stride) {
  const int64_t panel_bytes = w.cols * kPanelRows * static_cast<int64_t>(element_bytes(Type));
  const int64_t chunk_panels = std::max<int64_t>(L, kLaneChunkBytes / panel_bytes / L * L);
  for (int64_t chunk = panel_begin; chunk < panel_end; chunk += chunk_panels) {
    const int64_t end = std::min(panel_end, chunk + chunk_panels);
    const int64_t q = (end - chunk) / L;
    for (int64_t i = 0; i < q; ++i)
      lanes_all_tokens<Type, L, kMaxTokens>(w, chunk + i, q, x, x_stride, n_tokens, y, y_stride);
    const int64_t rest = chunk + L * q;
    switch (end - rest) {  // fewer than L panels
      case 3:
        if constexpr (L > 3) lanes_all_tokens<Type, 3, kMaxTokens>(w, rest, 1, x, x_stride, n_tokens, y, y_stride);
        break;
      case 2:
        if constexpr (L > 2) lanes_all_tokens<Type, 2, kMaxTokens>(w, rest, 1, x, x_stride, n_tokens, y, y_stride);
        break;
      case 1:
        lanes_all_tokens<Type, 1, kMaxTokens>(w, rest, 0, x, x_stride, n_tokens, y, y_stride);
        break;
      default:
        break;
    }
  }
}

/// Lanes and tokens per pass within the 16 registers: one token over four lanes (2·4 accumulators), two or
/// three tokens over two lanes (up to 2·2·3), more in chunks of four over one lane (2·4), the chunks after the
/// first from L1/L2. Measured (one thread, [3584, 1024], interleaved against the row GEMV, medians): bf16 2 / 3
/// tokens 1.42-1.46 / 1.26-1.57 of it on two lanes; 4 and 7 tokens 1.46-1.47 / 1.44-1.46 on one lane, where
/// chunks of three on two lanes gave 1.01 / 1.06.
template <WeightType Type>
void gemv_typed(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x, int64_t x_stride,
                int32_t n_tokens, float* y, int64_t y_stride) {
  if (n_tokens == 1) return lanes_over_range<Type, 4, 1>(w, panel_begin, panel_end, x, x_stride, 1, y, y_stride);
  if (n_tokens <= 3) return lanes_over_range<Type, 2, 3>(w, panel_begin, panel_end, x, x_stride, n_tokens, y, y_stride);
  lanes_over_range<Type, 1, 4>(w, panel_begin, panel_end, x, x_stride, n_tokens, y, y_stride);
}

void gemv(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x, int64_t x_stride,
          int32_t n_tokens, float* y, int64_t y_stride) {
  switch (w.type) {
    case WeightType::bf16:
      return gemv_typed<WeightType::bf16>(w, panel_begin, panel_end, x, x_stride, n_tokens, y, y_stride);
    case WeightType::f16:
      return gemv_typed<WeightType::f16>(w, panel_begin, panel_end, x, x_stride, n_tokens, y, y_stride);
    default:
      return gemv_typed<WeightType::f32>(w, panel_begin, panel_end, x, x_stride, n_tokens, y, y_stride);
  }
}

// ---- GEMM ----------------------------------------------------------------------------------------------

/// The loops around the micro-kernel keep each operand at its cache level: a panel's block of kBlockColumns
/// columns (16 KB as f32, 8 KB as 16-bit) in L1 while a group of kGroupStrips strips of activations (24 × 6 tokens ×
/// 256 columns × 4 B = 144 KB) passes it from L2; the group's outputs for kGroupPanels panels (144 × 256 × 4 B = 144
/// KB) stay in L2 across all the column blocks, so they are written to memory once (one column block after the other
/// instead, a 512-token product would read and write its whole output once per block).
constexpr int64_t kGroupStrips = 24;
constexpr int64_t kGroupPanels = 16;
constexpr int64_t kStripsInL2Bytes = 192 * 1024;

/// C[6 × 16] (+)= A[6 × k] · B[k × 16]: a = one strip's block (k columns of 6 tokens), b = one panel's block
/// (k columns of 16 rows), c row i at c + i·ldc; only the first `rows` rows are written. 12 accumulators,
/// 2 weight vectors and a broadcast: 15 of the 16 registers (bf16 needs a zero too: 16).
/// 16-bit weights are widened here, per column, rather than once per block into an f32 buffer in L1 that
/// every strip then reads: measured the same (one thread, M = 128, interleaved: 0.97-1.05 of the sgemm
/// ceiling either way) and simpler.
template <WeightType Type>
inline void micro_kernel(int64_t k, const float* a, const void* b, float* c, int64_t ldc, int64_t rows,
                         bool accumulate) {
  // The loop below runs four columns per trip: its own pointer, count and branch work is shared by 48 FMAs
  // instead of 12. Measured (kernel_benchmarks BM_ExpertGemm, one thread, four interleaved series, medians): f32
  // 128 tokens 65.4 → 69.5 GFLOP/s with the weights in cache, 64.8 → 70.0 from memory; 512 tokens 66.4 → 72.2 /
  // 71.7 → 74.4; bf16 128 tokens from memory 69.2 → 75.0. Two threads the same within the noise.
  __m256 acc[kStripTokens][2];
  for (auto& row : acc) row[0] = row[1] = _mm256_setzero_ps();
#pragma GCC unroll 4
  for (int64_t i = 0; i < k; ++i) {
    __m256 b0, b1;
    load_column<Type>(b, i, b0, b1);
#pragma GCC unroll 6
    for (int t = 0; t < kStripTokens; ++t) {
      const __m256 av = _mm256_broadcast_ss(a + t);
      acc[t][0] = _mm256_fmadd_ps(av, b0, acc[t][0]);
      acc[t][1] = _mm256_fmadd_ps(av, b1, acc[t][1]);
    }
    a += kStripTokens;
  }
  for (int64_t i = 0; i < rows; ++i) {
    float* out = c + i * ldc;
    __m256 low = acc[i][0], high = acc[i][1];
    if (accumulate) {
      low = _mm256_add_ps(low, _mm256_loadu_ps(out));
      high = _mm256_add_ps(high, _mm256_loadu_ps(out + 8));
    }
    _mm256_storeu_ps(out, low);
    _mm256_storeu_ps(out + 8, high);
  }
}

template <WeightType Type>
void gemm_typed(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x_strips, int32_t n_tokens,
                float* y, int64_t y_stride) {
  const int64_t strips = (n_tokens + kStripTokens - 1) / kStripTokens;
  constexpr int64_t kElementBytes = Type == WeightType::f32 ? 4 : 2;
  // Where panel p's block starting at column b lies.
  auto block_of = [&](int64_t p, int64_t b) {
    return static_cast<const char*>(w.panel(p)) + b * kPanelRows * kElementBytes;
  };
  for (int64_t s0 = 0; s0 < strips; s0 += kGroupStrips) {
    const int64_t s1 = std::min(strips, s0 + kGroupStrips);
    // Few tokens: their strips over every column fit in L2, so each panel is walked from its first column to
    // its last (one sequential read of the weights, which the hardware prefetcher follows) with its outputs
    // in L1; a weight-streaming product (a rarely chosen expert) then reads at the memory's rate.
    const bool strips_fit_l2 = (s1 - s0) * kStripTokens * w.cols * 4 <= kStripsInL2Bytes;
    const int64_t group_panels = strips_fit_l2 ? 1 : kGroupPanels;
    for (int64_t p0 = panel_begin; p0 < panel_end; p0 += group_panels) {
      const int64_t p1 = std::min(panel_end, p0 + group_panels);
      for (int64_t b = 0; b < w.cols; b += kBlockColumns) {
        const int64_t block_cols = std::min(kBlockColumns, w.cols - b);
        const float* strips_block = x_strips + strips * kStripTokens * b;
        for (int64_t p = p0; p < p1; ++p) {
          const void* panel_block = block_of(p, b);
          // The block multiplied next comes into L2 while this one is: its lines are requested a few per strip,
          // so that the first strip over it does not wait on memory.
          const char* next = p + 1 < p1                   ? block_of(p + 1, b)
                             : b + kBlockColumns < w.cols ? block_of(p0, b + kBlockColumns)
                                                          : block_of(p1 < panel_end ? p1 : panel_begin, 0);
          const int64_t lines = block_cols * kPanelRows * kElementBytes / 64;
          const int64_t lines_per_strip = (lines + (s1 - s0) - 1) / (s1 - s0);
          for (int64_t s = s0; s < s1; ++s) {
            const int64_t first = (s - s0) * lines_per_strip;
            for (int64_t l = first; l < std::min(lines, first + lines_per_strip); ++l)
              _mm_prefetch(next + l * 64, _MM_HINT_T1);
            micro_kernel<Type>(block_cols, strips_block + s * kStripTokens * block_cols, panel_block,
                               y + s * kStripTokens * y_stride + p * kPanelRows, y_stride,
                               std::min<int64_t>(kStripTokens, n_tokens - s * kStripTokens), b > 0);
          }
        }
      }
    }
  }
}

void gemm(const MatrixView& w, int64_t panel_begin, int64_t panel_end, const float* x_strips, int32_t n_tokens,
          float* y, int64_t y_stride) {
  switch (w.type) {
    case WeightType::bf16:
      return gemm_typed<WeightType::bf16>(w, panel_begin, panel_end, x_strips, n_tokens, y, y_stride);
    case WeightType::f16:
      return gemm_typed<WeightType::f16>(w, panel_begin, panel_end, x_strips, n_tokens, y, y_stride);
    default:
      return gemm_typed<WeightType::f32>(w, panel_begin, panel_end, x_strips, n_tokens, y, y_stride);
  }
}

}  // namespace

const PanelKernels& avx2_panel_kernels() {
  static const PanelKernels table{InstructionSet::avx2, &gemv, &gemm};
  return table;
}

}  // namespace moecap::kernels::cpu
