// The counters a backend-cpu step reports beside its outputs (plugins/backend-cpu/README.md "What a step
// reports"): the attend kernel's time is part of the attention block's, and the expert stage's process CPU
// time is read only for steps of 16 tokens or more (a decode step would pay two system calls per layer).
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "moecap/host/model_lookup.hpp"
#include "moecap/host/plugin_registry.hpp"
#include "moecap/host/step_runner.hpp"

namespace moecap::host {
namespace {

PluginRegistry& registry() {
  static PluginRegistry instance(PluginSearchPaths::only({MOECAP_TEST_PLUGIN_DIR}));
  return instance;
}

std::shared_ptr<Model> tiny_mixtral() {
  ModelArgument argument;
  argument.kind = ModelArgument::Kind::preset;
  argument.path = MOECAP_TEST_PRESET_DIR "/mixtral-tiny.toml";
  argument.name = "mixtral-tiny";
  ModelOpenOptions options;
  options.dtype = "f32";
  options.seed = 7;
  return open_model(registry(), argument, options);
}

std::optional<double> counter(const StepOutput& out, const char* name) {
  for (const moecap_counter& c : out.counters)
    if (std::strcmp(c.name, name) == 0) return c.value;
  return std::nullopt;
}

std::vector<int32_t> tokens(int32_t count) {
  std::vector<int32_t> out;
  for (int32_t i = 0; i < count; ++i) out.push_back(1 + i % 7);
  return out;
}

TEST(CpuStepCounters, AttendIsPartOfAttentionAndCpuTimeIsReadForLargeStepsOnly) {
  StepRunner runner(registry().backend("cpu"), tiny_mixtral());
  const StepOutput prefill = runner.step({{1, tokens(20), MOECAP_LOGITS_LAST}});
  ASSERT_EQ(prefill.status[0], MOECAP_OK);
  const StepOutput decode = runner.step({{1, tokens(1), MOECAP_LOGITS_LAST}});
  ASSERT_EQ(decode.status[0], MOECAP_OK);
  for (const StepOutput* out : {&prefill, &decode}) {
    const std::optional<double> attention = counter(*out, "attention_seconds");
    const std::optional<double> attend = counter(*out, "attend_seconds");
    ASSERT_TRUE(attention && attend);
    EXPECT_GT(*attend, 0.0);
    EXPECT_LE(*attend, *attention);
    EXPECT_GT(counter(*out, "kv_bytes_read").value_or(0), 0.0);
  }
  EXPECT_GE(counter(prefill, "expert_cpu_seconds").value_or(-1), 0.0) << "a 20-token step reads the CPU time";
  EXPECT_FALSE(counter(decode, "expert_cpu_seconds").has_value()) << "a one-token step does not";
}

}  // namespace
}  // namespace moecap::host
