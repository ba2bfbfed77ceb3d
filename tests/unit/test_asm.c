/* Assembler unit tests: literal typing, INIT conversion, the constant pool,
 * labels, modifiers, operands, monitors, directives and diagnostics
 * (mi-spec/mi-v1.md §13, §14). Expected bytes were worked out by hand (and the
 * decimal/float ones checked with python3's decimal and struct modules). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"

/* ---- helpers ---- */

static void print_diags(const mi_asm_diags *dg) {
    for (unsigned i = 0; i < dg->n; i++) fprintf(stderr, "  %s\n", dg->msgs[i]);
}

/* Assemble src (file name "t.mi") into *t; must succeed. */
static void build_ok(const char *src, mi_template *t) {
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "t.mi";
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_build(src, strlen(src), &o, t, &dg);
    if (st != MI_OK) print_diags(&dg);
    assert_int_equal(st, MI_OK);
    assert_int_equal(dg.n, 0);
    mi_asm_diags_free(&dg);
}

/* Assemble src; must fail with status want. Returns the diagnostics. */
static mi_asm_diags build_fail(const char *src, size_t n, mi_status want) {
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "t.mi";
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_template t;
    mi_status st = mi_asm_build(src, n, &o, &t, &dg);
    if (st != want) print_diags(&dg);
    assert_int_equal(st, want);
    assert_true(dg.n > 0);
    assert_int_equal(t.nobjs, 0); /* left freed */
    return dg;
}

/* The diagnostics contain one starting with prefix (exactly once). */
static void has_diag(const mi_asm_diags *dg, const char *prefix) {
    unsigned hits = 0;
    for (unsigned i = 0; i < dg->n; i++) hits += strncmp(dg->msgs[i], prefix, strlen(prefix)) == 0;
    if (hits != 1) {
        fprintf(stderr, "expected one diagnostic starting with: %s\ngot:\n", prefix);
        print_diags(dg);
    }
    assert_int_equal(hits, 1);
}

static void check_const(const mi_template *t, uint32_t c, uint8_t kind, uint8_t size, uint8_t scale, uint32_t len,
                        const char *hex) {
    assert_true(c < t->nconsts);
    const mi_const *k = &t->consts[c];
    assert_int_equal(k->type.kind, kind);
    assert_int_equal(k->type.size, size);
    assert_int_equal(k->type.scale, scale);
    assert_int_equal(k->type.len, len);
    char got[512] = "";
    for (uint32_t i = 0; i < k->nbytes && 2 * i + 2 < sizeof got; i++)
        snprintf(got + 2 * i, 3, "%02X", t->constbytes[k->offset + i]);
    assert_string_equal(got, hex);
}

static const mi_operand *opnd(const mi_template *t, uint32_t insn, unsigned k) {
    assert_true(insn < t->ninsns);
    assert_true(k < t->insns[insn].nopnds);
    return &t->opnds[t->insns[insn].first + k];
}

/* ---- tests ---- */

static void test_minimal(void **state) {
    (void)state;
    const char *src = "; hello\nDCL greeting CHAR(13) INIT('Hello, world!')\n        SVC 2, greeting\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.nobjs, 1);
    assert_string_equal(t.objs[0].name, "greeting");
    assert_int_equal(t.objs[0].cls, MI_C_STATIC);
    assert_int_equal(t.objs[0].dim, 0);
    assert_int_equal(t.objs[0].flags, MI_OBJ_HAS_INIT);
    assert_int_equal(t.objs[0].init, 0);
    assert_int_equal(t.objs[0].base, MI_NONE);
    assert_int_equal(t.nconsts, 2);
    check_const(&t, 0, MI_T_CHAR, 0, 0, 13, "48656C6C6F2C20776F726C6421");
    check_const(&t, 1, MI_T_BIN, 8, 0, 0, "0200000000000000");
    assert_int_equal(t.ninsns, 1);
    assert_int_equal(t.insns[0].op, MI_OP_SVC);
    assert_int_equal(t.insns[0].line, 3);
    assert_int_equal(opnd(&t, 0, 0)->kind, MI_O_CONST);
    assert_int_equal(opnd(&t, 0, 0)->ref, 1);
    assert_int_equal(opnd(&t, 0, 1)->kind, MI_O_OBJ);
    assert_int_equal(opnd(&t, 0, 1)->ref, 0);
    assert_true(t.has_source);
    assert_string_equal(t.source_file, "t.mi");
    assert_int_equal(t.source_len, strlen(src));
    assert_memory_equal(t.source_text, src, strlen(src));
    mi_template_free(&t);
}

static void test_assemble_bytes(void **state) {
    (void)state;
    const char *src = "DCL n BIN(4)\n CPYNV n, 5\n";
    uint8_t *b;
    size_t bn;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    assert_int_equal(mi_asm_assemble(src, strlen(src), NULL, &b, &bn, &dg), MI_OK);
    assert_true(bn > 32);
    assert_memory_equal(b, "\x89MIT\r\n\x1a\n", 8);
    mi_template t;
    mi_template_init(&t);
    mi_diag d;
    assert_int_equal(mi_template_load(b, bn, &t, &d), MI_OK);
    assert_int_equal(t.ninsns, 1);
    assert_true(t.has_source);
    assert_string_equal(t.source_file, ""); /* no file name given */
    mi_template_free(&t);
    free(b);
    mi_asm_diags_free(&dg);
}

