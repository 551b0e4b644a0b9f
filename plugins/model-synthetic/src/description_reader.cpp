#include "description_reader.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <utility>

namespace moecap::synthetic {
namespace {

/// Typed, validated reads of `<table>.<key>`; every rejection goes through Config::fail so the message
/// carries the preset's file:line:col.
class KeyReader {
 public:
  KeyReader(const Config& config, std::string table) : config_(config), table_(std::move(table)) {}

  std::string full(const std::string& key) const { return table_.empty() ? key : table_ + "." + key; }
  bool has(const std::string& key) const { return config_.has(full(key).c_str()); }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    config_.fail(full(key).c_str(), message);
  }

  int32_t required_int(const std::string& key, int64_t min, const char* expected) const {
    if (!has(key)) fail(key, std::string("is required: expected ") + expected);
    return checked_int(key, min, expected);
  }
  int32_t int_or(const std::string& key, int64_t fallback, int64_t min, const char* expected) const {
    return has(key) ? checked_int(key, min, expected) : static_cast<int32_t>(fallback);
  }

  double number_or(const std::string& key, double fallback, double min, bool min_inclusive,
                   const char* expected) const {
    if (!has(key)) return fallback;
    const double value = config_.number(full(key).c_str());
    if (!std::isfinite(value) || value < min || (!min_inclusive && value == min))
      fail(key, std::string("expected ") + expected + ", got " + std::to_string(value));
    return value;
  }

  bool bool_or(const std::string& key, bool fallback) const {
    return has(key) ? config_.boolean(full(key).c_str()) : fallback;
  }

  /// A string from a closed set; returns the index of the choice.
  int choice_or(const std::string& key, std::initializer_list<const char*> choices, int fallback) const {
    if (!has(key)) return fallback;
    const std::string value = config_.string(full(key).c_str());
    int index = 0;
    std::string listed;
    for (const char* choice : choices) {
      if (value == choice) return index;
      listed += (index == 0 ? "\"" : ", \"") + std::string(choice) + "\"";
      ++index;
    }
    fail(key, "expected one of " + listed + ", got \"" + value + "\"");
  }

  std::string string_or(const std::string& key, const std::string& fallback) const {
    return has(key) ? config_.string(full(key).c_str()) : fallback;
  }

  std::vector<int64_t> integers_or_empty(const std::string& key) const {
    return has(key) ? config_.integers(full(key).c_str()) : std::vector<int64_t>{};
  }

 private:
  int32_t checked_int(const std::string& key, int64_t min, const char* expected) const {
    const int64_t value = config_.integer(full(key).c_str());
    if (value < min || value > std::numeric_limits<int32_t>::max())
      fail(key, std::string("expected ") + expected + ", got " + std::to_string(value));
    return static_cast<int32_t>(value);
  }

