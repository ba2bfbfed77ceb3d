/* The object store as the translator's cache (mi_translate_cache): native images
 * kept in the store's translations table under (template hash, host fingerprint
 * key), used by `mi run` of stored programs, `mi install` and `mi retranslate`.
 *
 * get looks the template up for this host's fingerprint; a stored image whose
 * hash no longer matches gives no image and why = "integrity failure". With no
 * row for this host, why says whether the template was never translated ("first
 * install"), was translated for a fingerprint that differs from this one only in
 * the translator's identity (fields libtcc, translator, rt-abi: "new translator"),
 * or otherwise ("new host"). Rows of the other tier do not count. A hit updates
 * last_used (at most once a minute, to keep warm runs read-only). put stores the
 * image with the reason, the time it took and the translator and runtime
 * identities; the store's INSERT OR REPLACE in one transaction means two
 * processes that make the same translation leave one row.
 *
 * Ownership: a mi_cli_trcache borrows the store (which must outlive it) and is
 * freed by mi_cli_trcache_close. */
#ifndef MI_CLI_TR_H
#define MI_CLI_TR_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"
#include "mi_store.h"
#include "mi_template.h"
#include "mi_translate.h"

typedef struct mi_cli_trcache mi_cli_trcache;

/* tier: "tcc" or "cc-O2". MI_E_UNSUPPORTED if this host cannot make native code of
 * that tier (no libtcc, no C compiler): d says why. */
mi_status mi_cli_trcache_open(mi_store *s, const char *tier, mi_cli_trcache **out, mi_diag *d);
void mi_cli_trcache_close(mi_cli_trcache *c); /* NULL is a no-op */

/* The first program of a run is passed to the hook re-encoded from its decoded
 * template; hash (the stored template's) is used for the first bytes get sees. */
void mi_cli_trcache_set_first(mi_cli_trcache *c, const char hash[33]);
/* Also consult this (already opened, cc-O2) cache first on get: a run prefers the
 * optimised translation when there is one. */
void mi_cli_trcache_prefer(mi_cli_trcache *c, mi_cli_trcache *better);

const mi_translate_cache *mi_cli_trcache_cache(mi_cli_trcache *c);
/* The options of the hook for this tier: cache, and for cc-O2 the compiler. */
void mi_cli_trcache_hook_opts(mi_cli_trcache *c, mi_translate_opts *o);
const char *mi_cli_trcache_fingerprint(const mi_cli_trcache *c);

/* Translate template t (stored under hash) now and store the image with reason r.
 * *ms := the time it took (may be NULL). */
mi_status mi_cli_trcache_translate(mi_cli_trcache *c, const char hash[33], const mi_template *t,
                                   const char *name, mi_tr_reason r, double *ms, mi_diag *d);

/* The optimising tier's compiler (also a mi_translate_opts.compile): the
 * generated C compiled by $MI_CC (default cc) at -O2 into a checked image. */
mi_status mi_cli_cc_compile(void *ctx, const mi_template *t, const char *name, uint8_t **image,
                            size_t *n, mi_diag *d);

#endif
