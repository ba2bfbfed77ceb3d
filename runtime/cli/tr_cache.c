/* The object store as the translator's cache (see cli_tr.h), and the optimising
 * tier's compiler (the system C compiler on the generated C). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli_tr.h"
#include "mi_elf.h"
#include "mi_host.h"
#include "mi_tcc.h"

#ifndef MI_VERSION_STRING
#define MI_VERSION_STRING "0"
#endif

/* Touch last_used on a hit only when it is older than this: warm runs then
 * write to the store at most once a minute per translation. */
#define TOUCH_GRANULE_S 60

struct mi_cli_trcache {
    mi_store *s;
    mi_host_fp fp;
    char fptext[MI_HOST_TEXT_MAX];
    char translator[128], runtime[64];
    int cc; /* tier cc-O2 */
    char first[33];
    char alias_from[33];
    mi_cli_trcache *better;
    mi_translate_cache cache;
};

static void key_of(mi_cli_trcache *c, const uint8_t *b, size_t n, char out[33]) {
    mi_store_xxh128_hex(b, n, out);
    if (c->first[0] != '\0' && c->alias_from[0] == '\0') {
        memcpy(c->alias_from, out, 33);
    }
    if (c->alias_from[0] != '\0' && strcmp(out, c->alias_from) == 0 && c->first[0] != '\0')
        memcpy(out, c->first, 33);
}

/* Value of field key= in a fingerprint text, into v. 0 if absent. */
static int field(const char *fp, const char *key, char *v, size_t vn) {
    size_t kl = strlen(key);
    for (const char *p = fp; p != NULL && *p != '\0';) {
        const char *e = strchr(p, ' ');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            snprintf(v, vn, "%.*s", (int)(len - kl - 1), p + kl + 1);
            return 1;
        }
        p = e != NULL ? e + 1 : NULL;
    }
    return 0;
}

/* Fields whose change means a new translator rather than a new host. */
static int translator_field(const char *tok, size_t len) {
    static const char *const f[] = {"libtcc=", "translator=", "rt-abi="};
    for (size_t i = 0; i < 3; i++)
        if (len >= strlen(f[i]) && strncmp(tok, f[i], strlen(f[i])) == 0) return 1;
    return 0;
}

/* Fields a restored template's origin is not compared in: the origin is the saving
 * host's tier "tcc" fingerprint, while the translation being made may be for tier
 * "cc-O2", whose cpu is the -march it compiles with; arch already says which CPU. */
static int origin_skip_field(const char *tok, size_t len) {
    return (len >= 5 && strncmp(tok, "tier=", 5) == 0) || (len >= 4 && strncmp(tok, "cpu=", 4) == 0);
}

/* Fingerprint texts a and b compared field by field (both in the canonical field order,
 * so pairwise), ignoring the fields origin_skip_field names if skip: 0 if equal, 1 if
 * they differ only in translator fields, 2 otherwise. */
static int fp_diff(const char *a, const char *b, int skip) {
    int diff = 0;
    for (;;) {
        const char *ea = strchr(a, ' '), *eb = strchr(b, ' ');
        size_t la = ea != NULL ? (size_t)(ea - a) : strlen(a);
        size_t lb = eb != NULL ? (size_t)(eb - b) : strlen(b);
        int sa = skip && origin_skip_field(a, la), sb = skip && origin_skip_field(b, lb);
        int ta = translator_field(a, la), tb = translator_field(b, lb);
        if (sa != sb || ta != tb) return 2;
        if (!sa && (la != lb || memcmp(a, b, la) != 0)) {
            if (!ta) return 2;
            diff = 1;
        }
        if (ea == NULL || eb == NULL) return ea == eb ? diff : 2;
        a = ea + 1;
        b = eb + 1;
    }
}

/* 1 if a and b differ only in translator fields. */
static int same_but_translator(const char *a, const char *b) { return fp_diff(a, b, 0) <= 1; }

/* The reason for translating a template of which this tier has no row
 * (mi-spec/store.md §4): a template mi install added is a "first install"; one that
 * mi restore brought was installed elsewhere, and the host that saved it counts as
 * its one existing translation: "new host", or "new translator" when that host
 * differed from this one only in translator fields, or "first install" when it was
 * the same. A save file that did not record its host (older mi) means "new host". */
