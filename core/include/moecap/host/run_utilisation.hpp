// Utilisation of a whole run, per phase, two ways.
//
// Primary (DESIGN.md §5; moe-cap-method.md §13.4): pooled = Σ bytes / Σ latency / peak, the paper's
// continuous-batching form, where a long step weighs by its time. Beside it: the arithmetic mean of the
// per-step ratios, which is what MoE-CAP's code reports (§4.7, departure P4). Prefill, decode and mixed
// steps are kept apart (a mixed step's time is never split); `all` pools every step.
#pragma once

#include <cstdint>
#include <span>

#include "moecap/host/hardware_peaks.hpp"
#include "moecap/host/step_utilisation.hpp"

namespace moecap::host {

struct UtilisationRatios {
  double s_mbu = 0;
  double s_mbu_full = 0;
  double mbu = 0;
  double s_mfu = 0;
  double mfu = 0;
};

struct PhaseUtilisation {
  int64_t steps = 0;
  int64_t tokens = 0;
  double seconds = 0;      ///< Σ latency
  double s_mbu_bytes = 0;  ///< Σ (S_activated + S_KV)
  double s_mbu_full_bytes = 0;
  double mbu_bytes = 0;
  double sparse_flops = 0;  ///< Σ S-MFU numerators
  double dense_flops = 0;
  double mean_activated_experts = 0;  ///< mean over the phase's steps of the per-step mean union
  bool attention_exact = true;        ///< false when any step's attention FLOPs were approximated
  UtilisationRatios pooled;           ///< Σ numerator / Σ latency / peak (primary)
  UtilisationRatios mean_of_steps;    ///< mean over steps of the per-step ratios (MoE-CAP code)
  double tokens_per_s() const { return seconds > 0 ? static_cast<double>(tokens) / seconds : 0; }
};

struct RunUtilisation {
  PhaseUtilisation prefill;
  PhaseUtilisation decode;
  PhaseUtilisation mixed;
  PhaseUtilisation all;
  const PhaseUtilisation& phase(StepMode mode) const;
};

/// Pools steps computed with step_utilisation() under the same peaks. A phase without steps is all zero.
RunUtilisation aggregate_utilisation(std::span<const StepUtilisation> steps, const HardwarePeaks& peaks);

}  // namespace moecap::host
