// Malformed pipelines: each error names file:line:col, what is wrong and what was expected.
#include <gtest/gtest.h>

#include "pipeline_test_support.hpp"

namespace moecap::host {
namespace {

using testing::fixture;
using testing::load_error;

const std::string kWorkloadKeys = "one of kind, batch_size, prompt_tokens, output_tokens or requests";

TEST(PipelineError, SyntaxErrorHasThePosition) {
  EXPECT_EQ(
      load_error(fixture("syntax_error.toml")),
      fixture("syntax_error.toml") +
          ":2:20: invalid TOML: error while parsing string: unescaped control characters other than TAB (U+0009) are "
          "explicitly prohibited");
}

TEST(PipelineError, UnknownKeySuggestsTheClosestOne) {
  EXPECT_EQ(load_error(fixture("unknown_key.toml")), fixture("unknown_key.toml") +
                                                         ":8:1: unknown key 'workload.batch_sise'; expected " +
                                                         kWorkloadKeys + "; did you mean 'batch_size'?");
}

TEST(PipelineError, UnknownSectionSuggestsTheClosestOne) {
  EXPECT_EQ(load_error(fixture("unknown_section.toml")),
            fixture("unknown_section.toml") +
                ":7:2: unknown key 'workloads'; expected one of the tables run, model, backend, workload, task, sink, "
                "hardware, cost, report or sweep; did you mean 'workload'?");
}

TEST(PipelineError, WrongType) {
  EXPECT_EQ(load_error(fixture("wrong_type.toml")),
            fixture("wrong_type.toml") + ":8:14: 'workload.batch_size' is a string; expected an integer >= 1");
}

TEST(PipelineError, BadValue) {
  EXPECT_EQ(load_error(fixture("bad_value.toml")),
            fixture("bad_value.toml") + ":8:14: 'workload.batch_size' is 0; expected an integer >= 1");
}

TEST(PipelineError, BadValueInsideAListPointsAtTheElement) {
  EXPECT_EQ(load_error(fixture("bad_list.toml")),
            fixture("bad_list.toml") + ":8:18: 'workload.batch_size' is 0; expected an integer >= 1");
}

TEST(PipelineError, MissingModel) {
  EXPECT_EQ(load_error(fixture("missing_model.toml")),
            fixture("missing_model.toml") +
                ":1:1: no [model] table; expected exactly one [model] table naming a model plugin (plugin = "
                "\"<name>\" or path = \"<library>\")");
}

TEST(PipelineError, MissingRequiredWorkloadKeyPointsAtTheTable) {
  EXPECT_EQ(load_error(fixture("missing_key.toml")),
            fixture("missing_key.toml") + ":8:1: missing key 'workload.prompt_tokens'; expected an integer >= 1");
}

TEST(PipelineError, UnknownPluginThroughTheResolver) {
  PipelineOptions options;
  options.resolve_plugin = [](int32_t, const std::string& name, const std::optional<std::string>&) {
    return name == "cdua" ? std::optional<std::string>("no libmoecap-backend-cdua.so found; did you mean 'cuda'?")
                          : std::nullopt;
  };
  EXPECT_EQ(load_error(fixture("unknown_plugin.toml"), {}, options),
            fixture("unknown_plugin.toml") +
                ":5:10: backend plugin 'cdua' cannot be used: no libmoecap-backend-cdua.so found; did you mean "
                "'cuda'?; expected an installed backend plugin (`moecap plugins` lists them)");
}

TEST(PipelineError, MissingExplicitPath) {
  const std::string looked_at =
      std::filesystem::absolute(fixture("plugins/libmoecap-backend-nope.so")).lexically_normal().string();
  EXPECT_EQ(load_error(fixture("missing_path.toml")),
            fixture("missing_path.toml") +
                ":5:8: plugin library 'plugins/libmoecap-backend-nope.so' not found (looked at " + looked_at +
                "); expected an existing library file, relative to the file that names it");
}

TEST(PipelineError, MissingPresetListsWhereItLooked) {
  PipelineOptions options;
  options.preset_dirs = {fixture("extra_presets")};
  const std::string dir = MOECAP_PIPELINE_FIXTURES;
  const std::string parent = std::filesystem::path(dir).parent_path().string();
  EXPECT_EQ(load_error(fixture("missing_preset.toml"), {}, options),
            fixture("missing_preset.toml") +
                ":3:10: model preset 'no-such-model' not found; expected no-such-model.toml in one of: " + dir +
                "/models, " + parent + "/models, " + dir + "/extra_presets");
}

TEST(PipelineError, KeySweptTwice) {
  EXPECT_EQ(load_error(fixture("sweep_errors.toml")),
            fixture("sweep_errors.toml") + ":13:1: 'workload.batch_size' is swept twice: here and by the list at " +
                fixture("sweep_errors.toml") + ":8:14; expected one of them");
}

TEST(PipelineError, SinksCannotBeSwept) {
  EXPECT_EQ(load_error(fixture("sweep_sink.toml")),
            fixture("sweep_sink.toml") +
                ":16:1: 'sink.path' cannot be swept: sinks are shared by every sweep point; expected a key under run, "
                "model, backend, workload or task");
}

TEST(PipelineError, UnknownSweepKey) {
  EXPECT_EQ(load_error(fixture("sweep.toml"), {"sweep.\"workload.bacth_size\"=[1]"}),
            "--set sweep.\"workload.bacth_size\"=[1]: unknown key 'workload.bacth_size' in [sweep]; expected one of "
            "workload.kind, workload.batch_size, workload.prompt_tokens, workload.output_tokens or "
            "workload.requests; did you mean 'workload.batch_size'?");
}

TEST(PipelineError, EmptyListSweepsNothing) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"workload.batch_size=[]"}),
            "--set workload.batch_size=[]: 'workload.batch_size' is an empty list; expected at least one value to "
            "sweep over");
}

TEST(PipelineError, ValueInAListIsCheckedWhereItIsWritten) {
  EXPECT_EQ(load_error(fixture("sweep.toml"), {"workload.prompt_tokens=[8, -1]"}),
            "--set workload.prompt_tokens=[8, -1]: 'workload.prompt_tokens' is -1; expected an integer >= 1");
}

TEST(PipelineError, EntryWithoutPlugin) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"backend={threads=2}"}),
            "--set backend={threads=2}: 'backend' names no plugin; expected plugin = \"<name>\" or path = "
            "\"<library file>\"");
}

TEST(PipelineError, ModelAsArrayOfTables) {
  EXPECT_EQ(load_error(fixture("minimal.toml"), {"model=[{plugin=\"a\"}, {plugin=\"b\"}]"}),
            "--set model=[{plugin=\"a\"}, {plugin=\"b\"}]: 'model' is a list; expected exactly one [model] table "
            "naming a model plugin (plugin = \"<name>\" or path = \"<library>\")");
}

TEST(PipelineError, UnreadablePipelineFile) {
  EXPECT_EQ(load_error(fixture("no_such_file.toml")),
            fixture("no_such_file.toml") +
                ": cannot read the pipeline file (No such file or directory); expected a readable TOML file");
}

}  // namespace
}  // namespace moecap::host
