#include "moecap/kernels/cpu/linear.hpp"

#include <cblas.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "moecap/kernels/cpu/panel_kernels.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"

namespace moecap::kernels::cpu {
namespace {

// Below this many weight elements a matrix is not worth a parallel loop (a router, a tiny test model).
constexpr int64_t kSerialElements = 64 * 1024;

int64_t round_up(int64_t value, int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

/// Row tile for n_tiles_per_thread tiles per arena thread, a multiple of `multiple`, within [low, high].
int64_t row_tile(int64_t rows, int64_t tiles_per_thread, int64_t multiple, int64_t low, int64_t high) {
  const int64_t threads = std::max(1, tbb::this_task_arena::max_concurrency());
  const int64_t tile = round_up((rows + threads * tiles_per_thread - 1) / (threads * tiles_per_thread), multiple);
  return std::clamp(tile, low, std::max(low, high));
}

/// GEMV tiles per arena thread (tiles stay at least kMinGemvTileBytes). At two threads a parallel loop ends when
/// its slower thread finishes its last tile, ~50 loops a decode step: 8 tiles per thread instead of 4 read
/// +0.016 / +0.012 of the own-memory paired S-MBU (f32 / bf16, two threads, `moecap bench --threads 2
/// --compare-plugin-path`, per-run medians over 12 runs in two invocations, ahead in 9 / 8 of them).
constexpr int64_t kGemvTilesPerThread = 8;

/// GEMM tiles per arena thread in a group of products (a prefill's experts). The group's parallel loop ends when
/// the slower thread finishes its last tile: at two threads, 4 tiles per thread left ~6 % of the wall time idle
/// (`moecap bench`: the prefill's expert rate per CPU-second 0.887 of sgemm, per wall second 0.832). 8 instead
/// of 4, A/B of `moecap bench --dtype f32,bf16 --threads 2 --decode-steps 2 --paired-steps 0
/// --compare-plugin-path`, two invocations of 5 runs with A and B swapped: expert GEMMs /sgemm f32 0.914 → 1.031
/// and 0.882 → 0.916 (medians; ahead in 8 of 10 runs), bf16 0.951 → 1.022 and 0.947 → 1.020 (7 of 10).
constexpr int64_t kGemmTilesPerThread = 8;

/// A GEMV tile of at least this many bytes: the decode kernel reads a tile as 4 sequential lanes, and lanes
/// of a few dozen KB end before the hardware prefetchers are up to speed (the attention projections of a
/// 1024-wide bf16 model cut in 8 tiles gave 96 KB lanes).
constexpr int64_t kMinGemvTileBytes = int64_t{1} << 20;

int64_t gemv_min_rows(int64_t row_bytes) {
  return std::max<int64_t>(16, round_up(kMinGemvTileBytes / std::max<int64_t>(1, row_bytes), kPanelRows));
}

/// A scratch buffer per thread and nesting depth: a thread waiting in a nested parallel loop may run another
/// task of the outer loop (work stealing), which must not get the buffer the waiting call still uses.
class NestedScratch {
 public:
  NestedScratch() { ++depth_; }
  ~NestedScratch() { --depth_; }
  NestedScratch(const NestedScratch&) = delete;
  NestedScratch& operator=(const NestedScratch&) = delete;
  float* floats(size_t count) {
    if (buffers_.size() < static_cast<size_t>(depth_)) buffers_.resize(static_cast<size_t>(depth_));
    std::vector<float>& buffer = buffers_[static_cast<size_t>(depth_ - 1)];
    if (buffer.size() < count) buffer.resize(count);
    return buffer.data();
  }

 private:
  static thread_local int depth_;
  static thread_local std::vector<std::vector<float>> buffers_;
};
thread_local int NestedScratch::depth_ = 0;
thread_local std::vector<std::vector<float>> NestedScratch::buffers_;

/// GEMV rows [begin, end) of w in either layout (for panels, bounds are multiples of kPanelRows).
void gemv_rows(const MatrixView& w, int64_t begin, int64_t end, const float* x, int64_t x_stride, int32_t n_tokens,
               float* y, int64_t y_stride) {
  if (w.layout == MatrixLayout::panels)
    panel_kernels().gemv(w, begin / kPanelRows, end / kPanelRows, x, x_stride, n_tokens, y, y_stride);
  else
    vector_kernels().gemv(w, begin, end, x, x_stride, n_tokens, y, y_stride);
}

void panel_gemm(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride,
                int64_t min_tiles) {
  // The activations are packed once for every tile of the product.
  NestedScratch scratch;
  float* strips = scratch.floats(static_cast<size_t>(token_strips_floats(n_tokens, w.cols)));
  pack_token_strips(x, x_stride, n_tokens, w.cols, strips);
  const PanelKernels& k = panel_kernels();
  const int64_t threads = std::max(1, tbb::this_task_arena::max_concurrency());
  if (min_tiles <= 0) min_tiles = 2 * threads;
  const int64_t tile = std::max<int64_t>(1, (w.panels() + min_tiles - 1) / min_tiles);
  const int64_t n_tiles = (w.panels() + tile - 1) / tile;
  if (n_tiles == 1) {
    k.gemm(w, 0, w.panels(), strips, n_tokens, y, y_stride);
    return;
  }
  tbb::parallel_for(int64_t{0}, n_tiles, [&](int64_t index) {
    k.gemm(w, index * tile, std::min(w.panels(), (index + 1) * tile), strips, n_tokens, y, y_stride);
  });
}

}  // namespace

void linear_gemv(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride) {
  if (w.rows * w.cols < kSerialElements || tbb::this_task_arena::max_concurrency() == 1) {
    gemv_rows(w, 0, w.rows, x, x_stride, n_tokens, y, y_stride);
    return;
  }
  // Several tiles per thread so a thread slowed by a neighbour on a shared machine is balanced by stealing;
  // whole panels (a multiple of 16 rows) whatever the layout.
  const int64_t tile = row_tile(w.rows, kGemvTilesPerThread, kPanelRows,
                                gemv_min_rows(w.cols * static_cast<int64_t>(element_bytes(w.type))), w.rows);
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, w.rows, tile),
      [&](const tbb::blocked_range<int64_t>& range) {
        gemv_rows(w, range.begin(), range.end(), x, x_stride, n_tokens, y, y_stride);
      },
      tbb::simple_partitioner());
}

