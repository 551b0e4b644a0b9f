// How the moecap CLI is assembled: each command lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <functional>
#include <vector>

#include "moecap/host/machine_entry.hpp"

namespace moecap::app {

/// Options every command sees (parsed before the command runs).
struct GlobalOptions {
  std::vector<std::filesystem::path> plugin_dirs;  ///< --plugin-path, in order
};

/// A command: its CLI11 sub-app (options bound to state the command owns) and what running it does.
/// run returns the process exit code: 0 success, 1 failure, 2 bad input.
struct Command {
  CLI::App* sub = nullptr;
  std::function<int(const GlobalOptions&)> run;
};

/// Each add_*_command registers a subcommand on app. Defined in core/app/<name>_command.cpp.
Command add_run_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_plugins_command(CLI::App& app);
Command add_conformance_command(CLI::App& app);
Command add_describe_command(CLI::App& app);
Command add_make_model_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_probe_command(CLI::App& app);
Command add_analyze_command(CLI::App& app);
Command add_bench_command(CLI::App& app);

/// Measures this machine's ceilings (core/app/machine_probe.cpp): read bandwidth, triad, sgemm, dgemm at
/// `threads` (0 = every logical CPU). quick: smaller buffers and fewer passes (a run's first-use probe).
host::MachineMeasurement measure_this_machine(int threads, bool quick);

}  // namespace moecap::app
