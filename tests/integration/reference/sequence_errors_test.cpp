// Per-sequence failures land in seq_status, leave that sequence as it was and the others untouched; what the
// backend does not implement is refused at session_create, naming the field.
#include <gtest/gtest.h>

#include <cmath>

#include "plugin_harness.hpp"

namespace moecap::test {
namespace {

class SequenceErrors : public ::testing::Test {
 protected:
  SequenceErrors() : model_(PluginConfig::from_preset(model_preset("mixtral-tiny.toml"), 1)) {}
  std::vector<float> row(const StepOutput& out, size_t index) const {
    const auto vocab = static_cast<size_t>(model_.desc().vocab_size);
    return {out.logits.begin() + static_cast<std::ptrdiff_t>(index * vocab),
            out.logits.begin() + static_cast<std::ptrdiff_t>((index + 1) * vocab)};
  }
  SyntheticModel model_;
};

TEST_F(SequenceErrors, PositionMismatchFailsOnlyThatSequenceAndKeepsItsState) {
  ReferenceSession session(model_);
  ASSERT_EQ(session.step({{1, 0, {3, 4, 5}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_OK);
  // Sequence 1 holds 3 tokens; pos 2 is wrong. Sequence 2 is new and fine.
  const StepOutput out = session.step({{1, 2, {6}, MOECAP_LOGITS_LAST}, {2, 0, {7, 8}, MOECAP_LOGITS_LAST}});
  EXPECT_EQ(out.status, (std::vector<int32_t>{MOECAP_ERR_INVALID_ARG, MOECAP_OK}));
  for (float v : row(out, 0)) EXPECT_TRUE(std::isnan(v));  // the failed sequence's row, marked unusable
  for (float v : row(out, 1)) EXPECT_FALSE(std::isnan(v));
  // Its cache still holds 3 tokens, and continuing from there matches an uninterrupted run.
  const StepOutput resumed = session.step({{1, 3, {6}, MOECAP_LOGITS_LAST}});
  ASSERT_EQ(resumed.status[0], MOECAP_OK);
  ReferenceSession fresh(model_);
  EXPECT_EQ(row(resumed, 0), row(fresh.step({{1, 0, {3, 4, 5, 6}, MOECAP_LOGITS_LAST}}), 0));
}

TEST_F(SequenceErrors, NewSequenceMustStartAtZero) {
  ReferenceSession session(model_);
  EXPECT_EQ(session.step({{5, 4, {1}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_ERR_INVALID_ARG);
  EXPECT_EQ(session.release(5), MOECAP_ERR_NOT_FOUND);  // nothing was created
}

TEST_F(SequenceErrors, TokenOutsideVocabularyAndDuplicateIds) {
  ReferenceSession session(model_);
  const StepOutput out = session.step({{1, 0, {1, 64}, MOECAP_LOGITS_LAST},  // vocab is 64
                                       {2, 0, {1, 2}, MOECAP_LOGITS_LAST},
                                       {2, 0, {1, 2}, MOECAP_LOGITS_LAST}});
  EXPECT_EQ(out.status, (std::vector<int32_t>{MOECAP_ERR_INVALID_ARG, MOECAP_OK, MOECAP_ERR_INVALID_ARG}));
  // A failed sequence routes nothing: the trace counts sequence 2's two tokens only.
  int32_t routed = 0;
  for (int32_t e = 0; e < session.expert_stride(); ++e) routed += out.expert_tokens[static_cast<size_t>(e)];
  EXPECT_EQ(routed, 2 * 2);
}

TEST_F(SequenceErrors, ReleaseForgetsTheSequence) {
  ReferenceSession session(model_);
  ASSERT_EQ(session.step({{7, 0, {1, 2, 3}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_OK);
  EXPECT_EQ(session.release(7), MOECAP_OK);
  EXPECT_EQ(session.release(7), MOECAP_ERR_NOT_FOUND);
  EXPECT_EQ(session.step({{7, 0, {1}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_OK);  // the id starts afresh
}

TEST_F(SequenceErrors, SessionLimits) {
  ReferenceSession session(model_, "max_sequences = 1\nmax_context = 4\n");
  EXPECT_EQ(session.step({{1, 0, {1, 2, 3}, MOECAP_LOGITS_NONE}, {2, 0, {1}, MOECAP_LOGITS_NONE}}).status,
            (std::vector<int32_t>{MOECAP_OK, MOECAP_ERR_UNAVAILABLE}));
  EXPECT_EQ(session.step({{1, 3, {4, 5}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_ERR_INVALID_ARG);
  EXPECT_EQ(session.step({{1, 3, {4}, MOECAP_LOGITS_NONE}}).status[0], MOECAP_OK);
  const moecap_session_info info = session.info();
  EXPECT_EQ(info.compute_dtype, MOECAP_DTYPE_F64);
  EXPECT_EQ(info.kv_dtype, MOECAP_DTYPE_F64);
  EXPECT_EQ(info.weight_dtype, MOECAP_DTYPE_F32);
  EXPECT_EQ(info.max_sequences, 1);
  EXPECT_EQ(info.max_context, 4);
}

TEST_F(SequenceErrors, BadSessionConfigPointsAtTheKey) {
  int32_t code = 0;
  const std::string message = ReferenceSession::create_error(model_, &code, "max_sequences = -2\n");
  EXPECT_EQ(code, MOECAP_ERR_INVALID_ARG);
  EXPECT_NE(message.find("backend.toml:1:17"), std::string::npos) << message;
}

TEST(UnsupportedFeatures, DynamicRopeScalingIsRefusedNamingTheField) {
  SyntheticModel model(PluginConfig(R"(
[description]
family = "mixtral"
vocab_size = 16
hidden_size = 8
n_layers = 1
[description.attention]
n_heads = 2
rope_scaling = "dynamic"
rope_scaling_factor = 2.0
[description.ffn]
n_experts = 2
top_k = 1
expert_intermediate_size = 8
)"));
  int32_t code = 0;
  const std::string message = ReferenceSession::create_error(model, &code);
  EXPECT_EQ(code, MOECAP_ERR_UNSUPPORTED);
  EXPECT_NE(message.find("rope_scaling"), std::string::npos) << message;
}

}  // namespace
}  // namespace moecap::test
