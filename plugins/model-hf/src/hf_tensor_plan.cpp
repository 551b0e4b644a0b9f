#include "hf_tensor_plan.hpp"

#include <string>

namespace moecap::hf {
namespace {

using Shape = std::vector<int64_t>;

class Plan {
 public:
  explicit Plan(std::vector<TensorSource>& out) : out_(out) {}
  void whole(std::string canonical, std::string stored, Shape shape) {
    out_.push_back({std::move(canonical), std::move(stored), shape, shape, TensorSource::Take::Whole, 0, 0});
  }
  void rows(std::string canonical, std::string stored, Shape stored_shape, int64_t begin, int64_t count,
            bool transposed = false) {
    const int64_t columns = stored_shape.at(1);
    Shape shape = transposed ? Shape{columns, count} : Shape{count, columns};
    out_.push_back({std::move(canonical), std::move(stored), std::move(stored_shape), std::move(shape),
                    transposed ? TensorSource::Take::TransposedRows : TensorSource::Take::Rows, begin, count});
  }

 private:
  std::vector<TensorSource>& out_;
};

std::string layer(int32_t i) {
  return "layers." + std::to_string(i) + ".";
}

void gqa_attention(Plan& plan, const ModelSpec& spec, const std::string& hf, const std::string& c) {
  const auto& a = spec.attention;
  const int64_t d = spec.desc.hidden_size, q = int64_t{a.n_heads} * a.head_dim, kv = int64_t{a.n_kv_heads} * a.head_dim;
  plan.whole(c + "attn.q", hf + "self_attn.q_proj.weight", {q, d});
  plan.whole(c + "attn.k", hf + "self_attn.k_proj.weight", {kv, d});
  plan.whole(c + "attn.v", hf + "self_attn.v_proj.weight", {kv, d});
  plan.whole(c + "attn.o", hf + "self_attn.o_proj.weight", {d, q});
  if (a.qkv_bias) {
    plan.whole(c + "attn.q_bias", hf + "self_attn.q_proj.bias", {q});
    plan.whole(c + "attn.k_bias", hf + "self_attn.k_proj.bias", {kv});
    plan.whole(c + "attn.v_bias", hf + "self_attn.v_proj.bias", {kv});
  }
  if (a.o_bias) plan.whole(c + "attn.o_bias", hf + "self_attn.o_proj.bias", {d});
  if (a.qk_norm) {
    // Qwen3-MoE normalises each head ([hd]); OLMoE the whole projection ([H*hd], [Hkv*hd]).
    const bool per_head = spec.family == HfFamily::Qwen3Moe;
    plan.whole(c + "attn.q_norm", hf + "self_attn.q_norm.weight", {per_head ? a.head_dim : q});
    plan.whole(c + "attn.k_norm", hf + "self_attn.k_norm.weight", {per_head ? a.head_dim : kv});
  }
}

void mla_attention(Plan& plan, const ModelSpec& spec, const std::string& hf, const std::string& c) {
  const auto& a = spec.attention;
  const int64_t d = spec.desc.hidden_size, h = a.n_heads;
  const int64_t q_out = h * (a.qk_nope_head_dim + a.qk_rope_head_dim);
  if (a.q_lora_rank == 0) {
    plan.whole(c + "attn.q", hf + "self_attn.q_proj.weight", {q_out, d});
  } else {
    plan.whole(c + "attn.q_a", hf + "self_attn.q_a_proj.weight", {a.q_lora_rank, d});
    plan.whole(c + "attn.q_a_norm", hf + "self_attn.q_a_layernorm.weight", {a.q_lora_rank});
    plan.whole(c + "attn.q_b", hf + "self_attn.q_b_proj.weight", {q_out, a.q_lora_rank});
  }
  plan.whole(c + "attn.kv_a", hf + "self_attn.kv_a_proj_with_mqa.weight", {a.kv_lora_rank + a.qk_rope_head_dim, d});
  plan.whole(c + "attn.kv_a_norm", hf + "self_attn.kv_a_layernorm.weight", {a.kv_lora_rank});
  plan.whole(c + "attn.kv_b", hf + "self_attn.kv_b_proj.weight",
             {h * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank});
  plan.whole(c + "attn.o", hf + "self_attn.o_proj.weight", {d, h * a.v_head_dim});
}

/// The gate/up/down names of one expert-like MLP in each family's checkpoints.
struct MlpNames {
  const char* gate;
  const char* up;
  const char* down;
};
constexpr MlpNames kProjNames{"gate_proj", "up_proj", "down_proj"};
constexpr MlpNames kMixtralNames{"w1", "w3", "w2"};

void mlp(Plan& plan, const std::string& c, const std::string& hf, const MlpNames& names, int64_t width, int64_t d) {
  plan.whole(c + "gate", hf + names.gate + ".weight", {width, d});
  plan.whole(c + "up", hf + names.up + ".weight", {width, d});
  plan.whole(c + "down", hf + names.down + ".weight", {d, width});
}

void llama_like_ffn(Plan& plan, const ModelSpec& spec, int32_t i, const std::string& hf, const std::string& c) {
  const moecap_ffn_desc& ffn = spec.layer_ffn[static_cast<size_t>(i)];
  const int64_t d = spec.desc.hidden_size;
  if (ffn.kind == MOECAP_FFN_DENSE) {
    mlp(plan, c + "ffn.", hf + "mlp.", kProjNames, ffn.intermediate_size, d);
    return;
  }
  const bool mixtral = spec.family == HfFamily::Mixtral;
  const std::string moe = hf + (mixtral ? "block_sparse_moe." : "mlp.");
  plan.whole(c + "moe.router", moe + "gate.weight", {ffn.n_experts, d});
  if (ffn.has_score_correction_bias)
    plan.whole(c + "moe.score_bias", moe + "gate.e_score_correction_bias", {ffn.n_experts});
  for (int32_t e = 0; e < ffn.n_experts; ++e)
    mlp(plan, c + "moe.experts." + std::to_string(e) + ".", moe + "experts." + std::to_string(e) + ".",
        mixtral ? kMixtralNames : kProjNames, ffn.expert_intermediate_size, d);
  if (ffn.n_shared_experts > 0) {
    const char* shared = spec.family == HfFamily::Qwen2Moe ? "shared_expert." : "shared_experts.";
    mlp(plan, c + "moe.shared.", moe + shared, kProjNames,
        int64_t{ffn.n_shared_experts} * ffn.shared_expert_intermediate_size, d);
  }
  if (ffn.shared_expert_gate) plan.whole(c + "moe.shared_gate", moe + "shared_expert_gate.weight", {1, d});
}

void llama_like(Plan& plan, const ModelSpec& spec) {
  const auto& desc = spec.desc;
  const int64_t d = desc.hidden_size;
  plan.whole("embed_tokens", "model.embed_tokens.weight", {desc.vocab_size, d});
  if (!desc.tie_word_embeddings) plan.whole("lm_head", "lm_head.weight", {desc.vocab_size, d});
  plan.whole("final_norm", "model.norm.weight", {d});
  for (int32_t i = 0; i < desc.n_layers; ++i) {
    const std::string hf = "model.layers." + std::to_string(i) + ".", c = layer(i);
    plan.whole(c + "attn_norm", hf + "input_layernorm.weight", {d});
    plan.whole(c + "ffn_norm", hf + "post_attention_layernorm.weight", {d});
    if (spec.attention.kind == MOECAP_ATTENTION_MLA)
      mla_attention(plan, spec, hf, c);
    else
      gqa_attention(plan, spec, hf, c);
    llama_like_ffn(plan, spec, i, hf, c);
  }
}

void dbrx(Plan& plan, const ModelSpec& spec) {
  const auto& desc = spec.desc;
  const auto& a = spec.attention;
  const int64_t d = desc.hidden_size, q = int64_t{a.n_heads} * a.head_dim, kv = int64_t{a.n_kv_heads} * a.head_dim;
  plan.whole("embed_tokens", "transformer.wte.weight", {desc.vocab_size, d});
  if (!desc.tie_word_embeddings) plan.whole("lm_head", "lm_head.weight", {desc.vocab_size, d});
  plan.whole("final_norm", "transformer.norm_f.weight", {d});
  for (int32_t i = 0; i < desc.n_layers; ++i) {
    const std::string hf = "transformer.blocks." + std::to_string(i) + ".", c = layer(i);
    const std::string block = hf + "norm_attn_norm.";
    plan.whole(c + "attn_norm", block + "norm_1.weight", {d});
    plan.whole(c + "ffn_norm", block + "norm_2.weight", {d});
    // Wqkv stacks q, k and v row-wise: each is a row range, so a zero-copy view.
    const std::string wqkv = block + "attn.Wqkv.weight";
    const Shape wqkv_shape{q + 2 * kv, d};
    plan.rows(c + "attn.q", wqkv, wqkv_shape, 0, q);
    plan.rows(c + "attn.k", wqkv, wqkv_shape, q, kv);
    plan.rows(c + "attn.v", wqkv, wqkv_shape, q + kv, kv);
    plan.whole(c + "attn.o", block + "attn.out_proj.weight", {d, q});

    const moecap_ffn_desc& ffn = spec.layer_ffn[static_cast<size_t>(i)];
    const int64_t width = ffn.expert_intermediate_size, experts = ffn.n_experts;
    plan.whole(c + "moe.router", hf + "ffn.router.layer.weight", {experts, d});
    // The experts are fused: w1 (gate), v1 (up) and w2 (down, stored transposed) are [E*I, d].
    const Shape fused{experts * width, d};
    for (int64_t e = 0; e < experts; ++e) {
      const std::string c_expert = c + "moe.experts." + std::to_string(e) + ".";
      plan.rows(c_expert + "gate", hf + "ffn.experts.mlp.w1", fused, e * width, width);
      plan.rows(c_expert + "up", hf + "ffn.experts.mlp.v1", fused, e * width, width);
      plan.rows(c_expert + "down", hf + "ffn.experts.mlp.w2", fused, e * width, width, /*transposed=*/true);
    }
  }
}

}  // namespace

std::vector<TensorSource> hf_tensor_plan(const ModelSpec& spec) {
  std::vector<TensorSource> out;
  Plan plan(out);
  if (spec.family == HfFamily::Dbrx)
    dbrx(plan, spec);
  else
    llama_like(plan, spec);
  return out;
}

}  // namespace moecap::hf