  const Config& config_;
  std::string table_;
};

constexpr const char* kFamilies[] = {"mixtral",     "qwen2_moe",   "qwen3_moe", "olmoe",
                                     "deepseek_v2", "deepseek_v3", "dbrx"};

void read_model_level(const KeyReader& keys, OwnedDescription& out) {
  moecap_model_desc& d = out.desc;
  d.struct_size = sizeof d;
  d.abi_minor = MOECAP_ABI_MINOR;

  if (!keys.has("family"))
    keys.fail("family",
              "is required: expected one of mixtral, qwen2_moe, qwen3_moe, "
              "olmoe, deepseek_v2, deepseek_v3, dbrx");
  out.family = keys.string_or("family", "");
  bool known = false;
  for (const char* family : kFamilies) known = known || out.family == family;
  if (!known)
    keys.fail("family", "expected one of mixtral, qwen2_moe, qwen3_moe, olmoe, deepseek_v2, deepseek_v3, dbrx, got \"" +
                            out.family + "\"");
  out.name = keys.string_or("name", out.family);

  d.vocab_size = keys.required_int("vocab_size", 1, "a positive integer (tokens in the vocabulary)");
  d.hidden_size = keys.required_int("hidden_size", 1, "a positive integer (the model width)");
  d.n_layers = keys.required_int("n_layers", 1, "a positive integer (decoder layers)");
  d.norm_kind = keys.choice_or("norm", {"rms", "layer"}, 0) == 0 ? MOECAP_NORM_RMS : MOECAP_NORM_LAYER;
  d.norm_eps = keys.number_or("norm_eps", 1e-5, 0.0, false, "a positive number");
  d.norm_bias = keys.bool_or("norm_bias", false);
  if (d.norm_bias && d.norm_kind != MOECAP_NORM_LAYER)
    keys.fail("norm_bias", "expected false: only LayerNorm (norm = \"layer\") carries a bias");
  d.tie_word_embeddings = keys.bool_or("tie_word_embeddings", false);
  d.max_position_embeddings = keys.int_or("max_position_embeddings", 4096, 1, "a positive integer (longest context)");
  d.bos_token_id = keys.int_or("bos_token_id", -1, -1, "a token id, or -1 for none");
  d.eos_token_id = keys.int_or("eos_token_id", -1, -1, "a token id, or -1 for none");
  if (d.bos_token_id >= d.vocab_size) keys.fail("bos_token_id", "expected an id below vocab_size");
  if (d.eos_token_id >= d.vocab_size) keys.fail("eos_token_id", "expected an id below vocab_size");
}

/// YaRN's attention factor grows with log(factor); the HF "original_max_position_embeddings" is where
/// interpolation starts.
void read_rope(const KeyReader& keys, const moecap_model_desc& d, moecap_attention_desc& a) {
  a.rope_theta = keys.number_or("attention.rope_theta", 10000.0, 0.0, false, "a positive number (RoPE base)");
  a.rope_interleaved = keys.bool_or("attention.rope_interleaved", false) ? 1 : 0;
  static const int32_t kScalings[] = {MOECAP_ROPE_NONE, MOECAP_ROPE_LINEAR, MOECAP_ROPE_YARN, MOECAP_ROPE_DYNAMIC,
                                      MOECAP_ROPE_LLAMA3};
  a.rope_scaling =
      kScalings[keys.choice_or("attention.rope_scaling", {"none", "linear", "yarn", "dynamic", "llama3"}, 0)];
  const bool scaled = a.rope_scaling != MOECAP_ROPE_NONE;
  if (scaled && !keys.has("attention.rope_scaling_factor"))
    keys.fail("attention.rope_scaling_factor", "is required when rope_scaling is set: expected a number >= 1");
  a.rope_scaling_factor =
      keys.number_or("attention.rope_scaling_factor", 1.0, 1.0, true, "a number >= 1 (context extension factor)");
  a.rope_original_max_position = keys.int_or("attention.rope_original_max_position", d.max_position_embeddings, 1,
                                             "a positive integer (the pre-extension context length)");
  a.yarn_beta_fast = keys.number_or("attention.yarn_beta_fast", 32.0, 0.0, false, "a positive number");
  a.yarn_beta_slow = keys.number_or("attention.yarn_beta_slow", 1.0, 0.0, false, "a positive number");
  if (a.yarn_beta_slow > a.yarn_beta_fast) keys.fail("attention.yarn_beta_slow", "expected a number <= yarn_beta_fast");
  a.yarn_mscale = keys.number_or("attention.yarn_mscale", 1.0, 0.0, true, "a number >= 0");
  a.yarn_mscale_all_dim = keys.number_or("attention.yarn_mscale_all_dim", 0.0, 0.0, true, "a number >= 0");
}

void read_gqa(const KeyReader& keys, const moecap_model_desc& d, moecap_attention_desc& a, OwnedDescription& out) {
  a.n_kv_heads = keys.int_or("attention.n_kv_heads", a.n_heads, 1, "a positive integer");
  if (a.n_heads % a.n_kv_heads != 0)
    keys.fail("attention.n_kv_heads", "expected a divisor of n_heads (" + std::to_string(a.n_heads) + ")");
  if (!keys.has("attention.head_dim") && d.hidden_size % a.n_heads != 0)
    keys.fail("attention.n_heads", "expected a divisor of hidden_size, or set attention.head_dim");
  a.head_dim = keys.int_or("attention.head_dim", d.hidden_size / a.n_heads, 1, "a positive integer");
  a.partial_rotary_factor = keys.number_or("attention.partial_rotary_factor", 1.0, 0.0, false, "a number in (0, 1]");
  const double rotary = a.partial_rotary_factor * a.head_dim;
  if (a.partial_rotary_factor > 1.0 || rotary != std::floor(rotary) || static_cast<int64_t>(rotary) % 2 != 0)
    keys.fail("attention.partial_rotary_factor",
              "expected a number in (0, 1] that makes partial_rotary_factor * head_dim an even integer");
  a.qk_norm = keys.bool_or("attention.qk_norm", false);
  out.qk_norm_per_head = keys.bool_or("attention.qk_norm_per_head", true);
  a.qkv_bias = keys.bool_or("attention.qkv_bias", false);
  a.o_bias = keys.bool_or("attention.o_bias", false);
  a.qkv_clip = keys.number_or("attention.qkv_clip", 0.0, 0.0, true, "a number >= 0 (0 = no clipping)");
}

void read_mla(const KeyReader& keys, moecap_attention_desc& a) {
  a.n_kv_heads = a.n_heads;
  a.q_lora_rank = keys.int_or("attention.q_lora_rank", 0, 0, "a non-negative integer (0 = no q compression)");
  a.kv_lora_rank = keys.required_int("attention.kv_lora_rank", 1, "a positive integer (the latent KV width)");
  a.qk_nope_head_dim = keys.required_int("attention.qk_nope_head_dim", 1, "a positive integer");
  a.qk_rope_head_dim = keys.required_int("attention.qk_rope_head_dim", 2, "an even integer >= 2");
  if (a.qk_rope_head_dim % 2 != 0) keys.fail("attention.qk_rope_head_dim", "expected an even integer");
  a.v_head_dim = keys.required_int("attention.v_head_dim", 1, "a positive integer");
  a.head_dim = a.qk_nope_head_dim + a.qk_rope_head_dim;
  if (keys.has("attention.head_dim") && keys.int_or("attention.head_dim", 0, 1, "a positive integer") != a.head_dim)
    keys.fail("attention.head_dim", "expected qk_nope_head_dim + qk_rope_head_dim for MLA");
  a.partial_rotary_factor = 1.0;  // MLA rotates exactly the rope part
}

void read_attention(const KeyReader& keys, const moecap_model_desc& d, OwnedDescription& out) {
  moecap_attention_desc& a = out.attention;
  a.struct_size = sizeof a;
  a.abi_minor = MOECAP_ABI_MINOR;
  a.kind = keys.choice_or("attention.kind", {"gqa", "mla"}, 0) == 0 ? MOECAP_ATTENTION_GQA : MOECAP_ATTENTION_MLA;
  a.n_heads = keys.required_int("attention.n_heads", 1, "a positive integer (query heads)");
  if (a.kind == MOECAP_ATTENTION_GQA)
    read_gqa(keys, d, a, out);
  else
    read_mla(keys, a);
  read_rope(keys, d, a);
  a.softmax_scale =
      keys.number_or("attention.softmax_scale", 0.0, 0.0, true, "a number >= 0 (0 = 1/sqrt(q head size))");
}

int32_t read_activation(const KeyReader& keys, const std::string& key, int32_t fallback) {
  static const int32_t kActivations[] = {MOECAP_ACT_SILU, MOECAP_ACT_GELU, MOECAP_ACT_GELU_TANH};
  if (!keys.has(key)) return fallback;
  return kActivations[keys.choice_or(key, {"silu", "gelu", "gelu_tanh"}, 0)];
}

void read_moe_ffn(const KeyReader& keys, moecap_ffn_desc& f) {
  f.struct_size = sizeof f;
  f.abi_minor = MOECAP_ABI_MINOR;
  f.kind = MOECAP_FFN_MOE;
  f.n_experts = keys.required_int("ffn.n_experts", 1, "a positive integer (routed experts)");
  f.top_k = keys.required_int("ffn.top_k", 1, "a positive integer (experts per token)");
  if (f.top_k > f.n_experts) keys.fail("ffn.top_k", "expected at most n_experts (" + std::to_string(f.n_experts) + ")");
  f.expert_intermediate_size =
      keys.required_int("ffn.expert_intermediate_size", 1, "a positive integer (one routed expert's width)");
  f.router_scoring = keys.choice_or("ffn.router_scoring", {"softmax", "sigmoid"}, 0) == 0 ? MOECAP_ROUTER_SOFTMAX
                                                                                          : MOECAP_ROUTER_SIGMOID;
  f.renormalize_topk = keys.bool_or("ffn.renormalize_topk", true);
  f.routed_scaling_factor =
      keys.number_or("ffn.routed_scaling_factor", 1.0, 0.0, false, "a positive number (1 = no scaling)");
  f.n_group = keys.int_or("ffn.n_group", 1, 1, "a positive integer (1 = no group-limited routing)");
  if (f.n_experts % f.n_group != 0)
    keys.fail("ffn.n_group", "expected a divisor of n_experts (" + std::to_string(f.n_experts) + ")");
  f.topk_group = keys.int_or("ffn.topk_group", f.n_group, 1, "a positive integer");
  if (f.topk_group > f.n_group) keys.fail("ffn.topk_group", "expected at most n_group");
  const int32_t group_size = f.n_experts / f.n_group;
  if (f.top_k > f.topk_group * group_size)
    keys.fail("ffn.top_k", "expected at most topk_group * (n_experts / n_group) experts to choose from");
  if (f.n_group > 1 && f.router_scoring == MOECAP_ROUTER_SIGMOID && group_size < 2)
    keys.fail("ffn.n_group", "expected at least 2 experts per group (sigmoid group scores sum the top 2)");
  f.has_score_correction_bias = keys.bool_or("ffn.score_correction_bias", false);
  f.n_shared_experts = keys.int_or("ffn.n_shared_experts", 0, 0, "a non-negative integer");
  f.shared_expert_intermediate_size =
      keys.int_or("ffn.shared_expert_intermediate_size", f.n_shared_experts > 0 ? f.expert_intermediate_size : 0, 1,
                  "a positive integer (one shared expert's width)");
  f.shared_expert_gate = keys.bool_or("ffn.shared_expert_gate", false);
  if (f.shared_expert_gate && f.n_shared_experts == 0)
    keys.fail("ffn.shared_expert_gate", "expected false: there are no shared experts (n_shared_experts = 0)");
  f.activation = read_activation(keys, "ffn.activation", MOECAP_ACT_SILU);
  f.gated = keys.bool_or("ffn.gated", true);
}

void read_dense_ffn(const KeyReader& keys, const moecap_ffn_desc& moe, bool has_moe, moecap_ffn_desc& f) {
  f.struct_size = sizeof f;
  f.abi_minor = MOECAP_ABI_MINOR;
  f.kind = MOECAP_FFN_DENSE;
  f.intermediate_size = keys.required_int("dense_ffn.intermediate_size", 1, "a positive integer (dense FFN width)");
  f.activation = read_activation(keys, "dense_ffn.activation", has_moe ? moe.activation : MOECAP_ACT_SILU);
  f.gated = keys.bool_or("dense_ffn.gated", has_moe ? moe.gated : true);
  f.n_group = 1;
  f.topk_group = 1;
  f.routed_scaling_factor = 1.0;
}

}  // namespace

