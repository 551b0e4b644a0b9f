// Energy of a run split by phase (prefill / decode / mixed), step by step.
//
// Each recorded step is charged power × its latency. Power is the average the counters (RAPL, NVML) read
// over the interval since the previous step, so warm-up steps, sink writes and the gaps between
// repetitions are never charged to a phase; where nothing can be read it is the system's TDP (the
// estimate: a backend keeps its devices busy while it steps). Every reading says which it is.
#pragma once

#include <string>

#include "moecap/host/energy_meter.hpp"
#include "moecap/host/step_record.hpp"

namespace moecap::host {

/// Energy of a run's recorded steps by phase, and how it was obtained.
struct PhaseEnergyTotals {
  double joules[3] = {0, 0, 0};  ///< indexed by StepMode
  EnergySource source = EnergySource::estimated;
  std::string detail;
  double of(StepMode mode) const { return joules[static_cast<int>(mode)]; }
  double total() const { return joules[0] + joules[1] + joules[2]; }
};

class PhaseEnergy {
 public:
  /// use_counters = false forces the TDP estimate (the system judged is not the machine that ran).
  PhaseEnergy(EnergyMeter::Options options, bool use_counters);

  void begin(double now_s);  ///< before the first step
  /// After each recorded step: now_s is read after the step returned, latency_s is the step's own time.
  void add_step(StepMode mode, double latency_s, double now_s);

  double joules(StepMode mode) const { return totals_.of(mode); }
  double total_joules() const { return totals_.total(); }
  EnergySource source() const { return totals_.source; }
  const std::string& detail() const { return totals_.detail; }
  const PhaseEnergyTotals& totals() const { return totals_; }

 private:
  EnergyMeter meter_;
  bool measuring_ = false;
  double tdp_w_ = 0;
  double last_s_ = 0;
  PhaseEnergyTotals totals_;
};

}  // namespace moecap::host
