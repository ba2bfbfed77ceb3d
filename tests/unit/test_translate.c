/* The translator end to end (translator/translate.c, codegen*.c): every program
 * of the conformance suite and the examples runs interpreted and translated, and
 * the two runs must agree byte for byte (standard output and error, exit status,
 * exception id, program, instruction number, line, data and message); also in
 * mixed runs where only the first program, or only the programs it calls, are
 * translated. Then: exceptions raised in native code carry the right instruction
 * and line, monitors and percolation across translated and interpreted
 * programs, the fallback to the interpreter and its one line on stderr, and the
 * cache callbacks. Expected values of the explicit tests are worked out by hand
 * from mi-spec/mi-v1.md. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function" /* fixture helpers this file does not use */
#include "machine_fixture.h"
#pragma GCC diagnostic pop
#include "mi_tcc.h"
#include "mi_translate.h"

/* ---- files ------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *p = realloc(buf, cap);
            assert_non_null(p);
            buf = p;
        }
        size_t k = fread(buf + len, 1, cap - len - 1, f);
        len += k;
        if (k == 0) break;
    }
    fclose(f);
    buf[len] = '\0';
    *n = len;
    return buf;
}

static int is_template(const char *b, size_t n) { return n >= 8 && memcmp(b, "\x89MIT\r\n\x1a\n", 8) == 0; }

/* Resolver of the conformance runner: NAME.mi, then NAME.mit, in each directory. */
typedef struct dirs {
    const char *d[3];
} dirs;

static mi_status dir_resolve(void *ctx, const char *name, uint8_t **bytes, size_t *n, mi_diag *d) {
    const dirs *ds = ctx;
    static const char *const ext[] = {".mi", ".mit"};
    for (int i = 0; ds->d[i] != NULL; i++) {
        for (int e = 0; e < 2; e++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s%s", ds->d[i], name, ext[e]);
            size_t len;
            char *text = slurp(path, &len);
            if (text == NULL) continue;
            if (is_template(text, len)) {
                *bytes = (uint8_t *)text;
                *n = len;
                return MI_OK;
            }
            mi_asm_diags dg;
            mi_asm_diags_init(&dg);
            mi_asm_opts o;
            mi_asm_opts_init(&o);
            o.filename = path;
            o.embed_source = 0;
            mi_status st = mi_asm_assemble(text, len, &o, bytes, n, &dg);
            if (st != MI_OK) mi_diag_set(d, st, "%s", dg.n ? dg.msgs[0] : "assembly failed");
            mi_asm_diags_free(&dg);
            free(text);
            return st;
        }
    }
    return MI_E_NOTFOUND;
}

/* ---- the expectation block's inputs (tests/conformance/README.md) ------------- */

typedef struct prog_inputs {
    char *stdin_text;
    size_t stdin_len;
    char *stdin_file;  /* STDIN-FILE */
    char *stdout_file; /* STDOUT-FILE */
    int argc;
    char *argv[64];
    char argbuf[2048];
} prog_inputs;

static const char *directive(const char *line, const char *key) {
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0) return NULL;
    line += k;
    return *line == ' ' ? line + 1 : line;
}

static void append(prog_inputs *in, const char *s, size_t n, int newline) {
    in->stdin_text = realloc(in->stdin_text, in->stdin_len + n + 2);
    assert_non_null(in->stdin_text);
    memcpy(in->stdin_text + in->stdin_len, s, n);
    in->stdin_len += n;
    if (newline) in->stdin_text[in->stdin_len++] = '\n';
    in->stdin_text[in->stdin_len] = '\0';
}

