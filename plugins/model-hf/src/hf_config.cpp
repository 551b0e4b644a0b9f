#include "hf_config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "moecap/cpp/host.hpp"

namespace moecap::hf {
namespace {

using nlohmann::json;

/// Typed access to one JSON object of the config, with errors that name the file and the dotted key.
/// HF writes `null` for unset optional settings, so null reads as absent.
class Keys {
 public:
  static constexpr int32_t kMaxSize = 1 << 26;

  Keys(const json& object, std::string label, std::string prefix = "")
      : object_(&object), label_(std::move(label)), prefix_(std::move(prefix)) {}

  bool has(const char* key) const {
    const auto it = object_->find(key);
    return it != object_->end() && !it->is_null();
  }
  [[noreturn]] void fail(const char* key, const std::string& message, int32_t code = MOECAP_ERR_INVALID_ARG) const {
    throw Error(code, label_ + ": key '" + prefix_ + key + "': " + message);
  }
  [[noreturn]] void unsupported(const char* key, const std::string& message) const {
    fail(key, message, MOECAP_ERR_UNSUPPORTED);
  }

  int32_t integer(const char* key) const {
    const json& v = get(key);
    if (!v.is_number_integer()) fail(key, "must be an integer, not " + std::string(v.type_name()));
    const auto value = v.get<int64_t>();
    if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max())
      fail(key, "value " + std::to_string(value) + " is out of range");
    return static_cast<int32_t>(value);
  }
  int32_t integer_or(const char* key, int32_t fallback) const { return has(key) ? integer(key) : fallback; }
  /// Sizes are capped so that products of two of them (shapes, byte counts) cannot overflow int64.
  int32_t positive(const char* key) const {
    const int32_t value = integer(key);
    if (value <= 0) fail(key, "must be positive, not " + std::to_string(value));
    if (value > kMaxSize) fail(key, "value " + std::to_string(value) + " is implausibly large");
    return value;
  }
  int32_t positive_or(const char* key, int32_t fallback) const { return has(key) ? positive(key) : fallback; }
  /// A size that may be zero (0 = feature off), capped like positive().
  int32_t count_or(const char* key, int32_t fallback) const {
    if (!has(key)) return fallback;
    const int32_t value = integer(key);
    if (value < 0) fail(key, "must not be negative, not " + std::to_string(value));
    if (value > kMaxSize) fail(key, "value " + std::to_string(value) + " is implausibly large");
    return value;
  }
  /// A layer count: one description per layer is allocated, so it is capped far lower.
  int32_t layers(const char* key) const {
    const int32_t value = positive(key);
    if (value > 65536) fail(key, "value " + std::to_string(value) + " is implausibly large");
    return value;
  }
  double number(const char* key) const {
    const json& v = get(key);
    if (!v.is_number()) fail(key, "must be a number, not " + std::string(v.type_name()));
    const double value = v.get<double>();
    if (!std::isfinite(value)) fail(key, "must be finite");
    return value;
  }
  double number_or(const char* key, double fallback) const { return has(key) ? number(key) : fallback; }
  bool boolean_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    const json& v = get(key);
    if (!v.is_boolean()) fail(key, "must be true or false, not " + std::string(v.type_name()));
    return v.get<bool>();
  }
  std::string string(const char* key) const {
    const json& v = get(key);
    if (!v.is_string()) fail(key, "must be a string, not " + std::string(v.type_name()));
    return v.get<std::string>();
  }
  std::string string_or(const char* key, const std::string& fallback) const {
    return has(key) ? string(key) : fallback;
  }
  std::vector<int32_t> integers_or_empty(const char* key) const {
    std::vector<int32_t> out;
    if (!has(key)) return out;
    const json& v = get(key);
    if (!v.is_array()) fail(key, "must be an array of integers");
    for (const auto& item : v) {
      if (!item.is_number_integer()) fail(key, "must be an array of integers");
      out.push_back(item.get<int32_t>());
    }
    return out;
  }
  /// The nested object under key; nullopt when absent or null.
  std::optional<Keys> object(const char* key) const {
    if (!has(key)) return std::nullopt;
    const json& v = get(key);
    if (!v.is_object()) fail(key, "must be an object, not " + std::string(v.type_name()));
    return Keys(v, label_, prefix_ + key + ".");
  }
  const std::string& label() const { return label_; }