void linear_gemm(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride,
                 int64_t min_tiles) {
  if (w.layout == MatrixLayout::panels) return panel_gemm(w, x, x_stride, n_tokens, y, y_stride, min_tiles);
  // Default: two tiles per thread. 16-bit tiles are converted to f32 first and stay at most 256 rows, so the
  // converted tile stays in L2 (256 × 1024 × 4 B = 1 MiB at hidden 1024) while sgemm streams the tokens
  // through it; f32 tiles are read in place and may be as large as the split allows.
  const int64_t threads = std::max(1, tbb::this_task_arena::max_concurrency());
  if (min_tiles <= 0) min_tiles = 2 * threads;
  const int64_t largest = w.type == WeightType::f32 ? w.rows : 256;
  const int64_t tile =
      std::clamp(round_up((w.rows + min_tiles - 1) / min_tiles, 16), int64_t{16}, std::max<int64_t>(16, largest));
  const int64_t n_tiles = (w.rows + tile - 1) / tile;
  auto run_tile = [&](int64_t index) {
    const int64_t begin = index * tile;
    const int64_t end = std::min(w.rows, begin + tile);
    const auto rows = static_cast<blasint>(end - begin);
    const float* tile_weights = nullptr;
    thread_local std::vector<float> converted;
    if (w.type == WeightType::f32) {
      tile_weights = static_cast<const float*>(w.row(begin));
    } else {
      converted.resize(static_cast<size_t>((end - begin) * w.cols));
      vector_kernels().rows_to_f32(w, begin, end, converted.data());
      tile_weights = converted.data();
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_tokens, rows, static_cast<blasint>(w.cols), 1.0f, x,
                static_cast<blasint>(x_stride), tile_weights, static_cast<blasint>(w.cols), 0.0f, y + begin,
                static_cast<blasint>(y_stride));
  };
  if (n_tiles == 1) {
    run_tile(0);
    return;
  }
  tbb::parallel_for(int64_t{0}, n_tiles, run_tile);
}

