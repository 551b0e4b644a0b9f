// Request-level latency metrics from per-request timestamps: TTFT, TPOT, ITL, E2E and throughputs, each as
// a distribution with user-chosen percentiles (DESIGN.md §5).
//
// Definitions (all times in seconds on one clock):
//   TTFT  = first token time − arrival (queueing included: it is what the user waits)
//   E2E   = last token time − arrival
//   TPOT  = (E2E − TTFT) / (tokens − 1), per request with ≥ 2 output tokens
//   ITL   = every gap between consecutive output tokens of a request, pooled over requests
//   prefill tokens/s (per request) = prompt tokens / TTFT
//   decode tokens/s (per request)  = (tokens − 1) / (E2E − TTFT)
//   system throughputs = Σ tokens / (last token of any request − first arrival)
// Percentiles interpolate linearly between order statistics, like numpy.percentile's default ("linear"):
// rank = p/100 · (n − 1), value = x[⌊rank⌋] + (rank − ⌊rank⌋) · (x[⌊rank⌋+1] − x[⌊rank⌋]). std is the
// population standard deviation (numpy.std's default, ddof = 0).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace moecap::host {

/// What the host records about one request.
struct RequestTimeline {
  int64_t id = 0;
  double arrival_s = 0;               ///< when the request was issued
  std::vector<double> token_times_s;  ///< when each output token became available, in order
  int64_t prompt_tokens = 0;
};

struct Percentile {
  double percent = 0;  ///< 0..100
  double value = 0;
};

/// Summary of a sample. All zero (count 0) for an empty sample.
struct Distribution {
  int64_t count = 0;
  double mean = 0;
  double std = 0;  ///< population standard deviation
  double min = 0;
  double max = 0;
  std::vector<Percentile> percentiles;
  /// The value at `percent` if it was requested; throws std::out_of_range otherwise.
  double at(double percent) const;
};

/// numpy-style linear percentile of an ASCENDING sample (0 ≤ percent ≤ 100); throws on an empty sample
/// or an out-of-range percent.
double percentile_of_sorted(std::span<const double> sorted, double percent);

/// Summarises values (any order) at the given percents.
Distribution summarise(std::vector<double> values, std::span<const double> percents);

struct RequestMetrics {
  int64_t requests = 0;                 ///< requests with at least one output token
  int64_t requests_without_tokens = 0;  ///< excluded from every distribution
  Distribution ttft_s;
  Distribution tpot_s;
  Distribution itl_s;
  Distribution e2e_s;
  Distribution prefill_tokens_per_s;  ///< per request
  Distribution decode_tokens_per_s;   ///< per request, requests with ≥ 2 tokens
  double wall_s = 0;                  ///< last token − first arrival
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
  double system_prompt_tokens_per_s = 0;
  double system_output_tokens_per_s = 0;
};

inline constexpr double kDefaultPercents[] = {50, 90, 99};

/// Throws std::invalid_argument when a request's token times decrease or precede its arrival.
RequestMetrics request_metrics(std::span<const RequestTimeline> requests,
                               std::span<const double> percents = kDefaultPercents);

}  // namespace moecap::host
