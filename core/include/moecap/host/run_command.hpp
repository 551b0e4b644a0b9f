// `moecap run` and `moecap validate`: a pipeline from TOML to records in the sinks.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace moecap::host {

struct RunCommandOptions {
  std::filesystem::path pipeline;                  ///< the pipeline TOML file
  std::vector<std::string> overrides;              ///< --set key=value, in order
  std::vector<std::filesystem::path> plugin_dirs;  ///< --plugin-path, in order
  bool validate_only = false;                      ///< parse, resolve plugins, open nothing
};

/// Exit codes: 0 success; 1 the run failed (a plugin or step error — records written so far are kept);
/// 2 bad input (the pipeline, an override, a missing plugin): reported before anything runs.
int run_pipeline_command(const RunCommandOptions& options, std::ostream& out);

}  // namespace moecap::host