static void test_literal_types_ok(void **state) {
    (void)state;
    const char *src = "DCL s SYSPTR AUTO\n"
                      "        RSLVSP s, 'P'\n"
                      "        CALLX s, 5, -9223372036854775808, 9223372036854775808, 12.50, -0.5, .5, 5.\n"
                      "        CALLX s, 1.5E0, -0E0, 'it''s', X'00ff', 5, +7, 15e-1, -0.0, 0000000000000000000000000000042\n";
    mi_template t;
    build_ok(src, &t);
    check_const(&t, 0, MI_T_CHAR, 0, 0, 1, "50");
    check_const(&t, 1, MI_T_BIN, 8, 0, 0, "0500000000000000");
    check_const(&t, 2, MI_T_BIN, 8, 0, 0, "0000000000000080");
    check_const(&t, 3, MI_T_PKD, 19, 0, 0, "9223372036854775808C");
    check_const(&t, 4, MI_T_PKD, 4, 2, 0, "01250C");
    check_const(&t, 5, MI_T_PKD, 2, 1, 0, "005D");
    check_const(&t, 6, MI_T_PKD, 1, 1, 0, "5C");
    check_const(&t, 7, MI_T_PKD, 1, 0, 0, "5C");
    check_const(&t, 8, MI_T_FLT, 8, 0, 0, "000000000000F83F");
    check_const(&t, 9, MI_T_FLT, 8, 0, 0, "0000000000000000"); /* the exact value of -0E0 is zero: +0.0 */
    check_const(&t, 10, MI_T_CHAR, 0, 0, 4, "69742773");
    check_const(&t, 11, MI_T_CHAR, 0, 0, 2, "00FF");
    /* 5 again is constant 1; +7 is new; 15e-1 equals 1.5E0 (constant 8) */
    assert_int_equal(opnd(&t, 2, 5)->ref, 1);
    check_const(&t, 12, MI_T_BIN, 8, 0, 0, "0700000000000000");
    assert_int_equal(opnd(&t, 2, 7)->ref, 8);
    /* -0.0 is PKD(2,1) zero, stored positive */
    check_const(&t, 13, MI_T_PKD, 2, 1, 0, "000C");
    /* 31 digits written, value fits BIN(8) */
    check_const(&t, 14, MI_T_BIN, 8, 0, 0, "2A00000000000000");
    assert_int_equal(t.nconsts, 15);
    mi_template_free(&t);
}

static void test_literal_errors(void **state) {
    (void)state;
    const char *src = "DCL s SYSPTR AUTO\n"
                      " RSLVSP s, 'P'\n"
                      " CALLX s, 12345678901234567890123456789012\n" /* 32 digits */
                      " CALLX s, 1.2345678901234567890123456789012\n"
                      " CALLX s, 1E400\n"
                      " CALLX s, ''\n"
                      " CALLX s, 1.2.3\n"
                      " CALLX s, 12abc\n"
                      " CALLX s, X'123'\n"
                      " CALLX s, X'12G4'\n"
                      " CALLX s, 'abc\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:3:11: error: integer literal has more than 31 digits");
    has_diag(&dg, "t.mi:4:11: error: decimal literal has more than 31 digits");
    has_diag(&dg, "t.mi:5:11: error: float literal out of range");
    has_diag(&dg, "t.mi:6:11: error: empty character literal");
    has_diag(&dg, "t.mi:7:11: error: malformed number '1.2.3'");
    has_diag(&dg, "t.mi:8:11: error: malformed number '12abc'");
    has_diag(&dg, "t.mi:9:11: error: X'...' literal needs an even number of digits");
    has_diag(&dg, "t.mi:10:15: error: invalid hexadecimal digit");
    has_diag(&dg, "t.mi:11:11: error: unterminated string");
    assert_int_equal(dg.n, 9);
    mi_asm_diags_free(&dg);
}

static void test_typed_literals(void **state) {
    (void)state;
    const char *src = "DCL s SYSPTR AUTO\n"
                      " RSLVSP s, 'P'\n"
                      " CALLX s, BIN(2):-2, PKD(5,2):1.5, ZND(3,0):-12, FLT(4):0.5, CHAR(3):'a'\n"
                      " CALLX s, UBIN(8):18446744073709551615, BIN(4):X'01020304', ubin(1):255, flt(4):1E0\n"
                      " CALLX s, PKD(3,1):X'123D', BIN(8):5, FLT(8):2, PKD(5,2):1.50\n";
    mi_template t;
    build_ok(src, &t);
    check_const(&t, 1, MI_T_BIN, 2, 0, 0, "FEFF");
    check_const(&t, 2, MI_T_PKD, 5, 2, 0, "00150C");
    check_const(&t, 3, MI_T_ZND, 3, 0, 0, "303172");
    check_const(&t, 4, MI_T_FLT, 4, 0, 0, "0000003F");
    check_const(&t, 5, MI_T_CHAR, 0, 0, 3, "612020");
    check_const(&t, 6, MI_T_UBIN, 8, 0, 0, "FFFFFFFFFFFFFFFF");
    check_const(&t, 7, MI_T_BIN, 4, 0, 0, "01020304");
    check_const(&t, 8, MI_T_UBIN, 1, 0, 0, "FF");
    check_const(&t, 9, MI_T_FLT, 4, 0, 0, "0000803F");
    check_const(&t, 10, MI_T_PKD, 3, 1, 0, "123D");
    check_const(&t, 11, MI_T_BIN, 8, 0, 0, "0500000000000000");
    check_const(&t, 12, MI_T_FLT, 8, 0, 0, "0000000000000040");
    assert_int_equal(opnd(&t, 3, 4)->ref, 2); /* PKD(5,2):1.50 is PKD(5,2):1.5 */
    assert_int_equal(t.nconsts, 13);
    mi_template_free(&t);
}

static void test_typed_float_literals(void **state) {
    (void)state;
    const char *src = "DCL s SYSPTR AUTO\n"
                      " RSLVSP s, 'P'\n"
                      " CALLX s, PKD(5,2):1.5E1, BIN(4):-1E3, UBIN(8):1.8446744073709551615E19, FLT(4):1E-40\n"
                      " CALLX s, FLT(4):1.0000000596046448E0, PKD(3,3):5E-1, ZND(2,0):-0E5, BIN(2):12000E-3\n";
    mi_template t;
    build_ok(src, &t);
    check_const(&t, 1, MI_T_PKD, 5, 2, 0, "01500C");
    check_const(&t, 2, MI_T_BIN, 4, 0, 0, "18FCFFFF");
    check_const(&t, 3, MI_T_UBIN, 8, 0, 0, "FFFFFFFFFFFFFFFF");
    check_const(&t, 4, MI_T_FLT, 4, 0, 0, "C2160100"); /* subnormal */
    /* rounded once from the decimal value (just above a binary32 halfway point),
     * not via binary64, which would land on the halfway point and tie to 1.0 */
    check_const(&t, 5, MI_T_FLT, 4, 0, 0, "0100803F");
    check_const(&t, 6, MI_T_PKD, 3, 3, 0, "500C");
    check_const(&t, 7, MI_T_ZND, 2, 0, 0, "3030");
    check_const(&t, 8, MI_T_BIN, 2, 0, 0, "0C00");
    mi_template_free(&t);
}