 private:
  const json& get(const char* key) const {
    const auto it = object_->find(key);
    if (it == object_->end() || it->is_null()) fail(key, "is required but missing");
    return *it;
  }

  const json* object_;  // a pointer, so that Keys can be reassigned
  std::string label_;
  std::string prefix_;
};

int32_t activation_from(const Keys& keys, const char* key, const std::string& name) {
  if (name == "silu" || name == "swish") return MOECAP_ACT_SILU;
  if (name == "gelu") return MOECAP_ACT_GELU;
  if (name == "gelu_pytorch_tanh" || name == "gelu_new" || name == "gelu_fast") return MOECAP_ACT_GELU_TANH;
  keys.unsupported(key, "activation \"" + name + "\" is not supported (silu, gelu, gelu_pytorch_tanh)");
}

/// RoPE theta and scaling, from `rope_parameters` (transformers >= 5) or `rope_theta` + `rope_scaling` (Hub).
void read_rope(const Keys& config, moecap_attention_desc& attention, double default_theta) {
  attention.rope_theta = config.number_or("rope_theta", default_theta);
  attention.partial_rotary_factor = config.number_or("partial_rotary_factor", 1.0);
  std::optional<Keys> scaling;
  if (auto params = config.object("rope_parameters")) {
    attention.rope_theta = params->number_or("rope_theta", attention.rope_theta);
    attention.partial_rotary_factor = params->number_or("partial_rotary_factor", attention.partial_rotary_factor);
    scaling = params;
  } else {
    scaling = config.object("rope_scaling");
  }
  attention.rope_scaling = MOECAP_ROPE_NONE;
  attention.rope_scaling_factor = 1.0;
  if (attention.rope_theta <= 0) config.fail("rope_theta", "must be positive");
  if (attention.partial_rotary_factor <= 0 || attention.partial_rotary_factor > 1)
    config.fail("partial_rotary_factor", "must lie in (0, 1]");
  if (!scaling) return;

  const char* type_key = scaling->has("rope_type") ? "rope_type" : "type";
  const std::string type = scaling->string_or(type_key, "default");
  if (type == "default") return;
  attention.rope_scaling_factor = scaling->number("factor");
  if (type == "linear") {
    attention.rope_scaling = MOECAP_ROPE_LINEAR;
  } else if (type == "dynamic") {
    attention.rope_scaling = MOECAP_ROPE_DYNAMIC;
  } else if (type == "yarn") {
    attention.rope_scaling = MOECAP_ROPE_YARN;
    attention.rope_original_max_position = scaling->positive("original_max_position_embeddings");
    attention.yarn_beta_fast = scaling->number_or("beta_fast", 32.0);
    attention.yarn_beta_slow = scaling->number_or("beta_slow", 1.0);
    attention.yarn_mscale = scaling->number_or("mscale", 1.0);
    attention.yarn_mscale_all_dim = scaling->number_or("mscale_all_dim", 0.0);
    if (scaling->has("attention_factor"))
      scaling->unsupported("attention_factor", "an explicit YaRN attention_factor is not supported");
  } else if (type == "llama3") {
    attention.rope_scaling = MOECAP_ROPE_LLAMA3;
    attention.rope_original_max_position = scaling->positive("original_max_position_embeddings");
  } else {
    scaling->unsupported(type_key, "RoPE scaling \"" + type + "\" is not supported (linear, dynamic, yarn, llama3)");
  }
}