void linear_group(std::span<const LinearJob> jobs) {
  bool all_gemv = true;
  int64_t total_rows = 0, total_elements = 0;
  for (const LinearJob& j : jobs) {
    all_gemv = all_gemv && j.n_tokens < kGemmMinTokens;
    total_rows += j.w.rows;
    total_elements += j.w.rows * j.w.cols;
  }
  if (!all_gemv) {
    // The jobs themselves spread over the threads, each GEMM cut into tiles of about the same work: an
    // expert's product may have 10 tokens or 400 (routing is uneven), and one uncut busy expert would keep a
    // thread working long after the others are done. About kGemmTilesPerThread tiles per thread in all.
    const int64_t threads = std::max(1, tbb::this_task_arena::max_concurrency());
    double total_work = 0;
    for (const LinearJob& j : jobs)
      total_work += static_cast<double>(j.n_tokens) * static_cast<double>(j.w.rows * j.w.cols);
    const double tile_work = total_work / static_cast<double>(kGemmTilesPerThread * threads);
    tbb::parallel_for(size_t{0}, jobs.size(), [&](size_t i) {
      const LinearJob& j = jobs[i];
      const double work = static_cast<double>(j.n_tokens) * static_cast<double>(j.w.rows * j.w.cols);
      const auto tiles =
          threads == 1 || tile_work <= 0 ? int64_t{1} : std::max<int64_t>(1, std::llround(work / tile_work));
      if (j.n_tokens >= kGemmMinTokens)
        linear_gemm(j.w, j.x, j.x_stride, j.n_tokens, j.y, j.y_stride, tiles);
      else
        linear_gemv(j.w, j.x, j.x_stride, j.n_tokens, j.y, j.y_stride);
    });
    return;
  }
  auto job_rows = [](const LinearJob& j, int64_t begin, int64_t end) {
    gemv_rows(j.w, begin, end, j.x, j.x_stride, j.n_tokens, j.y, j.y_stride);
  };
  if (total_elements < kSerialElements || tbb::this_task_arena::max_concurrency() == 1) {
    for (const LinearJob& j : jobs) job_rows(j, 0, j.w.rows);
    return;
  }
  // One list of row tiles over every matrix, sized on their total rows and average row bytes.
  int64_t total_bytes = 0;
  for (const LinearJob& j : jobs) total_bytes += static_cast<int64_t>(j.w.bytes());
  const int64_t tile = row_tile(total_rows, kGemvTilesPerThread, kPanelRows,
                                gemv_min_rows(total_bytes / std::max<int64_t>(1, total_rows)), total_rows);
  struct Tile {
    size_t job;
    int64_t begin, end;
  };
  std::vector<Tile> tiles;
  for (size_t i = 0; i < jobs.size(); ++i)
    for (int64_t r = 0; r < jobs[i].w.rows; r += tile) tiles.push_back({i, r, std::min(jobs[i].w.rows, r + tile)});
  tbb::parallel_for(
      size_t{0}, tiles.size(),
      [&](size_t index) {
        const Tile& t = tiles[index];
        job_rows(jobs[t.job], t.begin, t.end);
      },
      tbb::simple_partitioner());
}

void linear(const MatrixView& w, const float* x, int64_t x_stride, int32_t n_tokens, float* y, int64_t y_stride) {
  if (n_tokens >= kGemmMinTokens)
    linear_gemm(w, x, x_stride, n_tokens, y, y_stride);
  else
    linear_gemv(w, x, x_stride, n_tokens, y, y_stride);
}

}  // namespace moecap::kernels::cpu
