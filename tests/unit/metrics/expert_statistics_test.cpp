// Activated experts per layer and per-expert load over a run.
#include "moecap/host/expert_statistics.hpp"

#include <gtest/gtest.h>

#include "model_presets.hpp"
#include "step_trace.hpp"

namespace moecap::host {
namespace {

TEST(ExpertStatistics, PerLayerMeansAndLoadSkipDenseLayers) {
  test::ModelPreset preset("two-layer", 10, 4, 2, false);
  preset.gqa(1, 1, 4);
  preset.layers(preset.dense(8), 1);
  preset.layers(preset.moe(4, 2, 8), 1);
  const ModelAccounting model(preset.desc());

  StepRecord first = test::make_step({3}, {3}, 0.1, 2, 4);  // prefill: 3 tokens × top-2
  first.expert_tokens = {9, 9, 9, 9, /*layer 1*/ 3, 2, 1, 0};
  StepRecord second = test::make_step({4}, {1}, 0.1, 2, 4);  // decode
  second.expert_tokens = {0, 0, 0, 0, /*layer 1*/ 0, 1, 0, 1};
  const std::vector<StepRecord> steps{first, second};

  const ExpertStatistics all = expert_statistics(steps, model);
  EXPECT_EQ(all.steps, 2);
  EXPECT_FALSE(all.moe_layer[0]);
  EXPECT_DOUBLE_EQ(all.mean_activated_per_layer[0], 0);    // dense row ignored
  EXPECT_DOUBLE_EQ(all.mean_activated_per_layer[1], 2.5);  // (3 + 2) / 2
  EXPECT_DOUBLE_EQ(all.mean_activated_per_moe_layer_step, 2.5);
  EXPECT_EQ(all.expert_load(1, 0), 3);
  EXPECT_EQ(all.expert_load(1, 1), 3);
  EXPECT_EQ(all.expert_load(1, 3), 1);
  EXPECT_EQ(all.expert_load(0, 0), 0);
  EXPECT_DOUBLE_EQ(all.load_imbalance(1), 3.0 * 4 / 8);  // max 3 over mean 2
  EXPECT_DOUBLE_EQ(all.load_imbalance(0), 0);

  const ExpertStatistics decode = expert_statistics(steps, model, StepMode::decode);
  EXPECT_EQ(decode.steps, 1);
  EXPECT_DOUBLE_EQ(decode.mean_activated_per_layer[1], 2);
}

}  // namespace
}  // namespace moecap::host
