/* moecap SDK — model plugins: a checkpoint becomes the canonical MoE model description and weight views.
 *
 * Canonical weight names and shapes are listed in sdk/docs/CANONICAL_MODEL.md. Every description struct
 * is reached through a pointer (never embedded, never in an array by value), so each can grow by
 * appending members without moving the others.
 */
#ifndef MOECAP_MODEL_H
#define MOECAP_MODEL_H

#include "moecap/host_api.h"
#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Normalisation kinds. @since 1.0 */
typedef enum moecap_norm_kind {
  MOECAP_NORM_RMS = 1,  /**< x / sqrt(mean(x^2) + eps) * weight */
  MOECAP_NORM_LAYER = 2 /**< (x - mean) / sqrt(var + eps) * weight (+ bias when norm_bias) */
} moecap_norm_kind;

/** Attention kinds. @since 1.0 */
typedef enum moecap_attention_kind {
  MOECAP_ATTENTION_GQA = 1, /**< multi-head / grouped-query attention (MHA when kv heads == heads) */
  MOECAP_ATTENTION_MLA = 2  /**< DeepSeek multi-head latent attention */
} moecap_attention_kind;

/** RoPE scaling kinds. @since 1.0 */
typedef enum moecap_rope_scaling {
  MOECAP_ROPE_NONE = 0,
  MOECAP_ROPE_LINEAR = 1,
  MOECAP_ROPE_YARN = 2,
  MOECAP_ROPE_DYNAMIC = 3,
  MOECAP_ROPE_LLAMA3 = 4
} moecap_rope_scaling;

/** FFN kinds. @since 1.0 */
typedef enum moecap_ffn_kind {
  MOECAP_FFN_DENSE = 1,
  MOECAP_FFN_MOE = 2
} moecap_ffn_kind;

/** Router scoring functions. @since 1.0 */
typedef enum moecap_router_scoring {
  MOECAP_ROUTER_SOFTMAX = 1,
  MOECAP_ROUTER_SIGMOID = 2
} moecap_router_scoring;

/** Activation functions. @since 1.0 */
typedef enum moecap_activation {
  MOECAP_ACT_SILU = 1,
  MOECAP_ACT_GELU = 2,      /**< exact erf GELU */
  MOECAP_ACT_GELU_TANH = 3  /**< tanh approximation */
} moecap_activation;

/** Attention of every layer (all layers share it). @since 1.0 */
typedef struct moecap_attention_desc {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  int32_t kind;         /**< moecap_attention_kind. @since 1.0 */
  int32_t n_heads;      /**< query heads. @since 1.0 */
  int32_t n_kv_heads;   /**< GQA: key/value heads (divides n_heads). MLA: equals n_heads. @since 1.0 */
  int32_t head_dim;     /**< GQA: per-head size of q, k and v. MLA: qk_nope + qk_rope. @since 1.0 */
  double rope_theta;    /**< RoPE base. @since 1.0 */
  double partial_rotary_factor; /**< GQA: fraction of head_dim rotated (1.0 = all). @since 1.0 */
  int32_t rope_interleaved; /**< 0: rotate halves (HF "rotate_half"); 1: rotate adjacent pairs. @since 1.0 */
  int32_t rope_scaling;     /**< moecap_rope_scaling. @since 1.0 */
  double rope_scaling_factor; /**< @since 1.0 */
  int32_t rope_original_max_position; /**< YaRN/llama3: original_max_position_embeddings. @since 1.0 */
  int32_t reserved0;        /**< zero. @since 1.0 */
  double yarn_beta_fast;    /**< @since 1.0 */
  double yarn_beta_slow;    /**< @since 1.0 */
  double yarn_mscale;       /**< @since 1.0 */
  double yarn_mscale_all_dim; /**< @since 1.0 */
  bool qk_norm;  /**< per-head RMSNorm of q and k before RoPE (Qwen3-MoE, OLMoE). @since 1.0 */
  bool qkv_bias; /**< q, k, v projections carry a bias. @since 1.0 */
  bool o_bias;   /**< output projection carries a bias. @since 1.0 */
  bool reserved1; /**< zero. @since 1.0 */
  double qkv_clip; /**< clamp q, k, v to [-clip, clip] after projection; 0 = none (DBRX clip_qkv). @since 1.0 */
  /* MLA only (zero otherwise). */
  int32_t q_lora_rank;       /**< 0 = no q compression (DeepSeek-V2-Lite). @since 1.0 */
  int32_t kv_lora_rank;      /**< @since 1.0 */
  int32_t qk_nope_head_dim;  /**< @since 1.0 */
  int32_t qk_rope_head_dim;  /**< @since 1.0 */
  int32_t v_head_dim;        /**< @since 1.0 */
  int32_t reserved2;         /**< zero. @since 1.0 */
  double softmax_scale;      /**< scale of q·k; 0 = 1/sqrt(q head size) (YaRN mscale applied by the backend).
                                  @since 1.0 */
} moecap_attention_desc;

