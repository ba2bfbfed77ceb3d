/* The machine (runtime/machine.c, layout.c, svc.c): storage layout and
 * initialisation, spaces and pointers, CALLX argument matching and depth,
 * monitors and percolation, environment services, the exec hook. Expected values
 * are worked out by hand from mi-spec/mi-v1.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "machine_fixture.h"
#include "mi_layout.h"

/* ---- layout --------------------------------------------------------------- */

static void test_layout(void **state) {
    (void)state;
    mi_template t;
    fx_build("DCL a CHAR(3)\n"               /* 0 STATIC 0..3 */
             "DCL b BIN(4)\n"                /* 1 STATIC aligned 4: 4..8 */
             "DCL c BIN(8) AUTO\n"           /* 2 AUTO 0..8 */
             "DCL d CHAR(2) AUTO\n"          /* 3 AUTO 8..10 */
             "DCL e BIN(2) DIM(3) AUTO\n"    /* 4 AUTO aligned 2: 10..16 */
             "DCL p SPCPTR\n"                /* 5 STATIC aligned 16: 16..32 */
             "DCL q PKD(5,2) PARM\n"         /* 6 PARM 0 */
             "DCL r CHAR(10) BASED(p)\n"     /* 7 BASED on 5 */
             "DCL s CHAR(2) DEFINED(r, 3)\n" /* 8 BASED on 5 at 3 */
             "DCL u CHAR(1) DEFINED(q, 1)\n" /* 9 PARM 0 at 1 */
             "DCL v ZND(3,0) PARM\n"         /* 10 PARM 1 */
             "DCL w CHAR(2) DEFINED(b, 2)\n" /* 11 STATIC at 4 + 2 */
             "DCL x FLT(8) AUTO\n"           /* 12 AUTO aligned 8: 16..24 */
             "        RTX\n",
             &t);
    mi_layout l;
    mi_diag d;
    assert_int_equal(mi_layout_build(&t, &l, &d), MI_OK);
    assert_int_equal(l.nobjs, 13);
    static const struct { uint8_t area; uint32_t root; uint64_t off; uint32_t esize, size; } want[13] = {
        {MI_AREA_STATIC, MI_NONE, 0, 3, 3},  {MI_AREA_STATIC, MI_NONE, 4, 4, 4},
        {MI_AREA_AUTO, MI_NONE, 0, 8, 8},    {MI_AREA_AUTO, MI_NONE, 8, 2, 2},
        {MI_AREA_AUTO, MI_NONE, 10, 2, 6},   {MI_AREA_STATIC, MI_NONE, 16, 16, 16},
        {MI_AREA_PARM, 0, 0, 3, 3},          {MI_AREA_BASED, 5, 0, 10, 10},
        {MI_AREA_BASED, 5, 3, 2, 2},         {MI_AREA_PARM, 0, 1, 1, 1},
        {MI_AREA_PARM, 1, 0, 3, 3},          {MI_AREA_STATIC, MI_NONE, 6, 2, 2},
        {MI_AREA_AUTO, MI_NONE, 16, 8, 8},
    };
    for (unsigned i = 0; i < 13; i++) {
        assert_int_equal(l.objs[i].area, want[i].area);
        assert_int_equal(l.objs[i].root, want[i].root);
        assert_int_equal(l.objs[i].offset, want[i].off);
        assert_int_equal(l.objs[i].esize, want[i].esize);
        assert_int_equal(l.objs[i].size, want[i].size);
    }
    assert_int_equal(l.static_size, 32);
    assert_int_equal(l.auto_size, 24);
    assert_int_equal(l.nparms, 2);
    assert_int_equal(l.parm_obj[0], 6);
    assert_int_equal(l.parm_obj[1], 10);
    mi_layout_free(&l);
    mi_template_free(&t);
}

/* ---- storage initialisation (§2) ------------------------------------------ */

/* Default and INIT bytes, checked through CHAR overlays against hex constants. */
static void test_init_bytes(void **state) {
    (void)state;
    fx_expect_out("DCL pk PKD(5,2)\n"
                  "DCL pkc CHAR(3) DEFINED(pk)\n"
                  "DCL zn ZND(3,1) AUTO\n"
                  "DCL znc CHAR(3) DEFINED(zn)\n"
                  "DCL b2 BIN(2) DIM(2) INIT(-2)\n"
                  "DCL b2c CHAR(4) DEFINED(b2)\n"
                  "DCL f4 FLT(4)\n"
                  "DCL f4c CHAR(4) DEFINED(f4)\n"
                  "DCL ch CHAR(3) AUTO\n"
                  "DCL pe PKD(4,0) DIM(2) INIT(7)\n"
                  "DCL pec CHAR(6) DEFINED(pe)\n"
                  "        CMPC.NE pkc, X'00000C', bad\n"
                  "        CMPC.NE znc, X'303030', bad\n"
                  "        CMPC.NE b2c, X'FEFFFEFF', bad\n"
                  "        CMPC.NE f4c, X'00000000', bad\n"
                  "        CMPC.NE ch, X'202020', bad\n"
                  "        CMPC.NE pec, X'00007C00007C', bad\n"
                  "        SVC 2, 'ok'\n"
                  "        RTX\n"
                  "bad:    SVC 2, 'bad'\n",
                  NULL, "ok\n");
}

