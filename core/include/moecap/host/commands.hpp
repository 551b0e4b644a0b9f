// Library halves of two CLI commands (core/app calls them): `moecap plugins` and `moecap conformance`.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "moecap/host/plugin_discovery.hpp"

namespace moecap::host {

/// `moecap plugins [--json]`: every candidate library in the search directories with its path, kind, name,
/// variant, the plugin's ABI, probe score, status (loaded / rejected / skipped), the reason when not
/// loaded, and whether a lookup of (kind, name) would select it. Each candidate is loaded on its own
/// (its init and fini run). Returns 0 (listing never fails; rejected plugins are data, not errors).
int run_plugins_command(const PluginSearchPaths& paths, bool json, std::ostream& out);

/// Options of `moecap conformance`.
struct ConformanceOptions {
  /// Comma-separated levels: load, metadata, lifecycle, errors, numerics; "all" is every level but numerics
  /// (which runs whole models and needs backend-reference and model-synthetic, so it is asked for by name).
  std::string levels = "all";
  /// Optional TOML file whose root table is the configuration handed to model/task/sink open (and, under
  /// a [model] sub-table plus model_plugin, to the model a backend session is created from). Without it,
  /// checks that need a configuration are skipped with a reason.
  std::filesystem::path config_path;
  /// Optional model plugin library used to create sessions when checking a backend.
  std::filesystem::path model_plugin;
  /// Repetitions of the lifecycle loops (BE-LIFE-01).
  int repetitions = 100;
  /// numerics: the backend-reference library to compare with; empty: found by the standard plugin search.
  std::filesystem::path reference_backend;
  /// numerics: directories searched first for backend-reference and model-synthetic (the CLI's --plugin-path),
  /// before MOECAP_PLUGIN_PATH, the folders next to the executable and the install folder.
  std::vector<std::filesystem::path> plugin_dirs;
  /// numerics: folders holding the model presets (<family>-tiny.toml); empty: default_preset_dirs().
  std::vector<std::filesystem::path> preset_dirs;
  /// numerics: the model families and weight dtypes (f32, bf16, f16) to check; empty: all of them.
  std::vector<std::string> families;
  std::vector<std::string> dtypes;
};

/// `moecap conformance <plugin.so>`: runs the numbered requirements of sdk/docs/CONFORMANCE.md on one
/// library and prints one line per requirement (or a JSON report). Returns 0 when nothing failed (skips do
/// not fail), 1 otherwise.
int run_conformance_command(const std::string& plugin_path, const ConformanceOptions& options, bool json,
                            std::ostream& out);
/// Same, with levels only and no configuration.
int run_conformance_command(const std::string& plugin_path, const std::string& levels, bool json, std::ostream& out);

}  // namespace moecap::host
