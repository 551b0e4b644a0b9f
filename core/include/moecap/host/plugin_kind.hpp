// The four kinds of plugin component, as the host names them in file names, messages and pipelines.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "moecap/plugin.h"

namespace moecap::host {

enum class PluginKind : int32_t {
  backend = MOECAP_KIND_BACKEND,
  model = MOECAP_KIND_MODEL,
  task = MOECAP_KIND_TASK,
  sink = MOECAP_KIND_SINK,
};

inline constexpr PluginKind kAllPluginKinds[] = {PluginKind::backend, PluginKind::model, PluginKind::task,
                                                 PluginKind::sink};

/// "backend", "model", "task" or "sink": the word used in file names (libmoecap-<kind>-…) and messages.
std::string_view kind_name(PluginKind kind);
/// Inverse of kind_name; nullopt for anything else.
std::optional<PluginKind> parse_kind(std::string_view word);
/// The kind of a component as a plugin declared it; nullopt for a kind this host does not know (ABI-6).
std::optional<PluginKind> kind_from_component(int32_t component_kind);

}  // namespace moecap::host
