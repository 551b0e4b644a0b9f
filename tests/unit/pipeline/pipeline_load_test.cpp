// Valid pipelines: defaults, sweeps, list shorthand, several backends, sinks, presets, hashes.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "moecap/host/host_services.hpp"
#include "moecap/plugin.h"
#include "pipeline_test_support.hpp"

namespace moecap::host {
namespace {

using testing::fixture;
using testing::value_at;

std::vector<std::string> displays(const RunPoint& point) {
  std::vector<std::string> out;
  for (const auto& v : point.sweep_values) out.push_back(v.key + "=" + v.display);
  return out;
}

TEST(PipelineLoad, MinimalPipelineGetsDefaults) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {}, {});
  EXPECT_EQ(p.name, "minimal");
  EXPECT_EQ(p.percentiles, (std::vector<double>{50, 90, 99}));
  EXPECT_TRUE(p.sweep_keys.empty());
  EXPECT_TRUE(p.sinks.empty());
  ASSERT_EQ(p.points.size(), 1u);
  const RunPoint& point = p.points[0];
  EXPECT_EQ(point.id, "p0000");
  EXPECT_TRUE(point.sweep_values.empty());
  EXPECT_EQ(point.run.seed, 0u);
  EXPECT_EQ(point.run.warmup_steps, 1);
  EXPECT_EQ(point.run.repetitions, 1);
  ASSERT_TRUE(point.workload.has_value());
  EXPECT_EQ(point.workload->kind, "fixed");
  EXPECT_EQ(point.workload->batch_size, 2);
  EXPECT_EQ(point.workload->prompt_tokens, 8);
  EXPECT_EQ(point.workload->output_tokens, 4);
  EXPECT_EQ(point.workload->requests, 2);  // defaults to batch_size
  EXPECT_EQ(point.model.kind, MOECAP_KIND_MODEL);
  EXPECT_EQ(point.model.name, "synthetic");
  EXPECT_EQ(point.model.key_prefix, "model");
  EXPECT_FALSE(point.model.explicit_path.has_value());
  EXPECT_EQ(point.backend.kind, MOECAP_KIND_BACKEND);
  EXPECT_EQ(point.backend.name, "reference");
  EXPECT_EQ(point.backend.key_prefix, "backend");
  EXPECT_TRUE(point.tasks.empty());
}

TEST(PipelineLoad, ResolvedTomlFillsDefaultsAndLeavesReportingOut) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {}, {});
  const RunPoint& point = p.points[0];
  EXPECT_EQ(point.resolved_toml,
            "[backend]\n"
            "plugin = \"reference\"\n"
            "\n"
            "[model]\n"
            "plugin = \"synthetic\"\n"
            "\n"
            "[run]\n"
            "repetitions = 1\n"
            "seed = 0\n"
            "warmup_steps = 1\n"
            "\n"
            "[workload]\n"
            "batch_size = 2\n"
            "kind = \"fixed\"\n"
            "output_tokens = 4\n"
            "prompt_tokens = 8\n"
            "requests = 2\n");
  EXPECT_EQ(point.config_hash.size(), 16u);
  // Writing a default out changes nothing; changing a value changes the hash.
  EXPECT_EQ(
      load_pipeline(fixture("minimal.toml"), {"run.warmup_steps=1", "workload.requests=2"}, {}).points[0].config_hash,
      point.config_hash);
  EXPECT_NE(load_pipeline(fixture("minimal.toml"), {"run.seed=1"}, {}).points[0].config_hash, point.config_hash);
}

