// Google Benchmark programs for the kernels of backend-cpu, at the shapes of the Mixtral-scale model
// (hidden 1024, expert width 3584, 8 experts, GQA 8×128 over 2 KV heads). Rates are reported as counters:
// bytes/s for the bandwidth-bound kernels (GEMV, attention decode), FLOP/s for the GEMM.
//
//   kernel_benchmarks [--benchmark_filter=...]   MOECAP_CPU_ISA=scalar|avx2 lowers the instruction set.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <memory>
#include <new>
#include <numeric>
#include <random>
#include <vector>

#include "moecap/ceilings/machine_ceilings.hpp"
#include "moecap/kernels/cpu/attention.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"
#include "moecap/kernels/cpu/half_precision.hpp"
#include "moecap/kernels/cpu/linear.hpp"
#include "moecap/kernels/cpu/page_arena.hpp"
#include "moecap/kernels/cpu/panel_packing.hpp"
#include "moecap/kernels/cpu/vector_kernels.hpp"
#include "router.hpp"

namespace {

namespace k = moecap::kernels::cpu;

constexpr int64_t kHidden = 1024;
constexpr int64_t kExpertWidth = 3584;

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> out(n);
  for (float& v : out) v = normal(rng);
  return out;
}

/// `copies` matrices [rows, cols] in the requested storage type and layout, side by side in a PageArena, where
/// backend-cpu keeps its weights (page-aligned, huge pages). By default an expert's gate matrix [3584, 1024], 32
/// of them so the working set (32 × 14.7 MB at f32) is far beyond the last-level cache, as in decode.
struct BenchWeights {
  k::PageArena arena;
  void* data = nullptr;
  k::WeightType type;
  k::MatrixLayout layout;
  int64_t rows, cols;
  int copies;
  explicit BenchWeights(k::WeightType t, k::MatrixLayout l = k::MatrixLayout::rows, int64_t r = kExpertWidth,
                        int n_copies = 32, int64_t c = kHidden)
      : type(t), layout(l), rows(r), cols(c), copies(n_copies) {
    const size_t n = static_cast<size_t>(rows * cols * copies);
    const std::vector<float> values = random_floats(n, 1);
    std::vector<uint16_t> halves;
    const void* source_rows = values.data();
    if (t != k::WeightType::f32) {
      halves.resize(n);
      for (size_t i = 0; i < n; ++i) halves[i] = k::f32_to_bf16(values[i]);  // f16 bits read as f16: any finite mix
      source_rows = halves.data();
    }
    data = arena.allocate(n * k::element_bytes(t));
    const size_t matrix_bytes = n / static_cast<size_t>(copies) * k::element_bytes(t);
    for (int c = 0; c < copies; ++c) {
      const k::MatrixView source{static_cast<const char*>(source_rows) + c * matrix_bytes, t, rows, cols};
      if (l == k::MatrixLayout::panels)
        k::pack_panels(source, static_cast<char*>(data) + c * matrix_bytes);
      else
        std::copy_n(static_cast<const char*>(source.data), matrix_bytes, static_cast<char*>(data) + c * matrix_bytes);
    }
  }
  k::MatrixView view(int copy) const {
    const size_t offset = static_cast<size_t>(copy) * rows * cols * k::element_bytes(type);
    return {static_cast<const char*>(data) + offset, type, rows, cols, layout};
  }
};

k::MatrixLayout layout_argument(const benchmark::State& state) {
  return state.range(2) != 0 ? k::MatrixLayout::panels : k::MatrixLayout::rows;
}

/// The read ceiling of moecap bench and moecap probe (kernels/ceilings), in this process: the GEMV's bytes/s
/// compare with it.
void BM_ReadCeiling(benchmark::State& state) {
  moecap::ceilings::BandwidthProbe probe;
  for (auto _ : state) {
    const moecap::ceilings::ProbeResult r = probe.read(static_cast<int>(state.range(0)));
    state.counters["best bytes/s"] = r.best;
    state.counters["median bytes/s"] = r.median;
  }
}

void run_threads(int threads, auto body) {
  k::use_single_threaded_blas();
  k::ComputeThreads pool(threads);
  pool.run([&] { body(); });
}

/// The GEMV loop of the benchmarks below: `tokens` activations through the weights' copies in turn, reported
/// as weight bytes/s.
void run_gemv(benchmark::State& state, const BenchWeights& weights, int32_t tokens, int threads) {
  const std::vector<float> x = random_floats(static_cast<size_t>(weights.cols * tokens), 2);
  std::vector<float> y(static_cast<size_t>(weights.rows * tokens));
  int copy = 0;
  run_threads(threads, [&] {
    for (auto _ : state) {
      k::linear_gemv(weights.view(copy), x.data(), weights.cols, tokens, y.data(), weights.rows);
      copy = (copy + 5) % weights.copies;  // not the next matrix: in a step the next weight is elsewhere
      benchmark::DoNotOptimize(y.data());
    }
  });
  state.counters["bytes/s"] = benchmark::Counter(static_cast<double>(weights.view(0).bytes()) * state.iterations(),
                                                 benchmark::Counter::kIsRate);
}

