// Parameter, KV and FLOP accounting of real MoE models, against hand computation, the per-layer constants
// of moe-cap-method.md §2.7 and the totals/actives the model authors publish.
#include "moecap/host/model_accounting.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "model_presets.hpp"

namespace moecap::host {
namespace {

using test::ModelPreset;

// Relative agreement with a published figure (2 significant digits or so, hence 2 %).
void expect_near_published(double computed, double published, double tolerance = 0.02) {
  EXPECT_NEAR(computed / published, 1.0, tolerance) << "computed " << computed << " vs published " << published;
}

TEST(ModelAccounting, MixtralPerLayerConstantsMatchTheReference) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const LayerParams& layer = model.layer(0);
  EXPECT_TRUE(layer.is_moe);
  EXPECT_EQ(layer.attention_projections, 41'943'040);  // §2.7 S_attn
  EXPECT_EQ(layer.attention, 41'943'040);              // no biases, no qk-norm
  EXPECT_EQ(layer.routed_expert, 176'160'768);         // §2.7 E = 3·14336·4096
  EXPECT_EQ(layer.router, 8 * 4096);
  EXPECT_EQ(layer.norms, 2 * 4096);
  EXPECT_EQ(model.kv_elements_per_token(), 65'536);  // 2·32·128·8
  EXPECT_EQ(model.n_moe_layers(), 32);
}

TEST(ModelAccounting, MixtralTotalAndActiveByHand) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const int64_t per_layer_common = 41'943'040 + 8 * 4096 + 2 * 4096;  // attention + router + norms
  const int64_t head_and_embedding = 2 * int64_t{32000} * 4096;
  const int64_t expected_total = 32 * (per_layer_common + 8 * int64_t{176'160'768}) + head_and_embedding + 4096;
  const int64_t expected_active = 32 * (per_layer_common + 2 * int64_t{176'160'768}) + head_and_embedding + 4096;
  EXPECT_EQ(model.total_params(), expected_total);    // 46,702,792,704
  EXPECT_EQ(model.active_params(), expected_active);  // 12,879,925,248
  expect_near_published(static_cast<double>(model.total_params()), 46.7e9);
  expect_near_published(static_cast<double>(model.active_params()), 12.9e9);
}

TEST(ModelAccounting, DeepSeekV2LiteMlaNoQLoraTwoSharedOneDenseLayer) {
  const auto preset = test::deepseek_v2_lite();
  const ModelAccounting model(preset->desc());
  ASSERT_EQ(model.n_layers(), 27);
  EXPECT_EQ(model.n_moe_layers(), 26);
  const LayerParams& dense = model.layer(0);
  EXPECT_FALSE(dense.is_moe);
  EXPECT_EQ(dense.dense_ffn, 67'239'936);  // §2.7 Dn = 3·10944·2048
  const LayerParams& moe = model.layer(1);
  EXPECT_EQ(moe.attention_projections, 13'762'560);  // §2.7 S_attn
  EXPECT_EQ(moe.attention, 13'762'560 + 512);        // + kv_a_norm
  EXPECT_EQ(moe.routed_expert, 8'650'752);           // §2.7 E
  EXPECT_EQ(moe.shared_experts, 17'301'504);         // 2 shared × E (§2.7: correct for V2-Lite)
  EXPECT_EQ(moe.n_shared_experts, 2);
  EXPECT_EQ(model.kv_elements_per_token(), 15'552);  // 27·(512+64)
  expect_near_published(static_cast<double>(model.total_params()), 15.7e9);
  // DeepSeek publishes activated parameters without the input embedding (a lookup reads one row); its
  // "2.4B" is 2.45B truncated to two digits.
  EXPECT_GE(model.active_params_excluding_embedding(), 2'400'000'000);
  EXPECT_LT(model.active_params_excluding_embedding(), 2'500'000'000);
}

TEST(ModelAccounting, DeepSeekV3MlaWithQLoraOneSharedThreeDenseLayers) {
  const auto preset = test::deepseek_v3();
  const ModelAccounting model(preset->desc());
  EXPECT_EQ(model.n_moe_layers(), 58);
  EXPECT_EQ(model.layer(0).dense_ffn, 396'361'728);  // §2.7 Dn
  const LayerParams& moe = model.layer(3);
  EXPECT_EQ(moe.attention_projections, 187'105'280);   // §2.7 S_attn
  EXPECT_EQ(moe.attention, 187'105'280 + 1536 + 512);  // + q_a_norm + kv_a_norm
  EXPECT_EQ(moe.routed_expert, 44'040'192);            // §2.7 E
  EXPECT_EQ(moe.shared_experts, 44'040'192);           // 1 shared (the reference code's 2·E is K3)
  EXPECT_EQ(moe.router, 256 * 7168 + 256);             // + e_score_correction_bias
  EXPECT_EQ(model.kv_elements_per_token(), 35'136);    // 61·576
  expect_near_published(static_cast<double>(model.total_params()), 671e9);
  expect_near_published(static_cast<double>(model.active_params_excluding_embedding()), 37e9);
  // The §2.7 sanity check: 61·S_attn + 3·Dn + 58·9·E + embedding + head ≈ 37.4–37.6 B.
  expect_near_published(static_cast<double>(model.active_params()), 37.55e9, 0.002);
}

TEST(ModelAccounting, Qwen15MoeSharedExpertWithGateAndQkvBias) {
  const auto preset = test::qwen15_moe_a27b();
  const ModelAccounting model(preset->desc());
  const LayerParams& layer = model.layer(0);
  EXPECT_EQ(layer.attention_projections, 16'777'216);  // §2.7 S_attn
  EXPECT_EQ(layer.attention, 16'777'216 + 3 * 2048);   // + q, k, v biases (16·128 each)
  EXPECT_EQ(layer.routed_expert, 8'650'752);           // §2.7 E
  EXPECT_EQ(layer.shared_experts, 34'603'008);         // §2.7 Sh = 3·5632·2048
  EXPECT_EQ(layer.shared_expert_gate, 2048);           // [1, d]
  EXPECT_EQ(model.kv_elements_per_token(), 98'304);
  expect_near_published(static_cast<double>(model.total_params()), 14.3e9);
  expect_near_published(static_cast<double>(model.active_params()), 2.7e9);
}

TEST(ModelAccounting, Qwen3PerHeadQkNorm) {
  const auto preset = test::qwen3_30b_a3b();
  const ModelAccounting model(preset->desc());
  const LayerParams& layer = model.layer(0);
  EXPECT_EQ(layer.attention_projections, 18'874'368);  // §2.7
  EXPECT_EQ(layer.attention, 18'874'368 + 2 * 128);    // q_norm [hd] + k_norm [hd]
  EXPECT_EQ(layer.routed_expert, 4'718'592);
  EXPECT_EQ(model.kv_elements_per_token(), 49'152);
  expect_near_published(static_cast<double>(model.total_params()), 30.5e9);
  expect_near_published(static_cast<double>(model.active_params()), 3.3e9);
}

TEST(ModelAccounting, OlmoeWholeProjectionQkNorm) {
  const auto preset = test::olmoe_1b_7b();
  const ModelAccounting model(preset->desc(), {.qk_norm_scope = QkNormScope::whole_projection});
  const LayerParams& layer = model.layer(0);
  EXPECT_EQ(layer.attention, 4 * int64_t{2048} * 2048 + 2048 + 2048);  // q_norm [H·hd] + k_norm [Hkv·hd]
  EXPECT_EQ(layer.routed_expert, 3 * 1024 * 2048);
  expect_near_published(static_cast<double>(model.total_params()), 6.9e9);
  expect_near_published(static_cast<double>(model.active_params()), 1.3e9);
}

TEST(ModelAccounting, DbrxLayerNormWithoutBias) {
  const auto preset = test::dbrx();
  const ModelAccounting model(preset->desc());
  const LayerParams& layer = model.layer(0);
  EXPECT_EQ(layer.attention, 88'080'384);       // §2.7
  EXPECT_EQ(layer.routed_expert, 198'180'864);  // §2.7
  EXPECT_EQ(layer.norms, 2 * 6144);             // norm_bias false
  EXPECT_EQ(model.kv_elements_per_token(), 81'920);
  expect_near_published(static_cast<double>(model.total_params()), 132e9);
  expect_near_published(static_cast<double>(model.active_params()), 36e9);
}

TEST(ModelAccounting, TiedHeadAndNormBiasAreCounted) {
  ModelPreset preset("tiny", 100, 8, 2, /*tied=*/true);
  preset.model().norm_bias = true;
  preset.gqa(2, 1, 4).o_bias = true;
  preset.layers(preset.moe(4, 2, 16), 2);
  const ModelAccounting model(preset.desc());
  EXPECT_EQ(model.lm_head_params(), 0);
  EXPECT_EQ(model.embedding_params(), 800);
  EXPECT_EQ(model.final_norm_params(), 16);
  const LayerParams& layer = model.layer(0);
  EXPECT_EQ(layer.norms, 2 * 16);
  // q 8·8 + k 4·8 + v 4·8 + o 8·8 + o bias 8
  EXPECT_EQ(layer.attention, 64 + 32 + 32 + 64 + 8);
  EXPECT_EQ(layer.total(), 200 + 32 + 4 * 8 + 4 * 3 * 16 * 8);
  EXPECT_EQ(model.total_params(), 800 + 16 + 2 * layer.total());
}

TEST(ModelAccounting, LayerKindComesFromTheDescriptionNotTheFamily) {
  // Named like Mixtral, but with alternating dense and MoE layers (Switch-style): the count follows kind.
  ModelPreset preset("mixtral", 100, 8, 4, false);
  preset.gqa(2, 2, 4);
  const moecap_ffn_desc& dense = preset.dense(32);
  const moecap_ffn_desc& moe = preset.moe(4, 1, 16);
  preset.layers(dense, 1);
  preset.layers(moe, 1);
  preset.layers(dense, 1);
  preset.layers(moe, 1);
  const ModelAccounting model(preset.desc());
  EXPECT_EQ(model.n_moe_layers(), 2);
  EXPECT_FALSE(model.layer(0).is_moe);
  EXPECT_TRUE(model.layer(1).is_moe);
  EXPECT_EQ(model.layer(2).dense_ffn, 3 * 32 * 8);
  EXPECT_EQ(model.all_routed_expert_params(), 2 * 4 * 3 * 16 * 8);
}

TEST(ModelAccounting, UngatedMlpHasTwoMatrices) {
  ModelPreset preset("ungated", 10, 8, 1, false);
  preset.gqa(1, 1, 8);
  moecap_ffn_desc& moe = preset.moe(2, 1, 16, 1, 4);
  moe.gated = false;
  preset.layers(moe, 1);
  const ModelAccounting model(preset.desc());
  EXPECT_EQ(model.layer(0).routed_expert, 2 * 16 * 8);
  EXPECT_EQ(model.layer(0).shared_experts, 2 * 4 * 8);
}

TEST(ModelAccounting, GqaAttentionScoreFlops) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc());
  const double per_context_token = 4.0 * 32 * 32 * 128;  // L · (2·H·hd for QK^T + 2·H·hd for AV)
  EXPECT_DOUBLE_EQ(model.attention_score_flops_per_token(1000), per_context_token * 1000);
  EXPECT_DOUBLE_EQ(model.attention_score_flops(1000, 1), per_context_token * 1000);  // decode
  // Prefill of 4 tokens from 0: the tokens see 1, 2, 3 and 4 positions.
  EXPECT_DOUBLE_EQ(model.attention_score_flops(4, 4), per_context_token * 10);
  // A chunk of 3 tokens ending at context 10 sees 8, 9 and 10 positions.
  EXPECT_DOUBLE_EQ(model.attention_score_flops(10, 3), per_context_token * 27);
  EXPECT_THROW((void)model.attention_score_flops(3, 4), std::invalid_argument);
}

TEST(ModelAccounting, MlaAttentionScoreFlopsBothForms) {
  const auto preset = test::deepseek_v2_lite();
  const ModelAccounting naive(preset->desc());
  // 27 layers · 2 · 16 heads · ((128+64) for QK^T + 128 for AV)
  EXPECT_DOUBLE_EQ(naive.attention_score_flops_per_token(1), 27.0 * 2 * 16 * (192 + 128));
  const ModelAccounting absorbed(preset->desc(), {.mla_score_form = MlaScoreForm::absorbed});
  // latent space: (512+64) for QK^T + 512 for AV
  EXPECT_DOUBLE_EQ(absorbed.attention_score_flops_per_token(1), 27.0 * 2 * 16 * (576 + 512));
}

TEST(ModelAccounting, WeightFlopsPerTokenCountTopKAndShared) {
  const auto preset = test::qwen15_moe_a27b();
  const ModelAccounting model(preset->desc());
  const double attention = 16'777'216 + 3 * 2048;
  const double router = 60 * 2048;
  const double common = attention + router + 34'603'008 + 2048;  // + shared experts + shared gate
  EXPECT_DOUBLE_EQ(model.sparse_weight_flops_per_token(), 24 * 2 * (common + 4.0 * 8'650'752));
  EXPECT_DOUBLE_EQ(model.dense_weight_flops_per_token(), 24 * 2 * (common + 60.0 * 8'650'752));
}

TEST(ModelAccounting, BytesUseTheirOwnWidths) {
  const auto preset = test::mixtral_8x7b();
  const ModelAccounting model(preset->desc(), {.weight_bytes_per_element = 0.5, .kv_bytes_per_element = 1});
  EXPECT_DOUBLE_EQ(model.weight_bytes(1000), 500);
  EXPECT_DOUBLE_EQ(model.kv_bytes_per_token(), 65'536);
}

TEST(ModelAccounting, RejectsInconsistentDescriptions) {
  auto preset = test::mixtral_8x7b();
  moecap_model_desc broken = preset->desc();
  broken.attention = nullptr;
  EXPECT_THROW(ModelAccounting{broken}, std::invalid_argument);

  ModelPreset too_many("bad", 10, 8, 1, false);
  too_many.gqa(2, 2, 4);
  too_many.layers(too_many.moe(4, 5, 16), 1);
  EXPECT_THROW(ModelAccounting{too_many.desc()}, std::invalid_argument);

  ModelPreset bad_heads("bad", 10, 8, 1, false);
  bad_heads.gqa(3, 2, 4);
  bad_heads.layers(bad_heads.dense(16), 1);
  EXPECT_THROW(ModelAccounting{bad_heads.desc()}, std::invalid_argument);

  EXPECT_THROW(ModelAccounting(preset->desc(), {.weight_bytes_per_element = 0}), std::invalid_argument);
}

TEST(ModelAccounting, DtypeBytes) {
  EXPECT_EQ(dtype_bytes(MOECAP_DTYPE_F32), 4);
  EXPECT_EQ(dtype_bytes(MOECAP_DTYPE_BF16), 2);
  EXPECT_EQ(dtype_bytes(MOECAP_DTYPE_F16), 2);
  EXPECT_EQ(dtype_bytes(MOECAP_DTYPE_F8_E4M3), 1);
  EXPECT_EQ(dtype_bytes(MOECAP_DTYPE_I8), 1);
  EXPECT_THROW(dtype_bytes(MOECAP_DTYPE_UNKNOWN), std::invalid_argument);
}

}  // namespace
}  // namespace moecap::host
