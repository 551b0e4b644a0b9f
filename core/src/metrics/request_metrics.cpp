// Request-level latency metrics and numpy-style percentiles (see request_metrics.hpp).
#include "moecap/host/request_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace moecap::host {

double Distribution::at(double percent) const {
  for (const Percentile& p : percentiles) {
    if (p.percent == percent) return p.value;
  }
  throw std::out_of_range("percentile " + std::to_string(percent) + " was not requested");
}

double percentile_of_sorted(std::span<const double> sorted, double percent) {
  if (sorted.empty()) throw std::invalid_argument("percentile of an empty sample");
  if (!(percent >= 0 && percent <= 100)) throw std::invalid_argument("percentile outside [0, 100]");
  const double rank = percent / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
}

Distribution summarise(std::vector<double> values, std::span<const double> percents) {
  Distribution d;
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  d.count = static_cast<int64_t>(values.size());
  d.min = values.front();
  d.max = values.back();
  double sum = 0;
  for (double v : values) sum += v;
  d.mean = sum / static_cast<double>(values.size());
  double squares = 0;
  for (double v : values) squares += (v - d.mean) * (v - d.mean);
  d.std = std::sqrt(squares / static_cast<double>(values.size()));
  for (double percent : percents) d.percentiles.push_back({percent, percentile_of_sorted(values, percent)});
  return d;
}

RequestMetrics request_metrics(std::span<const RequestTimeline> requests, std::span<const double> percents) {
  RequestMetrics m;
  std::vector<double> ttft, tpot, itl, e2e, prefill_rate, decode_rate;
  double first_arrival = std::numeric_limits<double>::infinity();
  double last_token = -std::numeric_limits<double>::infinity();
  for (const RequestTimeline& r : requests) {
    const std::string where = "request " + std::to_string(r.id) + ": ";
    if (r.token_times_s.empty()) {
      ++m.requests_without_tokens;
      continue;
    }
    if (r.token_times_s.front() < r.arrival_s) throw std::invalid_argument(where + "first token before arrival");
    for (size_t i = 1; i < r.token_times_s.size(); ++i) {
      const double gap = r.token_times_s[i] - r.token_times_s[i - 1];
      if (gap < 0) throw std::invalid_argument(where + "token times decrease");
      itl.push_back(gap);
    }
    ++m.requests;
    const auto n_tokens = static_cast<int64_t>(r.token_times_s.size());
    const double first = r.token_times_s.front() - r.arrival_s;
    const double total = r.token_times_s.back() - r.arrival_s;
    ttft.push_back(first);
    e2e.push_back(total);
    if (first > 0) prefill_rate.push_back(static_cast<double>(r.prompt_tokens) / first);
    if (n_tokens >= 2) {
      const double decode_time = total - first;
      tpot.push_back(decode_time / static_cast<double>(n_tokens - 1));
      if (decode_time > 0) decode_rate.push_back(static_cast<double>(n_tokens - 1) / decode_time);
    }
    m.prompt_tokens += r.prompt_tokens;
    m.output_tokens += n_tokens;
    first_arrival = std::min(first_arrival, r.arrival_s);
    last_token = std::max(last_token, r.token_times_s.back());
  }
  m.ttft_s = summarise(std::move(ttft), percents);
  m.tpot_s = summarise(std::move(tpot), percents);
  m.itl_s = summarise(std::move(itl), percents);
  m.e2e_s = summarise(std::move(e2e), percents);
  m.prefill_tokens_per_s = summarise(std::move(prefill_rate), percents);
  m.decode_tokens_per_s = summarise(std::move(decode_rate), percents);
  if (m.requests > 0 && last_token > first_arrival) {
    m.wall_s = last_token - first_arrival;
    m.system_prompt_tokens_per_s = static_cast<double>(m.prompt_tokens) / m.wall_s;
    m.system_output_tokens_per_s = static_cast<double>(m.output_tokens) / m.wall_s;
  }
  return m;
}

}  // namespace moecap::host
