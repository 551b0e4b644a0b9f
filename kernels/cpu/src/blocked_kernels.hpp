// The kernels written once over a SIMD traits type; each instruction-set translation unit includes this with
// its own traits (in an anonymous namespace), so every instantiation is compiled with that unit's -m flags.
//
// Traits members: Vec, width, zero(), broadcast(float), load(const float*), store(float*, Vec),
// load_weights<WeightType>(const void* row, c), fma(a, b, acc) = a·b + acc, sum(Vec), max(a, b), max_of(Vec)
// (horizontal), sub(a, b), mul(a, b), exp(Vec) (within a few ulp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "moecap/kernels/cpu/half_precision.hpp"
#include "moecap/kernels/cpu/matrix_view.hpp"

namespace moecap::kernels::cpu::blocked {

template <WeightType Type>
inline float scalar_weight(const void* row, int64_t c) {
  if constexpr (Type == WeightType::f32) return static_cast<const float*>(row)[c];
  if constexpr (Type == WeightType::bf16) return bf16_to_f32(static_cast<const uint16_t*>(row)[c]);
  return f16_to_f32(static_cast<const uint16_t*>(row)[c]);
}

/// R rows × T tokens: each weight vector is loaded once and multiplied into T token accumulators.
template <class S, WeightType Type, int R, int T>
inline void row_block(const MatrixView& w, int64_t r, const float* x, int64_t x_stride, float* y, int64_t y_stride) {
  using Vec = typename S::Vec;
  Vec acc[R][T];
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) acc[i][t] = S::zero();
  const void* rows[R];
  for (int i = 0; i < R; ++i) rows[i] = w.row(r + i);
  const int64_t vector_end = w.cols - w.cols % S::width;
  // The block's R rows are R short streams (a row of a 1024-wide bf16 matrix is 32 cache lines), too short
  // for the hardware prefetcher to ramp up on; without help a 16-bit GEMV ran at half the read bandwidth.
  // So each line of the next block's rows (the same columns, R rows further) is requested one block ahead.
  // A prefetch past the matrix end is harmless: prefetches never fault.
  constexpr int64_t kElementBytes = Type == WeightType::f32 ? 4 : 2;
  constexpr int64_t kLineElements = 64 / kElementBytes;
  const int64_t ahead_bytes = 4 * R * w.cols * kElementBytes;
  for (int64_t c = 0; c < vector_end; c += S::width) {
    if (c % kLineElements == 0)
      for (int i = 0; i < R; ++i)
        __builtin_prefetch(static_cast<const char*>(rows[i]) + c * kElementBytes + ahead_bytes, 0, 3);
    Vec xv[T];
    for (int t = 0; t < T; ++t) xv[t] = S::load(x + t * x_stride + c);
    for (int i = 0; i < R; ++i) {
      const Vec wv = S::template load_weights<Type>(rows[i], c);
      for (int t = 0; t < T; ++t) acc[i][t] = S::fma(wv, xv[t], acc[i][t]);
    }
  }
  for (int i = 0; i < R; ++i)
    for (int t = 0; t < T; ++t) {
      float total = S::sum(acc[i][t]);
      for (int64_t c = vector_end; c < w.cols; ++c) total += scalar_weight<Type>(rows[i], c) * x[t * x_stride + c];
      y[t * y_stride + r + i] = total;
    }
}

/// One token, L rows q apart: rows r, r + q, …, r + (L−1)·q. Walking r upwards, each of the L lanes reads
/// one long sequential stream (a quarter of the range), which the hardware prefetcher follows at full
/// speed; adjacent rows instead are short streams it barely ramps up on (a 1024-wide bf16 row is 2 KB).
/// Measured on one thread: 4 long streams read ~10 GB/s where 8 adjacent rows read ~6.5.
/// Lanes are taken inside chunks of this many bytes of rows: 4 streams a megabyte apart read faster than 4
/// streams far apart (measured: 12-13 against 7-10 GB/s on one thread here).
inline constexpr int64_t kLaneChunkBytes = int64_t{4} << 20;

