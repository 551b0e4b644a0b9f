// The fixed workload drives a fake system under test whose behaviour is fully known, so the step sequence,
// the fed-back tokens, KV positions and timing bookkeeping can be checked exactly.
#include <gtest/gtest.h>

#include <map>

#include "moecap/host/host_services.hpp"
#include "moecap/host/workload.hpp"

namespace moecap::host {
namespace {

// vocab 8; layer 0 is MoE (4 experts, top-2: token t goes to experts t%4 and (t+1)%4), layer 1 is dense.
// The next token is always (fed token + 1) % 8. Positions are checked against its own KV bookkeeping.
class FakeTarget : public StepTarget {
 public:
  StepShape shape() const override { return {8, 2, 4, {2, 0}}; }
  void step(const moecap_batch& batch, moecap_step_result& result) override {
    const int32_t* token = batch.token_ids;
    size_t row = 0;
    for (int32_t i = 0; i < batch.n_seqs; ++i) {
      const int64_t id = batch.seq_ids[i];
      EXPECT_EQ(batch.pos[i], kv_[id]) << "sequence " << id;
      std::vector<int32_t>& history = history_[id];
      for (int32_t t = 0; t < batch.n_new[i]; ++t, ++token) {
        history.push_back(*token);
        if (!broken_trace_) {
          result.expert_tokens[*token % 4] += 1;
          result.expert_tokens[(*token + 1) % 4] += 1;
        }
      }
      kv_[id] += batch.n_new[i];
      if (batch.logits_mode[i] == MOECAP_LOGITS_LAST) {
        float* logits = result.logits + row * 8;
        for (int v = 0; v < 8; ++v) logits[v] = 0;
        logits[(history.back() + 1) % 8] = 1;
        ++row;
      }
      if (fail_seq_ == id) result.seq_status[i] = MOECAP_ERR_OUT_OF_MEMORY;
    }
    result.device_seconds = 0.001;
    result.counters[0] = {"weight_bytes_read", "bytes", 42};
    result.counters_count = 1;
    ++steps_;
  }
  void release(int64_t seq_id) override {
    released_.push_back(seq_id);
    kv_.erase(seq_id);
  }

  std::map<int64_t, int64_t> kv_;
  std::map<int64_t, std::vector<int32_t>> history_;
  std::vector<int64_t> released_;
  int steps_ = 0;
  bool broken_trace_ = false;
  int64_t fail_seq_ = -1;
};

TEST(FixedWorkload, ContinuousBatchingStepsAndTokens) {
  FakeTarget target;
  WorkloadSpec spec;
  spec.batch_size = 2;
  spec.prompt_tokens = 4;
  spec.output_tokens = 3;
  spec.requests = 3;
  spec.warmup_steps = 2;
  std::vector<int64_t> streamed;
  WorkloadResult result = run_fixed_workload(target, spec, [&](const StepRecord& r) { streamed.push_back(r.index); });

  // 2 warm-up steps, then: prefill(r0,r1), decode, decode, prefill(r2), decode, decode.
  EXPECT_EQ(target.steps_, 2 + 6);
  ASSERT_EQ(result.steps.size(), 6u);
  EXPECT_EQ(streamed, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(result.steps[0].mode, StepMode::prefill);
  EXPECT_EQ(result.steps[0].n_tokens, 8);
  EXPECT_EQ(result.steps[0].context_lengths, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(result.steps[1].mode, StepMode::decode);
  EXPECT_EQ(result.steps[1].context_lengths, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(result.steps[2].context_lengths, (std::vector<int64_t>{6, 6}));
  EXPECT_EQ(result.steps[3].mode, StepMode::prefill);
  EXPECT_EQ(result.steps[3].n_seqs, 1);
  EXPECT_EQ(result.steps[1].counters.size(), 1u);
  EXPECT_EQ(result.steps[1].counters[0].name, "weight_bytes_read");

  // Every request: greedy chain from its last prompt token, 3 tokens, TTFT at the prefill step.
  ASSERT_EQ(result.requests.size(), 3u);
  for (const RequestRecord& req : result.requests) {
    ASSERT_EQ(req.output_ids.size(), 3u);
    const int32_t last_prompt = target.history_.count(req.id) ? target.history_[req.id][3] : -1;
    EXPECT_EQ(req.output_ids[0], (last_prompt + 1) % 8);
    EXPECT_EQ(req.output_ids[1], (req.output_ids[0] + 1) % 8);
    EXPECT_EQ(req.output_ids[2], (req.output_ids[1] + 1) % 8);
    EXPECT_LE(req.arrival_s, req.first_token_s);
    EXPECT_LE(req.first_token_s, req.finish_s);
    EXPECT_EQ(req.token_times_s.size(), 3u);
  }
  // Warm-up sequences and every request were released.
  EXPECT_EQ(target.released_.size(), 2u + 3u);
  // Routing union: experts touched by the step's tokens.
  EXPECT_GE(result.steps[0].activated_experts(0), 2);
  EXPECT_EQ(result.steps[0].activated_experts(1), 0);
}

TEST(FixedWorkload, MixedStepWhenARequestJoinsDecoding) {
  FakeTarget target;
  WorkloadSpec spec;
  spec.batch_size = 2;
  spec.prompt_tokens = 2;
  spec.output_tokens = 2;
  spec.requests = 3;
  spec.warmup_steps = 0;
  // r0,r1 prefill; decode (both finish); r2 prefill; decode. No mixed here, so stagger with output 1 vs 2:
  spec.output_tokens = 1;
  WorkloadResult result = run_fixed_workload(target, spec);
  ASSERT_EQ(result.steps.size(), 2u);  // each step prefills and finishes its requests
  for (const auto& s : result.steps) EXPECT_EQ(s.mode, StepMode::prefill);
}

TEST(FixedWorkload, BrokenTraceIsAnError) {
  FakeTarget target;
  target.broken_trace_ = true;
  WorkloadSpec spec;
  spec.warmup_steps = 0;
  try {
    run_fixed_workload(target, spec);
    FAIL() << "expected an error";
  } catch (const HostException& e) {
    EXPECT_NE(std::string(e.what()).find("the routing trace of layer 0 holds 0 token assignments"), std::string::npos)
        << e.what();
  }
}

TEST(FixedWorkload, FailedSequenceIsAnError) {
  FakeTarget target;
  target.fail_seq_ = 1;
  WorkloadSpec spec;
  spec.batch_size = 2;
  spec.warmup_steps = 0;
  EXPECT_THROW(run_fixed_workload(target, spec), HostException);
}

TEST(FixedWorkload, RejectsBadSpec) {
  FakeTarget target;
  WorkloadSpec spec;
  spec.batch_size = 0;
  EXPECT_THROW(run_fixed_workload(target, spec), HostException);
}

}  // namespace
}  // namespace moecap::host
