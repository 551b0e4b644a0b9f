// S-MBU, S-MBU-full, MBU, S-MFU and MFU of single steps, computed by hand from the formulas in
// step_utilisation.hpp and the per-layer constants of moe-cap-method.md §2.7.
#include "moecap/host/step_utilisation.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "model_presets.hpp"
#include "step_trace.hpp"

namespace moecap::host {
namespace {

constexpr double kAttn = 41'943'040;     // Mixtral S_attn
constexpr double kExpert = 176'160'768;  // Mixtral E
constexpr double kKv = 65'536;           // Mixtral KV elements per token
constexpr double kRouter = 8 * 4096;

// §12 setup: 2 × A100-SXM4-80GB, bf16 dense peak 312 TF each.
constexpr HardwarePeaks kTwoA100{2 * 2.039e12, 2 * 312e12};

// The worked decode example: 16 sequences whose contexts sum to 16,384, 0.05 s, and a trace whose
// per-layer unions average 206/32 = 6.4375 (18 layers use 6 experts, 14 use 7).
StepRecord mixtral_decode_example() {
  StepRecord step = test::make_step(std::vector<int64_t>(16, 1024), std::vector<int64_t>(16, 1), 0.05, 32, 8);
  for (int32_t layer = 0; layer < 32; ++layer) test::spread(step, layer, layer < 18 ? 6 : 7, 32);
  return step;
}

TEST(StepUtilisation, MixtralDecodeExample) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const StepRecord step = mixtral_decode_example();
  ASSERT_EQ(step.mode, StepMode::decode);
  const StepUtilisation u = step_utilisation(step, model, kTwoA100);

  EXPECT_DOUBLE_EQ(u.mean_activated_experts, 6.4375);
  EXPECT_EQ(u.activated_experts[0], 6);
  EXPECT_EQ(u.activated_experts[31], 7);

  // S_activated + S_KV = 2 bytes · (32·S_attn + 206·E + 16,384·KV) = 77,410,074,624 bytes.
  const double s_mbu_bytes = 2 * (32 * kAttn + 206 * kExpert + 16384 * kKv);
  EXPECT_DOUBLE_EQ(u.bytes.s_mbu_numerator(), s_mbu_bytes);
  EXPECT_DOUBLE_EQ(u.bytes.kv, 2 * 16384 * kKv);
  EXPECT_DOUBLE_EQ(u.s_mbu, s_mbu_bytes / 0.05 / 4.078e12);
  EXPECT_NEAR(u.s_mbu, 0.37965, 5e-6);  // the §12 value 0.37979 is for a mean union of exactly 6.44

  // MBU: every expert of every layer.
  EXPECT_DOUBLE_EQ(u.mbu, 2 * (32 * kAttn + 256 * kExpert + 16384 * kKv) / 0.05 / 4.078e12);

  // S-MBU-full adds routers, 65 norms of 4096, 16 embedding rows and the 32000 × 4096 head.
  const double extra = 2 * (32 * kRouter + 65 * 4096 + 16 * 4096 + 32000.0 * 4096);
  EXPECT_DOUBLE_EQ(u.s_mbu_full, (s_mbu_bytes + extra) / 0.05 / 4.078e12);

