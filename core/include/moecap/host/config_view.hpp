// A plugin's TOML sub-table as the opaque moecap_config the SDK getters read.
//
// The view points into a toml::table that outlives it (the pipeline keeps its tables). It remembers the
// pipeline file (for file:line:col in messages and to resolve relative paths) and the dotted prefix of the
// sub-table (so messages name the key as the user wrote it, e.g. "backend.threads"). Every key a getter
// reads is recorded; unread_keys() lists the rest for the "nobody read this key" warning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "moecap/moecap.h"

namespace moecap::host {

class ConfigView {
 public:
  /// table may be nullptr (an empty configuration). source_file is the pipeline path ("" = none);
  /// key_prefix is the sub-table's dotted path in that file ("" = the root).
  ConfigView(const toml::table* table, std::string source_file, std::string key_prefix);
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

/// "file:line:col" for a node (file may be empty: "line:col"; unknown position: the file alone).
std::string source_position(const std::string& file, const toml::source_region& region);

/// Fills the config getter members of the host table (used by host_services).
void fill_config_getters(moecap_host_api& api);

}  // namespace moecap::host
