// config.json per family, with the keys of the published checkpoints (Hub spelling: rope_theta and
// rope_scaling, which transformers 4 and 5 both read) and only values model-hf maps back unchanged.
#include <stdexcept>
#include <string>

#include "moecap/host/hf_checkpoint_writer.hpp"

namespace moecap::host {
namespace {

using nlohmann::json;

class Checker {
 public:
  explicit Checker(std::string family) : family_(std::move(family)) {}
  void require(bool ok, const std::string& what) const {
    if (!ok) throw std::invalid_argument("a " + family_ + " config.json cannot express this description: " + what);
  }

 private:
  std::string family_;
};

json token_id(int32_t id) {
  return id < 0 ? json(nullptr) : json(id);
}

const char* activation_key(int32_t activation) {
  switch (activation) {
    case MOECAP_ACT_GELU:
      return "gelu";
    case MOECAP_ACT_GELU_TANH:
      return "gelu_pytorch_tanh";
    default:
      return "silu";
  }
}

/// rope_scaling as the Hub writes it (both "type" and "rope_type": older and newer readers).
json rope_scaling(const moecap_attention_desc& a, const Checker& check) {
  switch (a.rope_scaling) {
    case MOECAP_ROPE_NONE:
      return nullptr;
    case MOECAP_ROPE_LINEAR:
      return {{"type", "linear"}, {"rope_type", "linear"}, {"factor", a.rope_scaling_factor}};
    case MOECAP_ROPE_DYNAMIC:
      return {{"type", "dynamic"}, {"rope_type", "dynamic"}, {"factor", a.rope_scaling_factor}};
    case MOECAP_ROPE_YARN:
      return {{"type", "yarn"},
              {"rope_type", "yarn"},
              {"factor", a.rope_scaling_factor},
              {"original_max_position_embeddings", a.rope_original_max_position},
              {"beta_fast", a.yarn_beta_fast},
              {"beta_slow", a.yarn_beta_slow},
              {"mscale", a.yarn_mscale},
              {"mscale_all_dim", a.yarn_mscale_all_dim}};
    case MOECAP_ROPE_LLAMA3:
      check.require(false, "llama3 RoPE scaling needs low/high frequency factors the description does not hold");
  }
  check.require(false, "unknown RoPE scaling " + std::to_string(a.rope_scaling));
  return nullptr;
}

/// The one MoE FFN every MoE layer shares, and which layers are dense (with their one dense FFN).
struct LayerPlan {
  const moecap_ffn_desc* moe = nullptr;
  const moecap_ffn_desc* dense = nullptr;
  std::vector<int32_t> dense_layers;
};

LayerPlan layer_plan(const moecap_model_desc& d, const Checker& check) {
  LayerPlan plan;
  auto same = [](const moecap_ffn_desc& x, const moecap_ffn_desc& y) {
    return x.kind == y.kind && x.activation == y.activation && x.gated == y.gated &&
           x.renormalize_topk == y.renormalize_topk && x.has_score_correction_bias == y.has_score_correction_bias &&
           x.shared_expert_gate == y.shared_expert_gate && x.intermediate_size == y.intermediate_size &&
           x.n_experts == y.n_experts && x.top_k == y.top_k &&
           x.expert_intermediate_size == y.expert_intermediate_size && x.router_scoring == y.router_scoring &&
           x.n_group == y.n_group && x.topk_group == y.topk_group && x.n_shared_experts == y.n_shared_experts &&
           x.shared_expert_intermediate_size == y.shared_expert_intermediate_size &&
           x.routed_scaling_factor == y.routed_scaling_factor;
  };
  for (int32_t i = 0; i < d.n_layers; ++i) {
    const moecap_ffn_desc& f = *d.layer_ffn[i];
    const moecap_ffn_desc*& slot = f.kind == MOECAP_FFN_MOE ? plan.moe : plan.dense;
    if (slot == nullptr) slot = &f;
    check.require(same(*slot, f), "layers differ in their " + std::string(f.kind == MOECAP_FFN_MOE ? "MoE" : "dense") +
                                      " FFN (layer " + std::to_string(i) + ")");
    if (f.kind != MOECAP_FFN_MOE) plan.dense_layers.push_back(i);
  }
  check.require(plan.moe != nullptr, "no MoE layer");
  check.require(plan.moe->gated && (!plan.dense || plan.dense->gated), "ungated FFNs");
  check.require(!plan.dense || plan.dense->activation == plan.moe->activation,
                "dense and MoE layers with different activations");
  return plan;
}

json common(const moecap_model_desc& d, const char* architecture, const char* model_type, const std::string& dtype) {
  return {{"architectures", {architecture}},
          {"model_type", model_type},
          {"vocab_size", d.vocab_size},
          {"bos_token_id", token_id(d.bos_token_id)},
          {"eos_token_id", token_id(d.eos_token_id)},
          {"pad_token_id", nullptr},
          {"tie_word_embeddings", d.tie_word_embeddings},
          {"initializer_range", 0.02},
          {"use_cache", true},
          {"dtype", dtype},
          {"torch_dtype", dtype}};
}

void llama_like(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan) {
  const auto& a = *d.attention;
  check.require(d.norm_kind == MOECAP_NORM_RMS && !d.norm_bias, "LayerNorm (the family uses RMSNorm)");
  c["hidden_size"] = d.hidden_size;
  c["num_hidden_layers"] = d.n_layers;
  c["rms_norm_eps"] = d.norm_eps;
  c["max_position_embeddings"] = d.max_position_embeddings;
  c["num_attention_heads"] = a.n_heads;
  c["hidden_act"] = activation_key(plan.moe->activation);
  c["rope_theta"] = a.rope_theta;
  c["rope_scaling"] = rope_scaling(a, check);
  c["attention_dropout"] = 0.0;
  if (a.kind == MOECAP_ATTENTION_GQA) {
    c["num_key_value_heads"] = a.n_kv_heads;
    c["head_dim"] = a.head_dim;
    check.require(!a.rope_interleaved, "interleaved RoPE (the family rotates halves)");
    if (a.partial_rotary_factor != 1.0) c["partial_rotary_factor"] = a.partial_rotary_factor;
  }
}

void mixtral(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan) {
  const auto& a = *d.attention;
  const auto& f = *plan.moe;
  check.require(a.kind == MOECAP_ATTENTION_GQA && !a.qk_norm && !a.qkv_bias && !a.o_bias && a.qkv_clip == 0,
                "attention other than plain GQA");
  check.require(plan.dense_layers.empty(), "dense layers");
  check.require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && f.renormalize_topk && f.n_group == 1 &&
                    f.routed_scaling_factor == 1.0 && f.n_shared_experts == 0 && !f.has_score_correction_bias,
                "routing other than softmax top-k renormalised, or shared experts");
  llama_like(c, d, check, plan);
  c["intermediate_size"] = f.expert_intermediate_size;
  c["num_local_experts"] = f.n_experts;
  c["num_experts_per_tok"] = f.top_k;
  c["sliding_window"] = nullptr;
  c["router_aux_loss_coef"] = 0.02;
  c["output_router_logits"] = false;
}

void qwen_moe(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan, bool qwen3,
              QkNormScope scope) {
  const auto& a = *d.attention;
  const auto& f = *plan.moe;
  check.require(a.kind == MOECAP_ATTENTION_GQA && a.qkv_clip == 0, "attention other than GQA");
  check.require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && f.n_group == 1 && f.routed_scaling_factor == 1.0 &&
                    !f.has_score_correction_bias,
                "routing other than softmax top-k");
  llama_like(c, d, check, plan);
  if (qwen3) {
    check.require(a.qk_norm && scope == QkNormScope::per_head, "q/k without per-head RMSNorm");
    check.require(a.qkv_bias == a.o_bias, "biases on q/k/v but not o (attention_bias sets both)");
    check.require(f.n_shared_experts == 0, "shared experts");
    c["attention_bias"] = a.qkv_bias;
  } else {
    check.require(!a.qk_norm && a.qkv_bias && !a.o_bias, "attention other than Qwen2's (q/k/v biases, no o bias)");
    check.require(f.n_shared_experts == 1 && f.shared_expert_gate, "other than one gated shared expert");
    c["qkv_bias"] = true;
    c["shared_expert_intermediate_size"] = f.shared_expert_intermediate_size;
  }
  c["num_experts"] = f.n_experts;
  c["num_experts_per_tok"] = f.top_k;
  c["moe_intermediate_size"] = f.expert_intermediate_size;
  c["intermediate_size"] = plan.dense ? plan.dense->intermediate_size : f.expert_intermediate_size;
  c["norm_topk_prob"] = f.renormalize_topk;
  c["decoder_sparse_step"] = 1;
  c["mlp_only_layers"] = plan.dense_layers;
  c["use_sliding_window"] = false;
  c["sliding_window"] = nullptr;
  c["max_window_layers"] = d.n_layers;
  c["router_aux_loss_coef"] = 0.001;
  c["output_router_logits"] = false;
}

