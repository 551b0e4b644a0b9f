// What a system costs to buy and to run, and what a run's output costs (DESIGN.md §5 "Cost";
// moe-cap-method.md §7.3, §13.7).
//
// MoE systems spend on more than GPUs: offloading keeps experts in host DRAM or on SSD and may compute on
// the CPU, so the purchase cost sums accelerators, host CPU(s), DRAM sized to what the run kept in host
// memory, and SSD when the offload tier is disk, all priced from the hardware catalog. Unlike the MoE-CAP
// code (purchase price × 1.25, never amortised; see moecap_code_cost.hpp), capital is amortised over a
// lifetime at a utilisation, and energy (measured or estimated, energy_meter.hpp) is priced at $/kWh × PUE.
#pragma once

#include <cstdint>
#include <string>

#include "moecap/host/hardware_catalog.hpp"

namespace moecap::host {

/// The hardware a run used. Ids are catalog ids or aliases; an empty id means "none of that part".
struct SystemSpec {
  std::string device_id;  ///< accelerator (gpu/soc); empty for a CPU-only system
  int device_count = 0;
  std::string cpu_id;  ///< host CPU; empty when the device is the whole system (an SoC)
  int cpu_count = 1;
  double host_memory_bytes = 0;        ///< DRAM the run kept in use (weights offloaded, KV, buffers)
  std::string dram_id = "ddr5-rdimm";  ///< priced per GB
  bool disk_offload = false;           ///< the offload tier is disk: add ssd_count × ssd_id
  std::string ssd_id = "nvme-gen4-ssd";
  int ssd_count = 1;
};

/// Purchase cost by part, USD.
struct PurchaseCost {
  double devices = 0;
  double cpus = 0;
  double dram = 0;
  double ssd = 0;
  double total() const { return devices + cpus + dram + ssd; }
};

/// Prices a system from the catalog. Throws std::out_of_range for an unknown id and std::invalid_argument
/// for an entry without the price it needs (price_usd, or price_usd_per_gb for DRAM) or negative counts.
PurchaseCost purchase_cost(const HardwareCatalog& catalog, const SystemSpec& system);

/// The system's power at full load, W: device and CPU TDPs, DRAM power per GB, SSD power. Parts whose
/// entry gives no power figure count 0. Used to estimate energy where nothing can be measured.
double system_tdp_w(const HardwareCatalog& catalog, const SystemSpec& system);

/// Amortisation and energy prices; a `[cost]` pipeline table overrides these defaults.
struct CostParameters {
  double lifetime_years = 3;  ///< straight-line depreciation period of the hardware
  double utilisation = 1.0;   ///< fraction of the lifetime the system does paid work, (0, 1]
  double usd_per_kwh = 0.15;  ///< MoE-CAP's ENERGY_COST (moe-cap-method.md §7.2)
  double pue = 1.0;           ///< facility power / IT power (1.0: no cooling overhead counted)
};

/// The cost of one run (or one phase of it).
struct RunCost {
  double capex_usd = 0;   ///< purchase / (lifetime × utilisation) × wall time
  double energy_usd = 0;  ///< energy / 3.6e6 J/kWh × $/kWh × PUE
  double total_usd() const { return capex_usd + energy_usd; }
  double usd_per_hour = 0;                   ///< total / wall time × 3600
  double usd_per_million_output_tokens = 0;  ///< total / output tokens × 1e6; 0 without output tokens
};

/// Throws std::invalid_argument for wall_s <= 0, energy_j < 0, output_tokens < 0 or parameters out of range.
RunCost run_cost(const PurchaseCost& purchase, const CostParameters& parameters, double wall_s, double energy_j,
                 int64_t output_tokens);

}  // namespace moecap::host
