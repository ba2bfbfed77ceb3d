/* The reference interpreter (runtime/interp*.c): its integer fast paths must give
 * exactly what mi_sem_* gives (differential tests on random operands, both on the
 * kernels and through whole programs whose handlers are checked to be the fast
 * ones), and its operand addressing, branches and faults must follow the spec. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <inttypes.h>
#include "machine_fixture.h"
#include "interp_int.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void) {
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

typedef struct ity {
    mi_type t;
    int64_t min, max;
    const char *name;
} ity;

static const ity ityps[] = {
    {{MI_T_BIN, 1, 0, 0}, INT8_MIN, INT8_MAX, "BIN(1)"},
    {{MI_T_BIN, 2, 0, 0}, INT16_MIN, INT16_MAX, "BIN(2)"},
    {{MI_T_BIN, 4, 0, 0}, INT32_MIN, INT32_MAX, "BIN(4)"},
    {{MI_T_BIN, 8, 0, 0}, INT64_MIN, INT64_MAX, "BIN(8)"},
    {{MI_T_UBIN, 1, 0, 0}, 0, UINT8_MAX, "UBIN(1)"},
    {{MI_T_UBIN, 2, 0, 0}, 0, UINT16_MAX, "UBIN(2)"},
    {{MI_T_UBIN, 4, 0, 0}, 0, UINT32_MAX, "UBIN(4)"},
};
#define NITYPS (sizeof ityps / sizeof ityps[0])

/* A value of the type: edges, small numbers or anything in range. */
static int64_t pick(const ity *y) {
    switch (rnd() % 4) {
    case 0: {
        int64_t e[] = {y->min, y->max, 0, 1, -1, y->min + 1, y->max - 1, 2, -2};
        int64_t v = e[rnd() % 9];
        return v < y->min ? y->min : v > y->max ? y->max : v;
    }
    case 1: {
        int64_t v = (int64_t)(rnd() % 41) - 20;
        return v < y->min ? y->min : v > y->max ? y->max : v;
    }
    default: {
        uint64_t span = (uint64_t)y->max - (uint64_t)y->min;
        uint64_t off = span == UINT64_MAX ? rnd() : rnd() % (span + 1);
        return (int64_t)((uint64_t)y->min + off);
    }
    }
}

static void put(const mi_type *t, uint8_t *p, int64_t v) {
    assert_int_equal(mi_sem_store_int(t, p, v), MI_EXC_NONE);
}

/* ---- kernels vs mi_sem_* ----------------------------------------------------- */

static void test_fast_kernels_vs_sem(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_ADDN, MI_OP_SUBN, MI_OP_MULN, MI_OP_DIVN, MI_OP_REMN,
                                MI_OP_NEGN, MI_OP_ABSN, MI_OP_CPYNV};
    unsigned checked = 0;
    for (size_t oi = 0; oi < sizeof ops / sizeof ops[0]; oi++) {
        int binary = oi < 5;
        for (int round = 0; round < 2; round++)
            for (size_t r = 0; r < NITYPS; r++)
                for (size_t a = 0; a < NITYPS; a++)
                    for (size_t b = 0; b < (binary ? NITYPS : 1); b++)
                        for (int k = 0; k < 24; k++) {
                            uint8_t ab[8], bb[8], r1[8], r2[8];
                            put(&ityps[a].t, ab, pick(&ityps[a]));
                            put(&ityps[b].t, bb, pick(&ityps[b]));
                            put(&ityps[r].t, r1, pick(&ityps[r]));
                            memcpy(r2, r1, 8);
                            mi_exc e1, e2;
                            if (binary) {
                                e1 = mi_sem_arith(ops[oi], round, &ityps[r].t, r1, &ityps[a].t, ab,
                                                  &ityps[b].t, bb);
                                assert_int_equal(mi_interp_fast_arith(ops[oi], round, &ityps[r].t, r2,
                                                                      &ityps[a].t, ab, &ityps[b].t, bb, &e2),
                                                 1);
                            } else {
                                e1 = mi_sem_unary(ops[oi], round, &ityps[r].t, r1, &ityps[a].t, ab);
                                assert_int_equal(mi_interp_fast_arith(ops[oi], round, &ityps[r].t, r2,
                                                                      &ityps[a].t, ab, NULL, NULL, &e2),
                                                 1);
                            }
                            if (e1 != e2 || memcmp(r1, r2, mi_type_bytes(&ityps[r].t)) != 0)
                                fail_msg("%s%s %s <- %s, %s: sem %s, fast %s", mi_opinfo_table[ops[oi]].name,
                                         round ? ".R" : "", ityps[r].name, ityps[a].name, ityps[b].name,
                                         mi_exc_ids[e1], mi_exc_ids[e2]);
                            checked++;
                        }
    }
    assert_true(checked > 80000);
    /* UBIN(8) and non-integers are not fast types */
    mi_type u8 = {MI_T_UBIN, 8, 0, 0}, p5 = {MI_T_PKD, 5, 0, 0};
    uint8_t x[8] = {0}, y[8] = {0};
    mi_exc e;
    assert_int_equal(mi_interp_fast_arith(MI_OP_ADDN, 0, &u8, x, &u8, x, &u8, y, &e), 0);
    assert_int_equal(mi_interp_fast_arith(MI_OP_ADDN, 0, &p5, x, &ityps[0].t, x, &ityps[0].t, y, &e), 0);
}

