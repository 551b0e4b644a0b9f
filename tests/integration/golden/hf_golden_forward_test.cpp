// Every CPU backend against transformers itself: each tests/golden/<family> checkpoint is opened by the hf model
// plugin and run by the backend through core's StepRunner (the host's proxies, as a run drives it). Logits
// must match transformers' f32 forward and each token must be routed to the experts transformers chose.
//
// Tolerances, normwise (max |backend − transformers| / max |transformers| over a sequence's logits, as the
// generator measured transformers' own f32 run against its f64 run):
//  - reference computes in double, so it should sit where transformers' f64 run does: within 1.5× the
//    recorded f32-vs-f64 difference (about 1e-6), no more;
//  - cpu computes in f32 with its own summation order and kernels: within 1e-4, the BE-NUM-01 bound.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "moecap/host/config_view.hpp"
#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/step_runner.hpp"

namespace moecap::test {
namespace {

/// The registry over the build's plugin folder only, so the plugins under test are the ones this build made.
host::PluginRegistry& registry() {
  static host::PluginRegistry instance(host::PluginSearchPaths::only({MOECAP_GOLDEN_PLUGIN_DIR}));
  return instance;
}

struct Case {
  const char* backend;
  const char* family;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.backend << " " << c.family;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  return std::string(info.param.backend) + "_" + info.param.family;
}

std::vector<Case> every_backend_and_family() {
  std::vector<Case> cases;
  for (const char* backend : {"reference", "cpu"})
    for (const char* family : {"mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2", "deepseek_v3", "dbrx"})
      cases.push_back({backend, family});
  return cases;
}

/// The checkpoint in directory opened by the hf plugin; the configuration lives as long as the model (a
/// plugin may keep pointers into it).
struct HfCheckpoint {
  explicit HfCheckpoint(const std::string& directory) {
    table.insert("path", directory);
    model = registry().model("hf").open(view.get());
  }
  toml::table table;
  host::ConfigView view{&table, "golden.toml", "model"};
  std::shared_ptr<const host::Model> model;
};

class HfGoldenForward : public testing::TestWithParam<Case> {};

TEST_P(HfGoldenForward, LogitsAndRoutingMatchTransformers) {
  const Case& c = GetParam();
  const std::string directory = std::string(MOECAP_GOLDEN_DIR) + "/" + c.family;
  std::ifstream file(directory + "/golden.json");
  ASSERT_TRUE(file) << directory;
  const nlohmann::json golden = nlohmann::json::parse(file);
  const double f32_error = golden.at("f32_vs_f64_max_relative_error").get<double>();
  const double tolerance = std::string(c.backend) == "reference" ? 1.5 * f32_error : 1e-4;

  const HfCheckpoint checkpoint(directory);
  host::StepRunner runner(registry().backend(c.backend), checkpoint.model);
  const moecap_model_desc& d = runner.describe();
  const auto vocab = static_cast<size_t>(d.vocab_size);
  int64_t seq_id = 0;
  double worst = 0;
  size_t routing_compared = 0, routing_identical = 0;
  for (const nlohmann::json& sequence : golden.at("sequences")) {
    // Each sequence alone, from position 0, as transformers ran it (batch 1, no padding, no cache).
    const auto tokens = sequence.at("input_ids").get<std::vector<int32_t>>();
    const host::StepOutput out = runner.step({{seq_id++, tokens, MOECAP_LOGITS_ALL}});
    ASSERT_EQ(out.status[0], MOECAP_OK);
    double largest = 0, deviation = 0;
    for (size_t t = 0; t < tokens.size(); ++t) {
      const auto want = sequence.at("logits")[t].get<std::vector<double>>();
      for (size_t v = 0; v < vocab; ++v) {
        largest = std::max(largest, std::fabs(want[v]));
        deviation = std::max(deviation, std::fabs(out.logits[t * vocab + v] - want[v]));
      }
    }
    worst = std::max(worst, deviation / largest);
    EXPECT_LE(deviation / largest, tolerance) << "sequence of " << tokens.size();

    for (int32_t layer = 0; layer < d.n_layers; ++layer) {
      const nlohmann::json& expected = sequence.at("expert_ids")[static_cast<size_t>(layer)];
      for (size_t t = 0; t < tokens.size(); ++t) {
        const auto want = expected.is_null() ? std::vector<int32_t>{} : expected[t].get<std::vector<int32_t>>();
        ++routing_compared;
        const std::vector<int32_t> chosen = runner.experts_of(out, t, layer);
        routing_identical += chosen == want;
        EXPECT_EQ(chosen, want) << "layer " << layer << " position " << t;
      }
    }
  }
  std::printf(
      "[ golden   ] %-9s %-11s max |backend - transformers| / max |transformers| = %.3g (tolerance %.3g; "
      "transformers f32 vs f64: %.3g); %zu/%zu routing choices identical\n",
      c.backend, c.family, worst, tolerance, f32_error, routing_identical, routing_compared);
}

INSTANTIATE_TEST_SUITE_P(Families, HfGoldenForward, testing::ValuesIn(every_backend_and_family()), case_name);

}  // namespace
}  // namespace moecap::test
