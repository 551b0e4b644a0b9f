// `moecap describe` on the full-size presets: total and active parameters within 2% of the published figures,
// without materialising any weights.
#include <gtest/gtest.h>

#include <cmath>

#include "moecap/host/model_lookup.hpp"
#include "moecap/host/model_report.hpp"

namespace moecap::test {
namespace {

struct Published {
  const char* preset;
  double total_billions;
  double active_billions;
  /// DeepSeek publishes active parameters without the input embedding (a lookup reads one row); Mistral,
  /// Qwen, OLMoE and Databricks count it.
  bool deepseek_convention = false;
  /// DeepSeek-V2-Lite's "2.4B" is not a rounding of any consistent count: weight by weight it is 2.451B
  /// without the input embedding (2.14% above 2.4; the same count gives DeepSeek-V2's 21B and V3's 37B),
  /// 2.661B with it, 2.242B without either embedding or LM head. It is the first count truncated to one
  /// decimal, which is what this case checks instead of the 2% band (documented in configs/models/README.md).
  bool published_truncated = false;
};

class DescribeFullSize : public ::testing::TestWithParam<Published> {};

TEST_P(DescribeFullSize, ParameterCountsMatchThePublishedOnes) {
  const Published p = GetParam();
  host::PluginRegistry registry(host::PluginSearchPaths::only({MOECAP_TEST_PLUGIN_DIR}));
  const auto argument = host::resolve_model_argument(p.preset, {MOECAP_TEST_MODEL_PRESET_DIR});
  const auto model = host::open_model(registry, argument, {.weights = false});
  const auto report = host::model_report(*model, {});
  const double total = report["parameters"]["total"].get<double>() / 1e9;
  const double active =
      report["parameters"][p.deepseek_convention ? "active_excluding_embedding" : "active"].get<double>() / 1e9;
  EXPECT_NEAR(total, p.total_billions, 0.02 * p.total_billions) << p.preset;
  if (p.published_truncated) {
    EXPECT_DOUBLE_EQ(std::floor(active * 10) / 10, p.active_billions) << p.preset << " active " << active;
    EXPECT_NEAR(active, p.active_billions, 0.025 * p.active_billions) << p.preset;
  } else {
    EXPECT_NEAR(active, p.active_billions, 0.02 * p.active_billions) << p.preset;
  }
  EXPECT_GT(report["bytes"]["decode_step_per_token"].get<double>(), 0);
  EXPECT_GT(report["bytes"]["kv_per_token"].get<double>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Presets, DescribeFullSize,
                         ::testing::Values(Published{"mixtral-8x7b", 46.7, 12.9}, Published{"mixtral-8x22b", 141, 39},
                                           Published{"deepseek-v2-lite", 15.7, 2.4, true, true},
                                           Published{"deepseek-v2", 236, 21, true},
                                           Published{"qwen1.5-moe-a2.7b", 14.3, 2.7},
                                           Published{"qwen3-30b-a3b", 30.5, 3.3}, Published{"qwen3-235b-a22b", 235, 22},
                                           Published{"olmoe-1b-7b", 6.9, 1.3}, Published{"dbrx", 132, 36},
                                           Published{"deepseek-v3", 671, 37, true}),
                         [](const auto& info) {
                           std::string name = info.param.preset;
                           for (char& ch : name)
                             if (ch == '-' || ch == '.') ch = '_';
                           return name;
                         });

TEST(Describe, KvAndDecodeBytesOfMixtral8x7b) {
  host::PluginRegistry registry(host::PluginSearchPaths::only({MOECAP_TEST_PLUGIN_DIR}));
  const auto model = host::open_model(
      registry, host::resolve_model_argument("mixtral-8x7b", {MOECAP_TEST_MODEL_PRESET_DIR}), {.weights = false});
  const auto report = host::model_report(*model, {.weight_dtype = "bf16", .kv_dtype = "f32"});
  // 2 (k, v) x 32 layers x 8 kv heads x 128 = 65,536 elements (moe-cap-method.md §2.7), 4 bytes each.
  EXPECT_EQ(report["bytes"]["kv_elements_per_token"], 65536);
  EXPECT_EQ(report["bytes"]["kv_per_token"], 65536.0 * 4);
  // Active minus the embedding table plus one of its rows, at 2 bytes.
  const double active = report["parameters"]["active"].get<double>();
  EXPECT_EQ(report["bytes"]["decode_step_per_token"], 2 * (active - 32000.0 * 4096 + 4096));
}

}  // namespace
}  // namespace moecap::test
