// Purchase and running cost (see system_cost.hpp).
#include "moecap/host/system_cost.hpp"

#include <stdexcept>

namespace moecap::host {
namespace {

constexpr double kSecondsPerYear = 365.25 * 24 * 3600;
constexpr double kJoulesPerKwh = 3.6e6;

double price_of(const HardwareDevice& device) {
  if (!device.price_usd) throw std::invalid_argument("hardware '" + device.id + "' has no price_usd");
  return *device.price_usd;
}

void check_counts(const SystemSpec& s) {
  if (s.device_count < 0 || s.cpu_count < 0 || s.ssd_count < 0 || s.host_memory_bytes < 0)
    throw std::invalid_argument("system: counts and host memory must be >= 0");
}

}  // namespace

PurchaseCost purchase_cost(const HardwareCatalog& catalog, const SystemSpec& s) {
  check_counts(s);
  PurchaseCost cost;
  if (!s.device_id.empty() && s.device_count > 0) cost.devices = s.device_count * price_of(catalog.at(s.device_id));
  if (!s.cpu_id.empty() && s.cpu_count > 0) cost.cpus = s.cpu_count * price_of(catalog.at(s.cpu_id));
  if (s.host_memory_bytes > 0) {
    const HardwareDevice& dram = catalog.at(s.dram_id);
    if (!dram.price_usd_per_gb) throw std::invalid_argument("hardware '" + dram.id + "' has no price_usd_per_gb");
    cost.dram = s.host_memory_bytes / 1e9 * *dram.price_usd_per_gb;
  }
  if (s.disk_offload && s.ssd_count > 0) cost.ssd = s.ssd_count * price_of(catalog.at(s.ssd_id));
  return cost;
}

double system_tdp_w(const HardwareCatalog& catalog, const SystemSpec& s) {
  check_counts(s);
  double watts = 0;
  if (!s.device_id.empty()) watts += s.device_count * catalog.at(s.device_id).tdp_w.value_or(0);
  if (!s.cpu_id.empty()) watts += s.cpu_count * catalog.at(s.cpu_id).tdp_w.value_or(0);
  if (s.host_memory_bytes > 0) watts += s.host_memory_bytes / 1e9 * catalog.at(s.dram_id).power_w_per_gb.value_or(0);
  if (s.disk_offload) watts += s.ssd_count * catalog.at(s.ssd_id).tdp_w.value_or(0);
  return watts;
}

RunCost run_cost(const PurchaseCost& purchase, const CostParameters& p, double wall_s, double energy_j,
                 int64_t output_tokens) {
  if (!(wall_s > 0)) throw std::invalid_argument("cost: wall time must be > 0 s");
  if (!(energy_j >= 0)) throw std::invalid_argument("cost: energy must be >= 0 J");
  if (output_tokens < 0) throw std::invalid_argument("cost: output tokens must be >= 0");
  if (!(p.lifetime_years > 0) || !(p.utilisation > 0 && p.utilisation <= 1) || !(p.usd_per_kwh >= 0) || !(p.pue >= 1))
    throw std::invalid_argument("cost: need lifetime_years > 0, utilisation in (0, 1], usd_per_kwh >= 0, pue >= 1");
  RunCost cost;
  // Straight-line depreciation: a run is charged its share of the hours the system does paid work.
  cost.capex_usd = purchase.total() / (p.lifetime_years * kSecondsPerYear * p.utilisation) * wall_s;
  cost.energy_usd = energy_j / kJoulesPerKwh * p.usd_per_kwh * p.pue;
  cost.usd_per_hour = cost.total_usd() / wall_s * 3600;
  if (output_tokens > 0)
    cost.usd_per_million_output_tokens = cost.total_usd() / static_cast<double>(output_tokens) * 1e6;
  return cost;
}

}  // namespace moecap::host
