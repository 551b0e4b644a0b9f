// The MoE-CAP code's "cost" figure (moe_cap/utils/cost_utils.py, moe-cap-method.md §7.2), so moecap results
// can be set beside published ones. Labelled: it is purchase price × 1.25 plus a TDP-based energy term,
// not a per-token cost (§7.3), and its "capital" and "energy" multipliers are swapped in their code.
#pragma once

#include "moecap/host/hardware_catalog.hpp"

namespace moecap::host {

struct MoecapCodeCost {
  double capital_usd = 0;  ///< gpu_price × N + 7,214 (their CPU_COST)
  double energy_usd = 0;   ///< (TDP × N + 350 W) / 1000 × 0.15 $/kWh × wall hours
  double cost_usd = 0;     ///< 1.2 × energy + 1.25 × capital
};

/// Throws std::invalid_argument for a negative count or wall time.
MoecapCodeCost moecap_code_cost(double gpu_price_usd, double gpu_tdp_w, int gpu_count, double wall_s);

/// From a catalog entry (its price_usd and tdp_w; std::invalid_argument when either is absent). The
/// catalog uses MoE-CAP's price where their table has one, so the figures agree on those devices.
MoecapCodeCost moecap_code_cost(const HardwareDevice& gpu, int gpu_count, double wall_s);

}  // namespace moecap::host