/* DEFINED objects with INIT are written after every base, in ODT order. */
static void test_init_defined_order(void **state) {
    (void)state;
    fx_expect_out("DCL whole CHAR(6) INIT('abcdef')\n"
                  "DCL mid CHAR(2) DEFINED(whole, 2) INIT('XY')\n"
                  "DCL last CHAR(2) DEFINED(whole, 3) INIT('Zz')\n"
                  "DCL none CHAR(1) DEFINED(whole, 0)\n"
                  "        SVC 2, whole\n",
                  NULL, "abXZzf\n");
}

/* STATIC is created once per run and kept across calls (including recursive
 * ones through RSLVSP of the program's own name); AUTO is fresh at each call. */
static void test_static_kept_auto_fresh(void **state) {
    (void)state;
    fx_expect_out("DCL calls BIN(4) INIT(0)\n"
                  "DCL a BIN(4) AUTO INIT(5)\n"
                  "DCL self SYSPTR\n"
                  "DCL txt CHAR(8)\n"
                  "        ADDN calls, calls, 1\n"
                  "        ADDN a, a, 1\n"
                  "        CVTNC txt, a\n"
                  "        SVC 2, txt\n"
                  "        CMPN.NL calls, 3, done\n"
                  "        RSLVSP self, 'main'\n"
                  "        CALLX self\n"
                  "        CVTNC txt, calls\n"
                  "        SVC 2, txt\n"
                  "done:   RTX\n",
                  NULL, "6\n6\n6\n3\n3\n");
}

/* ---- spaces and pointers (§5) --------------------------------------------- */