static void test_typed_literal_errors(void **state) {
    (void)state;
    const char *src = "DCL s SYSPTR AUTO\n"
                      " RSLVSP s, 'P'\n"
                      " CALLX s, PKD(3,1):X'123F'\n"
                      " CALLX s, ZND(1,0):X'70'\n"
                      " CALLX s, PKD(2,0):X'100C'\n"
                      " CALLX s, BIN(2):'ab'\n"
                      " CALLX s, CHAR(2):5\n"
                      " CALLX s, PKD(5,2):1E-3\n"
                      " CALLX s, FLT(4):1E39\n"
                      " CALLX s, BIN(8):1E19\n"
                      " CALLX s, BIN(8):1E40\n"
                      " CALLX s, PKD(5,2):1E-40\n"
                      " CALLX s, FLT(8):1E309\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:3:20: error: X'...' literal is not a PKD(3,1) value in the form MI writes");
    has_diag(&dg, "t.mi:4:20: error: X'...' literal is not a ZND(1,0) value in the form MI writes");
    has_diag(&dg, "t.mi:5:20: error: X'...' literal is not a PKD(2,0) value in the form MI writes");
    has_diag(&dg, "t.mi:6:18: error: a character literal cannot initialise BIN(2)");
    has_diag(&dg, "t.mi:7:19: error: a numeric literal cannot initialise CHAR(2)");
    has_diag(&dg, "t.mi:8:20: error: value is not exact in PKD(5,2)");
    has_diag(&dg, "t.mi:9:18: error: value out of range for FLT(4)");
    has_diag(&dg, "t.mi:10:18: error: value out of range for BIN(8)");
    has_diag(&dg, "t.mi:11:18: error: value out of range for BIN(8)");
    has_diag(&dg, "t.mi:12:20: error: value is not exact in PKD(5,2)");
    has_diag(&dg, "t.mi:13:18: error: float literal out of range");
    assert_int_equal(dg.n, 11);
    mi_asm_diags_free(&dg);
}

static void test_init_conversion(void **state) {
    (void)state;
    const char *src = "DCL a BIN(2) INIT(-300)\n"
                      "DCL b PKD(5,2) INIT(1.5)\n"
                      "DCL c ZND(4,1) INIT(-12)\n"
                      "DCL d FLT(4) INIT(0.1)\n"
                      "DCL e CHAR(5) INIT('ab')\n"
                      "DCL f UBIN(4) INIT(X'FFFFFFFF')\n"
                      "DCL g FLT(8) INIT(1E0)\n"
                      "DCL h PKD(3,0) DIM(4) AUTO INIT(7)\n"
                      "DCL i PKD(5,2) INIT(PKD(5,2):1.5)\n"
                      "DCL j BIN(4) INIT(BIN(2):-1)\n"
                      "DCL k PKD(5,2) INIT(1.25E0)\n"
                      "DCL l CHAR(2) INIT(X'4100')\n"
                      "DCL m ZND(2,2) INIT(-.05)\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.nobjs, 13);
    static const struct {
        uint8_t kind, size, scale;
        uint32_t len;
        const char *hex;
    } want[] = {
        {MI_T_BIN, 2, 0, 0, "D4FE"},
        {MI_T_PKD, 5, 2, 0, "00150C"},
        {MI_T_ZND, 4, 1, 0, "30313270"},
        {MI_T_FLT, 4, 0, 0, "CDCCCC3D"}, /* nearest binary32 to 0.1 */
        {MI_T_CHAR, 0, 0, 5, "6162202020"},
        {MI_T_UBIN, 4, 0, 0, "FFFFFFFF"},
        {MI_T_FLT, 8, 0, 0, "000000000000F03F"},
        {MI_T_PKD, 3, 0, 0, "007C"},
        {MI_T_PKD, 5, 2, 0, "00150C"},
        {MI_T_BIN, 4, 0, 0, "FFFFFFFF"},
        {MI_T_PKD, 5, 2, 0, "00125C"},
        {MI_T_CHAR, 0, 0, 2, "4100"},
        {MI_T_ZND, 2, 2, 0, "3075"},
    };
    uint32_t expect_idx[] = {0, 1, 2, 3, 4, 5, 6, 7, 1, 8, 9, 10, 11};
    for (uint32_t i = 0; i < 13; i++) {
        assert_int_equal(t.objs[i].init, expect_idx[i]);
        check_const(&t, t.objs[i].init, want[i].kind, want[i].size, want[i].scale, want[i].len, want[i].hex);
    }
    assert_int_equal(t.objs[7].dim, 4);
    assert_int_equal(t.objs[7].cls, MI_C_AUTO);
    assert_int_equal(t.nconsts, 12);
    mi_template_free(&t);
}

