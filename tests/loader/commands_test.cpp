// `moecap plugins --json` lists every fixture with the loader's verdict; `moecap conformance` passes the
// good fixtures and fails the broken ones with the requirement that catches them.
#include "moecap/host/commands.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "fixture_paths.hpp"

namespace moecap::host {
namespace {

using test::fixture;
using test::sink_fixture;

nlohmann::json plugins_json() {
  std::ostringstream out;
  EXPECT_EQ(run_plugins_command(PluginSearchPaths::only({test::fixture_dir()}), true, out), 0);
  return nlohmann::json::parse(out.str());
}

const nlohmann::json* entry_for(const nlohmann::json& doc, const std::string& file_name) {
  for (const nlohmann::json& entry : doc["plugins"])
    if (std::filesystem::path(entry["path"].get<std::string>()).filename() == file_name) return &entry;
  return nullptr;
}

TEST(PluginsCommand, JsonListsEveryFixtureWithStatusAbiProbeAndReason) {
  const nlohmann::json doc = plugins_json();
  ASSERT_EQ(doc["search_path"].size(), 1u);
  EXPECT_EQ(doc["search_path"][0]["path"], test::fixture_dir().string());

  const nlohmann::json* good = entry_for(doc, "libmoecap-sink-fx_good.so");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ((*good)["status"], "loaded");
  EXPECT_EQ((*good)["kind"], "sink");
  EXPECT_EQ((*good)["name"], "fx_good");
  EXPECT_EQ((*good)["variant"], "");
  EXPECT_EQ((*good)["abi"], "1.0");
  EXPECT_TRUE((*good)["probe_score"].is_null());
  EXPECT_TRUE((*good)["reason"].is_null());
  EXPECT_EQ((*good)["selected"], true);

  const nlohmann::json* major = entry_for(doc, "libmoecap-sink-fx_major_mismatch.so");
  ASSERT_NE(major, nullptr);
  EXPECT_EQ((*major)["status"], "rejected");
  EXPECT_EQ((*major)["abi"], "2.0");
  EXPECT_EQ((*major)["reason"],
            sink_fixture("fx_major_mismatch").string() + ": plugin built for SDK ABI 2.x; this host speaks 1.x");
  EXPECT_EQ((*major)["selected"], false);

  const nlohmann::json* skipped = entry_for(doc, "libmoecap-sink-fx_probe_zero.so");
  ASSERT_NE(skipped, nullptr);
  EXPECT_EQ((*skipped)["status"], "skipped");
  EXPECT_EQ((*skipped)["probe_score"], 0);

  const nlohmann::json* missing = entry_for(doc, "libmoecap-sink-fx_missing_dependency.so");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ((*missing)["status"], "rejected");
  EXPECT_NE((*missing)["reason"].get<std::string>().find("libmoecap_fx_helper.so: cannot open shared object file"),
            std::string::npos);

  const nlohmann::json* high = entry_for(doc, "libmoecap-sink-fx_variant-high.so");
  const nlohmann::json* low = entry_for(doc, "libmoecap-sink-fx_variant-low.so");
  const nlohmann::json* plain = entry_for(doc, "libmoecap-sink-fx_variant.so");
  ASSERT_TRUE(high && low && plain);
  EXPECT_EQ((*high)["variant"], "high");
  EXPECT_EQ((*high)["probe_score"], 9);
  EXPECT_EQ((*high)["selected"], true);
  EXPECT_EQ((*low)["selected"], false);
  EXPECT_EQ((*plain)["selected"], false);

  // Every rejected entry says why.
  for (const nlohmann::json& entry : doc["plugins"]) {
    if (entry["status"] != "loaded") {
      EXPECT_FALSE(entry["reason"].is_null()) << entry.dump();
    }
  }
}

TEST(PluginsCommand, TextNamesTheSearchPathAndReasons) {
  std::ostringstream out;
  EXPECT_EQ(run_plugins_command(PluginSearchPaths::only({test::fixture_dir()}), false, out), 0);
  const std::string text = out.str();
  EXPECT_NE(text.find("1. " + test::fixture_dir().string()), std::string::npos) << text;
  EXPECT_NE(text.find("reason: " + sink_fixture("fx_null_required").string() +
                      ": sink 'fx_null_required': required member 'flush' is NULL"),
            std::string::npos)
      << text;
}

nlohmann::json conformance_json(const std::filesystem::path& library, int expected_exit,
                                ConformanceOptions options = {}) {
  options.repetitions = 5;
  std::ostringstream out;
  EXPECT_EQ(run_conformance_command(library.string(), options, true, out), expected_exit) << out.str();
  return nlohmann::json::parse(out.str());
}

std::string status_of(const nlohmann::json& doc, const std::string& id, const std::string& requirement_part = "") {
  for (const nlohmann::json& r : doc["results"])
    if (r["id"] == id && r["requirement"].get<std::string>().find(requirement_part) != std::string::npos)
      return r["status"];
  return "missing";
}

TEST(ConformanceCommand, GoodFixturesOfEveryKindPass) {
  for (const auto& library : {sink_fixture("fx_good"), fixture("model", "fx_tiny"), fixture("task", "fx_tiny"),
                              fixture("backend", "fx_tiny")}) {
    ConformanceOptions options;
    options.model_plugin = fixture("model", "fx_tiny");
    const nlohmann::json doc = conformance_json(library, 0, options);
    for (const char* id : {"BE-LOAD-01", "BE-LOAD-02", "BE-LOAD-03", "BE-LOAD-04", "BE-LOAD-05", "BE-META-01",
                           "BE-META-02", "BE-LIFE-01", "BE-ERR-01", "BE-ERR-02"})
      EXPECT_EQ(status_of(doc, id), "PASS") << library << " " << id << "\n" << doc.dump(2);
    EXPECT_EQ(doc["failed"], 0);
  }
}

TEST(ConformanceCommand, BackendSessionLifecycleIsSkippedWithoutAModel) {
  const nlohmann::json doc = conformance_json(fixture("backend", "fx_tiny"), 0);
  EXPECT_EQ(status_of(doc, "BE-LIFE-01", "session"), "SKIP");
  EXPECT_EQ(status_of(doc, "BE-LIFE-01", "device"), "PASS");
}

TEST(ConformanceCommand, BrokenFixturesFailTheRequirementThatCatchesThem) {
  EXPECT_EQ(status_of(conformance_json(sink_fixture("fx_major_mismatch"), 1), "BE-LOAD-01"), "FAIL");
  EXPECT_EQ(status_of(conformance_json(sink_fixture("fx_missing_dependency"), 1), "BE-LOAD-01"), "FAIL");
  EXPECT_EQ(status_of(conformance_json(sink_fixture("fx_null_required"), 1), "BE-LOAD-01"), "FAIL");
  const nlohmann::json leaky = conformance_json(sink_fixture("fx_extra_export"), 1);
  EXPECT_EQ(status_of(leaky, "BE-LOAD-01"), "PASS");
  EXPECT_EQ(status_of(leaky, "BE-LOAD-02"), "FAIL");
  const nlohmann::json throws = conformance_json(sink_fixture("fx_write_throws"), 1);
  EXPECT_EQ(status_of(throws, "BE-ERR-02"), "FAIL");
  EXPECT_EQ(status_of(throws, "BE-LOAD-01"), "PASS");
}

TEST(ConformanceCommand, LevelsSelectWhatRunsAndUnknownLevelsAreRefused) {
  ConformanceOptions options;
  options.levels = "metadata";
  const nlohmann::json doc = conformance_json(sink_fixture("fx_good"), 0, options);
  EXPECT_EQ(status_of(doc, "BE-META-01"), "PASS");
  EXPECT_EQ(status_of(doc, "BE-LOAD-02"), "missing");
  std::ostringstream out;
  EXPECT_EQ(run_conformance_command(sink_fixture("fx_good").string(), "load,bogus", false, out), 1);
  EXPECT_NE(out.str().find("unknown conformance level 'bogus'"), std::string::npos);
  // all = the structural levels; numerics runs whole models and is asked for by name.
  EXPECT_EQ(status_of(conformance_json(sink_fixture("fx_good"), 0), "BE-NUM-01"), "missing");
}

// The numerics level itself runs in tests/conformance/numerics (it needs the real plugins); here: who it
// applies to, and how it refuses what it cannot run.
TEST(ConformanceCommand, NumericsIsSkippedForPluginsThatAreNotBackends) {
  ConformanceOptions options;
  options.levels = "numerics";
  const nlohmann::json doc = conformance_json(sink_fixture("fx_good"), 0, options);
  for (const char* id : {"BE-NUM-01", "BE-NUM-02", "BE-NUM-03"}) EXPECT_EQ(status_of(doc, id), "SKIP") << id;
  options.dtypes = {"bf16"};
  const nlohmann::json bf16 = conformance_json(fixture("model", "fx_tiny"), 0, options);
  EXPECT_EQ(status_of(bf16, "BE-NUM-02"), "SKIP");
  EXPECT_EQ(status_of(bf16, "BE-NUM-01"), "missing");
}

TEST(ConformanceCommand, NumericsFailsWhenTheNamedReferenceDoesNotLoad) {
  ConformanceOptions options;
  options.levels = "numerics";
  options.dtypes = {"f32"};
  options.reference_backend = test::fixture_dir() / "libmoecap-backend-reference-absent.so";
  const nlohmann::json doc = conformance_json(fixture("backend", "fx_tiny"), 1, options);
  EXPECT_EQ(status_of(doc, "BE-NUM-01"), "FAIL");
}

TEST(ConformanceCommand, NumericsRefusesUnknownFamiliesAndDtypesBeforeRunning) {
  ConformanceOptions options;
  options.levels = "numerics";
  options.families = {"gpt2"};
  std::ostringstream out;
  EXPECT_EQ(run_conformance_command(fixture("backend", "fx_tiny").string(), options, false, out), 1);
  EXPECT_NE(out.str().find("unknown model family 'gpt2'"), std::string::npos) << out.str();
  options.families = {};
  options.dtypes = {"int8"};
  std::ostringstream out2;
  EXPECT_EQ(run_conformance_command(fixture("backend", "fx_tiny").string(), options, false, out2), 1);
  EXPECT_NE(out2.str().find("unknown weight dtype 'int8'"), std::string::npos) << out2.str();
}

}  // namespace
}  // namespace moecap::host