void read_gqa(const Keys& config, moecap_attention_desc& attention, int32_t hidden) {
  attention.kind = MOECAP_ATTENTION_GQA;
  attention.n_heads = config.positive("num_attention_heads");
  attention.n_kv_heads = config.positive_or("num_key_value_heads", attention.n_heads);
  if (attention.n_heads % attention.n_kv_heads != 0)
    config.fail("num_key_value_heads", "must divide num_attention_heads (" + std::to_string(attention.n_heads) + ")");
  if (config.has("head_dim")) {
    attention.head_dim = config.positive("head_dim");
  } else {
    if (hidden % attention.n_heads != 0)
      config.fail("num_attention_heads", "must divide hidden_size when head_dim is not given");
    attention.head_dim = hidden / attention.n_heads;
  }
}

void refuse_sliding_window(const Keys& config, bool has_use_flag) {
  // Mixtral applies sliding_window whenever it is set; Qwen only when use_sliding_window is true.
  if (has_use_flag ? config.boolean_or("use_sliding_window", false) : config.has("sliding_window"))
    config.unsupported(has_use_flag ? "use_sliding_window" : "sliding_window",
                       "sliding-window attention is not supported");
}

moecap_ffn_desc dense_ffn(int32_t width, int32_t activation) {
  moecap_ffn_desc ffn{};
  ffn.kind = MOECAP_FFN_DENSE;
  ffn.activation = activation;
  ffn.gated = true;
  ffn.intermediate_size = width;
  ffn.n_group = 1;
  ffn.topk_group = 1;
  ffn.routed_scaling_factor = 1.0;
  return ffn;
}

moecap_ffn_desc moe_ffn(int32_t experts, int32_t top_k, int32_t width, int32_t activation, const Keys& keys,
                        const char* top_k_key) {
  if (top_k > experts)
    keys.fail(top_k_key, "top-k " + std::to_string(top_k) + " exceeds the expert count " + std::to_string(experts));
  moecap_ffn_desc ffn = dense_ffn(0, activation);
  ffn.kind = MOECAP_FFN_MOE;
  ffn.n_experts = experts;
  ffn.top_k = top_k;
  ffn.expert_intermediate_size = width;
  ffn.router_scoring = MOECAP_ROUTER_SOFTMAX;
  return ffn;
}

void read_llama_like_common(const Keys& config, ModelSpec& spec) {
  spec.desc.vocab_size = config.positive("vocab_size");
  spec.desc.hidden_size = config.positive("hidden_size");
  spec.desc.n_layers = config.layers("num_hidden_layers");
  spec.desc.norm_kind = MOECAP_NORM_RMS;
  spec.desc.norm_eps = config.number_or("rms_norm_eps", 1e-6);
  spec.desc.tie_word_embeddings = config.boolean_or("tie_word_embeddings", false);
  spec.desc.max_position_embeddings = config.positive_or("max_position_embeddings", 4096);
}

void map_mixtral(const Keys& config, ModelSpec& spec) {
  read_llama_like_common(config, spec);
  read_gqa(config, spec.attention, spec.desc.hidden_size);
  read_rope(config, spec.attention, 1e6);
  refuse_sliding_window(config, false);
  const int32_t act = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  auto ffn = moe_ffn(config.positive("num_local_experts"), config.positive("num_experts_per_tok"),
                     config.positive("intermediate_size"), act, config, "num_experts_per_tok");
  ffn.renormalize_topk = true;  // MixtralTopKRouter divides the top-k probabilities by their sum
  spec.layer_ffn.assign(static_cast<size_t>(spec.desc.n_layers), ffn);
}