template <class S, WeightType Type, int L>
inline void lane_block(const MatrixView& w, int64_t r, int64_t q, const float* x, float* y) {
  using Vec = typename S::Vec;
  Vec acc[L];
  const void* rows[L];
  for (int l = 0; l < L; ++l) {
    acc[l] = S::zero();
    rows[l] = w.row(r + l * q);
  }
  const int64_t vector_end = w.cols - w.cols % S::width;
  for (int64_t c = 0; c < vector_end; c += S::width) {
    const Vec xv = S::load(x + c);
    for (int l = 0; l < L; ++l) acc[l] = S::fma(S::template load_weights<Type>(rows[l], c), xv, acc[l]);
  }
  for (int l = 0; l < L; ++l) {
    float total = S::sum(acc[l]);
    for (int64_t c = vector_end; c < w.cols; ++c) total += scalar_weight<Type>(rows[l], c) * x[c];
    y[r + l * q] = total;
  }
}

template <class S, WeightType Type, int R>
inline void row_block_any_tokens(int32_t chunk, const MatrixView& w, int64_t r, const float* x, int64_t x_stride,
                                 float* y, int64_t y_stride) {
  switch (chunk) {
    case 1:
      return row_block<S, Type, R, 1>(w, r, x, x_stride, y, y_stride);
    case 2:
      return row_block<S, Type, R, 2>(w, r, x, x_stride, y, y_stride);
    case 3:
      return row_block<S, Type, R, 3>(w, r, x, x_stride, y, y_stride);
    default:
      return row_block<S, Type, R, 4>(w, r, x, x_stride, y, y_stride);
  }
}

/// Rows in blocks of 4; inside a block every chunk of up to 4 tokens, so the block's weights come from
/// memory once and from L1 for the other chunks.
template <class S, WeightType Type>
void gemv_typed(const MatrixView& w, int64_t row_begin, int64_t row_end, const float* x, int64_t x_stride,
                int32_t n_tokens, float* y, int64_t y_stride) {
  constexpr int kBlock = 4;
  int64_t r = row_begin;
  if (n_tokens == 1) {
    // Decode: four long streams (lane_block); the rows left over go through the blocks below.
    constexpr int kLanes = 4;
    const int64_t chunk_rows = std::max<int64_t>(kLanes, kLaneChunkBytes / (w.cols * element_bytes(Type)));
    for (int64_t chunk = row_begin; chunk < row_end; chunk += chunk_rows) {
      const int64_t end = std::min(row_end, chunk + chunk_rows);
      const int64_t q = (end - chunk) / kLanes;
      for (int64_t i = 0; i < q; ++i) lane_block<S, Type, kLanes>(w, chunk + i, q, x, y);
      for (int64_t rest = chunk + kLanes * q; rest < end; ++rest) lane_block<S, Type, 1>(w, rest, 0, x, y);
    }
    r = row_end;
  }
  for (; r < row_end; r += kBlock) {
    const int64_t rows = std::min<int64_t>(kBlock, row_end - r);
    for (int32_t t0 = 0; t0 < n_tokens; t0 += 4) {
      const int32_t chunk = std::min(4, n_tokens - t0);
      const float* xc = x + t0 * x_stride;
      float* yc = y + t0 * y_stride;
      if (rows == kBlock && (chunk <= 2 || S::registers >= 32)) {
        // 4·T accumulators + T inputs + 1 weight vector fit the register file.
        row_block_any_tokens<S, Type, 4>(chunk, w, r, xc, x_stride, yc, y_stride);
      } else if (rows == kBlock) {
        // 16 registers: 3-4 tokens take two rows at a time.
        row_block_any_tokens<S, Type, 2>(chunk, w, r, xc, x_stride, yc, y_stride);
        row_block_any_tokens<S, Type, 2>(chunk, w, r + 2, xc, x_stride, yc, y_stride);
      } else {
        for (int64_t i = 0; i < rows; ++i)
          row_block_any_tokens<S, Type, 1>(chunk, w, r + i, xc, x_stride, yc, y_stride);
      }
    }
  }
}

template <class S>
void gemv(const MatrixView& w, int64_t row_begin, int64_t row_end, const float* x, int64_t x_stride, int32_t n_tokens,
          float* y, int64_t y_stride) {
  switch (w.type) {
    case WeightType::bf16:
      return gemv_typed<S, WeightType::bf16>(w, row_begin, row_end, x, x_stride, n_tokens, y, y_stride);
    case WeightType::f16:
      return gemv_typed<S, WeightType::f16>(w, row_begin, row_end, x, x_stride, n_tokens, y, y_stride);
    default:
      return gemv_typed<S, WeightType::f32>(w, row_begin, row_end, x, x_stride, n_tokens, y, y_stride);
  }
}