static const char *first_reason(const mi_cli_trcache *c, const char *key) {
    int restored = 0;
    char origin[MI_HOST_TEXT_MAX];
    if (mi_store_tmpl_origin(c->s, key, &restored, origin, sizeof origin, NULL) != MI_OK ||
        !restored)
        return "first install";
    if (origin[0] == '\0') return "new host";
    switch (fp_diff(origin, c->fptext, 1)) {
    case 0: return "first install";
    case 1: return "new translator";
    default: return "new host";
    }
}

typedef struct why_ctx {
    const mi_cli_trcache *c;
    int any, translator_only;
} why_ctx;

static int why_row(void *ctx, const mi_store_tr *t) {
    why_ctx *w = ctx;
    char tier[16];
    if (!field(t->fingerprint, "tier", tier, sizeof tier) || strcmp(tier, w->c->fp.tier) != 0)
        return 0; /* the other tier's translations say nothing about this one */
    w->any = 1;
    if (same_but_translator(t->fingerprint, w->c->fptext)) w->translator_only = 1;
    return 0;
}

/* This tier's image for key (malloc'd, the caller frees it). On a miss, why (unless
 * NULL) says why there is none, as the translation's reason. */
static mi_status lookup(mi_cli_trcache *c, const char *key, uint8_t **image, size_t *imagen,
                        char *why, size_t whyn) {
    mi_diag d = {{0}};
    mi_store_tr t;
    mi_status st = mi_store_tr_get(c->s, key, c->fptext, &t, &d);
    if (st == MI_OK) {
        uint8_t *img = malloc(t.image_len > 0 ? t.image_len : 1);
        if (img == NULL) {
            mi_store_tr_clear(&t);
            return MI_E_NOMEM;
        }
        memcpy(img, t.image, t.image_len);
        *image = img;
        *imagen = t.image_len;
        int64_t now = (int64_t)time(NULL);
        if (now - t.last_used >= TOUCH_GRANULE_S || now < t.last_used)
            (void)mi_store_tr_touch(c->s, key, c->fptext, now, NULL);
        mi_store_tr_clear(&t);
        return MI_OK;
    }
    if (st == MI_E_STORE) {
        if (why != NULL) snprintf(why, whyn, "integrity failure");
        return st;
    }
    if (st != MI_E_NOTFOUND || why == NULL) return st;
    why_ctx w = {c, 0, 0};
    if (mi_store_tr_list(c->s, key, why_row, &w, NULL) != MI_OK) w.any = 0;
    snprintf(why, whyn, "%s", !w.any ? first_reason(c, key)
                              : w.translator_only ? "new translator" : "new host");
    return MI_E_NOTFOUND;
}

static mi_status cache_get(void *ctx, const uint8_t *tmpl, size_t n, uint8_t **image,
                           size_t *imagen, char *why, size_t whyn) {
    mi_cli_trcache *c = ctx;
    char key[33];
    key_of(c, tmpl, n, key);
    /* The better tier's miss needs no reason (only the tcc tier's is reported), and
     * finding one costs two more queries on every run without an --opt translation. */
    if (c->better != NULL && lookup(c->better, key, image, imagen, NULL, 0) == MI_OK)
        return MI_OK;
    return lookup(c, key, image, imagen, why, whyn);
}

static mi_tr_reason reason_of(const char *text) {
    for (int r = MI_TR_FIRST_INSTALL; r <= MI_TR_FORCED; r++)
        if (strcmp(text, mi_tr_reason_text((mi_tr_reason)r)) == 0) return (mi_tr_reason)r;
    return MI_TR_FIRST_INSTALL; /* the hook's "translated": get said nothing */
}

static mi_status put_key(mi_cli_trcache *c, const char *key, const uint8_t *image,
                         size_t imagen, mi_tr_reason r, double ms, mi_diag *d) {
    mi_store_tr t;
    memset(&t, 0, sizeof t);
    memcpy(t.tmpl, key, 33);
    t.fingerprint = c->fptext;
    t.image = image;
    t.image_len = imagen;
    t.translator = c->translator;
    t.runtime = c->runtime;
    t.translate_ms = ms > 0 ? (int64_t)(ms + 0.5) : 0;
    t.reason = r;
    return mi_store_tr_put(c->s, &t, d);
}

