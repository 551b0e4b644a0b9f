// The moecap binary as a user meets it: a pipeline runs and writes its records; a malformed pipeline gives
// one error with file:line:col, exit code 2, and runs nothing; `plugins --json` explains rejections.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Result {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs moecap with args (shell-quoted by the caller), capturing stdout and stderr separately.
Result moecap(const std::string& args, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt";
  const fs::path err = dir / "stderr.txt";
  const std::string command =
      std::string("'") + MOECAP_EXE + "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("moecap-cli-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  fs::path dir_;
};

const char* kTinyPipeline = R"([run]
name = "tiny"
seed = 7

[model]
plugin = "synthetic"
preset = "mixtral-tiny"
seed = 3

[backend]
plugin = "reference"

[workload]
batch_size = 2
prompt_tokens = 5
output_tokens = 3
requests = 3

[[sink]]
plugin = "jsonl"
path = "out/records.jsonl"

[[sink]]
plugin = "console"
)";

std::vector<nlohmann::json> read_jsonl(const fs::path& p) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST_F(Cli, RunWritesRunStepRequestAndSummaryRecords) {
  const fs::path pipeline = write("tiny.toml", kTinyPipeline);
  Result r = moecap("run '" + pipeline.string() + "'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("-- summary tiny/p0000 --"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ttft_p50"), std::string::npos);
  EXPECT_NE(r.out.find("tpot_p50"), std::string::npos);
  EXPECT_NE(r.out.find("decode_tokens_per_s"), std::string::npos);
  EXPECT_NE(r.out.find("activated_experts_per_layer"), std::string::npos);

  const auto records = read_jsonl(dir_ / "out" / "records.jsonl");
  std::map<std::string, int> count;
  for (const auto& rec : records) count[rec.at("record").get<std::string>()]++;
  EXPECT_EQ(count["run"], 1);
  EXPECT_EQ(count["request"], 3);
  EXPECT_EQ(count["summary"], 1);
  // batch 2 of 3 requests, 3 tokens each: prefill, 2 decodes, prefill, 2 decodes.
  EXPECT_EQ(count["step"], 6);
  for (const auto& rec : records) {
    if (rec.at("record") == "step") {
      const auto& trace = rec.at("expert_tokens");
      ASSERT_EQ(trace.size(), 2u);  // mixtral-tiny: 2 layers
      int assigned = 0;
      for (int v : trace.at(0)) assigned += v;
      EXPECT_EQ(assigned, rec.at("tokens").get<int>() * 2);  // top-2
    }
    if (rec.at("record") == "run") {
      EXPECT_EQ(rec.at("model"), "mixtral-tiny");
      EXPECT_EQ(rec.at("config_hash").get<std::string>().size(), 16u);
      EXPECT_TRUE(rec.at("resolved_config").is_string());
    }
    if (rec.at("record") == "request") {
      EXPECT_EQ(rec.at("output_tokens"), 3);
    }
  }
}

TEST_F(Cli, SameSeedSameTokens) {
  const fs::path pipeline = write("tiny.toml", kTinyPipeline);
  ASSERT_EQ(moecap("run -q '" + pipeline.string() + "'", dir_).exit_code, 0);
  auto first = read_jsonl(dir_ / "out" / "records.jsonl");
  ASSERT_EQ(moecap("run -q '" + pipeline.string() + "'", dir_).exit_code, 0);
  auto second = read_jsonl(dir_ / "out" / "records.jsonl");
  std::vector<nlohmann::json> a, b;
  for (const auto& r : first)
    if (r.at("record") == "request") a.push_back(r.at("output_ids"));
  for (const auto& r : second)
    if (r.at("record") == "request") b.push_back(r.at("output_ids"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 3u);
}

TEST_F(Cli, SweepOverrideRunsEveryPoint) {
  const fs::path pipeline = write("tiny.toml", kTinyPipeline);
  Result r = moecap("run -q '" + pipeline.string() + "' --set 'workload.batch_size=[1,3]'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int runs = 0;
  for (const auto& rec : read_jsonl(dir_ / "out" / "records.jsonl")) runs += rec.at("record") == "run";
  EXPECT_EQ(runs, 2);
  EXPECT_NE(r.out.find("tiny/p0001"), std::string::npos);
}

TEST_F(Cli, ValidateListsPointsAndRunsNothing) {
  const fs::path pipeline = write("tiny.toml", kTinyPipeline);
  Result r = moecap("validate '" + pipeline.string() + "'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("valid, 1 run point"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// Each malformed pipeline: exit 2, one error naming file:line:col, and nothing ran (no output file).
struct BadCase {
  const char* name;
  const char* from;  // text of kTinyPipeline to replace
  const char* to;
  const char* expected;  // substring of stderr after "<file>:"
};

class CliBadInput : public Cli, public ::testing::WithParamInterface<BadCase> {};

TEST_P(CliBadInput, ExitTwoWithPositionAndNothingRuns) {
  const BadCase& c = GetParam();
  std::string text = kTinyPipeline;
  const auto at = text.find(c.from);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string(c.from).size(), c.to);
  const fs::path pipeline = write("bad.toml", text);
  Result r = moecap("run '" + pipeline.string() + "'", dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(pipeline.string() + ":" + c.expected), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("running tiny"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "records.jsonl"));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Malformed, CliBadInput,
                         ::testing::Values(BadCase{"syntax", "batch_size = 2", "batch_size = = 2", "14:"},
                                           BadCase{"unknown_key", "batch_size = 2", "batch_sise = 2",
                                                   "14:1: unknown key 'workload.batch_sise'"},
                                           BadCase{"wrong_type", "batch_size = 2", "batch_size = \"two\"", "14:14: "},
                                           BadCase{"unknown_plugin", "plugin = \"reference\"", "plugin = \"refrence\"",
                                                   "11:10: backend plugin 'refrence'"},
                                           BadCase{"missing_path", "plugin = \"reference\"",
                                                   "path = \"no/such/libmoecap-backend-x.so\"", "11:"},
                                           BadCase{"bad_value", "batch_size = 2", "batch_size = 0", "14:14: "}),
                         [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST_F(Cli, PluginsJsonExplainsRejections) {
  Result r = moecap(std::string("plugins --json --plugin-path '") + MOECAP_FIXTURE_PLUGIN_DIR + "'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto listing = nlohmann::json::parse(r.out);
  const auto& candidates = listing.at("plugins");
  int rejected_with_reason = 0;
  for (const auto& c : candidates) {
    const std::string path = c.at("path");
    if (path.find(MOECAP_FIXTURE_PLUGIN_DIR) != 0) continue;
    if (c.at("status") != "loaded") {
      EXPECT_FALSE(c.at("reason").get<std::string>().empty()) << c.dump();
      ++rejected_with_reason;
    }
  }
  EXPECT_GE(rejected_with_reason, 8) << r.out;
}

}  // namespace