  // S-MFU: 16 tokens × 2·32·(S_attn + router + 2·E) + attention scores 4·32·32·128·16,384.
  const double weight_flops = 16 * 2 * 32 * (kAttn + kRouter + 2 * kExpert);
  const double score_flops = 4.0 * 32 * 32 * 128 * 16384;
  EXPECT_DOUBLE_EQ(u.flops.sparse(), weight_flops + score_flops);
  EXPECT_TRUE(u.flops.attention_exact);
  EXPECT_DOUBLE_EQ(u.s_mfu, (weight_flops + score_flops) / 0.05 / 624e12);
  EXPECT_DOUBLE_EQ(u.mfu, (16 * 2 * 32 * (kAttn + kRouter + 8 * kExpert) + score_flops) / 0.05 / 624e12);
}

TEST(StepUtilisation, MixtralPrefillFromZero) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  StepRecord step = test::make_step({4000}, {4000}, 0.5, 32, 8);
  for (int32_t layer = 0; layer < 32; ++layer) test::spread(step, layer, 8, 8000);
  ASSERT_EQ(step.mode, StepMode::prefill);
  const StepUtilisation u = step_utilisation(step, model, kTwoA100);
  EXPECT_DOUBLE_EQ(u.mean_activated_experts, 8);
  EXPECT_DOUBLE_EQ(u.s_mbu, 2 * (32 * kAttn + 256 * kExpert + 4000 * kKv) / 0.5 / 4.078e12);
  EXPECT_DOUBLE_EQ(u.s_mbu, u.mbu);  // every expert used
  // Causal: token j of the prompt sees j+1 positions, Σ = 4000·4001/2.
  const double score_flops = 4.0 * 32 * 32 * 128 * (4000.0 * 4001 / 2);
  const double weight_flops = 4000 * 2 * 32 * (kAttn + kRouter + 2 * kExpert);
  EXPECT_DOUBLE_EQ(u.s_mfu, (weight_flops + score_flops) / 0.5 / 624e12);
}

TEST(StepUtilisation, DeepSeekMixedStepCountsSharedDenseAndIgnoresDenseRows) {
  const auto preset = test::deepseek_v2_lite();
  const ModelAccounting model(preset->desc());
  // Three decoding sequences and one prefill chunk of 50 tokens at position 100.
  StepRecord step = test::make_step({100, 200, 300, 150}, {1, 1, 1, 50}, 0.02, 27, 64);
  ASSERT_EQ(step.mode, StepMode::mixed);
  for (int32_t e = 0; e < 64; ++e) step.expert_tokens[static_cast<size_t>(e)] = 1;  // a dense layer's row: ignored
  for (int32_t layer = 1; layer < 27; ++layer) test::spread(step, layer, 10, 53 * 6);
  const HardwarePeaks peaks{1e12, 1e14};
  const StepUtilisation u = step_utilisation(step, model, peaks);

  EXPECT_EQ(u.activated_experts[0], 0);
  EXPECT_DOUBLE_EQ(u.mean_activated_experts, 10);
  const double attention = 27 * (13'762'560.0 + 512);
  const double activated = attention + 67'239'936 + 26 * (10 * 8'650'752.0 + 17'301'504);
  EXPECT_DOUBLE_EQ(u.bytes.activated() / 2, activated);
  EXPECT_DOUBLE_EQ(u.bytes.kv, 750 * 15'552.0 * 2);
  EXPECT_DOUBLE_EQ(u.s_mbu, 2 * (activated + 750 * 15'552.0) / 0.02 / 1e12);

  // Scores: decode tokens see 100 + 200 + 300 positions, the chunk 50·150 − 50·49/2 = 6275.
  EXPECT_TRUE(u.flops.attention_exact);
  EXPECT_DOUBLE_EQ(u.flops.attention_scores, 27.0 * 2 * 16 * (192 + 128) * (600 + 6275));
  const double dense_layer = 2 * (13'762'560.0 + 512 + 67'239'936);
  const double moe_layer = 2 * (13'762'560.0 + 512 + 64 * 2048 + 17'301'504 + 6 * 8'650'752.0);
  EXPECT_DOUBLE_EQ(u.flops.sparse_weights, 53 * (dense_layer + 26 * moe_layer));
}

TEST(StepUtilisation, MixedStepWithoutNewTokensIsFlaggedApproximate) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  StepRecord step = test::make_step({100, 300}, {1, 50}, 0.01, 32, 8);
  step.new_tokens.clear();  // e.g. read back from an older JSONL
  for (int32_t layer = 0; layer < 32; ++layer) test::spread(step, layer, 4, 102);
  const StepNewTokens inferred = infer_new_tokens(step);
  EXPECT_FALSE(inferred.exact);
  const StepFlops flops = step_flops(step, model);
  EXPECT_FALSE(flops.attention_exact);
  EXPECT_DOUBLE_EQ(flops.attention_scores, 51 * 4.0 * 32 * 32 * 128 * 200);  // every token at the mean context
}

TEST(StepUtilisation, InfersNewTokensWhereTotalsDecide) {
  StepRecord decode = test::make_step({10, 20}, {1, 1}, 1, 0, 0);
  decode.new_tokens.clear();
  EXPECT_EQ(infer_new_tokens(decode).per_sequence, (std::vector<int64_t>{1, 1}));
  StepRecord prefill = test::make_step({10, 20}, {10, 20}, 1, 0, 0);
  prefill.new_tokens.clear();
  EXPECT_EQ(infer_new_tokens(prefill).per_sequence, (std::vector<int64_t>{10, 20}));
  StepRecord chunk = test::make_step({300}, {50}, 1, 0, 0);
  chunk.new_tokens.clear();
  EXPECT_EQ(infer_new_tokens(chunk).per_sequence, (std::vector<int64_t>{50}));
  StepRecord bad = test::make_step({10}, {11}, 1, 0, 0);
  EXPECT_THROW(infer_new_tokens(bad), std::invalid_argument);
}

TEST(StepUtilisation, KvBytesUseTheKvDtypeNotTheWeights) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc(), {.weight_bytes_per_element = 1, .kv_bytes_per_element = 2});
  const StepBytes bytes = step_bytes(mixtral_decode_example(), model);
  EXPECT_DOUBLE_EQ(bytes.kv, 16384 * kKv * 2);
  EXPECT_DOUBLE_EQ(bytes.attention, 32 * kAttn * 1);
  EXPECT_DOUBLE_EQ(bytes.routed_experts, 206 * kExpert * 1);
}