std::unique_ptr<OwnedDescription> read_description(const Config& config, const std::string& table) {
  const KeyReader keys(config, table);
  auto out = std::make_unique<OwnedDescription>();
  read_model_level(keys, *out);
  moecap_model_desc& d = out->desc;
  read_attention(keys, d, *out);

  std::set<int64_t> dense_layers;
  for (int64_t layer : keys.integers_or_empty("dense_layers")) {
    if (layer < 0 || layer >= d.n_layers)
      keys.fail("dense_layers",
                "expected layer indices in [0, " + std::to_string(d.n_layers) + "), got " + std::to_string(layer));
    if (!dense_layers.insert(layer).second)
      keys.fail("dense_layers", "expected each layer at most once; " + std::to_string(layer) + " repeats");
  }
  const bool has_moe = static_cast<int64_t>(dense_layers.size()) < d.n_layers;
  if (has_moe) read_moe_ffn(keys, out->moe_ffn);
  if (!dense_layers.empty()) read_dense_ffn(keys, out->moe_ffn, has_moe, out->dense_ffn);

  out->layer_ffn.resize(static_cast<size_t>(d.n_layers));
  for (int32_t i = 0; i < d.n_layers; ++i)
    out->layer_ffn[static_cast<size_t>(i)] = dense_layers.count(i) != 0 ? &out->dense_ffn : &out->moe_ffn;

  d.name = out->name.c_str();
  d.family = out->family.c_str();
  d.attention = &out->attention;
  d.layer_ffn = out->layer_ffn.data();
  return out;
}

}  // namespace moecap::synthetic
