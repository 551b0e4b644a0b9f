// The reference backend against transformers itself: each tests/golden/<family> checkpoint is opened by the
// hf model plugin and run here; logits must match transformers' f32 forward to within its own f32 rounding
// and the routed experts must be the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "moecap/host/host_services.hpp"
#include "plugin_harness.hpp"
#include "support/direct_plugin.hpp"

namespace moecap::test {
namespace {

const moecap_model_i& hf_table(void** context) {
  static DirectPlugin plugin(MOECAP_TEST_HF_MODEL_PATH);
  return plugin.table<moecap_model_i>(MOECAP_KIND_MODEL, context);
}

/// A checkpoint opened by the hf plugin, served to the backend through a weight source.
class HfModel {
 public:
  explicit HfModel(const std::string& directory) : config_("path = \"" + directory + "\"\n", "golden.toml") {
    void* context = nullptr;
    const moecap_model_i& table = hf_table(&context);
    moecap_error* error = table.open(context, config_.get(), &model_);
    if (error != nullptr) throw std::runtime_error("hf open: " + host::error_message(error));
    source_.struct_size = sizeof source_;
    source_.abi_minor = MOECAP_ABI_MINOR;
    source_.context = model_;
    source_.count = [](void* m) { return hf_table(nullptr).weight_count(static_cast<moecap_model*>(m)); };
    source_.at = [](void* m, int64_t i, moecap_tensor_view* out) {
      return hf_table(nullptr).weight_at(static_cast<moecap_model*>(m), i, out);
    };
    source_.find = [](void* m, const char* name, moecap_tensor_view* out) {
      return hf_table(nullptr).weight_find(static_cast<moecap_model*>(m), name, out);
    };
  }
  ~HfModel() { hf_table(nullptr).close(model_); }
  const moecap_model_desc& desc() const { return *hf_table(nullptr).describe(model_); }
  const moecap_weight_source_i& source() const { return source_; }

 private:
  PluginConfig config_;
  moecap_model* model_ = nullptr;
  moecap_weight_source_i source_{};
};

class HfGoldenForward : public ::testing::TestWithParam<const char*> {};

TEST_P(HfGoldenForward, LogitsAndRoutingMatchTransformers) {
  const std::string directory = std::string(MOECAP_TEST_GOLDEN_DIR) + "/" + GetParam();
  std::ifstream file(directory + "/golden.json");
  ASSERT_TRUE(file) << directory;
  const nlohmann::json golden = nlohmann::json::parse(file);
  const double f32_error = golden.at("f32_vs_f64_max_relative_error").get<double>();

  const HfModel model(directory);
  const moecap_model_desc& d = model.desc();
  ReferenceSession session(model.desc(), model.source());
  int64_t seq_id = 0;
  double worst = 0;
  for (const nlohmann::json& sequence : golden.at("sequences")) {
    const auto tokens = sequence.at("input_ids").get<std::vector<int32_t>>();
    const StepOutput out = session.step({{seq_id++, 0, tokens, MOECAP_LOGITS_ALL}});
    ASSERT_EQ(out.status[0], MOECAP_OK);
    const auto vocab = static_cast<size_t>(d.vocab_size);
    double largest = 0, deviation = 0;
    for (size_t t = 0; t < tokens.size(); ++t) {
      const auto want = sequence.at("logits")[t].get<std::vector<double>>();
      for (size_t v = 0; v < vocab; ++v) {
        largest = std::max(largest, std::fabs(want[v]));
        deviation = std::max(deviation, std::fabs(out.logits[t * vocab + v] - want[v]));
      }
    }
    // Normwise, as the generator measured transformers' f32 run against its f64 run: the reference (double)
    // should sit where the f64 run does, so it may differ from the f32 logits by about that much, no more.
    worst = std::max(worst, deviation / largest);
    EXPECT_LE(deviation / largest, 1.5 * f32_error) << "sequence of " << tokens.size();

    for (int32_t layer = 0; layer < d.n_layers; ++layer) {
      const nlohmann::json& expected = sequence.at("expert_ids")[static_cast<size_t>(layer)];
      for (size_t t = 0; t < tokens.size(); ++t) {
        std::vector<int32_t> chosen;
        for (int32_t j = 0; j < session.topk_stride(); ++j) {
          const int32_t id = out.topk_ids[(t * static_cast<size_t>(d.n_layers) + static_cast<size_t>(layer)) *
                                              static_cast<size_t>(session.topk_stride()) +
                                          static_cast<size_t>(j)];
          if (id >= 0) chosen.push_back(id);
        }
        std::sort(chosen.begin(), chosen.end());
        const auto want = expected.is_null() ? std::vector<int32_t>{} : expected[t].get<std::vector<int32_t>>();
        EXPECT_EQ(chosen, want) << "layer " << layer << " position " << t;
      }
    }
  }
  std::printf(
      "[ golden   ] %s: max |reference - transformers| / max |transformers| = %.3g (transformers f32 vs f64: %.3g)\n",
      GetParam(), worst, f32_error);
}

INSTANTIATE_TEST_SUITE_P(Families, HfGoldenForward,
                         ::testing::Values("mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2", "deepseek_v3",
                                           "dbrx"));

}  // namespace
}  // namespace moecap::test
