// Loads one plugin library directly (dlopen, negotiate, init with the host's services) so a test can call
// its component tables without the registry. Only tests use this; the host loads plugins through Boost.DLL.
#pragma once

#include <dlfcn.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "moecap/host/host_services.hpp"
#include "moecap/moecap.h"

namespace moecap::test {

class DirectPlugin {
 public:
  explicit DirectPlugin(const std::string& path) {
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) throw std::runtime_error("dlopen " + path + ": " + dlerror());
    auto negotiate = reinterpret_cast<moecap_plugin_negotiate_fn>(dlsym(handle_, MOECAP_PLUGIN_NEGOTIATE_SYMBOL));
    if (negotiate == nullptr) throw std::runtime_error(path + " does not export moecap_plugin_negotiate");
    moecap_negotiation io;
    std::memset(&io, 0, sizeof io);
    io.struct_size = sizeof io;
    io.host_abi_major = MOECAP_ABI_MAJOR;
    io.host_abi_minor_min = MOECAP_ABI_MINOR_MIN;
    io.host_abi_minor_max = MOECAP_ABI_MINOR;
    if (negotiate(&io) != 0 || io.init == nullptr || io.plugin_abi_major != MOECAP_ABI_MAJOR)
      throw std::runtime_error(path + " refused the negotiation");
    components_.resize(8);
    std::memset(&desc_, 0, sizeof desc_);
    desc_.struct_size = sizeof desc_;
    desc_.abi_minor = MOECAP_ABI_MINOR;
    desc_.component_capacity = static_cast<uint32_t>(components_.size());
    desc_.components = components_.data();
    moecap_error* error = io.init(host::host_api(), &desc_);
    if (error != nullptr) {
      const std::string message = host::error_message(error);
      host::ErrorDeleter{}(error);
      throw std::runtime_error(path + ": init failed: " + message);
    }
  }
  // The library stays loaded (as in the host: nothing is unloaded before exit); fini frees its state.
  ~DirectPlugin() {
    if (desc_.fini != nullptr) desc_.fini();
  }
  DirectPlugin(const DirectPlugin&) = delete;
  DirectPlugin& operator=(const DirectPlugin&) = delete;

  const moecap_plugin_desc& description() const { return desc_; }

  /// The first component of that kind, with its context; throws when there is none.
  template <class Table>
  const Table& table(int32_t kind, void** context = nullptr) const {
    for (uint32_t i = 0; i < desc_.component_count; ++i) {
      if (components_[i].kind != kind) continue;
      if (context != nullptr) *context = components_[i].context;
      return *static_cast<const Table*>(components_[i].table);
    }
    throw std::runtime_error(std::string("plugin ") + (desc_.name ? desc_.name : "?") + " has no component of kind " +
                             std::to_string(kind));
  }

 private:
  void* handle_ = nullptr;
  moecap_plugin_desc desc_{};
  std::vector<moecap_component> components_;
};

}  // namespace moecap::test
