// --set key=value: values parsed as TOML, bare words as strings, errors naming the argument.
#include <gtest/gtest.h>

#include "moecap/host/host_services.hpp"
#include "pipeline_test_support.hpp"

namespace moecap::host {
namespace {

using testing::fixture;
using testing::load_error;
using testing::value_at;

TEST(SetOverride, IntegerReplacesTheFileValue) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"workload.batch_size=8"}, {});
  EXPECT_EQ(p.points[0].workload->batch_size, 8);
  EXPECT_EQ(p.overrides, (std::vector<std::string>{"workload.batch_size=8"}));
}

TEST(SetOverride, QuotedAndBareStrings) {
  const Pipeline quoted = load_pipeline(fixture("minimal.toml"), {"model.dtype=\"bf16\""}, {});
  EXPECT_EQ(value_at(quoted.points[0].model, "dtype"), "bf16");
  const Pipeline bare = load_pipeline(fixture("minimal.toml"), {"model.dtype=bf16"}, {});
  EXPECT_EQ(value_at(bare.points[0].model, "dtype"), "bf16");
  const Pipeline spaced = load_pipeline(fixture("minimal.toml"), {"run.name=my run \"1\""}, {});
  EXPECT_EQ(spaced.name, "my run \"1\"");
}

TEST(SetOverride, LaterOverridesWin) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"workload.batch_size=8", "workload.batch_size=3"}, {});
  EXPECT_EQ(p.points[0].workload->batch_size, 3);
}

TEST(SetOverride, CreatesMissingTablesAndKeys) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"run.seed=99", "backend.cache.size=4"}, {});
  EXPECT_EQ(p.points[0].run.seed, 99u);
  EXPECT_EQ(value_at(p.points[0].backend, "cache.size"), "4");
}

TEST(SetOverride, ListMakesASweep) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"workload.batch_size=[1, 2]"}, {});
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"workload.batch_size"}));
  EXPECT_EQ(p.points.size(), 2u);
}

TEST(SetOverride, OverrideListsComeAfterTheFilesAxes) {
  const Pipeline p = load_pipeline(fixture("sweep.toml"), {"run.seed=[1, 2]"}, {});
  EXPECT_EQ(p.sweep_keys, (std::vector<std::string>{"workload.batch_size", "model.dtype", "run.seed"}));
  EXPECT_EQ(p.points.size(), 12u);
  EXPECT_EQ(p.points[1].run.seed, 2u);
}

TEST(SetOverride, UnindexedKeySetsEveryEntryIndexedKeySetsOne) {
  const Pipeline all = load_pipeline(fixture("backend_list.toml"), {"backend.dtype=f16"}, {});
  EXPECT_EQ(value_at(all.points[0].backend, "dtype"), "f16");
  EXPECT_EQ(value_at(all.points.back().backend, "dtype"), "f16");
  const Pipeline one = load_pipeline(fixture("backend_list.toml"), {"backend[1].dtype=f16"}, {});
  EXPECT_EQ(value_at(one.points[0].backend, "dtype"), "");
  EXPECT_EQ(value_at(one.points.back().backend, "dtype"), "f16");
}

TEST(SetOverride, PluginKeyPositionNamesTheArgument) {
  const Pipeline p = load_pipeline(fixture("minimal.toml"), {"backend.threads=many"}, {});
  auto view = p.points[0].backend.make_config_view();
  int64_t threads = 0;
  ErrorPtr error(host_api()->config_get_int(view->get(), "threads", &threads));
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error_message(error.get()),
            "--set backend.threads=many: key 'backend.threads': expected an integer, found a string");
}

TEST(SetOverride, UnknownKeyNamesTheArgument) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_sise=8"}),
            "--set workload.batch_sise=8: unknown key 'workload.batch_sise'; expected one of kind, batch_size, "
            "prompt_tokens, output_tokens or requests; did you mean 'batch_size'?");
}

TEST(SetOverride, BadValueNamesTheArgument) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_size=0"}),
            "--set workload.batch_size=0: 'workload.batch_size' is 0; expected an integer >= 1");
}

TEST(SetOverride, MissingEquals) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_size"}),
            "--set workload.batch_size: no '=' in the override; expected key=value, e.g. --set "
            "workload.batch_size=8 or --set 'model.dtype=\"bf16\"'");
}

TEST(SetOverride, MalformedKey) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload..batch_size=1"}),
            "--set workload..batch_size=1: 'workload..batch_size' is not a key; expected dotted names such as "
            "workload.batch_size or sink[1].path");
}

TEST(SetOverride, ValueThatLooksLikeTomlMustBeToml) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_size=[1,"}),
            "--set workload.batch_size=[1,: the value is not valid TOML (Error while parsing array: encountered "
            "end-of-file); expected a TOML value such as 8, 2.5, true, \"bf16\", [1, 2] or a bare word");
}

TEST(SetOverride, IndexOutOfRange) {
  EXPECT_EQ(load_error(fixture("sinks.toml"), {"sink[3].file=x"}),
            "--set sink[3].file=x: 'sink' has 2 entries; expected an index from 0 to 1");
}

TEST(SetOverride, ThroughAScalar) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_size.x=1"}),
            "--set workload.batch_size.x=1: 'workload.batch_size' is an integer; expected a table to hold 'x'");
}

}  // namespace
}  // namespace moecap::host
