// Phase energy: measured counters first, the TDP estimate otherwise (see energy_meter.hpp).
#include "moecap/host/energy_meter.hpp"

#include <sstream>
#include <stdexcept>

namespace moecap::host {

const char* energy_source_name(EnergySource source) {
  return source == EnergySource::measured ? "measured" : "estimated";
}

EnergyMeter::EnergyMeter(Options options)
    : options_(std::move(options)), rapl_(options_.use_rapl ? options_.powercap_root : std::filesystem::path()) {
  if (options_.use_nvml) nvml_ = std::make_unique<NvmlReader>();
}

EnergyMeter::~EnergyMeter() = default;

bool EnergyMeter::measures() const {
  return rapl_.available() || (nvml_ && nvml_->available());
}

void EnergyMeter::start() {
  if (rapl_.available()) rapl_start_ = rapl_.sample();
  if (nvml_ && nvml_->available()) nvml_start_ = nvml_->sample();
  started_ = true;
}

EnergyReading EnergyMeter::stop(double wall_s, double utilisation) {
  if (!started_) throw std::logic_error("EnergyMeter::stop without start");
  started_ = false;
  EnergyReading reading;
  if (measures()) {
    reading.source = EnergySource::measured;
    std::string detail;
    if (rapl_.available()) {
      reading.joules += rapl_.joules_between(rapl_start_, rapl_.sample());
      detail = "rapl: " + rapl_.describe();
    }
    if (nvml_ && nvml_->available()) {
      reading.joules += nvml_->joules_between(nvml_start_, nvml_->sample());
      detail +=
          (detail.empty() ? "" : "; ") + std::string("nvml: ") + std::to_string(nvml_->device_count()) + " GPU(s)";
    }
    reading.detail = detail;
    return reading;
  }
  if (!(wall_s >= 0) || !(utilisation >= 0 && utilisation <= 1))
    throw std::invalid_argument("energy estimate: need wall_s >= 0 and utilisation in [0, 1]");
  reading.source = EnergySource::estimated;
  reading.joules = options_.estimate_tdp_w * utilisation * wall_s;
  std::ostringstream detail;
  detail << "TDP " << options_.estimate_tdp_w << " W x utilisation " << utilisation;
  reading.detail = detail.str();
  return reading;
}

}  // namespace moecap::host