/* ---- whole programs: generated cases vs mi_sem_* --------------------------------- */

/* Builds the decoded form of a template to check which handlers were chosen. */
typedef struct decoded {
    mi_program prog;
    mi_icode *ic;
} decoded;

static void decode(const mi_template *t, decoded *d) {
    memset(d, 0, sizeof *d);
    d->prog.tmpl = t;
    d->prog.name = (char *)"test";
    mi_diag dg;
    assert_int_equal(mi_layout_build(t, &d->prog.layout, &dg), MI_OK);
    assert_int_equal(mi_interp_prepare(&d->prog, &dg), MI_OK);
    d->ic = d->prog.icode;
}

static void decoded_free(decoded *d) {
    mi_interp_free(d->prog.icode);
    mi_layout_free(&d->prog.layout);
}

enum { SHAPE_DD, SHAPE_DI, SHAPE_ELEM };

typedef struct gcase {
    mi_op op;
    int round;
    size_t rt, at, bt;  /* ityps indices; bt unused for DI (a BIN(8) literal) */
    int shape;
    int64_t r0, a, b;
    int64_t ridx, aidx; /* SHAPE_ELEM: indices (1..3 valid) */
} gcase;

static void fmt_int(char *buf, size_t n, int64_t v) { snprintf(buf, n, "%" PRId64, v); }

/* The expected output of one case, from mi_sem_*. */
static void expect_case(const gcase *c, char *out, size_t n) {
    const mi_type *rt = &ityps[c->rt].t, *at = &ityps[c->at].t;
    mi_type b8 = {MI_T_BIN, 8, 0, 0};
    const mi_type *bt = c->shape == SHAPE_DI ? &b8 : &ityps[c->bt].t;
    uint8_t r[8], a[8], b[8];
    put(rt, r, c->r0);
    put(at, a, c->a);
    put(bt, b, c->b);
    mi_exc e;
    int unary = c->op == MI_OP_NEGN || c->op == MI_OP_ABSN || c->op == MI_OP_CPYNV;
    if (c->shape == SHAPE_ELEM && (c->ridx < 1 || c->ridx > 3 || c->aidx < 1 || c->aidx > 3))
        e = MI_EXC_MCH0603;
    else if (unary)
        e = mi_sem_unary(c->op, c->round, rt, r, at, a);
    else
        e = mi_sem_arith(c->op, c->round, rt, r, at, a, bt, b);
    int ok = 1;
    char v[32];
    fmt_int(v, sizeof v, mi_sem_load_int(rt, r, &ok));
    if (e != MI_EXC_NONE) snprintf(out, n, "%s\n%s\n", mi_exc_ids[e], v);
    else snprintf(out, n, "%s\n", v);
}

