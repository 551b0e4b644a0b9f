#include "canonical_weights.hpp"

namespace moecap::synthetic {
namespace {

class SpecList {
 public:
  explicit SpecList(std::vector<WeightSpec>& out) : out_(out) {}
  void matrix(std::string name, int64_t rows, int64_t cols) {
    out_.push_back({std::move(name), {rows, cols}, WeightInit::matrix});
  }
  void norm(std::string name, int64_t size) { out_.push_back({std::move(name), {size}, WeightInit::norm}); }
  void bias(std::string name, int64_t size) { out_.push_back({std::move(name), {size}, WeightInit::bias}); }

 private:
  std::vector<WeightSpec>& out_;
};

void add_norm(SpecList& specs, const moecap_model_desc& d, const std::string& name) {
  specs.norm(name, d.hidden_size);
  if (d.norm_bias) specs.bias(name + "_bias", d.hidden_size);
}

void add_gqa(SpecList& specs, const moecap_model_desc& d, const std::string& p, bool qk_norm_per_head) {
  const moecap_attention_desc& a = *d.attention;
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  specs.matrix(p + "q", q_width, d.hidden_size);
  specs.matrix(p + "k", kv_width, d.hidden_size);
  specs.matrix(p + "v", kv_width, d.hidden_size);
  specs.matrix(p + "o", d.hidden_size, q_width);
  if (a.qkv_bias) {
    specs.bias(p + "q_bias", q_width);
    specs.bias(p + "k_bias", kv_width);
    specs.bias(p + "v_bias", kv_width);
  }
  if (a.o_bias) specs.bias(p + "o_bias", d.hidden_size);
  if (a.qk_norm) {
    specs.norm(p + "q_norm", qk_norm_per_head ? a.head_dim : q_width);
    specs.norm(p + "k_norm", qk_norm_per_head ? a.head_dim : kv_width);
  }
}

void add_mla(SpecList& specs, const moecap_model_desc& d, const std::string& p) {
  const moecap_attention_desc& a = *d.attention;
  const int64_t q_width = int64_t{a.n_heads} * (a.qk_nope_head_dim + a.qk_rope_head_dim);
  if (a.q_lora_rank == 0) {
    specs.matrix(p + "q", q_width, d.hidden_size);
  } else {
    specs.matrix(p + "q_a", a.q_lora_rank, d.hidden_size);
    specs.norm(p + "q_a_norm", a.q_lora_rank);
    specs.matrix(p + "q_b", q_width, a.q_lora_rank);
  }
  specs.matrix(p + "kv_a", a.kv_lora_rank + a.qk_rope_head_dim, d.hidden_size);
  specs.norm(p + "kv_a_norm", a.kv_lora_rank);
  specs.matrix(p + "kv_b", int64_t{a.n_heads} * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank);
  specs.matrix(p + "o", d.hidden_size, int64_t{a.n_heads} * a.v_head_dim);
}

void add_mlp(SpecList& specs, const std::string& p, int64_t width, int64_t hidden, bool gated) {
  if (gated) specs.matrix(p + "gate", width, hidden);
  specs.matrix(p + "up", width, hidden);
  specs.matrix(p + "down", hidden, width);
}

void add_moe(SpecList& specs, const moecap_model_desc& d, const moecap_ffn_desc& f, const std::string& p) {
  specs.matrix(p + "router", f.n_experts, d.hidden_size);
  if (f.has_score_correction_bias) specs.bias(p + "score_bias", f.n_experts);
  for (int32_t e = 0; e < f.n_experts; ++e)
    add_mlp(specs, p + "experts." + std::to_string(e) + ".", f.expert_intermediate_size, d.hidden_size, f.gated);
  if (f.n_shared_experts > 0)
    add_mlp(specs, p + "shared.", int64_t{f.n_shared_experts} * f.shared_expert_intermediate_size, d.hidden_size,
            f.gated);
  if (f.shared_expert_gate) specs.matrix(p + "shared_gate", 1, d.hidden_size);
}

}  // namespace

std::vector<WeightSpec> canonical_weights(const moecap_model_desc& d, bool qk_norm_per_head) {
  std::vector<WeightSpec> out;
  SpecList specs(out);
  specs.matrix("embed_tokens", d.vocab_size, d.hidden_size);
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const std::string layer = "layers." + std::to_string(i) + ".";
    add_norm(specs, d, layer + "attn_norm");
    if (d.attention->kind == MOECAP_ATTENTION_MLA)
      add_mla(specs, d, layer + "attn.");
    else
      add_gqa(specs, d, layer + "attn.", qk_norm_per_head);
    add_norm(specs, d, layer + "ffn_norm");
    const moecap_ffn_desc& f = *d.layer_ffn[i];
    if (f.kind == MOECAP_FFN_DENSE)
      add_mlp(specs, layer + "ffn.", f.intermediate_size, d.hidden_size, f.gated);
    else
      add_moe(specs, d, f, layer + "moe.");
  }
  add_norm(specs, d, "final_norm");
  if (!d.tie_word_embeddings) specs.matrix("lm_head", d.vocab_size, d.hidden_size);
  return out;
}

}  // namespace moecap::synthetic
