// The moecap command line. Results go to stdout (or the sinks); diagnostics go to stderr.
#include <CLI/CLI.hpp>
#include <iostream>

#include "moecap/host/commands.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/plugin_discovery.hpp"
#include "moecap/host/run_command.hpp"
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
  using namespace moecap::host;
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

  // run / validate
  RunCommandOptions run_options;
  std::string pipeline;
  std::vector<std::string> overrides;
  auto* run = app.add_subcommand("run", "Run a pipeline: every sweep point, results to its sinks");
  run->add_option("pipeline", pipeline, "Pipeline TOML file (see configs/README.md)")->required()->type_name("PIPELINE.toml");
  run->add_option("--set", overrides, "Override a pipeline key before validation, e.g. --set workload.batch_size=8")
      ->type_name("KEY=VALUE");
  auto* validate = app.add_subcommand("validate", "Check a pipeline (keys, types, plugins, paths) without running it");
  validate->add_option("pipeline", pipeline, "Pipeline TOML file")->required()->type_name("PIPELINE.toml");
  validate->add_option("--set", overrides, "Override a pipeline key, as for run")->type_name("KEY=VALUE");

  // plugins
  bool json = false;
  auto* plugins = app.add_subcommand(
      "plugins", "List every plugin library found: path, kind, ABI, probe score, status, why it was rejected");
  plugins->add_flag("--json", json, "Machine-readable output");

  // conformance
  std::string plugin_path;
  ConformanceOptions conformance_options;
  std::string config_path;
  std::string model_plugin;
  auto* conformance = app.add_subcommand("conformance", "Check one plugin library against the SDK's requirements");
  conformance->add_option("plugin", plugin_path, "Plugin library (.so)")->required()->type_name("PLUGIN.so");
  conformance
      ->add_option("--level", conformance_options.levels,
                   "Comma-separated levels: load, metadata, lifecycle, errors, or all")
      ->capture_default_str();
  conformance->add_option("--config", config_path,
                          "TOML file: configuration handed to the plugin's open (needed for lifecycle checks)");
  conformance->add_option("--model-plugin", model_plugin, "Model plugin used to create sessions of a backend");
  conformance->add_option("--repetitions", conformance_options.repetitions, "Lifecycle loop count")
      ->capture_default_str();
  conformance->add_flag("--json", json, "JSON report");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kUsageError;
  }
  set_log_threshold(verbose ? MOECAP_LOG_DEBUG : quiet ? MOECAP_LOG_WARN : MOECAP_LOG_INFO);

  std::vector<std::filesystem::path> dirs(plugin_dirs.begin(), plugin_dirs.end());
  try {
    if (run->parsed() || validate->parsed()) {
      run_options.pipeline = pipeline;
      run_options.overrides = overrides;
      run_options.plugin_dirs = dirs;
      run_options.validate_only = validate->parsed();
      return run_pipeline_command(run_options, std::cout);
    }
    if (plugins->parsed()) return run_plugins_command(PluginSearchPaths::standard(dirs), json, std::cout);
    if (conformance->parsed()) {
      conformance_options.config_path = config_path;
      conformance_options.model_plugin = model_plugin;
      return run_conformance_command(plugin_path, conformance_options, json, std::cout);
    }
  } catch (const HostException& e) {
    log(MOECAP_LOG_ERROR, "moecap", e.what());
    return 1;
  } catch (const std::exception& e) {
    log(MOECAP_LOG_ERROR, "moecap", e.what());
    return 1;
  }
  return kUsageError;
}
