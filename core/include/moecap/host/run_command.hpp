// `moecap run` and `moecap validate`: a pipeline from TOML to records in the sinks.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "moecap/host/run_system.hpp"

namespace moecap::host {

struct RunCommandOptions {
  std::filesystem::path pipeline;                  ///< the pipeline TOML file
  std::vector<std::string> overrides;              ///< --set key=value, in order
  std::vector<std::filesystem::path> plugin_dirs;  ///< --plugin-path, in order
  bool validate_only = false;                      ///< parse, resolve plugins, open nothing
  /// The hardware catalog folder; empty = default_hardware_catalog_dir().
  std::filesystem::path catalog_dir;
  /// This machine's catalog entry; empty = default_machine_entry_path().
  std::filesystem::path machine_entry_file;
  /// Measures this machine when its entry does not exist yet (the CLI passes the ceilings probe). Without
  /// one, a run that names no hardware and finds no entry reports no ratios or cost (with a warning).
  MachineProbe probe_machine;
};

/// Exit codes: 0 success; 1 the run failed (a plugin or step error — records written so far are kept);
/// 2 bad input (the pipeline, an override, a missing plugin): reported before anything runs.
int run_pipeline_command(const RunCommandOptions& options, std::ostream& out);

}  // namespace moecap::host
