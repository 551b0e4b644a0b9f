// `moecap run` / `moecap validate`: pipeline → plugins → sweep points → records.
//
// Everything that can be checked is checked before the first step runs (the pipeline, every plugin of every
// point, the sinks opening). A failure inside a point ends that point, keeps what its sinks already got,
// and the remaining points still run; the exit code then says the run failed.
#include "moecap/host/run_command.hpp"

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "moecap/host/config_view.hpp"
#include "moecap/host/default_paths.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/machine_info.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/phase_energy.hpp"
#include "moecap/host/pipeline.hpp"
#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/radar_svg.hpp"
#include "moecap/host/run_records.hpp"
#include "moecap/host/run_system.hpp"
#include "session_step_target.hpp"

#ifndef MOECAP_SOURCE_MODELS_DIR
#define MOECAP_SOURCE_MODELS_DIR ""
#endif

namespace moecap::host {
namespace {

constexpr int kRunFailed = 1;
constexpr int kBadInput = 2;

void warn_unread(const ConfigView& view, const std::string& who) {
  for (const auto& unread : view.unread_keys())
    log(MOECAP_LOG_WARN, "pipeline",
        unread.position + ": key '" + unread.full_key + "' was not read by " + who + " (a typo?)");
}

std::vector<std::filesystem::path> preset_dirs() {
  std::vector<std::filesystem::path> dirs;
  const auto exe = executable_dir();
  if (!exe.empty()) dirs.push_back(exe / ".." / "share" / "moecap" / "models");
  if (std::string(MOECAP_SOURCE_MODELS_DIR).size() > 0) dirs.emplace_back(MOECAP_SOURCE_MODELS_DIR);
  return dirs;
}

// Bytes per element, 0 for a dtype the backend left unset.
double known_dtype_bytes(int32_t dtype) {
  return dtype == MOECAP_DTYPE_UNKNOWN ? 0 : dtype_bytes(dtype);
}

AccountingOptions accounting_options(const Model& model, const moecap_session_info& session) {
  AccountingOptions options;
  const moecap_model_desc& desc = model.describe();
  options.weight_bytes_per_element =
      known_dtype_bytes(session.weight_dtype != MOECAP_DTYPE_UNKNOWN ? session.weight_dtype : desc.weight_dtype);
  options.kv_bytes_per_element = known_dtype_bytes(session.kv_dtype);
  if (options.weight_bytes_per_element <= 0) options.weight_bytes_per_element = 2;
  if (options.kv_bytes_per_element <= 0) options.kv_bytes_per_element = options.weight_bytes_per_element;
  // The description says qk-norm is on; the weight's shape says whether per head or over the projection.
  if (desc.attention->qk_norm) {
    if (auto view = model.weight_find("layers.0.attn.q_norm"))
      options.qk_norm_scope =
          view->shape[0] == desc.attention->head_dim ? QkNormScope::per_head : QkNormScope::whole_projection;
  }
  return options;
}

class SinkSet {
 public:
  void add(Sink sink) { sinks_.push_back(std::move(sink)); }
  void write(RecordBuilder& builder) {
    const moecap_record& record = builder.record();
    for (Sink& sink : sinks_) sink.write(record);
  }
  // Closes every sink; reports (not throws) failures so every sink gets its close.
  bool close_all() {
    bool ok = true;
    for (Sink& sink : sinks_) {
      try {
        sink.close();
      } catch (const std::exception& e) {
        log(MOECAP_LOG_ERROR, "moecap", e.what());
        ok = false;
      }
    }
    return ok;
  }

