#include "plugin_check.hpp"

#include <filesystem>

#include "diagnostics.hpp"
#include "moecap/plugin.h"
#include "pipeline_schema.hpp"

namespace moecap::host::pipeline_internal {

std::string plugin_name_from_library(const std::filesystem::path& library, int32_t kind) {
  std::string stem = library.filename().string();
  if (const size_t dot = stem.find('.'); dot != std::string::npos) stem.resize(dot);
  const std::string prefix = "libmoecap-" + section_of_kind(kind) + "-";
  if (stem.rfind(prefix, 0) == 0 && stem.size() > prefix.size()) {
    const std::string rest = stem.substr(prefix.size());
    return rest.substr(0, rest.find('-'));  // drop a variant suffix: backend-cpu-haswell → cpu
  }
  return stem.rfind("lib", 0) == 0 ? stem.substr(3) : stem;
}

PluginChecker::PluginChecker(PluginResolver resolver) : resolver_(std::move(resolver)) {}

PluginEntry PluginChecker::make_entry(int32_t kind, std::string key_prefix, toml::table&& table,
                                      const std::string& file) {
  PluginEntry entry;
  entry.kind = kind;
  entry.key_prefix = std::move(key_prefix);
  entry.source_file = file;
  const EntryHostKeys host = read_entry_host_keys(table, kind, entry.key_prefix, table.source(), file);

  std::optional<std::string> library;
  if (host.path != nullptr) {
    const std::string& written = host.path->as_string()->get();
    const std::filesystem::path resolved = resolve_config_path(written, host.path->source(), file);
    std::error_code ec;
    if (!std::filesystem::exists(resolved, ec))
      fail(position_of(*host.path, file),
           "plugin library '" + written + "' not found (looked at " + resolved.string() + ")",
           "an existing library file, relative to the file that names it");
    if (std::filesystem::is_directory(resolved, ec))
      fail(position_of(*host.path, file), "'" + written + "' is a folder", "a plugin library file (.so)");
    entry.explicit_path = resolved;
    library = resolved.string();
  }
  entry.name =
      host.plugin != nullptr ? host.plugin->as_string()->get() : plugin_name_from_library(*entry.explicit_path, kind);

  if (resolver_) {
    const std::string question = std::to_string(kind) + '\n' + entry.name + '\n' + library.value_or("");
    auto answer = answers_.find(question);
    if (answer == answers_.end()) answer = answers_.emplace(question, resolver_(kind, entry.name, library)).first;
    if (answer->second) {
      const toml::node& culprit = host.path != nullptr ? *host.path : *host.plugin;
      const std::string kind_word = section_of_kind(kind);
      fail(position_of(culprit, file), kind_word + " plugin '" + entry.name + "' cannot be used: " + *answer->second,
           "an installed " + kind_word + " plugin (`moecap plugins` lists them)");
    }
  }
  entry.table = std::make_shared<const toml::table>(std::move(table));
  return entry;
}

}  // namespace moecap::host::pipeline_internal
