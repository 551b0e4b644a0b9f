// The read-rate extension (moecap/ext_session_read_rate.h) end to end: core's Session::read_rate reaches
// backend-cpu's entry through get_proc_address, and the pass reads the memory the session's weights lie in —
// every matrix once, in the backend's own copy or in the model's views in place. A backend without the
// extension (backend-reference) gives nullopt, not an error.
#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <cmath>
#include <memory>
#include <string>

#include "moecap/host/config_view.hpp"
#include "moecap/host/model_lookup.hpp"
#include "moecap/host/plugin_registry.hpp"

namespace moecap::host {
namespace {

PluginRegistry& registry() {
  static PluginRegistry instance(PluginSearchPaths::only({MOECAP_TEST_PLUGIN_DIR}));
  return instance;
}

std::shared_ptr<Model> tiny_mixtral(const std::string& dtype) {
  ModelArgument argument;
  argument.kind = ModelArgument::Kind::preset;
  argument.path = MOECAP_TEST_PRESET_DIR "/mixtral-tiny.toml";
  argument.name = "mixtral-tiny";
  ModelOpenOptions options;
  options.dtype = dtype;
  options.seed = 7;
  return open_model(registry(), argument, options);
}

/// Bytes of every 2-D weight: the matrices a step reads (norms, biases and other vectors are not in them).
uint64_t matrix_bytes(const Model& model) {
  uint64_t total = 0;
  for (int64_t i = 0; i < model.weight_count(); ++i) {
    const moecap_tensor_view view = model.weight_at(i);
    if (view.ndim == 2) total += view.nbytes;
  }
  return total;
}

moecap_read_rate read_rate_of(const std::shared_ptr<Model>& model, const std::string& placement, int threads) {
  toml::table table;
  table.insert("threads", threads);
  table.insert("weights", placement);
  const ConfigView config(&table, "weight_read_rate_test", "");
  Session session = registry().backend("cpu").create_session(model, config.get());
  const std::optional<moecap_read_rate> rate = session.read_rate();
  EXPECT_TRUE(rate.has_value()) << "backend-cpu offers " MOECAP_EXT_SESSION_READ_RATE_V1;
  return rate.value_or(moecap_read_rate{});
}

TEST(WeightReadRate, CpuSessionReadsItsOwnCopyOfEveryMatrix) {
  for (const std::string dtype : {"f32", "bf16"}) {
    const std::shared_ptr<Model> model = tiny_mixtral(dtype);
    const uint64_t matrices = matrix_bytes(*model);
    for (int threads : {1, 2}) {
      const moecap_read_rate rate = read_rate_of(model, "copy", threads);
      // The copy lies in page-aligned blocks: the pass reads every matrix and the alignment gaps between them.
      EXPECT_GE(rate.bytes, matrices) << dtype << ", " << threads << " threads";
      EXPECT_LE(rate.bytes, matrices + model->weight_count() * uint64_t{4096}) << dtype;
      EXPECT_EQ(rate.threads, threads);
      EXPECT_GT(rate.seconds, 0.0);
      EXPECT_TRUE(std::isfinite(rate.bytes_per_second));
      EXPECT_NEAR(rate.bytes_per_second, static_cast<double>(rate.bytes) / rate.seconds, 1e-9 * rate.bytes_per_second);
      EXPECT_EQ(rate.abi_minor, uint32_t{MOECAP_ABI_MINOR});
    }
  }
}

TEST(WeightReadRate, CpuSessionReadsTheModelsViewsInPlace) {
  const std::shared_ptr<Model> model = tiny_mixtral("bf16");
  const uint64_t matrices = matrix_bytes(*model);
  const moecap_read_rate rate = read_rate_of(model, "in-place", 2);
  // Exactly the views, less what a view's unaligned start and the split into whole words per thread leave out.
  EXPECT_LE(rate.bytes, matrices);
  EXPECT_GE(rate.bytes, matrices - model->weight_count() * uint64_t{32});
  EXPECT_GT(rate.bytes_per_second, 0.0);
}

TEST(WeightReadRate, ABackendWithoutTheExtensionGivesNothing) {
  const std::shared_ptr<Model> model = tiny_mixtral("f32");
  Session session = registry().backend("reference").create_session(model, nullptr);
  EXPECT_FALSE(session.read_rate().has_value());
}

}  // namespace
}  // namespace moecap::host
