/* moecap SDK — task plugins: accuracy. A task reads a dataset from local files in its public format and
 * yields requests of the lm-evaluation-harness kinds; the host runs them through a backend and hands the
 * responses back for scoring.
 *
 * Threading: request_get is thread-safe. score may run concurrently on distinct documents unless the task
 * sets serial_scoring. summary and close are called once, after every score call has returned.
 */
#ifndef MOECAP_TASK_H
#define MOECAP_TASK_H

#include "moecap/host_api.h"
#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Request kinds (lm-evaluation-harness). @since 1.0 */
typedef enum moecap_request_kind {
  MOECAP_REQUEST_LOGLIKELIHOOD = 1,         /**< score each continuation after the context */
  MOECAP_REQUEST_GENERATE_UNTIL = 2,        /**< generate after the context until a stop string */
  MOECAP_REQUEST_LOGLIKELIHOOD_ROLLING = 3  /**< whole-text log-likelihood (perplexity) */
} moecap_request_kind;

/** One document's request. The caller sets struct_size; every pointer the task fills lives until the task
 *  is closed. @since 1.0 */
typedef struct moecap_task_request {
  uint32_t struct_size;  /**< @since 1.0 */
  uint32_t abi_minor;    /**< @since 1.0 */
  int64_t doc_id;        /**< stable id within the dataset split. @since 1.0 */
  int32_t kind;          /**< moecap_request_kind. @since 1.0 */
  int32_t n_continuations; /**< LOGLIKELIHOOD: choices. @since 1.0 */
  const char* context;   /**< prompt text, few-shot examples included. @since 1.0 */
  const char* const* continuations; /**< LOGLIKELIHOOD: n_continuations strings. @since 1.0 */
  int32_t n_until;       /**< GENERATE_UNTIL: stop strings. @since 1.0 */
  int32_t max_new_tokens; /**< GENERATE_UNTIL: limit. @since 1.0 */
  const char* const* until; /**< GENERATE_UNTIL: n_until strings. @since 1.0 */
} moecap_task_request;

/** The host's answer to one request. Borrowed for the score call. @since 1.0 */
typedef struct moecap_task_response {
  uint32_t struct_size;  /**< @since 1.0 */
  uint32_t abi_minor;    /**< @since 1.0 */
  int32_t n_continuations; /**< LOGLIKELIHOOD / ROLLING (1). @since 1.0 */
  int32_t reserved0;     /**< zero. @since 1.0 */
  const double* loglikelihood; /**< per continuation: sum of token log-probabilities. @since 1.0 */
  const bool* is_greedy;       /**< per continuation: every token was the argmax. @since 1.0 */
  const int32_t* n_tokens;     /**< per continuation: tokens scored. @since 1.0 */
  const char* generated;       /**< GENERATE_UNTIL: the text, stop string excluded. @since 1.0 */
} moecap_task_response;

/** One score with its standard error. Frozen POD. @since 1.0 */
typedef struct moecap_task_metric {
  const char* name;  /**< e.g. "acc", "acc_norm", "exact_match", "word_perplexity". @since 1.0 */
  double value;      /**< @since 1.0 */
  double stderr_;    /**< standard error of value; NaN when not defined. @since 1.0 */
  bool higher_is_better; /**< @since 1.0 */
} moecap_task_metric;

/** Opaque task object. @since 1.0 */
typedef struct moecap_task moecap_task;

/** The task plugin's table. Component kind MOECAP_KIND_TASK. @since 1.0 */
typedef struct moecap_task_i {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  const char* name;     /**< component name, e.g. "mmlu". Required. @since 1.0 */
  bool serial_scoring;  /**< true: score is never called concurrently. @since 1.0 */
  /** Opens the dataset named by the sub-table (borrowed). Required. @since 1.0 */
  moecap_error* (*open)(void* context, const moecap_config* config, moecap_task** out);
  /** Documents in the evaluated split (after any limit). Required. @since 1.0 */
  int64_t (*request_count)(const moecap_task* task);
  /** Fills out for document index. Required. @since 1.0 */
  moecap_error* (*request_get)(const moecap_task* task, int64_t index, moecap_task_request* out);
  /** Scores the response to document index. Required. @since 1.0 */
  moecap_error* (*score)(moecap_task* task, int64_t index, const moecap_task_response* response);
  /** Writes at most capacity metrics and sets *count to how many there are. Required. @since 1.0 */
  moecap_error* (*summary)(moecap_task* task, moecap_task_metric* metrics, size_t capacity, size_t* count);
  /** Closes the task. Required. @since 1.0 */
  void (*close)(moecap_task* task);
} moecap_task_i;

MOECAP_END_DECLS

#endif /* MOECAP_TASK_H */
