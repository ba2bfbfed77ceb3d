/* mi_translate: MI program template -> C -> native code run by the machine.
 *
 * The code generator turns a verified template into one self-contained C
 * translation unit (compiled after mi_tcc_prelude(), which supplies only the
 * memcpy/memmove/memset that tcc calls implicitly). The unit defines one
 * exported function, MI_TRANSLATE_ENTRY, of type mi_native_entry (mi_machine.h);
 * everything else in it is static. It includes no header and refers to no
 * symbol outside itself: it declares mirrors of mi_type, mi_arg and
 * mi_rt_table (checked against the runtime's with _Static_assert in
 * codegen_abi.c), reaches mi_invocation, mi_spcptr and mi_space fields through
 * byte offsets emitted as constants, and calls the machine and the semantic
 * helpers only through the mi_rt_table pointer the entry receives. It holds no
 * static data with pointers, no u64<->double conversions and no long double
 * (see mi_tcc.h for why).
 *
 * Each MI instruction becomes straight C on the invocation's storage, preceded
 * by `#line N "FILE"` (N its source line, FILE the SOURCE section's file name or
 * else the program name): labels are C labels, BX a switch, RTNI a switch over
 * the return points of the CALLIs, and an exception `R(k, e)`, which goes to the
 * one raise block: rt->raise(inv, k, e) searches the monitors, and a switch over
 * the handler instructions resumes there, or the entry returns MI_RUN_EXC. So
 * exceptions in native code carry the same instruction numbers (and lines) as
 * in the interpreter. Integer, binary64, bitwise, element, BASED and short CHAR
 * copy operations are inline (with every check of §3-§5); the rest calls the
 * helpers with exactly the operands the interpreter passes them.
 *
 * Ownership: buffers returned through out-parameters are malloc'd and belong to
 * the caller. The hook's options must outlive every run that uses the hook. */
#ifndef MI_TRANSLATE_H
#define MI_TRANSLATE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "mi_machine.h"
#include "mi_status.h"
#include "mi_template.h"

/* The name of the one exported function of a generated unit. */
#define MI_TRANSLATE_ENTRY "mi_entry"

/* Programs whose C would exceed this are not translated (MI_E_UNSUPPORTED): libtcc
 * compiles a few MB of C per second, and the interpreter runs them anyway. */
#define MI_TRANSLATE_MAX_C (32u << 20)

/* Programs of at least this many instructions are translated in the exec form:
 * an instruction that is one call of a semantic helper anyway (decimal and
 * conversion helpers, EDIT, CPYBLAP, the space and exception operations) becomes
 * rt->exec(inv, k), the interpreter's generic body for instruction k, instead of
 * a call with its operands' types and addresses. Same results, bytes and
 * exceptions; less C for the compiler (the 10k-instruction install benchmark:
 * 20 % fewer host instructions in tcc), and slower where such an instruction
 * runs often (strings, all in the exec form: 30 % slower, measured), so only for
 * large programs, whose compile time grows with their size while their hot loops
 * usually do not. The environment variable MI_TRANSLATE_EXEC_MIN (a decimal
 * number; 0: every program) replaces it; the conformance suite runs every
 * program in both forms. */
#define MI_TRANSLATE_EXEC_MIN 2000u

/* Template -> C source text (*csrc malloc'd, NUL-terminated, *n bytes without
 * the NUL). name is the program name (used by #line when the template has no
 * SOURCE section, and in a comment). The template is verified first
 * (MI_E_VERIFY); too large a program gives MI_E_UNSUPPORTED. Deterministic: the
 * same template, name and MI_TRANSLATE_EXEC_MIN give the same text. */
mi_status mi_translate_to_c(const mi_template *t, const char *name, char **csrc, size_t *n,
                            mi_diag *d);

/* Template -> checked, patched native image (mi_translate_to_c, then
 * mi_tcc_compile_dll, then mi_elf_check_and_patch): ready for mi_native_load or
 * for storing. MI_E_UNSUPPORTED without libtcc. */
mi_status mi_translate_image(const mi_template *t, const char *name, uint8_t **image, size_t *n,
                             mi_diag *d);

/* ---- the exec hook: translate the programs of a run ------------------------- */

/* Where translations come from and go to (the object store plugs in here). All
 * optional. get: MI_OK with *image malloc'd (the hook frees it) when a
 * translation of these template bytes for this host exists; otherwise any other
 * status, with why (a short text such as "first translation", "new host",
 * "integrity failure") written into why[0..whyn) when get knows why there is
 * none. put: called after a translation was made (reason: get's why, or
 * "integrity failure" when the image get gave could not be loaded, or
 * "translated" when get said nothing), with the milliseconds it took; its
 * failure does not matter to the run. Both are called on the run's thread. */
typedef struct mi_translate_cache {
    mi_status (*get)(void *ctx, const uint8_t *tmpl, size_t n, uint8_t **image, size_t *imagen,
                     char *why, size_t whyn);
    void (*put)(void *ctx, const uint8_t *tmpl, size_t n, const uint8_t *image, size_t imagen,
                const char *reason, double ms);
    void *ctx;
} mi_translate_cache;

/* Counters a hook keeps (updated atomically; may be shared by runs). */
typedef struct mi_translate_stats {
    uint64_t translated;   /* programs translated (compiled) */
    uint64_t cached;       /* programs loaded from the cache */
    uint64_t interpreted;  /* programs left to the interpreter (fallback or not wanted) */
} mi_translate_stats;

typedef struct mi_translate_opts {
    /* The line "mi: PGM: translation unavailable (REASON); interpreting" goes
     * here when a program cannot be translated (NULL: stderr). */
    FILE *err;
    /* Only programs for which want(want_ctx, name) is nonzero are translated;
     * the others are interpreted without a message (NULL: all). */
    int (*want)(void *ctx, const char *name);
    void *want_ctx;
    const mi_translate_cache *cache; /* NULL: translate in memory every time */
    /* Makes the image of a program (NULL: mi_translate_image). Another tier (a
     * system C compiler) plugs in here; tests use it to make translation fail. */
    mi_status (*compile)(void *ctx, const mi_template *t, const char *name, uint8_t **image,
                         size_t *n, mi_diag *d);
    void *compile_ctx;
    mi_translate_stats *stats;       /* NULL: no counting */
} mi_translate_opts;

void mi_translate_opts_init(mi_translate_opts *o); /* zero: the defaults */

/* Fills *hook (for mi_run_opts.hook) with the translator's prepare/release.
 * prepare translates each program loaded into the run (or takes the cache's
 * image), loads the image with mi_native_load and returns its entry; when that
 * is impossible it writes the one line above and leaves the program to the
 * interpreter (never failing the run). opts (NULL: defaults) is kept by
 * pointer. */
void mi_translate_hook_init(mi_exec_hook *hook, const mi_translate_opts *opts);

#endif