static void test_init_errors(void **state) {
    (void)state;
    const char *src = "DCL a BIN(2) INIT(70000)\n"
                      "DCL b BIN(4) INIT(1.5)\n"
                      "DCL c CHAR(2) INIT('abc')\n"
                      "DCL d BIN(4) INIT('ab')\n"
                      "DCL e CHAR(4) INIT(5)\n"
                      "DCL f BIN(4) INIT(X'0102')\n"
                      "DCL g PKD(3,1) INIT(123)\n"
                      "DCL h SPCPTR INIT(0)\n"
                      "DCL i FLT(4) INIT(1E300)\n"
                      "DCL j BIN(4) INIT(BIN(2):1.5)\n"
                      "DCL k UBIN(1) INIT(-1)\n"
                      "DCL l PKD(5,2) INIT(0.10000000000000000555E0)\n"
                      "DCL m FLT(4) INIT(FLT(8):X'000000000000F87F')\n"
                      "DCL n PKD(3,1) INIT(X'123F')\n"
                      "DCL o BIN(4) INIT(1E10)\n"
                      "DCL p PKD(5,2) INIT(FLT(8):0.1)\n"
                      "DCL q BIN(4) INIT(FLT(8):3.5)\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:1:19: error: value out of range for BIN(2)");
    has_diag(&dg, "t.mi:2:19: error: value is not exact in BIN(4)");
    has_diag(&dg, "t.mi:3:20: error: character literal of 3 bytes does not fit CHAR(2)");
    has_diag(&dg, "t.mi:4:19: error: a character literal cannot initialise BIN(4)");
    has_diag(&dg, "t.mi:5:20: error: a numeric literal cannot initialise CHAR(4)");
    has_diag(&dg, "t.mi:6:19: error: X'...' literal for BIN(4) must have exactly 4 bytes");
    has_diag(&dg, "t.mi:7:21: error: value out of range for PKD(3,1)");
    has_diag(&dg, "t.mi:8:19: error: SPCPTR cannot have an initial value");
    has_diag(&dg, "t.mi:9:19: error: value out of range for FLT(4)");
    has_diag(&dg, "t.mi:10:26: error: value is not exact in BIN(2)");
    has_diag(&dg, "t.mi:11:20: error: value out of range for UBIN(1)");
    /* a float literal converts from its exact decimal value, not its binary64 rounding */
    has_diag(&dg, "t.mi:12:21: error: value is not exact in PKD(5,2)");
    has_diag(&dg, "t.mi:13:19: error: value out of range for FLT(4)"); /* a NaN is not finite */
    has_diag(&dg, "t.mi:14:21: error: X'...' literal is not a PKD(3,1) value in the form MI writes");
    has_diag(&dg, "t.mi:15:19: error: value out of range for BIN(4)");
    /* a FLT typed literal is its binary value: binary64 0.1 is not 0.10 (regression: it
     * was compared with the PKD result in the float domain and accepted) */
    has_diag(&dg, "t.mi:16:21: error: value is not exact in PKD(5,2)");
    has_diag(&dg, "t.mi:17:19: error: value is not exact in BIN(4)");
    assert_int_equal(dg.n, 17);
    /* ... and one that is exact converts: binary64 0.25 is 0.25, -3.0 is -3 */
    mi_template t;
    build_ok("DCL r PKD(5,2) INIT(FLT(8):0.25)\nDCL s BIN(4) INIT(FLT(4):-3)\n        RTX\n", &t);
    check_const(&t, 0, MI_T_PKD, 5, 2, 0, "00025C");
    check_const(&t, 1, MI_T_BIN, 4, 0, 0, "FDFFFFFF");
    mi_template_free(&t);
    mi_asm_diags_free(&dg);
}

static void test_declarations(void **state) {
    (void)state;
    const char *src = "dcl p SPCPTR auto\n"
                      "DCL buf CHAR(100) BASED(p)\n"
                      "DCL w BIN(4) DIM(3) STATIC\n"
                      "DCL w2 CHAR(4) DEFINED(w, 4)\n"
                      "DCL w3 CHAR(12) DEFINED(w)\n"
                      "DCL arg PKD(7,2) PARM\n"
                      "DCL W BIN(2)\n" /* names are case-sensitive */
                      "DCL q SYSPTR\n"
                      "DCL BIN BIN(4)\n" /* keywords are not reserved */
                      " CRTS p, 100, 100\n"
                      " CPYBLA buf, w2\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.nobjs, 9);
    assert_int_equal(t.objs[0].type.kind, MI_T_SPCPTR);
    assert_int_equal(t.objs[0].cls, MI_C_AUTO);
    assert_int_equal(t.objs[1].cls, MI_C_BASED);
    assert_int_equal(t.objs[1].base, 0);
    assert_int_equal(t.objs[1].type.len, 100);
    assert_int_equal(t.objs[2].dim, 3);
    assert_int_equal(t.objs[3].cls, MI_C_DEFINED);
    assert_int_equal(t.objs[3].base, 2);
    assert_int_equal(t.objs[3].offset, 4);
    assert_int_equal(t.objs[4].offset, 0);
    assert_int_equal(t.objs[5].cls, MI_C_PARM);
    assert_int_equal(t.objs[5].type.size, 7);
    assert_int_equal(t.objs[5].type.scale, 2);
    assert_string_equal(t.objs[6].name, "W");
    assert_int_equal(t.objs[7].type.kind, MI_T_SYSPTR);
    assert_string_equal(t.objs[8].name, "BIN");
    mi_template_free(&t);
}

static void test_declaration_errors(void **state) {
    (void)state;
    const char *src = "DCL a BIN(3)\n"
                      "DCL b PKD(32,0)\n"
                      "DCL c PKD(5,6)\n"
                      "DCL d CHAR(0)\n"
                      "DCL e FLT(2)\n"
                      "DCL f CHAR(70000)\n"
                      "DCL g BIN(4) DIM(0)\n"
                      "DCL h BIN(4) BASED(nothere)\n"
                      "DCL a BIN(4)\n"
                      "DCL i BIN(4) INIT(1) STATIC\n"
                      "DCL j WORD(4)\n"
                      "DCL\n"
                      "DCL k BIN(256)\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:1:7: error: BIN size must be 1, 2, 4 or 8");
    has_diag(&dg, "t.mi:2:7: error: decimal precision must be 1 to 31");
    has_diag(&dg, "t.mi:3:7: error: decimal scale must be 0 to the precision");
    has_diag(&dg, "t.mi:4:7: error: CHAR length must be 1 to 65535");
    has_diag(&dg, "t.mi:5:7: error: FLT size must be 4 or 8");
    has_diag(&dg, "t.mi:6:7: error: CHAR length must be 1 to 65535");
    has_diag(&dg, "t.mi:7:18: error: DIM must be at least 1");
    has_diag(&dg, "t.mi:8:20: error: undefined object 'nothere'");
    has_diag(&dg, "t.mi:9:5: error: object 'a' already declared on line 1");
    has_diag(&dg, "t.mi:10:22: error: expected DIM, a storage class, INIT or end of line, found 'STATIC'");
    has_diag(&dg, "t.mi:11:7: error: expected a type");
    has_diag(&dg, "t.mi:12:4: error: expected the name of the object, found end of line");
    has_diag(&dg, "t.mi:13:11: error: type parameter out of range");
    assert_int_equal(dg.n, 13);
    mi_asm_diags_free(&dg);
}