template <class S>
float dot(const float* a, const float* b, int64_t n) {
  typename S::Vec acc0 = S::zero(), acc1 = S::zero();
  int64_t i = 0;
  for (; i + 2 * S::width <= n; i += 2 * S::width) {
    acc0 = S::fma(S::load(a + i), S::load(b + i), acc0);
    acc1 = S::fma(S::load(a + i + S::width), S::load(b + i + S::width), acc1);
  }
  for (; i + S::width <= n; i += S::width) acc0 = S::fma(S::load(a + i), S::load(b + i), acc0);
  float total = S::sum(acc0) + S::sum(acc1);
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

template <class S>
void axpy(float alpha, const float* x, float* y, int64_t n) {
  const typename S::Vec a = S::broadcast(alpha);
  int64_t i = 0;
  for (; i + S::width <= n; i += S::width) S::store(y + i, S::fma(a, S::load(x + i), S::load(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

/// The largest of n floats (n ≥ 1).
template <class S>
float max_of(const float* x, int64_t n) {
  const int64_t vector_end = n - n % S::width;
  float top = x[0];
  if (vector_end > 0) {
    typename S::Vec m = S::load(x);
    for (int64_t i = S::width; i < vector_end; i += S::width) m = S::max(m, S::load(x + i));
    top = std::max(top, S::max_of(m));
  }
  for (int64_t i = vector_end; i < n; ++i) top = std::max(top, x[i]);
  return top;
}

/// x[i] = exp(x[i] − shift) in place; returns Σ x[i], per lane in float and across lanes in double.
template <class S>
double exp_shifted_sum(float* x, int64_t n, float shift) {
  using Vec = typename S::Vec;
  const int64_t vector_end = n - n % S::width;
  const Vec shift_v = S::broadcast(shift);
  Vec lanes = S::zero();
  for (int64_t i = 0; i < vector_end; i += S::width) {
    const Vec e = S::exp(S::sub(S::load(x + i), shift_v));
    S::store(x + i, e);
    lanes = S::fma(e, S::broadcast(1.0f), lanes);
  }
  double total = S::sum(lanes);
  for (int64_t i = vector_end; i < n; ++i) {
    x[i] = static_cast<float>(std::exp(static_cast<double>(x[i] - shift)));
    total += x[i];
  }
  return total;
}

/// Scores of the T positions t0 + i·step for G query heads: scores[g·n + t] = scale · q_g·k_t. T positions at
/// once give T·G independent FMA chains (one chain per dot is latency-bound: 16 dependent FMAs for a 128
/// head); taken `step` apart they are T sequential streams through the cache rows (one stream reads ~9 GB/s
/// here, several the full bandwidth).
template <class S, int G, int T>
inline void score_positions(const float* q, int64_t q_stride, const float* keys, int64_t key_stride, int64_t t0,
                            int64_t step, int64_t n, int32_t qk_size, float scale, float* scores) {
  using Vec = typename S::Vec;
  const int64_t qk_end = qk_size - qk_size % S::width;
  Vec acc[T][G];
  const float* key[T];
  for (int i = 0; i < T; ++i) {
    key[i] = keys + (t0 + i * step) * key_stride;
    for (int g = 0; g < G; ++g) acc[i][g] = S::zero();
  }
  // The cache's rows come from DRAM (the step's weights evicted them): the key rows kPrefetchRows ahead are
  // requested now. Prefetches past the end never fault.
  constexpr int64_t kPrefetchRows = 8;
  constexpr int64_t kLineFloats = 16;
  for (int64_t c = 0; c < qk_end; c += S::width) {
    if (c % kLineFloats == 0)
      for (int i = 0; i < T; ++i) __builtin_prefetch(key[i] + kPrefetchRows * key_stride + c, 0, 3);
    Vec k[T];
    for (int i = 0; i < T; ++i) k[i] = S::load(key[i] + c);
    for (int g = 0; g < G; ++g) {
      const Vec qv = S::load(q + g * q_stride + c);
      for (int i = 0; i < T; ++i) acc[i][g] = S::fma(qv, k[i], acc[i][g]);
    }
  }
  // The T·G horizontal sums at once where the traits can (AVX2: 8 vectors → one vector of 8 sums by a tree
  // of hadds, 11 instructions instead of 48).
  float totals[T * G];
  S::sum_each(&acc[0][0], T * G, totals);
  for (int i = 0; i < T; ++i)
    for (int g = 0; g < G; ++g) {
      float total = totals[i * G + g];
      for (int64_t c = qk_end; c < qk_size; ++c) total += q[g * q_stride + c] * key[i][c];
      scores[g * n + t0 + i * step] = scale * total;
    }
}

/// Lines [begin, end) requested one at a time, spread over a loop's iterations.
struct LinesAhead {
  const char* line;
  const char* end;
  void next() {
    if (line < end) {
      __builtin_prefetch(line, 0, 3);
      line += 64;
    }
  }
};

/// out_g[c, c + W·V) += Σ_{t ∈ [t0, t1)} p_g,t · v_t[c …]: G·V accumulators in registers over a tile of positions.
/// One line of `ahead` is requested per position.
template <class S, int G, int V>
inline void accumulate_values(const float* values, int64_t value_stride, int64_t t0, int64_t t1, int64_t c,
                              const float* scores, int64_t n, float* out, int64_t out_stride, LinesAhead& ahead) {
  using Vec = typename S::Vec;
  Vec acc[G][V];
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < V; ++j) acc[g][j] = S::load(out + g * out_stride + c + j * S::width);
  LinesAhead lines = ahead;  // a local copy stays in registers
  for (int64_t t = t0; t < t1; ++t) {
    lines.next();
    const float* value = values + t * value_stride + c;
    Vec v[V];
    for (int j = 0; j < V; ++j) v[j] = S::load(value + j * S::width);
    for (int g = 0; g < G; ++g) {
      const Vec p = S::broadcast(scores[g * n + t]);
      for (int j = 0; j < V; ++j) acc[g][j] = S::fma(p, v[j], acc[g][j]);
    }
  }
  for (int g = 0; g < G; ++g)
    for (int j = 0; j < V; ++j) S::store(out + g * out_stride + c + j * S::width, acc[g][j]);
  ahead = lines;
}

/// Decode attention of G query heads that share one KV head (q_g = q + g·q_stride, out_g = out + g·out_stride):
/// every key and value row is loaded once for all G heads. scores: G·n floats.
template <class S, int G>
void attend_block(const float* q, int64_t q_stride, const float* keys, int64_t key_stride, const float* values,
                  int64_t value_stride, int64_t n, int32_t qk_size, int32_t v_size, float scale, float* out,
                  int64_t out_stride, float* scores) {
  // Positions per score pass: T·G accumulators + T key vectors + one query vector within 16 registers.
  constexpr int T = G <= 2 ? 4 : 2;
  // Blocks of kBlock positions with an online softmax (the running max and sum per head; earlier blocks'
  // partial outputs rescaled when the max grows): the scores stay a few KB, and each block's keys and values
  // are read from memory once.
  constexpr int64_t kBlock = 128;
  constexpr int64_t kTile = 32;  // value rows summed per pass: 32 rows of a 128 head are 16 KB of L1
  const int64_t v_end = v_size - v_size % S::width;
  const int64_t v_end2 = v_size - v_size % (2 * S::width);
  float running_max[G], running_sum[G];
  for (int g = 0; g < G; ++g) {
    running_max[g] = -std::numeric_limits<float>::infinity();
    running_sum[g] = 0;
    std::fill_n(out + g * out_stride, v_size, 0.0f);
  }
  for (int64_t b0 = 0; b0 < n; b0 += kBlock) {
    const int64_t nb = std::min(kBlock, n - b0);
    const float* block_keys = keys + b0 * key_stride;
    const float* block_values = values + b0 * value_stride;
    // T segments of the block walked side by side; the positions past T segments one at a time.
    const int64_t segment = nb / T;
    for (int64_t t = 0; t < segment; ++t)
      score_positions<S, G, T>(q, q_stride, block_keys, key_stride, t, segment, nb, qk_size, scale, scores);
    for (int64_t t = T * segment; t < nb; ++t)
      score_positions<S, G, 1>(q, q_stride, block_keys, key_stride, t, 1, nb, qk_size, scale, scores);
    for (int g = 0; g < G; ++g) {
      float* p = scores + g * nb;
      const float block_max = std::max(running_max[g], max_of<S>(p, nb));
      const auto rescale = static_cast<float>(std::exp(static_cast<double>(running_max[g] - block_max)));
      running_sum[g] = static_cast<float>(running_sum[g] * rescale + exp_shifted_sum<S>(p, nb, block_max));
      running_max[g] = block_max;
      if (rescale != 1.0f)
        for (int64_t c = 0; c < v_size; ++c) out[g * out_stride + c] *= rescale;
    }
    // out_g += Σ_t p_g,t · v_t over tiles: inside a tile, column blocks of two vectors keep 2·G accumulators
    // in registers, so the output is loaded and stored once per tile instead of once per position.
    // The next tile's value rows (the next block's first after the last) are requested meanwhile, a line per
    // position and column block: the sum walks a tile by column blocks, a pattern the hardware prefetcher
    // does not follow. The values used to be requested in the score pass instead, 8 lines per position, to be
    // summed from L2; kernel_benchmarks BM_AttentionDecode/512/1 (cold cache, then on huge pages), interleaved,
    // medians of 9: 112 → 106 and 145 → 125 µs, spreading those requests one per key line 145; in cache
    // (512/0) 65-69 µs all three.
    for (int64_t t0 = 0; t0 < nb; t0 += kTile) {
      const int64_t t1 = std::min(nb, t0 + kTile);
      LinesAhead ahead{reinterpret_cast<const char*>(block_values + t1 * value_stride),
                       reinterpret_cast<const char*>(values + std::min(n, b0 + t1 + kTile) * value_stride)};
      for (int64_t c = 0; c < v_end2; c += 2 * S::width)
        accumulate_values<S, G, 2>(block_values, value_stride, t0, t1, c, scores, nb, out, out_stride, ahead);
      for (int64_t c = v_end2; c < v_end; c += S::width)
        accumulate_values<S, G, 1>(block_values, value_stride, t0, t1, c, scores, nb, out, out_stride, ahead);
      for (int64_t c = v_end; c < v_size; ++c)
        for (int g = 0; g < G; ++g) {
          float total = out[g * out_stride + c];
          for (int64_t tt = t0; tt < t1; ++tt) total += scores[g * nb + tt] * block_values[tt * value_stride + c];
          out[g * out_stride + c] = total;
        }
    }
  }
  for (int g = 0; g < G; ++g) {
    const float inverse = 1.0f / running_sum[g];
    for (int64_t c = 0; c < v_size; ++c) out[g * out_stride + c] *= inverse;
  }
}

template <class S>
void attend(const float* q, int64_t q_stride, int32_t group, const float* keys, int64_t key_stride, const float* values,
            int64_t value_stride, int64_t n, int32_t qk_size, int32_t v_size, float scale, float* out,
            int64_t out_stride, float* scores) {
  // Blocks of up to 4 heads: 4 score and 8 output accumulators plus the loads fit 16 vector registers.
  for (int32_t g = 0; g < group; g += 4) {
    const float* qg = q + g * q_stride;
    float* og = out + g * out_stride;
    switch (std::min(4, group - g)) {
      case 1:
        attend_block<S, 1>(qg, q_stride, keys, key_stride, values, value_stride, n, qk_size, v_size, scale, og,
                           out_stride, scores);
        break;
      case 2:
        attend_block<S, 2>(qg, q_stride, keys, key_stride, values, value_stride, n, qk_size, v_size, scale, og,
                           out_stride, scores);
        break;
      case 3:
        attend_block<S, 3>(qg, q_stride, keys, key_stride, values, value_stride, n, qk_size, v_size, scale, og,
                           out_stride, scores);
        break;
      default:
        attend_block<S, 4>(qg, q_stride, keys, key_stride, values, value_stride, n, qk_size, v_size, scale, og,
                           out_stride, scores);
    }
  }
}

template <class S, WeightType Type>
void rows_to_f32_typed(const MatrixView& w, int64_t row_begin, int64_t row_end, float* out) {
  const int64_t n = (row_end - row_begin) * w.cols;
  const void* first = w.row(row_begin);
  int64_t i = 0;
  for (; i + S::width <= n; i += S::width) S::store(out + i, S::template load_weights<Type>(first, i));
  for (; i < n; ++i) out[i] = scalar_weight<Type>(first, i);
}

template <class S>
void rows_to_f32(const MatrixView& w, int64_t row_begin, int64_t row_end, float* out) {
  switch (w.type) {
    case WeightType::bf16:
      return rows_to_f32_typed<S, WeightType::bf16>(w, row_begin, row_end, out);
    case WeightType::f16:
      return rows_to_f32_typed<S, WeightType::f16>(w, row_begin, row_end, out);
    default:
      return rows_to_f32_typed<S, WeightType::f32>(w, row_begin, row_end, out);
  }
}

}  // namespace moecap::kernels::cpu::blocked
