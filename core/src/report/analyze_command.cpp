#include "moecap/host/analyze_command.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "moecap/host/cap_judgement.hpp"
#include "moecap/host/default_paths.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/model_description_file.hpp"
#include "moecap/host/run_records.hpp"
#include "moecap/host/stored_runs.hpp"

namespace moecap::host {
namespace {

constexpr int kDiffers = 1;
constexpr int kBadInput = 2;
constexpr double kTolerance = 1e-9;

int32_t dtype_from_name(const std::string& name) {
  for (int32_t dtype = 0; dtype <= MOECAP_DTYPE_F8_E5M2; ++dtype)
    if (name == dtype_name(dtype)) return dtype;
  return MOECAP_DTYPE_UNKNOWN;
}

double stored_number(const nlohmann::json& record, const char* name, double fallback = NAN) {
  const auto it = record.find(name);
  return it != record.end() && it->is_number() ? it->get<double>() : fallback;
}

std::string stored_string(const nlohmann::json& record, const char* name) {
  const auto it = record.find(name);
  return it != record.end() && it->is_string() ? it->get<std::string>() : "";
}

nlohmann::json record_json(RecordBuilder& builder) {
  const moecap_record& record = builder.record();
  nlohmann::json out = nlohmann::json::object();
  out["record"] = "summary";
  out["run_id"] = record.run_id;
  for (int32_t i = 0; i < record.n_fields; ++i) {
    const moecap_field& f = record.fields[i];
    switch (f.type) {
      case MOECAP_FIELD_INT:
        out[f.name] = f.int_value;
        break;
      case MOECAP_FIELD_DOUBLE:
        out[f.name] = std::isfinite(f.double_value) ? nlohmann::json(f.double_value) : nlohmann::json(nullptr);
        break;
      case MOECAP_FIELD_BOOL:
        out[f.name] = f.int_value != 0;
        break;
      case MOECAP_FIELD_JSON:
        out[f.name] = nlohmann::json::parse(f.string_value, nullptr, false);
        break;
      default:
        out[f.name] = f.string_value != nullptr ? f.string_value : "";
    }
  }
  return out;
}

void print_table(std::ostream& out, RecordBuilder& builder) {
  const moecap_record& record = builder.record();
  out << "-- analyzed " << record.run_id << " --\n";
  for (int32_t i = 0; i < record.n_fields; ++i) {
    const moecap_field& f = record.fields[i];
    char value[64];
    std::string text;
    if (f.type == MOECAP_FIELD_DOUBLE) {
      const double v = f.double_value;
      std::snprintf(value, sizeof value, (v != 0 && (std::fabs(v) >= 1e6 || std::fabs(v) < 1e-3)) ? "%.4e" : "%.4f", v);
      text = value;
    } else if (f.type == MOECAP_FIELD_INT) {
      text = std::to_string(f.int_value);
    } else if (f.type == MOECAP_FIELD_JSON) {
      continue;  // traces and lists: in --json
    } else {
      text = f.string_value != nullptr ? f.string_value : "";
    }
    char line[256];
    std::snprintf(line, sizeof line, "  %-34s %14s %s\n", f.name, text.c_str(), f.unit != nullptr ? f.unit : "");
    out << line;
  }
}

// Every number both summaries have: the largest relative difference, and the fields beyond tolerance.
// Fields that depend on the judging system are compared only when judged as recorded.
struct Comparison {
  int compared = 0;
  double max_relative = 0;
  std::vector<std::string> differing;
};

Comparison compare(const nlohmann::json& recomputed, const nlohmann::json& stored) {
  Comparison c;
  for (const auto& [name, value] : recomputed.items()) {
    if (!value.is_number()) continue;
    const auto it = stored.find(name);
    if (it == stored.end() || !it->is_number()) continue;
    const double a = value.get<double>();
    const double b = it->get<double>();
    const double relative = a == b ? 0 : std::fabs(a - b) / std::max(std::fabs(a), std::fabs(b));
    ++c.compared;
    c.max_relative = std::max(c.max_relative, relative);
    if (relative > kTolerance)
      c.differing.push_back(name + " " + std::to_string(a) + " (stored " + std::to_string(b) + ")");
  }
  return c;
}

}  // namespace

int analyze_results_command(const AnalyzeOptions& options, std::ostream& out) {
  std::vector<StoredRun> runs;
  std::optional<RunSystem> system;
  try {
    runs = read_stored_runs(options.results);
    if (!options.hardware.device.empty())
      system = resolve_run_system(
          options.hardware, options.catalog_dir.empty() ? default_hardware_catalog_dir() : options.catalog_dir,
          options.machine_entry_file.empty() ? default_machine_entry_path() : options.machine_entry_file, nullptr);
  } catch (const std::exception& e) {
    log(MOECAP_LOG_ERROR, "analyze", e.what());
    return kBadInput;
  }
  if (runs.empty()) {
    log(MOECAP_LOG_ERROR, "analyze",
        options.results.string() + ": no run records; expected a file `moecap run` wrote with sink-jsonl");
    return kBadInput;
  }

  Pipeline reporting;  // only its percentiles are read
  reporting.percentiles = options.percentiles;
  int exit_code = 0;
  for (const StoredRun& run : runs) {
    const std::string where = options.results.string() + ": run '" + run.run_id + "'";
    const std::string description = stored_string(run.run, "model_description");
    if (description.empty()) {
      log(MOECAP_LOG_ERROR, "analyze", where + " has no model_description (recorded by an older moecap); rerun it");
      return kBadInput;
    }
    std::unique_ptr<ModelDescriptionFile> model;
    try {
      model = parse_model_description(description, where + " model_description");
    } catch (const std::exception& e) {
      log(MOECAP_LOG_ERROR, "analyze", e.what());
      return kBadInput;
    }
    AccountingOptions accounting_options;
    accounting_options.weight_bytes_per_element = stored_number(run.run, "weight_bytes_per_element", 2);
    accounting_options.kv_bytes_per_element = stored_number(run.run, "kv_bytes_per_element", 2);
    accounting_options.qk_norm_scope = model->qk_norm_scope;
    const ModelAccounting accounting(model->desc, accounting_options);

    RunContext context;
    context.pipeline = &reporting;
    context.run_id = run.run_id;
    context.model = &model->desc;
    context.accounting = &accounting;
    context.session.compute_dtype = dtype_from_name(stored_string(run.run, "compute_dtype"));

    std::optional<CapJudgement> cap;
    PhaseEnergyTotals energy;
    const nlohmann::json stored = run.summary.value_or(nlohmann::json::object());
    CostParameters cost;
    cost.lifetime_years =
        options.lifetime_years.value_or(stored_number(stored, "cost_lifetime_years", cost.lifetime_years));
    cost.utilisation = options.utilisation.value_or(stored_number(stored, "cost_utilisation", cost.utilisation));
    cost.usd_per_kwh = options.usd_per_kwh.value_or(stored_number(stored, "cost_usd_per_kwh", cost.usd_per_kwh));
    cost.pue = options.pue.value_or(stored_number(stored, "cost_pue", cost.pue));
    if (system) {
      const double host_memory =
          run_host_memory_bytes(accounting, stored_number(run.run, "batch_size", 0),
                                stored_number(run.run, "prompt_tokens", 0), stored_number(run.run, "output_tokens", 0));
      cap = judge_on_system(*system, context.session.compute_dtype, host_memory, cost);
      const double watts = system_tdp_w(system->catalog, system->with_host_memory(host_memory));
      for (const StepRecord& s : run.steps) energy.joules[static_cast<int>(s.mode)] += watts * s.latency_s;
      energy.source = EnergySource::estimated;
      energy.detail = "estimated: system TDP " + std::to_string(watts) + " W x step time (re-priced by moecap analyze)";
      cap->energy = &energy;
    } else if (stored.contains("hardware")) {
      cap.emplace();
      cap->hardware = stored_string(stored, "hardware");
      cap->peak_dtype = stored_string(stored, "peak_dtype");
      const double bandwidth = stored_number(stored, "hardware_bandwidth_bytes_per_s");
      const double flops = stored_number(stored, "hardware_peak_flops_per_s");
      cap->peaks = {std::isnan(bandwidth) ? 0 : bandwidth, std::isnan(flops) ? 0 : flops};
      cap->purchase.devices = stored_number(stored, "purchase_usd", 0);
      cap->cost = cost;
      if (stored.contains("energy_j")) {
        energy.joules[0] = stored_number(stored, "prefill_energy_j", 0);
        energy.joules[1] = stored_number(stored, "decode_energy_j", 0);
        energy.joules[2] = stored_number(stored, "mixed_energy_j", 0);
        energy.source =
            stored_string(stored, "energy_source") == "measured" ? EnergySource::measured : EnergySource::estimated;
        energy.detail = stored_string(stored, "energy_detail");
        cap->energy = &energy;
      }
    }
    context.cap = cap ? &*cap : nullptr;

    RecordBuilder summary = [&] {
      try {
        return make_summary_record(context, run.steps, run.requests);
      } catch (const std::exception& e) {
        throw std::runtime_error(where + ": " + e.what());
      }
    }();
    const nlohmann::json recomputed = record_json(summary);
    if (options.json)
      out << recomputed.dump() << "\n";
    else
      print_table(out, summary);

    if (run.summary && !system && !options.lifetime_years && !options.utilisation && !options.usd_per_kwh &&
        !options.pue) {
      const Comparison c = compare(recomputed, *run.summary);
      if (c.differing.empty()) {
        char line[160];
        std::snprintf(line, sizeof line,
                      "%s: %d figures recomputed equal the stored summary (largest relative difference %.1e)",
                      run.run_id.c_str(), c.compared, c.max_relative);
        log(MOECAP_LOG_INFO, "analyze", line);
      } else {
        for (const std::string& d : c.differing) log(MOECAP_LOG_ERROR, "analyze", run.run_id + ": " + d);
        exit_code = kDiffers;
      }
    }
  }
  return exit_code;
}

}  // namespace moecap::host
