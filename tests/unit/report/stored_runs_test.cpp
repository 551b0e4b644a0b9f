// Results files read back into the records metrics are computed from: what a STEP and REQUEST record
// become, how runs are grouped, and that bad lines are named.
#include "moecap/host/stored_runs.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace moecap::host {
namespace {

namespace fs = std::filesystem;

class StoredRunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = fs::temp_directory_path() / ("moecap-stored-runs-" + std::to_string(std::random_device{}()) + ".jsonl");
  }
  void TearDown() override { fs::remove(file_); }
  void write(const std::string& text) { std::ofstream(file_) << text; }
  std::string error() {
    try {
      read_stored_runs(file_);
    } catch (const StoredRunsError& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }
  fs::path file_;
};

const char* kStep =
    R"({"record":"step","run_id":"a/p0","step":3,"mode":"decode","sequences":2,"tokens":2,"prefill_tokens":0,)"
    R"("decode_tokens":2,"context_lengths":[9,12],"new_tokens":[1,1],"start_s":1.5,"latency_s":0.25,)"
    R"("device_s":0.2,"expert_tokens":[[1,0,1],[0,2,0]],"counters":{"threads":{"value":2,"unit":"count"}}})";

TEST_F(StoredRunsTest, RebuildsStepsAndRequestsPerRunInOrder) {
  write(std::string(R"({"record":"run","run_id":"a/p0","model":"m"})") + "\n" + kStep + "\n" +
        R"({"record":"request","run_id":"a/p0","request":7,"prompt_tokens":5,"arrival_s":2.0,)"
        R"("token_times_s":[0.5,0.75],"output_ids":[4,2]})" +
        "\n" + R"({"record":"future_kind","run_id":"a/p0","x":1})" + "\n\n" + R"({"record":"run","run_id":"a/p1"})" +
        "\n" + R"({"record":"summary","run_id":"a/p0","steps":1})" + "\n");
  const std::vector<StoredRun> runs = read_stored_runs(file_);
  ASSERT_EQ(runs.size(), 2u);
  const StoredRun& a = runs[0];
  EXPECT_EQ(a.run_id, "a/p0");
  EXPECT_EQ(a.run.at("model"), "m");
  ASSERT_EQ(a.steps.size(), 1u);
  const StepRecord& s = a.steps[0];
  EXPECT_EQ(s.index, 3);
  EXPECT_EQ(s.mode, StepMode::decode);
  EXPECT_EQ(s.n_seqs, 2);
  EXPECT_EQ(s.context_lengths, (std::vector<int64_t>{9, 12}));
  EXPECT_DOUBLE_EQ(s.latency_s, 0.25);
  EXPECT_EQ(s.n_layers, 2);
  EXPECT_EQ(s.expert_stride, 3);
  EXPECT_EQ(s.expert_tokens, (std::vector<int32_t>{1, 0, 1, 0, 2, 0}));
  EXPECT_EQ(s.activated_experts(0), 2);
  ASSERT_EQ(s.counters.size(), 1u);
  EXPECT_EQ(s.counters[0].name, "threads");
  ASSERT_EQ(a.requests.size(), 1u);
  const RequestRecord& q = a.requests[0];
  EXPECT_EQ(q.id, 7);
  EXPECT_DOUBLE_EQ(q.arrival_s, 2.0);
  EXPECT_EQ(q.token_times_s, (std::vector<double>{2.5, 2.75}));  // stored relative to the arrival
  EXPECT_DOUBLE_EQ(q.first_token_s, 2.5);
  EXPECT_DOUBLE_EQ(q.finish_s, 2.75);
  EXPECT_EQ(q.output_ids, (std::vector<int32_t>{4, 2}));
  ASSERT_TRUE(a.summary.has_value());  // a summary after another run's RUN record still finds its run
  EXPECT_FALSE(runs[1].summary.has_value());
}

TEST_F(StoredRunsTest, BadLinesAreNamedWithWhatWasExpected) {
  write(std::string(R"({"record":"run","run_id":"a/p0"})") + "\n" + R"({"record":"step","run_id":"a/p0","step":1})" +
        "\n");
  EXPECT_NE(error().find(file_.string() + ":2: no field 'mode' in a step record"), std::string::npos);
  write(std::string(R"({"record":"run","run_id":"a/p0"})") + "\n" + [] {
    std::string step = kStep;
    step.replace(step.find("\"decode\""), 8, "\"sideways\"");
    return step;
  }() + "\n");
  EXPECT_NE(error().find(":2: unknown step mode 'sideways'; expected prefill, decode or mixed"), std::string::npos);
  write(std::string(R"({"record":"run","run_id":"a/p0"})") + "\n" + [] {
    std::string step = kStep;
    step.replace(step.find("[[1,0,1],[0,2,0]]"), 17, "[[1,0,1],[0,2]]");
    return step;
  }() + "\n");
  EXPECT_NE(error().find("'expert_tokens' layers differ in length"), std::string::npos);
  write("[1, 2]\n");
  EXPECT_NE(error().find(":1: not a moecap record"), std::string::npos);
  fs::remove(file_);
  EXPECT_NE(error().find("cannot read the results file"), std::string::npos);
}

}  // namespace
}  // namespace moecap::host