static void parse_inputs(const char *text, prog_inputs *in) {
    memset(in, 0, sizeof *in);
    const char *p = text;
    while (*p != '\0') {
        const char *e = strchr(p, '\n');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        char line[4096];
        if (n >= sizeof line) n = sizeof line - 1;
        memcpy(line, p, n);
        line[n] = '\0';
        p = e != NULL ? e + 1 : p + n;
        size_t k = strspn(line, " \t\r");
        if (line[k] == '\0') continue;
        if (line[0] != ';') break;
        const char *v;
        if ((v = directive(line, "; STDIN-PARTIAL:")) != NULL) append(in, v, strlen(v), 0);
        else if ((v = directive(line, "; STDIN-FILE:")) != NULL) in->stdin_file = strdup(v);
        else if ((v = directive(line, "; STDOUT-FILE:")) != NULL) in->stdout_file = strdup(v);
        else if ((v = directive(line, "; STDIN:")) != NULL) append(in, v, strlen(v), 1);
        else if ((v = directive(line, "; ARGS:")) != NULL) {
            size_t vn = strlen(v) < sizeof in->argbuf - 1 ? strlen(v) : sizeof in->argbuf - 1;
            memcpy(in->argbuf, v, vn);
            in->argbuf[vn] = '\0';
            for (char *s = strtok(in->argbuf, " \t"); s != NULL && in->argc < 64; s = strtok(NULL, " \t"))
                in->argv[in->argc++] = s;
        }
    }
}

static void free_inputs(prog_inputs *in) {
    free(in->stdin_text);
    free(in->stdin_file);
    free(in->stdout_file);
}

/* ---- one run -------------------------------------------------------------------- */

enum { MODE_INTERP, MODE_ALL, MODE_MAIN, MODE_CALLEES };
static const char *const mode_names[] = {"interpreted", "translated", "main translated",
                                         "callees translated"};

typedef struct outcome {
    mi_status st;
    mi_run_result res;
    char *out, *err, *hookerr;
    size_t outn, errn, hookerrn;
    mi_translate_stats stats;
} outcome;

static void outcome_free(outcome *o) {
    free(o->out);
    free(o->err);
    free(o->hookerr);
}

static int want_main(void *ctx, const char *name) { return strcmp(name, ctx) == 0; }
static int want_callees(void *ctx, const char *name) { return strcmp(name, ctx) != 0; }

static void run_mode(const mi_template *t, const char *name, const prog_inputs *in, const dirs *ds,
                     int mode, outcome *oc) {
    memset(oc, 0, sizeof *oc);
    FILE *fin;
    if (in->stdin_file != NULL) fin = fopen(in->stdin_file, "r");
    else if (in->stdin_len > 0) fin = fmemopen(in->stdin_text, in->stdin_len, "r");
    else fin = fopen("/dev/null", "r");
    assert_non_null(fin);
    FILE *fout = in->stdout_file != NULL ? fopen(in->stdout_file, "w") : open_memstream(&oc->out, &oc->outn);
    FILE *ferr = open_memstream(&oc->err, &oc->errn);
    FILE *fhook = open_memstream(&oc->hookerr, &oc->hookerrn);
    assert_non_null(fout);
    assert_non_null(ferr);
    assert_non_null(fhook);
    mi_resolver res = {dir_resolve, (void *)ds, 0};
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    to.err = fhook;
    to.stats = &oc->stats;
    if (mode == MODE_MAIN) to.want = want_main;
    if (mode == MODE_CALLEES) to.want = want_callees;
    to.want_ctx = (void *)name;
    mi_exec_hook hook;
    mi_translate_hook_init(&hook, &to);
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.in = fin;
    o.out = fout;
    o.err = ferr;
    o.resolver = &res;
    o.argc = in->argc;
    o.argv = in->argv;
    o.hook = mode == MODE_INTERP ? NULL : &hook;
    oc->st = mi_run(t, name, &o, &oc->res);
    fclose(fin);
    fclose(fout);
    fclose(ferr);
    fclose(fhook);
    if (oc->out == NULL) oc->out = strdup("");
}

