// --set key=value: an override of one pipeline key, applied to the parsed file before validation.
//
// Internal to core/src/pipeline. The value is TOML (8, "bf16", [1, 2], {a = 1}); anything that does not
// parse and does not look like TOML (a bare word) is a string. Nodes an override creates carry the source
// path "--set <argument>", so any later error about them names the argument instead of a file position.
// An unindexed key that meets an array of tables (backend.threads with several [[backend]]) sets every
// entry; backend[1].threads sets one.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "key_path.hpp"

namespace moecap::host::pipeline_internal {

struct SetOverride {
  std::string argument;  ///< as given, e.g. "workload.batch_size=8"
  std::string source;    ///< "--set workload.batch_size=8": the position of everything it creates
  KeyPath key;
  std::string value_document;  ///< "v = <TOML literal>", parsed afresh for each application
};

/// Checks the argument's shape and value; PipelineError "--set <argument>: …" when wrong.
SetOverride parse_set_override(const std::string& argument);

/// Sets the key in root (creating tables on the way); PipelineError naming the argument when it cannot.
void apply_set_override(toml::table& root, const SetOverride& override_value);

}  // namespace moecap::host::pipeline_internal
