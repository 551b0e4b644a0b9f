#include "moecap/host/run_system.hpp"

#include <fstream>
#include <iterator>

#include "moecap/host/host_services.hpp"
#include "moecap/types.h"

namespace moecap::host {

HardwareCatalog this_machine_catalog(const std::filesystem::path& entry_file, const HardwareCatalog& catalog,
                                     const MachineProbe& probe) {
  std::error_code ec;
  if (std::filesystem::exists(entry_file, ec)) {
    std::ifstream in(entry_file, std::ios::binary);
    if (!in) throw std::runtime_error(entry_file.string() + ": cannot read this machine's catalog entry");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("# This machine, as measured by `moecap probe`") != std::string::npos &&
        text.find(kMachineProbeMethod) == std::string::npos)
      log(MOECAP_LOG_WARN, "moecap",
          entry_file.string() +
              " was measured by an older `moecap probe`; run it again so the ratios divide by "
              "ceilings measured the current way");
    return HardwareCatalog::parse(text, entry_file.string());
  }
  if (!probe)
    throw std::runtime_error("no catalog entry for this machine at " + entry_file.string() +
                             "; run `moecap probe` (or name the hardware in [hardware] device = \"…\")");
  log(MOECAP_LOG_INFO, "moecap",
      "measuring this machine once (bandwidth, GEMM rate) for its catalog entry; `moecap probe` redoes it");
  const MachineMeasurement measured = probe();
  const std::string text = machine_catalog_entry(measured, machine_pricing(measured, catalog, {}, {}));
  HardwareCatalog entry = HardwareCatalog::parse(text, entry_file.string());
  std::filesystem::create_directories(entry_file.parent_path(), ec);
  std::ofstream out(entry_file);
  out << text;
  out.close();
  if (!out)
    log(MOECAP_LOG_WARN, "moecap",
        "could not write " + entry_file.string() + "; this machine is probed again next run");
  else
    log(MOECAP_LOG_INFO, "moecap", "wrote " + entry_file.string());
  return entry;
}

HardwarePeaks RunSystem::peaks(ComputeDtype dtype) const {
  const HardwareDevice& device = primary();
  HardwarePeaks peaks;
  const double count = static_cast<double>(device_count);
  peaks.bandwidth_bytes_per_s = device.memory_bandwidth_bytes_per_s.value_or(0) * count;
  const auto it = device.dense_peak_flops_per_s.find(dtype);
  peaks.flops_per_s = it == device.dense_peak_flops_per_s.end() ? 0 : it->second * count;
  return peaks;
}

SystemSpec RunSystem::with_host_memory(double bytes) const {
  SystemSpec out = spec;
  if (spec.device_id.empty() || spec.disk_offload) out.host_memory_bytes = bytes;
  return out;
}

RunSystem resolve_run_system(const HardwareSettings& settings, const std::filesystem::path& catalog_dir,
                             const std::filesystem::path& machine_entry_file, const MachineProbe& probe) {
  RunSystem system;
  system.catalog = HardwareCatalog::load(catalog_dir);
  if (settings.catalog) system.catalog.merge(HardwareCatalog::load(*settings.catalog));
  const std::string wanted = settings.device.empty() ? std::string(kThisMachineId) : settings.device;
  const bool wants_this_machine = normalise_device_id(wanted) == kThisMachineId;
  if (wants_this_machine && system.catalog.find(kThisMachineId) == nullptr)
    system.catalog.merge(this_machine_catalog(machine_entry_file, system.catalog, probe));

  auto lookup = [&](const std::string& id, const char* key) -> const HardwareDevice& {
    try {
      return system.catalog.at(id);
    } catch (const std::out_of_range& e) {
      throw std::runtime_error(std::string("[hardware] ") + key + " = \"" + id + "\": " + e.what());
    }
  };
  const HardwareDevice& device = lookup(wanted, "device");
  if (device.kind == DeviceKind::dram || device.kind == DeviceKind::ssd)
    throw std::runtime_error("[hardware] device = \"" + wanted + "\" is a " + device_kind_name(device.kind) +
                             " entry; expected an accelerator (gpu, soc) or a cpu");
  system.device_id = device.id;
  system.device_count = settings.device_count;
  system.is_this_machine = device.id == kThisMachineId;
  system.compute_dtype = settings.compute_dtype;
  system.spec.disk_offload = settings.disk_offload;
  if (device.kind == DeviceKind::cpu) {
    system.spec.cpu_id = device.id;
    system.spec.cpu_count = static_cast<int>(settings.device_count);
  } else {
    system.spec.device_id = device.id;
    system.spec.device_count = static_cast<int>(settings.device_count);
    system.spec.cpu_id = settings.cpu.empty() ? "" : lookup(settings.cpu, "cpu").id;
    system.spec.cpu_count = static_cast<int>(settings.cpu_count);
  }
  system.label = (system.device_count > 1 ? std::to_string(system.device_count) + " x " : "") + device.id;
  if (system.is_this_machine) system.label += " (" + device.name + ", " + device.source + ")";
  if (!system.spec.device_id.empty() && !system.spec.cpu_id.empty())
    system.label +=
        " + " + (settings.cpu_count > 1 ? std::to_string(settings.cpu_count) + " x " : "") + system.spec.cpu_id;
  system.tdp_w = system_tdp_w(system.catalog, system.spec);
  return system;
}

std::optional<ComputeDtype> peak_dtype_of(int32_t moecap_dtype) {
  switch (moecap_dtype) {
    case MOECAP_DTYPE_F64:
      return ComputeDtype::fp64;
    case MOECAP_DTYPE_F32:
      return ComputeDtype::fp32;
    case MOECAP_DTYPE_BF16:
      return ComputeDtype::bf16;
    case MOECAP_DTYPE_F16:
      return ComputeDtype::fp16;
    case MOECAP_DTYPE_F8_E4M3:
    case MOECAP_DTYPE_F8_E5M2:
      return ComputeDtype::fp8;
    case MOECAP_DTYPE_I8:
      return ComputeDtype::int8;
    default:
      return std::nullopt;
  }
}

}  // namespace moecap::host
