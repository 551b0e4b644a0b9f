/* moecap SDK — extension "moecap_ext_moecap_session_read_rate_v1": how fast a session's own weight memory reads.
 *
 * S-MBU divides the bytes a decode step reads by the memory bandwidth. A bandwidth probe reads a buffer of its
 * own, and on some machines memory does not read at one rate everywhere (a VM's pages lie on different
 * channels, nodes or hosts), so the probe's buffer and the backend's weights can read at different rates —
 * a difference that is the memory's, not the backend's. A backend offering this extension reads the memory its
 * steps read their weights from with a plain read loop (no arithmetic) and reports the rate, so a host can set
 * a step's rate against a pass over the same bytes in the same places, taken right before and after it.
 *
 * Reached through moecap_plugin_desc.get_proc_address(MOECAP_EXT_SESSION_READ_RATE_V1) (ABI-10); NULL when the
 * plugin does not offer it. Not part of the core tables: a host must work without it.
 */
#ifndef MOECAP_EXT_SESSION_READ_RATE_H
#define MOECAP_EXT_SESSION_READ_RATE_H

#include "moecap/backend.h"

MOECAP_BEGIN_DECLS

/** The name to pass to get_proc_address. @since 1.0 */
#define MOECAP_EXT_SESSION_READ_RATE_V1 "moecap_ext_moecap_session_read_rate_v1"

/** One read pass over a session's weight memory. Caller sets struct_size (and abi_minor to its own); the
 *  backend fills the rest and sets abi_minor to the minor it was built against. @since 1.0 */
typedef struct moecap_read_rate {
  uint32_t struct_size;    /**< caller: sizeof as the caller compiled it. @since 1.0 */
  uint32_t abi_minor;      /**< @since 1.0 */
  double bytes_per_second; /**< bytes read / seconds. @since 1.0 */
  double seconds;          /**< wall time of the pass, from the first reading thread's start to the last one's
                                end. @since 1.0 */
  uint64_t bytes;          /**< bytes read: every weight a step may read, each once. @since 1.0 */
  int32_t threads;         /**< threads that read: the ones the session's steps run on. @since 1.0 */
  int32_t reserved0;       /**< zero. @since 1.0 */
} moecap_read_rate;

/** Reads every byte of the session's weights once, on the threads its steps use, and fills out. The host calls
 *  it between steps, never concurrently with another call on the same session (the pass takes the session's
 *  threads); different sessions may be measured concurrently. session is borrowed; out is caller-owned.
 *  Errors: INVALID_ARG (NULL argument or struct_size too small), UNSUPPORTED (this session's weights cannot be
 *  read this way, e.g. they lie on a device the host cannot time). @since 1.0 */
typedef moecap_error* (*moecap_ext_session_read_rate_v1_fn)(moecap_session* session, moecap_read_rate* out);

MOECAP_END_DECLS

#endif /* MOECAP_EXT_SESSION_READ_RATE_H */
