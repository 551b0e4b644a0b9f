// Runs read back from a JSONL results file (sink-jsonl's format): each run's RUN record, its STEP and
// REQUEST records rebuilt into the structs the metrics are computed from, and the SUMMARY it was given.
// `moecap analyze` recomputes every metric from these.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "moecap/host/step_record.hpp"
#include "moecap/host/workload.hpp"

namespace moecap::host {

struct StoredRun {
  std::string run_id;
  nlohmann::json run;  ///< the RUN record
  std::vector<StepRecord> steps;
  std::vector<RequestRecord> requests;
  std::optional<nlohmann::json> summary;  ///< the SUMMARY record, when the run finished
};

/// Bad results input: "file:line: what; expected what".
class StoredRunsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Reads every run of a JSONL file in the order their RUN records appear. Records of an unknown type are
/// skipped (the schema only ever grows); a STEP/REQUEST/SUMMARY before its RUN, malformed JSON or a missing
/// or mistyped field is a StoredRunsError naming the line.
std::vector<StoredRun> read_stored_runs(const std::filesystem::path& file);

}  // namespace moecap::host
