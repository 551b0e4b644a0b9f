#include "moecap/host/machine_entry.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace moecap::host {
namespace {

std::string fixed(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", u);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// One line of comment text (no newlines can break the TOML).
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

MachinePricing machine_pricing(const MachineMeasurement& machine, const HardwareCatalog& catalog,
                               std::optional<double> price_usd, std::optional<double> tdp_w,
                               std::string_view reference_cpu) {
  MachinePricing pricing;
  if (price_usd && tdp_w) {
    pricing = {*price_usd, *tdp_w, "given to moecap probe (--price-usd)", "given to moecap probe (--tdp-w)"};
    return pricing;
  }
  const HardwareDevice* matched = machine.cpu_model.empty() ? nullptr : catalog.find(machine.cpu_model);
  if (matched != nullptr && matched->kind != DeviceKind::cpu) matched = nullptr;
  const HardwareDevice& basis = matched != nullptr ? *matched : catalog.at(reference_cpu);
  if (!basis.price_usd || !basis.tdp_w)
    throw std::out_of_range("hardware '" + basis.id + "' gives no price_usd or tdp_w to estimate this machine's from");
  double share = 1;
  std::string how = matched != nullptr ? "the catalog entry matching this CPU, '" + basis.id + "'"
                                       : "estimate: the reference server CPU '" + basis.id + "' (this CPU, '" +
                                             machine.cpu_model + "', is not in the catalog)";
  if (basis.hardware_threads && machine.logical_cpus > 0 && machine.logical_cpus < *basis.hardware_threads) {
    share = static_cast<double>(machine.logical_cpus) / *basis.hardware_threads;
    how += ", pro-rated by hardware threads " + std::to_string(machine.logical_cpus) + "/" +
           std::to_string(*basis.hardware_threads);
  }
  pricing.price_usd = price_usd.value_or(*basis.price_usd * share);
  pricing.tdp_w = tdp_w.value_or(*basis.tdp_w * share);
  pricing.price_source = price_usd ? "given to moecap probe (--price-usd)" : how;
  pricing.tdp_source = tdp_w ? "given to moecap probe (--tdp-w)" : how;
  return pricing;
}

std::string machine_catalog_entry(const MachineMeasurement& m, const MachinePricing& pricing) {
  std::ostringstream out;
  out << "# This machine, as measured by `moecap probe` (" << kMachineProbeMethod << ") on " << one_line(m.measured_at)
      << " (host " << one_line(m.hostname) << ").\n"
      << "# Bandwidth and peaks are ceilings measured in one process at " << m.threads
      << " thread(s): re-run `moecap probe` after a hardware change.\n"
      << "# Energy counters (RAPL): "
      << (m.rapl_readable ? "readable (" + one_line(m.rapl_zones) + "): runs measure energy"
                          : "not readable: runs estimate energy from tdp_w")
      << ".\n";
  out << "id = " << quoted(kThisMachineId) << "\n";
  out << "name = " << quoted(m.cpu_model.empty() ? "this machine" : m.cpu_model) << "\n";
  out << "kind = \"cpu\"\n";
  out << "threads = " << std::max(1, m.logical_cpus) << "  # logical CPUs online\n";
  out << "memory_gb = " << fixed(m.memory_bytes / 1e9, 3) << "  # MemTotal\n";
  out << "memory_bandwidth_gb_s = " << fixed(m.read_bandwidth_bytes_per_s / 1e9, 3)
      << "  # measured: multi-stream read, best pass (STREAM triad " << fixed(m.triad_bytes_per_s / 1e9, 2)
      << " GB/s)\n";
  out << "tdp_w = " << fixed(pricing.tdp_w, 3) << "  # " << one_line(pricing.tdp_source) << "\n";
  out << "price_usd = " << fixed(pricing.price_usd, 2) << "  # " << one_line(pricing.price_source) << "\n";
  out << "\n[dense_peak_tflops]\n";
  out << "fp32 = " << fixed(m.sgemm_flops_per_s / 1e12, 6) << "  # measured: OpenBLAS sgemm, best shape and pass\n";
  if (m.dgemm_flops_per_s > 0)
    out << "fp64 = " << fixed(m.dgemm_flops_per_s / 1e12, 6) << "  # measured: OpenBLAS dgemm 1536^3\n";
  return out.str();
}

std::filesystem::path default_machine_entry_path() {
  if (const char* file = std::getenv("MOECAP_MACHINE_FILE"); file != nullptr && *file != '\0') return file;
  if (const char* data = std::getenv("XDG_DATA_HOME"); data != nullptr && *data != '\0')
    return std::filesystem::path(data) / "moecap" / "this-machine.toml";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".local" / "share" / "moecap" / "this-machine.toml";
  return "this-machine.toml";
}

}  // namespace moecap::host