static size_t append(char *buf, size_t cap, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t append(char *buf, size_t cap, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + len, cap - len, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < cap - len);
    return len + (size_t)k;
}

#define NCASES 40

/* The handler case c gets when its shape asks for want_h: the BIN(4) forms with a
 * constant are chosen only for constants in BIN(4)'s range (interp.c computes them
 * without overflow checks in int64); others take the generic integer handler. */
static int case_handler(const gcase *c, int want_h) {
    if (c->shape == SHAPE_DI && (c->b < INT32_MIN || c->b > INT32_MAX)) {
        if (want_h == MI_H_ADDN_W4_DI) return MI_H_I_ADDN;
        if (want_h == MI_H_SUBN_W4_DI) return MI_H_I_SUBN;
        if (want_h == MI_H_MULN_W4_DI) return MI_H_I_MULN;
    }
    return want_h;
}

/* Runs NCASES cases in one program, checks the output and that every case's
 * instruction got the expected handler. */
static void run_cases(const gcase *cs, int want_h) {
    size_t cap = 64 * 1024, len = 0, olen = 0;
    char *src = malloc(cap), *want = malloc(cap);
    assert_non_null(src);
    assert_non_null(want);
    want[0] = '\0';
    len = append(src, cap, len, "DCL t CHAR(24)\nDCL id CHAR(7)\nDCL d CHAR(1)\nDCL w BIN(4)\n");
    for (int k = 0; k < NCASES; k++) {
        const gcase *c = &cs[k];
        char dim[16] = "";
        if (c->shape == SHAPE_ELEM) snprintf(dim, sizeof dim, " DIM(3)");
        len = append(src, cap, len, "DCL r%d %s%s INIT(%" PRId64 ")\nDCL a%d %s%s INIT(%" PRId64 ")\n", k,
                     ityps[c->rt].name, dim, c->r0, k, ityps[c->at].name, dim, c->a);
        if (c->shape != SHAPE_DI)
            len = append(src, cap, len, "DCL b%d %s INIT(%" PRId64 ")\n", k, ityps[c->bt].name, c->b);
        if (c->shape == SHAPE_ELEM)
            len = append(src, cap, len, "DCL x%d BIN(2) INIT(%" PRId64 ")\nDCL y%d BIN(2) INIT(%" PRId64 ")\n", k,
                         c->aidx, k, c->ridx);
    }
    uint32_t insn = 0, where[NCASES];
    for (int k = 0; k < NCASES; k++) {
        const gcase *c = &cs[k];
        const char *name = mi_opinfo_table[c->op].name;
        int unary = c->op == MI_OP_NEGN || c->op == MI_OP_ABSN || c->op == MI_OP_CPYNV;
        char r[32], a[32], b[32], show[32];
        if (c->shape == SHAPE_ELEM) {
            snprintf(r, sizeof r, "r%d(y%d)", k, k);
            snprintf(a, sizeof a, "a%d(x%d)", k, k);
            /* the element that may have changed, or one that cannot have */
            snprintf(show, sizeof show, "r%d(%" PRId64 ")", k, c->ridx >= 1 && c->ridx <= 3 ? c->ridx : 1);
        } else {
            snprintf(r, sizeof r, "r%d", k);
            snprintf(a, sizeof a, "a%d", k);
            snprintf(show, sizeof show, "r%d", k);
        }
        if (c->shape == SHAPE_DI) snprintf(b, sizeof b, "%" PRId64, c->b);
        else snprintf(b, sizeof b, "b%d", k);
        len = append(src, cap, len, "        MONITOR *ALL, o%d, o%d, h%d\n", k, k, k);
        if (unary)
            len = append(src, cap, len, "o%d:     %s%s %s, %s\n", k, name, c->round ? ".R" : "", r, a);
        else
            len = append(src, cap, len, "o%d:     %s%s %s, %s, %s\n", k, name, c->round ? ".R" : "", r, a, b);
        where[k] = insn;
        len = append(src, cap, len, "        B p%d\nh%d:     RTVEXC id, d, w\n        SVC 2, id\n"
                                    "p%d:     CVTNC t, %s\n        SVC 2, t\n", k, k, k, show);
        insn += 6;
        char one[128];
        expect_case(c, one, sizeof one);
        olen = append(want, cap, olen, "%s", one);
    }
    mi_template t;
    fx_build(src, &t);
    decoded dc;
    decode(&t, &dc);
    for (int k = 0; k < NCASES; k++) {
        int h = dc.ic->code[where[k]].h, wh = case_handler(&cs[k], want_h);
        if (want_h >= 0 && h != wh) fail_msg("case %d: handler %d, expected %d", k, h, wh);
    }
    decoded_free(&dc);
    mi_template_free(&t);
    fx_expect_out(src, NULL, want);
    free(src);
    free(want);
}

