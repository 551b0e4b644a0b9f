// The pipeline tables that say how a run is judged rather than what runs: [hardware] (what utilisation is
// divided by and what is priced), [cost] (amortisation and energy prices) and [report] (files made from
// all points together). They change no measurement, so they are read once per pipeline, cannot be swept,
// and stay out of the resolved config and its hash (re-pricing a run never changes its identity).
//
// Internal to core/src/pipeline.
#pragma once

#include <toml++/toml.h>

#include <string>

#include "moecap/host/pipeline.hpp"

namespace moecap::host::pipeline_internal {

HardwareSettings read_hardware_settings(const toml::table* hardware, const std::string& file);
CostParameters read_cost_parameters(const toml::table* cost, const std::string& file);
ReportSettings read_report_settings(const toml::table* report, const std::string& file);

}  // namespace moecap::host::pipeline_internal
