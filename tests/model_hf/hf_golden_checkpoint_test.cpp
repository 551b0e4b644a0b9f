// The checkpoints transformers saved (tests/golden/<family>/) map to the canonical description and weights.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "hf_config.hpp"
#include "hf_weights.hpp"
#include "safetensors_checkpoint.hpp"

namespace moecap::hf {
namespace {

const std::string kGolden = MOECAP_GOLDEN_DIR;

struct Loaded {
  std::unique_ptr<ModelSpec> spec;
  SafetensorsCheckpoint checkpoint;
  HfWeights weights;
};

Loaded load(const std::string& family) {
  const std::string dir = kGolden + "/" + family;
  auto spec = read_hf_config(dir + "/config.json", family);
  auto checkpoint = SafetensorsCheckpoint::open(dir);
  auto weights = HfWeights::assemble(*spec, checkpoint, {.check_finite = true});
  return {std::move(spec), std::move(checkpoint), std::move(weights)};
}

const moecap_ffn_desc& ffn(const ModelSpec& spec, int layer) {
  return *spec.desc.layer_ffn[layer];
}

class GoldenFamily : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenFamily, EveryStoredTensorBecomesACanonicalWeight) {
  const Loaded m = load(GetParam());
  EXPECT_TRUE(m.weights.unused().empty()) << "first unused: " << m.weights.unused().front();
  EXPECT_EQ(m.weights.dominant_dtype(), MOECAP_DTYPE_F32);
  ASSERT_NE(m.weights.find("embed_tokens"), nullptr);
  EXPECT_EQ(m.weights.find("lm_head") == nullptr, m.spec->desc.tie_word_embeddings);
  moecap_tensor_view view{};
  view.struct_size = sizeof view;
  m.weights.fill_view(0, view);
  EXPECT_EQ(view.ndim, static_cast<int32_t>(m.weights.at(0).shape.size()));
  EXPECT_EQ(std::string(m.spec->desc.family), GetParam());
}

INSTANTIATE_TEST_SUITE_P(All, GoldenFamily,
                         ::testing::Values("mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2", "deepseek_v3",
                                           "dbrx"));

TEST(GoldenCheckpoint, MixtralIsShardedAndRenormalises) {
  const Loaded m = load("mixtral");
  EXPECT_EQ(m.checkpoint.file_count(), 7u);
  EXPECT_EQ(m.spec->attention.kind, MOECAP_ATTENTION_GQA);
  EXPECT_EQ(m.spec->attention.n_kv_heads, 2);
  EXPECT_EQ(m.spec->attention.head_dim, 8);
  EXPECT_EQ(m.spec->attention.rope_theta, 10000.0);
  EXPECT_EQ(ffn(*m.spec, 1).n_experts, 4);
  EXPECT_TRUE(ffn(*m.spec, 1).renormalize_topk);
  EXPECT_NE(m.weights.find("layers.1.moe.experts.3.down"), nullptr);
}

TEST(GoldenCheckpoint, Qwen2MoeSharedExpertGateAndDenseLayer) {
  const Loaded m = load("qwen2_moe");
  EXPECT_TRUE(m.spec->attention.qkv_bias);
  EXPECT_EQ(ffn(*m.spec, 1).kind, MOECAP_FFN_DENSE);  // mlp_only_layers = [1]
  EXPECT_EQ(ffn(*m.spec, 1).intermediate_size, 64);
  const auto& moe = ffn(*m.spec, 0);
  EXPECT_EQ(moe.kind, MOECAP_FFN_MOE);
  EXPECT_FALSE(moe.renormalize_topk);
  EXPECT_TRUE(moe.shared_expert_gate);
  EXPECT_EQ(moe.n_shared_experts, 1);
  EXPECT_EQ(moe.shared_expert_intermediate_size, 40);
  EXPECT_EQ(m.weights.find("layers.0.moe.shared_gate")->shape, (std::vector<int64_t>{1, 32}));
  EXPECT_NE(m.weights.find("layers.2.attn.q_bias"), nullptr);
}

TEST(GoldenCheckpoint, Qwen3MoePerHeadQkNormAndTiedEmbeddings) {
  const Loaded m = load("qwen3_moe");
  EXPECT_TRUE(m.spec->desc.tie_word_embeddings);
  EXPECT_EQ(m.spec->attention.head_dim, 16);
  EXPECT_TRUE(m.spec->attention.qk_norm);
  EXPECT_EQ(m.weights.find("layers.0.attn.q_norm")->shape, (std::vector<int64_t>{16}));
  EXPECT_EQ(ffn(*m.spec, 0).kind, MOECAP_FFN_DENSE);
  EXPECT_EQ(ffn(*m.spec, 2).n_experts, 8);  // num_local_experts, as transformers 5 writes it
  EXPECT_TRUE(ffn(*m.spec, 2).renormalize_topk);
}

TEST(GoldenCheckpoint, OlmoeWholeProjectionQkNorm) {
  const Loaded m = load("olmoe");
  EXPECT_EQ(m.weights.find("layers.0.attn.q_norm")->shape, (std::vector<int64_t>{32}));
  EXPECT_EQ(m.weights.find("layers.0.attn.k_norm")->shape, (std::vector<int64_t>{16}));
  EXPECT_EQ(m.spec->desc.eos_token_id, 2);
  EXPECT_EQ(m.spec->desc.bos_token_id, -1);
}

TEST(GoldenCheckpoint, DeepseekV2MlaWithoutQLoraGroupLimitedYarn) {
  const Loaded m = load("deepseek_v2");
  const auto& a = m.spec->attention;
  EXPECT_EQ(a.kind, MOECAP_ATTENTION_MLA);
  EXPECT_EQ(a.q_lora_rank, 0);
  EXPECT_EQ(a.head_dim, 12);
  EXPECT_EQ(a.rope_interleaved, 1);
  EXPECT_EQ(a.rope_scaling, MOECAP_ROPE_YARN);
  EXPECT_EQ(a.rope_scaling_factor, 4.0);
  EXPECT_EQ(a.rope_original_max_position, 64);
  EXPECT_DOUBLE_EQ(a.yarn_mscale_all_dim, 0.707);
  EXPECT_EQ(ffn(*m.spec, 0).kind, MOECAP_FFN_DENSE);
  const auto& moe = ffn(*m.spec, 1);
  EXPECT_EQ(moe.router_scoring, MOECAP_ROUTER_SOFTMAX);
  EXPECT_EQ(moe.n_group, 4);
  EXPECT_EQ(moe.topk_group, 2);
  EXPECT_EQ(moe.routed_scaling_factor, 1.5);
  EXPECT_EQ(moe.n_shared_experts, 2);
  EXPECT_EQ(m.weights.find("layers.1.moe.shared.up")->shape, (std::vector<int64_t>{32, 32}));
  EXPECT_NE(m.weights.find("layers.0.attn.q"), nullptr);
}

TEST(GoldenCheckpoint, DeepseekV3SigmoidBiasQLora) {
  const Loaded m = load("deepseek_v3");
  EXPECT_EQ(m.spec->attention.q_lora_rank, 24);
  EXPECT_NE(m.weights.find("layers.0.attn.q_a_norm"), nullptr);
  const auto& moe = ffn(*m.spec, 2);
  EXPECT_EQ(moe.router_scoring, MOECAP_ROUTER_SIGMOID);
  EXPECT_TRUE(moe.has_score_correction_bias);
  EXPECT_TRUE(moe.renormalize_topk);
  EXPECT_EQ(moe.routed_scaling_factor, 2.5);
  EXPECT_EQ(m.weights.find("layers.2.moe.score_bias")->shape, (std::vector<int64_t>{8}));
}

TEST(GoldenCheckpoint, DbrxFusedTensorsSplitIntoViews) {
  const Loaded m = load("dbrx");
  EXPECT_EQ(m.spec->desc.norm_kind, MOECAP_NORM_LAYER);
  EXPECT_FALSE(m.spec->desc.norm_bias);
  EXPECT_DOUBLE_EQ(m.spec->attention.qkv_clip, 0.6);
  EXPECT_EQ(m.spec->attention.rope_theta, 500000.0);
  EXPECT_TRUE(ffn(*m.spec, 0).renormalize_topk);

  // q, k, v are row ranges of Wqkv: zero-copy views into the mapping.
  const auto wqkv = m.checkpoint.get("transformer.blocks.1.norm_attn_norm.attn.Wqkv.weight");
  const auto* k = m.weights.find("layers.1.attn.k");
  EXPECT_EQ(k->shape, (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(k->data, wqkv.bytes.data() + 32 * 32 * 4);

  // Expert 2's down projection is the transpose of rows [2I, 3I) of w2.
  const auto w2 = m.checkpoint.get("transformer.blocks.0.ffn.experts.mlp.w2");
  const auto* down = m.weights.find("layers.0.moe.experts.2.down");
  ASSERT_EQ(down->shape, (std::vector<int64_t>{32, 24}));
  const float* stored = reinterpret_cast<const float*>(w2.bytes.data());
  const float* view = static_cast<const float*>(down->data);
  for (int r = 0; r < 24; ++r)
    for (int c = 0; c < 32; ++c) ASSERT_EQ(view[c * 24 + r], stored[(2 * 24 + r) * 32 + c]);
  const auto* up = m.weights.find("layers.0.moe.experts.3.up");
  EXPECT_EQ(up->data, m.checkpoint.get("transformer.blocks.0.ffn.experts.mlp.v1").bytes.data() + 3 * 24 * 32 * 4);
}

}  // namespace
}  // namespace moecap::hf