TEST(StepUtilisation, Qwen15SharedGateOnlyInFull) {
  const auto preset = test::qwen15_moe_a27b();
  const ModelAccounting model(preset->desc());
  StepRecord step = test::make_step({64}, {1}, 0.01, 24, 60);
  for (int32_t layer = 0; layer < 24; ++layer) test::spread(step, layer, 4, 4);
  const StepBytes bytes = step_bytes(step, model);
  EXPECT_DOUBLE_EQ(bytes.always_active_ffn, 2 * 24 * 34'603'008.0);
  EXPECT_DOUBLE_EQ(bytes.routers_and_gates, 2 * 24 * (60 * 2048.0 + 2048));
  EXPECT_DOUBLE_EQ(bytes.attention, 2 * 24 * (16'777'216.0 + 3 * 2048));
}

TEST(StepUtilisation, RejectsStepsThatDoNotFitTheModel) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  StepRecord no_trace = mixtral_decode_example();
  no_trace.expert_tokens.clear();
  EXPECT_THROW(step_utilisation(no_trace, model, kTwoA100), std::invalid_argument);

  StepRecord wrong_layers = test::make_step({10}, {1}, 0.01, 31, 8);
  EXPECT_THROW(step_utilisation(wrong_layers, model, kTwoA100), std::invalid_argument);

  StepRecord narrow = test::make_step({10}, {1}, 0.01, 32, 4);
  EXPECT_THROW(step_utilisation(narrow, model, kTwoA100), std::invalid_argument);

  StepRecord no_time = mixtral_decode_example();
  no_time.latency_s = 0;
  EXPECT_THROW(step_utilisation(no_time, model, kTwoA100), std::invalid_argument);
  EXPECT_THROW(step_utilisation(mixtral_decode_example(), model, HardwarePeaks{}), std::invalid_argument);
}

TEST(StepUtilisation, DenseModelHasNoTraceAndSMbuEqualsMbu) {
  test::ModelPreset preset("dense", 100, 8, 2, false);
  preset.gqa(2, 2, 4);
  preset.layers(preset.dense(32), 2);
  const ModelAccounting model(preset.desc());
  const StepRecord step = test::make_step({10}, {1}, 0.001, 0, 0);
  const StepUtilisation u = step_utilisation(step, model, {1e9, 1e9});
  EXPECT_DOUBLE_EQ(u.s_mbu, u.mbu);
  EXPECT_DOUBLE_EQ(u.s_mfu, u.mfu);
  EXPECT_DOUBLE_EQ(u.mean_activated_experts, 0);
}

}  // namespace
}  // namespace moecap::host
