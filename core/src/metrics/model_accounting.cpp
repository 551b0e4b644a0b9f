// Parameter, KV and FLOP accounting from the canonical description (see model_accounting.hpp).
//
// Each count below is one row of sdk/docs/CANONICAL_MODEL.md; keep them in the same order when either
// changes.
#include "moecap/host/model_accounting.hpp"

#include <stdexcept>
#include <string>

namespace moecap::host {
namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw std::invalid_argument("model accounting: " + what);
}

void require_positive(int64_t value, const char* field) {
  if (value <= 0) invalid(std::string(field) + " must be > 0 (got " + std::to_string(value) + ")");
}

// GQA projections: q [H·hd,d], k,v [Hkv·hd,d], o [d,H·hd].
int64_t gqa_projection_params(const moecap_attention_desc& a, int64_t d) {
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  return q_width * d + 2 * kv_width * d + d * q_width;
}

// GQA: the projections plus optional biases and qk-norms.
int64_t gqa_attention_params(const moecap_attention_desc& a, int64_t d, QkNormScope scope) {
  const int64_t q_width = int64_t{a.n_heads} * a.head_dim;
  const int64_t kv_width = int64_t{a.n_kv_heads} * a.head_dim;
  int64_t params = gqa_projection_params(a, d);
  if (a.qkv_bias) params += q_width + 2 * kv_width;
  if (a.o_bias) params += d;
  if (a.qk_norm) params += scope == QkNormScope::per_head ? 2 * int64_t{a.head_dim} : q_width + kv_width;
  return params;
}

// MLA projections: q [H·(nope+rope),d] (or q_a [r_q,d] and q_b [H·(nope+rope),r_q]),
// kv_a [r_kv+rope,d], kv_b [H·(nope+v),r_kv], o [d,H·v].
int64_t mla_projection_params(const moecap_attention_desc& a, int64_t d) {
  const int64_t heads = a.n_heads;
  const int64_t q_head = int64_t{a.qk_nope_head_dim} + a.qk_rope_head_dim;
  int64_t params = 0;
  if (a.q_lora_rank > 0) {
    params += int64_t{a.q_lora_rank} * d + heads * q_head * a.q_lora_rank;
  } else {
    params += heads * q_head * d;
  }
  params += (int64_t{a.kv_lora_rank} + a.qk_rope_head_dim) * d;
  params += heads * (int64_t{a.qk_nope_head_dim} + a.v_head_dim) * a.kv_lora_rank;
  params += d * heads * a.v_head_dim;
  return params;
}

// MLA: the projections plus q_a_norm [r_q] (with q LoRA), kv_a_norm [r_kv] and an o bias. The canonical
// names have no MLA q/k/v biases.
int64_t mla_attention_params(const moecap_attention_desc& a, int64_t d) {
  int64_t params = mla_projection_params(a, d) + a.kv_lora_rank;
  if (a.q_lora_rank > 0) params += a.q_lora_rank;
  if (a.o_bias) params += d;
  return params;
}

// One MLP (expert, shared block or dense FFN): gate? + up + down, no biases in the canonical names.
int64_t mlp_params(bool gated, int64_t width, int64_t d) {
  return (gated ? 3 : 2) * width * d;
}

void validate_attention(const moecap_attention_desc& a) {
  require_positive(a.n_heads, "attention.n_heads");
  if (a.kind == MOECAP_ATTENTION_GQA) {
    require_positive(a.n_kv_heads, "attention.n_kv_heads");
    require_positive(a.head_dim, "attention.head_dim");
    if (a.n_heads % a.n_kv_heads != 0) invalid("attention.n_kv_heads must divide attention.n_heads");
  } else if (a.kind == MOECAP_ATTENTION_MLA) {
    require_positive(a.kv_lora_rank, "attention.kv_lora_rank");
    require_positive(a.qk_rope_head_dim, "attention.qk_rope_head_dim");
    require_positive(a.qk_nope_head_dim, "attention.qk_nope_head_dim");
    require_positive(a.v_head_dim, "attention.v_head_dim");
    if (a.q_lora_rank < 0) invalid("attention.q_lora_rank must be >= 0");
  } else {
    invalid("attention.kind " + std::to_string(a.kind) + " is neither GQA (1) nor MLA (2)");
  }
}

