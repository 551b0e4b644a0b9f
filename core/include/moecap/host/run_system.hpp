// The system a run is judged on: what its utilisation is divided by, what is priced, whose TDP estimates
// its energy. Resolved once per pipeline from [hardware] (pipeline.hpp) and the hardware catalog; without
// a device it is this machine, as `moecap probe` measured it (machine_entry.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "moecap/host/hardware_catalog.hpp"
#include "moecap/host/machine_entry.hpp"
#include "moecap/host/pipeline.hpp"
#include "moecap/host/system_cost.hpp"

namespace moecap::host {

/// Measures this machine (the CLI passes the ceilings probe; core itself links no BLAS).
using MachineProbe = std::function<MachineMeasurement()>;

/// This machine's catalog entry: read from `entry_file` when it exists; otherwise, with a probe, measured,
/// priced from `catalog` and written there (a warning, not an error, when the file cannot be written).
/// Throws std::runtime_error (naming the file and `moecap probe`) when there is neither file nor probe, and
/// HardwareCatalogError for a malformed file.
HardwareCatalog this_machine_catalog(const std::filesystem::path& entry_file, const HardwareCatalog& catalog,
                                     const MachineProbe& probe);

struct RunSystem {
  HardwareCatalog catalog;   ///< the catalog used (this machine merged in when it is used)
  std::string device_id;     ///< the primary part: the accelerator, or the CPU of a CPU-only system
  int64_t device_count = 1;  ///< of the primary part
  bool is_this_machine = false;
  SystemSpec spec;            ///< host_memory_bytes is left 0: it depends on the point (with_host_memory)
  std::string label;          ///< "this-machine (AMD EPYC)", "2 x h100-sxm + epyc-9654"
  std::string compute_dtype;  ///< [hardware] compute_dtype; empty = the session's
  double tdp_w = 0;           ///< system_tdp_w of spec (DRAM not included)

  const HardwareDevice& primary() const { return catalog.at(device_id); }
  /// Peaks of the primary part × its count for a dtype; flops_per_s is 0 when the entry has no such peak.
  HardwarePeaks peaks(ComputeDtype dtype) const;
  /// spec with the DRAM a point kept in use (priced only for a CPU-only system or disk offload).
  SystemSpec with_host_memory(double bytes) const;
};

/// Resolves [hardware]. catalog_dir is the catalog folder (default_hardware_catalog_dir()); settings.catalog
/// adds entries. Throws std::runtime_error with a message naming the key and the known ids for an unknown
/// device or CPU, or a device kind that cannot be the primary part (dram, ssd).
RunSystem resolve_run_system(const HardwareSettings& settings, const std::filesystem::path& catalog_dir,
                             const std::filesystem::path& machine_entry_file, const MachineProbe& probe);

/// The catalog dtype a session's compute dtype (MOECAP_DTYPE_*) is measured against; nullopt when none fits.
std::optional<ComputeDtype> peak_dtype_of(int32_t moecap_dtype);

}  // namespace moecap::host