void BM_ExpertGemv(benchmark::State& state, k::WeightType type) {
  run_gemv(state, BenchWeights(type, layout_argument(state)), static_cast<int32_t>(state.range(0)),
           static_cast<int>(state.range(1)));
}

/// An expert's down projection [1024, 3584] as panels, one token: its panels (112 KB as bf16) do not divide a
/// chunk of four lanes evenly, unlike the gate's. Argument: threads.
void BM_DownGemv(benchmark::State& state, k::WeightType type) {
  run_gemv(state, BenchWeights(type, k::MatrixLayout::panels, kHidden, 32, kExpertWidth), 1,
           static_cast<int>(state.range(0)));
}

void BM_ExpertGemm(benchmark::State& state, k::WeightType type) {
  const BenchWeights weights(type, layout_argument(state));
  const auto tokens = static_cast<int32_t>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  const std::vector<float> x = random_floats(static_cast<size_t>(kHidden * tokens), 3);
  std::vector<float> y(static_cast<size_t>(kExpertWidth * tokens));
  // range(3) = 1: cold, as in a prefill step, where each expert's weights come from memory: the call cycles
  // through the copies (470 MB at f32) instead of reading one matrix that stays in the last-level cache.
  const bool cold = state.range(3) != 0;
  int copy = 0;
  run_threads(threads, [&] {
    for (auto _ : state) {
      k::linear_gemm(weights.view(copy), x.data(), kHidden, tokens, y.data(), kExpertWidth);
      if (cold) copy = (copy + 5) % weights.copies;
      benchmark::DoNotOptimize(y.data());
    }
  });
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * kExpertWidth * kHidden * tokens * state.iterations(), benchmark::Counter::kIsRate);
}

/// The alternative to linear_gemm's TBB tiles: one cblas_sgemm over the whole f32 expert matrix with OpenBLAS's
/// own threads (the A/B comparison behind the tiling choice).
void BM_ExpertGemmBlasThreads(benchmark::State& state) {
  const BenchWeights weights(k::WeightType::f32);
  const auto tokens = static_cast<int32_t>(state.range(0));
  const auto threads = static_cast<int>(state.range(1));
  const std::vector<float> x = random_floats(static_cast<size_t>(kHidden * tokens), 3);
  std::vector<float> y(static_cast<size_t>(kExpertWidth * tokens));
  k::set_blas_threads(threads);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, kExpertWidth, kHidden, 1.0f, x.data(), kHidden,
                static_cast<const float*>(weights.view(0).data), kHidden, 0.0f, y.data(), kExpertWidth);
    benchmark::DoNotOptimize(y.data());
  }
  k::use_single_threaded_blas();
  state.counters["FLOP/s"] =
      benchmark::Counter(2.0 * kExpertWidth * kHidden * tokens * state.iterations(), benchmark::Counter::kIsRate);
}

/// The LM head's decode GEMV: one bf16 matrix [32000, 1024] in panels (65.5 MB, beyond the last-level cache, so
/// every call reads it from memory), range(0) threads. Unlike an expert matrix it is cut into several GEMV tiles
/// of megabytes each, so it shows how the lanes inside a tile read.
void BM_LmHeadGemv(benchmark::State& state) {
  constexpr int64_t kVocab = 32000;
  run_gemv(state, BenchWeights(k::WeightType::bf16, k::MatrixLayout::panels, kVocab, 1), 1,
           static_cast<int>(state.range(0)));
}

void BM_Router(benchmark::State& state) {
  const int32_t tokens = static_cast<int32_t>(state.range(0));
  const std::vector<float> router = random_floats(8 * kHidden, 4);
  const std::vector<float> x = random_floats(static_cast<size_t>(kHidden * tokens), 5);
  std::vector<float> logits(static_cast<size_t>(8 * tokens));
  moecap_ffn_desc ffn{};
  ffn.n_experts = 8;
  ffn.top_k = 2;
  ffn.router_scoring = MOECAP_ROUTER_SOFTMAX;
  ffn.renormalize_topk = true;
  ffn.n_group = 1;
  ffn.topk_group = 1;
  ffn.routed_scaling_factor = 1.0;
  const std::vector<float> no_bias;
  run_threads(1, [&] {
    for (auto _ : state) {
      k::linear({router.data(), k::WeightType::f32, 8, kHidden}, x.data(), kHidden, tokens, logits.data(), 8);
      for (int32_t t = 0; t < tokens; ++t)
        benchmark::DoNotOptimize(moecap::cpu_backend::route(logits.data() + 8 * t, no_bias, ffn));
    }
  });
  state.counters["tokens/s"] =
      benchmark::Counter(static_cast<double>(tokens) * state.iterations(), benchmark::Counter::kIsRate);
}