TEST(PipelineLoad, SweepIsTheCartesianProductLastAxisFastest) {
  const Pipeline p = load_pipeline(fixture("sweep.toml"), {}, {});
  EXPECT_EQ(p.name, "sweep-test");
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"workload.batch_size", "model.dtype"}));
  ASSERT_EQ(p.points.size(), 6u);
  const std::vector<std::vector<std::string>> expected{
      {"workload.batch_size=1", "model.dtype=f32"}, {"workload.batch_size=1", "model.dtype=bf16"},
      {"workload.batch_size=2", "model.dtype=f32"}, {"workload.batch_size=2", "model.dtype=bf16"},
      {"workload.batch_size=4", "model.dtype=f32"}, {"workload.batch_size=4", "model.dtype=bf16"}};
  for (size_t i = 0; i < p.points.size(); ++i) {
    const RunPoint& point = p.points[i];
    EXPECT_EQ(point.id, "p000" + std::to_string(i));
    EXPECT_EQ(displays(point), expected[i]);
    EXPECT_EQ(point.run.seed, 7u);
    EXPECT_EQ(point.workload->batch_size, std::stoll(expected[i][0].substr(20)));
    EXPECT_EQ(value_at(point.model, "dtype"), expected[i][1].substr(12));
    EXPECT_EQ(value_at(point.backend, "threads"), "1");
  }
  EXPECT_EQ(p.points[1].sweep_values[1].literal, "\"bf16\"");
  EXPECT_EQ(p.points[4].sweep_values[0].literal, "4");
  // Every point is a different configuration.
  std::set<std::string> hashes;
  for (const auto& point : p.points) hashes.insert(point.config_hash);
  EXPECT_EQ(hashes.size(), 6u);
}

TEST(PipelineLoad, SweptValueKeepsItsSourcePosition) {
  const Pipeline p = load_pipeline(fixture("sweep.toml"), {}, {});
  auto view = p.points[1].model.make_config_view();
  int64_t out = 0;
  ErrorPtr error(host_api()->config_get_int(view->get(), "dtype", &out));
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error_message(error.get()),
            fixture("sweep.toml") + ":20:25: key 'model.dtype': expected an integer, found a string");
}

TEST(PipelineLoad, ListShorthandSweepsHostScalars) {
  const Pipeline p = load_pipeline(fixture("list_shorthand.toml"), {}, {});
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"workload.batch_size", "workload.output_tokens"}));
  ASSERT_EQ(p.points.size(), 6u);
  EXPECT_EQ(displays(p.points[0]), (std::vector<std::string>{"workload.batch_size=1", "workload.output_tokens=4"}));
  EXPECT_EQ(displays(p.points[5]), (std::vector<std::string>{"workload.batch_size=4", "workload.output_tokens=8"}));
  EXPECT_EQ(p.points[3].workload->batch_size, 2);
  EXPECT_EQ(p.points[3].workload->output_tokens, 8);
  EXPECT_EQ(p.points[3].workload->requests, 2);
}

TEST(PipelineLoad, SeveralBackendsAreOneAxis) {
  const Pipeline p = load_pipeline(fixture("backend_list.toml"), {}, {});
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"backend", "workload.batch_size", "backend.threads"}));
  ASSERT_EQ(p.points.size(), 8u);
  EXPECT_EQ(displays(p.points[0]),
            (std::vector<std::string>{"backend=reference", "workload.batch_size=1", "backend.threads=1"}));
  EXPECT_EQ(p.points[0].backend.name, "reference");
  EXPECT_EQ(p.points[0].backend.key_prefix, "backend[0]");
  const RunPoint& last = p.points[7];
  EXPECT_EQ(displays(last), (std::vector<std::string>{"backend=cpu", "workload.batch_size=2", "backend.threads=2"}));
  EXPECT_EQ(last.backend.name, "cpu");
  EXPECT_EQ(last.backend.key_prefix, "backend[1]");
  EXPECT_EQ(value_at(last.backend, "threads"), "2");  // the sweep wins over the entry's own value
  EXPECT_EQ(last.backend.table->get("plugin")->as_string()->get(), "cpu");
}

TEST(PipelineLoad, BackendPluginListIsTheBackendAxis) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"backend.plugin=[\"reference\", \"cpu\"]"}, {});
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"backend"}));
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.points[1].backend.name, "cpu");
  EXPECT_EQ(p.points[1].backend.key_prefix, "backend");
}

