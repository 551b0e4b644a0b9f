#include <exception>

#include "moecap/host/plugin_proxies.hpp"

namespace moecap::host {

ComponentRef::ComponentRef(std::shared_ptr<const LoadedPlugin> plugin, const ComponentInfo* component)
    : plugin_(std::move(plugin)), component_(component) {}

std::string ComponentRef::describe_call(std::string_view call) const {
  return std::string(kind_name(component_->kind)) + " '" + component_->name + "' " + std::string(call);
}

void ComponentRef::check(moecap_error* error, std::string_view call) const {
  throw_if_error(error, describe_call(call));
}

void ComponentRef::escaped(std::string_view call) const {
  plugin_->mark_faulted();
  std::string what;
  try {
    throw;
  } catch (const std::exception& e) {
    what = std::string(": ") + e.what();
  } catch (...) {
  }
  const std::string message = describe_call(call) + ": an exception escaped the plugin" + what + " (plugin " +
                              plugin_->path().string() + " is marked faulted)";
  log(MOECAP_LOG_ERROR, "plugins", message);
  throw HostException(MOECAP_ERR_INTERNAL, message);
}

}  // namespace moecap::host