static size_t ity_index(mi_kind k, int size) {
    for (size_t i = 0; i < NITYPS; i++)
        if (ityps[i].t.kind == k && ityps[i].t.size == size) return i;
    return 0;
}

/* Specialised handlers: op x {BIN(4), BIN(8)} x {object, constant}. */
static void test_programs_specialised(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_ADDN, MI_OP_SUBN, MI_OP_MULN};
    static const int hs[2][3][2] = {
        {{MI_H_ADDN_W4_DD, MI_H_ADDN_W4_DI}, {MI_H_SUBN_W4_DD, MI_H_SUBN_W4_DI}, {MI_H_MULN_W4_DD, MI_H_MULN_W4_DI}},
        {{MI_H_ADDN_W8_DD, MI_H_ADDN_W8_DI}, {MI_H_SUBN_W8_DD, MI_H_SUBN_W8_DI}, {MI_H_MULN_W8_DD, MI_H_MULN_W8_DI}},
    };
    for (int wide = 0; wide < 2; wide++) {
        size_t ty = ity_index(MI_T_BIN, wide ? 8 : 4);
        for (int o = 0; o < 3; o++)
            for (int shape = SHAPE_DD; shape <= SHAPE_DI; shape++)
                for (int rep = 0; rep < 3; rep++) {
                    gcase cs[NCASES];
                    for (int k = 0; k < NCASES; k++) {
                        gcase *c = &cs[k];
                        memset(c, 0, sizeof *c);
                        c->op = ops[o];
                        c->round = (int)(rnd() & 1);
                        c->rt = c->at = c->bt = ty;
                        c->shape = shape;
                        c->r0 = pick(&ityps[ty]);
                        c->a = pick(&ityps[ty]);
                        /* constants: any BIN(8) value, so some are outside BIN(4) */
                        c->b = shape == SHAPE_DI && (rnd() & 1) ? pick(&ityps[3]) : pick(&ityps[ty]);
                    }
                    run_cases(cs, hs[wide][o][shape]);
                }
    }
}

/* The generic integer handlers: any mix of fast types, elements, every op. */
static void test_programs_mixed(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_ADDN, MI_OP_SUBN, MI_OP_MULN, MI_OP_DIVN,
                                MI_OP_REMN, MI_OP_NEGN, MI_OP_ABSN, MI_OP_CPYNV};
    static const int hs[] = {MI_H_I_ADDN, MI_H_I_SUBN, MI_H_I_MULN, MI_H_I_DIVN,
                             MI_H_I_REMN, MI_H_I_NEGN, MI_H_I_ABSN, MI_H_I_CPYNV};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int rep = 0; rep < 4; rep++) {
            gcase cs[NCASES];
            for (int k = 0; k < NCASES; k++) {
                gcase *c = &cs[k];
                memset(c, 0, sizeof *c);
                c->op = ops[o];
                c->round = (mi_opinfo_table[ops[o]].flags & MI_F_ROUND) ? (int)(rnd() & 1) : 0;
                c->shape = SHAPE_ELEM;
                /* avoid the all-BIN(4)/BIN(8) scalar shapes: elements are always generic */
                c->rt = rnd() % NITYPS;
                c->at = rnd() % NITYPS;
                c->bt = rnd() % NITYPS;
                c->r0 = pick(&ityps[c->rt]);
                c->a = pick(&ityps[c->at]);
                c->b = pick(&ityps[c->bt]);
                c->ridx = (rnd() % 8) == 0 ? 4 : 1 + (int64_t)(rnd() % 3);
                c->aidx = (rnd() % 8) == 0 ? 0 : 1 + (int64_t)(rnd() % 3);
            }
            run_cases(cs, hs[o]);
        }
}