TEST(PipelineLoad, SinksAreSharedAndPathsAreAbsolute) {
  const Pipeline p = load_pipeline(fixture("sinks.toml"), {}, {});
  ASSERT_EQ(p.sinks.size(), 2u);
  EXPECT_EQ(p.sinks[0].kind, MOECAP_KIND_SINK);
  EXPECT_EQ(p.sinks[0].name, "jsonl");
  EXPECT_EQ(p.sinks[0].key_prefix, "sink[0]");
  EXPECT_FALSE(p.sinks[0].explicit_path.has_value());
  EXPECT_EQ(p.sinks[1].name, "jsonl");  // from libmoecap-sink-jsonl.so: the entry names no plugin
  ASSERT_TRUE(p.sinks[1].explicit_path.has_value());
  EXPECT_EQ(*p.sinks[1].explicit_path,
            std::filesystem::absolute(fixture("plugins/libmoecap-sink-jsonl.so")).lexically_normal());
  // Sink keys are not part of what identifies a measurement.
  EXPECT_EQ(p.points[0].resolved_toml.find("jsonl"), std::string::npos);
}

TEST(PipelineLoad, WithAPluginNamePathIsThePluginsKey) {
  const Pipeline p = load_pipeline(fixture("sinks.toml"), {}, {});
  auto view = p.sinks[0].make_config_view();
  ASSERT_EQ(view->unread_keys().size(), 1u);
  EXPECT_EQ(view->unread_keys()[0].key, "path");
  const char* path = nullptr;
  ASSERT_EQ(host_api()->config_get_path(view->get(), "path", &path), nullptr);
  EXPECT_EQ(std::string(path), std::filesystem::absolute(fixture("results/out.jsonl")).lexically_normal().string());
  EXPECT_TRUE(view->unread_keys().empty());
  EXPECT_TRUE(p.sinks[1].make_config_view()->unread_keys().empty());
}

TEST(PipelineLoad, ResolverIsAskedOncePerDistinctPlugin) {
  std::vector<std::string> asked;
  PipelineOptions options;
  options.resolve_plugin = [&](int32_t kind, const std::string& name, const std::optional<std::string>& path) {
    asked.push_back(std::to_string(kind) + ":" + name + (path ? ":" + *path : ""));
    return std::optional<std::string>();
  };
  const Pipeline p = load_pipeline(fixture("sweep.toml"), {}, options);
  EXPECT_EQ(p.points.size(), 6u);
  EXPECT_EQ(asked, (std::vector<std::string>{std::to_string(MOECAP_KIND_MODEL) + ":synthetic",
                                             std::to_string(MOECAP_KIND_BACKEND) + ":reference"}));
}

TEST(PipelinePreset, PresetBecomesTheDescriptionAndUserKeysWin) {
  const Pipeline p = load_pipeline(fixture("preset.toml"), {}, {});
  const PluginEntry& model = p.points[0].model;
  EXPECT_EQ(value_at(model, "preset"), "tiny-moe");
  EXPECT_EQ(value_at(model, "description.vocab_size"), "256");
  EXPECT_EQ(value_at(model, "description.hidden_size"), "128");  // [model.description] wins
  EXPECT_EQ(value_at(model, "description.moe.top_k"), "2");
  EXPECT_NE(p.points[0].resolved_toml.find("vocab_size = 256"), std::string::npos);
}

TEST(PipelinePreset, DescriptionKeysReportPositionsInTheirOwnFile) {
  const Pipeline p = load_pipeline(fixture("preset.toml"), {}, {});
  auto view = p.points[0].model.make_config_view();
  const char* out = nullptr;
  ErrorPtr from_preset(host_api()->config_get_string(view->get(), "description.vocab_size", &out));
  ASSERT_NE(from_preset, nullptr);
  EXPECT_EQ(error_message(from_preset.get()), fixture("models/tiny-moe.toml") +
                                                  ":2:14: key 'model.description.vocab_size': expected a string, "
                                                  "found an integer");
  ErrorPtr from_pipeline(host_api()->config_get_string(view->get(), "description.hidden_size", &out));
  ASSERT_NE(from_pipeline, nullptr);
  EXPECT_EQ(error_message(from_pipeline.get()),
            fixture("preset.toml") + ":6:15: key 'model.description.hidden_size': expected a string, found an integer");
}

