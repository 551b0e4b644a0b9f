#include "moecap/ceilings/machine_ceilings.hpp"

#include <cblas.h>
#include <immintrin.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "moecap/kernels/cpu/compute_threads.hpp"
#include "moecap/kernels/cpu/page_arena.hpp"

namespace moecap::ceilings {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Runs work(thread) on `threads` threads — the calling thread as thread 0 and threads − 1 new ones — released
/// together; returns the time from the first one's start to the last one's end, as the threads themselves saw it.
/// - Timed from the calling thread while only new threads worked, a pass began when the caller was scheduled
///   again after releasing them: 0.1-4.7 ms late here on 25 ms passes (one thread, 512 MB), which overstated
///   the bandwidth by ~7 % in the median and so understated every S-MBU as much.
/// - The caller works too because the decode it is compared with runs on the caller (backend-cpu's arena, as
///   TBB's, includes the thread that enters it): a VM's CPUs need not read at the same rate at a given moment
///   (other guests share their cores), and a probe on a new thread could land on the other one.
/// The threads wait for each other spinning (yielding after a while, for a process confined to fewer CPUs than
/// threads), not asleep, so none starts late.
template <class Work>
double timed_on_threads(int threads, Work work) {
  std::atomic<int> waiting{threads};
  std::vector<double> begins(static_cast<size_t>(threads)), ends(static_cast<size_t>(threads));
  auto run = [&](int t) {
    waiting.fetch_sub(1);
    for (int spins = 0; waiting.load() > 0; ++spins)
      if (spins > 4096) std::this_thread::yield();
    begins[static_cast<size_t>(t)] = now();
    work(t);
    ends[static_cast<size_t>(t)] = now();
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(run, t);
  run(0);
  for (std::thread& th : helpers) th.join();
  return *std::max_element(ends.begin(), ends.end()) - *std::min_element(begins.begin(), begins.end());
}

/// Sums `streams` equal parts of [begin, begin + count) in one loop, so that many sequential streams are in
/// flight. Integer adds; the result is kept so the reads stay.
template <int Streams>
uint64_t sum_streams_generic(const uint64_t* begin, size_t count) {
  const size_t part = count / Streams;
  uint64_t sums[Streams] = {};
  for (size_t i = 0; i < part; ++i)
    for (int s = 0; s < Streams; ++s) sums[s] += begin[static_cast<size_t>(s) * part + i];
  uint64_t out = 0;
  for (uint64_t v : sums) out ^= v;
  return out;
}

// The same with 32-byte loads: on x86-64 baseline code the compiler uses 16-byte ones, which read less.
template <int Streams>
__attribute__((target("avx2"))) uint64_t sum_streams_avx2(const uint64_t* begin, size_t count) {
  const size_t part = count / Streams;
  __m256i sums[Streams];
  for (int s = 0; s < Streams; ++s) sums[s] = _mm256_setzero_si256();
  for (size_t i = 0; i + 4 <= part; i += 4)
    for (int s = 0; s < Streams; ++s)
      sums[s] = _mm256_add_epi64(
          sums[s], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(begin + static_cast<size_t>(s) * part + i)));
  uint64_t out = 0;
  for (int s = 0; s < Streams; ++s) {
    alignas(32) uint64_t lanes[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sums[s]);
    out ^= lanes[0] ^ lanes[1] ^ lanes[2] ^ lanes[3];
  }
  return out;
}

template <int Streams>
uint64_t sum_streams(const uint64_t* begin, size_t count) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2 ? sum_streams_avx2<Streams>(begin, count) : sum_streams_generic<Streams>(begin, count);
}

/// Reads [begin, begin + count) chunk by chunk, `streams` sequential streams inside each chunk. Measured
/// here (one thread): 4 streams over 1-4 MB chunks read 12-13 GB/s, 4 streams a quarter of 512 MB apart
/// 7-10 GB/s; the chunked pattern is also how a GEMV over 4 row lanes reads, which the ceiling must not
/// fall below.
uint64_t read_streams(const uint64_t* begin, size_t count, int streams) {
  constexpr size_t kChunk = (size_t{4} << 20) / sizeof(uint64_t);
  uint64_t out = 0;
  for (size_t offset = 0; offset < count; offset += kChunk) {
    const size_t n = std::min(kChunk, count - offset);
    switch (streams) {
      case 1:
        out ^= sum_streams<1>(begin + offset, n);
        break;
      case 2:
        out ^= sum_streams<2>(begin + offset, n);
        break;
      case 8:
        out ^= sum_streams<8>(begin + offset, n);
        break;
      default:
        out ^= sum_streams<4>(begin + offset, n);
    }
  }
  return out;
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

ProbeResult summarise(const std::vector<double>& rates, const std::vector<double>& cpu_rates) {
  return {*std::max_element(rates.begin(), rates.end()), median_of(rates), median_of(cpu_rates)};
}

}  // namespace

