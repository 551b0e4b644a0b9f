// `moecap conformance`: the requirements of sdk/docs/CONFORMANCE.md run against one plugin library.
#include <iostream>
#include <memory>

#include "app_command.hpp"
#include "moecap/host/commands.hpp"

namespace moecap::app {

Command add_conformance_command(CLI::App& app) {
  struct State {
    std::string plugin;
    host::ConformanceOptions options;
    std::string config_path;
    std::string model_plugin;
    std::string reference;
    bool json = false;
  };
  auto s = std::make_shared<State>();
  CLI::App* sub = app.add_subcommand("conformance", "Check one plugin library against the SDK's requirements");
  sub->add_option("plugin", s->plugin, "Plugin library (.so)")->required()->type_name("PLUGIN.so");
  sub->add_option("--level", s->options.levels,
                  "Comma-separated levels: load, metadata, lifecycle, errors, numerics; all = every level but "
                  "numerics (numerics runs whole models against backend-reference, so it is asked for by name)")
      ->capture_default_str();
  sub->add_option("--config", s->config_path,
                  "TOML file: configuration handed to the plugin's open (needed for lifecycle checks); its "
                  "[backend] table also configures the backend under test at the numerics level");
  sub->add_option("--model-plugin", s->model_plugin, "Model plugin used to create sessions of a backend");
  sub->add_option("--repetitions", s->options.repetitions, "Lifecycle loop count")->capture_default_str();
  sub->add_option("--reference", s->reference,
                  "numerics: the backend-reference library to compare with (default: the plugin search path)")
      ->type_name("PATH");
  sub->add_option("--families", s->options.families,
                  "numerics: comma-separated model families (default: every family with a preset)")
      ->delimiter(',')
      ->type_name("FAMILY,...");
  sub->add_option("--dtypes", s->options.dtypes, "numerics: comma-separated weight dtypes (default: f32,bf16,f16)")
      ->delimiter(',')
      ->type_name("DTYPE,...");
  sub->add_flag("--json", s->json, "JSON report");
  return {sub, [=](const GlobalOptions& global) {
            s->options.config_path = s->config_path;
            s->options.model_plugin = s->model_plugin;
            s->options.reference_backend = s->reference;
            s->options.plugin_dirs = global.plugin_dirs;
            return host::run_conformance_command(s->plugin, s->options, s->json, std::cout);
          }};
}

}  // namespace moecap::app