TEST(PipelinePreset, ModelsNextToThePipelineComeFirst) {
  const Pipeline p = load_pipeline(fixture("nested/preset_nested.toml"), {}, {});
  EXPECT_EQ(value_at(p.points[0].model, "description.vocab_size"), "32");
  EXPECT_EQ(value_at(p.points[0].model, "description.hidden_size"), "128");
}

TEST(PipelinePreset, ParentModelsFolderIsSearchedSecond) {
  const Pipeline p = load_pipeline(fixture("nested/preset_parent.toml"), {}, {});
  EXPECT_EQ(value_at(p.points[0].model, "description.vocab_size"), "512");
}

TEST(PipelinePreset, CallerFoldersAreSearchedLast) {
  PipelineOptions options;
  options.preset_dirs = {fixture("extra_presets")};
  const Pipeline p = load_pipeline(fixture("extra_preset.toml"), {}, options);
  EXPECT_EQ(value_at(p.points[0].model, "description.vocab_size"), "1024");
}

TEST(PipelinePreset, PresetCanBeSweptAsAList) {
  PipelineOptions options;
  options.preset_dirs = {fixture("extra_presets")};
  const Pipeline p = load_pipeline(fixture("preset.toml"), {"model.preset=[\"tiny-moe\", \"only-extra\"]"}, options);
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"model.preset"}));
  EXPECT_EQ(value_at(p.points[0].model, "description.vocab_size"), "256");
  EXPECT_EQ(value_at(p.points[1].model, "description.vocab_size"), "1024");
  EXPECT_EQ(value_at(p.points[1].model, "description.hidden_size"), "128");
}

TEST(PipelineLoad, TasksAreInEveryPointAndCanBeSwept) {
  const Pipeline p = load_pipeline(
      fixture("minimal.toml"), {"task=[{plugin=\"mmlu\"}, {plugin=\"gsm8k\"}]", "sweep.\"task.limit\"=[10, 20]"}, {});
  ASSERT_EQ(p.points.size(), 2u);
  ASSERT_EQ(p.points[1].tasks.size(), 2u);
  EXPECT_EQ(p.points[1].tasks[0].kind, MOECAP_KIND_TASK);
  EXPECT_EQ(p.points[1].tasks[0].key_prefix, "task[0]");
  EXPECT_EQ(p.points[1].tasks[1].name, "gsm8k");
  EXPECT_EQ(value_at(p.points[1].tasks[0], "limit"), "20");
  EXPECT_EQ(value_at(p.points[1].tasks[1], "limit"), "20");
  EXPECT_EQ(value_at(p.points[0].tasks[1], "limit"), "10");
}

TEST(PipelinePreset, DescriptionKeysCanBeSweptOverThePreset) {
  const Pipeline p = load_pipeline(fixture("preset.toml"), {"sweep.model.description.n_layers=[1, 3]"}, {});
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"model.description.n_layers"}));
  EXPECT_EQ(value_at(p.points[1].model, "description.n_layers"), "3");
  EXPECT_EQ(value_at(p.points[1].model, "description.vocab_size"), "256");
}

TEST(PipelineLoad, ShippedQuickstartLoads) {
  PipelineOptions options;
  const Pipeline p = load_pipeline(std::string(MOECAP_SOURCE_DIR) + "/configs/quickstart.toml", {}, options);
  EXPECT_EQ(p.name, "quickstart");
  ASSERT_EQ(p.points.size(), 1u);
  const RunPoint& point = p.points[0];
  EXPECT_EQ(point.run.seed, 42u);
  EXPECT_EQ(point.model.name, "synthetic");
  EXPECT_EQ(value_at(point.model, "preset"), "mixtral-quickstart");
  EXPECT_NE(value_at(point.model, "description.hidden_size"), "");
  EXPECT_EQ(point.backend.name, "reference");
  EXPECT_EQ(point.workload->batch_size, 4);
  EXPECT_EQ(point.workload->prompt_tokens, 32);
  EXPECT_EQ(point.workload->output_tokens, 16);
  ASSERT_EQ(p.sinks.size(), 2u);
  EXPECT_EQ(p.sinks[0].name, "console");
  EXPECT_EQ(p.sinks[1].name, "jsonl");
  EXPECT_EQ(value_at(p.sinks[1], "path"), "../results/quickstart.jsonl");
}

}  // namespace
}  // namespace moecap::host

