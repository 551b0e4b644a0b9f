#include "moecap/host/phase_energy.hpp"

#include <sstream>

namespace moecap::host {

PhaseEnergy::PhaseEnergy(EnergyMeter::Options options, bool use_counters)
    : meter_([&] {
        options.use_rapl = options.use_rapl && use_counters;
        options.use_nvml = options.use_nvml && use_counters;
        return options;
      }()),
      measuring_(meter_.measures()),
      tdp_w_(options.estimate_tdp_w) {
  totals_.source = measuring_ ? EnergySource::measured : EnergySource::estimated;
  if (!measuring_) {
    std::ostringstream text;
    text << "estimated: system TDP " << tdp_w_ << " W x step time"
         << (use_counters ? " (no RAPL or NVML counter readable)" : " (the system judged is not this machine)");
    totals_.detail = text.str();
  }
}

void PhaseEnergy::begin(double now_s) {
  meter_.start();
  last_s_ = now_s;
}

void PhaseEnergy::add_step(StepMode mode, double latency_s, double now_s) {
  const double interval = now_s - last_s_;
  double power = tdp_w_;
  if (measuring_) {
    const EnergyReading reading = meter_.stop(interval);
    meter_.start();
    if (totals_.detail.empty())
      totals_.detail = "measured: " + reading.detail + ", average power of each step's interval";
    power = interval > 0 ? reading.joules / interval : 0;
  }
  last_s_ = now_s;
  totals_.joules[static_cast<int>(mode)] += power * latency_s;
}

}  // namespace moecap::host
