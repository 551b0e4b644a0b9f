// "This machine" as a hardware catalog entry: what `moecap probe` measured, written in the catalog's format
// (configs/hardware/README.md) so that every later run on the machine divides by measured ceilings and is
// priced, without the user naming any hardware.
//
// Measured: read bandwidth (multi-stream read kernel: decode only reads), sgemm and dgemm FLOP/s at the
// thread count given, memory size, logical CPUs, whether RAPL is readable. Not measurable: price and TDP.
// Those are the user's figures when given, else the catalog CPU whose name matches /proc/cpuinfo, else a
// reference server CPU (EPYC 9654), in both cases pro-rated by hardware threads (a VM's vCPUs are a slice
// of a bigger part); the entry's comments say which.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "moecap/host/hardware_catalog.hpp"

namespace moecap::host {

/// The id of the entry `moecap probe` writes; `[hardware] device = "this-machine"` names it.
inline constexpr std::string_view kThisMachineId = "this-machine";

/// Written into the entry's header comment; changes whenever the way a ceiling is measured changes, so an
/// entry measured the old way can be told apart (a run then warns: its ratios divide by another ceiling).
/// method 2: the read ceiling reads 4 streams inside 4 MB chunks with 32-byte loads.
/// method 3: the same over buffers on transparent huge pages (where granted), as backend-cpu's weights are.
inline constexpr std::string_view kMachineProbeMethod = "probe method 3";

struct MachineMeasurement {
  std::string cpu_model;  ///< /proc/cpuinfo "model name"
  std::string hostname;
  int logical_cpus = 0;
  int threads = 0;  ///< threads the ceilings were measured on
  double memory_bytes = 0;
  double read_bandwidth_bytes_per_s = 0;  ///< best pass (a ceiling, STREAM's convention)
  double triad_bytes_per_s = 0;           ///< best pass, for the comment beside it
  double sgemm_flops_per_s = 0;
  double dgemm_flops_per_s = 0;
  bool rapl_readable = false;
  std::string rapl_zones;   ///< "package-0, dram" when readable
  std::string measured_at;  ///< UTC, ISO 8601
};

struct MachinePricing {
  double price_usd = 0;
  double tdp_w = 0;
  std::string price_source;  ///< comment text: where the figure comes from
  std::string tdp_source;
};

/// Price and TDP of the machine: the given figures where present; otherwise the catalog CPU matching
/// cpu_model (by id or alias after normalisation), else `reference_cpu`, scaled by logical_cpus over the
/// entry's hardware threads (its `threads` key; without it the whole part). Throws std::out_of_range when
/// neither is in the catalog.
MachinePricing machine_pricing(const MachineMeasurement& machine, const HardwareCatalog& catalog,
                               std::optional<double> price_usd, std::optional<double> tdp_w,
                               std::string_view reference_cpu = "epyc-9654");

/// The catalog entry as TOML text with a source comment on every value; it parses with
/// HardwareCatalog::parse into a `cpu` entry with id "this-machine" and fp32 (sgemm) and fp64 (dgemm)
/// dense peaks.
std::string machine_catalog_entry(const MachineMeasurement& machine, const MachinePricing& pricing);

/// Where the entry lives: $MOECAP_MACHINE_FILE if set, else $XDG_DATA_HOME/moecap/this-machine.toml, else
/// ~/.local/share/moecap/this-machine.toml (relative "this-machine.toml" when there is no home).
std::filesystem::path default_machine_entry_path();

}  // namespace moecap::host
