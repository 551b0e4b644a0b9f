// NVML energy counters through dlopen (see energy_meter.hpp). The few NVML declarations are restated here
// (ABI-stable since NVML 10; values from nvml.h) so no CUDA headers are needed to build.
#include <dlfcn.h>

#include <stdexcept>

#include "moecap/host/energy_meter.hpp"

namespace moecap::host {
namespace {

using nvmlReturn = int;  // NVML_SUCCESS == 0
using nvmlDevice = void*;

}  // namespace

struct NvmlReader::Library {
  void* handle = nullptr;
  nvmlReturn (*init)() = nullptr;
  nvmlReturn (*shutdown)() = nullptr;
  nvmlReturn (*get_count)(unsigned int*) = nullptr;
  nvmlReturn (*get_handle)(unsigned int, nvmlDevice*) = nullptr;
  nvmlReturn (*total_energy)(nvmlDevice, unsigned long long*) = nullptr;
  std::vector<nvmlDevice> devices;
  bool initialised = false;

  template <typename F>
  bool bind(F& function, const char* name) {
    function = reinterpret_cast<F>(dlsym(handle, name));
    return function != nullptr;
  }
};

NvmlReader::NvmlReader() : library_(std::make_unique<Library>()) {
  Library& lib = *library_;
  lib.handle = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib.handle == nullptr) return;
  if (!lib.bind(lib.init, "nvmlInit_v2") || !lib.bind(lib.shutdown, "nvmlShutdown") ||
      !lib.bind(lib.get_count, "nvmlDeviceGetCount_v2") || !lib.bind(lib.get_handle, "nvmlDeviceGetHandleByIndex_v2") ||
      !lib.bind(lib.total_energy, "nvmlDeviceGetTotalEnergyConsumption"))
    return;
  if (lib.init() != 0) return;
  lib.initialised = true;
  unsigned int count = 0;
  if (lib.get_count(&count) != 0) return;
  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice device = nullptr;
    unsigned long long probe = 0;
    // A GPU without the counter (pre-Volta) makes the whole reading partial: use none rather than part.
    if (lib.get_handle(i, &device) != 0 || lib.total_energy(device, &probe) != 0) {
      lib.devices.clear();
      return;
    }
    lib.devices.push_back(device);
  }
}

NvmlReader::~NvmlReader() {
  if (library_->initialised) library_->shutdown();
  if (library_->handle != nullptr) dlclose(library_->handle);
}

bool NvmlReader::available() const {
  return !library_->devices.empty();
}
int NvmlReader::device_count() const {
  return static_cast<int>(library_->devices.size());
}

NvmlReader::Sample NvmlReader::sample() const {
  Sample values(library_->devices.size());
  for (size_t i = 0; i < values.size(); ++i) {
    unsigned long long millijoules = 0;
    if (library_->total_energy(library_->devices[i], &millijoules) != 0)
      throw std::runtime_error("NVML: cannot read the energy counter of GPU " + std::to_string(i));
    values[i] = millijoules;
  }
  return values;
}

double NvmlReader::joules_between(const Sample& before, const Sample& after) const {
  if (before.size() != after.size()) throw std::invalid_argument("NVML: samples do not match the devices");
  double millijoules = 0;
  for (size_t i = 0; i < before.size(); ++i)
    if (after[i] > before[i]) millijoules += static_cast<double>(after[i] - before[i]);  // 64-bit: no wrap
  return millijoules * 1e-3;
}

}  // namespace moecap::host
