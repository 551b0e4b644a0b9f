// Canonical descriptions of the real MoE models the metric tests pin, built by hand from each model's
// public Hugging Face config.json (moe-cap-method.md §2.7). A ModelPreset owns the structs the
// moecap_model_desc points into, so it must outlive every use of desc().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "moecap/model.h"

namespace moecap::test {

class ModelPreset {
 public:
  ModelPreset(std::string name, int32_t vocab, int32_t hidden, int32_t layers, bool tied) : name_(std::move(name)) {
    desc_.struct_size = sizeof(moecap_model_desc);
    desc_.name = name_.c_str();
    desc_.family = name_.c_str();
    desc_.vocab_size = vocab;
    desc_.hidden_size = hidden;
    desc_.n_layers = layers;
    desc_.norm_kind = MOECAP_NORM_RMS;
    desc_.norm_eps = 1e-6;
    desc_.tie_word_embeddings = tied;
    desc_.weight_dtype = MOECAP_DTYPE_BF16;
    attention_.struct_size = sizeof(moecap_attention_desc);
    desc_.attention = &attention_;
  }
  ModelPreset(const ModelPreset&) = delete;
  ModelPreset& operator=(const ModelPreset&) = delete;

  moecap_attention_desc& attention() { return attention_; }
  moecap_model_desc& model() { return desc_; }

  moecap_attention_desc& gqa(int32_t heads, int32_t kv_heads, int32_t head_dim) {
    attention_.kind = MOECAP_ATTENTION_GQA;
    attention_.n_heads = heads;
    attention_.n_kv_heads = kv_heads;
    attention_.head_dim = head_dim;
    return attention_;
  }
  moecap_attention_desc& mla(int32_t heads, int32_t q_lora, int32_t kv_lora, int32_t nope, int32_t rope, int32_t v) {
    attention_.kind = MOECAP_ATTENTION_MLA;
    attention_.n_heads = heads;
    attention_.n_kv_heads = heads;
    attention_.head_dim = nope + rope;
    attention_.q_lora_rank = q_lora;
    attention_.kv_lora_rank = kv_lora;
    attention_.qk_nope_head_dim = nope;
    attention_.qk_rope_head_dim = rope;
    attention_.v_head_dim = v;
    return attention_;
  }
  moecap_ffn_desc& dense(int32_t width) {
    moecap_ffn_desc& f = new_ffn();
    f.kind = MOECAP_FFN_DENSE;
    f.intermediate_size = width;
    return f;
  }
  moecap_ffn_desc& moe(int32_t experts, int32_t top_k, int32_t width, int32_t shared = 0, int32_t shared_width = 0) {
    moecap_ffn_desc& f = new_ffn();
    f.kind = MOECAP_FFN_MOE;
    f.n_experts = experts;
    f.top_k = top_k;
    f.expert_intermediate_size = width;
    f.n_shared_experts = shared;
    f.shared_expert_intermediate_size = shared_width;
    f.router_scoring = MOECAP_ROUTER_SOFTMAX;
    f.n_group = 1;
    f.topk_group = 1;
    f.routed_scaling_factor = 1.0;
    return f;
  }
  /// Appends `count` layers using ffn.
  void layers(const moecap_ffn_desc& ffn, int32_t count) {
    for (int32_t i = 0; i < count; ++i) layer_ptrs_.push_back(&ffn);
    desc_.layer_ffn = layer_ptrs_.data();
  }
  const moecap_model_desc& desc() const { return desc_; }

 private:
  moecap_ffn_desc& new_ffn() {
    ffns_.push_back(std::make_unique<moecap_ffn_desc>());
    moecap_ffn_desc& f = *ffns_.back();
    f.struct_size = sizeof(moecap_ffn_desc);
    f.activation = MOECAP_ACT_SILU;
    f.gated = true;
    return f;
  }

