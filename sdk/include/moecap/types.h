/* moecap SDK — basic types shared by every table: errors, dtypes, log levels, tensor views.
 *
 * Ownership rules used throughout the SDK (sdk/docs/ABI_RULES.md, O1–O8):
 *  - whoever allocates frees; nothing is free()d across the boundary;
 *  - arguments are borrowed for the duration of the call unless a member says otherwise;
 *  - strings are UTF-8 and NUL-terminated; a string a plugin returns lives until that plugin's fini
 *    unless documented otherwise.
 */
#ifndef MOECAP_TYPES_H
#define MOECAP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moecap/version.h"

MOECAP_BEGIN_DECLS

/** Opaque error object. Created only by the host (host_api.error_new); NULL means success.
 *  A plugin that returns an error hands it to the host, which frees it. @since 1.0 */
typedef struct moecap_error moecap_error;

/** Error codes. Append-only; an unknown code is treated as MOECAP_ERR_INTERNAL. @since 1.0 */
typedef enum moecap_error_code {
  MOECAP_OK = 0,
  MOECAP_ERR_INVALID_ARG = 1,
  MOECAP_ERR_NOT_FOUND = 2,
  MOECAP_ERR_UNSUPPORTED = 3,
  MOECAP_ERR_UNAVAILABLE = 4, /* retryable, e.g. device busy or out of KV slots */
  MOECAP_ERR_OUT_OF_MEMORY = 5,
  MOECAP_ERR_DEVICE = 6,
  MOECAP_ERR_INTERNAL = 7,
  MOECAP_ERR_CANCELLED = 8,
  MOECAP_ERR_TIMEOUT = 9,
  MOECAP_ERR_ABI = 10 /* a version or struct-size mismatch found by either side */
} moecap_error_code;

/** Log levels for host_api.log. @since 1.0 */
typedef enum moecap_log_level {
  MOECAP_LOG_TRACE = 0,
  MOECAP_LOG_DEBUG = 1,
  MOECAP_LOG_INFO = 2,
  MOECAP_LOG_WARN = 3,
  MOECAP_LOG_ERROR = 4
} moecap_log_level;

/** Element types of tensors. Stored as int32_t in structs. Append-only. @since 1.0 */
typedef enum moecap_dtype {
  MOECAP_DTYPE_UNKNOWN = 0,
  MOECAP_DTYPE_F32 = 1,
  MOECAP_DTYPE_F16 = 2,
  MOECAP_DTYPE_BF16 = 3,
  MOECAP_DTYPE_F64 = 4,
  MOECAP_DTYPE_I32 = 5,
  MOECAP_DTYPE_I64 = 6,
  MOECAP_DTYPE_I8 = 7,
  MOECAP_DTYPE_U8 = 8,
  MOECAP_DTYPE_F8_E4M3 = 9,
  MOECAP_DTYPE_F8_E5M2 = 10
} moecap_dtype;

/** Most dimensions a tensor view carries. Frozen for ABI 1. @since 1.0 */
#define MOECAP_MAX_DIMS 4

/** A borrowed, read-only view of a weight tensor in host memory: dense, row-major (C order).
 *  Matrices follow the PyTorch Linear convention: shape {out_features, in_features}.
 *  The caller sets struct_size/abi_minor before the call; the producer fills the members that fit.
 *  @since 1.0 */
typedef struct moecap_tensor_view {
  uint32_t struct_size; /**< caller: sizeof as the caller compiled it. @since 1.0 */
  uint32_t abi_minor;   /**< producer: the minor it filled. @since 1.0 */
  const char* name;     /**< canonical name; lives as long as the data. @since 1.0 */
  int32_t dtype;        /**< moecap_dtype. @since 1.0 */
  int32_t ndim;         /**< 0..MOECAP_MAX_DIMS. @since 1.0 */
  int64_t shape[MOECAP_MAX_DIMS]; /**< unused dimensions are 1. @since 1.0 */
  const void* data;     /**< may be NULL only when nbytes == 0. Valid until the owning model is closed.
                             @since 1.0 */
  uint64_t nbytes;      /**< size of data in bytes. @since 1.0 */
} moecap_tensor_view;

/** A named scalar a backend reports for a step (bytes_moved, expert_hits …). Frozen POD: arrays of it are
 *  exchanged, so it never grows; new information goes into new counters. @since 1.0 */
typedef struct moecap_counter {
  const char* name; /**< static or plugin-lifetime string, e.g. "bytes_moved". @since 1.0 */
  const char* unit; /**< e.g. "bytes", "seconds", "count". @since 1.0 */
  double value;     /**< @since 1.0 */
} moecap_counter;

/** Opaque configuration sub-table owned by the host; read it through host_api config getters.
 *  Borrowed for the call it is passed to. @since 1.0 */
typedef struct moecap_config moecap_config;

MOECAP_END_DECLS

#endif /* MOECAP_TYPES_H */
