// Preset TOML → moecap_model_desc (see model_description_file.hpp). Keys and defaults mirror
// plugins/model-synthetic/src/description_reader.cpp so both read a preset the same way.
#include "moecap/host/model_description_file.hpp"

#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace moecap::host {
namespace {

class Keys {
 public:
  Keys(const toml::table& root, std::string file) : root_(root), file_(std::move(file)) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& key, const std::string& message) const {
    std::string where = file_;
    if (node != nullptr && node->source().begin) {
      where += ":" + std::to_string(node->source().begin.line) + ":" + std::to_string(node->source().begin.column);
    }
    throw ModelDescriptionError(where + ": '" + key + "' " + message);
  }

  const toml::node* find(const std::string& key) const {
    const toml::node_view<const toml::node> view = root_.at_path(key);
    return view.node();
  }

  int32_t integer(const std::string& key, std::optional<int64_t> fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) {
      if (!fallback) fail(nullptr, key, "is required: expected an integer");
      return static_cast<int32_t>(*fallback);
    }
    const auto value = node->value<int64_t>();
    if (!value || !node->is_integer()) fail(node, key, "expected an integer");
    if (*value < -1 || *value > INT32_MAX) fail(node, key, "is out of range");
    return static_cast<int32_t>(*value);
  }

  double number(const std::string& key, double fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) return fallback;
    const auto value = node->value<double>();
    if (!value) fail(node, key, "expected a number");
    return *value;
  }

  bool boolean(const std::string& key, bool fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) return fallback;
    if (!node->is_boolean()) fail(node, key, "expected true or false");
    return node->as_boolean()->get();
  }

  std::string string(const std::string& key, const std::string& fallback) const {
    const toml::node* node = find(key);
    if (node == nullptr) return fallback;
    if (!node->is_string()) fail(node, key, "expected a string");
    return node->as_string()->get();
  }

  std::vector<int64_t> integers(const std::string& key) const {
    const toml::node* node = find(key);
    std::vector<int64_t> out;
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) fail(node, key, "expected an array of integers");
    for (const toml::node& item : *array) {
      if (!item.is_integer()) fail(&item, key, "expected an array of integers");
      out.push_back(item.as_integer()->get());
    }
    return out;
  }

 private:
  const toml::table& root_;
  std::string file_;
};

int32_t activation(const Keys& keys, const std::string& key, int32_t fallback) {
  const std::string name = keys.string(key, "");
  if (name.empty()) return fallback;
  if (name == "silu") return MOECAP_ACT_SILU;
  if (name == "gelu") return MOECAP_ACT_GELU;
  if (name == "gelu_tanh") return MOECAP_ACT_GELU_TANH;
  keys.fail(keys.find(key), key, "expected one of \"silu\", \"gelu\", \"gelu_tanh\", got \"" + name + "\"");
}

void read_attention(const Keys& keys, ModelDescriptionFile& out) {
  moecap_attention_desc& a = out.attention;
  a.struct_size = sizeof a;
  a.abi_minor = MOECAP_ABI_MINOR;
  const std::string kind = keys.string("attention.kind", "gqa");
  if (kind != "gqa" && kind != "mla") keys.fail(keys.find("attention.kind"), "attention.kind", "expected gqa or mla");
  a.kind = kind == "gqa" ? MOECAP_ATTENTION_GQA : MOECAP_ATTENTION_MLA;
  a.n_heads = keys.integer("attention.n_heads", std::nullopt);
  if (a.n_heads <= 0) keys.fail(keys.find("attention.n_heads"), "attention.n_heads", "expected a positive integer");
  a.rope_theta = keys.number("attention.rope_theta", 10000.0);
  a.partial_rotary_factor = keys.number("attention.partial_rotary_factor", 1.0);
  if (a.kind == MOECAP_ATTENTION_GQA) {
    a.n_kv_heads = keys.integer("attention.n_kv_heads", a.n_heads);
    a.head_dim = keys.integer("attention.head_dim", out.desc.hidden_size / a.n_heads);
    a.qk_norm = keys.boolean("attention.qk_norm", false);
    out.qk_norm_scope =
        keys.boolean("attention.qk_norm_per_head", true) ? QkNormScope::per_head : QkNormScope::whole_projection;
    a.qkv_bias = keys.boolean("attention.qkv_bias", false);
    a.o_bias = keys.boolean("attention.o_bias", false);
  } else {
    a.n_kv_heads = a.n_heads;
    a.q_lora_rank = keys.integer("attention.q_lora_rank", 0);
    a.kv_lora_rank = keys.integer("attention.kv_lora_rank", std::nullopt);
    a.qk_nope_head_dim = keys.integer("attention.qk_nope_head_dim", std::nullopt);
    a.qk_rope_head_dim = keys.integer("attention.qk_rope_head_dim", std::nullopt);
    a.v_head_dim = keys.integer("attention.v_head_dim", std::nullopt);
    a.head_dim = a.qk_nope_head_dim + a.qk_rope_head_dim;
    a.o_bias = keys.boolean("attention.o_bias", false);
    a.partial_rotary_factor = 1.0;
  }
}