/* CPYNV between scalar objects of any two fast types (CPYNV_X_DD): the value, or
 * MCH1210 with the receiver unchanged when it does not fit, as mi_sem_unary. */
static void test_programs_cpynv_mixed(void **state) {
    (void)state;
    size_t b4 = ity_index(MI_T_BIN, 4), b8 = ity_index(MI_T_BIN, 8);
    for (int rep = 0; rep < 4; rep++) {
        gcase cs[NCASES];
        for (int k = 0; k < NCASES; k++) {
            gcase *c = &cs[k];
            memset(c, 0, sizeof *c);
            c->op = MI_OP_CPYNV;
            c->shape = SHAPE_DD;
            do { /* the same BIN(4) or BIN(8) on both sides has its own handlers */
                c->rt = rnd() % NITYPS;
                c->at = rnd() % NITYPS;
            } while (c->rt == c->at && (c->rt == b4 || c->rt == b8));
            c->bt = c->rt;
            c->r0 = pick(&ityps[c->rt]);
            c->a = pick(&ityps[c->at]);
            c->b = pick(&ityps[c->bt]);
        }
        run_cases(cs, MI_H_CPYNV_X_DD);
    }
}

/* UBIN(8) operands take the generic path through mi_sem_*. */
static void test_programs_ubin8(void **state) {
    (void)state;
    fx_expect_out("DCL u UBIN(8) INIT(18446744073709551615)\nDCL r UBIN(8)\nDCL b BIN(4) INIT(-1)\n"
                  "DCL t CHAR(24)\n"
                  "        ADDN r, u, b\n        CVTNC t, r\n        SVC 2, t\n"
                  "        CMPN.HI u, 9223372036854775807, big\n        SVC 2, 'small'\n        RTX\n"
                  "big:    SVC 2, 'big'\n",
                  NULL, "18446744073709551614\nbig\n");
}

/* Compares: fast (BIN(4)/BIN(8) objects and constants, mixed) and generic agree. */
static void test_programs_compare(void **state) {
    (void)state;
    static const char *const conds[] = {"HI", "LO", "EQ", "NE", "NH", "NL"};
    for (int rep = 0; rep < 6; rep++) {
        size_t cap = 64 * 1024, len = 0, olen = 0;
        char *src = malloc(cap), *want = malloc(cap);
        want[0] = '\0';
        len = append(src, cap, len, "DCL r BIN(1)\nDCL t CHAR(4)\n");
        size_t tys[NCASES][2];
        int64_t av[NCASES], bv[NCASES];
        for (int k = 0; k < NCASES; k++) {
            /* half the cases share one wide type (specialised handlers), half mix */
            tys[k][0] = (k & 1) ? ity_index(MI_T_BIN, (rep & 1) ? 8 : 4) : rnd() % NITYPS;
            tys[k][1] = (k & 1) ? tys[k][0] : rnd() % NITYPS;
            av[k] = pick(&ityps[tys[k][0]]);
            const ity *by = &ityps[tys[k][1]];
            bv[k] = (rnd() % 3 == 0 && av[k] >= by->min && av[k] <= by->max) ? av[k] : pick(by);
            len = append(src, cap, len, "DCL a%d %s INIT(%" PRId64 ")\nDCL b%d %s INIT(%" PRId64 ")\n", k,
                         ityps[tys[k][0]].name, av[k], k, ityps[tys[k][1]].name, bv[k]);
        }
        for (int k = 0; k < NCASES; k++) {
            const char *cnd = conds[rnd() % 6];
            int imm = (rep & 2) != 0;
            char b[32];
            if (imm) snprintf(b, sizeof b, "%" PRId64, bv[k]);
            else snprintf(b, sizeof b, "b%d", k);
            len = append(src, cap, len,
                         "        CMPN.%s a%d, %s, y%d\n        SVC 2, 'n'\n        B z%d\ny%d:     SVC 2, 'y'\n"
                         "z%d:     CMPNI.%s r, a%d, %s\n        CVTNC t, r\n        SVC 2, t\n",
                         cnd, k, b, k, k, k, k, cnd, k, b);
            uint8_t ab[8], bb[8];
            mi_type b8 = {MI_T_BIN, 8, 0, 0};
            const mi_type *bt = imm ? &b8 : &ityps[tys[k][1]].t;
            put(&ityps[tys[k][0]].t, ab, av[k]);
            put(bt, bb, bv[k]);
            int cmp;
            assert_int_equal(mi_sem_cmpn(&cmp, &ityps[tys[k][0]].t, ab, bt, bb), MI_EXC_NONE);
            mi_cond c = (mi_cond)(1 + (strstr("HILOEQNENHNL", cnd) - "HILOEQNENHNL") / 2);
            int yes = mi_sem_cond(c, cmp);
            olen = append(want, cap, olen, "%s\n%d\n", yes ? "y" : "n", yes);
        }
        fx_expect_out(src, NULL, want);
        free(src);
        free(want);
    }
}

