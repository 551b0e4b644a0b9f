// PluginEntry: the view a plugin reads its own keys through.
#include "moecap/host/pipeline.hpp"
#include "moecap/plugin.h"

namespace moecap::host {

std::unique_ptr<ConfigView> PluginEntry::make_config_view() const {
  auto view = std::make_unique<ConfigView>(table, source_file, key_prefix);
  view->mark_read("plugin");
  if (explicit_path) view->mark_read("path");  // else path, if any, is the plugin's own key
  if (kind == MOECAP_KIND_MODEL) view->mark_read("preset");
  return view;
}

}  // namespace moecap::host