void olmoe(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan, QkNormScope scope) {
  const auto& a = *d.attention;
  const auto& f = *plan.moe;
  check.require(a.kind == MOECAP_ATTENTION_GQA && a.qk_norm && scope == QkNormScope::whole_projection,
                "attention without RMSNorm over the whole q/k projections");
  check.require(a.qkv_bias == a.o_bias, "biases on q/k/v but not o (attention_bias sets both)");
  check.require(plan.dense_layers.empty(), "dense layers");
  check.require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && f.n_group == 1 && f.routed_scaling_factor == 1.0 &&
                    f.n_shared_experts == 0 && !f.has_score_correction_bias,
                "routing other than softmax top-k, or shared experts");
  llama_like(c, d, check, plan);
  c["attention_bias"] = a.qkv_bias;
  c["clip_qkv"] = a.qkv_clip > 0 ? json(a.qkv_clip) : json(nullptr);
  c["intermediate_size"] = f.expert_intermediate_size;
  c["num_experts"] = f.n_experts;
  c["num_experts_per_tok"] = f.top_k;
  c["norm_topk_prob"] = f.renormalize_topk;
  c["router_aux_loss_coef"] = 0.01;
  c["output_router_logits"] = false;
}

void deepseek(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan, bool v3) {
  const auto& a = *d.attention;
  const auto& f = *plan.moe;
  check.require(a.kind == MOECAP_ATTENTION_MLA, "GQA attention (the family uses MLA)");
  check.require(a.rope_interleaved != 0 || v3, "RoPE rotating halves (DeepSeek-V2 rotates adjacent pairs)");
  check.require(a.softmax_scale == 0, "an explicit softmax scale");
  for (size_t i = 0; i < plan.dense_layers.size(); ++i)
    check.require(plan.dense_layers[i] == static_cast<int32_t>(i), "dense layers other than the first k");
  check.require(f.n_shared_experts == 0 || f.shared_expert_intermediate_size == f.expert_intermediate_size,
                "shared experts of another width than the routed ones");
  check.require(!f.shared_expert_gate, "a shared-expert gate");
  llama_like(c, d, check, plan);
  c["num_key_value_heads"] = a.n_heads;
  c["q_lora_rank"] = a.q_lora_rank > 0 ? json(a.q_lora_rank) : json(nullptr);
  c["kv_lora_rank"] = a.kv_lora_rank;
  c["qk_nope_head_dim"] = a.qk_nope_head_dim;
  c["qk_rope_head_dim"] = a.qk_rope_head_dim;
  c["v_head_dim"] = a.v_head_dim;
  c["attention_bias"] = false;
  c["n_routed_experts"] = f.n_experts;
  c["n_shared_experts"] = f.n_shared_experts;
  c["num_experts_per_tok"] = f.top_k;
  c["moe_intermediate_size"] = f.expert_intermediate_size;
  c["intermediate_size"] = plan.dense ? plan.dense->intermediate_size : f.expert_intermediate_size;
  c["first_k_dense_replace"] = static_cast<int32_t>(plan.dense_layers.size());
  c["moe_layer_freq"] = 1;
  c["routed_scaling_factor"] = f.routed_scaling_factor;
  c["n_group"] = f.n_group;
  c["topk_group"] = f.topk_group;
  if (v3) {
    check.require(f.router_scoring == MOECAP_ROUTER_SIGMOID && f.has_score_correction_bias,
                  "routing other than sigmoid with the score-correction bias");
    c["rope_interleave"] = a.rope_interleaved != 0;
    c["scoring_func"] = "sigmoid";
    c["topk_method"] = "noaux_tc";
    c["norm_topk_prob"] = f.renormalize_topk;
    c["num_nextn_predict_layers"] = 0;  // no multi-token-prediction layer is written
  } else {
    check.require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && !f.has_score_correction_bias && !f.renormalize_topk,
                  "routing other than softmax without renormalisation");
    c["scoring_func"] = "softmax";
    c["topk_method"] = f.n_group > 1 ? "group_limited_greedy" : "greedy";
    c["norm_topk_prob"] = false;
  }
}

