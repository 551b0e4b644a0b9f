// The plugins of one host process: finds libraries by (kind, name), loads each once, hands out proxies.
//
// Lookup of (kind, name) (plugin-abi.md §4.6): an explicit path wins; otherwise the first search directory
// holding any libmoecap-<kind>-<name>[-<variant>].so supplies the plugin. Within it every -<variant> is
// probed and tried from the highest score down (a variant without a probe scores 1); when no variant loads,
// the plain library is used. An unknown name is an error listing the names available for that kind.
//
// Plugin names are unique: a second library describing itself with a name already loaded is rejected.
// Load every plugin from one thread before worker threads start (Triton's dlopen deadlock); after that
// the registry's lookups are thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/host/plugin_discovery.hpp"
#include "moecap/host/plugin_loader.hpp"
#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

class PluginRegistry {
 public:
  explicit PluginRegistry(PluginSearchPaths search_paths = PluginSearchPaths::standard(), LoaderOptions options = {});
  /// Drops the registry's references; each plugin's fini runs once its last proxy/object is gone too.
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  const PluginSearchPaths& search_paths() const { return search_paths_; }

  /// Loads the library at path (once; a second call returns the same plugin). Throws HostException with
  /// the exact §4.5 message when it is rejected or skipped.
  std::shared_ptr<const LoadedPlugin> load(const std::filesystem::path& path);

  /// Finds the component (kind, name). explicit_path, when not empty, is the pipeline's resolved `path`
  /// and bypasses discovery. Throws HostException (NOT_FOUND for an unknown name, else the load error).
  ComponentRef resolve(PluginKind kind, std::string_view name, const std::filesystem::path& explicit_path = {});

  BackendProxy backend(std::string_view name, const std::filesystem::path& explicit_path = {});
  ModelProxy model(std::string_view name, const std::filesystem::path& explicit_path = {});
  TaskProxy task(std::string_view name, const std::filesystem::path& explicit_path = {});
  SinkProxy sink(std::string_view name, const std::filesystem::path& explicit_path = {});

  /// Names (from file names) of every candidate of that kind in the search directories, sorted, unique.
  std::vector<std::string> available_names(PluginKind kind) const;
  /// Every plugin loaded so far, in load order.
  std::vector<std::shared_ptr<const LoadedPlugin>> loaded() const;

 private:
  std::shared_ptr<const LoadedPlugin> load_locked(const std::filesystem::path& path);
  std::shared_ptr<const LoadedPlugin> load_by_name(PluginKind kind, std::string_view name);

  PluginSearchPaths search_paths_;
  LoaderOptions options_;
  mutable std::recursive_mutex mutex_;
  std::vector<std::shared_ptr<const LoadedPlugin>> plugins_;  // load order
  std::map<std::filesystem::path, std::shared_ptr<const LoadedPlugin>> by_path_;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>, std::less<>> by_name_;
};

}  // namespace moecap::host
