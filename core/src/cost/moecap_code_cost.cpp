// MoE-CAP cost_utils.py, constant for constant (see moecap_code_cost.hpp).
#include "moecap/host/moecap_code_cost.hpp"

#include <stdexcept>

namespace moecap::host {
namespace {

constexpr double kCpuCostUsd = 7214;     // CPU_COST
constexpr double kCpuTdpW = 350;         // CPU_TDP
constexpr double kUsdPerKwh = 0.15;      // ENERGY_COST
constexpr double kEnergyFactor = 1.2;    // named "capital" in their code, applied to energy
constexpr double kCapitalFactor = 1.25;  // named "other" in their code, applied to capital

}  // namespace

MoecapCodeCost moecap_code_cost(double gpu_price_usd, double gpu_tdp_w, int gpu_count, double wall_s) {
  if (gpu_count < 0 || wall_s < 0) throw std::invalid_argument("MoE-CAP cost: count and wall time must be >= 0");
  MoecapCodeCost c;
  c.capital_usd = gpu_price_usd * gpu_count + kCpuCostUsd;
  c.energy_usd = (gpu_tdp_w * gpu_count + kCpuTdpW) / 1000 * kUsdPerKwh * wall_s / 3600;
  c.cost_usd = kEnergyFactor * c.energy_usd + kCapitalFactor * c.capital_usd;
  return c;
}

MoecapCodeCost moecap_code_cost(const HardwareDevice& gpu, int gpu_count, double wall_s) {
  if (!gpu.price_usd || !gpu.tdp_w)
    throw std::invalid_argument("MoE-CAP cost: hardware '" + gpu.id + "' needs price_usd and tdp_w");
  return moecap_code_cost(*gpu.price_usd, *gpu.tdp_w, gpu_count, wall_s);
}

}  // namespace moecap::host
