// Parameter, byte, KV and FLOP accounting of a canonical MoE model description.
//
// Every CAP metric divides "what the model had to read or compute" by a time and a hardware peak; this file
// is the "what". It works from moecap_model_desc alone (never from a family name): a layer is dense or MoE
// by layer_ffn[i]->kind, attention is GQA or MLA by attention->kind, shared experts, shared gates, biases,
// qk-norms and tied heads by their flags. Counts follow sdk/docs/CANONICAL_MODEL.md weight by weight, so
// the sum over layers plus embedding, LM head and final norm is exactly the number of parameters a model
// plugin exposes.
//
// Units: parameter counts are elements; bytes are counts × bytes per element (fractional widths such as
// 0.5 for int4 are allowed); FLOPs are floating-point operations (a multiply-add is 2 FLOPs).
#pragma once

#include <cstdint>
#include <vector>

#include "moecap/model.h"

namespace moecap::host {

/// How a qk-norm weight is shaped: the description only says that q and k are normalised, while
/// CANONICAL_MODEL.md allows two shapes. A model plugin knows which (from the weight's shape).
enum class QkNormScope {
  per_head,         ///< q_norm [hd], k_norm [hd] (Qwen3-MoE)
  whole_projection  ///< q_norm [H·hd], k_norm [Hkv·hd] (OLMoE)
};

/// How MLA attention scores are computed, which decides their FLOPs (weights and KV are the same).
enum class MlaScoreForm {
  /// k and v are up-projected per head (kv_b applied), scores over (nope+rope), values over v:
  /// per token per layer 2·H·(nope+rope)·c + 2·H·v·c. This is what the model configuration implies and
  /// what MoE-CAP's code counts (moe-cap-method.md §2.6). The kv_b up-projection of cached latents is not
  /// counted (an implementation may cache its output).
  naive,
  /// kv_b absorbed into q and o (DeepSeek's inference form): attention runs in the latent space,
  /// 2·H·(kv_lora+rope)·c for scores plus 2·H·kv_lora·c for values.
  absorbed
};

/// Element widths the metrics need; a KV cache can differ from the weights (moe-cap-method.md §6.2 K1).
struct AccountingOptions {
  double weight_bytes_per_element = 2;  ///< e.g. 2 for bf16, 1 for fp8/int8, 0.5 for int4
  double kv_bytes_per_element = 2;      ///< the KV cache's dtype, not the weights'
  QkNormScope qk_norm_scope = QkNormScope::per_head;
  MlaScoreForm mla_score_form = MlaScoreForm::naive;
};

/// Parameter counts of one decoder layer, by component (elements).
struct LayerParams {
  bool is_moe = false;
  int64_t attention = 0;              ///< projections + their biases + qk-norms (GQA); q/q_a/q_a_norm/q_b, kv_a,
                                      ///< kv_a_norm, kv_b, o (+ o bias) (MLA)
  int64_t attention_projections = 0;  ///< the projection matrices alone (no biases, no norms): what
                                      ///< MoE-CAP's code calls S_attn (moe-cap-method.md §2.3)
  int64_t norms = 0;                  ///< attn_norm + ffn_norm (+ their biases)
  int64_t router = 0;                 ///< MoE: router [E,d] + score correction bias [E]
  int64_t routed_expert = 0;          ///< MoE: ONE routed expert (gate? + up + down)
  int32_t n_routed_experts = 0;       ///< MoE
  int32_t top_k = 0;                  ///< MoE
  int64_t shared_experts = 0;         ///< MoE: ALL shared experts (fused: n_shared · one), 0 when none
  int32_t n_shared_experts = 0;       ///< MoE
  int64_t shared_expert_gate = 0;     ///< MoE: the [1,d] sigmoid gate of the shared experts (Qwen2-MoE)
  int64_t dense_ffn = 0;              ///< dense layer: gate? + up + down

  /// Every parameter of the layer.
  int64_t total() const;
  /// Parameters one token uses: everything but the n_routed − top_k experts it was not routed to.
  int64_t active() const;
  /// The FFN weights every token of the layer reads regardless of routing: shared experts + dense FFN.
  int64_t always_active_ffn() const { return shared_experts + dense_ffn; }
};

/// The accounting of a whole model. Built once per run; every query is O(1) or O(layers).
class ModelAccounting {
 public:
  /// Throws std::invalid_argument when the description is incomplete or inconsistent (null attention or
  /// layer pointer, non-positive sizes, top_k > n_experts …); the message names the field.
  explicit ModelAccounting(const moecap_model_desc& model, AccountingOptions options = {});