static int same_bytes(const char *a, size_t an, const char *b, size_t bn) {
    return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

/* Compares run b with the interpreted run a; prints the difference. */
static int same_outcome(const char *file, int mode, const outcome *a, const outcome *b) {
    const mi_run_result *x = &a->res, *y = &b->res;
    int ok = a->st == b->st && x->exit_status == y->exit_status && strcmp(x->exc_id, y->exc_id) == 0 &&
             x->exc_user == y->exc_user && strcmp(x->exc_program, y->exc_program) == 0 &&
             x->exc_insn == y->exc_insn && x->exc_line == y->exc_line &&
             same_bytes((const char *)x->exc_data, x->exc_ndata, (const char *)y->exc_data, y->exc_ndata) &&
             strcmp(x->exc_message, y->exc_message) == 0 && strcmp(x->diag.msg, y->diag.msg) == 0 &&
             same_bytes(a->out, a->outn, b->out, b->outn) && same_bytes(a->err, a->errn, b->err, b->errn);
    if (!ok) {
        char la[1024], lb[1024];
        mi_run_result_format(x, la, sizeof la);
        mi_run_result_format(y, lb, sizeof lb);
        fprintf(stderr, "%s: interpreted and %s differ\n  status %s / %s, exit %d / %d\n  %s\n  %s\n"
                        "  stdout %zu / %zu bytes, stderr %zu / %zu bytes\n",
                file, mode_names[mode], mi_status_text(a->st), mi_status_text(b->st), x->exit_status,
                y->exit_status, la, lb, a->outn, b->outn, a->errn, b->errn);
        if (!same_bytes(a->out, a->outn, b->out, b->outn))
            fprintf(stderr, "--- interpreted stdout\n%s\n--- %s stdout\n%s\n", a->out, mode_names[mode], b->out);
    }
    return ok;
}

/* Runs one program in every mode; returns 0 (skipped), 1 (agreed) or -1. */
static int check_program(const char *dir, const char *libdir, const char *file) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    size_t n;
    char *text = slurp(path, &n);
    assert_non_null(text);
    prog_inputs in;
    parse_inputs(text, &in);
    mi_template t;
    mi_template_init(&t);
    mi_asm_opts ao;
    mi_asm_opts_init(&ao);
    ao.filename = path;
    ao.embed_source = 0;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_build(text, n, &ao, &t, &dg);
    mi_asm_diags_free(&dg);
    if (st != MI_OK) { /* the assembler's business (its own tests report it) */
        fprintf(stderr, "note: %s does not assemble (%s); not compared\n", file, mi_status_text(st));
        free(text);
        free_inputs(&in);
        return 0;
    }
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(strcspn(file, ".")), file);
    dirs ds = {{dir, libdir, NULL}};
    outcome ref, got;
    run_mode(&t, name, &in, &ds, MODE_INTERP, &ref);
    int ok = 1;
    /* the mixed modes differ from the others only when the program calls others */
    int last = strstr(text, "RSLVSP") != NULL ? MODE_CALLEES : MODE_ALL;
    for (int mode = MODE_ALL; mode <= last; mode++) {
        run_mode(&t, name, &in, &ds, mode, &got);
        if (!same_outcome(file, mode, &ref, &got)) ok = 0;
        if (got.hookerrn != 0) {
            fprintf(stderr, "%s (%s): the hook fell back: %s", file, mode_names[mode], got.hookerr);
            ok = 0;
        }
        if (mode == MODE_ALL && got.stats.translated == 0) {
            fprintf(stderr, "%s: nothing was translated\n", file);
            ok = 0;
        }
        outcome_free(&got);
    }
    outcome_free(&ref);
    mi_template_free(&t);
    free_inputs(&in);
    free(text);
    return ok ? 1 : -1;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void check_dir(const char *dir, const char *libdir, int *compared, int *failed) {
    DIR *dp = opendir(dir);
    if (dp == NULL) return;
    char *names[1024];
    int nn = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL && nn < 1024) {
        size_t k = strlen(de->d_name);
        if (k > 3 && strcmp(de->d_name + k - 3, ".mi") == 0) names[nn++] = strdup(de->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)nn, sizeof names[0], cmp_str);
    for (int i = 0; i < nn; i++) {
        int r = check_program(dir, libdir, names[i]);
        if (r != 0) (*compared)++;
        if (r < 0) (*failed)++;
        free(names[i]);
    }
}

static void test_suite(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    int compared = 0, failed = 0;
    check_dir(MI_SOURCE_DIR "/tests/conformance", MI_SOURCE_DIR "/tests/conformance/lib", &compared, &failed);
    check_dir(MI_SOURCE_DIR "/examples", MI_SOURCE_DIR "/examples", &compared, &failed);
    fprintf(stderr, "compared %d programs (translated, and mixed when they call others), %d differ\n",
            compared, failed);
    assert_true(compared >= 100);
    assert_int_equal(failed, 0);
}