/* ---- addressing and control flow -------------------------------------------- */

static void test_elements_and_substrings(void **state) {
    (void)state;
    /* element indices from objects of several integer types; a failing receiver
     * index leaves every element unchanged; substrings by objects and constants */
    fx_expect_out("DCL a BIN(4) DIM(3) INIT(10)\nDCL i UBIN(1) INIT(3)\nDCL j BIN(8) INIT(2)\n"
                  "DCL z BIN(2) INIT(4)\nDCL t CHAR(12)\nDCL s CHAR(6) INIT('abcdef')\n"
                  "DCL st BIN(4) INIT(2)\nDCL ln BIN(4) INIT(3)\n"
                  "        MONITOR MCH0603, bad, bad, h\n"
                  "        ADDN a(i), a(1), 5\n"                 /* a(3) := 15 */
                  "        SUBN a(j), a(i), a(1)\n"              /* a(2) := 5 */
                  "bad:    ADDN a(z), a(1), 1\n"
                  "back:   CVTNC t, a(1)\n        SVC 2, t\n"
                  "        CVTNC t, a(2)\n        SVC 2, t\n"
                  "        CVTNC t, a(3)\n        SVC 2, t\n"
                  "        SVC 2, s(st:ln)\n"                    /* bcd */
                  "        SVC 2, s(6:1)\n"
                  "        CPYBLA s(st:ln), 'XYZ'\n"
                  "        SVC 2, s\n"
                  "        SVC 1, s(7:0)\n"                      /* empty, just past the end: valid */
                  "        SVC 2, s(1:0)\n"                      /* an empty line */
                  "        RTX\n"
                  "h:      SVC 2, 'MCH0603'\n"
                  "        B back\n",
                  NULL, "MCH0603\n10\n5\n15\nbcd\nf\naXYZef\n\n");
}

