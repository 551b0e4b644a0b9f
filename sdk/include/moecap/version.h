/* moecap SDK — ABI version and export macros.
 *
 * The ABI is versioned MAJOR.MINOR. A host accepts a plugin when the majors are equal and the plugin's
 * minor lies within the host's supported range [MOECAP_ABI_MINOR_MIN, MOECAP_ABI_MINOR]. Minors only
 * append members to tables; a major changes layouts (see sdk/docs/ABI_RULES.md).
 *
 * C99, depends only on <stdint.h>, <stddef.h>, <stdbool.h>.
 */
#ifndef MOECAP_VERSION_H
#define MOECAP_VERSION_H

/** ABI major this header describes. @since 1.0 */
#define MOECAP_ABI_MAJOR 1
/** Newest ABI minor this header describes. @since 1.0 */
#define MOECAP_ABI_MINOR 0
/** Oldest ABI minor a host built from this header still reads. @since 1.0 */
#define MOECAP_ABI_MINOR_MIN 0

/** SDK release (semver); informational, not part of the compatibility check. @since 1.0 */
#define MOECAP_SDK_VERSION "1.0.0"

#ifdef __cplusplus
#define MOECAP_EXTERN_C extern "C"
#define MOECAP_BEGIN_DECLS extern "C" {
#define MOECAP_END_DECLS }
#else
#define MOECAP_EXTERN_C
#define MOECAP_BEGIN_DECLS
#define MOECAP_END_DECLS
#endif

/** Marks the two symbols a plugin library exports (everything else is hidden). @since 1.0 */
#if defined(_WIN32)
#define MOECAP_PLUGIN_EXPORT MOECAP_EXTERN_C __declspec(dllexport)
#else
#define MOECAP_PLUGIN_EXPORT MOECAP_EXTERN_C __attribute__((visibility("default")))
#endif

#endif /* MOECAP_VERSION_H */
