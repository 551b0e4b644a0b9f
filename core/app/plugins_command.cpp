// `moecap plugins` and `moecap conformance`.
#include <iostream>
#include <memory>

#include "app_command.hpp"
#include "moecap/host/commands.hpp"
#include "moecap/host/plugin_discovery.hpp"

namespace moecap::app {

Command add_plugins_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "plugins", "List every plugin library found: path, kind, ABI, probe score, status, why it was rejected");
  sub->add_flag("--json", *json, "Machine-readable output");
  return {sub, [=](const GlobalOptions& global) {
            return host::run_plugins_command(host::PluginSearchPaths::standard(global.plugin_dirs), *json, std::cout);
          }};
}

Command add_conformance_command(CLI::App& app) {
  struct State {
    std::string plugin;
    host::ConformanceOptions options;
    std::string config_path;
    std::string model_plugin;
    bool json = false;
  };
  auto s = std::make_shared<State>();
  CLI::App* sub = app.add_subcommand("conformance", "Check one plugin library against the SDK's requirements");
  sub->add_option("plugin", s->plugin, "Plugin library (.so)")->required()->type_name("PLUGIN.so");
  sub->add_option("--level", s->options.levels, "Comma-separated levels: load, metadata, lifecycle, errors, or all")
      ->capture_default_str();
  sub->add_option("--config", s->config_path,
                  "TOML file: configuration handed to the plugin's open (needed for lifecycle checks)");
  sub->add_option("--model-plugin", s->model_plugin, "Model plugin used to create sessions of a backend");
  sub->add_option("--repetitions", s->options.repetitions, "Lifecycle loop count")->capture_default_str();
  sub->add_flag("--json", s->json, "JSON report");
  return {sub, [=](const GlobalOptions&) {
            s->options.config_path = s->config_path;
            s->options.model_plugin = s->model_plugin;
            return host::run_conformance_command(s->plugin, s->options, s->json, std::cout);
          }};
}

}  // namespace moecap::app