void dbrx(json& c, const moecap_model_desc& d, const Checker& check, const LayerPlan& plan) {
  const auto& a = *d.attention;
  const auto& f = *plan.moe;
  check.require(d.norm_kind == MOECAP_NORM_LAYER && !d.norm_bias && d.norm_eps == 1e-5,
                "norms other than LayerNorm without bias, eps 1e-5");
  check.require(a.kind == MOECAP_ATTENTION_GQA && !a.qk_norm && !a.qkv_bias && !a.o_bias &&
                    a.head_dim * a.n_heads == d.hidden_size && !a.rope_interleaved && a.partial_rotary_factor == 1.0 &&
                    a.rope_scaling == MOECAP_ROPE_NONE,
                "attention other than DBRX's (head_dim = d_model / n_heads, no biases or norms, plain RoPE)");
  check.require(plan.dense_layers.empty(), "dense layers");
  check.require(f.router_scoring == MOECAP_ROUTER_SOFTMAX && f.n_group == 1 && f.routed_scaling_factor == 1.0 &&
                    f.n_shared_experts == 0 && !f.has_score_correction_bias,
                "routing other than softmax top-k, or shared experts");
  c["d_model"] = d.hidden_size;
  c["n_heads"] = a.n_heads;
  c["n_layers"] = d.n_layers;
  c["max_seq_len"] = d.max_position_embeddings;
  c["attn_config"] = {{"kv_n_heads", a.n_kv_heads},
                      {"rope_theta", a.rope_theta},
                      {"clip_qkv", a.qkv_clip > 0 ? json(a.qkv_clip) : json(nullptr)},
                      {"attn_pdrop", 0.0}};
  c["ffn_config"] = {{"ffn_hidden_size", f.expert_intermediate_size},
                     {"moe_num_experts", f.n_experts},
                     {"moe_top_k", f.top_k},
                     {"moe_normalize_expert_weights", f.renormalize_topk ? json(1.0) : json(nullptr)},
                     {"moe_jitter_eps", nullptr},
                     {"moe_loss_weight", 0.01},
                     {"ffn_act_fn", {{"name", activation_key(f.activation)}}}};
  c["emb_pdrop"] = 0.0;
  c["resid_pdrop"] = 0.0;
}