static void test_constant_pool_order(void **state) {
    (void)state;
    /* INIT values in ODT order first, then operands in instruction order, an
     * element's index after its base; equal constants once. */
    const char *src = "DCL a BIN(4) DIM(3)\n"
                      "DCL x BIN(8) INIT(9)\n"
                      "DCL y BIN(8) INIT(3)\n"
                      "DCL z BIN(8) INIT(9)\n"
                      " ADDN a(2), 3, 4\n"
                      " ADDN x, a(1), 9\n"
                      " ADDN y, 4, 2\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.nconsts, 5);
    check_const(&t, 0, MI_T_BIN, 8, 0, 0, "0900000000000000");
    check_const(&t, 1, MI_T_BIN, 8, 0, 0, "0300000000000000");
    check_const(&t, 2, MI_T_BIN, 8, 0, 0, "0200000000000000");
    check_const(&t, 3, MI_T_BIN, 8, 0, 0, "0400000000000000");
    check_const(&t, 4, MI_T_BIN, 8, 0, 0, "0100000000000000");
    assert_int_equal(t.objs[1].init, 0);
    assert_int_equal(t.objs[2].init, 1);
    assert_int_equal(t.objs[3].init, 0);
    assert_int_equal(opnd(&t, 0, 0)->kind, MI_O_ELEM);
    assert_int_equal(opnd(&t, 0, 0)->sub[0].kind, MI_O_CONST);
    assert_int_equal(opnd(&t, 0, 0)->sub[0].ref, 2);
    assert_int_equal(opnd(&t, 0, 1)->ref, 1);
    assert_int_equal(opnd(&t, 0, 2)->ref, 3);
    assert_int_equal(opnd(&t, 1, 1)->sub[0].ref, 4);
    assert_int_equal(opnd(&t, 1, 2)->ref, 0);
    assert_int_equal(opnd(&t, 2, 1)->ref, 3);
    assert_int_equal(opnd(&t, 2, 2)->ref, 2);
    mi_template_free(&t);
}

static void test_labels(void **state) {
    (void)state;
    const char *src = "        B L1\n"
                      "L1:\n"
                      "L2:     NOP\n"
                      "DCL X BIN(4)\n"
                      "L3:     B L2\n"
                      "X:      CPYNV X, 1 ; a label and an object may share a name\n"
                      "L4: ; alone, with a comment\n"
                      "\n"
                      "   L5 :  B L4\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.ninsns, 5);
    assert_int_equal(t.nlabels, 6);
    static const char *names[] = {"L1", "L2", "L3", "X", "L4", "L5"};
    static const uint32_t insn[] = {1, 1, 2, 3, 4, 4};
    for (int i = 0; i < 6; i++) {
        assert_string_equal(t.labels[i].name, names[i]);
        assert_int_equal(t.labels[i].insn, insn[i]);
    }
    assert_int_equal(opnd(&t, 0, 0)->kind, MI_O_LABEL);
    assert_int_equal(opnd(&t, 0, 0)->ref, 1);
    assert_int_equal(opnd(&t, 2, 0)->ref, 1);
    assert_int_equal(opnd(&t, 3, 0)->kind, MI_O_OBJ);
    assert_int_equal(opnd(&t, 4, 0)->ref, 4);
    assert_int_equal(t.insns[4].line, 9);
    mi_template_free(&t);
}

static void test_label_errors(void **state) {
    (void)state;
    const char *src = "L1: NOP\n"
                      "L1: NOP\n"
                      "    B nowhere\n"
                      "DCL v BIN(4)\n"
                      "    B v\n"
                      "    CPYNV L1, 1\n"
                      "    B 5\n"
                      "END:\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:2:1: error: label 'L1' already defined on line 1");
    has_diag(&dg, "t.mi:3:7: error: undefined label 'nowhere'");
    has_diag(&dg, "t.mi:5:7: error: 'v' is an object, but operand 1 of B must be a label");
    has_diag(&dg, "t.mi:6:11: error: 'L1' is a label, but an object is needed here");
    has_diag(&dg, "t.mi:7:7: error: operand 1 of B must be a label");
    has_diag(&dg, "t.mi:8:1: error: label 'END' is not followed by an instruction");
    assert_int_equal(dg.n, 6);
    mi_asm_diags_free(&dg);
}

static void test_modifiers(void **state) {
    (void)state;
    const char *src = "DCL a PKD(5,2)\n"
                      "DCL r BIN(4)\n"
                      "L: cmpn.hi a, 1, L\n"
                      "   CMPN.NL a, 1, L\n"
                      "   ADDN.R a, a, 1\n"
                      "   CPYNV.r a, 1\n"
                      "   CMPNI .EQ r, a, 1\n"
                      "   ADDN a, a, 1\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.insns[0].op, MI_OP_CMPN);
    assert_int_equal(t.insns[0].mods, MI_COND_HI);
    assert_int_equal(t.insns[1].mods, MI_COND_NL);
    assert_int_equal(t.insns[2].mods, MI_MOD_ROUND);
    assert_int_equal(t.insns[3].mods, MI_MOD_ROUND);
    assert_int_equal(t.insns[4].op, MI_OP_CMPNI);
    assert_int_equal(t.insns[4].mods, MI_COND_EQ);
    assert_int_equal(t.insns[5].mods, 0);
    mi_template_free(&t);
}

static void test_modifier_errors(void **state) {
    (void)state;
    const char *src = "DCL a PKD(5,2)\n"
                      "L: CMPN.R a, 1, L\n"
                      "   CMPN a, 1, L\n"
                      "   CMPN.HI.LO a, 1, L\n"
                      "   ADDN.EQ a, a, 1\n"
                      "   ADDN.X a, a, 1\n"
                      "   ADDN.R.R a, a, 1\n"
                      "   REMN.R a, a, 1\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:2:8: error: CMPN does not accept .R");
    has_diag(&dg, "t.mi:3:4: error: CMPN needs a condition");
    has_diag(&dg, "t.mi:4:11: error: more than one condition");
    has_diag(&dg, "t.mi:5:8: error: ADDN does not accept a condition");
    has_diag(&dg, "t.mi:6:8: error: unknown modifier '.X'");
    has_diag(&dg, "t.mi:7:10: error: duplicate .R");
    has_diag(&dg, "t.mi:8:8: error: REMN does not accept .R");
    assert_int_equal(dg.n, 7);
    mi_asm_diags_free(&dg);
}

