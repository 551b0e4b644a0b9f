#include "moecap/host/plugin_kind.hpp"

namespace moecap::host {

std::string_view kind_name(PluginKind kind) {
  switch (kind) {
    case PluginKind::backend:
      return "backend";
    case PluginKind::model:
      return "model";
    case PluginKind::task:
      return "task";
    case PluginKind::sink:
      return "sink";
  }
  return "unknown";
}

std::optional<PluginKind> parse_kind(std::string_view word) {
  for (PluginKind kind : kAllPluginKinds)
    if (kind_name(kind) == word) return kind;
  return std::nullopt;
}

std::optional<PluginKind> kind_from_component(int32_t component_kind) {
  for (PluginKind kind : kAllPluginKinds)
    if (static_cast<int32_t>(kind) == component_kind) return kind;
  return std::nullopt;
}

}  // namespace moecap::host