  const AccountingOptions& options() const { return options_; }
  int32_t n_layers() const { return static_cast<int32_t>(layers_.size()); }
  int32_t n_moe_layers() const { return n_moe_layers_; }
  const LayerParams& layer(int32_t index) const { return layers_.at(static_cast<size_t>(index)); }
  const std::vector<LayerParams>& layers() const { return layers_; }
  int32_t hidden_size() const { return hidden_size_; }
  int32_t vocab_size() const { return vocab_size_; }
  bool tied_embeddings() const { return tied_embeddings_; }

  // ------------------------------------------------------------------ parameter counts (elements)
  int64_t embedding_params() const { return embedding_; }    ///< V·d
  int64_t lm_head_params() const { return lm_head_; }        ///< V·d, 0 when tied
  int64_t final_norm_params() const { return final_norm_; }  ///< d (+ d bias)
  /// Σ layers total + embedding + LM head + final norm: what the checkpoint holds.
  int64_t total_params() const;
  /// Σ layers active + embedding + LM head + final norm: the convention Mistral, Qwen, OLMoE and
  /// Databricks publish (the whole embedding matrix counts).
  int64_t active_params() const;
  /// active_params() without the input embedding: DeepSeek's convention (a lookup reads one row).
  int64_t active_params_excluding_embedding() const { return active_params() - embedding_; }

  // ------------------------------------------------------------------ per-layer sums (elements)
  int64_t attention_params() const;          ///< Σ layers attention
  int64_t norm_params() const;               ///< Σ layers norms + final norm
  int64_t router_params() const;             ///< Σ MoE layers router
  int64_t shared_gate_params() const;        ///< Σ MoE layers shared-expert gate
  int64_t always_active_ffn_params() const;  ///< Σ layers shared experts + dense FFN
  int64_t all_routed_expert_params() const;  ///< Σ MoE layers n_routed · routed expert

  // ------------------------------------------------------------------ bytes at the weight dtype
  double weight_bytes(int64_t params) const { return static_cast<double>(params) * options_.weight_bytes_per_element; }

  // ------------------------------------------------------------------ KV cache
  /// KV elements one token adds to the cache, all layers: GQA 2·L·hd·Hkv; MLA L·(kv_lora + rope).
  int64_t kv_elements_per_token() const { return kv_elements_per_token_; }
  double kv_bytes_per_token() const {
    return static_cast<double>(kv_elements_per_token_) * options_.kv_bytes_per_element;
  }

  // ------------------------------------------------------------------ FLOPs
  /// Attention-score FLOPs (QK^T and AV, all layers, all heads) of ONE new token that attends to
  /// `context` tokens (itself included). GQA: L·(2·H·hd·c + 2·H·hd·c) = 4·L·H·hd·c. MLA: see MlaScoreForm.
  double attention_score_flops_per_token(int64_t context) const { return score_flops_per_context_token_ * context; }
  /// Attention-score FLOPs of a sequence that appends `new_tokens` tokens ending at context length
  /// `context_length` (causal: new token j of n sees context_length − n + 1 + j tokens). A decode step is
  /// new_tokens = 1; a prefill from position 0 is new_tokens = context_length.
  double attention_score_flops(int64_t context_length, int64_t new_tokens) const;
  /// Weight FLOPs of one token, summed over layers: 2·(attention projections + router + top_k routed
  /// experts + shared experts + shared gate) for MoE layers, 2·(attention + dense FFN) for dense ones.
  /// Norms (not matmuls), the embedding lookup and the LM head are not counted (paper eq. 5 is per layer).
  double sparse_weight_flops_per_token() const { return sparse_weight_flops_per_token_; }
  /// As above with every routed expert counted: the plain-MFU numerator per token.
  double dense_weight_flops_per_token() const { return dense_weight_flops_per_token_; }

 private:
  AccountingOptions options_;
  std::vector<LayerParams> layers_;
  int32_t n_moe_layers_ = 0;
  int32_t hidden_size_ = 0;
  int32_t vocab_size_ = 0;
  bool tied_embeddings_ = false;
  int64_t embedding_ = 0;
  int64_t lm_head_ = 0;
  int64_t final_norm_ = 0;
  int64_t kv_elements_per_token_ = 0;
  double score_flops_per_context_token_ = 0;
  double sparse_weight_flops_per_token_ = 0;
  double dense_weight_flops_per_token_ = 0;
};

/// Bytes per element of a moecap_dtype (F32 4, F16/BF16 2, F8/I8/U8 1, …); throws on UNKNOWN.
double dtype_bytes(int32_t moecap_dtype_value);

}  // namespace moecap::host