/** The feed-forward block of one layer: dense, or a mixture of experts. @since 1.0 */
typedef struct moecap_ffn_desc {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  int32_t kind;         /**< moecap_ffn_kind. @since 1.0 */
  int32_t activation;   /**< moecap_activation. @since 1.0 */
  bool gated;           /**< act(gate(x)) * up(x) when true; act(up(x)) otherwise. @since 1.0 */
  bool renormalize_topk; /**< MoE: divide the top-k weights by their sum. @since 1.0 */
  bool has_score_correction_bias; /**< MoE: a per-expert bias added to scores for selection only
                                       (DeepSeek-V3 e_score_correction_bias). @since 1.0 */
  bool shared_expert_gate; /**< MoE: shared experts' output scaled by sigmoid(x·w) (Qwen2-MoE). @since 1.0 */
  int32_t intermediate_size;        /**< DENSE: the FFN width. @since 1.0 */
  int32_t n_experts;                /**< MoE: routed experts. @since 1.0 */
  int32_t top_k;                    /**< MoE: experts per token. @since 1.0 */
  int32_t expert_intermediate_size; /**< MoE: width of one routed expert. @since 1.0 */
  int32_t router_scoring;           /**< MoE: moecap_router_scoring. @since 1.0 */
  int32_t n_group;                  /**< MoE: group-limited routing groups (1 = none). @since 1.0 */
  int32_t topk_group;               /**< MoE: groups kept (n_group when none). @since 1.0 */
  int32_t n_shared_experts;         /**< MoE: always-active experts (0 = none). @since 1.0 */
  int32_t shared_expert_intermediate_size; /**< MoE: width of ONE shared expert; the weights hold all
                                              shared experts fused: n_shared * this. @since 1.0 */
  int32_t reserved0;                /**< zero. @since 1.0 */
  double routed_scaling_factor;     /**< MoE: routed output multiplied by this (1.0 = none). @since 1.0 */
} moecap_ffn_desc;

/** The canonical description of a decoder-only (MoE) transformer. Owned by the model object; valid until
 *  it is closed. @since 1.0 */
typedef struct moecap_model_desc {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  const char* name;     /**< e.g. "mixtral-8x7b". @since 1.0 */
  const char* family;   /**< e.g. "mixtral", "qwen2_moe", "qwen3_moe", "olmoe", "deepseek_v2",
                             "deepseek_v3", "dbrx". @since 1.0 */
  int32_t vocab_size;   /**< @since 1.0 */
  int32_t hidden_size;  /**< @since 1.0 */
  int32_t n_layers;     /**< @since 1.0 */
  int32_t norm_kind;    /**< moecap_norm_kind, for every norm of the model. @since 1.0 */
  double norm_eps;      /**< @since 1.0 */
  bool norm_bias;       /**< LayerNorm carries a bias. @since 1.0 */
  bool tie_word_embeddings; /**< LM head reuses the embedding matrix (no "lm_head" weight). @since 1.0 */
  bool reserved0[2];    /**< zero. @since 1.0 */
  int32_t max_position_embeddings; /**< @since 1.0 */
  int32_t weight_dtype; /**< moecap_dtype the weights are stored in. @since 1.0 */
  int32_t bos_token_id; /**< -1 = none. @since 1.0 */
  int32_t eos_token_id; /**< -1 = none. @since 1.0 */
  const moecap_attention_desc* attention; /**< @since 1.0 */
  /** n_layers pointers; layers may share one moecap_ffn_desc. @since 1.0 */
  const moecap_ffn_desc* const* layer_ffn;
} moecap_model_desc;

/** Opaque model object made by a model plugin. @since 1.0 */
typedef struct moecap_model moecap_model;

/** The model plugin's table. Component kind MOECAP_KIND_MODEL. Thread-safety: open is thread-safe; the
 *  members taking a moecap_model* may be called concurrently on one model (they only read) except close.
 *  @since 1.0 */
typedef struct moecap_model_i {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  const char* name;     /**< component name, e.g. "synthetic". Required. @since 1.0 */
  /** Opens a model from the plugin's configuration sub-table (borrowed). Required. @since 1.0 */
  moecap_error* (*open)(void* context, const moecap_config* config, moecap_model** out);
  /** The description; owned by the model, valid until close. Required. @since 1.0 */
  const moecap_model_desc* (*describe)(const moecap_model* model);
  /** Number of weight tensors. Required. @since 1.0 */
  int64_t (*weight_count)(const moecap_model* model);
  /** Fills out (caller sets out->struct_size) with weight index (0 <= index < weight_count). The view's
   *  data lives until close. Required. @since 1.0 */
  moecap_error* (*weight_at)(const moecap_model* model, int64_t index, moecap_tensor_view* out);
  /** Looks a weight up by canonical name; MOECAP_ERR_NOT_FOUND when absent. Required. @since 1.0 */
  moecap_error* (*weight_find)(const moecap_model* model, const char* name, moecap_tensor_view* out);
  /** Optional: text → token ids. Writes at most capacity ids and sets *count to the number needed; when
   *  that exceeds capacity the call fails with INVALID_ARG and nothing else changes. @since 1.0 */
  moecap_error* (*tokenize)(const moecap_model* model, const char* text, size_t text_len, bool add_special,
                            int32_t* ids, size_t capacity, size_t* count);
  /** Optional: token ids → UTF-8 text, same capacity rule (bytes, no NUL added). @since 1.0 */
  moecap_error* (*detokenize)(const moecap_model* model, const int32_t* ids, size_t n_ids, char* text,
                              size_t capacity, size_t* length);
  /** Closes the model. The host guarantees every session created from it was destroyed. Required.
   *  @since 1.0 */
  void (*close)(moecap_model* model);
} moecap_model_i;

/** How a backend reaches the weights: a host-made table forwarding to the model. Borrowed for
 *  session_create; the views it yields stay valid for the lifetime of every session created from it.
 *  @since 1.0 */
typedef struct moecap_weight_source_i {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  void* context;        /**< first argument of the members below. @since 1.0 */
  int64_t (*count)(void* context);                                                   /**< @since 1.0 */
  moecap_error* (*at)(void* context, int64_t index, moecap_tensor_view* out);         /**< @since 1.0 */
  moecap_error* (*find)(void* context, const char* name, moecap_tensor_view* out);   /**< @since 1.0 */
} moecap_weight_source_i;

MOECAP_END_DECLS

#endif /* MOECAP_MODEL_H */
