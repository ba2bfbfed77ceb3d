/* Template -> native image, and the exec hook that runs the programs of a run as
 * native code (see mi_translate.h). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mi_elf.h"
#include "mi_native.h"
#include "mi_tcc.h"
#include "codegen_int.h"
#include "mi_translate.h"

static mi_status make_image(const mi_template *t, const char *name, int verified, uint8_t **image,
                            size_t *n, mi_diag *d) {
    if (t == NULL || name == NULL || image == NULL || n == NULL)
        return mi_diag_set(d, MI_E_ARG, "mi_translate_image: missing argument");
    *image = NULL;
    *n = 0;
    char *src = NULL;
    size_t srcn = 0;
    mi_status st = verified ? cg_translate_verified(t, name, &src, &srcn, d)
                            : mi_translate_to_c(t, name, &src, &srcn, d);
    if (st != MI_OK) return st;
    uint8_t *img = NULL;
    size_t imgn = 0;
    st = mi_tcc_compile_dll(src, srcn, &img, &imgn, d);
    free(src);
    if (st == MI_OK) st = mi_elf_check_and_patch(&img, &imgn, d);
    if (st != MI_OK) {
        free(img);
        return st;
    }
    *image = img;
    *n = imgn;
    return MI_OK;
}

mi_status mi_translate_image(const mi_template *t, const char *name, uint8_t **image, size_t *n,
                             mi_diag *d) {
    return make_image(t, name, 0, image, n, d);
}

/* ---- the hook ------------------------------------------------------------------ */

void mi_translate_opts_init(mi_translate_opts *o) { memset(o, 0, sizeof *o); }

static void count(uint64_t *c) {
    if (c != NULL) __atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The fallback line: one line, whatever the diagnostic holds. */
static void say_unavailable(const mi_translate_opts *o, const char *name, const char *why) {
    char reason[sizeof(((mi_diag *)0)->msg)];
    snprintf(reason, sizeof reason, "%s", why[0] != '\0' ? why : "unknown reason");
    for (char *p = reason; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    FILE *err = o->err != NULL ? o->err : stderr;
    fprintf(err, "mi: %s: translation unavailable (%s); interpreting\n", name, reason);
    fflush(err);
    count(o->stats != NULL ? &o->stats->interpreted : NULL);
}

/* Loads img and finds its entry; *m is set only on success. */
static mi_status load_entry(const uint8_t *img, size_t n, mi_native **m, mi_native_entry *entry,
                            mi_diag *d) {
    mi_native *nm = NULL;
    mi_status st = mi_native_load(img, n, &nm, d);
    if (st != MI_OK) return st;
    mi_native_entry e = (mi_native_entry)mi_native_sym(nm, MI_TRANSLATE_ENTRY);
    if (e == NULL) {
        mi_native_unload(nm);
        return mi_diag_set(d, MI_E_FORMAT, "native image: no entry point %s", MI_TRANSLATE_ENTRY);
    }
    *m = nm;
    *entry = e;
    return MI_OK;
}

static mi_status hook_prepare(void *ctx, const mi_template *t, const uint8_t *bytes, size_t n,
                              const char *name, mi_native_entry *native, void **data, mi_diag *d) {
    static const mi_translate_opts defaults;
    const mi_translate_opts *o = ctx != NULL ? ctx : &defaults;
    mi_translate_stats *stats = o->stats;
    (void)d; /* never fails the run: a program that cannot be translated is interpreted */
    *native = NULL;
    *data = NULL;
    if (o->want != NULL && !o->want(o->want_ctx, name)) {
        count(stats != NULL ? &stats->interpreted : NULL);
        return MI_OK;
    }
    const mi_translate_cache *cache = o->cache;
    char why[128] = "";
    mi_diag dd;
    dd.msg[0] = '\0';
    mi_native *m = NULL;
    mi_native_entry entry = NULL;
    uint8_t *img = NULL;
    size_t imgn = 0;
    if (cache != NULL && cache->get != NULL && bytes != NULL &&
        cache->get(cache->ctx, bytes, n, &img, &imgn, why, sizeof why) == MI_OK && img != NULL) {
        if (load_entry(img, imgn, &m, &entry, &dd) == MI_OK) {
            free(img);
            *native = entry;
            *data = m;
            count(stats != NULL ? &stats->cached : NULL);
            return MI_OK;
        }
        snprintf(why, sizeof why, "integrity failure");
    }
    free(img);
    img = NULL;
    why[sizeof why - 1] = '\0';
    double t0 = now_ms();
    mi_status st = o->compile != NULL ? o->compile(o->compile_ctx, t, name, &img, &imgn, &dd)
                                      : make_image(t, name, 1, &img, &imgn, &dd);
    double ms = now_ms() - t0;
    if (st == MI_OK) st = load_entry(img, imgn, &m, &entry, &dd);
    if (st != MI_OK) {
        free(img);
        say_unavailable(o, name, dd.msg[0] != '\0' ? dd.msg : mi_status_text(st));
        return MI_OK;
    }
    if (cache != NULL && cache->put != NULL && bytes != NULL)
        cache->put(cache->ctx, bytes, n, img, imgn, why[0] != '\0' ? why : "translated", ms);
    free(img);
    *native = entry;
    *data = m;
    count(stats != NULL ? &stats->translated : NULL);
    return MI_OK;
}

static void hook_release(void *ctx, void *data) {
    (void)ctx;
    mi_native_unload(data);
}

void mi_translate_hook_init(mi_exec_hook *hook, const mi_translate_opts *opts) {
    hook->prepare = hook_prepare;
    hook->release = hook_release;
    hook->ctx = (void *)opts;
}
