// Run-level pooling: Σ bytes / Σ time (primary) against the mean of per-step ratios, per phase.
#include "moecap/host/run_utilisation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "model_presets.hpp"
#include "step_trace.hpp"

namespace moecap::host {
namespace {

// One layer, 4 experts of (3·4·2 = 24 params), top-1, d 2, 1 head of 2: small enough to sum by hand.
std::unique_ptr<test::ModelPreset> tiny_moe() {
  auto p = std::make_unique<test::ModelPreset>("tiny", 10, 2, 1, false);
  p->gqa(1, 1, 2);
  p->layers(p->moe(4, 1, 4), 1);
  return p;
}

TEST(RunUtilisation, PooledWeighsStepsByTimeMeanOfStepsDoesNot) {
  const auto preset = tiny_moe();
  const ModelAccounting model(preset->desc(), {.weight_bytes_per_element = 1, .kv_bytes_per_element = 1});
  // attention 4·2·2 = 16; expert 24; KV per token 2·1·2·1 = 4.
  StepRecord fast = test::make_step({5}, {1}, 1.0, 1, 4);
  test::spread(fast, 0, 1, 1);  // 16 + 24 + 5·4 = 60 bytes in 1 s
  StepRecord slow = test::make_step({10}, {1}, 3.0, 1, 4);
  test::spread(slow, 0, 1, 1);  // 16 + 24 + 10·4 = 80 bytes in 3 s
  StepRecord prefill = test::make_step({2}, {2}, 0.5, 1, 4);
  test::spread(prefill, 0, 2, 2);  // 16 + 48 + 8 = 72 bytes in 0.5 s

  const HardwarePeaks peaks{100, 1000};
  std::vector<StepUtilisation> steps;
  for (const StepRecord* s : {&fast, &slow, &prefill}) steps.push_back(step_utilisation(*s, model, peaks));
  const RunUtilisation run = aggregate_utilisation(steps, peaks);

  EXPECT_EQ(run.decode.steps, 2);
  EXPECT_DOUBLE_EQ(run.decode.s_mbu_bytes, 140);
  EXPECT_DOUBLE_EQ(run.decode.seconds, 4);
  EXPECT_DOUBLE_EQ(run.decode.pooled.s_mbu, 140.0 / 4 / 100);                               // 0.35
  EXPECT_DOUBLE_EQ(run.decode.mean_of_steps.s_mbu, (60.0 / 1 / 100 + 80.0 / 3 / 100) / 2);  // 0.4333…
  EXPECT_DOUBLE_EQ(run.decode.tokens_per_s(), 0.5);
  EXPECT_DOUBLE_EQ(run.decode.mean_activated_experts, 1);

  EXPECT_EQ(run.prefill.steps, 1);
  EXPECT_DOUBLE_EQ(run.prefill.pooled.s_mbu, 72.0 / 0.5 / 100);
  EXPECT_DOUBLE_EQ(run.prefill.mean_activated_experts, 2);
  EXPECT_EQ(run.mixed.steps, 0);
  EXPECT_DOUBLE_EQ(run.mixed.pooled.s_mbu, 0);

  EXPECT_EQ(run.all.steps, 3);
  EXPECT_DOUBLE_EQ(run.all.pooled.s_mbu, (60.0 + 80 + 72) / 4.5 / 100);
  EXPECT_DOUBLE_EQ(&run.phase(StepMode::decode) == &run.decode, true);

  // FLOPs pool the same way: Σ FLOPs / Σ time / peak.
  const double decode_flops = steps[0].flops.sparse() + steps[1].flops.sparse();
  EXPECT_DOUBLE_EQ(run.decode.pooled.s_mfu, decode_flops / 4 / 1000);
  EXPECT_DOUBLE_EQ(run.decode.mean_of_steps.s_mfu, (steps[0].s_mfu + steps[1].s_mfu) / 2);
}

TEST(RunUtilisation, RejectsZeroPeaks) {
  EXPECT_THROW(aggregate_utilisation({}, HardwarePeaks{}), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