static void cache_put(void *ctx, const uint8_t *tmpl, size_t n, const uint8_t *image,
                      size_t imagen, const char *reason, double ms) {
    mi_cli_trcache *c = ctx;
    char key[33];
    key_of(c, tmpl, n, key);
    (void)put_key(c, key, image, imagen, reason_of(reason), ms, NULL);
}

mi_status mi_cli_trcache_open(mi_store *s, const char *tier, mi_cli_trcache **out, mi_diag *d) {
    *out = NULL;
    mi_cli_trcache *c = calloc(1, sizeof *c);
    if (c == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    mi_status st = mi_host_fingerprint(tier, &c->fp, d);
    if (st != MI_OK) {
        free(c);
        return st;
    }
    c->s = s;
    c->cc = strcmp(tier, "cc-O2") == 0;
    mi_host_fingerprint_text(&c->fp, c->fptext, sizeof c->fptext);
    if (c->cc) {
        const char *cc = getenv("MI_CC");
        snprintf(c->translator, sizeof c->translator, "mi-translator/%u cc-O2 cc=%.60s",
                 MI_TRANSLATOR_VERSION, cc != NULL && cc[0] != '\0' ? cc : "cc");
    } else {
        snprintf(c->translator, sizeof c->translator, "mi-translator/%u tcc libtcc=%.60s",
                 MI_TRANSLATOR_VERSION, c->fp.libtcc);
    }
    snprintf(c->runtime, sizeof c->runtime, "mi %s rt-abi/%u", MI_VERSION_STRING,
             MI_RT_ABI_VERSION);
    c->cache.get = cache_get;
    c->cache.put = cache_put;
    c->cache.ctx = c;
    *out = c;
    return MI_OK;
}

void mi_cli_trcache_close(mi_cli_trcache *c) { free(c); }

void mi_cli_trcache_set_first(mi_cli_trcache *c, const char hash[33]) {
    memcpy(c->first, hash, 33);
    c->alias_from[0] = '\0';
}

void mi_cli_trcache_prefer(mi_cli_trcache *c, mi_cli_trcache *better) { c->better = better; }

const mi_translate_cache *mi_cli_trcache_cache(mi_cli_trcache *c) { return &c->cache; }

const char *mi_cli_trcache_fingerprint(const mi_cli_trcache *c) { return c->fptext; }

void mi_cli_trcache_hook_opts(mi_cli_trcache *c, mi_translate_opts *o) {
    o->cache = &c->cache;
    if (c->cc) {
        o->compile = mi_cli_cc_compile;
        o->compile_ctx = c;
    }
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

mi_status mi_cli_trcache_translate(mi_cli_trcache *c, const char hash[33], const mi_template *t,
                                   const char *name, mi_tr_reason r, double *ms, mi_diag *d) {
    uint8_t *img = NULL;
    size_t n = 0;
    double t0 = now_ms();
    mi_status st = c->cc ? mi_cli_cc_compile(c, t, name, &img, &n, d)
                         : mi_translate_image(t, name, &img, &n, d);
    double el = now_ms() - t0;
    if (ms != NULL) *ms = el;
    if (st == MI_OK) st = put_key(c, hash, img, n, r, el, d);
    free(img);
    return st;
}

/* ---- the optimising tier ------------------------------------------------------- */

static mi_status write_all(const char *path, const char *a, size_t an, const char *b, size_t bn,
                           mi_diag *d) {
    FILE *f = fopen(path, "wb");
    if (f == NULL) return mi_diag_set(d, MI_E_IO, "%s: %s", path, strerror(errno));
    int ok = fwrite(a, 1, an, f) == an && fwrite(b, 1, bn, f) == bn;
    if (fclose(f) != 0) ok = 0;
    return ok ? MI_OK : mi_diag_set(d, MI_E_IO, "%s: write failed", path);
}

/* Runs argv, its stderr into errpath; returns its exit status, or -1. */
static int run_cc(char *const argv[], const char *errpath) {
    fflush(NULL); /* the child's freopen would write our buffered output again */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        FILE *e = freopen(errpath, "w", stderr);
        (void)e;
        if (freopen("/dev/null", "w", stdout) == NULL) _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

mi_status mi_cli_cc_compile(void *ctx, const mi_template *t, const char *name, uint8_t **image,
                            size_t *n, mi_diag *d) {
    const mi_cli_trcache *c = ctx;
    mi_host_fp fp;
    if (c == NULL) {
        mi_status hs = mi_host_fingerprint("cc-O2", &fp, d);
        if (hs != MI_OK && hs != MI_E_UNSUPPORTED) return hs;
    } else {
        fp = c->fp;
    }
    *image = NULL;
    *n = 0;
    const char *cc = getenv("MI_CC");
    if (cc == NULL || cc[0] == '\0') cc = "cc";
    char *src = NULL;
    size_t srcn = 0;
    mi_status st = mi_translate_to_c(t, name, &src, &srcn, d);
    if (st != MI_OK) return st;
    const char *tmp = getenv("TMPDIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/mi-cc.XXXXXX", tmp != NULL && tmp[0] == '/' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        free(src);
        return mi_diag_set(d, MI_E_IO, "optimising tier: temporary directory: %s", strerror(errno));
    }
    char cpath[600], opath[600], epath[600];
    snprintf(cpath, sizeof cpath, "%s/p.c", dir);
    snprintf(opath, sizeof opath, "%s/p.so", dir);
    snprintf(epath, sizeof epath, "%s/err", dir);
    char pre[64];
    const char *prelude = mi_tcc_prelude();
    int pl = snprintf(pre, sizeof pre, "\n#line 1 \"mi.c\"\n");
    char *unit = malloc(strlen(prelude) + (size_t)pl + 1);
    if (unit == NULL) st = mi_diag_set(d, MI_E_NOMEM, "out of memory");
    else {
        strcpy(unit, prelude);
        strcat(unit, pre);
        st = write_all(cpath, unit, strlen(unit), src, srcn, d);
        free(unit);
    }
    free(src);
    if (st == MI_OK) {
        char march[64];
        snprintf(march, sizeof march, "-march=%s", fp.cpu);
        /* Everything the checker requires: no libc, SysV hash only, no relro or
         * build-id notes, no lazy binding tables, non-executable stack. No
         * if-conversion: with FLT objects in C locals gcc selected the canonical
         * NaN of every result with a cmov through an integer register, on the
         * dependency chain (cc -O2 mandel 600: 76 ms; as locals with cmov 92 ms;
         * without if-conversion, a predicted branch, 64 ms). */
        char *argv[] = {(char *)cc, "-O2", "-fPIC", "-shared", "-nostdlib", "-nostdinc",
                        "-ffreestanding", "-ffp-contract=off", "-fno-strict-aliasing",
                        "-fwrapv", "-fno-if-conversion", "-fno-if-conversion2",
                        "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
                        "-fno-exceptions", "-fvisibility=default", march, "-w",
                        "-Wl,--hash-style=sysv", "-Wl,-z,norelro", "-Wl,--build-id=none",
                        "-Wl,-z,noexecstack", "-Wl,-z,now", "-Wl,--no-eh-frame-hdr",
                        "-o", opath, cpath, NULL};
        int rc = run_cc(argv, epath);
        if (rc == 127 || rc < 0) {
            st = mi_diag_set(d, MI_E_UNSUPPORTED, "no C compiler '%s' (set MI_CC)", cc);
        } else if (rc != 0) {
            char msg[200] = "";
            FILE *e = fopen(epath, "r");
            if (e != NULL) {
                if (fgets(msg, sizeof msg, e) == NULL) msg[0] = '\0';
                fclose(e);
            }
            msg[strcspn(msg, "\n")] = '\0';
            st = mi_diag_set(d, MI_E_UNSUPPORTED, "%s failed: %s", cc, msg);
        } else {
            FILE *f = fopen(opath, "rb");
            struct stat sb;
            if (f == NULL || fstat(fileno(f), &sb) != 0 || sb.st_size <= 0) {
                st = mi_diag_set(d, MI_E_IO, "%s produced no image", cc);
            } else {
                uint8_t *img = malloc((size_t)sb.st_size);
                if (img == NULL) st = mi_diag_set(d, MI_E_NOMEM, "out of memory");
                else if (fread(img, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
                    free(img);
                    st = mi_diag_set(d, MI_E_IO, "reading %s's image failed", cc);
                } else {
                    size_t in = (size_t)sb.st_size;
                    st = mi_elf_check_and_patch(&img, &in, d);
                    if (st == MI_OK) {
                        *image = img;
                        *n = in;
                    } else {
                        free(img);
                    }
                }
            }
            if (f != NULL) fclose(f);
        }
    }
    unlink(cpath);
    unlink(opath);
    unlink(epath);
    rmdir(dir);
    return st;
}
