/* moecap SDK — loading a plugin library: the handshake, the description, the entry points.
 *
 * A plugin library exports exactly
 *   int32_t moecap_plugin_negotiate(moecap_negotiation* io);   (required)
 *   int32_t moecap_plugin_probe(void);                          (optional: 0 = cannot run here, >0 score)
 * Loading happens in two steps. negotiate fills a frozen POD handshake without side effects; the host
 * accepts when the majors are equal and the plugin's minor lies in [host_abi_minor_min, host_abi_minor_max];
 * only then it calls init(host, desc), in which the plugin describes itself and its components.
 */
#ifndef MOECAP_PLUGIN_H
#define MOECAP_PLUGIN_H

#include "moecap/host_api.h"
#include "moecap/types.h"

MOECAP_BEGIN_DECLS

/** Kinds of component a plugin library provides. Append-only; the host skips unknown kinds with a
 *  warning. @since 1.0 */
typedef enum moecap_component_kind {
  MOECAP_KIND_BACKEND = 1, /**< table: moecap_backend_i (moecap/backend.h) */
  MOECAP_KIND_MODEL = 2,   /**< table: moecap_model_i (moecap/model.h) */
  MOECAP_KIND_TASK = 3,    /**< table: moecap_task_i (moecap/task.h) */
  MOECAP_KIND_SINK = 4     /**< table: moecap_sink_i (moecap/sink.h) */
} moecap_component_kind;

/** One component of a plugin. Frozen POD (arrays of it are exchanged). @since 1.0 */
typedef struct moecap_component {
  int32_t kind;      /**< moecap_component_kind. @since 1.0 */
  uint32_t reserved; /**< zero. @since 1.0 */
  const void* table; /**< the kind's function table; lives until fini. @since 1.0 */
  void* context;     /**< passed back as the first argument of the table's factory member. @since 1.0 */
} moecap_component;

/** What a plugin says about itself, filled by init. The host allocates it, sets struct_size, component_capacity
 *  and components (and abi_minor to its own minor), and zeroes the rest; the plugin overwrites abi_minor with
 *  the minor it was built against. Strings live until fini. A library is initialised at most once at a time:
 *  the host never calls init again before fini. @since 1.0 */
typedef struct moecap_plugin_desc {
  uint32_t struct_size; /**< host: sizeof as the host compiled it. @since 1.0 */
  uint32_t abi_minor;   /**< host: its minor; plugin: overwritten with the minor it was built against.
                             @since 1.0 */
  const char* name;     /**< plugin: required, unique among loaded plugins, e.g. "reference". @since 1.0 */
  const char* version;  /**< plugin: required, semver of the plugin itself. @since 1.0 */
  const char* vendor;   /**< plugin: required, who ships it. @since 1.0 */
  const char* build_info; /**< plugin: optional; compiler, SDK commit (diagnostics only). @since 1.0 */
  uint32_t component_capacity; /**< host: how many entries components has room for. @since 1.0 */
  uint32_t component_count;    /**< plugin: how many it filled (>= 1). @since 1.0 */
  moecap_component* components; /**< host-owned array the plugin fills. @since 1.0 */
  /** Optional: extensions by name ("moecap_ext_<vendor>_<name>_v<N>"); NULL if absent. Thread-safe.
   *  @since 1.0 */
  void* (*get_proc_address)(const char* name);
  /** Optional: called once after every object the plugin created is destroyed; joins the plugin's threads
   *  and frees its state. Not called when init failed. @since 1.0 */
  void (*fini)(void);
} moecap_plugin_desc;

/** init: called once, from the loading thread, after a successful negotiation. host lives until after
 *  fini. Returns NULL on success; on failure the plugin cleans up itself and returns an error made with
 *  host->error_new. Must not throw. @since 1.0 */
typedef moecap_error* (*moecap_plugin_init_fn)(const moecap_host_api* host, moecap_plugin_desc* desc);

/** The handshake. The layout of this struct is frozen for every ABI major: the host zero-initialises it and
 *  fills the host_* members and struct_size; the plugin fills the plugin_* members and init, and sets
 *  struct_size to sizeof as it compiled it. No side effects, no allocation, idempotent. @since 1.0 */
typedef struct moecap_negotiation {
  uint32_t struct_size;        /**< host → plugin → host. @since 1.0 */
  uint32_t host_abi_major;     /**< host → plugin. @since 1.0 */
  uint32_t host_abi_minor_min; /**< host → plugin: oldest minor the host reads. @since 1.0 */
  uint32_t host_abi_minor_max; /**< host → plugin: newest minor the host implements. @since 1.0 */
  uint32_t plugin_abi_major;   /**< plugin → host. @since 1.0 */
  uint32_t plugin_abi_minor;   /**< plugin → host. @since 1.0 */
  moecap_plugin_init_fn init;  /**< plugin → host; NULL only when the plugin refuses. @since 1.0 */
} moecap_negotiation;

/** Signature of the required entry point. Returns 0; a non-zero value means the plugin refuses (the host
 *  then reports the negotiated versions). @since 1.0 */
typedef int32_t (*moecap_plugin_negotiate_fn)(moecap_negotiation* io);
/** Signature of the optional probe: 0 = cannot run on this machine, > 0 = a score (higher is preferred
 *  among variants of the same plugin). Cheap (< 50 ms) and free of side effects. @since 1.0 */
typedef int32_t (*moecap_plugin_probe_fn)(void);

/** Exported symbol names. @since 1.0 */
#define MOECAP_PLUGIN_NEGOTIATE_SYMBOL "moecap_plugin_negotiate"
#define MOECAP_PLUGIN_PROBE_SYMBOL "moecap_plugin_probe"

MOECAP_END_DECLS

#endif /* MOECAP_PLUGIN_H */