/* ---- explicit tests ---------------------------------------------------------------- */

static void run_translated(const char *text, const fx_prog *lib, const mi_translate_opts *to,
                           fx_result *r) {
    mi_exec_hook hook;
    mi_translate_hook_init(&hook, to);
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.hook = &hook;
    fx_run_opts(text, lib, NULL, &o, r);
}

/* An exception raised by native code names the MI instruction and its line. */
static void test_exception_position(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    static const char prog[] = "DCL Z BIN(4)\n"          /* line 1 */
                               "DCL R BIN(4)\n"          /* line 2 */
                               "        SVC 2, 'start'\n" /* line 3, instruction 1 */
                               "\n"
                               ".line 40\n"
                               "        ADDN R, R, 1\n"  /* line 40, instruction 2 */
                               "        DIVN R, 1, Z\n"; /* line 41, instruction 3: MCH1211 */
    mi_translate_stats st = {0};
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    to.stats = &st;
    fx_result r;
    run_translated(prog, NULL, &to, &r);
    assert_int_equal(st.translated, 1);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "MCH1211");
    assert_string_equal(r.res.exc_program, "main");
    assert_int_equal(r.res.exc_insn, 3);
    assert_int_equal(r.res.exc_line, 41);
    assert_string_equal(r.out, "start\n");
    fx_free(&r);

    /* and the generated C says so in its #line directives */
    mi_template t;
    fx_build(prog, &t); /* fx_build names the SOURCE "test.mi" */
    char *c;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_translate_to_c(&t, "main", &c, &n, &d), MI_OK);
    assert_non_null(strstr(c, "#line 3 \"test.mi\"\n"));
    /* later directives keep that file name; the DIVN (index 2) raises with pc 2
     * after the #line of its source line */
    const char *l41 = strstr(c, "#line 41\n");
    assert_non_null(l41);
    assert_non_null(strstr(l41, "dv("));
    assert_non_null(strstr(l41, "{pc=2;goto raise_;}"));
    free(c);
    mi_template_free(&t);
}

/* Percolation through a chain of translated and interpreted programs: OUTER
 * calls MID calls INNER, which signals USR0042 at its instruction 2; neither
 * INNER nor MID handles it; OUTER's monitor catches it at its CALLX (instruction
 * 3) and RTVEXC gives the origin: instruction 2 of INNER. MID's second output
 * never happens. A handled MCH1210 in MID first shows that a callee's handler
 * stays local. Every combination of translated and interpreted programs gives
 * the same output. */
static const char outer[] = "DCL P SYSPTR\n"
                            "DCL X BIN(4) INIT(5)\n"
                            "DCL ID CHAR(7)\n"
                            "DCL DATA CHAR(10)\n"
                            "DCL N BIN(4)\n"
                            "DCL T CHAR(8)\n"
                            "        MONITOR USR0000, CALL, CALL, H\n"
                            "        RSLVSP P, 'MID'\n"          /* 1 */
                            "        SVC 2, 'outer'\n"           /* 2 */
                            "CALL:   CALLX P, X\n"               /* 3 */
                            "        SVC 2, 'not reached'\n"     /* 4 */
                            "        RTX\n"                      /* 5 */
                            "H:      RTVEXC ID, DATA, N\n"       /* 6 */
                            "        SVC 2, ID\n"
                            "        SVC 2, DATA\n"
                            "        CVTNC T, N\n"
                            "        SVC 2, T\n"
                            "        CVTNC T, X\n"               /* X was changed through the PARMs */
                            "        SVC 2, T\n";
static const char mid[] = "DCL X BIN(4) PARM\n"
                          "DCL Q SYSPTR\n"
                          "DCL S BIN(1)\n"
                          "        MONITOR MCH1210, OVF, OVF, FIX\n"
                          "OVF:    ADDN S, X, 200\n"           /* 1: 205 does not fit BIN(1) */
                          "FIX:    ADDN X, X, 10\n"            /* 2: X = 15 */
                          "        RSLVSP Q, 'INNER'\n"
                          "        CALLX Q, X\n"
                          "        SVC 2, 'mid after'\n";