  std::string name_;
  moecap_model_desc desc_{};
  moecap_attention_desc attention_{};
  std::vector<std::unique_ptr<moecap_ffn_desc>> ffns_;
  std::vector<const moecap_ffn_desc*> layer_ptrs_;
};

/// mistralai/Mixtral-8x7B-v0.1: 32 layers, d 4096, 32/8 heads of 128, 8 experts of 14336, top-2.
inline std::unique_ptr<ModelPreset> mixtral_8x7b() {
  auto p = std::make_unique<ModelPreset>("mixtral-8x7b", 32000, 4096, 32, false);
  p->gqa(32, 8, 128);
  p->layers(p->moe(8, 2, 14336), 32);
  return p;
}

/// deepseek-ai/DeepSeek-V2-Lite: 27 layers (first dense, width 10944), d 2048, MLA 16 heads, no q LoRA,
/// kv_lora 512, nope 128 / rope 64 / v 128; 64 routed experts of 1408, top-6, 2 shared of 1408.
inline std::unique_ptr<ModelPreset> deepseek_v2_lite() {
  auto p = std::make_unique<ModelPreset>("deepseek-v2-lite", 102400, 2048, 27, false);
  p->mla(16, 0, 512, 128, 64, 128);
  p->layers(p->dense(10944), 1);
  p->layers(p->moe(64, 6, 1408, 2, 1408), 26);
  return p;
}

/// deepseek-ai/DeepSeek-V3: 61 layers (first 3 dense, width 18432), d 7168, MLA 128 heads, q_lora 1536,
/// kv_lora 512, nope 128 / rope 64 / v 128; 256 routed experts of 2048, top-8, 1 shared, score bias,
/// 8 groups top-4. The MTP layer is not part of the 61.
inline std::unique_ptr<ModelPreset> deepseek_v3() {
  auto p = std::make_unique<ModelPreset>("deepseek-v3", 129280, 7168, 61, false);
  p->mla(128, 1536, 512, 128, 64, 128);
  p->layers(p->dense(18432), 3);
  moecap_ffn_desc& moe = p->moe(256, 8, 2048, 1, 2048);
  moe.has_score_correction_bias = true;
  moe.router_scoring = MOECAP_ROUTER_SIGMOID;
  moe.n_group = 8;
  moe.topk_group = 4;
  moe.routed_scaling_factor = 2.5;
  p->layers(moe, 58);
  return p;
}

/// Qwen/Qwen1.5-MoE-A2.7B: 24 layers, d 2048, 16/16 heads of 128 with qkv bias; 60 experts of 1408, top-4;
/// one shared expert of 5632 with a sigmoid gate.
inline std::unique_ptr<ModelPreset> qwen15_moe_a27b() {
  auto p = std::make_unique<ModelPreset>("qwen1.5-moe-a2.7b", 151936, 2048, 24, false);
  p->gqa(16, 16, 128).qkv_bias = true;
  moecap_ffn_desc& moe = p->moe(60, 4, 1408, 1, 5632);
  moe.shared_expert_gate = true;
  p->layers(moe, 24);
  return p;
}

/// Qwen/Qwen3-30B-A3B: 48 layers, d 2048, 32/4 heads of 128, per-head qk-norm; 128 experts of 768, top-8.
inline std::unique_ptr<ModelPreset> qwen3_30b_a3b() {
  auto p = std::make_unique<ModelPreset>("qwen3-30b-a3b", 151936, 2048, 48, false);
  p->gqa(32, 4, 128).qk_norm = true;
  p->layers(p->moe(128, 8, 768), 48);
  return p;
}

/// allenai/OLMoE-1B-7B-0924: 16 layers, d 2048, 16/16 heads of 128, qk-norm over the whole projection;
/// 64 experts of 1024, top-8.
inline std::unique_ptr<ModelPreset> olmoe_1b_7b() {
  auto p = std::make_unique<ModelPreset>("olmoe-1b-7b", 50304, 2048, 16, false);
  p->gqa(16, 16, 128).qk_norm = true;
  p->layers(p->moe(64, 8, 1024), 16);
  return p;
}

/// databricks/dbrx-base: 40 layers, d 6144, LayerNorm without bias, 48/8 heads of 128, clip_qkv 8;
/// 16 experts of 10752, top-4.
inline std::unique_ptr<ModelPreset> dbrx() {
  auto p = std::make_unique<ModelPreset>("dbrx", 100352, 6144, 40, false);
  p->model().norm_kind = MOECAP_NORM_LAYER;
  p->gqa(48, 8, 128).qkv_clip = 8.0;
  p->layers(p->moe(16, 4, 10752), 40);
  return p;
}

}  // namespace moecap::test