/* Each bad operand separately, to see the instruction number. */
static void test_operand_faults(void **state) {
    (void)state;
    static const char decl[] = "DCL a BIN(4) DIM(3)\nDCL s CHAR(6)\nDCL z BIN(2) INIT(0)\nDCL k BIN(4)\n"
                               "DCL t CHAR(8)\n";
    static const struct { const char *code; const char *id; uint32_t insn; } cases[] = {
        {"        NOP\n        ADDN a(z), a(1), 1\n", "MCH0603", 2},
        {"        ADDN k, a(4), 1\n", "MCH0603", 1},
        {"        CVTNC t, a(z)\n", "MCH0603", 1},
        {"        SVC 2, s(0:1)\n", "MCH0603", 1},
        {"        SVC 2, s(6:2)\n", "MCH0603", 1},
        {"        SVC 2, s(1:-1)\n", "MCH0603", 1},
        {"        SVC 2, s(7:1)\n", "MCH0603", 1},
        {"        BX z, l1, l2\nl1:     NOP\nl2:     NOP\n", "MCH0603", 1},
        {"        CPYNV z, 3\n        BX z, l1, l2\nl1:     NOP\nl2:     NOP\n", "MCH0603", 2},
        {"        DIVN k, 1, z\n", "MCH1211", 1},
        {"        REMN k, k, 0\n", "MCH1211", 1},
        {"        CPYNV k, 2147483647\n        ADDN k, k, 1\n", "MCH1210", 2},
        {"        CPYNV k, -2147483648\n        NEGN k, k\n", "MCH1210", 2},
        {"        RTNI\n", "MIE0006", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s%s", decl, cases[i].code);
        fx_expect_exc(p, NULL, cases[i].id, "main", cases[i].insn, "");
    }
}

static void test_control_flow(void **state) {
    (void)state;
    fx_expect_out("DCL i BIN(2) INIT(1)\nDCL n BIN(4) INIT(0)\nDCL t CHAR(8)\n"
                  "top:    BX i, one, two, three\n"
                  "one:    SVC 2, 'one'\n        B next\n"
                  "two:    SVC 2, 'two'\n        B next\n"
                  "three:  SVC 2, 'three'\n        CALLI sub\n        CALLI sub\n"
                  "        CVTNC t, n\n        SVC 2, t\n        RTX\n"
                  "next:   ADDN i, i, 1\n        B top\n"
                  "sub:    ADDN n, n, 1\n        RTNI\n",
                  NULL, "one\ntwo\nthree\n2\n");
    /* falling off the end is RTX; NOP does nothing */
    fx_expect_out("        NOP\n        SVC 2, 'end'\n", NULL, "end\n");
}

/* The reported line comes from LINES (source lines, not instruction numbers). */
static void test_reported_line(void **state) {
    (void)state;
    fx_result r;
    fx_run("; a comment\n\nDCL z BIN(1)\n\n        NOP\n; another\n        CPYNV z, 1000\n", NULL, NULL, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_int_equal(r.res.exc_insn, 2);
    assert_int_equal(r.res.exc_line, 7);
    fx_free(&r);
}

/* Decimal, float and character instructions go through mi_sem_* (spot checks; the
 * conformance suite covers them). */
static void test_generic_ops(void **state) {
    (void)state;
    fx_expect_out("DCL p PKD(7,2) INIT(12.25)\nDCL f FLT(8) INIT(0.5)\nDCL z ZND(5,2)\nDCL t CHAR(16)\n"
                  "DCL c CHAR(5) INIT('ab')\nDCL n BIN(4)\nDCL u UBIN(2) INIT(240)\n"
                  "        MULN.R z, p, 2.5\n        CVTNC t, z\n        SVC 2, t\n"    /* 30.625 -> 30.63 */
                  "        ADDN f, f, p\n        CVTNC t, f\n        SVC 2, t\n"      /* 12.75 */
                  "        CAT c, c(1:2), 'xyz'\n        SVC 2, c\n"
                  "        SCAN n, c, 'x'\n        CVTNC t, n\n        SVC 2, t\n"
                  "        AND u, u, 60\n        CVTNC t, u\n        SVC 2, t\n"      /* 48 */
                  "        CMPC.LO c, 'b', yes\n        RTX\n"
                  "yes:    SVC 2, 'lo'\n",
                  NULL, "30.63\n12.75\nabxyz\n3\n48\nlo\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast_kernels_vs_sem),
        cmocka_unit_test(test_programs_specialised),
        cmocka_unit_test(test_programs_mixed),
        cmocka_unit_test(test_programs_cpynv_mixed),
        cmocka_unit_test(test_programs_ubin8),
        cmocka_unit_test(test_programs_compare),
        cmocka_unit_test(test_elements_and_substrings),
        cmocka_unit_test(test_operand_faults),
        cmocka_unit_test(test_control_flow),
        cmocka_unit_test(test_reported_line),
        cmocka_unit_test(test_generic_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