static const char inner[] = "DCL Y BIN(4) PARM\n"
                            "        MULN Y, Y, 2\n"                  /* 1: Y = 30 */
                            "        SIGEXC 'USR0042', 'from inner'\n" /* 2 */
                            "        SVC 2, 'inner after'\n";

typedef struct combo {
    int main_t, mid_t, inner_t;
} combo;

static int want_combo(void *ctx, const char *name) {
    const combo *c = ctx;
    if (strcmp(name, "main") == 0) return c->main_t;
    if (strcmp(name, "MID") == 0) return c->mid_t;
    return c->inner_t;
}

static void test_percolation_mixed(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    const fx_prog lib[] = {{"MID", mid}, {"INNER", inner}, {NULL, NULL}};
    for (int bits = 0; bits < 8; bits++) {
        combo cb = {bits & 1, (bits >> 1) & 1, (bits >> 2) & 1};
        mi_translate_stats st = {0};
        mi_translate_opts to;
        mi_translate_opts_init(&to);
        to.stats = &st;
        to.want = want_combo;
        to.want_ctx = &cb;
        fx_result r;
        run_translated(outer, lib, &to, &r);
        if (r.st != MI_OK) fprintf(stderr, "combo %d: %s %s\n", bits, r.res.exc_id, r.res.diag.msg);
        assert_int_equal(r.st, MI_OK);
        assert_string_equal(r.out, "outer\nUSR0042\nfrom inner\n2\n30\n");
        assert_int_equal(st.translated, (uint64_t)(cb.main_t + cb.mid_t + cb.inner_t));
        assert_int_equal(st.interpreted, (uint64_t)(3 - cb.main_t - cb.mid_t - cb.inner_t));
        fx_free(&r);
    }
}

/* Unhandled in every invocation: reported at the origin, in the callee. */
static void test_unhandled_in_callee(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    static const char caller[] = "DCL P SYSPTR\n"
                                 "DCL X BIN(4) INIT(7)\n"
                                 "        RSLVSP P, 'INNER'\n"
                                 "        CALLX P, X\n";
    const fx_prog lib[] = {{"INNER", inner}, {NULL, NULL}};
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    fx_result r;
    run_translated(caller, lib, &to, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "USR0042");
    assert_string_equal(r.res.exc_program, "INNER");
    assert_int_equal(r.res.exc_insn, 2);
    assert_int_equal(r.res.exc_user, 1);
    assert_string_equal(r.res.exc_message, "from inner");
    fx_free(&r);
}

/* ADDSPP (inline in native code) at its edges, interpreted and translated: the
 * offset may reach the size but not pass it or go below 0 (MCH0601, receiver
 * unchanged), deltas of any size, an unset source (MCH3601). */