 private:
  std::vector<Sink> sinks_;
};

double point_host_memory_bytes(const RunContext& context, const RunPoint& point) {
  return point.workload ? run_host_memory_bytes(*context.accounting, point.workload->batch_size,
                                                point.workload->prompt_tokens, point.workload->output_tokens)
                        : run_host_memory_bytes(*context.accounting, 0, 0, 0);
}

std::string point_label(const Pipeline& pipeline, const RunPoint& point) {
  std::string label = pipeline.points.size() > 1 ? point.id : pipeline.name;
  for (const SweepValue& v : point.sweep_values) label += " " + v.key + "=" + v.display;
  return label;
}

void run_point(PluginRegistry& registry, const Pipeline& pipeline, const RunPoint& point, const MachineInfo& machine,
               const RunSystem* system, SinkSet& sinks, std::vector<CapPoint>& radar) {
  const std::string run_id = pipeline.name + "/" + point.id;
  log(MOECAP_LOG_INFO, "moecap", "running " + run_id);

  ModelProxy model_proxy = registry.model(point.model.name, point.model.explicit_path.value_or(""));
  auto model_view = point.model.make_config_view();
  std::shared_ptr<Model> model = model_proxy.open(model_view->get());
  warn_unread(*model_view, "model plugin '" + model_proxy.name() + "'");

  BackendProxy backend_proxy = registry.backend(point.backend.name, point.backend.explicit_path.value_or(""));
  auto backend_view = point.backend.make_config_view();
  Session session = backend_proxy.create_session(model, backend_view->get());
  warn_unread(*backend_view, "backend plugin '" + backend_proxy.name() + "'");

  RunContext context;
  context.pipeline = &pipeline;
  context.point = &point;
  context.run_id = run_id;
  context.model_plugin = model_proxy.component().plugin().name() + " " + model_proxy.component().plugin().version();
  context.backend_plugin =
      backend_proxy.component().plugin().name() + " " + backend_proxy.component().plugin().version();
  if (backend_proxy.device_count() > 0) {
    DeviceInfo device = backend_proxy.device_info(0);
    context.device = device.name + (device.description.empty() ? "" : " (" + device.description + ")");
  }
  context.model = &model->describe();
  context.session = session.info();
  const ModelAccounting accounting(*context.model, accounting_options(*model, context.session));
  context.accounting = &accounting;
  context.machine = machine;
  std::optional<CapJudgement> cap;
  std::optional<PhaseEnergy> energy;
  if (system != nullptr) {
    const double host_memory = point_host_memory_bytes(context, point);
    cap = judge_on_system(*system, context.session.compute_dtype, host_memory, pipeline.cost);
    EnergyMeter::Options energy_options;
    energy_options.estimate_tdp_w = system_tdp_w(system->catalog, system->with_host_memory(host_memory));
    energy.emplace(energy_options, system->is_this_machine);
    cap->energy = &energy->totals();
    context.cap = &*cap;
  }

  RecordBuilder run_record = make_run_record(context);
  sinks.write(run_record);

  if (!point.workload) {
    log(MOECAP_LOG_WARN, "moecap", run_id + ": no [workload]; nothing to measure");
    return;
  }
  WorkloadSpec spec;
  spec.batch_size = point.workload->batch_size;
  spec.prompt_tokens = point.workload->prompt_tokens;
  spec.output_tokens = point.workload->output_tokens;
  spec.requests = point.workload->requests;
  spec.seed = point.run.seed;

  SessionStepTarget target(session, *context.model);
  std::vector<StepRecord> all_steps;
  std::vector<RequestRecord> all_requests;
  if (energy) energy->begin(now_seconds());
  for (int64_t repetition = 0; repetition < point.run.repetitions; ++repetition) {
    spec.warmup_steps = repetition == 0 ? point.run.warmup_steps : 0;
    WorkloadResult result = run_fixed_workload(target, spec, [&](const StepRecord& step) {
      if (energy) energy->add_step(step.mode, step.latency_s, now_seconds());
      RecordBuilder record = make_step_record(context, repetition, step);
      sinks.write(record);
    });
    for (const RequestRecord& request : result.requests) {
      RecordBuilder record = make_request_record(context, repetition, request);
      sinks.write(record);
    }
    all_steps.insert(all_steps.end(), std::make_move_iterator(result.steps.begin()),
                     std::make_move_iterator(result.steps.end()));
    all_requests.insert(all_requests.end(), result.requests.begin(), result.requests.end());
  }
  CapPoint radar_point;
  radar_point.label = point_label(pipeline, point);
  RecordBuilder summary = make_summary_record(context, all_steps, all_requests, &radar_point);
  sinks.write(summary);
  radar.push_back(radar_point);
}

}  // namespace

int run_pipeline_command(const RunCommandOptions& options, std::ostream& out) {
  PluginRegistry registry(PluginSearchPaths::standard(options.plugin_dirs));

  PipelineOptions pipeline_options;
  pipeline_options.preset_dirs = preset_dirs();
  pipeline_options.resolve_plugin = [&](int32_t kind, const std::string& name,
                                        const std::optional<std::string>& path) -> std::optional<std::string> {
    try {
      registry.resolve(static_cast<PluginKind>(kind), name,
                       path ? std::filesystem::path(*path) : std::filesystem::path());
      return std::nullopt;
    } catch (const HostException& e) {
      return std::string(e.what());
    }
  };

  Pipeline pipeline;
  try {
    pipeline = load_pipeline(options.pipeline, options.overrides, pipeline_options);
  } catch (const PipelineError& e) {
    log(MOECAP_LOG_ERROR, "pipeline", e.what());
    return kBadInput;
  }

  // The system every point is judged on. A named one must be in the catalog: bad input, found before
  // anything runs (validate too). "This machine" is resolved only by a run (it may have to be measured
  // first); its entry missing without a probe only leaves the ratios and cost out.
  const bool named_system = !pipeline.hardware.device.empty() || pipeline.hardware.catalog.has_value();
  std::optional<RunSystem> system;
  auto resolve_system = [&](const MachineProbe& probe) {
    system = resolve_run_system(
        pipeline.hardware, options.catalog_dir.empty() ? default_hardware_catalog_dir() : options.catalog_dir,
        options.machine_entry_file.empty() ? default_machine_entry_path() : options.machine_entry_file, probe);
  };
  if (named_system) {
    try {
      resolve_system(nullptr);
    } catch (const std::exception& e) {
      log(MOECAP_LOG_ERROR, "pipeline", pipeline.source_file.string() + ": " + e.what());
      return kBadInput;
    }
  }

  if (options.validate_only) {
    out << options.pipeline.string() << ": valid, " << pipeline.points.size() << " run point"
        << (pipeline.points.size() == 1 ? "" : "s");
    if (!pipeline.sweep_keys.empty()) {
      out << " (sweep over";
      for (const auto& key : pipeline.sweep_keys) out << " " << key;
      out << ")";
    }
    out << "\n";
    for (const RunPoint& point : pipeline.points) {
      out << "  " << point.id << "  model " << point.model.name << ", backend " << point.backend.name;
      for (const SweepValue& v : point.sweep_values) out << ", " << v.key << "=" << v.display;
      out << "  [" << point.config_hash << "]\n";
    }
    return 0;
  }

  if (!named_system) {
    try {
      resolve_system(options.probe_machine);
    } catch (const std::exception& e) {
      log(MOECAP_LOG_WARN, "moecap", std::string(e.what()) + " — S-MBU/S-MFU ratios, energy and cost are left out");
    }
  }
  if (system) log(MOECAP_LOG_INFO, "moecap", "judged on " + system->label);

  // Sinks open before anything runs: a sink that cannot write is bad input, not a failed run.
  SinkSet sinks;
  for (const PluginEntry& entry : pipeline.sinks) {
    try {
      SinkProxy proxy = registry.sink(entry.name, entry.explicit_path.value_or(""));
      auto view = entry.make_config_view();
      sinks.add(proxy.open(view->get()));
      warn_unread(*view, "sink plugin '" + proxy.name() + "'");
    } catch (const HostException& e) {
      log(MOECAP_LOG_ERROR, "pipeline", std::string(entry.key_prefix) + ": " + e.what());
      sinks.close_all();
      return kBadInput;
    }
  }

  const MachineInfo machine = read_machine_info();
  int failed = 0;
  std::vector<CapPoint> radar;
  for (const RunPoint& point : pipeline.points) {
    try {
      run_point(registry, pipeline, point, machine, system ? &*system : nullptr, sinks, radar);
    } catch (const std::exception& e) {
      ++failed;
      log(MOECAP_LOG_ERROR, "moecap", pipeline.name + "/" + point.id + " failed: " + e.what());
    }
  }
  const bool closed = sinks.close_all();
  bool radar_written = true;
  if (pipeline.report.radar_svg && !radar.empty()) {
    RadarOptions radar_options;
    radar_options.title = "CAP radar: " + pipeline.name;
    radar_options.performance.name = "mean TPOT (s)";
    std::ofstream out(*pipeline.report.radar_svg);
    out << cap_radar_svg(radar, radar_options);
    out.close();
    radar_written = static_cast<bool>(out);
    if (radar_written)
      log(MOECAP_LOG_INFO, "moecap", "wrote the CAP radar to " + pipeline.report.radar_svg->string());
    else
      log(MOECAP_LOG_ERROR, "moecap", "could not write the CAP radar to " + pipeline.report.radar_svg->string());
  }
  if (failed > 0) {
    log(MOECAP_LOG_ERROR, "moecap",
        std::to_string(failed) + " of " + std::to_string(pipeline.points.size()) + " run points failed");
    return kRunFailed;
  }
  return closed && radar_written ? 0 : kRunFailed;
}

}  // namespace moecap::host
