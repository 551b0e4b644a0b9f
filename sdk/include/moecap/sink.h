/* moecap SDK — sink plugins: receive typed records (run, step, request, summary) and write them somewhere.
 *
 * Threading: write, flush and close are never called concurrently on one sink. A sink never writes to the
 * process's stdout unless its configuration names stdout explicitly (the console sink does, by design).
 */
#ifndef MOECAP_SINK_H
#define MOECAP_SINK_H

#include "moecap/host_api.h"
#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Record types. Append-only; a sink ignores types it does not know. @since 1.0 */
typedef enum moecap_record_type {
  MOECAP_RECORD_RUN = 1,     /**< one per run: resolved config, its hash, versions, machine */
  MOECAP_RECORD_STEP = 2,    /**< one per backend step */
  MOECAP_RECORD_REQUEST = 3, /**< one per finished request (TTFT, TPOT, E2E …) */
  MOECAP_RECORD_SUMMARY = 4  /**< one per run: aggregated metrics */
} moecap_record_type;

/** Field value types. Append-only. @since 1.0 */
typedef enum moecap_field_type {
  MOECAP_FIELD_INT = 1,    /**< int_value */
  MOECAP_FIELD_DOUBLE = 2, /**< double_value (NaN = not available) */
  MOECAP_FIELD_STRING = 3, /**< string_value */
  MOECAP_FIELD_BOOL = 4,   /**< int_value 0 or 1 */
  MOECAP_FIELD_JSON = 5    /**< string_value holds one valid JSON value (arrays, objects) */
} moecap_field_type;

/** One named value. Frozen POD (arrays of it are exchanged). @since 1.0 */
typedef struct moecap_field {
  const char* name;  /**< snake_case, e.g. "ttft_s". @since 1.0 */
  const char* unit;  /**< e.g. "s", "tokens/s", "bytes", "" when dimensionless. @since 1.0 */
  int32_t type;      /**< moecap_field_type. @since 1.0 */
  int32_t reserved0; /**< zero. @since 1.0 */
  int64_t int_value; /**< @since 1.0 */
  double double_value; /**< @since 1.0 */
  const char* string_value; /**< @since 1.0 */
} moecap_field;

/** A record. Host-owned and borrowed for the write call. @since 1.0 */
typedef struct moecap_record {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  int32_t type;         /**< moecap_record_type. @since 1.0 */
  int32_t n_fields;     /**< @since 1.0 */
  const moecap_field* fields; /**< in a stable order per record type. @since 1.0 */
  const char* run_id;   /**< identifies the run (one sweep point) the record belongs to. @since 1.0 */
} moecap_record;

/** Opaque sink object. @since 1.0 */
typedef struct moecap_sink moecap_sink;

/** The sink plugin's table. Component kind MOECAP_KIND_SINK. @since 1.0 */
typedef struct moecap_sink_i {
  uint32_t struct_size; /**< @since 1.0 */
  uint32_t abi_minor;   /**< @since 1.0 */
  const char* name;     /**< component name, e.g. "jsonl". Required. @since 1.0 */
  /** Opens the sink from its sub-table (borrowed). Required. @since 1.0 */
  moecap_error* (*open)(void* context, const moecap_config* config, moecap_sink** out);
  /** Writes one record. Required. @since 1.0 */
  moecap_error* (*write)(moecap_sink* sink, const moecap_record* record);
  /** Makes everything written so far durable; idempotent. Required. @since 1.0 */
  moecap_error* (*flush)(moecap_sink* sink);
  /** Flushes and frees the sink; the sink is gone even when an error is returned. Required. @since 1.0 */
  moecap_error* (*close)(moecap_sink* sink);
} moecap_sink_i;

MOECAP_END_DECLS

#endif /* MOECAP_SINK_H */