/* One exception per small program keeps the instruction numbers obvious. */
static void test_space_exceptions(void **state) {
    (void)state;
    static const char decl[] = "DCL sp SPCPTR\nDCL q SPCPTR\nDCL o SPCPTR\nDCL u SPCPTR\n"
                               "DCL w BIN(4) BASED(sp)\nDCL wu BIN(4) BASED(u)\nDCL c CHAR(4) BASED(q)\n"
                               "DCL n BIN(8)\n";
    char p[2048];
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 12\n        ADDSPP q, sp, 5\n        CPYBLA c, 'x'\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 3, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 12\n        ADDSPP q, sp, 9\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 2, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 12\n        ADDSPP q, sp, -1\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 2, "");
    /* u is set only on a path never taken (the verifier refuses a pointer never set) */
    snprintf(p, sizeof p, "%s        B go\n        CRTS u, 1, 1\ngo:     CPYNV n, wu\n", decl);
    fx_expect_exc(p, NULL, "MCH3601", "main", 3, "");
    snprintf(p, sizeof p, "%s        B go\n        CRTS u, 1, 1\ngo:     CPYP q, u\n", decl);
    fx_expect_exc(p, NULL, "MCH3601", "main", 3, "");
    snprintf(p, sizeof p, "%s        B go\n        CRTS u, 1, 1\ngo:     SPSZ n, u\n", decl);
    fx_expect_exc(p, NULL, "MCH3601", "main", 3, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 12\n        SETSPSZ sp, 13\n", decl);
    fx_expect_exc(p, NULL, "MCH2804", "main", 2, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 12\n        SETSPSZ sp, -1\n", decl);
    fx_expect_exc(p, NULL, "MCH0603", "main", 2, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 5, 4\n", decl);
    fx_expect_exc(p, NULL, "MCH0603", "main", 1, "");
    snprintf(p, sizeof p, "%s        CRTS sp, -1, 4\n", decl);
    fx_expect_exc(p, NULL, "MCH0603", "main", 1, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 0, 2147483648\n", decl);
    fx_expect_exc(p, NULL, "MCH0603", "main", 1, "");
    snprintf(p, sizeof p, "%s        CRTS sp, 1, 1\n        CRTS o, 1, 1\n        SUBSPP n, sp, o\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 3, "");
    /* DEFINED over BASED checks the whole BASED root, not just the overlay's bytes */
    snprintf(p, sizeof p, "%sDCL big CHAR(8) BASED(sp)\nDCL part CHAR(2) DEFINED(big, 1)\n"
             "        CRTS sp, 4, 8\n        SVC 2, part\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 2, "");
    /* operands are resolved in order: an unset P source (operand 2) before a bad index (3) */
    snprintf(p, sizeof p, "%sDCL a BIN(4) DIM(2)\nDCL k BIN(4) INIT(5)\n"
             "        B go\n        CRTS u, 1, 1\ngo:     ADDSPP q, u, a(k)\n", decl);
    fx_expect_exc(p, NULL, "MCH3601", "main", 3, "");
    snprintf(p, sizeof p, "%sDCL a BIN(4) DIM(2)\nDCL k BIN(4) INIT(5)\n"
             "        CRTS u, 1, 1\n        ADDSPP q, u, a(k)\n", decl);
    fx_expect_exc(p, NULL, "MCH0603", "main", 2, "");
    /* A pointer beyond a shrunk size stays a value, but accesses fail. */
    snprintf(p, sizeof p, "%s        CRTS sp, 8, 8\n        ADDSPP sp, sp, 4\n        SETSPSZ sp, 6\n"
             "        CPYP q, sp\n        CPYNV n, w\n", decl);
    fx_expect_exc(p, NULL, "MCH0601", "main", 5, "");
}

static void test_space_contents(void **state) {
    (void)state;
    fx_expect_out("DCL sp SPCPTR\nDCL q SPCPTR\nDCL w BIN(4) BASED(sp)\nDCL c CHAR(4) BASED(q)\n"
                  "DCL n BIN(8)\nDCL txt CHAR(12)\n"
                  "        CRTS sp, 8, 100000\n"
                  "        CVTNC txt, w\n"
                  "        SVC 2, txt\n"            /* 0: new bytes are zero */
                  "        CPYNV w, 1145258561\n"   /* 'ABCD' */
                  "        CPYP q, sp\n"
                  "        SVC 2, c\n"
                  "        ADDSPP q, sp, 4\n"
                  "        CPYBLA c, 'wxyz'\n"
                  "        SETSPSZ sp, 2\n"         /* shrink: bytes 2..7 gone */
                  "        SETSPSZ sp, 90000\n"     /* grow: 2..89999 zero again */
                  "        CMPC.NE c, X'00000000', bad\n"
                  "        CVTNC txt, w\n"          /* bytes 41 42 00 00 = 16961 */
                  "        SVC 2, txt\n"
                  "        SPSZ n, sp\n"
                  "        CVTNC txt, n\n"
                  "        SVC 2, txt\n"
                  "        SUBSPP n, sp, q\n"
                  "        CVTNC txt, n\n"
                  "        SVC 2, txt\n"
                  "        RTX\n"
                  "bad:    SVC 2, 'bad'\n",
                  NULL, "0\nABCD\n16961\n90000\n-4\n");
}

/* The run's space limit counts the current sizes of all spaces. */
static void test_space_limit(void **state) {
    (void)state;
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.max_space = 100;
    fx_result r;
    fx_run_opts("DCL a SPCPTR\nDCL b SPCPTR\n"
                "        CRTS a, 60, 100\n"
                "        CRTS b, 40, 100\n"     /* exactly 100 */
                "        SETSPSZ b, 30\n"       /* 90 */
                "        CRTS b, 11, 11\n",     /* 101: MCH2804 */
                NULL, NULL, &o, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "MCH2804");
    assert_int_equal(r.res.exc_insn, 4);
    fx_free(&r);
    fx_run_opts("DCL a SPCPTR\n        CRTS a, 0, 200\n        SETSPSZ a, 100\n        SETSPSZ a, 101\n",
                NULL, NULL, &o, &r);
    assert_string_equal(r.res.exc_id, "MCH2804");
    assert_int_equal(r.res.exc_insn, 3);
    fx_free(&r);
}

/* ---- CALLX (§9) ---------------------------------------------------------- */

static const fx_prog callees[] = {
    {"two", "DCL a BIN(4) PARM\nDCL b CHAR(3) PARM\n"
            "        ADDN a, a, 1\n        CPYBLA b, 'new'\n"},
    {"arr", "DCL a PKD(5,2) DIM(3) PARM\nDCL t CHAR(8)\n"
            "        CVTNC t, a(3)\n        SVC 2, t\n"},
    {"ptr", "DCL p SPCPTR PARM\nDCL q SPCPTR AUTO\nDCL c CHAR(2) BASED(q)\n"
            "        CPYP q, p\n        CPYBLA c, 'hi'\n"},
    {"none", "        SVC 2, 'none'\n"},
    {NULL, NULL},
};

static void test_callx_args(void **state) {
    (void)state;
    fx_expect_out("DCL s SYSPTR\nDCL n BIN(4) INIT(41)\nDCL c CHAR(5) INIT('abcde')\n"
                  "DCL t CHAR(8)\nDCL arr PKD(5,2) DIM(3) INIT(1.5)\nDCL sp SPCPTR\nDCL x CHAR(2) BASED(sp)\n"
                  "        RSLVSP s, 'two'\n"
                  "        CALLX s, n, c(2:3)\n"       /* by reference: n = 42, c = 'anewe' */
                  "        CVTNC t, n\n        SVC 2, t\n        SVC 2, c\n"
                  "        CALLX s, BIN(4):7, 'abc'\n" /* constants: fresh copies */
                  "        RSLVSP s, 'arr'\n        CALLX s, arr\n"
                  "        RSLVSP s, 'ptr'\n        CRTS sp, 2, 2\n        CALLX s, sp\n        SVC 2, x\n"
                  "        RSLVSP s, 'none'\n        CALLX s\n",
                  callees, "42\nanewe\n1.50\nhi\nnone\n");
}

static void test_callx_mismatch(void **state) {
    (void)state;
    static const char *const bad[] = {
        "        CALLX s, n\n",                     /* too few */
        "        CALLX s, n, c(1:3), n\n",          /* too many */
        "        CALLX s, h, c(1:3)\n",             /* BIN(2) for BIN(4) */
        "        CALLX s, n, c(1:2)\n",             /* CHAR(2) for CHAR(3) */
        "        CALLX s, n, c\n",                  /* CHAR(5) */
        "        CALLX s, u, c(1:3)\n",             /* UBIN(4) */
        "        CALLX s, a, c(1:3)\n",             /* a whole array of BIN(4) */
        "        CALLX s, 5.0, 'abc'\n",            /* PKD(2,1) constant */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char p[1024];
        snprintf(p, sizeof p, "DCL s SYSPTR\nDCL n BIN(4)\nDCL h BIN(2)\nDCL u UBIN(4)\nDCL a BIN(4) DIM(2)\n"
                 "DCL c CHAR(5)\n        RSLVSP s, 'two'\n%s", bad[i]);
        fx_expect_exc(p, callees, "MCH0802", "main", 2, "");
    }
    /* the first program must not have PARM objects: raised before instruction 1 */
    fx_expect_exc("DCL a BIN(4) PARM\n        SVC 2, 'x'\n", NULL, "MCH0802", "main", 0, "");
    /* an unset system pointer */
    fx_expect_exc("DCL s SYSPTR\n        B go\n        RSLVSP s, 'two'\ngo:     CALLX s\n", NULL, "MCH3601",
                  "main", 3, "");
}

static const char recurse[] =
    "DCL depth BIN(4) INIT(0)\nDCL self SYSPTR\nDCL t CHAR(8)\nDCL id CHAR(7)\nDCL d CHAR(1)\nDCL w BIN(4)\n"
    "        MONITOR MIE0001, call, call, full\n"
    "        ADDN depth, depth, 1\n"
    "        RSLVSP self, 'main'\n"
    "call:   CALLX self\n"
    "        RTX\n"
    "full:   CVTNC t, depth\n"
    "        SVC 2, t\n"
    "        RTVEXC id, d, w\n"
    "        CVTNC t, w\n"
    "        SVC 2, t\n";

static void test_depth_limit(void **state) {
    (void)state;
    /* depth 1 is the first program: 1000 invocations, the 1000th's CALLX fails */
    fx_expect_out(recurse, NULL, "1000\n3\n");
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.max_depth = 7;
    fx_result r;
    fx_run_opts(recurse, NULL, NULL, &o, &r);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, "7\n3\n");
    fx_free(&r);
    /* unhandled: reported at the CALLX of the deepest invocation */
    fx_expect_exc("DCL self SYSPTR\n        RSLVSP self, 'main'\n        CALLX self\n", NULL, "MIE0001", "main",
                  2, "");
}

/* A program that calls itself until MIE0001 and prints the depth it reached; its
 * CALLX passes a substring when `sub`, which gives the site no call plan (§9 is the
 * same either way: only the host's share differs). */
static const char deep_plan[] =
    "DCL c CHAR(1) PARM\nDCL depth BIN(4) STATIC INIT(0)\nDCL self SYSPTR STATIC\nDCL t CHAR(8)\n"
    "DCL buf CHAR(2) AUTO\n"
    "        MONITOR MIE0001, call, call, full\n"
    "        ADDN depth, depth, 1\n"
    "        RSLVSP self, 'rec'\n"
    "call:   CALLX self, c\n"
    "        RTX\n"
    "full:   CVTNC t, depth\n"
    "        SVC 2, t\n";
static const char deep_generic[] =
    "DCL c CHAR(1) PARM\nDCL depth BIN(4) STATIC INIT(0)\nDCL self SYSPTR STATIC\nDCL t CHAR(8)\n"
    "DCL buf CHAR(2) AUTO\n"
    "        MONITOR MIE0001, call, call, full\n"
    "        ADDN depth, depth, 1\n"
    "        RSLVSP self, 'rec'\n"
    "call:   CALLX self, buf(1:1)\n"
    "        RTX\n"
    "full:   CVTNC t, depth\n"
    "        SVC 2, t\n";

static long deep_run(const char *rec, uint32_t max_depth, size_t stack) {
    const fx_prog lib[] = {{"rec", rec}, {NULL, NULL}};
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.max_depth = max_depth;
    o.stack_size = stack;
    fx_result r;
    fx_run_opts("DCL s SYSPTR\n        RSLVSP s, 'rec'\n        CALLX s, 'x'\n", lib, NULL, &o, &r);
    assert_int_equal(r.st, MI_OK);
    long depth = strtol(r.out, NULL, 10);
    fx_free(&r);
    return depth;
}

static void test_host_stack_guard(void **state) {
    (void)state;
    /* interpreted calls through call plans are entered by the interpreter's loop and
     * take no host stack: the depth limit is reached on a 2 MiB run stack (main is
     * depth 1, so rec reaches 4999) */
    assert_int_equal(deep_run(deep_plan, 5000, 2u << 20), 4999);
    /* a call without a plan nests host frames: the guard raises MIE0001 (§9) well
     * before a depth limit of 100000, instead of overflowing the host stack */
    long d = deep_run(deep_generic, 100000, 2u << 20);
    assert_true(d > 10 && d < 99999);
    /* with the default 256 MiB stack the same program reaches the default limit */
    assert_int_equal(deep_run(deep_generic, 0, 0), 999);
}

/* ---- monitors and percolation (§10) -------------------------------------- */

#define EXC_DECL "DCL id CHAR(9)\nDCL d CHAR(10)\nDCL w BIN(4)\nDCL t CHAR(8)\nDCL line CHAR(40)\nDCL z BIN(1) INIT(0)\n"
#define REPORT                                                                                     \
    "        RTVEXC id, d, w\n        CVTNC t, w\n        CAT line, id, d\n        CAT line, line(1:19), t\n" \
    "        SVC 2, line\n"

static void test_monitor_matching(void **state) {
    (void)state;
    /* order of declaration decides; ranges are inclusive; generic ids */
    fx_expect_out(EXC_DECL
                  "        MONITOR MCH1211, a, a, h1\n"     /* not this id */
                  "        MONITOR MCH1200, b, b, h2\n"     /* MCH12xx */
                  "        MONITOR MCH0000, a, b, h3\n"     /* MCHxxxx */
                  "        MONITOR *ALL, a, c, h4\n"
                  "a:      CPYNV z, 300\n"                  /* 1: MCH1210 -> h3 */
                  "b:      CPYNV z, 300\n"                  /* 2: -> h2 */
                  "c:      CPYNV z, 300\n"                  /* 3: -> h4 */
                  "        RTX\n"
                  "h1:     SVC 2, 'h1'\n        RTX\n"
                  "h2:     SVC 2, 'h2'\n" REPORT "        B c\n"
                  "h3:     SVC 2, 'h3'\n" REPORT "        B b\n"
                  "h4:     SVC 2, 'h4'\n" REPORT "        RTX\n",
                  NULL,
                  "h3\nMCH1210            1\n"
                  "h2\nMCH1210            2\n"
                  "h4\nMCH1210            3\n");
    /* RTVEXC before any exception: blanks, blanks, 0 */
    fx_expect_out(EXC_DECL REPORT, NULL, "                   0\n"); /* 19 blanks */
    /* a monitor whose range does not hold the instruction does not match */
    fx_expect_exc(EXC_DECL "        MONITOR *ALL, a, a, h\n        NOP\na:      NOP\n        CPYNV z, 300\n"
                  "        RTX\nh:      RTX\n", NULL, "MCH1210", "main", 3, "");
}

static void test_monitor_rstack(void **state) {
    (void)state;
    /* the handler empties the internal return stack: RTNI then raises MIE0006 */
    fx_expect_exc(EXC_DECL "        MONITOR MCH1210, s, s, h\n"
                  "        CALLI s\n"      /* 1 */
                  "        RTX\n"          /* 2 */
                  "s:      CPYNV z, 300\n" /* 3 */
                  "        RTNI\n"         /* 4 */
                  "h:      RTNI\n",        /* 5 */
                  NULL, "MIE0006", "main", 5, "");
    /* CALLI beyond 256 entries raises MIE0001 */
    fx_expect_exc("DCL n BIN(4)\n"
                  "s:      ADDN n, n, 1\n" /* 1 */
                  "        CALLI s\n",     /* 2 */
                  NULL, "MIE0001", "main", 2, "");
    fx_expect_out("DCL n BIN(4)\nDCL t CHAR(8)\n        MONITOR MIE0001, c, c, h\n"
                  "s:      ADDN n, n, 1\n"
                  "c:      CALLI s\n"
                  "h:      CVTNC t, n\n        SVC 2, t\n",
                  NULL, "257\n");
}

static const fx_prog raisers[] = {
    {"deep", "DCL z BIN(1)\n        NOP\n        NOP\n        CPYNV z, 999\n"}, /* insn 3, line 4 */
    {"mid", "DCL s SYSPTR\n        RSLVSP s, 'deep'\n        CALLX s\n        SVC 2, 'not reached'\n"},
    {"sig", "        SIGEXC 'USR0042', 'some data   '\n"},
    {NULL, NULL},
};

static void test_percolation(void **state) {
    (void)state;
    /* handled in the caller at its CALLX, with the original id, data and origin */
    fx_expect_out(EXC_DECL "DCL s SYSPTR\n"
                  "        MONITOR MCH1210, c, c, h\n"
                  "        RSLVSP s, 'mid'\n"
                  "c:      CALLX s\n"
                  "        RTX\n"
                  "h:      SVC 2, 'caught'\n" REPORT,
                  raisers, "caught\nMCH1210            3\n");
    /* not handled anywhere: reported with the program and instruction of origin */
    fx_result r;
    fx_run("DCL s SYSPTR\n        RSLVSP s, 'mid'\n        CALLX s\n", raisers, NULL, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "MCH1210");
    assert_string_equal(r.res.exc_program, "deep");
    assert_int_equal(r.res.exc_insn, 3);
    assert_int_equal(r.res.exc_line, 4);
    assert_int_equal(r.res.exc_user, 0);
    char line[512];
    mi_run_result_format(&r.res, line, sizeof line);
    assert_string_equal(line, "unhandled exception MCH1210 in program deep at instruction 3 (line 4): "
                              "receiver value too small to hold result");
    fx_free(&r);
}

static void test_sigexc(void **state) {
    (void)state;
    fx_expect_out(EXC_DECL "DCL s SYSPTR\n"
                  "        MONITOR USR0000, c, c, h\n"
                  "        RSLVSP s, 'sig'\n"
                  "c:      CALLX s\n"
                  "        RTX\n"
                  "h:      " REPORT,
                  raisers, "USR0042  some data 1\n");
    fx_result r;
    fx_run("DCL s SYSPTR\n        RSLVSP s, 'sig'\n        CALLX s\n", raisers, NULL, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_int_equal(r.res.exc_user, 1);
    assert_string_equal(r.res.exc_message, "some data");
    assert_int_equal(r.res.exc_ndata, 12);
    char line[512];
    mi_run_result_format(&r.res, line, sizeof line);
    assert_string_equal(line, "unhandled exception USR0042 in program sig at instruction 1 (line 1): some data");
    fx_free(&r);
}

/* ---- RSLVSP (§9, §12) ------------------------------------------------------ */

static const fx_prog resolvable[] = {
    {"broken", "        FOO\n"},          /* does not assemble */
    {"unreadable", NULL},                  /* the resolver fails */
    {"huge", "@nomem"},                    /* the resolver runs out of memory */
    {"hello", "        SVC 2, 'hello'\n"},
    {NULL, NULL},
};

static void test_rslvsp(void **state) {
    (void)state;
    fx_expect_out("DCL s SYSPTR\n        RSLVSP s, 'hello   '\n        CALLX s\n", resolvable, "hello\n");
    fx_expect_exc("DCL s SYSPTR\n        RSLVSP s, 'nosuch'\n", resolvable, "MCH3401", "main", 1, "");
    fx_expect_exc("DCL s SYSPTR\n        RSLVSP s, '9lives'\n", resolvable, "MCH3401", "main", 1, "");
    fx_expect_exc("DCL s SYSPTR\n        RSLVSP s, 'a/b'\n", resolvable, "MCH3401", "main", 1, "");
    fx_expect_exc("DCL s SYSPTR\n        RSLVSP s, '   '\n", resolvable, "MCH3401", "main", 1, "");
    fx_result r;
    fx_run("DCL s SYSPTR\n        RSLVSP s, 'broken'\n", resolvable, NULL, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "MIE0007");
    assert_true(strlen(r.res.diag.msg) > 0);
    fx_free(&r);
    fx_run("DCL s SYSPTR\n        RSLVSP s, 'unreadable'\n", resolvable, NULL, &r);
    assert_string_equal(r.res.exc_id, "MIE0007");
    assert_non_null(strstr(r.res.diag.msg, "unreadable"));
    fx_free(&r);
    /* host memory exhausted while finding the program is MIE0008 (§18), not MIE0007 */
    fx_expect_exc("DCL s SYSPTR\n        RSLVSP s, 'huge'\n", resolvable, "MIE0008", "main", 1, NULL);
}

/* ---- environment services (§11) ------------------------------------------ */

static void test_svc_output(void **state) {
    (void)state;
    fx_result r;
    fx_run("        SVC 1, 'a  '\n        SVC 2, 'b  '\n        SVC 3, 'c  '\n        SVC 4, 'd  '\n"
           "        SVC 2, '   '\n",
           NULL, NULL, &r);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, "a  b\n\n");
    assert_string_equal(r.err, "c  d\n");
    fx_free(&r);
}

static void test_svc_inln(void **state) {
    (void)state;
    static const char prog[] =
        "DCL r CHAR(4) INIT('....')\nDCL n BIN(4)\nDCL t CHAR(8)\nDCL line CHAR(20)\n"
        "loop:   SVC 5, r, n\n"
        "        CVTNC t, n\n"
        "        CAT line, r, t\n"
        "        SVC 2, line\n"
        "        CMPN.NE n, -1, loop\n";
    fx_result r;
    fx_run(prog, NULL, "ab\nabcdefg\n\nxyz", &r);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, "ab  2\nabcd7\n    0\nxyz 3\nxyz -1\n");
    fx_free(&r);
    /* n too small for the length: MCH1210 and r unchanged */
    fx_run("DCL r CHAR(2) INIT('..')\nDCL n BIN(1)\n"
           "        MONITOR MCH1210, a, a, h\n"
           "a:      SVC 5, r, n\n"
           "h:      SVC 2, r\n",
           NULL, "0123456789012345678901234567890123456789012345678901234567890123456789"
                 "0123456789012345678901234567890123456789012345678901234567890123456789\n", &r);
    assert_int_equal(r.st, MI_OK);
    assert_string_equal(r.out, "..\n");
    fx_free(&r);
}

static void test_svc_args_exit(void **state) {
    (void)state;
    char a1[] = "first", a2[] = "second-arg", *argv[] = {a1, a2};
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.argc = 2;
    o.argv = argv;
    fx_result r;
    fx_run_opts("DCL n BIN(4)\nDCL r CHAR(6)\nDCL t CHAR(8)\n"
                "        SVC 6, n\n        CVTNC t, n\n        SVC 2, t\n"
                "        SVC 7, r, 2, n\n        SVC 2, r\n        CVTNC t, n\n        SVC 2, t\n"
                "        SVC 7, r, 1, n\n        SVC 2, r\n"
                "        SVC 8, 7\n"
                "        SVC 2, 'not reached'\n",
                NULL, NULL, &o, &r);
    assert_int_equal(r.st, MI_OK);
    assert_int_equal(r.res.exit_status, 7);
    assert_string_equal(r.out, "2\nsecond\n10\nfirst\n");
    fx_free(&r);
    fx_run_opts("DCL n BIN(4)\nDCL r CHAR(6)\n        SVC 7, r, 3, n\n", NULL, NULL, &o, &r);
    assert_string_equal(r.res.exc_id, "MCH0603");
    fx_free(&r);
    fx_expect_exc("        SVC 8, 256\n", NULL, "MCH0603", "main", 1, "");
    fx_expect_exc("        SVC 8, -1\n", NULL, "MCH0603", "main", 1, "");
    fx_expect_exc("        SVC 99, 'x'\n", NULL, "MIE0004", "main", 1, "");
    /* EXIT in a called program ends the whole run at once */
    static const fx_prog quitter[] = {{"q", "        SVC 8, 3\n"}, {NULL, NULL}};
    fx_run("DCL s SYSPTR\n        RSLVSP s, 'q'\n        CALLX s\n        SVC 2, 'not reached'\n", quitter, NULL, &r);
    assert_int_equal(r.st, MI_OK);
    assert_int_equal(r.res.exit_status, 3);
    assert_string_equal(r.out, "");
    fx_free(&r);
}

static void test_svc_clocks(void **state) {
    (void)state;
    fx_result r;
    fx_run("DCL t BIN(8)\nDCL m1 BIN(8)\nDCL m2 BIN(8)\nDCL small BIN(4)\n"
           "        SVC 9, t\n        SVC 10, m1\n        SVC 10, m2\n"
           "        CMPN.LO t, 1700000000000000, bad\n"  /* after November 2023 */
           "        CMPN.HI m1, m2, bad\n"
           "        SVC 2, 'ok'\n"
           "        SVC 9, small\n"                      /* does not fit BIN(4) */
           "        RTX\n"
           "bad:    SVC 2, 'bad'\n",
           NULL, NULL, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.out, "ok\n");
    assert_string_equal(r.res.exc_id, "MCH1210");
    assert_int_equal(r.res.exc_insn, 7);
    fx_free(&r);
}

/* An output error is MIE0005 (here: /dev/full, unbuffered so the error is immediate). */
static void test_svc_output_error(void **state) {
    (void)state;
    FILE *full = fopen("/dev/full", "w");
    if (full == NULL) skip();
    setvbuf(full, NULL, _IONBF, 0);
    mi_template t;
    fx_build("        SVC 2, 'x'\n", &t);
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.out = full;
    mi_run_result res;
    assert_int_equal(mi_run(&t, "main", &o, &res), MI_E_EXCEPTION);
    assert_string_equal(res.exc_id, "MIE0005");
    fclose(full);
    mi_template_free(&t);
}

/* ---- limits --------------------------------------------------------------- */

static void test_storage_limit(void **state) {
    (void)state;
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.max_storage = 4096;
    fx_result r;
    /* the first program's STATIC storage cannot be created: MIE0008 before instruction 1 */
    fx_run_opts("DCL big CHAR(5000)\n        RTX\n", NULL, NULL, &o, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.res.exc_id, "MIE0008");
    assert_int_equal(r.res.exc_insn, 0);
    fx_free(&r);
}

/* ---- exec hook ------------------------------------------------------------- */

typedef struct hook_log {
    int prepared, released;
    char names[4][16];
} hook_log;

static int native_main(mi_invocation *inv, const mi_rt_table *rt) {
    /* out := 'native', through the service like generated code would */
    static uint8_t text[6] = {'n', 'a', 't', 'i', 'v', 'e'};
    mi_arg a = {text, {MI_T_CHAR, 0, 0, 6}, 0, 1};
    assert_int_equal(inv->depth, 1);
    assert_ptr_equal(inv->native_data, (void *)&native_main);
    int rc = rt->svc(inv, 2, 1, &a);
    assert_int_equal(rc, 0);
    /* raise MCH1210 at instruction index 0: no monitor, so it percolates */
    assert_int_equal(rt->raise(inv, 0, MI_EXC_MCH1210), -1);
    return MI_RUN_EXC;
}

static mi_status hook_prepare(void *ctx, const mi_template *t, const uint8_t *bytes, size_t n,
                              const char *name, mi_native_entry *native, void **data, mi_diag *d) {
    hook_log *log = ctx;
    assert_non_null(t);
    assert_non_null(bytes);
    assert_true(n >= MI_HEADER_SIZE);
    if (log->prepared < 4) snprintf(log->names[log->prepared], 16, "%s", name);
    log->prepared++;
    if (strcmp(name, "refused") == 0) return mi_diag_set(d, MI_E_UNSUPPORTED, "refused by the hook");
    if (strcmp(name, "main") == 0) {
        *native = native_main;
        *data = (void *)&native_main;
    }
    return MI_OK;
}

static void hook_release(void *ctx, void *data) {
    hook_log *log = ctx;
    assert_ptr_equal(data, (void *)&native_main);
    log->released++;
}

static void test_exec_hook(void **state) {
    (void)state;
    hook_log log;
    memset(&log, 0, sizeof log);
    mi_exec_hook hook = {hook_prepare, hook_release, &log};
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.hook = &hook;
    fx_result r;
    fx_run_opts("DCL s SYSPTR\n        SVC 2, 'interpreted'\n", NULL, NULL, &o, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.out, "native\n");
    assert_string_equal(r.res.exc_id, "MCH1210");
    assert_string_equal(r.res.exc_program, "main");
    assert_int_equal(r.res.exc_insn, 1);
    assert_int_equal(log.prepared, 1);
    assert_int_equal(log.released, 1);
    fx_free(&r);
}

static mi_status hook_prepare_other(void *ctx, const mi_template *t, const uint8_t *bytes, size_t n,
                                    const char *name, mi_native_entry *native, void **data, mi_diag *d) {
    if (strcmp(name, "main") == 0) return MI_OK; /* interpret the first program */
    return hook_prepare(ctx, t, bytes, n, name, native, data, d);
}

static void test_exec_hook_refusal(void **state) {
    (void)state;
    static const fx_prog lib[] = {{"refused", "        RTX\n"}, {"fine", "        SVC 2, 'fine'\n"},
                                  {NULL, NULL}};
    hook_log log;
    memset(&log, 0, sizeof log);
    mi_exec_hook hook = {hook_prepare_other, NULL, &log};
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.hook = &hook;
    fx_result r;
    fx_run_opts("DCL s SYSPTR\n        RSLVSP s, 'fine'\n        CALLX s\n        RSLVSP s, 'refused'\n", lib,
                NULL, &o, &r);
    assert_int_equal(r.st, MI_E_EXCEPTION);
    assert_string_equal(r.out, "fine\n");
    assert_string_equal(r.res.exc_id, "MIE0007");
    assert_int_equal(r.res.exc_insn, 3);
    assert_non_null(strstr(r.res.diag.msg, "refused by the hook"));
    assert_int_equal(log.prepared, 2);
    assert_string_equal(log.names[0], "fine");
    fx_free(&r);
}

/* ---- the API's own checks ---------------------------------------------------- */

static void test_run_refuses_bad_template(void **state) {
    (void)state;
    mi_template t;
    fx_build("DCL a BIN(4)\n        CPYNV a, 1\n", &t);
    t.opnds[t.insns[0].first].ref = 77; /* no such object */
    mi_run_result res;
    assert_int_equal(mi_run(&t, "main", NULL, &res), MI_E_VERIFY);
    assert_true(strlen(res.diag.msg) > 0);
    mi_template_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_init_bytes),
        cmocka_unit_test(test_init_defined_order),
        cmocka_unit_test(test_static_kept_auto_fresh),
        cmocka_unit_test(test_space_exceptions),
        cmocka_unit_test(test_space_contents),
        cmocka_unit_test(test_space_limit),
        cmocka_unit_test(test_callx_args),
        cmocka_unit_test(test_callx_mismatch),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_host_stack_guard),
        cmocka_unit_test(test_monitor_matching),
        cmocka_unit_test(test_monitor_rstack),
        cmocka_unit_test(test_percolation),
        cmocka_unit_test(test_sigexc),
        cmocka_unit_test(test_rslvsp),
        cmocka_unit_test(test_svc_output),
        cmocka_unit_test(test_svc_inln),
        cmocka_unit_test(test_svc_args_exit),
        cmocka_unit_test(test_svc_clocks),
        cmocka_unit_test(test_svc_output_error),
        cmocka_unit_test(test_storage_limit),
        cmocka_unit_test(test_exec_hook),
        cmocka_unit_test(test_exec_hook_refusal),
        cmocka_unit_test(test_run_refuses_bad_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