/// Qwen2-MoE and Qwen3-MoE: which layers are sparse follows Qwen2MoeDecoderLayer.
void map_qwen_moe(const Keys& config, ModelSpec& spec, bool qwen3) {
  read_llama_like_common(config, spec);
  read_gqa(config, spec.attention, spec.desc.hidden_size);
  read_rope(config, spec.attention, qwen3 ? 1e6 : 1e6);
  refuse_sliding_window(config, true);
  if (qwen3) {
    spec.attention.qk_norm = true;  // per-head RMSNorm, weight [head_dim]
    spec.attention.qkv_bias = spec.attention.o_bias = config.boolean_or("attention_bias", false);
  } else {
    spec.attention.qkv_bias = config.boolean_or("qkv_bias", true);  // Qwen2 attention always has q/k/v biases
  }
  const int32_t act = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  const char* experts_key = config.has("num_experts") ? "num_experts" : "num_local_experts";
  const int32_t experts = config.count_or(experts_key, 0);
  const int32_t step = config.positive_or("decoder_sparse_step", 1);
  const auto mlp_only = config.integers_or_empty("mlp_only_layers");
  const auto dense = dense_ffn(config.positive("intermediate_size"), act);
  std::optional<moecap_ffn_desc> moe;
  if (experts > 0) {
    moe = moe_ffn(experts, config.positive("num_experts_per_tok"), config.positive("moe_intermediate_size"), act,
                  config, "num_experts_per_tok");
    moe->renormalize_topk = config.boolean_or("norm_topk_prob", false);
    if (!qwen3) {
      moe->n_shared_experts = 1;
      moe->shared_expert_intermediate_size = config.positive("shared_expert_intermediate_size");
      moe->shared_expert_gate = true;
    }
  }
  for (int32_t i = 0; i < spec.desc.n_layers; ++i) {
    const bool sparse = moe && std::find(mlp_only.begin(), mlp_only.end(), i) == mlp_only.end() && (i + 1) % step == 0;
    spec.layer_ffn.push_back(sparse ? *moe : dense);
  }
}

void map_olmoe(const Keys& config, ModelSpec& spec) {
  read_llama_like_common(config, spec);
  read_gqa(config, spec.attention, spec.desc.hidden_size);
  read_rope(config, spec.attention, 1e4);
  spec.attention.qk_norm = true;  // RMSNorm over the whole q / k projection, weight [H*hd] / [Hkv*hd]
  spec.attention.qkv_bias = spec.attention.o_bias = config.boolean_or("attention_bias", false);
  if (config.has("clip_qkv")) {
    spec.attention.qkv_clip = config.number("clip_qkv");  // OLMoE clamps after the q/k norms
    if (spec.attention.qkv_clip <= 0) config.fail("clip_qkv", "must be positive");
  }
  const int32_t act = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  auto ffn = moe_ffn(config.positive("num_experts"), config.positive("num_experts_per_tok"),
                     config.positive("intermediate_size"), act, config, "num_experts_per_tok");
  ffn.renormalize_topk = config.boolean_or("norm_topk_prob", false);
  spec.layer_ffn.assign(static_cast<size_t>(spec.desc.n_layers), ffn);
}