/// A typed array in a PageArena: the memory backend-cpu keeps its weights in (page-aligned, on transparent huge
/// pages where the kernel grants them), so the ceiling is measured on the same kind of memory the decode reads.
template <class T>
struct ArenaArray {
  T* data_ = nullptr;
  size_t size_ = 0;
  void assign(kernels::cpu::PageArena& arena, size_t n, T value) {
    data_ = static_cast<T*>(arena.allocate(n * sizeof(T)));
    size_ = n;
    std::fill_n(data_, n, value);
  }
  T* data() { return data_; }
  size_t size() const { return size_; }
};

struct BandwidthProbe::Buffers {
  kernels::cpu::PageArena arena;
  ArenaArray<uint64_t> read;
  ArenaArray<double> a, b, c;
};

BandwidthProbe::BandwidthProbe(BandwidthProbeOptions options)
    : options_(options), buffers_(std::make_unique<Buffers>()) {
  options_.passes = std::max(1, options_.passes);
  options_.streams_per_thread = std::clamp(options_.streams_per_thread, 1, 8);
  // Distinct values, not one repeated word: a hypervisor that merges identical pages (KSM) could otherwise
  // serve the whole buffer from a few physical pages, i.e. from cache.
  const size_t words = options_.bytes / sizeof(uint64_t);
  buffers_->read.assign(buffers_->arena, words, 0);
  for (size_t i = 0; i < words; ++i) buffers_->read.data()[i] = i * 0x9E3779B97F4A7C15ull;
  const size_t triad = options_.bytes / 2 / sizeof(double);
  buffers_->a.assign(buffers_->arena, triad, 0.0);
  buffers_->b.assign(buffers_->arena, triad, 1.0);
  buffers_->c.assign(buffers_->arena, triad, 2.0);
  for (size_t i = 0; i < triad; ++i) buffers_->b.data()[i] = static_cast<double>(i);
}

BandwidthProbe::~BandwidthProbe() = default;

namespace {

/// One pass of read_streams over the whole words inside `regions` on `threads` threads, each thread reading its
/// slice of every region in turn; bytes per CPU-second per thread into *cpu_rate.
ReadPass timed_read_pass(std::span<const std::span<const std::byte>> regions, int threads, int streams,
                         double* cpu_rate) {
  threads = std::max(1, threads);
  struct Words {
    const uint64_t* begin;
    size_t per_thread;
  };
  std::vector<Words> words;
  size_t bytes_read = 0;
  for (std::span<const std::byte> r : regions) {
    const auto address = reinterpret_cast<uintptr_t>(r.data());
    const size_t skip = (sizeof(uint64_t) - address % sizeof(uint64_t)) % sizeof(uint64_t);
    const size_t count = r.size() > skip ? (r.size() - skip) / sizeof(uint64_t) : 0;
    words.push_back({reinterpret_cast<const uint64_t*>(address + skip), count / static_cast<size_t>(threads)});
    bytes_read += words.back().per_thread * static_cast<size_t>(threads) * sizeof(uint64_t);
  }
  if (bytes_read == 0) return {};
  std::vector<uint64_t> sink(static_cast<size_t>(threads));
  const double cpu_start = process_cpu_seconds();
  const double seconds = timed_on_threads(threads, [&](int t) {
    uint64_t sum = 0;
    for (const Words& w : words)
      if (w.per_thread > 0) sum ^= read_streams(w.begin + static_cast<size_t>(t) * w.per_thread, w.per_thread, streams);
    sink[static_cast<size_t>(t)] = sum;
  });
  const double bytes = static_cast<double>(bytes_read);
  if (cpu_rate != nullptr) *cpu_rate = bytes / ((process_cpu_seconds() - cpu_start) / threads);
  volatile uint64_t keep = 0;
  for (uint64_t v : sink) keep = keep ^ v;
  (void)keep;
  return {bytes, seconds};
}

}  // namespace

double read_pass_over(const void* data, size_t bytes, int threads, int streams_per_thread) {
  const std::span<const std::byte> region(static_cast<const std::byte*>(data), bytes);
  return read_pass_over({&region, 1}, threads, streams_per_thread).bytes_per_second();
}

