// Every scaled-down preset in configs/models opens with the synthetic model and runs a step on the reference
// backend. Full-size presets (hidden size above 1024) hold tens to hundreds of GB of weights: `moecap
// describe` covers them.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <toml++/toml.h>

#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

TEST(ModelPresets, EachOpensAndRuns) {
  size_t presets = 0;
  for (const auto& entry : std::filesystem::directory_iterator(MOECAP_TEST_MODEL_PRESET_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    if (toml::parse_file(entry.path().string())["hidden_size"].value_or(int64_t{0}) > 1024) continue;
    ++presets;
    SCOPED_TRACE(entry.path().filename().string());
    SyntheticModel model(PluginConfig::from_preset(entry.path().string(), 0, "bf16"));
    ReferenceSession session(model);
    const StepOutput out = session.step({{1, 0, {1, 2, 3}, MOECAP_LOGITS_LAST}});
    ASSERT_EQ(out.status[0], MOECAP_OK);
    double largest = 0;
    for (float v : out.logits) {
      ASSERT_TRUE(std::isfinite(v));
      largest = std::max(largest, std::fabs(double{v}));
    }
    EXPECT_GT(largest, 0.0);
  }
  EXPECT_GE(presets, 5u);
}

}  // namespace
}  // namespace moecap::test
