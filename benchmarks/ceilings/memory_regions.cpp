// memory_regions [GiB] [rounds]: does the memory behind this machine read at one rate everywhere? Allocates GiB
// (default 8) as regions of 256 MB on huge pages (kernels/cpu PageArena, where backend-cpu copies its weights
// and the read probe keeps its buffer), then reads every region once per round with the read probe's loop
// (ceilings::read_pass_over, one thread) and prints each region's median rate as a ratio to the mean of its
// round, with the quartiles. Drift over time hits a round's regions alike and divides out; a region that reads
// slow in every round lies on slower memory. Measured on the 2-core development VM: 56 regions (14 GiB), one at
// 0.68 [0.68-0.73] in all 7 rounds while most read 0.9-1.1 — so a ceiling probed on one buffer can be above or
// below what a model's weights elsewhere read (benchmarks/README.md).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "moecap/ceilings/machine_ceilings.hpp"
#include "moecap/kernels/cpu/page_arena.hpp"

int main(int argc, char** argv) {
  const double gib = argc > 1 ? std::atof(argv[1]) : 8.0;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  constexpr size_t kRegionBytes = size_t{256} << 20;
  const auto n_regions = static_cast<size_t>(gib * 1024.0 * 1024.0 * 1024.0 / static_cast<double>(kRegionBytes));
  if (n_regions < 2 || rounds < 1) {
    std::fprintf(stderr, "usage: memory_regions [GiB ≥ 0.5] [rounds ≥ 1]\n");
    return 2;
  }
  // One arena per region: each is its own mapping, as the backend's arenas are.
  std::vector<moecap::kernels::cpu::PageArena> arenas(n_regions);
  std::vector<uint64_t*> regions;
  for (size_t r = 0; r < n_regions; ++r) {
    auto* words = static_cast<uint64_t*>(arenas[r].allocate(kRegionBytes));
    for (size_t i = 0; i < kRegionBytes / sizeof(uint64_t); ++i) words[i] = (i + r) * 0x9E3779B97F4A7C15ull;
    regions.push_back(words);
  }
  std::vector<std::vector<double>> ratios(n_regions);
  for (int round = 0; round < rounds; ++round) {
    std::vector<double> rates;
    for (uint64_t* region : regions) rates.push_back(moecap::ceilings::read_pass_over(region, kRegionBytes, 1));
    double mean = 0;
    for (double rate : rates) mean += rate / static_cast<double>(n_regions);
    for (size_t r = 0; r < n_regions; ++r) ratios[r].push_back(rates[r] / mean);
  }
  std::printf("%zu regions of 256 MB, %d rounds, one thread: median [quartiles] of rate / round mean\n", n_regions,
              rounds);
  for (size_t r = 0; r < n_regions; ++r) {
    std::vector<double>& v = ratios[r];
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    std::printf("region %3zu  %.3f [%.3f-%.3f]%s\n", r, v[n / 2], v[n / 4], v[(3 * n) / 4],
                v[(3 * n) / 4] < 0.9 || v[n / 4] > 1.1 ? "  <- apart in most rounds" : "");
  }
  return 0;
}