void map_deepseek(const Keys& config, ModelSpec& spec, bool v3) {
  read_llama_like_common(config, spec);
  auto& attention = spec.attention;
  attention.kind = MOECAP_ATTENTION_MLA;
  attention.n_heads = config.positive("num_attention_heads");
  attention.n_kv_heads = attention.n_heads;
  attention.q_lora_rank = config.count_or("q_lora_rank", 0);
  attention.kv_lora_rank = config.positive("kv_lora_rank");
  attention.qk_nope_head_dim = config.positive("qk_nope_head_dim");
  attention.qk_rope_head_dim = config.positive("qk_rope_head_dim");
  attention.v_head_dim = config.positive("v_head_dim");
  attention.head_dim = attention.qk_nope_head_dim + attention.qk_rope_head_dim;
  read_rope(config, attention, 1e4);
  // DeepSeek rotates adjacent pairs: V2 through complex multiplication, V3 when rope_interleave (default).
  attention.rope_interleaved = v3 ? config.boolean_or("rope_interleave", true) : 1;
  if (config.boolean_or("attention_bias", false))
    config.unsupported("attention_bias", "MLA projections with biases are not supported");
  if (config.boolean_or("mlp_bias", false)) config.unsupported("mlp_bias", "FFN biases are not supported");

  const int32_t act = activation_from(config, "hidden_act", config.string_or("hidden_act", "silu"));
  const auto dense = dense_ffn(config.positive("intermediate_size"), act);
  const int32_t experts = config.count_or("n_routed_experts", 0);
  // transformers sparsifies every layer from first_k_dense_replace on and ignores moe_layer_freq; the
  // original DeepSeek code honours it. Refuse anything but 1 rather than guess.
  if (config.integer_or("moe_layer_freq", 1) != 1)
    config.unsupported("moe_layer_freq", "only 1 is supported (transformers ignores other values)");
  const int32_t first_dense = config.integer_or("first_k_dense_replace", v3 ? 3 : 0);
  std::optional<moecap_ffn_desc> moe;
  if (experts > 0) {
    moe = moe_ffn(experts, config.positive("num_experts_per_tok"), config.positive("moe_intermediate_size"), act,
                  config, "num_experts_per_tok");
    moe->n_shared_experts = config.count_or("n_shared_experts", 0);
    moe->shared_expert_intermediate_size = moe->n_shared_experts > 0 ? moe->expert_intermediate_size : 0;
    moe->routed_scaling_factor = config.number_or("routed_scaling_factor", 1.0);
    if (v3) {
      // DeepseekV3TopkRouter: sigmoid scores, e_score_correction_bias for selection, groups by top-2 sum.
      const std::string scoring = config.string_or("scoring_func", "sigmoid");
      if (scoring != "sigmoid")
        config.unsupported("scoring_func", "\"" + scoring + "\": transformers' DeepSeek-V3 scores with sigmoid only");
      moe->router_scoring = MOECAP_ROUTER_SIGMOID;
      moe->has_score_correction_bias = true;
      moe->renormalize_topk = config.boolean_or("norm_topk_prob", true);
      moe->n_group = config.positive_or("n_group", 1);
      moe->topk_group = config.positive_or("topk_group", moe->n_group);
    } else {
      const std::string scoring = config.string_or("scoring_func", "softmax");
      if (scoring != "softmax")
        config.unsupported("scoring_func", "\"" + scoring + "\": DeepSeek-V2 scores with softmax only");
      // transformers' DeepseekV2TopkRouter never renormalises: norm_topk_prob is read but unused.
      moe->renormalize_topk = false;
      const std::string method = config.string_or("topk_method", "greedy");
      if (method == "greedy") {
        moe->n_group = moe->topk_group = 1;
      } else if (method == "group_limited_greedy") {
        moe->n_group = config.positive("n_group");
        moe->topk_group = config.positive("topk_group");
      } else {
        config.unsupported("topk_method", "\"" + method + "\" is not supported (greedy, group_limited_greedy)");
      }
    }
    if (experts % moe->n_group != 0)
      config.fail("n_group", "must divide n_routed_experts (" + std::to_string(experts) + ")");
    if (moe->topk_group > moe->n_group) config.fail("topk_group", "exceeds n_group");
  }
  for (int32_t i = 0; i < spec.desc.n_layers; ++i) spec.layer_ffn.push_back(moe && i >= first_dense ? *moe : dense);
}

