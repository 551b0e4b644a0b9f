// A plugin's TOML sub-table as the opaque moecap_config the SDK getters read.
//
// The view points into a toml::table that outlives it (or shares its ownership). It remembers the pipeline
// file and the dotted prefix of the sub-table (so messages name the key as the user wrote it, e.g.
// "backend.threads"). Positions come from each node's own source path when it has one, so keys merged in
// from another file (a model preset) or from a --set override point at where they were really written;
// the pipeline file is the fallback. Every key a getter reads is recorded; unread_keys() lists the rest for
// the "nobody read this key" warning.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/moecap.h"

namespace moecap::host {

class ConfigView {
 public:
  /// table may be nullptr (an empty configuration). source_file is the pipeline path ("" = none);
  /// key_prefix is the sub-table's dotted path in that file ("" = the root).
  ConfigView(const toml::table* table, std::string source_file, std::string key_prefix);
  /// As above, sharing ownership of the table, so the view cannot outlive it.
  ConfigView(std::shared_ptr<const toml::table> table, std::string source_file, std::string key_prefix);
  ~ConfigView();
  ConfigView(const ConfigView&) = delete;
  ConfigView& operator=(const ConfigView&) = delete;

  const moecap_config* get() const;

  /// Marks keys the host itself consumes (e.g. "plugin", "path") as read.
  void mark_read(const std::string& key) const;

  /// Leaf keys (dotted, relative to the sub-table) present but never read, each with
  /// "file:line:col" of its definition; skips keys marked read and their children.
  struct Unread {
    std::string key;       ///< relative dotted key
    std::string full_key;  ///< prefix + key
    std::string position;  ///< "file:line:col"
  };
  std::vector<Unread> unread_keys() const;

 private:
  std::unique_ptr<moecap_config> config_;
};

/// Source "files" of nodes that came from the command line start with this, e.g. "--set model.dtype=bf16".
/// Such a node has no line or column worth printing: its position is the argument itself.
inline constexpr std::string_view kOverrideSourcePrefix = "--set ";

/// "file:line:col" for a node. The file is region.path when the node knows it, else fallback_file (which
/// may be empty: "line:col"); an unknown line gives the file alone; a --set node gives "--set <argument>".
std::string source_position(const std::string& fallback_file, const toml::source_region& region);

/// Resolves a path value written at region: relative to the folder of the file it was written in
/// (region.path, else fallback_file), or to the working folder for a --set value. Absolute, normalised.
std::filesystem::path resolve_config_path(const std::string& value, const toml::source_region& region,
                                          const std::string& fallback_file);

/// Fills the config getter members of the host table (used by host_services).
void fill_config_getters(moecap_host_api& api);

}  // namespace moecap::host