static void test_operand_errors(void **state) {
    (void)state;
    const char *src = "DCL a PKD(5,2)\n"
                      "DCL i BIN(4)\n"
                      "DCL s CHAR(10)\n"
                      " ADDN a, a\n"
                      " BX i\n"
                      " NOP a\n"
                      " CALLX\n"
                      " FROB a, a\n"
                      " CPYNV zz, 1\n"
                      " CPYNV i(1), 1\n"
                      " CPYBLA s(2), s\n"
                      " CPYNV a 1\n"
                      " CPYNV a, (1)\n"
                      " SVC i, a\n"
                      " CPYBLA s(1:2, s\n"
                      " CPYNV a,\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:4:2: error: ADDN takes 3 operands, not 2");
    has_diag(&dg, "t.mi:5:2: error: BX takes at least 2 operands, not 1");
    has_diag(&dg, "t.mi:6:2: error: NOP takes 0 operands, not 1");
    has_diag(&dg, "t.mi:7:2: error: CALLX takes at least 1 operand, not 0");
    has_diag(&dg, "t.mi:8:2: error: unknown mnemonic 'FROB'");
    has_diag(&dg, "t.mi:9:8: error: undefined object 'zz'");
    has_diag(&dg, "t.mi:10:8: error: 'i' is not an array");
    has_diag(&dg, "t.mi:11:9: error: 's' is not an array (a substring is written name(start:length))");
    has_diag(&dg, "t.mi:12:10: error: expected ',' or end of line, found '1'");
    has_diag(&dg, "t.mi:13:11: error: expected an operand, found '('");
    has_diag(&dg, "t.mi:14:6: error: operand 1 of SVC must be a constant");
    has_diag(&dg, "t.mi:15:14: error: expected ')', found ','");
    has_diag(&dg, "t.mi:16:10: error: expected an operand, found end of line");
    assert_int_equal(dg.n, 13);
    mi_asm_diags_free(&dg);
}

static void test_elem_substr(void **state) {
    (void)state;
    const char *src = "DCL arr BIN(4) DIM(5)\n"
                      "DCL s CHAR(10)\n"
                      "DCL i BIN(4)\n"
                      " CPYNV arr(2), arr(i)\n"
                      " CPYBLA s(1:3), s(i:2)\n"
                      " CPYBLA s(BIN(2):1:BIN(2):3), s\n";
    mi_template t;
    build_ok(src, &t);
    const mi_operand *o = opnd(&t, 0, 0);
    assert_int_equal(o->kind, MI_O_ELEM);
    assert_int_equal(o->ref, 0);
    assert_int_equal(o->sub[0].kind, MI_O_CONST);
    assert_int_equal(o->sub[0].ref, 0);
    o = opnd(&t, 0, 1);
    assert_int_equal(o->kind, MI_O_ELEM);
    assert_int_equal(o->sub[0].kind, MI_O_OBJ);
    assert_int_equal(o->sub[0].ref, 2);
    o = opnd(&t, 1, 0);
    assert_int_equal(o->kind, MI_O_SUBSTR);
    assert_int_equal(o->ref, 1);
    assert_int_equal(o->sub[0].kind, MI_O_CONST);
    assert_int_equal(o->sub[0].ref, 1);
    assert_int_equal(o->sub[1].kind, MI_O_CONST);
    assert_int_equal(o->sub[1].ref, 2);
    o = opnd(&t, 1, 1);
    assert_int_equal(o->sub[0].kind, MI_O_OBJ);
    assert_int_equal(o->sub[0].ref, 2);
    assert_int_equal(o->sub[1].ref, 0);
    check_const(&t, 0, MI_T_BIN, 8, 0, 0, "0200000000000000");
    check_const(&t, 1, MI_T_BIN, 8, 0, 0, "0100000000000000");
    check_const(&t, 2, MI_T_BIN, 8, 0, 0, "0300000000000000");
    check_const(&t, 3, MI_T_BIN, 2, 0, 0, "0100");
    check_const(&t, 4, MI_T_BIN, 2, 0, 0, "0300");
    mi_template_free(&t);
}

static void test_monitors(void **state) {
    (void)state;
    const char *src = "DCL e CHAR(7)\n"
                      "DCL d CHAR(10)\n"
                      "DCL n BIN(4)\n"
                      "        MONITOR MCH1210, a, b, h\n"
                      "        monitor *all, a, a, h\n"
                      "a:      NOP\n"
                      "b:      NOP\n"
                      "        RTX\n"
                      "h:      RTVEXC e, d, n\n"
                      "        SIGEXC 'USR0001', d\n"
                      "        MONITOR CPF0000, h, h, a\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.nmons, 3);
    assert_memory_equal(t.mons[0].id, "MCH1210\0", 8);
    assert_int_equal(t.mons[0].from, 0);
    assert_int_equal(t.mons[0].to, 1);
    assert_int_equal(t.mons[0].handler, 3);
    assert_memory_equal(t.mons[1].id, "*ALL\0\0\0\0", 8);
    assert_int_equal(t.mons[1].to, 0);
    assert_memory_equal(t.mons[2].id, "CPF0000\0", 8);
    assert_int_equal(t.mons[2].from, 3);
    assert_int_equal(t.mons[2].handler, 0);
    check_const(&t, 0, MI_T_CHAR, 0, 0, 7, "55535230303031");
    mi_template_free(&t);
}

static void test_monitor_errors(void **state) {
    (void)state;
    const char *src = "DCL d CHAR(10)\n"
                      "DCL e CHAR(7)\n"
                      "a: NOP\n"
                      " MONITOR MCH12, a, a, a\n"
                      " MONITOR MCH1210, a, a\n"
                      " MONITOR MCH1210, a, a, zz\n"
                      " MONITOR *NONE, a, a, a\n"
                      " SIGEXC e, d\n"
                      " MONITOR MCH1G10, a, a, a\n"
                      " MONITOR mch1210, a, a, a\n"
                      "b: NOP\n"
                      " MONITOR MCH1210, b, a, a\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:4:10: error: expected an exception id");
    has_diag(&dg, "t.mi:5:23: error: expected ',', found end of line");
    has_diag(&dg, "t.mi:6:25: error: undefined label 'zz'");
    has_diag(&dg, "t.mi:7:10: error: expected an exception id");
    has_diag(&dg, "t.mi:8:9: error: operand 1 of SIGEXC must be a constant");
    has_diag(&dg, "t.mi:9:10: error: expected an exception id");
    has_diag(&dg, "t.mi:10:10: error: expected an exception id");
    has_diag(&dg, "t.mi:12:2: error: monitor range is empty: 'b' comes after 'a'");
    assert_int_equal(dg.n, 8);
    mi_asm_diags_free(&dg);
}

