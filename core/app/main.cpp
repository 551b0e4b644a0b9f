// The moecap command line. Results go to stdout (or the sinks); diagnostics go to stderr.
// Each command is defined in its own <name>_command.cpp and listed in `commands` below.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app_command.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/version.h"

namespace {

constexpr int kUsageError = 2;

const char* kDescription =
    "moecap measures the Cost, Accuracy and Performance (CAP) of sparse Mixture-of-Experts LLM inference.\n"
    "It composes plugins (models, backends, tasks, sinks) into pipelines written in TOML and reports\n"
    "TTFT, TPOT, throughput, sparsity-aware utilisation (S-MBU, S-MFU) and activated experts.\n\n"
    "Exit codes: 0 success, 1 the run failed, 2 bad input (reported before anything runs).";

}  // namespace

int main(int argc, char** argv) {
  using namespace moecap;
  CLI::App app{kDescription, "moecap"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--plugin-path, -v, -q) may follow the command too
  app.set_version_flag("--version", std::string("moecap 0.1.0 (SDK ABI ") + std::to_string(MOECAP_ABI_MAJOR) + "." +
                                        std::to_string(MOECAP_ABI_MINOR) + ")");

  std::vector<std::string> plugin_dirs;
  bool verbose = false;
  bool quiet = false;
  app.add_option("--plugin-path", plugin_dirs,
                 "Directory searched for plugin libraries before MOECAP_PLUGIN_PATH and the install folders "
                 "(repeatable)")
      ->type_name("DIR");
  app.add_flag("-v,--verbose", verbose, "Log debug messages to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");

  const std::vector<app::Command> commands = {
      app::add_run_command(app),         app::add_validate_command(app), app::add_plugins_command(app),
      app::add_conformance_command(app), app::add_describe_command(app), app::add_make_model_command(app),
      app::add_predict_command(app),     app::add_probe_command(app),    app::add_analyze_command(app),
      app::add_bench_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  }
  host::set_log_threshold(verbose ? MOECAP_LOG_DEBUG : quiet ? MOECAP_LOG_WARN : MOECAP_LOG_INFO);

  app::GlobalOptions global;
  global.plugin_dirs.assign(plugin_dirs.begin(), plugin_dirs.end());
  for (const app::Command& command : commands) {
    if (!command.sub->parsed()) continue;
    try {
      return command.run(global);
    } catch (const std::exception& e) {
      host::log(MOECAP_LOG_ERROR, "moecap", e.what());
      return 1;
    }
  }
  return kUsageError;
}
