// The two-step load of plugin-abi.md §4.5. Every rejection message here is pinned by tests/loader.
#include "moecap/host/plugin_loader.hpp"

#include <boost/dll/shared_library.hpp>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <utility>

#include "component_tables.hpp"
#include "moecap/host/host_services.hpp"

namespace moecap::host {
namespace {

// dlopen and plugin init run under one process-wide lock (Boost.DLL: dlopen is not thread-safe on every
// OS; plugins may assume their init is never concurrent with another's).
std::mutex g_loader_mutex;

// A library is initialised at most once at a time: dlopen of the same file returns the same handle and
// the same static state, so a second init (and its fini) would pull the tables out from under the first
// LoadedPlugin. While one is alive, loading the library again returns it. Guarded by g_loader_mutex.
std::map<void*, std::weak_ptr<const LoadedPlugin>>& live_plugins() {
  static auto* live = new std::map<void*, std::weak_ptr<const LoadedPlugin>>();
  return *live;
}

std::string what_escaped() {
  try {
    throw;
  } catch (const std::exception& e) {
    return std::string("exception escaped the plugin: ") + e.what();
  } catch (...) {
    return "unknown exception escaped the plugin";
  }
}

std::string version_text(uint32_t major, uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// Reads the probe: an exception is a rejection, a score <= 0 means "cannot run here".
ProbeReport run_probe(const boost::dll::shared_library& library, const std::string& where) {
  if (!library.has(MOECAP_PLUGIN_PROBE_SYMBOL)) return {1, {}};
  auto& probe = library.get<int32_t()>(MOECAP_PLUGIN_PROBE_SYMBOL);
  try {
    return {probe(), {}};
  } catch (...) {
    return {std::nullopt, where + ": probe failed: " + what_escaped()};
  }
}

bool is_blank(const char* text) {
  return text == nullptr || *text == '\0';
}

// Step 7: the description and each component's table. Returns the rejection message, or empty.
std::string validate_description(const std::string& where, const moecap_plugin_desc& desc, uint32_t capacity,
                                 const HostAbiRange& host, std::vector<ComponentInfo>& out) {
  const std::pair<const char*, const char*> identity[] = {
      {"name", desc.name}, {"version", desc.version}, {"vendor", desc.vendor}};
  for (auto [member, value] : identity)
    if (is_blank(value)) return where + ": plugin description: required member '" + member + "' is NULL or empty";
  const std::string plugin = desc.name;
  if (desc.component_count == 0 || desc.components == nullptr)
    return where + ": plugin '" + plugin + "' declares no components";
  if (desc.component_count > capacity)
    return where + ": plugin '" + plugin + "' declares " + std::to_string(desc.component_count) +
           " components; the host has room for " + std::to_string(capacity);

  std::set<std::pair<PluginKind, std::string>> seen;
  for (uint32_t i = 0; i < desc.component_count; ++i) {
    const moecap_component& component = desc.components[i];
    std::optional<PluginKind> kind = kind_from_component(component.kind);
    if (!kind) {
      // ABI-6: a newer plugin may offer kinds this host does not know; the rest of it is still usable.
      log(MOECAP_LOG_WARN, "plugins",
          where + ": component " + std::to_string(i) + " has unknown kind " + std::to_string(component.kind) +
              "; skipped (the plugin may be newer than this host)");
      continue;
    }
    const std::string kind_word(kind_name(*kind));
    if (component.table == nullptr)
      return where + ": " + kind_word + " component " + std::to_string(i) + ": table is NULL";

    detail::TableHeader header = detail::table_header(component.table);
    // The name is the first member after the header; read it only when the table is big enough to hold it.
    constexpr size_t kNameEnd = sizeof(detail::TableHeader) + sizeof(const char*);
    const char* name = header.struct_size >= kNameEnd
                           ? static_cast<const char*>(detail::pointer_at(component.table, sizeof(detail::TableHeader)))
                           : nullptr;
    const std::string shown = name != nullptr ? name : "#" + std::to_string(i);
    const std::string prefix = where + ": " + kind_word + " '" + shown + "': ";

    // Sizes are compared at the newest minor this host knows; a newer table is bigger still.
    const uint32_t minor = std::min(header.abi_minor, host.minor_max);
    const size_t needed = table_size_for_minor(*kind, minor);
    if (header.struct_size < needed)
      return prefix + "table size " + std::to_string(header.struct_size) + " is below the size of ABI " +
             version_text(host.major, minor) + " (" + std::to_string(needed) + ")";
    for (const detail::RequiredMember& member : detail::required_members(*kind))
      if (detail::pointer_at(component.table, member.offset) == nullptr)
        return prefix + "required member '" + member.name + "' is NULL";
    if (*name == '\0') return prefix + "required member 'name' is empty";
    if (!seen.emplace(*kind, name).second) return where + ": two " + kind_word + " components are named '" + name + "'";

    out.push_back(ComponentInfo{*kind, name, header.abi_minor, component.table, component.context});
  }
  if (out.empty()) return where + ": plugin '" + plugin + "' has no component of a kind this host knows";
  return {};
}

}  // namespace

ProbeReport probe_plugin_library(const std::filesystem::path& path) {
  std::lock_guard lock(g_loader_mutex);
  std::string error;
  auto library = open_pinned_library(path, error);
  if (!library) return {std::nullopt, error};
  if (!library->has(MOECAP_PLUGIN_NEGOTIATE_SYMBOL))
    return {std::nullopt, path.string() + ": not a moecap plugin (missing " MOECAP_PLUGIN_NEGOTIATE_SYMBOL ")"};
  return run_probe(*library, path.string());
}

LoadReport load_plugin_library(const std::filesystem::path& path, const LoaderOptions& options) {
  LoadReport report;
  report.path = path;
  const std::string where = path.string();
  const HostAbiRange& host = options.host_abi;
  auto reject = [&](std::string reason, int32_t code) {
    report.status = LoadStatus::rejected;
    report.reason = std::move(reason);
    report.error_code = code;
    return std::move(report);
  };

  std::lock_guard lock(g_loader_mutex);

  // Step 2: dlopen.
  std::string error;
  std::shared_ptr<const boost::dll::shared_library> library = open_pinned_library(path, error);
  if (!library) return reject(std::move(error), MOECAP_ERR_UNAVAILABLE);

  // Step 3: is it a moecap plugin at all?
  if (!library->has(MOECAP_PLUGIN_NEGOTIATE_SYMBOL))
    return reject(where + ": not a moecap plugin (missing " MOECAP_PLUGIN_NEGOTIATE_SYMBOL ")", MOECAP_ERR_ABI);

  // Step 4: probe.
  ProbeReport probe = run_probe(*library, where);
  if (!probe.score) return reject(probe.reason, MOECAP_ERR_INTERNAL);
  if (library->has(MOECAP_PLUGIN_PROBE_SYMBOL)) report.probe_score = probe.score;
  if (*probe.score <= 0) {
    report.status = LoadStatus::skipped;
    report.reason = where + ": skipped: probe reports it cannot run on this host";
    report.error_code = MOECAP_ERR_UNSUPPORTED;
    return report;
  }

  // Step 5: the handshake, checked in the order of §4.5.
  auto& negotiate = library->get<int32_t(moecap_negotiation*)>(MOECAP_PLUGIN_NEGOTIATE_SYMBOL);
  moecap_negotiation negotiation{};
  negotiation.struct_size = sizeof(moecap_negotiation);
  negotiation.host_abi_major = host.major;
  negotiation.host_abi_minor_min = host.minor_min;
  negotiation.host_abi_minor_max = host.minor_max;
  int32_t refused = 0;
  try {
    refused = negotiate(&negotiation);
  } catch (...) {
    return reject(where + ": negotiate failed: " + what_escaped(), MOECAP_ERR_INTERNAL);
  }
  if (negotiation.struct_size < sizeof(moecap_negotiation))
    return reject(where + ": negotiation struct size " + std::to_string(negotiation.struct_size) +
                      " is invalid (expected at least " + std::to_string(sizeof(moecap_negotiation)) + ")",
                  MOECAP_ERR_ABI);
  report.plugin_abi_major = negotiation.plugin_abi_major;
  report.plugin_abi_minor = negotiation.plugin_abi_minor;
  if (negotiation.plugin_abi_major != host.major)
    return reject(where + ": plugin built for SDK ABI " + std::to_string(negotiation.plugin_abi_major) +
                      ".x; this host speaks " + std::to_string(host.major) + ".x",
                  MOECAP_ERR_ABI);
  if (negotiation.plugin_abi_minor > host.minor_max)
    return reject(where + ": plugin needs ABI " + version_text(host.major, negotiation.plugin_abi_minor) +
                      "; host provides up to " + version_text(host.major, host.minor_max) + " \u2014 upgrade the host",
                  MOECAP_ERR_ABI);
  if (negotiation.plugin_abi_minor < host.minor_min)
    return reject(where + ": plugin built for ABI " + version_text(host.major, negotiation.plugin_abi_minor) +
                      "; host supports " + version_text(host.major, host.minor_min) + "\u2013" +
                      version_text(host.major, host.minor_max) + " \u2014 rebuild the plugin against a newer SDK",
                  MOECAP_ERR_ABI);
  if (refused != 0)
    return reject(where + ": plugin refused the negotiation (negotiate returned " + std::to_string(refused) + ")",
                  MOECAP_ERR_ABI);
  if (negotiation.init == nullptr) return reject(where + ": negotiate returned no init function", MOECAP_ERR_ABI);

  if (std::shared_ptr<const LoadedPlugin> live = live_plugins()[library->native()].lock()) {
    report.status = LoadStatus::loaded;
    report.plugin = std::move(live);
    return report;
  }

  // Step 6: init, with a host-allocated components array.
  std::vector<moecap_component> components(options.component_capacity, moecap_component{});
  moecap_plugin_desc desc{};
  desc.struct_size = sizeof(moecap_plugin_desc);
  desc.abi_minor = host.minor_max;
  desc.component_capacity = options.component_capacity;
  desc.components = components.data();
  moecap_error* init_error = nullptr;
  try {
    init_error = negotiation.init(host_api(), &desc);
  } catch (...) {
    // The last line of defence: a C++ plugin without the SDK's firewall. Its state is unknown, so fini is
    // not called and the library stays loaded but unused (O8).
    return reject(where + ": init failed: " + what_escaped(), MOECAP_ERR_INTERNAL);
  }
  if (init_error != nullptr) {
    ErrorPtr owned(init_error);
    return reject(where + ": init failed: " + error_message(init_error), error_code(init_error));
  }

  // Step 7: validate what init described. init succeeded, so a rejected plugin still gets its fini.
  std::vector<ComponentInfo> validated;
  std::string problem = validate_description(where, desc, options.component_capacity, host, validated);
  if (!problem.empty()) {
    if (desc.fini != nullptr) {
      try {
        desc.fini();
      } catch (...) {
        log(MOECAP_LOG_ERROR, "plugins", where + ": fini let an exception escape");
      }
    }
    return reject(std::move(problem), MOECAP_ERR_ABI);
  }

  report.status = LoadStatus::loaded;
  report.plugin = std::make_shared<const LoadedPlugin>(path, std::move(library), desc, std::move(validated),
                                                       negotiation.plugin_abi_major, negotiation.plugin_abi_minor,
                                                       report.probe_score);
  live_plugins()[report.plugin->library()->native()] = report.plugin;
  return report;
}

}  // namespace moecap::host
