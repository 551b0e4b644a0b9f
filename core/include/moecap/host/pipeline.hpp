// A pipeline: the TOML file a user runs, parsed, validated and expanded into its sweep points.
//
// load_pipeline() does all checking before anything runs: TOML syntax, every host-owned key (type, value,
// unknown keys with a "did you mean"), --set overrides, model presets, explicit plugin paths and, through a
// resolver the caller injects, whether each named plugin exists. Every failure is a PipelineError whose
// message starts with the position of the offending text ("file:line:col: what; expected what"), so the
// CLI can print it as is and exit with code 2. The file format is described in configs/README.md.
//
// Each plugin entry keeps its own toml::table (moved, never copied, out of a parse of the file so every
// node still knows its source position, including description keys that came from a preset file). A
// ConfigView made from an entry therefore reports positions in the right file.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "moecap/host/config_view.hpp"
#include "moecap/host/system_cost.hpp"

namespace moecap::host {

/// Bad input found while loading a pipeline. what() is the full message, starting with "file:line:col: "
/// (or "--set <argument>: " for an override).
class PipelineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Checks that a plugin can be used: kind is a MOECAP_KIND_*, name the plugin name, explicit_path the
/// absolute library path when the entry names one. Returns std::nullopt when the plugin is usable, else a
/// one-line reason (without a position; load_pipeline prefixes the position of the plugin/path key).
using PluginResolver = std::function<std::optional<std::string>(int32_t kind, const std::string& name,
                                                                const std::optional<std::string>& explicit_path)>;

struct PipelineOptions {
  /// Folders searched for model presets (<preset>.toml) after the pipeline's own models/ and ../models/.
  std::vector<std::filesystem::path> preset_dirs;
  /// Called once per distinct (kind, name, path). Empty: every plugin is taken to exist.
  PluginResolver resolve_plugin;
};

/// Per-point run settings ([run] keys that may be swept).
struct RunSettings {
  uint64_t seed = 0;         ///< drives every random choice of the point
  int64_t warmup_steps = 1;  ///< steps driven and discarded before recording
  int64_t repetitions = 1;   ///< times the measurement is repeated
};

/// The built-in synthetic workload ([workload]).
struct WorkloadSettings {
  std::string kind = "fixed";  ///< "fixed": fixed prompt and output lengths
  int64_t batch_size = 1;      ///< sequences decoded together
  int64_t prompt_tokens = 1;   ///< tokens per prompt
  int64_t output_tokens = 1;   ///< tokens generated per request
  int64_t requests = 1;        ///< requests in the run (default: batch_size)
};

/// One [model], [backend], [[task]] or [[sink]] entry.
struct PluginEntry {
  int32_t kind = 0;  ///< MOECAP_KIND_*
  /// plugin = "…"; when only path is given, derived from the file name (libmoecap-<kind>-<name>.so).
  std::string name;
  /// path = "…" in an entry without plugin = "…": the library, made absolute (relative to the TOML file
  /// that wrote it; to the working folder for --set). With a plugin name, path is the plugin's own key.
  std::optional<std::filesystem::path> explicit_path;
  /// How the user addresses the entry: "model", "backend", "backend[1]", "task[0]", "sink[2]".
  std::string key_prefix;
  /// The pipeline file as given to load_pipeline (messages name it; relative plugin paths resolve to it).
  std::string source_file;
  /// The entry's keys, host-owned ones included; never null. For a model with a preset, "description"
  /// holds the preset merged under the user's [model.description].
  std::shared_ptr<const toml::table> table;

  /// A view for the plugin to read its keys; the host's keys (plugin, a library path, a model's preset) are
  /// marked read.
  /// The view shares ownership of table.
  std::unique_ptr<ConfigView> make_config_view() const;
};

/// The value one sweep axis takes at a point.
struct SweepValue {
  std::string key;      ///< as the user addresses it: "workload.batch_size", "backend", "model.dtype"
  std::string literal;  ///< TOML literal: 4, "bf16", true (for the backend axis: the quoted plugin name)
  std::string display;  ///< for humans: strings unquoted (4, bf16, true)
};

/// One point of the sweep: everything one measurement needs.
struct RunPoint {
  std::string id;                        ///< "p0000", "p0001", … (stable: axis order, last axis fastest)
  std::vector<SweepValue> sweep_values;  ///< one per axis, in axis order; empty without a sweep
  RunSettings run;
  PluginEntry model;
  PluginEntry backend;
  std::vector<PluginEntry> tasks;
  std::optional<WorkloadSettings> workload;  ///< absent only when the pipeline has tasks and no [workload]
  /// What determines the measurement, as canonical TOML: [run] (seed, warmup_steps, repetitions), [model]
  /// with the preset inlined, [backend], [workload] and [[task]], defaults filled in, sweep values
  /// substituted. Not included: run.name, run.percentiles and sinks (they change reporting, not results).
  std::string resolved_toml;
  std::string config_hash;  ///< FNV-1a 64 of resolved_toml, 16 lowercase hex digits
};

/// [hardware]: the system a run's utilisation is divided by and its cost priced on. Read once per pipeline
/// (not swept; not part of the resolved config). Without a device, "this machine": the entry `moecap probe`
/// writes (probed on first use).
struct HardwareSettings {
  std::string device;        ///< catalog id or alias; empty = this machine
  int64_t device_count = 1;  ///< devices of that kind in the system
  std::string cpu;           ///< host CPU id of an accelerator system; empty = no host CPU priced
  int64_t cpu_count = 1;
  std::optional<std::filesystem::path> catalog;  ///< extra catalog file or folder (absolute after loading)
  std::string compute_dtype;                     ///< peak dtype for S-MFU/MFU; empty = the session's compute dtype
  bool disk_offload = false;                     ///< the offload tier is disk: an SSD is priced
};

/// [report]: files made from every point of the pipeline together.
struct ReportSettings {
  std::optional<std::filesystem::path> radar_svg;  ///< the CAP radar (absolute after loading)
};

struct Pipeline {
  std::filesystem::path source_file;    ///< as given to load_pipeline
  std::vector<std::string> overrides;   ///< the --set arguments applied, in order
  std::string name;                     ///< run.name (default: the file's stem)
  std::vector<double> percentiles;      ///< run.percentiles (default 50, 90, 99)
  std::vector<std::string> sweep_keys;  ///< the axes, in order; empty without a sweep
  std::vector<RunPoint> points;         ///< at least one
  std::vector<PluginEntry> sinks;       ///< shared by every point
  HardwareSettings hardware;            ///< [hardware], shared by every point
  CostParameters cost;                  ///< [cost], shared by every point
  ReportSettings report;                ///< [report]
};

/// Reads, validates and expands a pipeline. set_overrides are "key=value" strings (the value is parsed as
/// TOML; a bare word is a string), applied in order before validation. Throws PipelineError.
Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<std::string>& set_overrides,
                       const PipelineOptions& options);

}  // namespace moecap::host
