// TTFT, TPOT, ITL, E2E and throughputs from request timelines; numpy-compatible percentiles.
#include "moecap/host/request_metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace moecap::host {
namespace {

TEST(Percentiles, MatchNumpyLinear) {
  const std::vector<double> sorted{1, 2, 3, 4};
  // numpy.percentile([1,2,3,4], [0, 50, 90, 99, 100]) = [1, 2.5, 3.7, 3.97, 4]
  EXPECT_DOUBLE_EQ(percentile_of_sorted(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(percentile_of_sorted(sorted, 50), 2.5);
  EXPECT_NEAR(percentile_of_sorted(sorted, 90), 3.7, 1e-12);
  EXPECT_NEAR(percentile_of_sorted(sorted, 99), 3.97, 1e-12);
  EXPECT_DOUBLE_EQ(percentile_of_sorted(sorted, 100), 4);
  const std::vector<double> one{7};
  EXPECT_DOUBLE_EQ(percentile_of_sorted(one, 99), 7);
  EXPECT_THROW(percentile_of_sorted({}, 50), std::invalid_argument);
  EXPECT_THROW(percentile_of_sorted(sorted, 101), std::invalid_argument);
}

TEST(Percentiles, SummaryUsesPopulationStd) {
  const double percents[] = {25, 75};
  const Distribution d = summarise({4, 1, 3, 2}, percents);
  EXPECT_EQ(d.count, 4);
  EXPECT_DOUBLE_EQ(d.mean, 2.5);
  EXPECT_DOUBLE_EQ(d.std, std::sqrt(1.25));  // numpy.std, ddof = 0
  EXPECT_DOUBLE_EQ(d.min, 1);
  EXPECT_DOUBLE_EQ(d.max, 4);
  EXPECT_DOUBLE_EQ(d.at(25), 1.75);
  EXPECT_DOUBLE_EQ(d.at(75), 3.25);
  EXPECT_THROW((void)d.at(50), std::out_of_range);
  EXPECT_EQ(summarise({}, percents).count, 0);
}

TEST(RequestMetrics, HandComputedTimelines) {
  // A: arrives 0, tokens at 1.0, 1.5, 2.5 → TTFT 1, E2E 2.5, TPOT 0.75, ITL 0.5 and 1.0.
  // B: arrives 1, tokens at 1.5, 2.0     → TTFT 0.5, E2E 1, TPOT 0.5, ITL 0.5.
  // C: arrives 2, one token at 4          → TTFT 2, E2E 2, no TPOT.
  // D: no tokens (failed)                 → excluded.
  const std::vector<RequestTimeline> requests{
      {.id = 0, .arrival_s = 0, .token_times_s = {1.0, 1.5, 2.5}, .prompt_tokens = 100},
      {.id = 1, .arrival_s = 1, .token_times_s = {1.5, 2.0}, .prompt_tokens = 50},
      {.id = 2, .arrival_s = 2, .token_times_s = {4.0}, .prompt_tokens = 10},
      {.id = 3, .arrival_s = 3, .token_times_s = {}, .prompt_tokens = 10}};
  const RequestMetrics m = request_metrics(requests);
  EXPECT_EQ(m.requests, 3);
  EXPECT_EQ(m.requests_without_tokens, 1);
  EXPECT_DOUBLE_EQ(m.ttft_s.mean, (1.0 + 0.5 + 2.0) / 3);
  EXPECT_DOUBLE_EQ(m.ttft_s.at(50), 1.0);
  EXPECT_EQ(m.tpot_s.count, 2);
  EXPECT_DOUBLE_EQ(m.tpot_s.mean, (0.75 + 0.5) / 2);
  EXPECT_EQ(m.itl_s.count, 3);
  EXPECT_DOUBLE_EQ(m.itl_s.max, 1.0);
  EXPECT_DOUBLE_EQ(m.itl_s.at(50), 0.5);
  EXPECT_DOUBLE_EQ(m.e2e_s.mean, (2.5 + 1.0 + 2.0) / 3);
  EXPECT_DOUBLE_EQ(m.prefill_tokens_per_s.max, 100);  // 100 / 1 and 50 / 0.5
  EXPECT_DOUBLE_EQ(m.decode_tokens_per_s.at(50), (2 / 1.5 + 1 / 0.5) / 2);
  EXPECT_DOUBLE_EQ(m.wall_s, 4);
  EXPECT_EQ(m.output_tokens, 6);
  EXPECT_EQ(m.prompt_tokens, 160);
  EXPECT_DOUBLE_EQ(m.system_output_tokens_per_s, 1.5);
  EXPECT_DOUBLE_EQ(m.system_prompt_tokens_per_s, 40);
}

TEST(RequestMetrics, RejectsTimesThatRunBackwards) {
  const std::vector<RequestTimeline> early{{.id = 0, .arrival_s = 2, .token_times_s = {1.0}, .prompt_tokens = 1}};
  EXPECT_THROW(request_metrics(early), std::invalid_argument);
  const std::vector<RequestTimeline> backwards{
      {.id = 0, .arrival_s = 0, .token_times_s = {2.0, 1.0}, .prompt_tokens = 1}};
  EXPECT_THROW(request_metrics(backwards), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
