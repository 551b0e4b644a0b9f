// `moecap run` and `moecap validate`.
#include "moecap/host/run_command.hpp"

#include <iostream>
#include <memory>

#include "app_command.hpp"

namespace moecap::app {
namespace {

Command add_pipeline_command(CLI::App& app, const char* name, const char* help, bool validate_only) {
  auto state = std::make_shared<host::RunCommandOptions>();
  auto pipeline = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand(name, help);
  sub->add_option("pipeline", *pipeline, "Pipeline TOML file (see configs/README.md)")
      ->required()
      ->type_name("PIPELINE.toml");
  sub->add_option("--set", *overrides,
                  "Override a pipeline key before validation; a list value sweeps it, e.g. "
                  "--set workload.batch_size=8 or --set 'workload.batch_size=[1,2,4]'")
      ->type_name("KEY=VALUE");
  return {sub, [=](const GlobalOptions& global) {
            state->pipeline = *pipeline;
            state->overrides = *overrides;
            state->plugin_dirs = global.plugin_dirs;
            state->validate_only = validate_only;
            state->probe_machine = [] { return measure_this_machine(0, true); };
            return host::run_pipeline_command(*state, std::cout);
          }};
}

}  // namespace

Command add_run_command(CLI::App& app) {
  return add_pipeline_command(app, "run", "Run a pipeline: every sweep point, results to its sinks", false);
}
Command add_validate_command(CLI::App& app) {
  return add_pipeline_command(app, "validate", "Check a pipeline (keys, types, plugins, paths) without running it",
                              true);
}

}  // namespace moecap::app
