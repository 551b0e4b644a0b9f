#include "model_weights.hpp"

#include <string>

#include "moecap/cpp/host.hpp"

namespace moecap::reference {
namespace {

NormWeights load_norm(const WeightLookup& w, const moecap_model_desc& d, const std::string& name) {
  NormWeights out{w.vector(name, d.hidden_size), std::nullopt};
  if (d.norm_bias) out.bias = w.vector(name + "_bias", d.hidden_size);
  return out;
}

/// q_norm/k_norm come as [hd] (RMSNorm per head, Qwen3-MoE) or over the whole projection (OLMoE); the
/// description has no field for it, so the weight's size decides.
WeightTensor load_qk_norm(const WeightLookup& w, const std::string& name, int64_t head_dim, int64_t whole) {
  const int64_t size = w.element_count(name);
  if (size != head_dim && size != whole)
    throw Error(MOECAP_ERR_INVALID_ARG, "reference backend: weight '" + name + "' has " + std::to_string(size) +
                                            " elements; expected " + std::to_string(head_dim) + " (per head) or " +
                                            std::to_string(whole) + " (whole projection)");
  return w.vector(name, size);
}

GqaWeights load_gqa(const WeightLookup& w, const moecap_model_desc& d, const std::string& p) {
  const moecap_attention_desc& a = *d.attention;
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  GqaWeights out{w.matrix(p + "q", q_width, d.hidden_size),
                 w.matrix(p + "k", kv_width, d.hidden_size),
                 w.matrix(p + "v", kv_width, d.hidden_size),
                 w.matrix(p + "o", d.hidden_size, q_width),
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt};
  if (a.qkv_bias) {
    out.q_bias = w.vector(p + "q_bias", q_width);
    out.k_bias = w.vector(p + "k_bias", kv_width);
    out.v_bias = w.vector(p + "v_bias", kv_width);
  }
  if (a.o_bias) out.o_bias = w.vector(p + "o_bias", d.hidden_size);
  if (a.qk_norm) {
    out.q_norm = load_qk_norm(w, p + "q_norm", a.head_dim, q_width);
    out.k_norm = load_qk_norm(w, p + "k_norm", a.head_dim, kv_width);
  }
  return out;
}

MlaWeights load_mla(const WeightLookup& w, const moecap_model_desc& d, const std::string& p) {
  const moecap_attention_desc& a = *d.attention;
  const int64_t q_width = int64_t{a.n_heads} * (a.qk_nope_head_dim + a.qk_rope_head_dim);
  MlaWeights out{std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 std::nullopt,
                 w.matrix(p + "kv_a", a.kv_lora_rank + a.qk_rope_head_dim, d.hidden_size),
                 w.vector(p + "kv_a_norm", a.kv_lora_rank),
                 w.matrix(p + "kv_b", int64_t{a.n_heads} * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank),
                 w.matrix(p + "o", d.hidden_size, int64_t{a.n_heads} * a.v_head_dim)};
  if (a.q_lora_rank == 0) {
    out.q = w.matrix(p + "q", q_width, d.hidden_size);
  } else {
    out.q_a = w.matrix(p + "q_a", a.q_lora_rank, d.hidden_size);
    out.q_a_norm = w.vector(p + "q_a_norm", a.q_lora_rank);
    out.q_b = w.matrix(p + "q_b", q_width, a.q_lora_rank);
  }
  return out;
}

MlpWeights load_mlp(const WeightLookup& w, const std::string& p, int64_t width, int64_t hidden, bool gated) {
  MlpWeights out{std::nullopt, w.matrix(p + "up", width, hidden), w.matrix(p + "down", hidden, width)};
  if (gated) out.gate = w.matrix(p + "gate", width, hidden);
  return out;
}

MoeWeights load_moe(const WeightLookup& w, const moecap_model_desc& d, const moecap_ffn_desc& f, const std::string& p) {
  MoeWeights out{w.matrix(p + "router", f.n_experts, d.hidden_size), std::nullopt, {}, std::nullopt, std::nullopt};
  if (f.has_score_correction_bias) out.score_bias = w.vector(p + "score_bias", f.n_experts);
  for (int32_t e = 0; e < f.n_experts; ++e)
    out.experts.push_back(
        load_mlp(w, p + "experts." + std::to_string(e) + ".", f.expert_intermediate_size, d.hidden_size, f.gated));
  if (f.n_shared_experts > 0)
    out.shared = load_mlp(w, p + "shared.", int64_t{f.n_shared_experts} * f.shared_expert_intermediate_size,
                          d.hidden_size, f.gated);
  if (f.shared_expert_gate) out.shared_gate = w.matrix(p + "shared_gate", 1, d.hidden_size);
  return out;
}

}  // namespace

ModelWeights ModelWeights::load(const moecap_model_desc& d, const moecap_weight_source_i& source) {
  const WeightLookup w(source);
  ModelWeights out;
  out.embed_tokens = w.matrix("embed_tokens", d.vocab_size, d.hidden_size);
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights layer;
    layer.attn_norm = load_norm(w, d, p + "attn_norm");
    layer.ffn_norm = load_norm(w, d, p + "ffn_norm");
    if (d.attention->kind == MOECAP_ATTENTION_MLA)
      layer.mla = load_mla(w, d, p + "attn.");
    else
      layer.gqa = load_gqa(w, d, p + "attn.");
    const moecap_ffn_desc& f = *d.layer_ffn[i];
    if (f.kind == MOECAP_FFN_DENSE)
      layer.dense = load_mlp(w, p + "ffn.", f.intermediate_size, d.hidden_size, f.gated);
    else
      layer.moe = load_moe(w, d, f, p + "moe.");
    out.layers.push_back(std::move(layer));
  }
  out.final_norm = load_norm(w, d, "final_norm");
  out.lm_head = d.tie_word_embeddings ? out.embed_tokens : w.matrix("lm_head", d.vocab_size, d.hidden_size);
  return out;
}

}  // namespace moecap::reference