static void test_addspp_edges(void **state) {
    (void)state;
    static const char prog[] = "DCL S SPCPTR\nDCL P SPCPTR\nDCL Z SPCPTR\n"
                               "DCL D8 BIN(8)\nDCL U8 UBIN(8)\nDCL K BIN(4) INIT(1)\nDCL N BIN(4)\n"
                               "DCL T CHAR(12)\nDCL ID CHAR(7)\nDCL DATA CHAR(1)\nDCL W BIN(4)\n"
                               "        MONITOR *ALL, D, LAST, H\n"
                               "        CRTS S, 10, 100\n"
                               "        CPYP P, S\n"
                               "D:      BX K, C1, C2, C3, C4, C5, C6, C7, C8\n"
                               "C1:     ADDSPP P, S, 10\n" /* 10: one past the last byte */
                               "        B SHOW\n"
                               "C2:     ADDSPP P, S, 11\n"
                               "        B SHOW\n"
                               "C3:     CPYNV D8, -9223372036854775808\n"
                               "        ADDSPP P, P, D8\n"
                               "        B SHOW\n"
                               "C4:     CPYNV D8, 9223372036854775807\n"
                               "        ADDSPP P, P, D8\n"
                               "        B SHOW\n"
                               "C5:     CPYNV U8, 18446744073709551615\n"
                               "        ADDSPP P, S, U8\n"
                               "        B SHOW\n"
                               "C6:     ADDSPP P, P, -10\n" /* back to 0 */
                               "        B SHOW\n"
                               "C7:     ADDSPP P, P, -1\n"
                               "        B SHOW\n"
                               "C8:     ADDSPP P, Z, 0\n"
                               "SHOW:   SUBSPP N, P, S\n"
                               "        CVTNC T, N\n"
                               "        SVC 2, T\n"
                               "LAST:   ADDN K, K, 1\n"
                               "        CMPN.NH K, 8, D\n"
                               "        RTX\n"
                               "H:      RTVEXC ID, DATA, W\n"
                               "        SVC 2, ID\n"
                               "        B SHOW\n"
                               "        CPYP Z, S\n"; /* never runs; makes Z a receiver (P1) */
    static const char want[] = "10\nMCH0601\n10\nMCH0601\n10\nMCH0601\n10\nMCH0601\n10\n0\n"
                               "MCH0601\n0\nMCH3601\n0\n";
    fx_result r;
    fx_run(prog, NULL, NULL, &r);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, want);
    fx_free(&r);
    if (!mi_tcc_available()) return;
    mi_translate_stats st = {0};
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    to.stats = &st;
    run_translated(prog, NULL, &to, &r);
    assert_int_equal(st.translated, 1);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, want);
    fx_free(&r);
}

/* ---- fallback and cache -------------------------------------------------------------- */

static mi_status fail_compile(void *ctx, const mi_template *t, const char *name, uint8_t **image,
                              size_t *n, mi_diag *d) {
    (void)ctx;
    (void)t;
    (void)name;
    *image = NULL;
    *n = 0;
    return mi_diag_set(d, MI_E_UNSUPPORTED, "no compiler\non this host");
}

static mi_status junk_compile(void *ctx, const mi_template *t, const char *name, uint8_t **image,
                              size_t *n, mi_diag *d) {
    (void)ctx;
    (void)t;
    (void)name;
    (void)d;
    *image = malloc(64);
    memset(*image, 0x5A, 64);
    *n = 64;
    return MI_OK;
}

static void test_fallback(void **state) {
    (void)state;
    static const char prog[] = "DCL I BIN(4)\n"
                               "L:      ADDN I, I, 1\n"
                               "        CMPN.LO I, 3, L\n"
                               "        SVC 2, 'done'\n";
    for (int k = 0; k < 2; k++) {
        char *err = NULL;
        size_t errn = 0;
        FILE *fe = open_memstream(&err, &errn);
        mi_translate_stats st = {0};
        mi_translate_opts to;
        mi_translate_opts_init(&to);
        to.err = fe;
        to.stats = &st;
        to.compile = k == 0 ? fail_compile : junk_compile;
        fx_result r;
        run_translated(prog, NULL, &to, &r);
        fclose(fe);
        assert_int_equal(r.st, MI_OK);
        assert_string_equal(r.out, "done\n");
        assert_int_equal(st.interpreted, 1);
        assert_int_equal(st.translated, 0);
        if (k == 0) {
            /* one line, the diagnostic's newline flattened */
            assert_string_equal(err, "mi: main: translation unavailable (no compiler on this host); interpreting\n");
        } else {
#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
            assert_true(strncmp(err, "mi: main: translation unavailable (native image: ", 49) == 0);
#else
            /* a CPU MI makes no native code for (s390x) refuses every image as such */
            assert_non_null(strstr(err, "(native images are not supported on this host)"));
#endif
            assert_non_null(strstr(err, "); interpreting\n"));
            assert_ptr_equal(strchr(err, '\n'), err + errn - 1);
        }
        free(err);
        fx_free(&r);
    }
}

/* A cache holding one image per template (by bytes). */
typedef struct fake_cache {
    uint8_t *tmpl, *image;
    size_t tmpln, imagen;
    int gets, puts, corrupt;
    char reason[64];
    const char *why; /* what get says when it has nothing */
} fake_cache;

