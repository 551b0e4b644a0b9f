// Measures this machine for its catalog entry (`moecap probe`, and a run's first use of "this machine").
#include <chrono>
#include <ctime>

#include "app_command.hpp"
#include "moecap/ceilings/machine_ceilings.hpp"
#include "moecap/host/energy_meter.hpp"
#include "moecap/host/machine_info.hpp"
#include "moecap/kernels/cpu/compute_threads.hpp"

namespace moecap::app {

host::MachineMeasurement measure_this_machine(int threads, bool quick) {
  const host::MachineInfo info = host::read_machine_info();
  host::MachineMeasurement m;
  m.cpu_model = info.cpu_model;
  m.hostname = info.hostname;
  m.logical_cpus = info.logical_cpus;
  m.memory_bytes = static_cast<double>(info.memory_bytes);
  m.threads = threads > 0 ? threads : std::max(1, kernels::cpu::available_hardware_threads());

  ceilings::BandwidthProbeOptions options;
  if (quick) {
    options.bytes = size_t{256} << 20;
    options.passes = 3;
  }
  ceilings::BandwidthProbe probe(options);
  m.read_bandwidth_bytes_per_s = probe.read(m.threads).best;
  m.triad_bytes_per_s = probe.triad(m.threads).best;
  m.sgemm_flops_per_s = ceilings::measure_sgemm(m.threads, quick ? 1 : 3).flops_per_second;
  m.dgemm_flops_per_s = ceilings::measure_dgemm(m.threads, quick ? 1 : 2);

  const host::RaplReader rapl;
  m.rapl_readable = rapl.available();
  if (m.rapl_readable) m.rapl_zones = rapl.describe();

  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  m.measured_at = stamp;
  return m;
}

}  // namespace moecap::app
