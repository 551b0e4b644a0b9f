// The CAP metric engine: pure functions from StepRecords (and request timelines) to metrics.
//
//   model_accounting.hpp     parameters, bytes, KV and FLOPs of a canonical model description
//   hardware_peaks.hpp       the bandwidth and dense FLOP/s ceilings a ratio divides by
//   step_utilisation.hpp     S-MBU, S-MBU-full, S-MFU, MBU, MFU of one step
//   run_utilisation.hpp      pooled (Σ/Σ) and mean-of-steps ratios per phase
//   expert_statistics.hpp    activated experts per layer and per-expert load
//   request_metrics.hpp      TTFT, TPOT, ITL, E2E, throughputs, percentiles
//   routing_expectation.hpp  E·(1 − (1 − k/E)^B)
//   moecap_code_compat.hpp   the MoE-CAP code's S-MBU/S-MFU, labelled, for comparison
#pragma once

#include "moecap/host/expert_statistics.hpp"
#include "moecap/host/hardware_peaks.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/moecap_code_compat.hpp"
#include "moecap/host/request_metrics.hpp"
#include "moecap/host/routing_expectation.hpp"
#include "moecap/host/run_utilisation.hpp"
#include "moecap/host/step_utilisation.hpp"