void map_dbrx(const Keys& config, ModelSpec& spec) {
  spec.desc.vocab_size = config.positive("vocab_size");
  spec.desc.hidden_size = config.positive("d_model");
  spec.desc.n_layers = config.layers("n_layers");
  spec.desc.max_position_embeddings = config.positive_or("max_seq_len", 2048);
  spec.desc.norm_kind = MOECAP_NORM_LAYER;  // nn.LayerNorm(bias=False) with torch's default eps
  spec.desc.norm_eps = 1e-5;
  spec.desc.norm_bias = false;
  spec.desc.tie_word_embeddings = config.boolean_or("tie_word_embeddings", false);

  const auto attn = config.object("attn_config");
  if (!attn) config.fail("attn_config", "is required but missing");
  auto& attention = spec.attention;
  attention.kind = MOECAP_ATTENTION_GQA;
  attention.n_heads = config.positive("n_heads");
  attention.n_kv_heads = attn->positive_or("kv_n_heads", attention.n_heads);
  if (spec.desc.hidden_size % attention.n_heads != 0) config.fail("n_heads", "must divide d_model");
  if (attention.n_heads % attention.n_kv_heads != 0) attn->fail("kv_n_heads", "must divide n_heads");
  attention.head_dim = spec.desc.hidden_size / attention.n_heads;
  // transformers >= 5 takes theta from rope_parameters and ignores attn_config.rope_theta; a Hub config has
  // only the latter.
  if (config.has("rope_parameters"))
    read_rope(config, attention, 1e4);
  else
    read_rope(*attn, attention, 1e4);
  if (attn->has("clip_qkv")) {
    attention.qkv_clip = attn->number("clip_qkv");
    if (attention.qkv_clip <= 0) attn->fail("clip_qkv", "must be positive");
  }

  const auto ffn_config = config.object("ffn_config");
  if (!ffn_config) config.fail("ffn_config", "is required but missing");
  std::string act_name = "silu";
  if (auto act = ffn_config->object("ffn_act_fn")) act_name = act->string_or("name", "silu");
  const int32_t act = activation_from(*ffn_config, "ffn_act_fn.name", act_name);
  auto ffn = moe_ffn(ffn_config->positive("moe_num_experts"), ffn_config->positive("moe_top_k"),
                     ffn_config->positive("ffn_hidden_size"), act, *ffn_config, "moe_top_k");
  // DbrxFFN divides the top-k probabilities by their p-norm; p = 1 is renormalisation, nothing else maps.
  if (ffn_config->has("moe_normalize_expert_weights")) {
    const double p = ffn_config->number("moe_normalize_expert_weights");
    if (p != 1.0)
      ffn_config->unsupported("moe_normalize_expert_weights",
                              "only 1 (divide by the sum) is supported, not " + std::to_string(p));
    ffn.renormalize_topk = true;
  }
  spec.layer_ffn.assign(static_cast<size_t>(spec.desc.n_layers), ffn);
}

struct FamilyEntry {
  const char* model_type;
  const char* architecture;
  HfFamily family;
};
constexpr FamilyEntry kFamilies[] = {
    {"mixtral", "MixtralForCausalLM", HfFamily::Mixtral},
    {"qwen2_moe", "Qwen2MoeForCausalLM", HfFamily::Qwen2Moe},
    {"qwen3_moe", "Qwen3MoeForCausalLM", HfFamily::Qwen3Moe},
    {"olmoe", "OlmoeForCausalLM", HfFamily::Olmoe},
    {"deepseek_v2", "DeepseekV2ForCausalLM", HfFamily::DeepseekV2},
    {"deepseek_v3", "DeepseekV3ForCausalLM", HfFamily::DeepseekV3},
    {"dbrx", "DbrxForCausalLM", HfFamily::Dbrx},
};

std::string supported_architectures() {
  std::string out;
  for (const auto& f : kFamilies) out += std::string(out.empty() ? "" : ", ") + f.architecture;
  return out;
}

}  // namespace

