// config.json → canonical description: Hub-style keys, transformers-5 keys, and errors that name the key.
#include "hf_config.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hf_tensor_plan.hpp"
#include "hf_weights.hpp"
#include "moecap/cpp/host.hpp"
#include "safetensors_writer.hpp"

namespace moecap::hf {
namespace {

using nlohmann::json;

json mixtral_hub() {
  // The shape of Mixtral-8x7B's published config.json (sizes shrunk).
  return json::parse(R"({"architectures":["MixtralForCausalLM"],"model_type":"mixtral","vocab_size":100,
    "hidden_size":16,"intermediate_size":24,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,
    "num_local_experts":4,"num_experts_per_tok":2,"rms_norm_eps":1e-05,"rope_theta":1000000.0,
    "max_position_embeddings":32768,"sliding_window":null,"tie_word_embeddings":false,"bos_token_id":1,
    "eos_token_id":2,"hidden_act":"silu","torch_dtype":"bfloat16"})");
}

json deepseek_v2_lite_hub() {
  return json::parse(R"({"architectures":["DeepseekV2ForCausalLM"],"model_type":"deepseek_v2","vocab_size":100,
    "hidden_size":32,"intermediate_size":64,"moe_intermediate_size":16,"num_hidden_layers":3,"num_attention_heads":4,
    "num_key_value_heads":4,"q_lora_rank":null,"kv_lora_rank":16,"qk_nope_head_dim":8,"qk_rope_head_dim":4,
    "v_head_dim":8,"n_routed_experts":8,"n_shared_experts":2,"num_experts_per_tok":2,"first_k_dense_replace":1,
    "moe_layer_freq":1,"topk_method":"greedy","n_group":1,"topk_group":1,"routed_scaling_factor":1.0,
    "norm_topk_prob":false,"scoring_func":"softmax","rms_norm_eps":1e-06,"rope_theta":10000,
    "rope_scaling":{"type":"yarn","factor":40,"original_max_position_embeddings":4096,"beta_fast":32,
    "beta_slow":1,"mscale":0.707,"mscale_all_dim":0.707},"max_position_embeddings":163840,"bos_token_id":100000,
    "eos_token_id":100001,"hidden_act":"silu","attention_bias":false})");
}

std::string error_of(const json& config) {
  try {
    map_hf_config(config, "config.json", "m");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error for " << config.dump();
  return "";
}

#define EXPECT_CONTAINS(haystack, needle) EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << haystack

TEST(HfConfig, HubStyleMixtral) {
  const auto spec = map_hf_config(mixtral_hub(), "config.json", "tiny-mixtral");
  EXPECT_STREQ(spec->desc.name, "tiny-mixtral");
  EXPECT_STREQ(spec->desc.family, "mixtral");
  EXPECT_EQ(spec->desc.n_layers, 2);
  EXPECT_EQ(spec->attention.rope_theta, 1e6);
  EXPECT_EQ(spec->attention.head_dim, 4);
  EXPECT_EQ(spec->desc.bos_token_id, 1);
  EXPECT_EQ(spec->desc.layer_ffn[1]->top_k, 2);
  EXPECT_EQ(spec->desc.attention, &spec->attention);
}

TEST(HfConfig, HubStyleDeepseekV2LiteYarnAndGreedy) {
  const auto spec = map_hf_config(deepseek_v2_lite_hub(), "config.json", "m");
  EXPECT_EQ(spec->attention.rope_scaling, MOECAP_ROPE_YARN);
  EXPECT_EQ(spec->attention.rope_scaling_factor, 40.0);
  EXPECT_EQ(spec->attention.rope_original_max_position, 4096);
  EXPECT_EQ(spec->desc.layer_ffn[2]->n_group, 1);
  EXPECT_EQ(spec->desc.layer_ffn[0]->kind, MOECAP_FFN_DENSE);
  EXPECT_EQ(spec->desc.layer_ffn[1]->shared_expert_intermediate_size, 16);
}

TEST(HfConfig, QwenDecoderSparseStepAndEosList) {
  json c = json::parse(R"({"architectures":["Qwen2MoeForCausalLM"],"vocab_size":10,"hidden_size":8,
    "intermediate_size":16,"moe_intermediate_size":4,"shared_expert_intermediate_size":8,"num_hidden_layers":4,
    "num_attention_heads":2,"num_experts":4,"num_experts_per_tok":2,"decoder_sparse_step":2,"eos_token_id":[5,6]})");
  const auto spec = map_hf_config(c, "config.json", "m");
  EXPECT_EQ(spec->desc.layer_ffn[0]->kind, MOECAP_FFN_DENSE);
  EXPECT_EQ(spec->desc.layer_ffn[1]->kind, MOECAP_FFN_MOE);
  EXPECT_EQ(spec->desc.layer_ffn[2]->kind, MOECAP_FFN_DENSE);
  EXPECT_EQ(spec->desc.layer_ffn[3]->kind, MOECAP_FFN_MOE);
  EXPECT_EQ(spec->desc.eos_token_id, 5);
}

