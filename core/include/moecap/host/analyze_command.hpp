// `moecap analyze RESULTS.jsonl`: every metric of every run recomputed from its stored STEP and REQUEST
// records and its RUN record's model description — no plugin, no weights, no rerun — so figures can be
// checked (against the stored SUMMARY) and re-priced on another system or with other cost parameters.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <vector>

#include "moecap/host/pipeline.hpp"

namespace moecap::host {

struct AnalyzeOptions {
  std::filesystem::path results;
  /// Judge on this system instead of the recorded one (device empty = as recorded). Energy is then the
  /// system's TDP × step time (counters read on the machine that ran do not describe another system).
  HardwareSettings hardware;
  std::optional<double> lifetime_years;  ///< each overrides the recorded [cost] value
  std::optional<double> utilisation;
  std::optional<double> usd_per_kwh;
  std::optional<double> pue;
  std::vector<double> percentiles{50, 90, 99};
  std::filesystem::path catalog_dir;         ///< empty = default_hardware_catalog_dir()
  std::filesystem::path machine_entry_file;  ///< empty = default_machine_entry_path()
  bool json = false;                         ///< one recomputed SUMMARY per line instead of tables
};

/// Exit codes: 0 done (and, judged as recorded, every recomputed figure equals the stored one within
/// 1e-9 relative); 1 a recomputed figure differs from the stored one; 2 bad input (unreadable or malformed
/// results, a run recorded without its model description, unknown hardware).
int analyze_results_command(const AnalyzeOptions& options, std::ostream& out);

}  // namespace moecap::host
