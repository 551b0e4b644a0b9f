// Energy of a run or a phase: measured where the machine exposes counters, otherwise estimated, and always
// saying which (DESIGN.md §5 "Cost"; moe-cap-method.md §7.3 weakness 4: MoE-CAP's code only ever multiplies
// TDP by wall time).
//
//   RAPL  /sys/class/powercap/intel-rapl:N/energy_uj (packages) and their "dram" sub-zones, cumulative
//         microjoules that wrap at max_energy_range_uj. Also how AMD Zen exposes package energy. A "psys"
//         zone (whole platform) is skipped: it would count the packages twice.
//   NVML  nvmlDeviceGetTotalEnergyConsumption (millijoules since driver load, Volta and newer), through
//         dlopen("libnvidia-ml.so.1") so moecap neither links nor requires the NVIDIA driver.
//   estimate  TDP × utilisation × wall time, when neither counter can be read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace moecap::host {

enum class EnergySource { measured, estimated };
const char* energy_source_name(EnergySource source);  ///< "measured" / "estimated"

struct EnergyReading {
  double joules = 0;
  EnergySource source = EnergySource::estimated;
  std::string detail;  ///< what was read, e.g. "rapl: package-0, dram; nvml: 2 GPUs" or "TDP 450 W × 0.8"
};

/// RAPL counters under a powercap root (a fake tree in tests).
class RaplReader {
 public:
  explicit RaplReader(std::filesystem::path powercap_root = "/sys/class/powercap");
  bool available() const { return !zones_.empty(); }
  std::string describe() const;  ///< "package-0, dram, …"

  using Sample = std::vector<uint64_t>;  ///< microjoules per zone, in zone order
  Sample sample() const;                 ///< throws std::runtime_error when a counter stops being readable
  /// Joules between two samples, each zone's wrap-around undone with its max_energy_range_uj.
  double joules_between(const Sample& before, const Sample& after) const;

 private:
  struct Zone {
    std::filesystem::path energy_file;
    uint64_t max_range_uj = 0;
    std::string name;
  };
  std::vector<Zone> zones_;
};

/// NVML energy counters of every visible NVIDIA GPU; unavailable without the driver library or on GPUs
/// that lack the counter.
class NvmlReader {
 public:
  NvmlReader();
  ~NvmlReader();
  NvmlReader(const NvmlReader&) = delete;
  NvmlReader& operator=(const NvmlReader&) = delete;
  bool available() const;
  int device_count() const;

  using Sample = std::vector<uint64_t>;  ///< millijoules per GPU
  Sample sample() const;
  double joules_between(const Sample& before, const Sample& after) const;

 private:
  struct Library;
  std::unique_ptr<Library> library_;
};

/// Start/stop energy of a phase. The caller passes the wall time it measured (so the meter holds no clock)
/// and, for the estimate, the system's TDP (system_tdp_w in system_cost.hpp) and its utilisation.
class EnergyMeter {
 public:
  struct Options {
    std::filesystem::path powercap_root = "/sys/class/powercap";
    bool use_nvml = true;
    double estimate_tdp_w = 0;  ///< used only when nothing can be measured
    bool use_rapl = true;       ///< false: RAPL is not read even where readable (another system is judged)
  };
  explicit EnergyMeter(Options options);
  EnergyMeter() : EnergyMeter(Options{}) {}
  ~EnergyMeter();

  bool measures() const;  ///< a counter (RAPL or NVML) is readable
  void start();
  /// Energy since start(). Measured when a counter is readable (utilisation unused), otherwise
  /// estimate_tdp_w × utilisation × wall_s. Throws std::logic_error without a start().
  EnergyReading stop(double wall_s, double utilisation = 1.0);

 private:
  Options options_;
  RaplReader rapl_;
  std::unique_ptr<NvmlReader> nvml_;
  RaplReader::Sample rapl_start_;
  NvmlReader::Sample nvml_start_;
  bool started_ = false;
};

}  // namespace moecap::host
