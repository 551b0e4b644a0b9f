// `moecap plugins`.
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

}  // namespace moecap::app
