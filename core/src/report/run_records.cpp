#include "moecap/host/run_records.hpp"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "moecap/host/expert_statistics.hpp"
#include "moecap/host/model_description_file.hpp"
#include "moecap/host/moecap_code_cost.hpp"
#include "moecap/host/run_utilisation.hpp"
#include "moecap/host/step_utilisation.hpp"
#include "moecap/version.h"

#ifndef MOECAP_GIT_COMMIT
#define MOECAP_GIT_COMMIT "unknown"
#endif

namespace moecap::host {

const char* dtype_name(int32_t dtype) {
  switch (dtype) {
    case MOECAP_DTYPE_F32:
      return "f32";
    case MOECAP_DTYPE_F16:
      return "f16";
    case MOECAP_DTYPE_BF16:
      return "bf16";
    case MOECAP_DTYPE_F64:
      return "f64";
    case MOECAP_DTYPE_I32:
      return "i32";
    case MOECAP_DTYPE_I64:
      return "i64";
    case MOECAP_DTYPE_I8:
      return "i8";
    case MOECAP_DTYPE_U8:
      return "u8";
    case MOECAP_DTYPE_F8_E4M3:
      return "f8_e4m3";
    case MOECAP_DTYPE_F8_E5M2:
      return "f8_e5m2";
    default:
      return "unknown";
  }
}

namespace {

std::string percent_label(double percent) {
  char buffer[32];
  if (percent == std::floor(percent))
    std::snprintf(buffer, sizeof buffer, "p%.0f", percent);
  else
    std::snprintf(buffer, sizeof buffer, "p%g", percent);
  std::string s = buffer;
  for (char& c : s)
    if (c == '.') c = '_';
  return s;
}

void add_distribution(RecordBuilder& record, const std::string& name, const Distribution& d, const char* unit) {
  record.add_double(name + "_mean", d.count > 0 ? d.mean : NAN, unit);
  for (const Percentile& p : d.percentiles)
    record.add_double(name + "_" + percent_label(p.percent), d.count > 0 ? p.value : NAN, unit);
}

nlohmann::json sweep_json(const RunPoint& point) {
  nlohmann::json sweep = nlohmann::json::object();
  for (const SweepValue& v : point.sweep_values) sweep[v.key] = v.display;
  return sweep;
}

// The peaks the summary's ratios divide by: the judging system's, 1 standing in for a peak it lacks (those
// ratios are then reported NaN) and for both without a judgement. The achieved rates (bytes/s, FLOP/s)
// do not depend on them.
HardwarePeaks summary_peaks(const RunContext& c) {
  if (c.cap == nullptr) return {1.0, 1.0};
  return {c.cap->peaks.bandwidth_bytes_per_s > 0 ? c.cap->peaks.bandwidth_bytes_per_s : 1.0,
          c.cap->peaks.flops_per_s > 0 ? c.cap->peaks.flops_per_s : 1.0};
}

// Every step's sparsity-aware bytes and FLOPs, pooled per phase, once for the whole summary.
RunUtilisation utilisation(const RunContext& c, const std::vector<StepRecord>& steps, const HardwarePeaks& peaks) {
  std::vector<StepUtilisation> per_step;
  per_step.reserve(steps.size());
  for (const StepRecord& s : steps)
    if (s.latency_s > 0) per_step.push_back(step_utilisation(s, *c.accounting, peaks));
  return aggregate_utilisation(per_step, peaks);
}

double per_second(double amount, const PhaseUtilisation& phase) {
  return phase.steps > 0 && phase.seconds > 0 ? amount / phase.seconds : NAN;
}

// Ratios of one phase to the system's peaks: pooled (primary) and the mean of per-step ratios (what the
// MoE-CAP code reports). A ratio whose peak the catalog does not give is NaN, never a guess.
void add_phase_ratios(RecordBuilder& r, const std::string& phase, const PhaseUtilisation& u, bool has_bandwidth,
                      bool has_flops) {
  const bool any = u.steps > 0;
  auto ratio = [&](double value, bool has_peak) { return any && has_peak ? value : NAN; };
  r.add_double(phase + "_s_mbu", ratio(u.pooled.s_mbu, has_bandwidth));
  r.add_double(phase + "_s_mbu_full", ratio(u.pooled.s_mbu_full, has_bandwidth));
  r.add_double(phase + "_mbu", ratio(u.pooled.mbu, has_bandwidth));
  r.add_double(phase + "_s_mfu", ratio(u.pooled.s_mfu, has_flops));
  r.add_double(phase + "_mfu", ratio(u.pooled.mfu, has_flops));
  r.add_double(phase + "_s_mbu_mean_of_steps", ratio(u.mean_of_steps.s_mbu, has_bandwidth));
  r.add_double(phase + "_s_mfu_mean_of_steps", ratio(u.mean_of_steps.s_mfu, has_flops));
}

// Returns $ per 1M output tokens (NaN when it cannot be priced). u was computed with summary_peaks(c).
double add_cap_fields(RecordBuilder& r, const RunContext& c, const RunUtilisation& u, const RequestMetrics& m) {
  const CapJudgement& cap = *c.cap;
  const bool has_bandwidth = cap.peaks.bandwidth_bytes_per_s > 0;
  const bool has_flops = cap.peaks.flops_per_s > 0;
  const double busy_s = u.all.seconds;

  r.add_string("hardware", cap.hardware);
  r.add_double("hardware_bandwidth_bytes_per_s", has_bandwidth ? cap.peaks.bandwidth_bytes_per_s : NAN, "bytes/s");
  r.add_string("peak_dtype", cap.peak_dtype);
  r.add_double("hardware_peak_flops_per_s", has_flops ? cap.peaks.flops_per_s : NAN, "FLOP/s");
  add_phase_ratios(r, "decode", u.decode, has_bandwidth, has_flops);
  add_phase_ratios(r, "prefill", u.prefill, has_bandwidth, has_flops);
  if (u.mixed.steps > 0) add_phase_ratios(r, "mixed", u.mixed, has_bandwidth, has_flops);
  add_phase_ratios(r, "all", u.all, has_bandwidth, has_flops);

  const int64_t output_tokens = m.output_tokens;
  double energy_j = NAN;
  if (cap.energy != nullptr) {
    energy_j = cap.energy->total();
    r.add_double("energy_j", energy_j, "J");
    r.add_double("prefill_energy_j", cap.energy->of(StepMode::prefill), "J");
    r.add_double("decode_energy_j", cap.energy->of(StepMode::decode), "J");
    if (u.mixed.steps > 0) r.add_double("mixed_energy_j", cap.energy->of(StepMode::mixed), "J");
    r.add_double("average_power_w", busy_s > 0 ? energy_j / busy_s : NAN, "W");
    r.add_string("energy_source", energy_source_name(cap.energy->source));
    r.add_string("energy_detail", cap.energy->detail);
    r.add_double("output_tokens_per_joule", energy_j > 0 ? static_cast<double>(output_tokens) / energy_j : NAN,
                 "tokens/J");
  }
  r.add_double("purchase_usd", cap.purchase.total(), "USD");
  r.add_double("busy_s", busy_s, "s");
  double usd_per_million = NAN;
  if (busy_s > 0) {
    const RunCost cost = run_cost(cap.purchase, cap.cost, busy_s, std::isnan(energy_j) ? 0 : energy_j, output_tokens);
    r.add_double("capex_usd", cost.capex_usd, "USD");
    r.add_double("energy_usd", cost.energy_usd, "USD");
    r.add_double("usd_per_hour", cost.usd_per_hour, "USD/h");
    if (output_tokens > 0) usd_per_million = cost.usd_per_million_output_tokens;
    r.add_double("usd_per_million_output_tokens", usd_per_million, "USD/1M tokens");
    if (cap.gpu != nullptr && cap.gpu->price_usd && cap.gpu->tdp_w)
      r.add_double("moecap_code_cost_usd", moecap_code_cost(*cap.gpu, cap.gpu_count, busy_s).cost_usd, "USD");
  }
  r.add_double("cost_lifetime_years", cap.cost.lifetime_years, "years");
  r.add_double("cost_utilisation", cap.cost.utilisation);
  r.add_double("cost_usd_per_kwh", cap.cost.usd_per_kwh, "USD/kWh");
  r.add_double("cost_pue", cap.cost.pue);
  return usd_per_million;
}

}  // namespace

RecordBuilder make_run_record(const RunContext& c) {
  RecordBuilder r(MOECAP_RECORD_RUN, c.run_id);
  const RunPoint& point = *c.point;
  r.add_string("pipeline", c.pipeline->source_file.string());
  r.add_string("point", point.id);
  r.add_json("sweep", sweep_json(point).dump());
  r.add_string("config_hash", point.config_hash);
  r.add_string("moecap_version", "0.1.0");
  r.add_string("sdk_abi", std::to_string(MOECAP_ABI_MAJOR) + "." + std::to_string(MOECAP_ABI_MINOR));
  r.add_string("git_commit", MOECAP_GIT_COMMIT);
  r.add_string("model_plugin", c.model_plugin);
  r.add_string("backend_plugin", c.backend_plugin);
  r.add_string("device", c.device);
  r.add_string("model", c.model->name != nullptr ? c.model->name : "");
  r.add_string("family", c.model->family != nullptr ? c.model->family : "");
  r.add_int("layers", c.model->n_layers);
  r.add_int("moe_layers", c.accounting->n_moe_layers());
  r.add_int("total_params", c.accounting->total_params());
  r.add_int("active_params", c.accounting->active_params());
  r.add_string("weight_dtype", dtype_name(c.session.weight_dtype));
  r.add_string("compute_dtype", dtype_name(c.session.compute_dtype));
  r.add_string("kv_dtype", dtype_name(c.session.kv_dtype));
  // What `moecap analyze` needs to recompute every metric without the model plugin: the description in the
  // preset format and the accounting widths the run used.
  const AccountingOptions& accounting = c.accounting->options();
  r.add_string("model_description", model_description_toml(*c.model, accounting.qk_norm_scope));
  r.add_double("weight_bytes_per_element", accounting.weight_bytes_per_element, "bytes");
  r.add_double("kv_bytes_per_element", accounting.kv_bytes_per_element, "bytes");
  if (point.workload) {
    r.add_int("batch_size", point.workload->batch_size);
    r.add_int("prompt_tokens", point.workload->prompt_tokens, "tokens");
    r.add_int("output_tokens", point.workload->output_tokens, "tokens");
    r.add_int("requests", point.workload->requests);
  }
  r.add_int("seed", static_cast<int64_t>(point.run.seed));
  r.add_int("warmup_steps", point.run.warmup_steps);
  r.add_int("repetitions", point.run.repetitions);
  r.add_string("host", c.machine.hostname);
  r.add_string("os", c.machine.os);
  r.add_string("cpu", c.machine.cpu_model);
  r.add_int("cpus", c.machine.logical_cpus);
  r.add_int("memory_bytes", static_cast<int64_t>(c.machine.memory_bytes), "bytes");
  // As a JSON string: files keep it whole, terminals skip it.
  r.add_json("resolved_config", nlohmann::json(point.resolved_toml).dump());
  return r;
}

RecordBuilder make_step_record(const RunContext& c, int64_t repetition, const StepRecord& s) {
  RecordBuilder r(MOECAP_RECORD_STEP, c.run_id);
  r.add_int("repetition", repetition);
  r.add_int("step", s.index);
  r.add_string("mode", step_mode_name(s.mode));
  r.add_int("sequences", s.n_seqs);
  r.add_int("tokens", s.n_tokens, "tokens");
  r.add_int("prefill_tokens", s.n_prefill_tokens, "tokens");
  r.add_int("decode_tokens", s.n_decode_tokens, "tokens");
  r.add_json("context_lengths", nlohmann::json(s.context_lengths).dump(), "tokens");
  r.add_json("new_tokens", nlohmann::json(s.new_tokens).dump(), "tokens");
  r.add_double("start_s", s.start_s, "s");
  r.add_double("latency_s", s.latency_s, "s");
  r.add_double("device_s", s.device_s, "s");
  std::vector<int32_t> activated(static_cast<size_t>(s.n_layers));
  for (int32_t layer = 0; layer < s.n_layers; ++layer)
    activated[static_cast<size_t>(layer)] = s.activated_experts(layer);
  r.add_json("activated_experts", nlohmann::json(activated).dump(), "experts");
  nlohmann::json trace = nlohmann::json::array();
  for (int32_t layer = 0; layer < s.n_layers; ++layer) {
    auto begin = s.expert_tokens.begin() + static_cast<ptrdiff_t>(layer) * s.expert_stride;
    trace.push_back(std::vector<int32_t>(begin, begin + s.expert_stride));
  }
  r.add_json("expert_tokens", trace.dump(), "tokens");
  nlohmann::json counters = nlohmann::json::object();
  for (const auto& counter : s.counters) counters[counter.name] = {{"value", counter.value}, {"unit", counter.unit}};
  r.add_json("counters", counters.dump());
  return r;
}

RecordBuilder make_request_record(const RunContext& c, int64_t repetition, const RequestRecord& q) {
  RecordBuilder r(MOECAP_RECORD_REQUEST, c.run_id);
  r.add_int("repetition", repetition);
  r.add_int("request", q.id);
  r.add_int("prompt_tokens", q.prompt_tokens, "tokens");
  r.add_int("output_tokens", static_cast<int64_t>(q.token_times_s.size()), "tokens");
  r.add_double("arrival_s", q.arrival_s, "s");
  const double ttft = q.first_token_s - q.arrival_s;
  const double e2e = q.finish_s - q.arrival_s;
  r.add_double("ttft_s", ttft, "s");
  r.add_double("e2e_s", e2e, "s");
  r.add_double("tpot_s",
               q.token_times_s.size() > 1 ? (e2e - ttft) / static_cast<double>(q.token_times_s.size() - 1) : NAN, "s");
  std::vector<double> relative;
  relative.reserve(q.token_times_s.size());
  for (double t : q.token_times_s) relative.push_back(t - q.arrival_s);
  r.add_json("token_times_s", nlohmann::json(relative).dump(), "s");
  r.add_json("output_ids", nlohmann::json(q.output_ids).dump());
  return r;
}

RecordBuilder make_summary_record(const RunContext& c, const std::vector<StepRecord>& steps,
                                  const std::vector<RequestRecord>& requests, CapPoint* radar_point) {
  RecordBuilder r(MOECAP_RECORD_SUMMARY, c.run_id);
  std::vector<RequestTimeline> timelines;
  timelines.reserve(requests.size());
  for (const RequestRecord& q : requests) timelines.push_back({q.id, q.arrival_s, q.token_times_s, q.prompt_tokens});
  const RequestMetrics m = request_metrics(timelines, c.pipeline->percentiles);
  const RunUtilisation u = utilisation(c, steps, summary_peaks(c));

  double latency = 0;
  double device = 0;
  for (const StepRecord& s : steps) {
    latency += s.latency_s;
    device += s.device_s;
  }

  r.add_int("requests", m.requests);
  r.add_int("steps", static_cast<int64_t>(steps.size()));
  r.add_int("prefill_steps", u.prefill.steps);
  r.add_int("decode_steps", u.decode.steps);
  r.add_int("mixed_steps", u.mixed.steps);
  r.add_double("wall_s", m.wall_s, "s");
  add_distribution(r, "ttft", m.ttft_s, "s");
  add_distribution(r, "tpot", m.tpot_s, "s");
  add_distribution(r, "itl", m.itl_s, "s");
  add_distribution(r, "e2e", m.e2e_s, "s");
  r.add_double("prefill_tokens_per_s", u.prefill.steps > 0 ? u.prefill.tokens_per_s() : NAN, "tokens/s");
  r.add_double("decode_tokens_per_s", u.decode.steps > 0 ? u.decode.tokens_per_s() : NAN, "tokens/s");
  r.add_double("output_tokens_per_s", m.system_output_tokens_per_s, "tokens/s");

  const ExpertStatistics experts = expert_statistics(steps, *c.accounting);
  const ExpertStatistics decode_experts = expert_statistics(steps, *c.accounting, StepMode::decode);
  r.add_double("activated_experts_mean", experts.mean_activated_per_moe_layer_step, "experts");
  r.add_double("decode_activated_experts_mean",
               decode_experts.steps > 0 ? decode_experts.mean_activated_per_moe_layer_step : NAN, "experts");
  r.add_json("activated_experts_per_layer", nlohmann::json(experts.mean_activated_per_layer).dump(), "experts");

  // Achieved traffic and compute (paper eq. 4/5 numerators over time). Ratios to a peak need the
  // hardware catalog; these do not.
  r.add_double("decode_s_mbu_bytes_per_s", per_second(u.decode.s_mbu_bytes, u.decode), "bytes/s");
  r.add_double("decode_s_mbu_full_bytes_per_s", per_second(u.decode.s_mbu_full_bytes, u.decode), "bytes/s");
  r.add_double("decode_mbu_bytes_per_s", per_second(u.decode.mbu_bytes, u.decode), "bytes/s");
  r.add_double("s_mfu_flops_per_s", u.all.seconds > 0 ? u.all.sparse_flops / u.all.seconds : 0, "FLOP/s");
  r.add_double("mfu_flops_per_s", u.all.seconds > 0 ? u.all.dense_flops / u.all.seconds : 0, "FLOP/s");
  r.add_double("host_overhead_fraction", latency > 0 ? (latency - device) / latency : NAN);
  const double usd_per_million = c.cap != nullptr ? add_cap_fields(r, c, u, m) : NAN;
  if (radar_point != nullptr) {
    radar_point->accuracy = NAN;
    radar_point->performance = m.tpot_s.count > 0 ? m.tpot_s.mean : NAN;
    radar_point->cost = usd_per_million;
  }
  return r;
}

}  // namespace moecap::host