static mi_status cache_get(void *ctx, const uint8_t *tmpl, size_t n, uint8_t **image, size_t *imagen,
                           char *why, size_t whyn) {
    fake_cache *c = ctx;
    c->gets++;
    if (c->image == NULL || n != c->tmpln || memcmp(tmpl, c->tmpl, n) != 0) {
        snprintf(why, whyn, "%s", c->why);
        return MI_E_NOTFOUND;
    }
    *image = malloc(c->imagen);
    memcpy(*image, c->image, c->imagen);
    if (c->corrupt) (*image)[c->imagen / 2] ^= 0xFF, (*image)[0] ^= 0xFF;
    *imagen = c->imagen;
    return MI_OK;
}

static void cache_put(void *ctx, const uint8_t *tmpl, size_t n, const uint8_t *image, size_t imagen,
                      const char *reason, double ms) {
    fake_cache *c = ctx;
    assert_true(ms >= 0);
    c->puts++;
    free(c->tmpl);
    free(c->image);
    c->tmpl = malloc(n);
    memcpy(c->tmpl, tmpl, n);
    c->tmpln = n;
    c->image = malloc(imagen);
    memcpy(c->image, image, imagen);
    c->imagen = imagen;
    snprintf(c->reason, sizeof c->reason, "%s", reason);
}

static void test_cache(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    static const char prog[] = "DCL I BIN(4)\n"
                               "DCL T CHAR(4)\n"
                               "L:      ADDN I, I, 7\n"
                               "        CMPN.LO I, 20, L\n"
                               "        CVTNC T, I\n"
                               "        SVC 2, T\n";
    fake_cache fc;
    memset(&fc, 0, sizeof fc);
    fc.why = "first translation";
    mi_translate_cache cache = {cache_get, cache_put, &fc};
    mi_translate_stats st = {0};
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    to.cache = &cache;
    to.stats = &st;
    fx_result r;
    /* 1: nothing cached: translated, stored with get's reason */
    run_translated(prog, NULL, &to, &r);
    assert_string_equal(r.out, "21\n");
    fx_free(&r);
    assert_int_equal(fc.gets, 1);
    assert_int_equal(fc.puts, 1);
    assert_string_equal(fc.reason, "first translation");
    assert_int_equal(st.translated, 1);
    /* 2: found: loaded, not translated */
    run_translated(prog, NULL, &to, &r);
    assert_string_equal(r.out, "21\n");
    fx_free(&r);
    assert_int_equal(fc.puts, 1);
    assert_int_equal(st.cached, 1);
    assert_int_equal(st.translated, 1);
    /* 3: the stored image is damaged: refused, translated again, stored */
    fc.corrupt = 1;
    run_translated(prog, NULL, &to, &r);
    assert_string_equal(r.out, "21\n");
    fx_free(&r);
    assert_int_equal(fc.puts, 2);
    assert_string_equal(fc.reason, "integrity failure");
    assert_int_equal(st.translated, 2);
    assert_int_equal(st.cached, 1);
    free(fc.tmpl);
    free(fc.image);
}

/* mi_translate_image gives a loadable image whose entry runs under the machine;
 * the same template always gives the same C. */
static void test_deterministic(void **state) {
    (void)state;
    mi_template t;
    fx_build("DCL A BIN(4) DIM(3)\nDCL I BIN(4) INIT(2)\n        ADDN A(I), A(I), 1\n", &t);
    char *c1, *c2;
    size_t n1, n2;
    mi_diag d;
    assert_int_equal(mi_translate_to_c(&t, "X", &c1, &n1, &d), MI_OK);
    assert_int_equal(mi_translate_to_c(&t, "X", &c2, &n2, &d), MI_OK);
    assert_int_equal(n1, n2);
    assert_memory_equal(c1, c2, n1);
    assert_int_equal(strlen(c1), n1);
    free(c1);
    free(c2);
    if (mi_tcc_available()) {
        uint8_t *img;
        size_t n;
        assert_int_equal(mi_translate_image(&t, "X", &img, &n, &d), MI_OK);
        assert_true(n > 0);
        free(img);
    }
    mi_template_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_exception_position),
        cmocka_unit_test(test_percolation_mixed),
        cmocka_unit_test(test_unhandled_in_callee),
        cmocka_unit_test(test_addspp_edges),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
