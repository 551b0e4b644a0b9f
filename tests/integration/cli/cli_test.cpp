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
                                           BadCase{"bad_value", "batch_size = 2", "batch_size = 0", "14:14: "},
                                           BadCase{"hardware_unknown_key", "[[sink]]\nplugin = \"jsonl\"",
                                                   "[hardware]\ndevise = \"h100-sxm\"\n[[sink]]\nplugin = \"jsonl\"",
                                                   "20:1: unknown key 'hardware.devise'"},
                                           BadCase{"cost_out_of_range", "[[sink]]\nplugin = \"jsonl\"",
                                                   "[cost]\nutilisation = 1.5\n[[sink]]\nplugin = \"jsonl\"",
                                                   "20:15: 'cost.utilisation' is 1.5"},
                                           BadCase{"hardware_swept", "[[sink]]\nplugin = \"jsonl\"",
                                                   "[sweep]\n\"hardware.device\" = [\"h100-sxm\", \"h200\"]\n"
                                                   "[[sink]]\nplugin = \"jsonl\"",
                                                   "20:1: 'hardware.device' cannot be swept"}),
                         [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

const nlohmann::json& summary_of(const std::vector<nlohmann::json>& records) {
  for (const auto& r : records)
    if (r.at("record") == "summary") return r;
  throw std::runtime_error("no summary record");
}

// No [hardware]: judged on "this machine" (the fixture entry tests point MOECAP_MACHINE_FILE at: 10 GB/s,
// 0.05 TFLOP/s fp64, 50 W, $1000), energy estimated from its TDP, and the radar written.
TEST_F(Cli, RunReportsRatiosEnergyCostAndRadarForThisMachine) {
  const fs::path pipeline =
      write("tiny.toml", std::string(kTinyPipeline) + "\n[report]\nradar_svg = \"out/radar.svg\"\n");
  Result r = moecap("run '" + pipeline.string() + "'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* field : {"decode_s_mbu ", "decode_s_mbu_full", "decode_mbu ", "all_s_mfu", "all_mfu", "energy_j",
                            "energy_source", "usd_per_million_output_tokens"})
    EXPECT_NE(r.out.find(field), std::string::npos) << field;
  const nlohmann::json s = summary_of(read_jsonl(dir_ / "out" / "records.jsonl"));
  EXPECT_NE(s.at("hardware").get<std::string>().find("this-machine (Test CPU"), std::string::npos) << s.dump();
  EXPECT_DOUBLE_EQ(s.at("hardware_bandwidth_bytes_per_s").get<double>(), 1e10);
  EXPECT_EQ(s.at("peak_dtype"), "fp64");  // backend-reference computes in double
  EXPECT_DOUBLE_EQ(s.at("hardware_peak_flops_per_s").get<double>(), 5e10);
  // The ratios are the achieved rates over the peaks.
  EXPECT_NEAR(s.at("decode_s_mbu").get<double>(), s.at("decode_s_mbu_bytes_per_s").get<double>() / 1e10, 1e-12);
  EXPECT_NEAR(s.at("decode_s_mbu_full").get<double>(), s.at("decode_s_mbu_full_bytes_per_s").get<double>() / 1e10,
              1e-12);
  EXPECT_NEAR(s.at("all_s_mfu").get<double>(), s.at("s_mfu_flops_per_s").get<double>() / 5e10, 1e-12);
  EXPECT_LT(s.at("decode_s_mbu").get<double>(), s.at("decode_mbu").get<double>());  // sparsity shows
  // Energy: estimated, TDP (50 W + the DRAM the run kept) × the time the steps took, split by phase.
  EXPECT_EQ(s.at("energy_source"), "estimated");
  const double busy = s.at("busy_s").get<double>();
  const double energy = s.at("energy_j").get<double>();
  EXPECT_GE(s.at("average_power_w").get<double>(), 50.0);
  EXPECT_LT(s.at("average_power_w").get<double>(), 50.1);
  EXPECT_NEAR(energy, s.at("prefill_energy_j").get<double>() + s.at("decode_energy_j").get<double>(), 1e-9);
  EXPECT_NEAR(energy, s.at("average_power_w").get<double>() * busy, 1e-9);
  // Cost: $1000 + DRAM, amortised over 3 years at utilisation 1, energy at 0.15 $/kWh, over 9 output tokens.
  const double purchase = s.at("purchase_usd").get<double>();
  EXPECT_GT(purchase, 1000.0);
  EXPECT_LT(purchase, 1001.0);
  const double capex = purchase / (3 * 365.25 * 86400) * busy;
  EXPECT_NEAR(s.at("capex_usd").get<double>(), capex, capex * 1e-6);
  const double energy_usd = energy / 3.6e6 * 0.15;
  EXPECT_NEAR(s.at("energy_usd").get<double>(), energy_usd, energy_usd * 1e-9);
  EXPECT_NEAR(s.at("usd_per_million_output_tokens").get<double>(), (capex + energy_usd) / 9 * 1e6,
              (capex + energy_usd) / 9 * 1e6 * 1e-6);
  const std::string svg = slurp(dir_ / "out" / "radar.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("accuracy n/a"), std::string::npos);  // no task measured accuracy
}

// [hardware] names a catalog system: its peaks and prices, the MoE-CAP code's figure beside ours, and an
// energy estimate (this machine's counters do not measure that system).
TEST_F(Cli, NamedHardwareIsWhatTheRunIsJudgedOn) {
  const fs::path pipeline =
      write("tiny.toml", std::string(kTinyPipeline) +
                             "\n[hardware]\ndevice = \"h100-sxm\"\ndevice_count = 2\ncpu = \"epyc-9654\"\n"
                             "compute_dtype = \"bf16\"\n[cost]\nlifetime_years = 5\nusd_per_kwh = 0.1\npue = 1.2\n");
  Result r = moecap("run -q '" + pipeline.string() + "'", dir_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json s = summary_of(read_jsonl(dir_ / "out" / "records.jsonl"));
  EXPECT_EQ(s.at("hardware"), "2 x h100-sxm + epyc-9654");
  EXPECT_DOUBLE_EQ(s.at("hardware_bandwidth_bytes_per_s").get<double>(), 2 * 3.35e12);
  EXPECT_EQ(s.at("peak_dtype"), "bf16");
  EXPECT_DOUBLE_EQ(s.at("hardware_peak_flops_per_s").get<double>(), 2 * 989.4e12);
  EXPECT_NE(s.at("energy_detail").get<std::string>().find("not this machine"), std::string::npos);
  EXPECT_NEAR(s.at("average_power_w").get<double>(), 2 * 700 + 360, 1e-9);  // DRAM of a GPU system is not priced
  EXPECT_DOUBLE_EQ(s.at("cost_lifetime_years").get<double>(), 5);
  EXPECT_DOUBLE_EQ(s.at("cost_pue").get<double>(), 1.2);
  const double energy_usd = s.at("energy_j").get<double>() / 3.6e6 * 0.1 * 1.2;
  EXPECT_NEAR(s.at("energy_usd").get<double>(), energy_usd, energy_usd * 1e-9);
  EXPECT_TRUE(s.contains("moecap_code_cost_usd"));
}

TEST_F(Cli, UnknownHardwareIsBadInputNamingTheKnownIds) {
  const fs::path pipeline = write("tiny.toml", std::string(kTinyPipeline) + "\n[hardware]\ndevice = \"h100-sxn\"\n");
  Result r = moecap("run '" + pipeline.string() + "'", dir_);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("[hardware] device = \"h100-sxn\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("h100-sxm"), std::string::npos) << r.err;  // the known ids are listed
  EXPECT_FALSE(fs::exists(dir_ / "out" / "records.jsonl"));
  Result validated = moecap("validate '" + pipeline.string() + "'", dir_);
  EXPECT_EQ(validated.exit_code, 2) << validated.err;
  EXPECT_NE(validated.err.find("h100-sxn"), std::string::npos) << validated.err;
}

// analyze recomputes every summary figure from the stored records alone (no plugin runs), re-prices on
// another system, and notices a tampered record.
TEST_F(Cli, AnalyzeRecomputesTheSummaryAndRepricesIt) {
  const fs::path pipeline = write("tiny.toml", kTinyPipeline);
  ASSERT_EQ(moecap("run -q '" + pipeline.string() + "' --set 'workload.batch_size=[1,2]'", dir_).exit_code, 0);
  const fs::path results = dir_ / "out" / "records.jsonl";
  Result checked = moecap("analyze '" + results.string() + "'", dir_);
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_NE(checked.err.find("tiny/p0000: "), std::string::npos) << checked.err;
  EXPECT_NE(checked.err.find("tiny/p0001: "), std::string::npos) << checked.err;
  EXPECT_NE(checked.err.find("figures recomputed equal the stored summary"), std::string::npos) << checked.err;
  EXPECT_NE(checked.out.find("-- analyzed tiny/p0001 --"), std::string::npos);

  Result repriced = moecap("analyze --json --hardware h100-sxm --device-count 2 '" + results.string() + "'", dir_);
  ASSERT_EQ(repriced.exit_code, 0) << repriced.err;
  std::istringstream lines(repriced.out);
  int summaries = 0;
  for (std::string line; std::getline(lines, line); ++summaries) {
    const auto s = nlohmann::json::parse(line);
    EXPECT_EQ(s.at("hardware"), "2 x h100-sxm");
    EXPECT_NEAR(s.at("decode_s_mbu").get<double>(), s.at("decode_s_mbu_bytes_per_s").get<double>() / 6.7e12, 1e-15);
    EXPECT_EQ(s.at("energy_source"), "estimated");
    EXPECT_DOUBLE_EQ(s.at("purchase_usd").get<double>(), 2 * 38000);
  }
  EXPECT_EQ(summaries, 2);

  // A step's latency changed after the fact: the recomputed summary no longer matches.
  std::string text = slurp(results);
  const auto at = text.find("\"latency_s\":");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + std::string("\"latency_s\":").size(), "1");
  std::ofstream(results) << text;
  Result tampered = moecap("analyze '" + results.string() + "'", dir_);
  EXPECT_EQ(tampered.exit_code, 1) << tampered.err;
  EXPECT_NE(tampered.err.find("(stored "), std::string::npos) << tampered.err;
}

TEST_F(Cli, AnalyzeBadInputNamesFileAndLine) {
  const fs::path results = write("bad.jsonl", "{\"record\":\"run\",\"run_id\":\"a/p0\"}\nnot json\n");
  Result r = moecap("analyze '" + results.string() + "'", dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(results.string() + ":2: not JSON"), std::string::npos) << r.err;
  const fs::path orphan = write("orphan.jsonl", "{\"record\":\"step\",\"run_id\":\"a/p0\"}\n");
  r = moecap("analyze '" + orphan.string() + "'", dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(orphan.string() + ":1: a step record of run 'a/p0' before its run record"), std::string::npos)
      << r.err;
  const fs::path no_description = write("old.jsonl", "{\"record\":\"run\",\"run_id\":\"a/p0\"}\n");
  r = moecap("analyze '" + no_description.string() + "'", dir_);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("has no model_description"), std::string::npos) << r.err;
}

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
