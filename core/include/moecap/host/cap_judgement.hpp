// How a run point is judged: the system its ratios divide by, its price and where its energy comes from.
// Built from the system a pipeline names ([hardware], run_system.hpp) for a run, and from the recorded
// figures or another system for `moecap analyze`.
#pragma once

#include <cstdint>
#include <string>

#include "moecap/host/hardware_catalog.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/phase_energy.hpp"
#include "moecap/host/run_system.hpp"
#include "moecap/host/system_cost.hpp"

namespace moecap::host {

/// How a run point is judged: the system its ratios divide by and its cost is priced on (run_system.hpp).
struct CapJudgement {
  std::string hardware;    ///< the system's label
  std::string peak_dtype;  ///< the catalog dtype S-MFU/MFU divide by ("fp32"); empty when none fits
  HardwarePeaks peaks;     ///< bandwidth_bytes_per_s 0 / flops_per_s 0 where the entry gives none
  PurchaseCost purchase;
  CostParameters cost;
  const HardwareDevice* gpu = nullptr;  ///< for the MoE-CAP code's cost figure (GPU systems only)
  int gpu_count = 0;
  const PhaseEnergyTotals* energy = nullptr;  ///< energy of the recorded steps; null = not metered
};

/// DRAM a run keeps in use: every weight, and the KV cache of a full batch at its longest context.
double run_host_memory_bytes(const ModelAccounting& accounting, int64_t batch_size, int64_t prompt_tokens,
                             int64_t output_tokens);

/// Judges on `system`: the peaks of compute_dtype (MOECAP_DTYPE_*; the system's [hardware] compute_dtype
/// wins), the purchase with the DRAM the run kept, the MoE-CAP code's GPU figure where it applies. A
/// missing peak is 0 and logged once. energy is left null.
CapJudgement judge_on_system(const RunSystem& system, int32_t compute_dtype, double host_memory_bytes,
                             const CostParameters& cost);

}  // namespace moecap::host
