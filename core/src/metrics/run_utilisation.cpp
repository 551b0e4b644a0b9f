// Run-level utilisation per phase (see run_utilisation.hpp).
#include "moecap/host/run_utilisation.hpp"

#include <stdexcept>

namespace moecap::host {
namespace {

void add_step(PhaseUtilisation& phase, const StepUtilisation& step) {
  ++phase.steps;
  phase.tokens += step.n_tokens;
  phase.seconds += step.latency_s;
  phase.s_mbu_bytes += step.bytes.s_mbu_numerator();
  phase.s_mbu_full_bytes += step.bytes.s_mbu_full_numerator();
  phase.mbu_bytes += step.bytes.mbu_numerator();
  phase.sparse_flops += step.flops.sparse();
  phase.dense_flops += step.flops.dense();
  phase.attention_exact = phase.attention_exact && step.flops.attention_exact;
  // Sums for now; finish() divides by the step count.
  phase.mean_activated_experts += step.mean_activated_experts;
  phase.mean_of_steps.s_mbu += step.s_mbu;
  phase.mean_of_steps.s_mbu_full += step.s_mbu_full;
  phase.mean_of_steps.mbu += step.mbu;
  phase.mean_of_steps.s_mfu += step.s_mfu;
  phase.mean_of_steps.mfu += step.mfu;
}

void finish(PhaseUtilisation& phase, const HardwarePeaks& peaks) {
  if (phase.steps == 0) return;
  const auto n = static_cast<double>(phase.steps);
  phase.mean_activated_experts /= n;
  phase.mean_of_steps.s_mbu /= n;
  phase.mean_of_steps.s_mbu_full /= n;
  phase.mean_of_steps.mbu /= n;
  phase.mean_of_steps.s_mfu /= n;
  phase.mean_of_steps.mfu /= n;
  const double bytes_at_peak = peaks.bandwidth_bytes_per_s * phase.seconds;
  const double flops_at_peak = peaks.flops_per_s * phase.seconds;
  phase.pooled.s_mbu = phase.s_mbu_bytes / bytes_at_peak;
  phase.pooled.s_mbu_full = phase.s_mbu_full_bytes / bytes_at_peak;
  phase.pooled.mbu = phase.mbu_bytes / bytes_at_peak;
  phase.pooled.s_mfu = phase.sparse_flops / flops_at_peak;
  phase.pooled.mfu = phase.dense_flops / flops_at_peak;
}

}  // namespace

const PhaseUtilisation& RunUtilisation::phase(StepMode mode) const {
  switch (mode) {
    case StepMode::prefill:
      return prefill;
    case StepMode::decode:
      return decode;
    case StepMode::mixed:
      return mixed;
  }
  return all;
}

RunUtilisation aggregate_utilisation(std::span<const StepUtilisation> steps, const HardwarePeaks& peaks) {
  if (!(peaks.bandwidth_bytes_per_s > 0) || !(peaks.flops_per_s > 0)) {
    throw std::invalid_argument("aggregate_utilisation: hardware peaks must be > 0");
  }
  RunUtilisation run;
  for (const StepUtilisation& step : steps) {
    switch (step.mode) {
      case StepMode::prefill:
        add_step(run.prefill, step);
        break;
      case StepMode::decode:
        add_step(run.decode, step);
        break;
      case StepMode::mixed:
        add_step(run.mixed, step);
        break;
    }
    add_step(run.all, step);
  }
  finish(run.prefill, peaks);
  finish(run.decode, peaks);
  finish(run.mixed, peaks);
  finish(run.all, peaks);
  return run;
}

}  // namespace moecap::host
