// RAPL through the powercap sysfs tree (see energy_meter.hpp).
#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "moecap/host/energy_meter.hpp"

namespace moecap::host {
namespace {

bool read_u64(const std::filesystem::path& file, uint64_t& value) {
  std::ifstream in(file);
  return static_cast<bool>(in >> value);
}

std::string read_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

RaplReader::RaplReader(std::filesystem::path root) {
  std::error_code ec;
  std::vector<std::filesystem::path> candidates;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string leaf = entry.path().filename().string();
    if (!leaf.starts_with("intel-rapl:")) continue;
    // intel-rapl:N is a package (or psys); intel-rapl:N:M a sub-zone, kept only when it is DRAM (core and
    // uncore are already inside the package).
    const bool sub_zone = std::count(leaf.begin(), leaf.end(), ':') > 1;
    const std::string name = read_line(entry.path() / "name");
    if (name == "psys" || (sub_zone && name != "dram")) continue;
    candidates.push_back(entry.path());
  }
  std::sort(candidates.begin(), candidates.end());
  for (const auto& dir : candidates) {
    Zone zone;
    zone.energy_file = dir / "energy_uj";
    zone.name = read_line(dir / "name");
    uint64_t probe = 0;
    // energy_uj is root-only on kernels after CVE-2020-8694; an unreadable zone is simply not used.
    if (!read_u64(zone.energy_file, probe) || !read_u64(dir / "max_energy_range_uj", zone.max_range_uj)) continue;
    zones_.push_back(zone);
  }
}

std::string RaplReader::describe() const {
  std::string out;
  for (const Zone& zone : zones_) out += (out.empty() ? "" : ", ") + zone.name;
  return out;
}

RaplReader::Sample RaplReader::sample() const {
  Sample values(zones_.size());
  for (size_t i = 0; i < zones_.size(); ++i)
    if (!read_u64(zones_[i].energy_file, values[i]))
      throw std::runtime_error("RAPL: cannot read " + zones_[i].energy_file.string());
  return values;
}

double RaplReader::joules_between(const Sample& before, const Sample& after) const {
  if (before.size() != zones_.size() || after.size() != zones_.size())
    throw std::invalid_argument("RAPL: samples do not match the zones");
  double microjoules = 0;
  for (size_t i = 0; i < zones_.size(); ++i) {
    // The counter runs from 0 to max_energy_range_uj and starts again at 0 (one wrap at most between
    // samples: at a few hundred watts a 2^32 µJ range takes minutes, a 2^38 one days).
    const uint64_t delta = after[i] >= before[i] ? after[i] - before[i] : zones_[i].max_range_uj - before[i] + after[i];
    microjoules += static_cast<double>(delta);
  }
  return microjoules * 1e-6;
}

}  // namespace moecap::host
