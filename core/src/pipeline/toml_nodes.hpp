// Moving toml++ nodes without losing where they were written.
//
// Internal to core/src/pipeline. toml++ drops the source position when a node is copied (by design) but
// keeps it when a node is moved. The loader therefore never copies a node it may report on later: every
// sweep point is built from a fresh parse of the file, and values are moved into place.
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <string>

namespace moecap::host::pipeline_internal {

/// Moves node into table under key (replacing any value there; an existing key keeps its own position).
void move_into(toml::table& table, const toml::key& key, toml::node&& node);

/// A key object that remembers where it was written (for keys made by --set or by a sweep).
toml::key key_at(std::string name, const toml::source_region& where);

/// The table at key, created (as an empty table whose key is placed at where) when absent; nullptr when
/// key holds something other than a table.
toml::table* child_table(toml::table& parent, const std::string& key, const toml::source_region& where);

/// Parses TOML text whose source path is source_path; syntax errors become PipelineError with the position.
toml::table parse_toml(const std::string& text, const std::string& source_path);

/// Reads a whole file; PipelineError naming what (e.g. "pipeline file") when it cannot.
std::string read_text_file(const std::string& path, const std::string& what);

}  // namespace moecap::host::pipeline_internal
