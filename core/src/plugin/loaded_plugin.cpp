#include <boost/dll/shared_library.hpp>

#include "moecap/host/host_services.hpp"
#include "moecap/host/plugin_loader.hpp"

namespace moecap::host {

namespace {
std::string copy_string(const char* text) {
  return text != nullptr ? std::string(text) : std::string();
}
}  // namespace

LoadedPlugin::LoadedPlugin(std::filesystem::path path, std::shared_ptr<const boost::dll::shared_library> library,
                           const moecap_plugin_desc& desc, std::vector<ComponentInfo> components, uint32_t abi_major,
                           uint32_t abi_minor, std::optional<int32_t> probe_score)
    : path_(std::move(path)),
      library_(std::move(library)),
      name_(copy_string(desc.name)),
      version_(copy_string(desc.version)),
      vendor_(copy_string(desc.vendor)),
      build_info_(copy_string(desc.build_info)),
      components_(std::move(components)),
      get_proc_address_(desc.get_proc_address),
      fini_(desc.fini),
      abi_major_(abi_major),
      abi_minor_(abi_minor),
      probe_score_(probe_score) {}

LoadedPlugin::~LoadedPlugin() {
  if (fini_ == nullptr) return;
  // A destructor must not throw; an exception escaping fini is the plugin's fault and only logged.
  try {
    fini_();
  } catch (...) {
    log(MOECAP_LOG_ERROR, "plugins", path_.string() + ": fini let an exception escape");
  }
}

const ComponentInfo* LoadedPlugin::find_component(PluginKind kind, std::string_view name) const {
  const ComponentInfo* only = nullptr;
  int count = 0;
  for (const ComponentInfo& component : components_) {
    if (component.kind != kind) continue;
    if (!name.empty() && component.name == name) return &component;
    only = &component;
    ++count;
  }
  // A library named after the plugin (libmoecap-sink-jsonl.so) whose single sink is called differently
  // still answers to the file's name.
  return count == 1 ? only : nullptr;
}

void* LoadedPlugin::proc_address(const char* name) const {
  if (get_proc_address_ == nullptr || name == nullptr) return nullptr;
  try {
    return get_proc_address_(name);
  } catch (...) {
    mark_faulted();
    return nullptr;
  }
}

std::string_view status_name(LoadStatus status) {
  switch (status) {
    case LoadStatus::loaded:
      return "loaded";
    case LoadStatus::rejected:
      return "rejected";
    case LoadStatus::skipped:
      return "skipped";
  }
  return "unknown";
}

}  // namespace moecap::host
