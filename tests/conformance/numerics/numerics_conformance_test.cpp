// Numerics conformance of backend-cpu against backend-reference (the scalar double oracle): the scaled-down
// model (<family>-tiny.toml) of every family in configs/models, f32, bf16 and f16 weights, through prefill, decode and
// mixed steps of several sequences of different lengths. Logits must agree to a relative error of 1e-4 (f32 weights) or
// 1e-2 (16-bit weights), and every token must go to the same experts.
//
// Relative error of a logits row: max_v |cpu − reference| / max_v |reference| (per row, so a logit near zero
// does not turn rounding noise into an infinite ratio); the test reports the largest over all rows.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "backend_pair.hpp"
#include "moecap/host/host_services.hpp"

namespace moecap::numerics {
namespace {

struct Case {
  std::string preset;  ///< file name under configs/models
  std::string dtype;   ///< synthetic storage dtype
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.preset << " " << c.dtype;
}

/// The scaled-down preset (`<family>-tiny.toml`) of every family configs/models has; the full-size presets
/// (mixtral-8x7b …) only tell which families exist. A family without a tiny preset yields a case that fails
/// and names it, so adding a family's preset without its miniature cannot pass silently.
std::vector<Case> every_preset_and_dtype() {
  std::set<std::string> families, tiny_presets;
  std::map<std::string, std::string> tiny_of_family;
  for (const auto& entry : std::filesystem::directory_iterator(MOECAP_NUMERICS_PRESET_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    const std::string file = entry.path().filename().string();
    std::string family;
    try {
      family = toml::parse_file(entry.path().string())["family"].value_or(std::string());
    } catch (const std::exception&) {
      family = "(unreadable " + file + ")";
    }
    families.insert(family);
    if (file.size() > 10 && file.ends_with("-tiny.toml")) tiny_of_family[family] = file;
  }
  std::vector<Case> cases;
  for (const std::string& family : families) {
    const auto tiny = tiny_of_family.find(family);
    if (tiny == tiny_of_family.end()) {
      cases.push_back({"", "missing-" + family});
      continue;
    }
    for (const char* dtype : {"f32", "bf16", "f16"}) cases.push_back({tiny->second, dtype});
  }
  return cases;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.preset.empty()
                         ? info.param.dtype
                         : info.param.preset.substr(0, info.param.preset.size() - 5) + "_" + info.param.dtype;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

std::vector<int32_t> tokens(int32_t count, int32_t vocab, uint32_t salt) {
  std::vector<int32_t> out;
  uint32_t state = 2463534242u + salt * 7919u;
  for (int32_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    out.push_back(static_cast<int32_t>((state >> 8) % static_cast<uint32_t>(vocab)));
  }
  return out;
}

/// Prefill of two sequences (a GEMM-sized step), decode of both (GEMV of 2 tokens), a 5-token step (GEMV
/// chunks of 4 + 1), a mixed step that starts a third sequence, then single-sequence decode.
std::vector<std::vector<SequenceStep>> scenario(int32_t vocab) {
  return {
      {{1, tokens(7, vocab, 1), MOECAP_LOGITS_ALL}, {2, tokens(12, vocab, 2), MOECAP_LOGITS_LAST}},
      {{1, tokens(1, vocab, 3), MOECAP_LOGITS_LAST}, {2, tokens(1, vocab, 4), MOECAP_LOGITS_LAST}},
      {{1, tokens(2, vocab, 5), MOECAP_LOGITS_ALL}, {2, tokens(3, vocab, 6), MOECAP_LOGITS_ALL}},
      {{1, tokens(1, vocab, 7), MOECAP_LOGITS_LAST},
       {3, tokens(9, vocab, 8), MOECAP_LOGITS_ALL},
       {2, tokens(1, vocab, 9), MOECAP_LOGITS_NONE}},
      {{3, tokens(1, vocab, 10), MOECAP_LOGITS_LAST}},
      {{1, tokens(1, vocab, 11), MOECAP_LOGITS_LAST}},
      {{1, tokens(1, vocab, 12), MOECAP_LOGITS_LAST}},
  };
}

class NumericsConformance : public testing::TestWithParam<Case> {};

TEST_P(NumericsConformance, CpuMatchesReference) {
  const Case& c = GetParam();
  ASSERT_FALSE(c.preset.empty()) << "configs/models has a family without a <family>-tiny.toml preset: " << c.dtype;
  const std::string preset = std::string(MOECAP_NUMERICS_PRESET_DIR) + "/" + c.preset;
  const PluginConfig model_config = synthetic_model_config(preset, 7, c.dtype);
  std::shared_ptr<const host::Model> model = registry().model("synthetic").open(model_config.get());
  const moecap_model_desc& d = model->describe();
  Runner reference("reference", model);
  Runner cpu("cpu", model);
  const double tolerance = c.dtype == "f32" ? 1e-4 : 1e-2;

  double max_relative = 0;
  size_t rows_compared = 0, routing_compared = 0, routing_mismatches = 0;
  const auto vocab = static_cast<size_t>(d.vocab_size);
  int32_t step_index = 0;
  for (const std::vector<SequenceStep>& step : scenario(d.vocab_size)) {
    const StepResult want = reference.step(step);
    const StepResult got = cpu.step(step);
    ASSERT_EQ(got.status, want.status) << "step " << step_index;
    ASSERT_EQ(got.logits.size(), want.logits.size());
    for (size_t row = 0; row * vocab < want.logits.size(); ++row) {
      double largest = 0, error = 0;
      for (size_t v = 0; v < vocab; ++v) {
        const double w = want.logits[row * vocab + v];
        largest = std::max(largest, std::fabs(w));
        error = std::max(error, std::fabs(static_cast<double>(got.logits[row * vocab + v]) - w));
      }
      const double relative = error / largest;
      max_relative = std::max(max_relative, relative);
      ++rows_compared;
      EXPECT_LE(relative, tolerance) << "step " << step_index << " logits row " << row;
    }
    const size_t per_token = static_cast<size_t>(d.n_layers) * static_cast<size_t>(reference.topk_stride());
    for (size_t i = 0; i < want.topk_ids.size(); i += static_cast<size_t>(reference.topk_stride())) {
      ++routing_compared;
      const bool same = std::equal(want.topk_ids.begin() + static_cast<std::ptrdiff_t>(i),
                                   want.topk_ids.begin() + static_cast<std::ptrdiff_t>(i) + reference.topk_stride(),
                                   got.topk_ids.begin() + static_cast<std::ptrdiff_t>(i));
      if (!same && ++routing_mismatches <= 5)
        ADD_FAILURE() << "step " << step_index << " token " << i / per_token << " layer "
                      << (i % per_token) / static_cast<size_t>(reference.topk_stride())
                      << ": the cpu backend chose other experts than the reference";
    }
    EXPECT_EQ(got.expert_tokens, want.expert_tokens) << "step " << step_index;
    ++step_index;
  }
  EXPECT_EQ(routing_mismatches, 0u);
  std::printf(
      "[ numerics ] %-22s %-4s  %zu logits rows, max relative error %.3g (tolerance %.0e); %zu/%zu routing "
      "choices identical\n",
      c.preset.c_str(), c.dtype.c_str(), rows_compared, max_relative, tolerance, routing_compared - routing_mismatches,
      routing_compared);
}

INSTANTIATE_TEST_SUITE_P(EveryPreset, NumericsConformance, testing::ValuesIn(every_preset_and_dtype()), case_name);

TEST(NumericsConformanceErrors, UnsupportedRopeScalingIsRejectedByName) {
  toml::table description = toml::parse_file(std::string(MOECAP_NUMERICS_PRESET_DIR) + "/mixtral-tiny.toml");
  description["attention"].as_table()->insert_or_assign("rope_scaling", "dynamic");
  description["attention"].as_table()->insert_or_assign("rope_scaling_factor", 2.0);
  toml::table root;
  root.insert("seed", 1);
  root.insert("description", std::move(description));
  const PluginConfig config(std::move(root), "dynamic-rope.toml");
  std::shared_ptr<const host::Model> model = registry().model("synthetic").open(config.get());
  try {
    Runner cpu("cpu", model);
    FAIL() << "the cpu backend accepted dynamic RoPE scaling";
  } catch (const host::HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(e.what()).find("attention.rope_scaling"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace moecap::numerics
