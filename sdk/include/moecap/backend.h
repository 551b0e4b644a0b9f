/* moecap SDK — backend plugins: run the model a whole step at a time and report what happened.
 *
 * The boundary is the step, not the op: a backend fuses whatever it likes inside a step. Each step returns
 * logits, the routing trace (tokens per expert per layer — mandatory, S-MBU is computed from it), the
 * backend's own timing, and named counters.
 *
 * Threading: the host never calls step, sequence_release or session_info concurrently on one session; it
 * may drive different sessions concurrently. device_count and device_info are thread-safe.
 */
#ifndef MOECAP_BACKEND_H
#define MOECAP_BACKEND_H

#include "moecap/host_api.h"
#include "moecap/model.h"
#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Device kinds. @since 1.0 */
typedef enum moecap_device_kind {
  MOECAP_DEVICE_CPU = 1,
  MOECAP_DEVICE_GPU = 2,
  MOECAP_DEVICE_ACCELERATOR = 3,
  MOECAP_DEVICE_COMPOSITE = 4 /**< several tiers behind one backend (offload) */
} moecap_device_kind;

/** Which logits a sequence wants from a step. @since 1.0 */
typedef enum moecap_logits_mode {
  MOECAP_LOGITS_NONE = 0,
  MOECAP_LOGITS_LAST = 1, /**< one row: the last new token */
  MOECAP_LOGITS_ALL = 2   /**< n_new rows (log-likelihood scoring) */
} moecap_logits_mode;

/** A device the backend can run on. Caller sets struct_size; strings live until fini. @since 1.0 */
typedef struct moecap_device_info {
  uint32_t struct_size;  /**< @since 1.0 */
  uint32_t abi_minor;    /**< @since 1.0 */
  const char* name;      /**< e.g. "cpu", "cuda:0". @since 1.0 */
  const char* description; /**< e.g. the CPU or GPU model. @since 1.0 */
  int32_t kind;          /**< moecap_device_kind. @since 1.0 */
  int32_t reserved0;     /**< zero. @since 1.0 */
  uint64_t memory_bytes; /**< usable memory; 0 = unknown. @since 1.0 */
} moecap_device_info;

/** What a session settled on, for the metrics (KV bytes per token depend on the KV dtype). Caller sets
 *  struct_size. @since 1.0 */
typedef struct moecap_session_info {
  uint32_t struct_size;   /**< @since 1.0 */
  uint32_t abi_minor;     /**< @since 1.0 */
  int32_t compute_dtype;  /**< moecap_dtype of the arithmetic (F64 for the reference). @since 1.0 */
  int32_t kv_dtype;       /**< moecap_dtype of the KV cache. @since 1.0 */
  int32_t weight_dtype;   /**< moecap_dtype the weights are read in during steps. @since 1.0 */
  int32_t max_sequences;  /**< concurrent sequences the session holds; 0 = unbounded. @since 1.0 */
  int64_t max_context;    /**< longest context per sequence; 0 = unbounded. @since 1.0 */
} moecap_session_info;

/** One step's input. Host-owned, borrowed for the call. Per-sequence data are parallel arrays of length
 *  n_seqs so the struct can grow without changing an element stride. @since 1.0 */
typedef struct moecap_batch {
  uint32_t struct_size;   /**< @since 1.0 */
  uint32_t abi_minor;     /**< @since 1.0 */
  int32_t n_seqs;         /**< sequences in this step (>= 1). @since 1.0 */
  int32_t n_tokens;       /**< sum of n_new. @since 1.0 */
  const int64_t* seq_ids; /**< caller-chosen ids; a new id starts a sequence. @since 1.0 */
  const int32_t* n_new;   /**< new tokens of each sequence (>= 1). @since 1.0 */
  const int64_t* pos;     /**< tokens already in each sequence's KV cache; must equal what the backend
                               holds (0 for a new sequence). @since 1.0 */
  const int32_t* logits_mode; /**< moecap_logits_mode per sequence. @since 1.0 */
  const int32_t* token_ids;   /**< n_tokens ids, sequences in batch order. @since 1.0 */
} moecap_batch;

/** One step's output. The host allocates every array, sized from the description and the batch, and sets
 *  the capacities; the backend fills them. @since 1.0 */
typedef struct moecap_step_result {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  /** Logits as f32 rows of vocab_size, in batch order: per sequence 0 (NONE), 1 (LAST) or n_new (ALL).
   *  @since 1.0 */
  float* logits;
  size_t logits_capacity; /**< floats available in logits. @since 1.0 */
  /** Routing trace: expert_tokens[layer * expert_stride + expert] = tokens of this step routed to that
   *  routed expert (shared experts not included). Rows of dense layers stay zero. Mandatory. @since 1.0 */
  int32_t* expert_tokens;
  int32_t expert_stride;  /**< >= the largest n_experts of any layer. @since 1.0 */
  int32_t topk_stride;    /**< >= the largest top_k; 0 when topk_ids is NULL. @since 1.0 */
  /** Optional (NULL = not wanted): topk_ids[(token * n_layers + layer) * topk_stride + j], the j-th expert
   *  chosen for token (batch order) at layer; -1 for dense layers and unused slots. @since 1.0 */
  int32_t* topk_ids;
  /** Per-sequence status (moecap_error_code); MOECAP_OK when the sequence advanced. A failed sequence
   *  keeps its previous state. @since 1.0 */
  int32_t* seq_status;
  double device_seconds;  /**< backend: its own time for the step (device-synchronised). @since 1.0 */
  moecap_counter* counters; /**< host-provided room for named counters. @since 1.0 */
  int32_t counters_capacity; /**< @since 1.0 */
  int32_t counters_count;    /**< backend: counters written. @since 1.0 */
} moecap_step_result;

/** Opaque session (one loaded model with its KV cache) made by a backend. @since 1.0 */
typedef struct moecap_session moecap_session;

/** The backend plugin's table. Component kind MOECAP_KIND_BACKEND. @since 1.0 */
typedef struct moecap_backend_i {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  const char* name;     /**< component name, e.g. "reference". Required. @since 1.0 */
  /** Number of devices this backend can use here (0 = none). Required. Thread-safe. @since 1.0 */
  int32_t (*device_count)(void* context);
  /** Describes device index. Required. Thread-safe. @since 1.0 */
  moecap_error* (*device_info)(void* context, int32_t index, moecap_device_info* out);
  /** Creates a session for the model. model and config are borrowed for the call; weights too, but the
   *  views it yields outlive the session (the host closes the model only after destroying the session).
   *  Required. @since 1.0 */
  moecap_error* (*session_create)(void* context, const moecap_model_desc* model,
                                  const moecap_weight_source_i* weights, const moecap_config* config,
                                  moecap_session** out);
  /** Fills out (caller sets struct_size). Required. @since 1.0 */
  moecap_error* (*session_info)(moecap_session* session, moecap_session_info* out);
  /** Runs one step. Returns an error only when the step as a whole could not run (nothing changed);
   *  per-sequence failures go to result->seq_status. Required. @since 1.0 */
  moecap_error* (*step)(moecap_session* session, const moecap_batch* batch, moecap_step_result* result);
  /** Forgets a sequence and frees its KV; unknown ids are NOT_FOUND. Required. @since 1.0 */
  moecap_error* (*sequence_release)(moecap_session* session, int64_t seq_id);
  /** Destroys a session and every sequence in it. Required. @since 1.0 */
  void (*session_destroy)(moecap_session* session);
} moecap_backend_i;

MOECAP_END_DECLS

#endif /* MOECAP_BACKEND_H */
