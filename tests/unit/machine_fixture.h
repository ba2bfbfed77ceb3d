/* Test fixture for the machine and the interpreter: assemble MI text, run it with
 * in-memory standard streams and a resolver over a table of MI texts. */
#ifndef MI_MACHINE_FIXTURE_H
#define MI_MACHINE_FIXTURE_H
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"
#include "mi_machine.h"

typedef struct fx_prog {
    const char *name;
    const char *text;  /* MI text; NULL: the resolver fails with MI_E_IO; "@nomem": with MI_E_NOMEM */
} fx_prog;

typedef struct fx_result {
    mi_status st;
    mi_run_result res;
    char *out, *err;   /* NUL-terminated */
    size_t outn, errn;
} fx_result;

static void fx_free(fx_result *r) {
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

/* Assembles text or fails the test with the diagnostics. */
static void fx_build(const char *text, mi_template *t) {
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_template_init(t);
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "test.mi";
    mi_status st = mi_asm_build(text, strlen(text), &o, t, &dg);
    if (st != MI_OK) {
        for (unsigned i = 0; i < dg.n; i++) fprintf(stderr, "%s\n", dg.msgs[i]);
        fprintf(stderr, "in:\n%s\n", text);
    }
    mi_asm_diags_free(&dg);
    assert_int_equal(st, MI_OK);
}

static mi_status fx_resolve(void *ctx, const char *name, uint8_t **bytes, size_t *n, mi_diag *d) {
    const fx_prog *p = ctx;
    for (; p != NULL && p->name != NULL; p++) {
        if (strcmp(p->name, name) != 0) continue;
        if (p->text == NULL) return mi_diag_set(d, MI_E_IO, "cannot read %s.mi: test failure", name);
        if (strcmp(p->text, "@nomem") == 0) return mi_diag_set(d, MI_E_NOMEM, "out of memory (test)");
        mi_asm_diags dg;
        mi_asm_diags_init(&dg);
        mi_status st = mi_asm_assemble(p->text, strlen(p->text), NULL, bytes, n, &dg);
        if (st != MI_OK) mi_diag_set(d, st, "%s", dg.n ? dg.msgs[0] : "assembly failed");
        mi_asm_diags_free(&dg);
        return st;
    }
    return MI_E_NOTFOUND;
}

/* Runs `text` as program "main". lib: callable programs (may be NULL). input:
 * standard input text (may be NULL). opts: extra options (may be NULL; its
 * streams and resolver are replaced). */
static void fx_run_opts(const char *text, const fx_prog *lib, const char *input,
                        const mi_run_opts *opts, fx_result *r) {
    memset(r, 0, sizeof *r);
    mi_template t;
    fx_build(text, &t);
    mi_run_opts o;
    if (opts != NULL) o = *opts;
    else mi_run_opts_init(&o);
    const char *in = input != NULL ? input : "";
    FILE *fin = fmemopen((void *)in, strlen(in) > 0 ? strlen(in) : 1, "r");
    if (strlen(in) == 0) fgetc(fin); /* fmemopen needs a size > 0: consume the one byte */
    FILE *fout = open_memstream(&r->out, &r->outn);
    FILE *ferr = open_memstream(&r->err, &r->errn);
    assert_non_null(fin);
    assert_non_null(fout);
    assert_non_null(ferr);
    mi_resolver res = {fx_resolve, (void *)lib, 0};
    o.in = fin;
    o.out = fout;
    o.err = ferr;
    o.resolver = &res;
    r->st = mi_run(&t, "main", &o, &r->res);
    fclose(fin);
    fclose(fout);
    fclose(ferr);
    mi_template_free(&t);
}

static void fx_run(const char *text, const fx_prog *lib, const char *input, fx_result *r) {
    fx_run_opts(text, lib, input, NULL, r);
}

/* Expects a normal end with this standard output. */
static void fx_expect_out(const char *text, const fx_prog *lib, const char *want) {
    fx_result r;
    fx_run(text, lib, NULL, &r);
    if (r.st != MI_OK) {
        char line[1024];
        mi_run_result_format(&r.res, line, sizeof line);
        fprintf(stderr, "run failed: %s (%s) %s\n", mi_status_text(r.st), line, r.res.diag.msg);
    }
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, want);
    fx_free(&r);
}

/* Expects an unhandled exception id at instruction insn (1-based) of program prog. */
static void fx_expect_exc(const char *text, const fx_prog *lib, const char *id, const char *prog,
                          uint32_t insn, const char *want_out) {
    fx_result r;
    fx_run(text, lib, NULL, &r);
    if (r.st != MI_E_EXCEPTION) fprintf(stderr, "status %s, output:\n%s\n", mi_status_text(r.st), r.out);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, id);
    assert_string_equal(r.res.exc_program, prog);
    assert_int_equal(r.res.exc_insn, insn);
    if (want_out != NULL) assert_string_equal(r.out, want_out);
    fx_free(&r);
}

#endif
