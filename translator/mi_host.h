/* mi_host: the host fingerprint. A native image is valid only on a host whose
 * fingerprint text equals the one it was made for; the xxh3-128 of the text is
 * the host part of the translation cache key (mi_store_host_key computes the
 * same hash from the text).
 *
 * Canonical text, one line, fields in this order, separated by one space:
 *   mi-host/1 arch=x86_64 os=linux-gnu libc=glibc-2.36 cpu=x86-64
 *   libtcc=0.9.27+git20200814.62c30a4a-1 tier=tcc translator=2 rt-abi=2 salt=
 * Values are escaped: every byte outside [A-Za-z0-9._+:/@,()-] becomes %XX
 * (upper-case hex), so the text is unambiguous and contains no space.
 *
 * Fields:
 *   arch        the machine this build targets: x86_64, aarch64, riscv64
 *   os          linux-gnu (the C library family)
 *   libc        glibc-<gnu_get_libc_version()>, measured at run time
 *   cpu         the instruction set generated code may use. tier "tcc": the ABI
 *               baseline (x86-64 = SSE2; armv8-a; rv64gc). tier "cc-O2": the
 *               -march the optimising tier compiles with, MI_CC_MARCH (default
 *               the same baseline); that tier must compile with exactly it.
 *   libtcc      mi_tcc_version(); if the build could not tell, "unknown-<__TINYC__>"
 *               measured by compiling a probe; "none" without libtcc
 *   tier        "tcc" or "cc-O2"
 *   translator  MI_TRANSLATOR_VERSION: bump when generated code changes
 *   rt-abi      MI_RT_ABI_VERSION: bump when the table of runtime entry points
 *               that generated code calls changes
 *   salt        the environment variable MI_HOST_SALT (empty if unset, at most
 *               63 bytes): lets tests and experiments act as another host
 *
 * Ownership: everything here fills caller-owned memory. */
#ifndef MI_HOST_H
#define MI_HOST_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"

#define MI_TRANSLATOR_VERSION 13u /* 2: CALLX through call plans (rt->callxp); 3: packed decimal arithmetic inline; 4: PKD scalars in C locals; 5: shadowed PKD tables; 6: their elements written back lazily; 7: binary and float scalars in C locals; 8: no fallback for packed results that are always in range; 9: the exec form of large programs (rt->exec); 10: aligned scalars through typed area pointers; 11: those pointers in the exec form only; 12: FLT locals canonical where seen, constant additions checked on the source, int compares; 13: checked space bases in C locals */
#define MI_RT_ABI_VERSION 5u /* 2: rt->callxp (call plans for translated CALLX); 3: rt->pkdget/pkdput; 4: rt->pkdscale; 5: rt->exec */

#define MI_HOST_TEXT_MAX 1024u /* mi_host_fingerprint_text always fits in this */
#define MI_HOST_JSON_MAX 4096u /* mi_host_describe_json always fits in this */

typedef struct mi_host_fp {
    char arch[16];
    char os[16];
    char libc[32];
    char cpu[48];
    char libtcc[64];
    char tier[8];
    uint32_t translator;
    uint32_t rt_abi;
    char salt[64];
} mi_host_fp;

/* Fill *fp for tier "tcc" or "cc-O2". MI_E_ARG for another tier or a salt
 * longer than 63 bytes; MI_E_UNSUPPORTED on a host MI cannot make native code
 * for (unknown machine or C library) or for tier "tcc" without libtcc (*fp is
 * still filled as far as known, for describing the host). */
mi_status mi_host_fingerprint(const char *tier, mi_host_fp *fp, mi_diag *d);

/* The canonical text into out[0..n) (NUL-terminated, truncated if n is too
 * small). Returns its length (as snprintf). */
size_t mi_host_fingerprint_text(const mi_host_fp *fp, char *out, size_t n);

/* xxh3-128 of the canonical text as 32 lower-case hex digits (the canonical,
 * big-endian byte order of XXH128_canonical_t). */
void mi_host_key(const mi_host_fp *fp, char key[33]);

/* One JSON object for `mi host --json`: every field, plus "fingerprint" (the
 * text) and "key". Returns its length (as snprintf). */
size_t mi_host_describe_json(const mi_host_fp *fp, char *out, size_t n);

#endif
