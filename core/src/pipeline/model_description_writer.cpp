// A description written back in the preset format (configs/README.md "Presets"): the keys
// parse_model_description reads, which are the ones ModelAccounting needs. Stored in every RUN record so
// `moecap analyze` can recompute a run's metrics without the model plugin or its weights.
#include <cstdio>
#include <sstream>

#include "moecap/host/model_description_file.hpp"
#include "moecap/host/model_report.hpp"

namespace moecap::host {
namespace {

std::string number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  std::string text = buffer;
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";  // stays a TOML float
  return text;
}

std::string quoted(const char* text) {
  std::string out = "\"";
  for (const char* c = text != nullptr ? text : ""; *c != '\0'; ++c) {
    if (*c == '"' || *c == '\\') out += '\\';
    if (static_cast<unsigned char>(*c) >= 0x20) out += *c;
  }
  return out + "\"";
}

const char* boolean(int32_t value) {
  return value != 0 ? "true" : "false";
}

}  // namespace

std::string model_description_toml(const moecap_model_desc& d, QkNormScope qk_norm_scope) {
  std::ostringstream out;
  out << "family = " << quoted(d.family) << "\n"
      << "name = " << quoted(d.name) << "\n"
      << "vocab_size = " << d.vocab_size << "\n"
      << "hidden_size = " << d.hidden_size << "\n"
      << "n_layers = " << d.n_layers << "\n"
      << "norm = " << (d.norm_kind == MOECAP_NORM_LAYER ? "\"layer\"" : "\"rms\"") << "\n"
      << "norm_eps = " << number(d.norm_eps) << "\n"
      << "norm_bias = " << boolean(d.norm_bias) << "\n"
      << "tie_word_embeddings = " << boolean(d.tie_word_embeddings) << "\n"
      << "max_position_embeddings = " << d.max_position_embeddings << "\n"
      << "bos_token_id = " << d.bos_token_id << "\n"
      << "eos_token_id = " << d.eos_token_id << "\n";
  const moecap_ffn_desc* moe = nullptr;
  const moecap_ffn_desc* dense = nullptr;
  std::string dense_layers;
  for (int32_t layer = 0; layer < d.n_layers; ++layer) {
    const moecap_ffn_desc* f = d.layer_ffn[layer];
    if (f->kind == MOECAP_FFN_MOE) {
      if (moe == nullptr) moe = f;
    } else {
      if (dense == nullptr) dense = f;
      dense_layers += (dense_layers.empty() ? "" : ", ") + std::to_string(layer);
    }
  }
  out << "dense_layers = [" << dense_layers << "]\n";

  const moecap_attention_desc& a = *d.attention;
  out << "\n[attention]\n";
  out << "n_heads = " << a.n_heads << "\n"
      << "rope_theta = " << number(a.rope_theta) << "\n";
  if (a.kind == MOECAP_ATTENTION_MLA) {
    out << "kind = \"mla\"\n"
        << "q_lora_rank = " << a.q_lora_rank << "\n"
        << "kv_lora_rank = " << a.kv_lora_rank << "\n"
        << "qk_nope_head_dim = " << a.qk_nope_head_dim << "\n"
        << "qk_rope_head_dim = " << a.qk_rope_head_dim << "\n"
        << "v_head_dim = " << a.v_head_dim << "\n"
        << "o_bias = " << boolean(a.o_bias) << "\n";
  } else {
    out << "kind = \"gqa\"\n"
        << "n_kv_heads = " << a.n_kv_heads << "\n"
        << "head_dim = " << a.head_dim << "\n"
        << "partial_rotary_factor = " << number(a.partial_rotary_factor) << "\n"
        << "qk_norm = " << boolean(a.qk_norm) << "\n"
        << "qk_norm_per_head = " << (qk_norm_scope == QkNormScope::per_head ? "true" : "false") << "\n"
        << "qkv_bias = " << boolean(a.qkv_bias) << "\n"
        << "o_bias = " << boolean(a.o_bias) << "\n";
  }
  if (moe != nullptr) {
    out << "\n[ffn]\n"
        << "n_experts = " << moe->n_experts << "\n"
        << "top_k = " << moe->top_k << "\n"
        << "expert_intermediate_size = " << moe->expert_intermediate_size << "\n"
        << "router_scoring = " << (moe->router_scoring == MOECAP_ROUTER_SIGMOID ? "\"sigmoid\"" : "\"softmax\"") << "\n"
        << "renormalize_topk = " << boolean(moe->renormalize_topk) << "\n"
        << "routed_scaling_factor = " << number(moe->routed_scaling_factor) << "\n"
        << "n_group = " << moe->n_group << "\n"
        << "topk_group = " << moe->topk_group << "\n"
        << "score_correction_bias = " << boolean(moe->has_score_correction_bias) << "\n"
        << "n_shared_experts = " << moe->n_shared_experts << "\n"
        << "shared_expert_intermediate_size = " << moe->shared_expert_intermediate_size << "\n"
        << "shared_expert_gate = " << boolean(moe->shared_expert_gate) << "\n"
        << "activation = \"" << activation_name(moe->activation) << "\"\n"
        << "gated = " << boolean(moe->gated) << "\n";
  }
  if (dense != nullptr) {
    out << "\n[dense_ffn]\n"
        << "intermediate_size = " << dense->intermediate_size << "\n"
        << "activation = \"" << activation_name(dense->activation) << "\"\n"
        << "gated = " << boolean(dense->gated) << "\n";
  }
  return out.str();
}

}  // namespace moecap::host