void validate_ffn(const moecap_ffn_desc& f, int32_t layer) {
  const std::string where = "layer_ffn[" + std::to_string(layer) + "].";
  if (f.kind == MOECAP_FFN_DENSE) {
    require_positive(f.intermediate_size, (where + "intermediate_size").c_str());
  } else if (f.kind == MOECAP_FFN_MOE) {
    require_positive(f.n_experts, (where + "n_experts").c_str());
    require_positive(f.top_k, (where + "top_k").c_str());
    require_positive(f.expert_intermediate_size, (where + "expert_intermediate_size").c_str());
    if (f.top_k > f.n_experts) invalid(where + "top_k exceeds n_experts");
    if (f.n_shared_experts < 0) invalid(where + "n_shared_experts must be >= 0");
    if (f.n_shared_experts > 0) {
      require_positive(f.shared_expert_intermediate_size, (where + "shared_expert_intermediate_size").c_str());
    }
  } else {
    invalid(where + "kind " + std::to_string(f.kind) + " is neither DENSE (1) nor MOE (2)");
  }
}

}  // namespace

int64_t LayerParams::total() const {
  return attention + norms + router + int64_t{n_routed_experts} * routed_expert + shared_experts + shared_expert_gate +
         dense_ffn;
}

int64_t LayerParams::active() const {
  return attention + norms + router + int64_t{top_k} * routed_expert + shared_experts + shared_expert_gate + dense_ffn;
}

ModelAccounting::ModelAccounting(const moecap_model_desc& model, AccountingOptions options) : options_(options) {
  if (model.attention == nullptr) invalid("attention is null");
  if (model.layer_ffn == nullptr) invalid("layer_ffn is null");
  require_positive(model.n_layers, "n_layers");
  require_positive(model.hidden_size, "hidden_size");
  require_positive(model.vocab_size, "vocab_size");
  if (!(options.weight_bytes_per_element > 0)) invalid("weight_bytes_per_element must be > 0");
  if (!(options.kv_bytes_per_element > 0)) invalid("kv_bytes_per_element must be > 0");
  const moecap_attention_desc& attn = *model.attention;
  validate_attention(attn);

  const int64_t d = model.hidden_size;
  hidden_size_ = model.hidden_size;
  vocab_size_ = model.vocab_size;
  tied_embeddings_ = model.tie_word_embeddings;
  const int64_t norm_size = model.norm_bias ? 2 * d : d;
  const bool mla = attn.kind == MOECAP_ATTENTION_MLA;
  const int64_t attention = mla ? mla_attention_params(attn, d) : gqa_attention_params(attn, d, options.qk_norm_scope);
  const int64_t attention_projections = mla ? mla_projection_params(attn, d) : gqa_projection_params(attn, d);

  layers_.reserve(static_cast<size_t>(model.n_layers));
  for (int32_t i = 0; i < model.n_layers; ++i) {
    const moecap_ffn_desc* ffn = model.layer_ffn[i];
    if (ffn == nullptr) invalid("layer_ffn[" + std::to_string(i) + "] is null");
    validate_ffn(*ffn, i);
    LayerParams layer;
    layer.attention = attention;
    layer.attention_projections = attention_projections;
    layer.norms = 2 * norm_size;
    if (ffn->kind == MOECAP_FFN_MOE) {
      layer.is_moe = true;
      layer.router = int64_t{ffn->n_experts} * d + (ffn->has_score_correction_bias ? ffn->n_experts : 0);
      layer.routed_expert = mlp_params(ffn->gated, ffn->expert_intermediate_size, d);
      layer.n_routed_experts = ffn->n_experts;
      layer.top_k = ffn->top_k;
      layer.n_shared_experts = ffn->n_shared_experts;
      if (ffn->n_shared_experts > 0) {
        layer.shared_experts =
            mlp_params(ffn->gated, int64_t{ffn->n_shared_experts} * ffn->shared_expert_intermediate_size, d);
      }
      layer.shared_expert_gate = ffn->shared_expert_gate ? d : 0;
      ++n_moe_layers_;
    } else {
      layer.dense_ffn = mlp_params(ffn->gated, ffn->intermediate_size, d);
    }
    layers_.push_back(layer);
  }

  embedding_ = int64_t{model.vocab_size} * d;
  lm_head_ = model.tie_word_embeddings ? 0 : embedding_;
  final_norm_ = norm_size;

  const int64_t n_layers = model.n_layers;
  if (mla) {
    kv_elements_per_token_ = n_layers * (int64_t{attn.kv_lora_rank} + attn.qk_rope_head_dim);
    const double heads = static_cast<double>(attn.n_heads);
    if (options.mla_score_form == MlaScoreForm::naive) {
      const double q_head = static_cast<double>(attn.qk_nope_head_dim) + attn.qk_rope_head_dim;
      score_flops_per_context_token_ = static_cast<double>(n_layers) * 2.0 * heads * (q_head + attn.v_head_dim);
    } else {
      const double latent = static_cast<double>(attn.kv_lora_rank);
      score_flops_per_context_token_ =
          static_cast<double>(n_layers) * 2.0 * heads * ((latent + attn.qk_rope_head_dim) + latent);
    }
  } else {
    kv_elements_per_token_ = 2 * n_layers * attn.head_dim * attn.n_kv_heads;
    // 2·H·hd·c for QK^T plus 2·H·hd·c for A·V, per layer.
    score_flops_per_context_token_ = static_cast<double>(n_layers) * 4.0 * attn.n_heads * attn.head_dim;
  }

  for (const LayerParams& layer : layers_) {
    const double attention_flops = 2.0 * static_cast<double>(layer.attention);
    const double common = attention_flops + 2.0 * static_cast<double>(layer.router + layer.shared_experts +
                                                                      layer.shared_expert_gate + layer.dense_ffn);
    sparse_weight_flops_per_token_ += common + 2.0 * static_cast<double>(int64_t{layer.top_k} * layer.routed_expert);
    dense_weight_flops_per_token_ +=
        common + 2.0 * static_cast<double>(int64_t{layer.n_routed_experts} * layer.routed_expert);
  }
}