TEST(HfConfig, ErrorsNameTheKey) {
  json c = mixtral_hub();
  c["architectures"] = {"LlamaForCausalLM"};
  EXPECT_CONTAINS(error_of(c), "key 'architectures': \"LlamaForCausalLM\" is not supported");

  c = mixtral_hub();
  c.erase("architectures");
  c["model_type"] = "gpt2";
  EXPECT_CONTAINS(error_of(c), "key 'model_type'");

  c = mixtral_hub();
  c.erase("hidden_size");
  EXPECT_CONTAINS(error_of(c), "key 'hidden_size': is required but missing");

  c = mixtral_hub();
  c["num_local_experts"] = "eight";
  EXPECT_CONTAINS(error_of(c), "key 'num_local_experts': must be an integer");

  c = mixtral_hub();
  c["num_experts_per_tok"] = 9;
  EXPECT_CONTAINS(error_of(c), "key 'num_experts_per_tok'");

  c = mixtral_hub();
  c["sliding_window"] = 4096;
  EXPECT_CONTAINS(error_of(c), "key 'sliding_window': sliding-window attention is not supported");

  c = mixtral_hub();
  c["num_key_value_heads"] = 3;
  EXPECT_CONTAINS(error_of(c), "key 'num_key_value_heads': must divide");

  c = mixtral_hub();
  c["rope_scaling"] = {{"type", "longrope"}, {"factor", 2.0}};
  EXPECT_CONTAINS(error_of(c), "key 'rope_scaling.type': RoPE scaling \"longrope\" is not supported");

  c = mixtral_hub();
  c["hidden_act"] = "relu";
  EXPECT_CONTAINS(error_of(c), "key 'hidden_act'");

  c = deepseek_v2_lite_hub();
  c["moe_layer_freq"] = 2;
  EXPECT_CONTAINS(error_of(c), "key 'moe_layer_freq'");

  c = deepseek_v2_lite_hub();
  c["topk_method"] = "noaux_tc";
  EXPECT_CONTAINS(error_of(c), "key 'topk_method'");

  c = deepseek_v2_lite_hub();
  c["rope_scaling"].erase("original_max_position_embeddings");
  EXPECT_CONTAINS(error_of(c), "key 'rope_scaling.original_max_position_embeddings': is required");

  c = json::parse(R"({"architectures":["DbrxForCausalLM"],"vocab_size":10,"d_model":8,"n_heads":2,"n_layers":1,
    "attn_config":{"kv_n_heads":1,"rope_theta":500000},"ffn_config":{"ffn_hidden_size":4,"moe_num_experts":4,
    "moe_top_k":2,"moe_normalize_expert_weights":2}})");
  EXPECT_CONTAINS(error_of(c), "key 'ffn_config.moe_normalize_expert_weights': only 1");
  c["ffn_config"]["moe_normalize_expert_weights"] = 1;
  EXPECT_EQ(map_hf_config(c, "config.json", "m")->attention.rope_theta, 500000.0);  // Hub: attn_config.rope_theta
}

TEST(HfConfig, MalformedFileNamesThePath) {
  testing::TempDir dir;
  testing::write_file(dir.file("config.json"), "{\"vocab_size\": ");
  try {
    read_hf_config(dir.file("config.json"), "m");
    FAIL();
  } catch (const Error& e) {
    EXPECT_CONTAINS(e.what(), dir.file("config.json"));
    EXPECT_CONTAINS(e.what(), "not valid JSON");
  }
}

TEST(HfWeights, MissingWrongShapeAndUnsupportedDtypeNameTheTensor) {
  const auto spec = map_hf_config(mixtral_hub(), "config.json", "m");
  auto message_for = [&](std::vector<testing::TensorSpec> tensors) {
    testing::TempDir dir;
    testing::write_file(dir.file("model.safetensors"), testing::safetensors_bytes(tensors));
    try {
      const auto checkpoint = SafetensorsCheckpoint::open(dir.path().string());
      HfWeights::assemble(*spec, checkpoint, {});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_CONTAINS(message_for({{"model.embed_tokens.weight", "F32", {100, 16}, {}}}),
                  "tensor 'lm_head.weight' is missing");
  EXPECT_CONTAINS(message_for({{"model.embed_tokens.weight", "F32", {100, 15}, {}}}),
                  "tensor 'model.embed_tokens.weight': shape [100, 15] but config.json implies [100, 16]");
  EXPECT_CONTAINS(message_for({{"model.embed_tokens.weight", "I64", {100, 16}, {}}}),
                  "tensor 'model.embed_tokens.weight': dtype I64 is not supported");
}

TEST(HfWeights, Bf16AndF16CheckpointsMapWithTheirDtype) {
  const auto spec = map_hf_config(mixtral_hub(), "config.json", "m");
  for (const char* dtype : {"BF16", "F16"}) {
    SCOPED_TRACE(dtype);
    std::vector<testing::TensorSpec> tensors;
    for (const auto& source : hf_tensor_plan(*spec)) tensors.push_back({source.stored, dtype, source.stored_shape, {}});
    testing::TempDir dir;
    testing::write_file(dir.file("model.safetensors"), testing::safetensors_bytes(tensors));
    const auto checkpoint = SafetensorsCheckpoint::open(dir.path().string());
    const auto weights = HfWeights::assemble(*spec, checkpoint, {.check_finite = true});
    EXPECT_EQ(weights.dominant_dtype(), std::string(dtype) == "BF16" ? MOECAP_DTYPE_BF16 : MOECAP_DTYPE_F16);
    EXPECT_EQ(weights.find("layers.1.moe.experts.3.up")->nbytes, 24u * 16u * 2u);
  }
}

}  // namespace
}  // namespace moecap::hf