static void test_line_directive(void **state) {
    (void)state;
    const char *src = "NOP\n"
                      ".line 100\n"
                      "NOP\n"
                      "; comment\n"
                      "NOP\n"
                      ".LINE 1\n"
                      "L: NOP\n"
                      ".line 4294967295\n"
                      "NOP\n"
                      "NOP\n";
    mi_template t;
    build_ok(src, &t);
    assert_int_equal(t.ninsns, 6);
    assert_int_equal(t.insns[0].line, 1);
    assert_int_equal(t.insns[1].line, 100);
    assert_int_equal(t.insns[2].line, 102);
    assert_int_equal(t.insns[3].line, 1);
    assert_int_equal(t.insns[4].line, 4294967295u);
    assert_int_equal(t.insns[5].line, 0); /* counting wraps */
    mi_template_free(&t);
}

static void test_source_directives(void **state) {
    (void)state;
    mi_template t;
    build_ok(".source 'orig.mi'\n.srcdata X'4142'\n NOP\n.srcdata x'43'\n", &t);
    assert_true(t.has_source);
    assert_string_equal(t.source_file, "orig.mi");
    assert_int_equal(t.source_len, 3);
    assert_memory_equal(t.source_text, "ABC", 3);
    mi_template_free(&t);

    build_ok(".source \"it\"\"s.mi\"\n NOP\n", &t);
    assert_string_equal(t.source_file, "it\"s.mi");
    assert_int_equal(t.source_len, 0);
    mi_template_free(&t);

    build_ok(".source X'6162'\n", &t);
    assert_string_equal(t.source_file, "ab");
    assert_int_equal(t.ninsns, 0);
    mi_template_free(&t);

    build_ok(" NOP\n.nosource\n", &t);
    assert_false(t.has_source);
    mi_template_free(&t);

    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.embed_source = 0;
    assert_int_equal(mi_asm_build(" NOP\n", 5, &o, &t, NULL), MI_OK);
    assert_false(t.has_source);
    mi_template_free(&t);
    /* an explicit .source is kept without automatic embedding */
    assert_int_equal(mi_asm_build(".source 'x'\n", 12, &o, &t, NULL), MI_OK);
    assert_true(t.has_source);
    assert_string_equal(t.source_file, "x");
    mi_template_free(&t);
}

static void test_sections(void **state) {
    (void)state;
    mi_template t;
    build_ok(".section 9, 0, X'0102'\n.section 8, 0, X''\n.section 4000000000, 0, X'FF'\n.section 0, 0, X''\n NOP\n", &t);
    assert_int_equal(t.nextra, 4);
    assert_int_equal(t.extra[0].id, 0);
    assert_int_equal(t.extra[1].id, 8);
    assert_int_equal(t.extra[1].flags, 0);
    assert_int_equal(t.extra[1].nbytes, 0);
    assert_int_equal(t.extra[2].id, 9);
    assert_int_equal(t.extra[2].nbytes, 2);
    assert_memory_equal(t.extra[2].bytes, "\x01\x02", 2);
    assert_int_equal(t.extra[3].id, 4000000000u);
    mi_template_free(&t);
}

static void test_directive_errors(void **state) {
    (void)state;
    const char *src = ".srcdata X'41'\n"
                      ".source 'a'\n"
                      ".source 'b'\n"
                      ".nosource\n"
                      ".section 3, 0, X''\n"
                      ".section 9, 1, X''\n"
                      ".section 9, 0, X''\n"
                      ".section 9, 0, X''\n"
                      ".bogus\n"
                      ".line -1\n"
                      ".line 4294967296\n"
                      ".srcdata 'AB'\n"
                      ".source X'6100'\n"
                      ".nosource extra\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:1:1: error: .srcdata without a preceding .source");
    has_diag(&dg, "t.mi:3:1: error: second .source (first on line 2)");
    has_diag(&dg, "t.mi:4:1: error: .nosource conflicts with .source on line 2");
    has_diag(&dg, "t.mi:5:1: error: section 3 is a standard section");
    has_diag(&dg, "t.mi:6:1: error: the flags of a section other than 1-7 must be 0");
    has_diag(&dg, "t.mi:8:1: error: section 9 already given on line 7");
    has_diag(&dg, "t.mi:9:1: error: unknown directive '.bogus'");
    has_diag(&dg, "t.mi:10:7: error: a line number out of range");
    has_diag(&dg, "t.mi:11:7: error: a line number out of range");
    has_diag(&dg, "t.mi:12:10: error: expected X'...', found ''AB''");
    has_diag(&dg, "t.mi:13:1: error: second .source (first on line 2)");
    has_diag(&dg, "t.mi:14:11: error: expected end of line, found 'extra'");
    assert_int_equal(dg.n, 12);
    mi_asm_diags_free(&dg);
    src = " NOP\n.nosource\n.nosource\n";
    dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:3:1: error: second .nosource (first on line 2)");
    assert_int_equal(dg.n, 1);
    mi_asm_diags_free(&dg);
}

static void test_several_errors(void **state) {
    (void)state;
    const char *src = "DCL a BIN(4)\n"
                      "  ADDN a, b, 1     ; b undefined\n"
                      "\tCPYNV a, 'x\n"
                      "lbl: lbl2: NOP\n"
                      "  CPYNV a, 1 ?\n"
                      "  CPYNV a, \x01\n"
                      "  CPYNV a, 1\r\n"; /* CR before LF is blank */
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_SYNTAX);
    has_diag(&dg, "t.mi:2:11: error: undefined object 'b'");
    has_diag(&dg, "t.mi:3:11: error: unterminated string");
    has_diag(&dg, "t.mi:4:6: error: unknown mnemonic 'lbl2'");
    has_diag(&dg, "t.mi:5:14: error: unexpected character '?'");
    has_diag(&dg, "t.mi:6:12: error: unexpected byte 0x01");
    assert_int_equal(dg.n, 5);
    mi_asm_diags_free(&dg);
}

static void test_verifier_findings(void **state) {
    (void)state;
    const char *src = "DCL c CHAR(4)\n"
                      "DCL b BIN(4)\n"
                      "   DCL p SPCPTR DIM(3)\n"
                      "        ADDN c, b, 1\n"
                      "        CPYNV 1, b\n";
    mi_asm_diags dg = build_fail(src, strlen(src), MI_E_VERIFY);
    has_diag(&dg, "t.mi:3:8: error: ");
    has_diag(&dg, "t.mi:4:9: error: ");
    has_diag(&dg, "t.mi:5:9: error: ");
    mi_asm_diags_free(&dg);
}