int64_t ModelAccounting::total_params() const {
  int64_t sum = embedding_ + lm_head_ + final_norm_;
  for (const LayerParams& layer : layers_) sum += layer.total();
  return sum;
}

int64_t ModelAccounting::active_params() const {
  int64_t sum = embedding_ + lm_head_ + final_norm_;
  for (const LayerParams& layer : layers_) sum += layer.active();
  return sum;
}

int64_t ModelAccounting::attention_params() const {
  int64_t sum = 0;
  for (const LayerParams& layer : layers_) sum += layer.attention;
  return sum;
}

int64_t ModelAccounting::norm_params() const {
  int64_t sum = final_norm_;
  for (const LayerParams& layer : layers_) sum += layer.norms;
  return sum;
}

int64_t ModelAccounting::router_params() const {
  int64_t sum = 0;
  for (const LayerParams& layer : layers_) sum += layer.router;
  return sum;
}

int64_t ModelAccounting::shared_gate_params() const {
  int64_t sum = 0;
  for (const LayerParams& layer : layers_) sum += layer.shared_expert_gate;
  return sum;
}

int64_t ModelAccounting::always_active_ffn_params() const {
  int64_t sum = 0;
  for (const LayerParams& layer : layers_) sum += layer.always_active_ffn();
  return sum;
}

int64_t ModelAccounting::all_routed_expert_params() const {
  int64_t sum = 0;
  for (const LayerParams& layer : layers_) sum += int64_t{layer.n_routed_experts} * layer.routed_expert;
  return sum;
}

double ModelAccounting::attention_score_flops(int64_t context_length, int64_t new_tokens) const {
  if (new_tokens <= 0 || context_length < new_tokens) {
    invalid("attention_score_flops: need 0 < new_tokens <= context_length (got " + std::to_string(new_tokens) + ", " +
            std::to_string(context_length) + ")");
  }
  // Σ_{j=0}^{n−1} (c − n + 1 + j) = n·c − n·(n−1)/2 context positions read by the n new tokens.
  const double n = static_cast<double>(new_tokens);
  const double positions = n * static_cast<double>(context_length) - n * (n - 1.0) / 2.0;
  return score_flops_per_context_token_ * positions;
}

double dtype_bytes(int32_t moecap_dtype_value) {
  switch (moecap_dtype_value) {
    case MOECAP_DTYPE_F64:
    case MOECAP_DTYPE_I64:
      return 8;
    case MOECAP_DTYPE_F32:
    case MOECAP_DTYPE_I32:
      return 4;
    case MOECAP_DTYPE_F16:
    case MOECAP_DTYPE_BF16:
      return 2;
    case MOECAP_DTYPE_I8:
    case MOECAP_DTYPE_U8:
    case MOECAP_DTYPE_F8_E4M3:
    case MOECAP_DTYPE_F8_E5M2:
      return 1;
    default:
      invalid("dtype " + std::to_string(moecap_dtype_value) + " has no known width");
  }
}

}  // namespace moecap::host
