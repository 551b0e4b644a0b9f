// Loading one plugin library: the two-step handshake of plugin-abi.md §4.5 and the checks that follow.
//
//   dlopen (RTLD_NOW | RTLD_LOCAL) → moecap_plugin_negotiate present? → probe (0 = skip) → negotiate →
//   struct size, major, minor range, init != NULL → init(host_api(), desc) → validate desc and every
//   component table (size for its minor, required members) → LoadedPlugin.
//
// Each rejection carries the exact message of the table in §4.5 (tests/loader pins them).
//
// Lifetime (O4, O8): a library, once opened, is never closed before the process exits — its handle is
// pinned in a process-wide list, whether the plugin was accepted or not. A LoadedPlugin owns the plugin's
// initialised state: its destructor calls the plugin's fini. Every proxy and every object made through a
// proxy (model, session, sink, task) holds a shared_ptr to its LoadedPlugin, so fini runs only after the
// registry and all of those are gone, and the library they point into is still mapped at that moment.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "moecap/host/plugin_kind.hpp"
#include "moecap/moecap.h"

namespace boost::dll {
class shared_library;
}

namespace moecap::host {

/// The ABI versions the host accepts. Tests narrow it to exercise the "minor too old" refusal.
struct HostAbiRange {
  uint32_t major = MOECAP_ABI_MAJOR;
  uint32_t minor_min = MOECAP_ABI_MINOR_MIN;
  uint32_t minor_max = MOECAP_ABI_MINOR;
};

struct LoaderOptions {
  HostAbiRange host_abi;
  /// Room in the components array handed to init (ORT's max_factories).
  uint32_t component_capacity = 16;
};

/// One validated component of a loaded plugin. table and context belong to the plugin and live until fini.
struct ComponentInfo {
  PluginKind kind;
  std::string name;    ///< the table's name member
  uint32_t abi_minor;  ///< the table's declared minor
  const void* table;
  void* context;
};

/// A plugin whose init succeeded and whose description passed validation.
class LoadedPlugin {
 public:
  LoadedPlugin(std::filesystem::path path, std::shared_ptr<const boost::dll::shared_library> library,
               const moecap_plugin_desc& desc, std::vector<ComponentInfo> components, uint32_t abi_major,
               uint32_t abi_minor, std::optional<int32_t> probe_score);
  /// Calls the plugin's fini (if it has one); by then every object it made is gone (see above).
  ~LoadedPlugin();
  LoadedPlugin(const LoadedPlugin&) = delete;
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& vendor() const { return vendor_; }
  const std::string& build_info() const { return build_info_; }
  uint32_t abi_major() const { return abi_major_; }
  uint32_t abi_minor() const { return abi_minor_; }
  std::optional<int32_t> probe_score() const { return probe_score_; }
  const std::vector<ComponentInfo>& components() const { return components_; }
  /// The component of that kind called name; with an empty name, the only component of that kind.
  const ComponentInfo* find_component(PluginKind kind, std::string_view name = {}) const;
  /// The plugin's get_proc_address (ABI-10); nullptr when it has none or the name is unknown.
  void* proc_address(const char* name) const;
  const std::shared_ptr<const boost::dll::shared_library>& library() const { return library_; }

  /// Set when a call into the plugin let an exception escape (the host's last line of defence caught it).
  void mark_faulted() const { faulted_.store(true); }
  bool faulted() const { return faulted_.load(); }

 private:
  std::filesystem::path path_;
  std::shared_ptr<const boost::dll::shared_library> library_;
  std::string name_, version_, vendor_, build_info_;
  std::vector<ComponentInfo> components_;
  void* (*get_proc_address_)(const char*);
  void (*fini_)(void);
  uint32_t abi_major_, abi_minor_;
  std::optional<int32_t> probe_score_;
  mutable std::atomic<bool> faulted_{false};
};

enum class LoadStatus { loaded, rejected, skipped };
std::string_view status_name(LoadStatus status);

/// What happened when a library was loaded. When status is loaded, plugin is set and reason is empty;
/// otherwise reason is the exact user-facing message ("<path>: …").
struct LoadReport {
  std::filesystem::path path;
  LoadStatus status = LoadStatus::rejected;
  std::string reason;
  std::optional<int32_t> probe_score;                          ///< set when the library exports a probe and it ran
  std::optional<uint32_t> plugin_abi_major, plugin_abi_minor;  ///< set once negotiate answered
  int32_t error_code = MOECAP_OK;                              ///< moecap_error_code of the rejection
  std::shared_ptr<const LoadedPlugin> plugin;
};

/// Runs the whole §4.5 sequence on one library. Never throws for a bad plugin; the report says why.
/// Takes the global loader mutex (dlopen is not thread-safe everywhere).
LoadReport load_plugin_library(const std::filesystem::path& path, const LoaderOptions& options = {});

/// Opens the library (pinned forever) and runs only its probe: the score, 1 when it exports no probe
/// (runs anywhere, least preferred), or a rejection message (dlopen failed, not a moecap plugin).
struct ProbeReport {
  std::optional<int32_t> score;
  std::string reason;  ///< set when score is empty
};
ProbeReport probe_plugin_library(const std::filesystem::path& path);

/// Opens a library with RTLD_NOW | RTLD_LOCAL and pins it for the life of the process. On failure returns
/// nullptr and sets error to "cannot load <path>: <dlerror text>".
std::shared_ptr<const boost::dll::shared_library> open_pinned_library(const std::filesystem::path& path,
                                                                      std::string& error);

/// The table size ABI 1.<minor> defines for a component kind (the smallest table a plugin declaring that
/// minor may hand over). Minors newer than the host are measured at the host's newest size.
size_t table_size_for_minor(PluginKind kind, uint32_t minor);

}  // namespace moecap::host
