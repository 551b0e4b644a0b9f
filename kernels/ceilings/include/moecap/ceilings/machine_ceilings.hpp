// The ceilings every performance figure of moecap is divided by, measured in the process that reports the
// figure (DESIGN §7): memory read bandwidth (decode only reads weights and KV), the STREAM triad beside it,
// and OpenBLAS sgemm GFLOP/s. Each probe is the best of a few passes over buffers far larger than the last
// level cache; on a shared machine call them right before and after the measurement they divide.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace moecap::ceilings {

struct BandwidthProbeOptions {
  size_t bytes = size_t{512} << 20;  ///< read buffer; the triad uses three of bytes/2 each
  int passes = 5;
  int streams_per_thread = 4;  ///< concurrent streams in each 4 MB chunk a thread reads (1, 2, 4 or 8; a decode
                               ///< GEMV reads 4 row lanes)
};

/// A probe's passes: the best is the ceiling in STREAM's sense; the median is what a measurement taken under
/// the same contention (a shared machine) can be compared with like for like.
struct ProbeResult {
  double best = 0;    ///< bytes/s
  double median = 0;  ///< bytes/s
  /// Median over passes of bytes per CPU-second per thread: the bandwidth while the probe's threads were
  /// actually running (the scheduler's share taken out), to compare with a measurement normalised the same way.
  double median_per_cpu_second = 0;
};

/// Process CPU time (all threads), seconds.
double process_cpu_seconds();

/// One pass of the read probe's loop over the caller's memory [data, data + bytes) on `threads` threads (the
/// caller as thread 0; each thread a contiguous slice read as `streams_per_thread` streams in 4 MB chunks, as
/// BandwidthProbe reads its own buffer): bytes/s. For the read rate of particular memory — the memory behind
/// this machine need not read at one rate everywhere (benchmarks/README.md, placement), so a ceiling for a
/// decode is best taken on the memory its weights lie in. The whole 8-byte words inside the range are read, as
/// many per thread; 0 when that leaves nothing to read.
double read_pass_over(const void* data, size_t bytes, int threads, int streams_per_thread = 4);

/// What one read pass read and how long it took (0 bytes when nothing was left to read).
struct ReadPass {
  double bytes = 0;
  double seconds = 0;
  double bytes_per_second() const { return bytes > 0 ? bytes / seconds : 0; }
};

/// read_pass_over over several regions of any alignment in one timed pass: each thread reads its slice of every
/// region in turn (as a decode's threads read their rows of one matrix after another). A region is read as the
/// whole 8-byte words inside it, split evenly over the threads; the bytes around them are left out.
ReadPass read_pass_over(std::span<const std::span<const std::byte>> regions, int threads, int streams_per_thread = 4);

/// Buffers allocated and touched once, reused by every probe call (first-touch costs stay out of the timing).
class BandwidthProbe {
 public:
  explicit BandwidthProbe(BandwidthProbeOptions options = {});
  ~BandwidthProbe();
  BandwidthProbe(const BandwidthProbe&) = delete;
  BandwidthProbe& operator=(const BandwidthProbe&) = delete;

  /// Read-only bandwidth on `threads` threads.
  ProbeResult read(int threads);
  /// One pass of the read probe (bytes/s): a sample of the bandwidth at this moment, to pair with a
  /// measurement of about the same length taken right before or after it (a decode step reads ~0.5-1 GB).
  double read_pass(int threads);
  /// STREAM triad a = b + s·c on `threads` threads, counted as STREAM does (3 arrays, no write-allocate).
  ProbeResult triad(int threads);

 private:
  struct Buffers;
  /// One read pass: bytes/s, and bytes per CPU-second per thread into *cpu_rate.
  double read_once(int threads, double* cpu_rate);
  BandwidthProbeOptions options_;
  std::unique_ptr<Buffers> buffers_;
};

struct GemmCeiling {
  double flops_per_second = 0;         ///< the best of the shapes below
  double square_flops_per_second = 0;  ///< M = N = K = 2048
  double expert_flops_per_second = 0;  ///< M = 512 tokens, N = 3584, K = 1024 (a prefill expert's up/gate)
  double flops_per_cpu_second = 0;     ///< best pass of either shape, per CPU-second per thread
};

/// OpenBLAS sgemm with openblas_set_num_threads(threads) (restored to 1 afterwards, the cpu backend's
/// setting), best of passes per shape.
GemmCeiling measure_sgemm(int threads, int passes = 3);

/// OpenBLAS dgemm (M = N = K = 1536) FLOP/s on `threads` threads, best of passes: the fp64 ceiling of a
/// backend that computes in double (backend-reference).
double measure_dgemm(int threads, int passes = 2);

}  // namespace moecap::ceilings
