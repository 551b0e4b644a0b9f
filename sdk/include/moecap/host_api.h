/* moecap SDK — the services the host offers every plugin.
 *
 * The host passes a pointer to one moecap_host_api to each plugin's init; the table and everything it
 * points to stay valid until after the plugin's fini returns. All members are thread-safe unless a member
 * says otherwise. Members are appended only; a plugin checks struct_size before calling a member newer
 * than the minor it was built against (moecap::has_member in the C++ layer).
 */
#ifndef MOECAP_HOST_API_H
#define MOECAP_HOST_API_H

#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Host services. @since 1.0 */
typedef struct moecap_host_api {
  uint32_t struct_size; /**< sizeof as the host compiled it. @since 1.0 */
  uint32_t abi_minor;   /**< the host's ABI minor. @since 1.0 */

  /* --- errors --------------------------------------------------------------------------------------- */

  /** Creates an error. Copies message (may be NULL). Ownership of the result passes to whoever returns it
   *  to the host; a plugin that does not return an error it created frees it with error_free.
   *  Never returns NULL (an allocation failure yields a static out-of-memory error). @since 1.0 */
  moecap_error* (*error_new)(int32_t code, const char* message);
  /** Frees an error; NULL is a no-op. @since 1.0 */
  void (*error_free)(moecap_error* error);
  /** Code of an error; MOECAP_OK for NULL. @since 1.0 */
  int32_t (*error_code)(const moecap_error* error);
  /** Message of an error, valid until it is freed; "" for NULL. @since 1.0 */
  const char* (*error_message)(const moecap_error* error);

  /* --- logging -------------------------------------------------------------------------------------- */

  /** Logs a line to the host's log (stderr, never stdout). component names the plugin part, e.g.
   *  "backend-reference". Both strings are borrowed. Safe from any thread. @since 1.0 */
  void (*log)(int32_t level, const char* component, const char* message);

  /* --- configuration: typed getters over the plugin's own TOML sub-table ----------------------------- */
  /* key is a dotted path inside the sub-table ("cache.size"). A missing key returns MOECAP_ERR_NOT_FOUND; a
   * value of another type returns MOECAP_ERR_INVALID_ARG whose message names the pipeline file:line:col
   * and the expected type. Every key read is recorded; the host warns about keys nobody read.
   * Strings returned are owned by the config and valid while it is (the call that received it). */

  /** Reads a string. @since 1.0 */
  moecap_error* (*config_get_string)(const moecap_config* config, const char* key, const char** out);
  /** Reads an integer. @since 1.0 */
  moecap_error* (*config_get_int)(const moecap_config* config, const char* key, int64_t* out);
  /** Reads a number; integers convert. @since 1.0 */
  moecap_error* (*config_get_double)(const moecap_config* config, const char* key, double* out);
  /** Reads a boolean. @since 1.0 */
  moecap_error* (*config_get_bool)(const moecap_config* config, const char* key, bool* out);
  /** Reads a string naming a file or folder and resolves it against the pipeline file's folder; the
   *  result is absolute. Does not check that it exists. @since 1.0 */
  moecap_error* (*config_get_path)(const moecap_config* config, const char* key, const char** out);
  /** Length of an array value. @since 1.0 */
  moecap_error* (*config_get_array_len)(const moecap_config* config, const char* key, size_t* out);
  /** Reads element index of a string array. @since 1.0 */
  moecap_error* (*config_get_string_at)(const moecap_config* config, const char* key, size_t index,
                                        const char** out);
  /** Reads element index of a numeric array. @since 1.0 */
  moecap_error* (*config_get_double_at)(const moecap_config* config, const char* key, size_t index,
                                        double* out);
  /** Reads element index of an integer array. @since 1.0 */
  moecap_error* (*config_get_int_at)(const moecap_config* config, const char* key, size_t index,
                                     int64_t* out);
  /** True when key is present (does not mark it read). @since 1.0 */
  bool (*config_has)(const moecap_config* config, const char* key);
  /** Builds an INVALID_ARG error for a value the plugin rejects, prefixed with the key's file:line:col.
   *  Use it so every configuration error points at the pipeline source. @since 1.0 */
  moecap_error* (*config_error)(const moecap_config* config, const char* key, const char* message);

  /* --- memory ---------------------------------------------------------------------------------------- */

  /** Allocates host scratch memory, aligned to alignment (a power of two, 0 = 64). NULL on failure.
   *  Free with free_host only. @since 1.0 */
  void* (*alloc_host)(size_t size, size_t alignment);
  /** Frees memory from alloc_host; NULL is a no-op. @since 1.0 */
  void (*free_host)(void* pointer);

  /* --- time ------------------------------------------------------------------------------------------ */

  /** Monotonic clock in seconds, the same clock the host uses for step latency. @since 1.0 */
  double (*now_seconds)(void);
} moecap_host_api;

MOECAP_END_DECLS

#endif /* MOECAP_HOST_API_H */