void read_moe(const Keys& keys, moecap_ffn_desc& f) {
  f.struct_size = sizeof f;
  f.abi_minor = MOECAP_ABI_MINOR;
  f.kind = MOECAP_FFN_MOE;
  f.n_experts = keys.integer("ffn.n_experts", std::nullopt);
  f.top_k = keys.integer("ffn.top_k", std::nullopt);
  f.expert_intermediate_size = keys.integer("ffn.expert_intermediate_size", std::nullopt);
  f.router_scoring =
      keys.string("ffn.router_scoring", "softmax") == "sigmoid" ? MOECAP_ROUTER_SIGMOID : MOECAP_ROUTER_SOFTMAX;
  f.renormalize_topk = keys.boolean("ffn.renormalize_topk", true);
  f.routed_scaling_factor = keys.number("ffn.routed_scaling_factor", 1.0);
  f.n_group = keys.integer("ffn.n_group", 1);
  f.topk_group = keys.integer("ffn.topk_group", f.n_group);
  f.has_score_correction_bias = keys.boolean("ffn.score_correction_bias", false);
  f.n_shared_experts = keys.integer("ffn.n_shared_experts", 0);
  f.shared_expert_intermediate_size =
      keys.integer("ffn.shared_expert_intermediate_size", f.n_shared_experts > 0 ? f.expert_intermediate_size : 0);
  f.shared_expert_gate = keys.boolean("ffn.shared_expert_gate", false);
  f.activation = activation(keys, "ffn.activation", MOECAP_ACT_SILU);
  f.gated = keys.boolean("ffn.gated", true);
}

void read_dense(const Keys& keys, const moecap_ffn_desc& moe, bool has_moe, moecap_ffn_desc& f) {
  f.struct_size = sizeof f;
  f.abi_minor = MOECAP_ABI_MINOR;
  f.kind = MOECAP_FFN_DENSE;
  f.intermediate_size = keys.integer("dense_ffn.intermediate_size", std::nullopt);
  f.activation = activation(keys, "dense_ffn.activation", has_moe ? moe.activation : MOECAP_ACT_SILU);
  f.gated = keys.boolean("dense_ffn.gated", has_moe ? moe.gated : true);
  f.n_group = 1;
  f.topk_group = 1;
  f.routed_scaling_factor = 1.0;
}

}  // namespace

std::unique_ptr<ModelDescriptionFile> parse_model_description(std::string_view toml_text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(toml_text, file);
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw ModelDescriptionError(file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
                                std::string(e.description()));
  }
  const Keys keys(root, file);
  auto out = std::make_unique<ModelDescriptionFile>();
  out->file = file;
  moecap_model_desc& d = out->desc;
  d.struct_size = sizeof d;
  d.abi_minor = MOECAP_ABI_MINOR;
  out->family = keys.string("family", "");
  if (out->family.empty()) keys.fail(nullptr, "family", "is required");
  out->name = keys.string("name", out->family);
  d.vocab_size = keys.integer("vocab_size", std::nullopt);
  d.hidden_size = keys.integer("hidden_size", std::nullopt);
  d.n_layers = keys.integer("n_layers", std::nullopt);
  if (d.n_layers <= 0 || d.hidden_size <= 0 || d.vocab_size <= 0)
    keys.fail(nullptr, "vocab_size/hidden_size/n_layers", "must be positive");
  d.norm_kind = keys.string("norm", "rms") == "layer" ? MOECAP_NORM_LAYER : MOECAP_NORM_RMS;
  d.norm_eps = keys.number("norm_eps", 1e-5);
  d.norm_bias = keys.boolean("norm_bias", false);
  d.tie_word_embeddings = keys.boolean("tie_word_embeddings", false);
  d.max_position_embeddings = keys.integer("max_position_embeddings", 4096);
  d.bos_token_id = keys.integer("bos_token_id", -1);
  d.eos_token_id = keys.integer("eos_token_id", -1);
  d.weight_dtype = MOECAP_DTYPE_BF16;
  read_attention(keys, *out);

  std::set<int64_t> dense_layers;
  for (int64_t layer : keys.integers("dense_layers")) {
    if (layer < 0 || layer >= d.n_layers || !dense_layers.insert(layer).second)
      keys.fail(keys.find("dense_layers"), "dense_layers", "expected distinct layer indices in [0, n_layers)");
  }
  const bool has_moe = static_cast<int64_t>(dense_layers.size()) < d.n_layers;
  if (has_moe) read_moe(keys, out->moe_ffn);
  if (!dense_layers.empty()) read_dense(keys, out->moe_ffn, has_moe, out->dense_ffn);
  out->layer_ffn.resize(static_cast<size_t>(d.n_layers));
  for (int32_t i = 0; i < d.n_layers; ++i)
    out->layer_ffn[static_cast<size_t>(i)] = dense_layers.count(i) != 0 ? &out->dense_ffn : &out->moe_ffn;
  d.name = out->name.c_str();
  d.family = out->family.c_str();
  d.attention = &out->attention;
  d.layer_ffn = out->layer_ffn.data();
  return out;
}

std::unique_ptr<ModelDescriptionFile> load_model_description(const std::string& model,
                                                             const std::vector<std::filesystem::path>& search_dirs) {
  std::filesystem::path file;
  std::error_code ec;
  if (model.ends_with(".toml") || std::filesystem::is_regular_file(model, ec)) {
    file = model;
  } else {
    std::string looked;
    for (const auto& dir : search_dirs) {
      const std::filesystem::path candidate = dir / (model + ".toml");
      if (std::filesystem::is_regular_file(candidate, ec)) {
        file = candidate;
        break;
      }
      looked += (looked.empty() ? "" : ", ") + dir.string();
    }
    if (file.empty())
      throw ModelDescriptionError("model preset '" + model + "' not found: looked for " + model + ".toml in " +
                                  (looked.empty() ? std::string("(no folders)") : looked));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ModelDescriptionError(file.string() + ": cannot read the model preset");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_model_description(text.str(), file.string());
}

}  // namespace moecap::host
