// Numerics conformance of backend-cpu against backend-reference (the scalar double oracle), through core's
// implementation of the BE-NUM requirements (moecap/host/numerics_conformance.hpp, the same code
// `moecap conformance --level numerics` runs): the scaled-down model (<family>-tiny.toml) of every family in
// configs/models, f32, bf16 and f16 weights, prefill, decode and mixed steps of several sequences. Logits must
// agree to a relative error of 1e-4 (f32 weights) or 1e-2 (16-bit weights), and every token must go to the
// same experts. One gtest case per family × dtype, so a failure names its case.
#include "moecap/host/numerics_conformance.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "moecap/host/config_view.hpp"
#include "moecap/host/host_services.hpp"
#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/step_runner.hpp"

namespace moecap::host::numerics {

// gtest prints parameters through this (found by argument-dependent lookup, so it lives with Case).
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.family << " " << c.dtype;
}

namespace {

/// The registry over the build's plugin folder only (loaded once per process), so the plugins under test are
/// the ones this build made, whatever MOECAP_PLUGIN_PATH says.
PluginRegistry& registry() {
  static PluginRegistry instance(PluginSearchPaths::only({MOECAP_NUMERICS_PLUGIN_DIR}));
  return instance;
}

std::string case_name(const testing::TestParamInfo<Case>& info) {
  std::string name = info.param.family + "_tiny_" + info.param.dtype;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

class NumericsConformance : public testing::TestWithParam<Case> {};

TEST_P(NumericsConformance, CpuMatchesReference) {
  const Case& c = GetParam();
  ASSERT_FALSE(c.preset.empty()) << "configs/models has family " << c.family << " but no " << c.family
                                 << "-tiny.toml preset";
  const Comparison found = run_case(registry(), c, registry().backend("cpu"), registry().backend("reference"));
  for (const std::string& problem : found.problems) ADD_FAILURE() << problem;
  EXPECT_LE(found.max_relative_error, found.tolerance);
  EXPECT_EQ(found.routing_identical, found.routing_compared);
  std::printf("[ numerics ] %-12s %-4s  %s\n", c.family.c_str(), c.dtype.c_str(), found.summary().c_str());
}

INSTANTIATE_TEST_SUITE_P(EveryFamily, NumericsConformance, testing::ValuesIn(cases({MOECAP_NUMERICS_PRESET_DIR})),
                         case_name);

TEST(NumericsConformanceCases, EveryFamilyAndDtypeUnlessRestricted) {
  const std::vector<Case> all = cases({MOECAP_NUMERICS_PRESET_DIR});
  EXPECT_GE(all.size(), 7u * 3u) << "mixtral, qwen2_moe, qwen3_moe, olmoe, dbrx, deepseek_v2, deepseek_v3";
  const std::vector<Case> some = cases({MOECAP_NUMERICS_PRESET_DIR}, {"olmoe", "dbrx"}, {"bf16"});
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].family, "olmoe");
  EXPECT_EQ(some[0].preset.filename(), "olmoe-tiny.toml");
  EXPECT_EQ(some[1].dtype, "bf16");
  EXPECT_THROW(cases({MOECAP_NUMERICS_PRESET_DIR}, {"gpt2"}), HostException);
  EXPECT_THROW(cases({MOECAP_NUMERICS_PRESET_DIR}, {}, {"int8"}), HostException);
}

/// backend-cpu's matrices copied into its own memory (the default) or read in place from the model: both held to
/// the same tolerances, on a GQA family and an MLA one with 16-bit weights (the decode kernels' widening path).
TEST(NumericsConformanceWeights, InPlaceAndCopiedWeightsBothConform) {
  // Copied weights in either layout (panels is the default, so the other tests cover it too).
  const std::pair<const char*, const char*> variants[] = {{"in-place", "panels"}, {"copy", "rows"}, {"copy", "panels"}};
  for (const auto& [placement, layout] : variants)
    for (const Case& c : cases({MOECAP_NUMERICS_PRESET_DIR}, {"qwen2_moe", "deepseek_v2"}, {"f32", "bf16"})) {
      toml::table root;
      root.insert("weights", placement);
      root.insert("weight_layout", layout);
      const ConfigView config(&root, "weights.toml", "backend");
      const Comparison found =
          run_case(registry(), c, registry().backend("cpu"), registry().backend("reference"), config.get());
      for (const std::string& problem : found.problems) ADD_FAILURE() << placement << " " << layout << ": " << problem;
      EXPECT_LE(found.max_relative_error, found.tolerance)
          << placement << " " << layout << " " << c.family << " " << c.dtype;
      EXPECT_EQ(found.routing_identical, found.routing_compared)
          << placement << " " << layout << " " << c.family << " " << c.dtype;
    }
}

/// A cpu backend key set to a value it does not know: a configuration error naming the key and one of the
/// values it takes.
void expect_rejected_by_key(const char* key, const char* value, const char* a_valid_value) {
  toml::table root;
  root.insert(key, value);
  const ConfigView config(&root, "weights.toml", "backend");
  const std::vector<Case> one = cases({MOECAP_NUMERICS_PRESET_DIR}, {"mixtral"}, {"f32"});
  ASSERT_EQ(one.size(), 1u);
  try {
    run_case(registry(), one[0], registry().backend("cpu"), registry().backend("reference"), config.get());
    FAIL() << "the cpu backend accepted " << key << " = \"" << value << "\"";
  } catch (const HostException& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(key), std::string::npos) << what;
    EXPECT_NE(what.find(a_valid_value), std::string::npos) << what;
  }
}

TEST(NumericsConformanceErrors, AnUnknownWeightPlacementIsRejectedByKey) {
  expect_rejected_by_key("weights", "mmap", "in-place");
}

TEST(NumericsConformanceErrors, AnUnknownWeightLayoutIsRejectedByKey) {
  expect_rejected_by_key("weight_layout", "columns", "panels");
}

TEST(NumericsConformanceErrors, UnsupportedRopeScalingIsRejectedByName) {
  toml::table description = toml::parse_file(std::string(MOECAP_NUMERICS_PRESET_DIR) + "/mixtral-tiny.toml");
  description["attention"].as_table()->insert_or_assign("rope_scaling", "dynamic");
  description["attention"].as_table()->insert_or_assign("rope_scaling_factor", 2.0);
  toml::table root;
  root.insert("seed", 1);
  root.insert("description", std::move(description));
  const ConfigView config(&root, "dynamic-rope.toml", "model");
  std::shared_ptr<const Model> model = registry().model("synthetic").open(config.get());
  try {
    StepRunner cpu(registry().backend("cpu"), model);
    FAIL() << "the cpu backend accepted dynamic RoPE scaling";
  } catch (const HostException& e) {
    EXPECT_EQ(e.code(), MOECAP_ERR_UNSUPPORTED);
    EXPECT_NE(std::string(e.what()).find("attention.rope_scaling"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace moecap::host::numerics
