// The records a run sends to its sinks: RUN (what ran, where), STEP, REQUEST and SUMMARY.
//
// Field names are snake_case with the unit in the field's unit slot; they are the schema `moecap analyze`
// and every sink rely on, so fields are only ever added.
#pragma once

#include <string>
#include <vector>

#include "moecap/host/cap_judgement.hpp"
#include "moecap/host/machine_info.hpp"
#include "moecap/host/model_accounting.hpp"
#include "moecap/host/pipeline.hpp"
#include "moecap/host/radar_svg.hpp"
#include "moecap/host/record_builder.hpp"
#include "moecap/host/request_metrics.hpp"
#include "moecap/host/step_record.hpp"
#include "moecap/host/workload.hpp"

namespace moecap::host {

/// What a run point is, beyond the pipeline: the plugins and session as they turned out.
struct RunContext {
  const Pipeline* pipeline = nullptr;
  const RunPoint* point = nullptr;
  std::string run_id;          ///< "<pipeline name>/<point id>"
  std::string model_plugin;    ///< "name version"
  std::string backend_plugin;  ///< "name version"
  std::string device;          ///< backend device 0's name and description
  const moecap_model_desc* model = nullptr;
  const ModelAccounting* accounting = nullptr;
  moecap_session_info session{};
  MachineInfo machine;
  const CapJudgement* cap = nullptr;  ///< null: no system to judge by (ratios and cost left out)
};

const char* dtype_name(int32_t dtype);

RecordBuilder make_run_record(const RunContext& context);
RecordBuilder make_step_record(const RunContext& context, int64_t repetition, const StepRecord& step);
RecordBuilder make_request_record(const RunContext& context, int64_t repetition, const RequestRecord& request);
/// radar_point, when given, receives the point's place on the CAP radar: mean TPOT, $ per 1M output tokens
/// (NaN without a CapJudgement) and accuracy (NaN: no task measured one).
RecordBuilder make_summary_record(const RunContext& context, const std::vector<StepRecord>& steps,
                                  const std::vector<RequestRecord>& requests, CapPoint* radar_point = nullptr);

}  // namespace moecap::host