const char* torch_dtype(int32_t dtype) {
  switch (dtype) {
    case MOECAP_DTYPE_BF16:
      return "bfloat16";
    case MOECAP_DTYPE_F16:
      return "float16";
    default:
      return "float32";
  }
}

}  // namespace

json hf_config_for(const moecap_model_desc& d, QkNormScope scope) {
  const std::string family = d.family ? d.family : "";
  const Checker check(family);
  const LayerPlan plan = layer_plan(d, check);
  const std::string dtype = torch_dtype(d.weight_dtype);
  json c;
  if (family == "mixtral") {
    c = common(d, "MixtralForCausalLM", "mixtral", dtype);
    mixtral(c, d, check, plan);
  } else if (family == "qwen2_moe") {
    c = common(d, "Qwen2MoeForCausalLM", "qwen2_moe", dtype);
    qwen_moe(c, d, check, plan, false, scope);
  } else if (family == "qwen3_moe") {
    c = common(d, "Qwen3MoeForCausalLM", "qwen3_moe", dtype);
    qwen_moe(c, d, check, plan, true, scope);
  } else if (family == "olmoe") {
    c = common(d, "OlmoeForCausalLM", "olmoe", dtype);
    olmoe(c, d, check, plan, scope);
  } else if (family == "deepseek_v2") {
    c = common(d, "DeepseekV2ForCausalLM", "deepseek_v2", dtype);
    deepseek(c, d, check, plan, false);
  } else if (family == "deepseek_v3") {
    c = common(d, "DeepseekV3ForCausalLM", "deepseek_v3", dtype);
    deepseek(c, d, check, plan, true);
  } else if (family == "dbrx") {
    c = common(d, "DbrxForCausalLM", "dbrx", dtype);
    dbrx(c, d, check, plan);
  } else {
    throw std::invalid_argument("family '" + family +
                                "' has no Hugging Face format (mixtral, qwen2_moe, qwen3_moe, olmoe, deepseek_v2, "
                                "deepseek_v3, dbrx)");
  }
  return c;
}

}  // namespace moecap::host