/// One decode token over a context of range(0) positions: 8 query heads of 128 over 2 KV heads, the cache
/// head-major as backend-cpu keeps it (each head's keys contiguous over positions). range(1) = 1:
/// cold, as in a decode step, where a layer's weights have evicted its cache rows: the call cycles through
/// copies of the cache that together exceed the last-level cache (64 MB).
void BM_AttentionDecode(benchmark::State& state) {
  const int64_t context = state.range(0);
  const bool cold = state.range(1) != 0;
  constexpr int32_t heads = 8, kv_heads = 2, head_dim = 128, group = heads / kv_heads;
  constexpr int64_t kv_width = kv_heads * head_dim;
  const auto rows = static_cast<size_t>(context * kv_width);
  const size_t copies = cold ? std::max<size_t>(2, (size_t{64} << 20) / (2 * rows * sizeof(float))) : 1;
  // 64-byte aligned, as backend-cpu keeps its caches (kv_cache.hpp).
  struct AlignedDelete {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  auto cache_rows = [&](uint32_t seed) {
    const std::vector<float> random = random_floats(rows * copies, seed);
    std::unique_ptr<float[], AlignedDelete> out(new (std::align_val_t{64}) float[random.size()]);
    std::copy(random.begin(), random.end(), out.get());
    return out;
  };
  const auto keys = cache_rows(6);
  const auto values = cache_rows(7);
  const std::vector<float> q = random_floats(heads * head_dim, 8);
  std::vector<float> out(heads * head_dim), scores(static_cast<size_t>(context) * group);
  size_t copy = 0;
  for (auto _ : state) {
    const float* k_rows = keys.get() + copy * rows;
    const float* v_rows = values.get() + copy * rows;
    copy = (copy + 1) % copies;
    // As backend-cpu runs it: per KV head, the group of query heads sharing it in one call.
    for (int32_t kv = 0; kv < kv_heads; ++kv)
      k::attend_heads(q.data() + kv * group * head_dim, head_dim, group, k_rows + kv * context * head_dim, head_dim,
                      v_rows + kv * context * head_dim, head_dim, context, head_dim, head_dim, 0.088f,
                      out.data() + kv * group * head_dim, head_dim, scores.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["KV bytes/s"] =
      benchmark::Counter(2.0 * context * kv_width * sizeof(float) * state.iterations(), benchmark::Counter::kIsRate);
}

}  // namespace

// Arguments: tokens, threads, layout (0 rows, 1 panels).
BENCHMARK_CAPTURE(BM_ExpertGemv, f32, k::WeightType::f32)->ArgsProduct({{1, 2, 4}, {1, 2}, {0, 1}})->UseRealTime();
BENCHMARK_CAPTURE(BM_ExpertGemv, bf16, k::WeightType::bf16)->ArgsProduct({{1, 2, 4}, {1, 2}, {0, 1}})->UseRealTime();
BENCHMARK_CAPTURE(BM_ExpertGemv, f16, k::WeightType::f16)->ArgsProduct({{1}, {1, 2}, {0, 1}})->UseRealTime();
BENCHMARK_CAPTURE(BM_DownGemv, f32, k::WeightType::f32)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK_CAPTURE(BM_DownGemv, bf16, k::WeightType::bf16)->Arg(1)->Arg(2)->UseRealTime();
// BM_ExpertGemm: tokens, threads, layout, cold (1: the weights come from memory, as in a prefill step).
BENCHMARK_CAPTURE(BM_ExpertGemm, f32, k::WeightType::f32)
    ->ArgsProduct({{128, 512}, {1, 2}, {0, 1}, {0, 1}})
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_ExpertGemm, bf16, k::WeightType::bf16)
    ->ArgsProduct({{128, 512}, {1, 2}, {0, 1}, {0, 1}})
    ->UseRealTime();
BENCHMARK(BM_ExpertGemmBlasThreads)->ArgsProduct({{128, 512}, {1, 2}})->UseRealTime();
BENCHMARK(BM_LmHeadGemv)->Arg(1)->Arg(2)->UseRealTime();
BENCHMARK(BM_Router)->Arg(1)->Arg(512);
BENCHMARK(BM_ReadCeiling)->Arg(1)->Arg(2)->Iterations(1)->UseRealTime();
BENCHMARK(BM_AttentionDecode)->ArgsProduct({{512, 4096}, {0, 1}});

BENCHMARK_MAIN();
