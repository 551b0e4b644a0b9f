#include "moecap/host/plugin_registry.hpp"

#include <algorithm>
#include <set>

#include "moecap/host/host_services.hpp"

namespace moecap::host {
namespace fs = std::filesystem;

namespace {

// The registry's key for a library: the canonical path, so two spellings of one file load it once.
fs::path library_key(const fs::path& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : canonical;
}

std::string describe_loaded(const LoadedPlugin& plugin, const HostAbiRange& host) {
  std::string line = "loaded plugin '" + plugin.name() + "' " + plugin.version() + " (vendor " + plugin.vendor() +
                     ") from " + plugin.path().string() + ": ABI " + std::to_string(plugin.abi_major()) + "." +
                     std::to_string(plugin.abi_minor()) + " (host " + std::to_string(host.major) + "." +
                     std::to_string(host.minor_max) + "), components:";
  for (const ComponentInfo& component : plugin.components())
    line += " " + std::string(kind_name(component.kind)) + " '" + component.name + "'";
  return line;
}

}  // namespace

PluginRegistry::PluginRegistry(PluginSearchPaths search_paths, LoaderOptions options)
    : search_paths_(std::move(search_paths)), options_(options) {}

PluginRegistry::~PluginRegistry() {
  // Newest first, so a plugin loaded later (which may have been found through an earlier one) finishes
  // first. Each fini runs when its LoadedPlugin's last reference goes; proxies still alive delay it.
  by_name_.clear();
  by_path_.clear();
  while (!plugins_.empty()) plugins_.pop_back();
}

std::shared_ptr<const LoadedPlugin> PluginRegistry::load(const fs::path& path) {
  std::lock_guard lock(mutex_);
  return load_locked(path);
}

std::shared_ptr<const LoadedPlugin> PluginRegistry::load_locked(const fs::path& path) {
  const fs::path key = library_key(path);
  if (auto it = by_path_.find(key); it != by_path_.end()) return it->second;

  LoadReport report = load_plugin_library(path, options_);
  if (report.status != LoadStatus::loaded) throw HostException(report.error_code, report.reason);

  std::shared_ptr<const LoadedPlugin> plugin = std::move(report.plugin);
  if (auto it = by_name_.find(plugin->name()); it != by_name_.end())
    throw HostException(MOECAP_ERR_INVALID_ARG, path.string() + ": plugin name '" + plugin->name() +
                                                    "' is already loaded from " + it->second->path().string());
  log(MOECAP_LOG_DEBUG, "plugins", describe_loaded(*plugin, options_.host_abi));
  by_path_.emplace(key, plugin);
  by_name_.emplace(plugin->name(), plugin);
  plugins_.push_back(plugin);
  return plugin;
}

std::shared_ptr<const LoadedPlugin> PluginRegistry::load_by_name(PluginKind kind, std::string_view name) {
  const std::vector<PluginCandidate> candidates = list_candidates(search_paths_);
  // The first directory that holds the plugin at all supplies it: a --plugin-path copy overrides an
  // installed one instead of competing with it.
  auto first = std::find_if(candidates.begin(), candidates.end(), [&](const PluginCandidate& c) {
    return c.file_name.kind == kind && c.file_name.name == name;
  });
  if (first == candidates.end()) {
    std::vector<std::string> names = available_names(kind);
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
    std::string dirs;
    for (const SearchDirectory& d : search_paths_.directories) dirs += (dirs.empty() ? "" : ", ") + d.path.string();
    throw HostException(MOECAP_ERR_NOT_FOUND,
                        "no " + std::string(kind_name(kind)) + " plugin named '" + std::string(name) +
                            "' (looked for " + PluginFileName{kind, std::string(name), {}}.file_name() +
                            " and its -<variant>s in: " + (dirs.empty() ? "no directories" : dirs) +
                            "); available: " + (list.empty() ? "none" : list));
  }
  std::vector<PluginCandidate> variants;
  const PluginCandidate* plain = nullptr;
  for (auto it = first; it != candidates.end() && it->directory.path == first->directory.path; ++it) {
    if (it->file_name.kind != kind || it->file_name.name != name) continue;
    if (it->file_name.variant.empty())
      plain = &*it;
    else
      variants.push_back(*it);
  }

  // Probe every variant, then try them from the highest score down (ties: file name order).
  std::vector<std::string> failures;
  std::vector<std::pair<int32_t, fs::path>> scored;
  for (const PluginCandidate& variant : variants) {
    ProbeReport probe = probe_plugin_library(variant.path);
    if (!probe.score)
      failures.push_back(probe.reason);
    else if (*probe.score <= 0)
      failures.push_back(variant.path.string() + ": skipped: probe reports it cannot run on this host");
    else
      scored.emplace_back(*probe.score, variant.path);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> order;
  for (const auto& [score, path] : scored) order.push_back(path);
  if (plain != nullptr) order.push_back(plain->path);

  for (const fs::path& path : order) {
    try {
      std::shared_ptr<const LoadedPlugin> plugin = load_locked(path);
      if (plugin->find_component(kind, name) != nullptr) return plugin;
      failures.push_back(path.string() + ": has no " + std::string(kind_name(kind)) + " component '" +
                         std::string(name) + "'");
    } catch (const HostException& e) {
      failures.push_back(e.what());
    }
  }
  std::string text = "no usable " + std::string(kind_name(kind)) + " plugin '" + std::string(name) + "':";
  for (const std::string& failure : failures) text += "\n  " + failure;
  throw HostException(MOECAP_ERR_NOT_FOUND, text);
}

ComponentRef PluginRegistry::resolve(PluginKind kind, std::string_view name, const fs::path& explicit_path) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<const LoadedPlugin> plugin =
      explicit_path.empty() ? load_by_name(kind, name) : load_locked(explicit_path);
  const ComponentInfo* component = plugin->find_component(kind, name);
  if (component == nullptr)
    throw HostException(MOECAP_ERR_NOT_FOUND, plugin->path().string() + ": has no " + std::string(kind_name(kind)) +
                                                  " component '" + std::string(name) + "'");
  return ComponentRef(plugin, component);
}

BackendProxy PluginRegistry::backend(std::string_view name, const fs::path& explicit_path) {
  return BackendProxy(resolve(PluginKind::backend, name, explicit_path));
}
ModelProxy PluginRegistry::model(std::string_view name, const fs::path& explicit_path) {
  return ModelProxy(resolve(PluginKind::model, name, explicit_path));
}
TaskProxy PluginRegistry::task(std::string_view name, const fs::path& explicit_path) {
  return TaskProxy(resolve(PluginKind::task, name, explicit_path));
}
SinkProxy PluginRegistry::sink(std::string_view name, const fs::path& explicit_path) {
  return SinkProxy(resolve(PluginKind::sink, name, explicit_path));
}

std::vector<std::string> PluginRegistry::available_names(PluginKind kind) const {
  std::set<std::string> names;
  for (const PluginCandidate& candidate : list_candidates(search_paths_))
    if (candidate.file_name.kind == kind) names.insert(candidate.file_name.name);
  return {names.begin(), names.end()};
}

std::vector<std::shared_ptr<const LoadedPlugin>> PluginRegistry::loaded() const {
  std::lock_guard lock(mutex_);
  return plugins_;
}

}  // namespace moecap::host