std::unique_ptr<ModelSpec> map_hf_config(const json& config, const std::string& label, const std::string& model_name) {
  if (!config.is_object()) throw Error(MOECAP_ERR_INVALID_ARG, label + ": not a JSON object");
  const Keys keys(config, label);

  // architectures[0] decides, as in transformers' AutoModelForCausalLM; model_type is the fallback.
  const FamilyEntry* entry = nullptr;
  if (keys.has("architectures")) {
    const json& archs = config["architectures"];
    if (!archs.is_array() || archs.empty() || !archs[0].is_string())
      keys.fail("architectures", "must be a non-empty array of strings");
    const auto arch = archs[0].get<std::string>();
    for (const auto& f : kFamilies)
      if (arch == f.architecture) entry = &f;
    if (entry == nullptr)
      keys.unsupported("architectures", "\"" + arch + "\" is not supported (" + supported_architectures() + ")");
  } else {
    const std::string type = keys.string("model_type");
    for (const auto& f : kFamilies)
      if (type == f.model_type) entry = &f;
    if (entry == nullptr)
      keys.unsupported("model_type", "\"" + type + "\" is not supported (" + supported_architectures() + ")");
  }

  auto spec = std::make_unique<ModelSpec>();
  spec->family = entry->family;
  spec->architecture = entry->architecture;
  spec->family_name = entry->model_type;
  spec->name = model_name;
  spec->attention.struct_size = sizeof(moecap_attention_desc);
  spec->attention.abi_minor = MOECAP_ABI_MINOR;
  spec->attention.partial_rotary_factor = 1.0;
  spec->attention.rope_scaling_factor = 1.0;

  switch (entry->family) {
    case HfFamily::Mixtral:
      map_mixtral(keys, *spec);
      break;
    case HfFamily::Qwen2Moe:
      map_qwen_moe(keys, *spec, false);
      break;
    case HfFamily::Qwen3Moe:
      map_qwen_moe(keys, *spec, true);
      break;
    case HfFamily::Olmoe:
      map_olmoe(keys, *spec);
      break;
    case HfFamily::DeepseekV2:
      map_deepseek(keys, *spec, false);
      break;
    case HfFamily::DeepseekV3:
      map_deepseek(keys, *spec, true);
      break;
    case HfFamily::Dbrx:
      map_dbrx(keys, *spec);
      break;
  }
  if (spec->desc.norm_eps <= 0) throw Error(MOECAP_ERR_INVALID_ARG, label + ": the norm epsilon must be positive");

  for (auto& ffn : spec->layer_ffn) {
    ffn.struct_size = sizeof(moecap_ffn_desc);
    ffn.abi_minor = MOECAP_ABI_MINOR;
  }
  for (const auto& ffn : spec->layer_ffn) spec->layer_ffn_pointers.push_back(&ffn);

  auto& desc = spec->desc;
  desc.struct_size = sizeof(moecap_model_desc);
  desc.abi_minor = MOECAP_ABI_MINOR;
  desc.name = spec->name.c_str();
  desc.family = spec->family_name.c_str();
  desc.weight_dtype = MOECAP_DTYPE_UNKNOWN;  // known once the tensors are read
  desc.bos_token_id = keys.has("bos_token_id") && config["bos_token_id"].is_number_integer()
                          ? config["bos_token_id"].get<int32_t>()
                          : -1;
  // eos_token_id may be a list (several stop tokens); the first is the canonical one.
  desc.eos_token_id = -1;
  if (keys.has("eos_token_id")) {
    const json& eos = config["eos_token_id"];
    if (eos.is_number_integer())
      desc.eos_token_id = eos.get<int32_t>();
    else if (eos.is_array() && !eos.empty() && eos[0].is_number_integer())
      desc.eos_token_id = eos[0].get<int32_t>();
  }
  desc.attention = &spec->attention;
  desc.layer_ffn = spec->layer_ffn_pointers.data();
  return spec;
}

std::unique_ptr<ModelSpec> read_hf_config(const std::string& path, const std::string& model_name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(MOECAP_ERR_NOT_FOUND, path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  json config;
  try {
    config = json::parse(text.str());
  } catch (const json::exception& e) {
    throw Error(MOECAP_ERR_INVALID_ARG, path + ": not valid JSON: " + e.what());
  }
  return map_hf_config(config, path, model_name);
}

}  // namespace moecap::hf