namespace moecap::host {
namespace {

using testing::fixture;
using testing::load_error;

TEST(PipelineLoad, HardwareCostAndReportAreReadOnceAndLeftOutOfTheHash) {
  const Pipeline p = load_pipeline(fixture("cap_tables.toml"), {}, {});
  EXPECT_EQ(p.hardware.device, "h100-sxm");
  EXPECT_EQ(p.hardware.device_count, 8);
  EXPECT_EQ(p.hardware.cpu, "epyc-9654");
  EXPECT_EQ(p.hardware.cpu_count, 2);
  ASSERT_TRUE(p.hardware.catalog.has_value());
  EXPECT_EQ(p.hardware.catalog->filename(), "extra_hardware");
  EXPECT_TRUE(p.hardware.catalog->is_absolute());  // relative to the pipeline file
  EXPECT_EQ(p.hardware.compute_dtype, "bf16");
  EXPECT_TRUE(p.hardware.disk_offload);
  EXPECT_DOUBLE_EQ(p.cost.lifetime_years, 4);
  EXPECT_DOUBLE_EQ(p.cost.utilisation, 0.6);
  EXPECT_DOUBLE_EQ(p.cost.usd_per_kwh, 0.12);
  EXPECT_DOUBLE_EQ(p.cost.pue, 1.3);
  ASSERT_TRUE(p.report.radar_svg.has_value());
  EXPECT_EQ(p.report.radar_svg->filename(), "radar.svg");
  // Re-pricing never changes what was measured: the hash equals the pipeline's without these tables.
  const Pipeline without = load_pipeline(fixture("minimal.toml"), {}, {});
  EXPECT_EQ(p.points[0].config_hash, without.points[0].config_hash);
  EXPECT_EQ(p.points[0].resolved_toml.find("hardware"), std::string::npos);
}

TEST(PipelineLoad, HardwareAndCostDefaults) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {}, {});
  EXPECT_TRUE(p.hardware.device.empty());  // this machine
  EXPECT_EQ(p.hardware.device_count, 1);
  EXPECT_DOUBLE_EQ(p.cost.lifetime_years, 3);
  EXPECT_DOUBLE_EQ(p.cost.utilisation, 1);
  EXPECT_DOUBLE_EQ(p.cost.usd_per_kwh, 0.15);
  EXPECT_DOUBLE_EQ(p.cost.pue, 1);
  EXPECT_FALSE(p.report.radar_svg.has_value());
}

TEST(PipelineLoad, HardwareAndCostErrorsNameTheKey) {
  const std::string file = fixture("cap_tables.toml");
  EXPECT_NE(load_error(file, {"hardware.devices=2"}).find("unknown key 'hardware.devices'; expected one of"),
            std::string::npos);
  EXPECT_NE(
      load_error(file, {"hardware.device_count=0"}).find("'hardware.device_count' is 0; expected an integer >= 1"),
      std::string::npos);
  EXPECT_NE(load_error(file, {"hardware.compute_dtype=bf61"}).find("did you mean 'bf16'"), std::string::npos);
  EXPECT_NE(load_error(file, {"hardware.disk_offload=1"}).find("expected true or false"), std::string::npos);
  EXPECT_NE(load_error(file, {"cost.pue=0.5"}).find("'cost.pue' is 0.5; expected a power usage effectiveness >= 1"),
            std::string::npos);
  EXPECT_NE(load_error(file, {"cost.utilisation=0"}).find("'cost.utilisation' is 0"), std::string::npos);
  EXPECT_NE(load_error(file, {"cost.usd_per_kwh=\"cheap\""}).find("'cost.usd_per_kwh' is a string"), std::string::npos);
  EXPECT_NE(load_error(file, {"hardware.device=[\"h100-sxm\", \"h200\"]"}).find("cannot be swept"), std::string::npos);
  EXPECT_NE(load_error(file, {"report.radar=\"x.svg\""}).find("unknown key 'report.radar'"), std::string::npos);
}

}  // namespace
}  // namespace moecap::host