ReadPass read_pass_over(std::span<const std::span<const std::byte>> regions, int threads, int streams_per_thread) {
  return timed_read_pass(regions, threads, std::clamp(streams_per_thread, 1, 8), nullptr);
}

double BandwidthProbe::read_once(int threads, double* cpu_rate) {
  const std::span<const std::byte> region(reinterpret_cast<const std::byte*>(buffers_->read.data()),
                                          buffers_->read.size() * sizeof(uint64_t));
  return timed_read_pass({&region, 1}, threads, options_.streams_per_thread, cpu_rate).bytes_per_second();
}

double BandwidthProbe::read_pass(int threads) {
  return read_once(threads, nullptr);
}

ProbeResult BandwidthProbe::read(int threads) {
  std::vector<double> rates, cpu_rates;
  for (int pass = 0; pass < options_.passes; ++pass) {
    double cpu_rate = 0;
    rates.push_back(read_once(threads, &cpu_rate));
    cpu_rates.push_back(cpu_rate);
  }
  return summarise(rates, cpu_rates);
}

ProbeResult BandwidthProbe::triad(int threads) {
  threads = std::max(1, threads);
  const size_t count = buffers_->a.size();
  const size_t slice = count / static_cast<size_t>(threads);
  std::vector<double> rates, cpu_rates;
  for (int pass = 0; pass < options_.passes; ++pass) {
    const double cpu_start = process_cpu_seconds();
    const double seconds = timed_on_threads(threads, [&](int t) {
      double* a = buffers_->a.data() + static_cast<size_t>(t) * slice;
      const double* b = buffers_->b.data() + static_cast<size_t>(t) * slice;
      const double* c = buffers_->c.data() + static_cast<size_t>(t) * slice;
      for (size_t i = 0; i < slice; ++i) a[i] = b[i] + 3.0 * c[i];
    });
    const double bytes = 3.0 * static_cast<double>(slice * static_cast<size_t>(threads) * sizeof(double));
    rates.push_back(bytes / seconds);
    cpu_rates.push_back(bytes / ((process_cpu_seconds() - cpu_start) / threads));
  }
  return summarise(rates, cpu_rates);
}

namespace {

/// Best wall-clock rate; *best_per_cpu gets the best rate per CPU-second per thread.
double sgemm_rate(int m, int n, int k, int passes, int threads, double* best_per_cpu) {
  std::vector<float> a(static_cast<size_t>(m) * k, 0.5f), b(static_cast<size_t>(n) * k, 0.25f),
      c(static_cast<size_t>(m) * n, 0.0f);
  double best = 0;
  for (int pass = 0; pass < passes + 1; ++pass) {  // the first pass warms OpenBLAS's buffers
    const double begin = now();
    const double cpu_begin = process_cpu_seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, c.data(), n);
    const double seconds = now() - begin;
    const double cpu_seconds = process_cpu_seconds() - cpu_begin;
    const double flops = 2.0 * m * n * static_cast<double>(k);
    if (pass > 0) {
      best = std::max(best, flops / seconds);
      *best_per_cpu = std::max(*best_per_cpu, flops / (cpu_seconds / threads));
    }
  }
  return best;
}

double dgemm_rate(int n, int passes) {
  std::vector<double> a(static_cast<size_t>(n) * n, 0.5), b(static_cast<size_t>(n) * n, 0.25),
      c(static_cast<size_t>(n) * n, 0.0);
  double best = 0;
  for (int pass = 0; pass < passes + 1; ++pass) {
    const double begin = now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0, c.data(), n);
    const double seconds = now() - begin;
    if (pass > 0) best = std::max(best, 2.0 * n * n * static_cast<double>(n) / seconds);
  }
  return best;
}

}  // namespace

double measure_dgemm(int threads, int passes) {
  kernels::cpu::set_blas_threads(std::max(1, threads));
  const double rate = dgemm_rate(1536, passes);
  kernels::cpu::use_single_threaded_blas();
  return rate;
}

GemmCeiling measure_sgemm(int threads, int passes) {
  kernels::cpu::set_blas_threads(std::max(1, threads));
  GemmCeiling out;
  threads = std::max(1, threads);
  out.square_flops_per_second = sgemm_rate(2048, 2048, 2048, passes, threads, &out.flops_per_cpu_second);
  out.expert_flops_per_second = sgemm_rate(512, 3584, 1024, passes, threads, &out.flops_per_cpu_second);
  out.flops_per_second = std::max(out.square_flops_per_second, out.expert_flops_per_second);
  kernels::cpu::use_single_threaded_blas();
  return out;
}

}  // namespace moecap::ceilings
