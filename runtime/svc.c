/* Environment services (mi-spec/mi-v1.md §11, mi-spec/services.def). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "machine_int.h"

/* Does the argument fit the service form letter? (The verifier has checked this
 * for interpreted code; native code gets the same answer.) */
static int arg_fits(char form, const mi_arg *a) {
    if (a->dim != 0) return 0;
    switch (form) {
    case 'C': return a->type.kind == MI_T_CHAR;
    case 'c': return a->type.kind == MI_T_CHAR && !a->is_const;
    case 'N': return mi_type_is_numeric(&a->type);
    case 'n': return mi_type_is_numeric(&a->type) && !a->is_const;
    case 'I': return mi_type_is_integer(&a->type);
    case 'i': return mi_type_is_integer(&a->type) && !a->is_const;
    default: return 0;
    }
}

static int args_fit(mi_svc s, uint32_t nargs, const mi_arg *args) {
    const char *f = mi_svcinfo_table[s].forms;
    uint32_t n = (uint32_t)strlen(f);
    if (nargs != n) return 0;
    for (uint32_t i = 0; i < n; i++)
        if (!arg_fits(f[i], &args[i])) return 0;
    return 1;
}

static int64_t load_int(const mi_arg *a) {
    int ok = 1;
    int64_t v = mi_sem_load_int(&a->type, a->p, &ok);
    return ok ? v : INT64_MAX; /* only a huge UBIN(8): out of range everywhere */
}

/* Converts v into a scratch copy of the receiver first, so that a value that does
 * not fit leaves every receiver unchanged. */
typedef struct numtmp {
    uint8_t b[64];
    uint32_t n;
} numtmp;

static mi_exc prepare_int(numtmp *t, const mi_arg *r, int64_t v) {
    t->n = mi_type_bytes(&r->type);
    if (t->n > sizeof t->b) return MI_EXC_MCH1210;
    return mi_sem_store_int(&r->type, t->b, v);
}

static int write_bytes(FILE *f, const uint8_t *p, uint32_t n, int newline) {
    if (newline) {
        while (n > 0 && p[n - 1] == ' ') n--;
    }
    if (n > 0 && fwrite(p, 1, n, f) != n) return MI_EXC_MIE0005;
    if (newline && putc('\n', f) == EOF) return MI_EXC_MIE0005;
    if (ferror(f)) return MI_EXC_MIE0005;
    return 0;
}

/* INLN r, n: reads one line; bytes past r's length are discarded. The kept
 * bytes go to a scratch buffer first, so that r stays unchanged if n cannot hold
 * the length. */
static int svc_inln(mi_runctx *run, const mi_arg *r, const mi_arg *n) {
    FILE *f = run->in;
    uint32_t rn = r->type.len;
    uint8_t small[256];
    uint8_t *buf = rn <= sizeof small ? small : malloc(rn);
    if (buf == NULL) return MI_EXC_MIE0008;
    int64_t len = 0;
    int c, got = 0;
    uint32_t kept = 0;
    flockfile(f);
    while ((c = getc_unlocked(f)) != EOF) {
        got = 1;
        if (c == '\n') break;
        if (kept < rn) buf[kept++] = (uint8_t)c;
        len++;
    }
    int err = ferror(f);
    funlockfile(f);
    numtmp t;
    mi_exc e = err ? MI_EXC_MIE0005 : prepare_int(&t, n, got ? len : -1);
    if (e == MI_EXC_NONE) {
        if (got) {
            memcpy(r->p, buf, kept);
            memset(r->p + kept, ' ', rn - kept);
        }
        memcpy(n->p, t.b, t.n);
    }
    if (buf != small) free(buf);
    return e;
}

static int svc_argv(mi_runctx *run, const mi_arg *r, const mi_arg *ia, const mi_arg *n) {
    int64_t i = load_int(ia);
    if (i < 1 || i > run->argc) return MI_EXC_MCH0603;
    const char *s = run->argv[i - 1];
    size_t len = strlen(s);
    numtmp t;
    mi_exc e = prepare_int(&t, n, (int64_t)len);
    if (e != MI_EXC_NONE) return e;
    uint32_t rn = r->type.len, k = len < rn ? (uint32_t)len : rn;
    memcpy(r->p, s, k);
    memset(r->p + k, ' ', rn - k);
    memcpy(n->p, t.b, t.n);
    return 0;
}

static int store_clock(const mi_arg *n, clockid_t clk, int64_t per_sec, int64_t div) {
    struct timespec ts;
    if (clock_gettime(clk, &ts) != 0) return MI_EXC_MIE0005;
    int64_t v = (int64_t)ts.tv_sec * per_sec + (int64_t)ts.tv_nsec / div;
    return mi_sem_store_int(&n->type, n->p, v);
}

int mi_machine_svc(mi_invocation *inv, int64_t k, uint32_t nargs, const mi_arg *args) {
    mi_runctx *run = inv->run;
    mi_svc s = mi_svc_from_number(k);
    if (s == MI_SVC_COUNT || !args_fit(s, nargs, args)) return MI_EXC_MIE0004;
    switch (s) {
    case MI_SVC_OUT: return write_bytes(run->out, args[0].p, args[0].type.len, 0);
    case MI_SVC_OUTLN: return write_bytes(run->out, args[0].p, args[0].type.len, 1);
    /* §11.2: standard output is flushed before writing to standard error or reading
     * standard input, so that interleaved output appears in instruction order. A
     * failing flush is reported by the next OUT/OUTLN (the stream keeps its error). */
    case MI_SVC_ERR:
        if (run->err != run->out) fflush(run->out);
        return write_bytes(run->err, args[0].p, args[0].type.len, 0);
    case MI_SVC_ERRLN:
        if (run->err != run->out) fflush(run->out);
        return write_bytes(run->err, args[0].p, args[0].type.len, 1);
    case MI_SVC_INLN:
        fflush(run->out);
        return svc_inln(run, &args[0], &args[1]);
    case MI_SVC_ARGC: return mi_sem_store_int(&args[0].type, args[0].p, run->argc);
    case MI_SVC_ARGV: return svc_argv(run, &args[0], &args[1], &args[2]);
    case MI_SVC_EXIT: {
        int64_t v = load_int(&args[0]);
        if (v < 0 || v > 255) return MI_EXC_MCH0603;
        run->exit_status = (int)v;
        return MI_X_EXIT;
    }
    case MI_SVC_TIME: return store_clock(&args[0], CLOCK_REALTIME, 1000000, 1000);
    case MI_SVC_MONO: return store_clock(&args[0], CLOCK_MONOTONIC, 1000000000, 1);
    default: return MI_EXC_MIE0004;
    }
}