static void test_error_cap(void **state) {
    (void)state;
    char *src = malloc(200 * 6 + 1);
    for (int i = 0; i < 200; i++) memcpy(src + 6 * i, " FOO\n\n", 6);
    src[1200] = '\0';
    mi_asm_diags dg = build_fail(src, 1200, MI_E_SYNTAX);
    assert_int_equal(dg.n, MI_ASM_MAX_DIAGS + 1);
    assert_string_equal(dg.msgs[0], "t.mi:1:2: error: unknown mnemonic 'FOO'");
    assert_string_equal(dg.msgs[49], "t.mi:99:2: error: unknown mnemonic 'FOO'");
    assert_string_equal(dg.msgs[50], "t.mi: error: too many errors, stopping");
    mi_asm_diags_free(&dg);
    free(src);
}

/* Never crash or hang; errors are reported at sane positions. */
static void test_garbage(void **state) {
    (void)state;
    static const char *const inputs[] = {
        "\0\0\0", "X'", "x'0", "'", "\"", "(((((((((((((((((((((((((", "))))", ":", "a:b:c:", ",,,,", ".", "..",
        "+", "-", "+.", "1e", "1e+", "*", "*ALL", "DCL", "DCL x", "DCL x BIN(", "DCL x BIN(4", "DCL x PKD(5,",
        "DCL x BIN(4) INIT(", "DCL x BIN(4) INIT(1", "DCL x BIN(4) BASED(", "DCL x BIN(4) DEFINED(y,",
        "MONITOR", "MONITOR *ALL,", "ADDN a(", "ADDN a(1:", "ADDN a(1:2", "ADDN BIN(4):", "ADDN BIN(4)(",
        ".line", ".source", ".section 9,", "L:L:L:", "ADDN.", "ADDN.R.", "\xff\xfe\xfd", "DCL x CHAR(1) INIT(''')",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        size_t n = i == 0 ? 3 : strlen(inputs[i]);
        mi_asm_diags dg;
        mi_asm_diags_init(&dg);
        mi_template t;
        mi_status st = mi_asm_build(inputs[i], n, NULL, &t, &dg);
        assert_true(st == MI_E_SYNTAX || st == MI_E_VERIFY || st == MI_OK);
        if (st != MI_OK) assert_true(dg.n > 0 && dg.n <= MI_ASM_MAX_DIAGS + 1);
        for (unsigned k = 0; k < dg.n; k++) assert_true(strncmp(dg.msgs[k], "<input>:", 8) == 0);
        mi_template_free(&t);
        mi_asm_diags_free(&dg);
    }
    /* a very long line, a huge number, a long string */
    size_t big = 1u << 20;
    char *s = malloc(big + 16);
    memset(s, 'A', big);
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_template t;
    assert_int_equal(mi_asm_build(s, big, NULL, &t, &dg), MI_E_SYNTAX);
    assert_string_equal(dg.msgs[0], "<input>:1:1: error: name longer than 64 characters");
    mi_asm_diags_free(&dg);
    memcpy(s, "NOP ", 4);
    memset(s + 4, '9', big - 4);
    assert_int_equal(mi_asm_build(s, big, NULL, &t, &dg), MI_E_SYNTAX);
    mi_asm_diags_free(&dg);
    memcpy(s, "CALLX s, '", 10);
    memset(s + 10, 'x', big - 10);
    assert_int_equal(mi_asm_build(s, big, NULL, &t, &dg), MI_E_SYNTAX);
    mi_asm_diags_free(&dg);
    s[big - 1] = '\'';
    assert_int_equal(mi_asm_build(s, big, NULL, &t, &dg), MI_E_SYNTAX);
    mi_asm_diags_free(&dg);
    memcpy(s, "DCL f FLT(8) INIT(1.", 20);
    memset(s + 20, '0', big - 20);
    memcpy(s + big - 4, "E0)\n", 4);
    assert_int_equal(mi_asm_build(s, big, NULL, &t, &dg), MI_OK);
    mi_template_free(&t);
    /* pseudo-random bytes, fixed seed */
    uint32_t x = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = (size_t)(round * 37 % 3000);
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            static const char alphabet[] = "DCL BIN(4) ADDN a,b:.R'X\n;()9-+.E*ALL\t\"\x00\xff";
            s[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
        }
        mi_status st = mi_asm_build(s, n, NULL, &t, &dg);
        assert_true(st == MI_E_SYNTAX || st == MI_E_VERIFY || st == MI_OK);
        mi_template_free(&t);
        mi_asm_diags_free(&dg);
    }
    free(s);
}

static void test_null_diags_and_empty(void **state) {
    (void)state;
    mi_template t;
    assert_int_equal(mi_asm_build("", 0, NULL, &t, NULL), MI_OK);
    assert_int_equal(t.ninsns, 0);
    assert_true(t.has_source);
    assert_int_equal(t.source_len, 0);
    mi_template_free(&t);
    assert_int_equal(mi_asm_build(" FOO\n", 5, NULL, &t, NULL), MI_E_SYNTAX);
    uint8_t *b = (uint8_t *)"x";
    size_t bn = 7;
    assert_int_equal(mi_asm_assemble(" FOO\n", 5, NULL, &b, &bn, NULL), MI_E_SYNTAX);
    assert_null(b);
    assert_int_equal(bn, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_assemble_bytes),
        cmocka_unit_test(test_literal_types_ok),
        cmocka_unit_test(test_literal_errors),
        cmocka_unit_test(test_typed_literals),
        cmocka_unit_test(test_typed_float_literals),
        cmocka_unit_test(test_typed_literal_errors),
        cmocka_unit_test(test_init_conversion),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_declarations),
        cmocka_unit_test(test_declaration_errors),
        cmocka_unit_test(test_constant_pool_order),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_label_errors),
        cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_modifier_errors),
        cmocka_unit_test(test_operand_errors),
        cmocka_unit_test(test_elem_substr),
        cmocka_unit_test(test_monitors),
        cmocka_unit_test(test_monitor_errors),
        cmocka_unit_test(test_line_directive),
        cmocka_unit_test(test_source_directives),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_directive_errors),
        cmocka_unit_test(test_several_errors),
        cmocka_unit_test(test_verifier_findings),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_null_diags_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
