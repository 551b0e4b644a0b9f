// Turning a [model]/[backend]/[[task]]/[[sink]] table into a PluginEntry: host keys checked, an explicit
// path made absolute and checked to exist, the plugin asked after through the caller's resolver.
//
// Internal to core/src/pipeline. The resolver is asked once per distinct (kind, name, path): a sweep over
// a hundred batch sizes does not probe the same library a hundred times.
#pragma once

#include <toml++/toml.h>

#include <map>
#include <optional>
#include <string>

#include "moecap/host/pipeline.hpp"

namespace moecap::host::pipeline_internal {

/// The plugin name a library file implies: libmoecap-<kind>-<name>[-<variant>].so → name; any other file
/// name → its stem without "lib".
std::string plugin_name_from_library(const std::filesystem::path& library, int32_t kind);

class PluginChecker {
 public:
  explicit PluginChecker(PluginResolver resolver);

  /// Takes table (moved, positions kept); throws PipelineError at the plugin or path key when the entry
  /// cannot be used.
  PluginEntry make_entry(int32_t kind, std::string key_prefix, toml::table&& table, const std::string& file);

 private:
  PluginResolver resolver_;
  std::map<std::string, std::optional<std::string>> answers_;
};

}  // namespace moecap::host::pipeline_internal
