// One forward, however it is cut into steps: prefill + decode equals the full sequence, a mixed batch equals
// each sequence alone, and the routing trace counts exactly the top-k choices of the step's tokens.
#include <gtest/gtest.h>

#include <map>

#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

class StepConsistency : public ::testing::TestWithParam<const char*> {
 protected:
  StepConsistency() : model_(PluginConfig::from_preset(model_preset(GetParam()), 42)) {}

  std::vector<int32_t> tokens(int32_t count, int32_t salt) const {
    std::vector<int32_t> out;
    for (int32_t i = 0; i < count; ++i) out.push_back((i * 7 + salt * 13 + 3) % model_.desc().vocab_size);
    return out;
  }
  std::vector<float> row(const StepOutput& out, size_t index) const {
    const auto vocab = static_cast<size_t>(model_.desc().vocab_size);
    return {out.logits.begin() + static_cast<std::ptrdiff_t>(index * vocab),
            out.logits.begin() + static_cast<std::ptrdiff_t>((index + 1) * vocab)};
  }
  /// All-position logits of a sequence run alone in one step.
  std::vector<std::vector<float>> alone(const std::vector<int32_t>& sequence) {
    ReferenceSession session(model_);
    const StepOutput out = session.step({{0, 0, sequence, MOECAP_LOGITS_ALL}});
    std::vector<std::vector<float>> rows;
    for (size_t t = 0; t < sequence.size(); ++t) rows.push_back(row(out, t));
    return rows;
  }

  SyntheticModel model_;
};

TEST_P(StepConsistency, PrefillThenDecodeEqualsFullSequence) {
  const std::vector<int32_t> sequence = tokens(10, 1);
  const auto full = alone(sequence);

  ReferenceSession session(model_);
  const std::vector<int32_t> prompt(sequence.begin(), sequence.begin() + 4);
  const StepOutput prefill = session.step({{9, 0, prompt, MOECAP_LOGITS_ALL}});
  ASSERT_EQ(prefill.status[0], MOECAP_OK);
  for (size_t t = 0; t < prompt.size(); ++t) EXPECT_EQ(row(prefill, t), full[t]) << "prefill position " << t;
  for (size_t t = prompt.size(); t < sequence.size(); ++t) {
    const StepOutput decode = session.step({{9, static_cast<int64_t>(t), {sequence[t]}, MOECAP_LOGITS_LAST}});
    ASSERT_EQ(decode.status[0], MOECAP_OK);
    EXPECT_EQ(row(decode, 0), full[t]) << "decode position " << t;
  }
}

TEST_P(StepConsistency, MixedBatchesEqualEachSequenceAlone) {
  const std::vector<int32_t> a = tokens(6, 2), b = tokens(9, 3), c = tokens(3, 4);
  const auto a_alone = alone(a), b_alone = alone(b), c_alone = alone(c);

  ReferenceSession session(model_);
  auto slice = [](const std::vector<int32_t>& v, size_t from, size_t to) {
    return std::vector<int32_t>(v.begin() + static_cast<std::ptrdiff_t>(from),
                                v.begin() + static_cast<std::ptrdiff_t>(to));
  };
  // Step 1: a's whole prompt (last logits) and b's first chunk (all logits).
  StepOutput s1 =
      session.step({{100, 0, slice(a, 0, 5), MOECAP_LOGITS_LAST}, {200, 0, slice(b, 0, 4), MOECAP_LOGITS_ALL}});
  EXPECT_EQ(s1.status, (std::vector<int32_t>{MOECAP_OK, MOECAP_OK}));
  EXPECT_EQ(row(s1, 0), a_alone[4]);
  for (size_t t = 0; t < 4; ++t) EXPECT_EQ(row(s1, 1 + t), b_alone[t]);
  // Step 2 (mixed): a decodes, b prefills its second chunk without logits, c prefills.
  StepOutput s2 = session.step({{100, 5, {a[5]}, MOECAP_LOGITS_LAST},
                                {200, 4, slice(b, 4, 8), MOECAP_LOGITS_NONE},
                                {300, 0, c, MOECAP_LOGITS_ALL}});
  EXPECT_EQ(s2.status, (std::vector<int32_t>{MOECAP_OK, MOECAP_OK, MOECAP_OK}));
  EXPECT_EQ(row(s2, 0), a_alone[5]);
  for (size_t t = 0; t < 3; ++t) EXPECT_EQ(row(s2, 1 + t), c_alone[t]);
  // Step 3: b decodes its last token alone in the batch of one.
  StepOutput s3 = session.step({{200, 8, {b[8]}, MOECAP_LOGITS_ALL}});
  EXPECT_EQ(row(s3, 0), b_alone[8]);
}

TEST_P(StepConsistency, RoutingTraceCountsTheStepsTopKChoices) {
  const moecap_model_desc& d = model_.desc();
  ReferenceSession session(model_);
  const StepOutput out =
      session.step({{1, 0, tokens(7, 5), MOECAP_LOGITS_NONE}, {2, 0, tokens(4, 6), MOECAP_LOGITS_LAST}});
  const int32_t n_tokens = 11;
  const auto stride = static_cast<size_t>(session.expert_stride());
  const auto k_stride = static_cast<size_t>(session.topk_stride());
  for (int32_t layer = 0; layer < d.n_layers; ++layer) {
    const moecap_ffn_desc& ffn = *d.layer_ffn[layer];
    std::map<int32_t, int32_t> counted;
    for (int32_t t = 0; t < n_tokens; ++t)
      for (size_t j = 0; j < k_stride; ++j) {
        const int32_t id =
            out.topk_ids[(static_cast<size_t>(t) * static_cast<size_t>(d.n_layers) + static_cast<size_t>(layer)) *
                             k_stride +
                         j];
        if (ffn.kind == MOECAP_FFN_DENSE || j >= static_cast<size_t>(ffn.top_k)) {
          EXPECT_EQ(id, -1) << "layer " << layer;
        } else {
          ASSERT_GE(id, 0);
          ASSERT_LT(id, ffn.n_experts);
          ++counted[id];
        }
      }
    int32_t total = 0;
    for (size_t e = 0; e < stride; ++e) {
      const int32_t tokens_routed = out.expert_tokens[static_cast<size_t>(layer) * stride + e];
      EXPECT_EQ(tokens_routed, counted[static_cast<int32_t>(e)]) << "layer " << layer << " expert " << e;
      total += tokens_routed;
    }
    EXPECT_EQ(total, ffn.kind == MOECAP_FFN_DENSE ? 0 : n_tokens * ffn.top_k) << "layer " << layer;
  }
  ASSERT_EQ(out.counters.size(), 3u);
  EXPECT_STREQ(out.counters[0].name, "flops");
  EXPECT_GT(out.counters[0].value, 0);
  EXPECT_STREQ(out.counters[1].name, "weight_bytes_read");
  EXPECT_GT(out.counters[1].value, 0);
  EXPECT_GE(out.device_seconds, 0);
}

INSTANTIATE_TEST_SUITE_P(Presets, StepConsistency,
                         ::testing::Values("mixtral-tiny.toml", "qwen2_moe-tiny.toml", "deepseek_v2-tiny.toml",
                                           "deepseek_v3-tiny.toml"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find('.'));
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace moecap::test
