// kernels/ceilings: the probes return rates a benchmark can divide by (positive, finite, the best pass at least
// the median), and a single read pass is such a rate too. Behaviour only: how fast this machine reads is the
// benchmarks' business, not a test's.
#include "moecap/ceilings/machine_ceilings.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

using moecap::ceilings::BandwidthProbe;
using moecap::ceilings::BandwidthProbeOptions;

BandwidthProbeOptions small_probe() {
  BandwidthProbeOptions options;
  options.bytes = size_t{8} << 20;  // small: the test checks the arithmetic, not the machine
  options.passes = 3;
  return options;
}

TEST(BandwidthProbe, ReadGivesTheBestPassAtLeastTheMedian) {
  BandwidthProbe probe(small_probe());
  for (int threads : {1, 2}) {
    const moecap::ceilings::ProbeResult r = probe.read(threads);
    EXPECT_TRUE(std::isfinite(r.best));
    EXPECT_GT(r.median, 0.0);
    EXPECT_GE(r.best, r.median);
    EXPECT_GT(r.median_per_cpu_second, 0.0);
  }
}

TEST(BandwidthProbe, OneReadPassIsARate) {
  BandwidthProbe probe(small_probe());
  for (int threads : {1, 2}) {
    const double rate = probe.read_pass(threads);
    EXPECT_TRUE(std::isfinite(rate));
    EXPECT_GT(rate, 0.0);
  }
}

TEST(ReadPassOver, CallerMemoryGivesARateAndNothingToReadGivesZero) {
  std::vector<uint64_t> memory(size_t{4} << 20 >> 3);
  for (size_t i = 0; i < memory.size(); ++i) memory[i] = i;
  for (int threads : {1, 2}) {
    const double rate = moecap::ceilings::read_pass_over(memory.data(), memory.size() * sizeof(uint64_t), threads);
    EXPECT_TRUE(std::isfinite(rate));
    EXPECT_GT(rate, 0.0);
  }
  EXPECT_EQ(moecap::ceilings::read_pass_over(memory.data(), 7, 1), 0.0);  // less than a word
  EXPECT_EQ(moecap::ceilings::read_pass_over(memory.data(), 8, 2), 0.0);  // less than a word per thread
}

TEST(ReadPassOver, SeveralRegionsAreReadInOnePassEachInWholeWordsPerThread) {
  std::vector<uint64_t> first(size_t{1} << 17), second(1001);
  const std::span<const std::byte> second_bytes = std::as_bytes(std::span(second));
  const std::span<const std::byte> regions[] = {
      std::as_bytes(std::span(first)),
      second_bytes.subspan(3),     // an unaligned start: the whole words after it, one fewer
      second_bytes.subspan(8, 4),  // less than a word: nothing to read
  };
  for (int threads : {1, 2}) {
    const moecap::ceilings::ReadPass pass = moecap::ceilings::read_pass_over(regions, threads);
    const size_t words = first.size() / threads * threads + (second.size() - 1) / threads * threads;
    EXPECT_EQ(pass.bytes, static_cast<double>(words * sizeof(uint64_t))) << threads << " threads";
    EXPECT_GT(pass.seconds, 0.0);
    EXPECT_TRUE(std::isfinite(pass.bytes_per_second()));
  }
  EXPECT_EQ(moecap::ceilings::read_pass_over(std::span(regions).subspan(2), 1).bytes_per_second(), 0.0);
}

TEST(BandwidthProbe, TriadGivesTheBestPassAtLeastTheMedian) {
  BandwidthProbe probe(small_probe());
  const moecap::ceilings::ProbeResult r = probe.triad(1);
  EXPECT_GT(r.median, 0.0);
  EXPECT_GE(r.best, r.median);
}

}  // namespace
