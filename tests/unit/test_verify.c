/* Verifier: one case per rule of mi-spec §1–§3, §8–§10, §13 as implemented in
 * runtime/verify.c. Every failing case builds an otherwise valid template and asserts
 * that the verifier reports exactly one finding (vfail) containing a key phrase, so a
 * case cannot pass because of some other, accidental violation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tmpl_fixture.h"

#define MAXF 16
typedef struct finds {
    unsigned n;
    char msg[MAXF][512];
    uint32_t insn[MAXF], obj[MAXF];
} finds;

static void collect(void *ctx, uint32_t insn, uint32_t obj, const char *msg) {
    finds *f = ctx;
    assert_true(f->n < MAXF);
    snprintf(f->msg[f->n], sizeof f->msg[0], "%s", msg);
    f->insn[f->n] = insn;
    f->obj[f->n] = obj;
    f->n++;
}

static void run(const mi_template *t, finds *f) {
    memset(f, 0, sizeof *f);
    mi_status st = mi_template_verify_each(t, collect, f, MAXF);
    assert_int_equal(st, f->n == 0 ? MI_OK : MI_E_VERIFY);
}

static void dump(const finds *f) {
    for (unsigned i = 0; i < f->n; i++) fprintf(stderr, "  finding: %s\n", f->msg[i]);
}

/* Exactly one finding, containing phrase; mi_template_verify reports the same text. */
static void vfail_at(mi_template *t, const char *phrase, int line) {
    finds f;
    run(t, &f);
    if (f.n != 1 || strstr(f.msg[0], phrase) == NULL) {
        fprintf(stderr, "line %d: want exactly one finding with: %s\n", line, phrase);
        dump(&f);
    }
    assert_int_equal(f.n, 1);
    assert_non_null(strstr(f.msg[0], phrase));
    mi_diag d = {{0}};
    assert_int_equal(mi_template_verify(t, &d), MI_E_VERIFY);
    assert_string_equal(d.msg, f.msg[0]);
    mi_template_free(t);
}
#define vfail(t, phrase) vfail_at((t), (phrase), __LINE__)

/* At least one finding containing phrase (for rules that imply a second one). */
static void vfind_at(mi_template *t, const char *phrase, int line) {
    finds f;
    run(t, &f);
    int hit = 0;
    for (unsigned i = 0; i < f.n; i++) hit |= strstr(f.msg[i], phrase) != NULL;
    if (!hit) {
        fprintf(stderr, "line %d: want a finding with: %s\n", line, phrase);
        dump(&f);
    }
    assert_true(hit);
    mi_template_free(t);
}
#define vfind(t, phrase) vfind_at((t), (phrase), __LINE__)

static void vok_at(mi_template *t, int line) {
    finds f;
    run(t, &f);
    if (f.n != 0) {
        fprintf(stderr, "line %d: want no finding\n", line);
        dump(&f);
    }
    assert_int_equal(f.n, 0);
    mi_diag d = {{0}};
    assert_int_equal(mi_template_verify(t, &d), MI_OK);
    mi_template_free(t);
}
#define vok(t) vok_at((t), __LINE__)

/* Objects every case may use. Pointers that are sources need a setter or are PARM. */
enum { B4, U2, PK, FL, CH, ARR, CARR, SP, SY, PSP, PSY, ZN, NMINI };

static void mini(mi_template *t) {
    mi_template_init(t);
    fx_static(t, "b4", TY_BIN(4));
    fx_static(t, "u2", TY_UBIN(2));
    fx_static(t, "pk", TY_PKD(5, 2));
    fx_static(t, "fl", TY_FLT(8));
    fx_static(t, "ch", TY_CHAR(10));
    fx_obj(t, "arr", TY_BIN(4), 5, MI_C_STATIC, MI_NONE, 0, MI_NONE);
    fx_obj(t, "carr", TY_CHAR(3), 4, MI_C_AUTO, MI_NONE, 0, MI_NONE);
    fx_static(t, "sp", TY_SPCPTR);
    fx_static(t, "sy", TY_SYSPTR);
    fx_obj(t, "psp", TY_SPCPTR, 0, MI_C_PARM, MI_NONE, 0, MI_NONE);
    fx_obj(t, "psy", TY_SYSPTR, 0, MI_C_PARM, MI_NONE, 0, MI_NONE);
    fx_static(t, "zn", TY_ZND(4, 1));
}

static void test_samples_verify(void **state) {
    (void)state;
    mi_template t;
    fx_sample(&t);
    vok(&t);
    fx_sample2(&t);
    vok(&t);
    mini(&t);
    vok(&t);
    mi_template_init(&t);
    vok(&t);
}

/* ---- types ---------------------------------------------------------------------- */

static void bad_type(mi_type ty, const char *phrase) {
    mi_template t;
    mini(&t);
    fx_static(&t, "x", ty);
    vfail(&t, phrase);
}

static void test_types(void **state) {
    (void)state;
    bad_type((mi_type){0, 4, 0, 0}, "object 12 'x': type kind 0 not valid (must be 1 to 8)");
    bad_type((mi_type){9, 0, 0, 0}, "type kind 9 not valid");
    bad_type(TY_BIN(3), "object 12 'x': BIN size 3 not valid (must be 1, 2, 4 or 8)");
    bad_type(TY_UBIN(16), "UBIN size 16 not valid");
    bad_type(TY_UBIN(0), "UBIN size 0 not valid");
    bad_type(TY_FLT(2), "FLT size 2 not valid (must be 4 or 8)");
    bad_type(TY_PKD(0, 0), "precision 0 not valid (must be 1 to 31)");
    bad_type(TY_ZND(32, 0), "precision 32 not valid");
    bad_type(TY_PKD(5, 6), "scale 6 exceeds precision 5");
    bad_type(TY_CHAR(0), "CHAR length 0 not valid (must be 1 to 65535)");
    bad_type(TY_CHAR(65536), "CHAR length 65536 not valid");
    bad_type((mi_type){MI_T_BIN, 4, 0, 3}, "unused scale/length fields are 0/3, must be 0");
    bad_type((mi_type){MI_T_FLT, 8, 1, 0}, "unused scale/length fields are 1/0");
    bad_type((mi_type){MI_T_CHAR, 1, 0, 5}, "unused size/scale fields are 1/0, must be 0");
    bad_type((mi_type){MI_T_SPCPTR, 0, 0, 1}, "unused size/scale/length fields are 0/0/1");
    bad_type((mi_type){MI_T_SYSPTR, 8, 0, 0}, "unused size/scale/length fields are 8/0/0");
    bad_type((mi_type){MI_T_PKD, 5, 2, 3}, "unused length field is 3");
    /* the edges that are valid */
    mi_template t;
    mini(&t);
    fx_static(&t, "a", TY_PKD(31, 31));
    fx_static(&t, "b", TY_ZND(1, 0));
    fx_static(&t, "c", TY_CHAR(65535));
    fx_static(&t, "d", TY_UBIN(1));
    fx_static(&t, "e", TY_FLT(4));
    vok(&t);
}

/* ---- objects --------------------------------------------------------------------- */

static void test_object_limits(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_obj(&t, "x", TY_BIN(1), MI_MAX_DIM + 1, MI_C_STATIC, MI_NONE, 0, MI_NONE);
    vfail(&t, "object 12 'x': DIM(16777217) exceeds the limit of 16777216");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(65535), 5000, MI_C_STATIC, MI_NONE, 0, MI_NONE); /* 327675000 bytes */
    vfail(&t, "total size 327675000 bytes exceeds the limit of 268435456");
    mini(&t);
    fx_static(&t, "x", TY_CHAR(16));
    t.objs[12].dim = MI_MAX_DIM; /* exactly 2^28 bytes */
    vok(&t);
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, 0, MI_NONE, 0, MI_NONE);
    vfail(&t, "object 12 'x': storage class 0 not valid");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, 6, MI_NONE, 0, MI_NONE);
    vfail(&t, "storage class 6 not valid");
}

static void test_object_pointers(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_obj(&t, "x", TY_SPCPTR, 3, MI_C_AUTO, MI_NONE, 0, MI_NONE);
    vfail(&t, "object 12 'x': arrays of pointers are not allowed");
    mini(&t);
    fx_obj(&t, "x", TY_SYSPTR, 0, MI_C_BASED, SP, 0, MI_NONE);
    vfail(&t, "a pointer must be STATIC, AUTO or PARM, not BASED");
    mini(&t);
    fx_obj(&t, "x", TY_SPCPTR, 0, MI_C_DEFINED, CH, 0, MI_NONE);
    vfail(&t, "a pointer must be STATIC, AUTO or PARM, not DEFINED");
    mini(&t);
    uint32_t c = fx_str(&t, "x");
    fx_obj(&t, "x", TY_SPCPTR, 0, MI_C_STATIC, MI_NONE, 0, c);
    vfind(&t, "object 12 'x': a pointer cannot have INIT");
}

static void test_object_classes(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_PARM, MI_NONE, 0, fx_int(&t, 4, 1));
    vfail(&t, "object 12 'x': a PARM object cannot have INIT");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, SP, 0, fx_int(&t, 4, 1));
    vfail(&t, "object 12 'x': a BASED object cannot have INIT");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, 99, 0, MI_NONE);
    vfail(&t, "object 12 'x': BASED on object 99, which does not exist");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, B4, 0, MI_NONE);
    vfail(&t, "BASED on 'b4', which is BIN(4), not a SPCPTR");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, SY, 0, MI_NONE);
    vfail(&t, "BASED on 'sy', which is SYSPTR, not a SPCPTR");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, PSP, 0, MI_NONE);
    vfail(&t, "BASED on 'psp', which is PARM; the pointer must be STATIC or AUTO");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_BASED, SP, 4, MI_NONE);
    vfail(&t, "offset 4 must be 0 for a BASED object");
    mini(&t); /* BASED on an AUTO pointer, declared later: fine */
    fx_obj(&t, "x", TY_CHAR(4), 3, MI_C_BASED, 13, 0, MI_NONE);
    fx_obj(&t, "ap", TY_SPCPTR, 0, MI_C_AUTO, MI_NONE, 0, MI_NONE);
    vok(&t);

    mini(&t);
    fx_obj(&t, "x", TY_CHAR(2), 0, MI_C_DEFINED, 13, 0, MI_NONE);
    fx_static(&t, "later", TY_CHAR(8));
    vfail(&t, "object 12 'x': DEFINED on object 13, which is not declared before it");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(2), 0, MI_C_DEFINED, 12, 0, MI_NONE);
    vfail(&t, "DEFINED on object 12, which is not declared before it");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(2), 0, MI_C_DEFINED, SP, 0, MI_NONE);
    vfail(&t, "object 12 'x': DEFINED on pointer 'sp'");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(8), 0, MI_C_DEFINED, CH, 3, MI_NONE);
    vfail(&t, "DEFINED at offset 3 with 8 bytes exceeds the 10 bytes of 'ch'");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(2), 0, MI_C_DEFINED, CH, 0xFFFFFFFFu, MI_NONE);
    vfail(&t, "DEFINED at offset 4294967295 with 2 bytes exceeds the 10 bytes of 'ch'");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 2, MI_C_DEFINED, ARR, 12, MI_NONE); /* 12 + 8 = 20 = 5 * 4 */
    fx_obj(&t, "y", TY_CHAR(8), 0, MI_C_DEFINED, CH, 2, MI_NONE);
    fx_obj(&t, "z", TY_CHAR(1), 0, MI_C_DEFINED, 13, 7, fx_str(&t, "*"));
    vok(&t);
    /* an overlay of PARM or BASED storage has nothing to initialise */
    mini(&t);
    fx_obj(&t, "parm", TY_CHAR(4), 0, MI_C_PARM, MI_NONE, 0, MI_NONE);
    fx_obj(&t, "d1", TY_CHAR(2), 0, MI_C_DEFINED, 12, 0, MI_NONE);
    fx_obj(&t, "d2", TY_CHAR(1), 0, MI_C_DEFINED, 13, 1, fx_str(&t, "*"));
    vfail(&t, "object 14 'd2': INIT not allowed: DEFINED on PARM storage of 'parm'");
    mini(&t);
    fx_obj(&t, "bb", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    fx_obj(&t, "d1", TY_CHAR(2), 0, MI_C_DEFINED, 12, 0, fx_str(&t, "ab"));
    vfail(&t, "INIT not allowed: DEFINED on BASED storage of 'bb'");
    mini(&t);
    fx_obj(&t, "bb", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    fx_obj(&t, "d1", TY_CHAR(2), 0, MI_C_DEFINED, 12, 0, MI_NONE);
    vok(&t);
}

static void test_object_fields(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_STATIC, MI_NONE, 0, 5);
    vfail(&t, "object 12 'x': INIT constant 5 does not exist (0 constants)");
    mini(&t);
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_STATIC, MI_NONE, 0, fx_int(&t, 8, 1));
    vfail(&t, "INIT constant 0 has type BIN(8) but the object's type is BIN(4)");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(4), 2, MI_C_AUTO, MI_NONE, 0, fx_str(&t, "abc"));
    vfail(&t, "INIT constant 0 has type CHAR(3) but the object's type is CHAR(4)");
    mini(&t);
    fx_obj(&t, "x", TY_CHAR(3), 2, MI_C_AUTO, MI_NONE, 0, fx_str(&t, "abc")); /* arrays: element type */
    vok(&t);
    mini(&t);
    t.objs[B4].flags = 0x02;
    vfail(&t, "object 0 'b4': flags 0x02 not valid (only 0x01, INIT, is defined)");
    mini(&t);
    t.objs[B4].flags = MI_OBJ_HAS_INIT;
    vfail(&t, "object 0 'b4': INIT flag set but no initial value");
    mini(&t);
    t.objs[B4].init = fx_int(&t, 4, 0);
    vfail(&t, "object 0 'b4': initial value 0 given without the INIT flag");
    mini(&t);
    t.objs[B4].base = 3;
    vfail(&t, "object 0 'b4': base 3 given for class STATIC (must be 0xFFFFFFFF)");
    mini(&t);
    t.objs[CARR].offset = 2;
    vfail(&t, "object 6 'carr': offset 2 given for class AUTO (must be 0)");
    mini(&t);
    t.objs[PSP].base = 0;
    vfail(&t, "object 9 'psp': base 0 given for class PARM");
}

/* ---- constants -------------------------------------------------------------------- */

/* A constant used as the source of CPYNV into an object of the same family. */
static void bad_const(uint32_t recv, mi_type ty, const void *bytes, uint32_t n, const char *phrase) {
    mi_template t;
    mini(&t);
    uint32_t c = fx_const(&t, ty, bytes, n);
    mi_op op = ty.kind == MI_T_CHAR ? MI_OP_CPYBLA : MI_OP_CPYNV;
    FX_INSN(&t, op, 0, fx_o(recv), fx_c(c));
    if (phrase != NULL)
        vfail(&t, phrase);
    else
        vok(&t);
}

static void test_constants(void **state) {
    (void)state;
    bad_const(PK, TY_PKD(5, 2), "\x01\x2A\x0C", 3, "constant 0 (PKD(5,2)): digit nibble 4 is 0xA");
    bad_const(PK, TY_PKD(4, 0), "\x10\x00\x7C", 3, "constant 0 (PKD(4,0)): pad nibble is 0x1, must be 0");
    bad_const(PK, TY_PKD(4, 0), "\x00\x00\x7F", 3, "sign nibble 0xF not canonical (must be C or D)");
    bad_const(PK, TY_PKD(4, 0), "\x00\x00\x7A", 3, "sign nibble 0xA not canonical");
    bad_const(PK, TY_PKD(4, 0), "\x00\x00\x0D", 3, "negative zero (sign D) not canonical");
    bad_const(PK, TY_PKD(1, 0), "\x0D", 1, "negative zero (sign D) not canonical");
    bad_const(PK, TY_PKD(5, 2), "\x01\x25\x0D", 3, NULL); /* -12.50 */
    bad_const(PK, TY_PKD(4, 0), "\x00\x00\x7C", 3, NULL); /* +7 */
    bad_const(PK, TY_PKD(4, 0), "\x00\x00\x0C", 3, NULL); /* 0 */
    bad_const(ZN, TY_ZND(3, 0), "\x31\x41\x32", 3, "constant 0 (ZND(3,0)): byte 2 (0x41) is not a zoned digit");
    bad_const(ZN, TY_ZND(3, 0), "\x30\x3A\x32", 3, "byte 2 (0x3A) is not a zoned digit");
    bad_const(ZN, TY_ZND(3, 0), "\x30\x31\x52", 3, "sign zone 0x5 not valid (must be 3 or 7)");
    bad_const(ZN, TY_ZND(3, 0), "\x30\x31\x3B", 3, "byte 3 (0x3B) is not a zoned digit");
    bad_const(ZN, TY_ZND(3, 0), "\x30\x30\x70", 3, "negative zero (zone 7) not canonical");
    bad_const(ZN, TY_ZND(3, 0), "\x30\x31\x72", 3, NULL); /* -12 */
    bad_const(ZN, TY_ZND(1, 0), "\x39", 1, NULL);
    /* every FLT byte pattern is a valid constant, infinities and NaNs included (§1, §13) */
    bad_const(FL, TY_FLT(8), "\x00\x00\x00\x00\x00\x00\xF0\x7F", 8, NULL); /* +inf */
    bad_const(FL, TY_FLT(8), "\x01\x00\x00\x00\x00\xF8\xFF\xFF", 8, NULL); /* NaN with payload */
    bad_const(FL, TY_FLT(4), "\x00\x00\x80\xFF", 4, NULL);                 /* -inf */
    bad_const(FL, TY_FLT(4), "\x01\x00\xC0\xFF", 4, NULL);
    bad_const(FL, TY_FLT(8), "\x00\x00\x00\x00\x00\x00\x00\x80", 8, NULL); /* -0.0 */
    bad_const(FL, TY_FLT(4), "\xFF\xFF\x7F\x7F", 4, NULL);                 /* FLT_MAX */
    bad_const(B4, TY_BIN(4), "\x01\x00", 2, "constant 0 (BIN(4)): has 2 bytes but its type needs 4");
    bad_const(CH, TY_CHAR(3), "abcd", 4, "constant 0 (CHAR(3)): has 4 bytes but its type needs 3");
    bad_const(CH, TY_CHAR(0), "", 0, "constant 0: CHAR length 0 not valid");
    bad_const(B4, TY_BIN(3), "abc", 3, "constant 0: BIN size 3 not valid");

    mi_template t;
    mini(&t);
    uint32_t c = fx_const(&t, TY_SPCPTR, NULL, 0);
    FX_INSN(&t, MI_OP_CPYP, 0, fx_o(SP), fx_c(c));
    vfind(&t, "constant 0 (SPCPTR): pointer constants are not allowed");
}

static void test_pool(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_int(&t, 8, 5);
    vfail(&t, "constant 0 is never referenced");
    mini(&t);
    uint32_t a = fx_int(&t, 8, 5), b = fx_int(&t, 8, 5);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_c(a), fx_c(b));
    vfail(&t, "constant 1 is equal to constant 0 (same type and bytes)");
    mini(&t); /* same bytes, different types: two constants */
    a = fx_int(&t, 8, 5);
    b = fx_const(&t, TY_UBIN(8), "\x05\0\0\0\0\0\0\0", 8);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_c(a), fx_c(b));
    vok(&t);
    mini(&t);
    a = fx_int(&t, 8, 5);
    b = fx_int(&t, 8, 6);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_c(b), fx_c(a));
    vfail(&t, "constant pool not in canonical order: instruction 1 (ADDN) operand 2 is the first reference to "
              "constant 1, so it must be constant 0");
    /* INIT values come before all operands */
    mini(&t);
    a = fx_int(&t, 8, 5);
    b = fx_int(&t, 4, 6);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_c(a), fx_c(a));
    fx_obj(&t, "x", TY_BIN(4), 0, MI_C_STATIC, MI_NONE, 0, b);
    vfail(&t, "the INIT of object 12 'x' is the first reference to constant 1, so it must be constant 0");
    /* element index and substring start/length count, after the base */
    mini(&t);
    a = fx_int(&t, 4, 2);
    b = fx_int(&t, 4, 3);
    uint32_t c = fx_int(&t, 4, 1);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_CONST, a), fx_c(b));
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_substr(CH, MI_O_CONST, c, MI_O_CONST, a), fx_o(CH));
    vok(&t);
    mini(&t);
    a = fx_int(&t, 4, 2);
    b = fx_int(&t, 4, 3);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_substr(CH, MI_O_CONST, b, MI_O_CONST, a), fx_o(CH));
    vfail(&t, "instruction 1 (CPYBLA) operand 1 is the first reference to constant 1");
}

/* ---- instructions: counts and modifiers ---------------------------------------------- */

static void test_counts_and_mods(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): takes exactly 3 operands, got 2");
    mini(&t);
    FX_INSN(&t, MI_OP_BX, 0, fx_o(B4));
    vfail(&t, "instruction 1 (BX): takes at least 2 operands, got 1");
    mini(&t);
    FX_INSN(&t, MI_OP_RTX, 0, fx_o(B4));
    vfail(&t, "instruction 1 (RTX): takes exactly 0 operands, got 1");
    mini(&t);
    fx_insn(&t, MI_OP_CALLX, 0, NULL, 0);
    vfail(&t, "instruction 1 (CALLX): takes at least 1 operand, got 0");
    mini(&t);
    fx_insn(&t, MI_OP_SVC, 0, NULL, 0);
    vfail(&t, "instruction 1 (SVC): takes at least 1 operand, got 0");
    mini(&t);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSY));
    FX_INSN(&t, MI_OP_BX, 0, fx_o(U2), fx_l(0), fx_l(1), fx_l(0));
    fx_label(&t, "l0", 0);
    fx_label(&t, "l1", 1);
    vok(&t);

    /* Regression (CI fuzz_asm, UBSan "applying zero offset to null pointer"): a program
     * whose instructions take no operands has no operand table at all. */
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    assert_null(t.opnds);
    vok(&t);

    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, MI_MOD_ROUND, fx_o(CH), fx_o(CH));
    vfail(&t, "instruction 1 (CPYBLA): modifier bits 0x08 not allowed (no .R form)");
    mini(&t);
    FX_INSN(&t, MI_OP_REMN, MI_MOD_ROUND, fx_o(B4), fx_o(B4), fx_o(B4));
    vfail(&t, "instruction 1 (REMN): modifier bits 0x08 not allowed (no .R form)");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, MI_COND_EQ, fx_o(B4), fx_o(B4), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): modifier bits 0x03 not allowed (takes no condition)");
    mini(&t);
    FX_INSN(&t, MI_OP_CMPN, 0, fx_o(B4), fx_o(B4), fx_l(0));
    fx_label(&t, "l0", 0);
    vfail(&t, "instruction 1 (CMPN): requires one condition (.HI .LO .EQ .NE .NH .NL); got 0");
    mini(&t);
    FX_INSN(&t, MI_OP_CMPN, 7, fx_o(B4), fx_o(B4), fx_l(0));
    fx_label(&t, "l0", 0);
    vfail(&t, "requires one condition (.HI .LO .EQ .NE .NH .NL); got 7");
    mini(&t);
    FX_INSN(&t, MI_OP_CMPC, 0x10 | MI_COND_HI, fx_o(CH), fx_o(CH), fx_l(0));
    fx_label(&t, "l0", 0);
    vfail(&t, "instruction 1 (CMPC): modifier bits 0x10 not allowed");
    mini(&t);
    FX_INSN(&t, MI_OP_CMPNI, MI_MOD_ROUND | MI_COND_LO, fx_o(B4), fx_o(B4), fx_o(FL));
    vfail(&t, "instruction 1 (CMPNI): modifier bits 0x08 not allowed (no .R form)");
    mini(&t);
    FX_INSN(&t, MI_OP_DIVN, MI_MOD_ROUND, fx_o(PK), fx_o(B4), fx_o(FL));
    for (uint8_t c = MI_COND_HI; c <= MI_COND_NL; c++)
        FX_INSN(&t, MI_OP_CMPCI, c, fx_o(B4), fx_o(CH), fx_o(CH));
    vok(&t);
}

/* ---- instructions: operand forms ----------------------------------------------------- */

static void test_forms_numeric(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_o(CH), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): operand 2: CHAR(10) object 'ch' not allowed; expected numeric");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_c(fx_int(&t, 8, 1)), fx_o(B4), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): operand 1: BIN(8) constant 0 not allowed; a receiver cannot be a constant");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_substr(CH, MI_O_OBJ, B4, MI_O_OBJ, U2), fx_o(B4));
    vfail(&t, "operand 1: substring of 'ch' not allowed; expected numeric receiver");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_o(B4), fx_c(fx_str(&t, "12")));
    vfail(&t, "operand 2: CHAR(2) constant 0 not allowed; expected numeric");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_o(SP), fx_o(B4));
    vfail(&t, "operand 1: SPCPTR object 'sp' not allowed; expected numeric receiver");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(ARR), fx_o(B4), fx_o(B4));
    vfail(&t, "operand 1: array BIN(4) object 'arr' not allowed here; expected numeric receiver");
    mini(&t);
    FX_INSN(&t, MI_OP_AND, 0, fx_o(B4), fx_o(PK), fx_o(B4));
    vfail(&t, "instruction 1 (AND): operand 2: PKD(5,2) object 'pk' not allowed; expected BIN or UBIN");
    mini(&t);
    FX_INSN(&t, MI_OP_SHL, 0, fx_o(U2), fx_o(U2), fx_c(fx_const(&t, TY_FLT(8), "\0\0\0\0\0\0\xF0\x3F", 8)));
    vfail(&t, "operand 3: FLT(8) constant 0 not allowed; expected BIN or UBIN");
    mini(&t);
    FX_INSN(&t, MI_OP_NOT, 0, fx_o(ZN), fx_o(B4));
    vfail(&t, "instruction 1 (NOT): operand 1: ZND(4,1) object 'zn' not allowed; expected BIN or UBIN receiver");
    mini(&t);
    FX_INSN(&t, MI_OP_NOT, 0, fx_elem(ARR, MI_O_OBJ, U2), fx_c(fx_const(&t, TY_UBIN(1), "\x07", 1)));
    vok(&t);
}

static void test_forms_char_ptr_label(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_o(B4));
    vfail(&t, "instruction 1 (CPYBLA): operand 2: BIN(4) object 'b4' not allowed; expected character");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_c(fx_str(&t, "abc")), fx_o(CH));
    vfail(&t, "operand 1: CHAR(3) constant 0 not allowed; a receiver cannot be a constant");
    mini(&t);
    FX_INSN(&t, MI_OP_CAT, 0, fx_o(CARR), fx_o(CH), fx_o(CH));
    vfail(&t, "operand 1: array CHAR(3) object 'carr' not allowed here; expected character receiver");
    mini(&t);
    FX_INSN(&t, MI_OP_CAT, 0, fx_elem(CARR, MI_O_OBJ, B4), fx_substr(CH, MI_O_OBJ, B4, MI_O_OBJ, B4),
            fx_elem(CARR, MI_O_OBJ, U2));
    vok(&t);

    mini(&t);
    FX_INSN(&t, MI_OP_CPYP, 0, fx_o(SP), fx_o(PSY));
    vfail(&t, "instruction 1 (CPYP): operand 2: SYSPTR object 'psy' not allowed; expected SPCPTR object");
    mini(&t);
    FX_INSN(&t, MI_OP_CRTS, 0, fx_o(B4), fx_o(B4), fx_o(B4));
    vfail(&t, "instruction 1 (CRTS): operand 1: BIN(4) object 'b4' not allowed; expected SPCPTR object");
    mini(&t);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSP));
    vfail(&t, "instruction 1 (CALLX): operand 1: SPCPTR object 'psp' not allowed; expected SYSPTR object");
    mini(&t);
    FX_INSN(&t, MI_OP_RSLVSP, 0, fx_o(SP), fx_o(CH));
    vfail(&t, "instruction 1 (RSLVSP): operand 1: SPCPTR object 'sp' not allowed; expected SYSPTR object");
    mini(&t);
    FX_INSN(&t, MI_OP_B, 0, fx_o(B4));
    vfail(&t, "instruction 1 (B): operand 1: BIN(4) object 'b4' not allowed; expected a label");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_l(0), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): operand 2: label not allowed; expected numeric");
    mini(&t);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSY), fx_l(0));
    vfail(&t, "instruction 1 (CALLX): operand 2: label not allowed; expected object, element, substring or constant");
    mini(&t);
    FX_INSN(&t, MI_OP_B, 0, fx_l(5));
    vfail(&t, "instruction 1 (B): operand 1: branch target index 5 is not an instruction (1 instructions)");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_o(99), fx_o(B4));
    vfail(&t, "instruction 1 (ADDN): operand 2: object 99 does not exist (12 objects)");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_c(7), fx_o(B4));
    vfail(&t, "operand 2: constant 7 does not exist (0 constants)");
    mini(&t);
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_o(B4), ((mi_operand){.kind = 9}));
    vfail(&t, "operand 3: operand kind 9 not valid");
    /* A takes anything but a label, including whole arrays and pointers */
    mini(&t);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSY), fx_o(ARR), fx_o(PSP), fx_o(SY), fx_c(fx_str(&t, "x")),
            fx_elem(CARR, MI_O_OBJ, B4), fx_substr(CH, MI_O_OBJ, B4, MI_O_OBJ, B4), fx_o(FL));
    vok(&t);
}

static void test_forms_elem_substr(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(B4, MI_O_OBJ, U2), fx_o(B4));
    vfail(&t, "instruction 1 (CPYNV): operand 1: element of 'b4', which is not an array");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_OBJ, PK), fx_o(B4));
    vfail(&t, "operand 1: element of 'arr': index must be a BIN or UBIN scalar object or constant; 'pk' is PKD(5,2)");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_OBJ, ARR), fx_o(B4));
    vfail(&t, "index must be a BIN or UBIN scalar object or constant; 'arr' is an array of BIN(4)");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_CONST, fx_const(&t, TY_PKD(1, 0), "\x1C", 1)), fx_o(B4));
    vfail(&t, "index must be a BIN or UBIN scalar object or constant; constant 0 is PKD(1,0)");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_OBJ, 99), fx_o(B4));
    vfail(&t, "element of 'arr': index object 99 does not exist");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_CONST, 3), fx_o(B4));
    vfail(&t, "element of 'arr': index constant 3 does not exist");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, 2, 0), fx_o(B4));
    vfail(&t, "element of 'arr': index operand kind 2 not valid");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(99, MI_O_OBJ, B4), fx_o(B4));
    vfail(&t, "operand 1: object 99 does not exist");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_substr(CARR, MI_O_OBJ, B4, MI_O_OBJ, B4), fx_o(CH));
    vfail(&t, "operand 1: substring of 'carr', which is an array of CHAR(3), not a CHAR scalar");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_substr(B4, MI_O_OBJ, B4, MI_O_OBJ, B4), fx_o(CH));
    vfail(&t, "substring of 'b4', which is BIN(4), not a CHAR scalar");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_substr(CH, MI_O_OBJ, CH, MI_O_OBJ, B4));
    vfail(&t, "operand 2: substring of 'ch': start must be a BIN or UBIN scalar object or constant; 'ch' is CHAR(10)");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH),
            fx_substr(CH, MI_O_OBJ, B4, MI_O_CONST, fx_const(&t, TY_FLT(4), "\0\0\x80\x3F", 4)));
    vfail(&t, "substring of 'ch': length must be a BIN or UBIN scalar object or constant; constant 0 is FLT(4)");
    /* constant indices out of range are run-time exceptions (MCH0603), not verifier findings */
    mini(&t);
    uint32_t c9 = fx_int(&t, 8, 9), cm = fx_int(&t, 8, -1);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_CONST, c9), fx_o(B4));
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_substr(CH, MI_O_CONST, cm, MI_O_CONST, c9));
    vok(&t);
}

static void test_forms_svc_k_e(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_str(&t, "2")), fx_o(CH));
    vfail(&t, "instruction 1 (SVC): operand 1: CHAR(1) constant 0 not allowed; expected BIN constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_const(&t, TY_UBIN(1), "\x02", 1)), fx_o(CH));
    vfail(&t, "operand 1: UBIN(1) constant 0 not allowed; expected BIN constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_o(B4), fx_o(CH));
    vfail(&t, "operand 1: BIN(4) object 'b4' not allowed; expected BIN constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 4, 2)), fx_o(CH), fx_o(CH));
    vfail(&t, "instruction 1 (SVC): service 2 (OUTLN) takes exactly 1 operand, got 2");
    mini(&t);
    fx_insn(&t, MI_OP_SVC, 0, (mi_operand[]){fx_c(fx_int(&t, 1, 7))}, 1);
    vfail(&t, "service 7 (ARGV) takes exactly 3 operands, got 0");
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 4, 2)), fx_o(B4));
    vfail(&t, "instruction 1 (SVC): operand 2: BIN(4) object 'b4' not allowed; expected character");
    mini(&t);
    uint32_t c5 = fx_int(&t, 8, 5), cx = fx_str(&t, "x");
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(c5), fx_c(cx), fx_o(B4));
    vfail(&t, "operand 2: CHAR(1) constant 1 not allowed; a receiver cannot be a constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 8, 7)), fx_o(CH), fx_o(CH), fx_o(B4));
    vfail(&t, "operand 3: CHAR(10) object 'ch' not allowed; expected BIN or UBIN");
    /* unknown services take whatever A takes, whole arrays too, but no label (run-time MIE0004) */
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 8, 999)), fx_o(ARR), fx_o(CARR));
    vok(&t);
    mini(&t);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 8, -1)), fx_l(0));
    fx_label(&t, "l0", 0);
    vfail(&t, "instruction 1 (SVC): operand 2: label not allowed; expected object, element, substring or constant");
    mini(&t); /* a known service does not take a whole array */
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 8, 1)), fx_o(CARR));
    vfail(&t, "operand 2: array CHAR(3) object 'carr' not allowed here; expected character");
    mini(&t);
    uint32_t c = fx_int(&t, 8, -1);
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(c));
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 2, 1000)), fx_o(PSP), fx_o(CH), fx_c(c), fx_elem(ARR, MI_O_OBJ, B4));
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 1, 8)), fx_o(U2));                     /* EXIT */
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(fx_int(&t, 4, 5)), fx_o(CH), fx_elem(ARR, MI_O_OBJ, U2)); /* INLN */
    vok(&t);

    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_c(fx_str(&t, "mch1210")), fx_o(CH));
    vfail(&t, "instruction 1 (SIGEXC): operand 1: CHAR(7) constant 0 is not an exception id");
    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_c(fx_str(&t, "MCH121G")), fx_o(CH));
    vfail(&t, "is not an exception id (3 letters A-Z then 4 hexadecimal digits 0-9A-F)");
    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_c(fx_str(&t, "MC01210")), fx_o(CH));
    vfail(&t, "is not an exception id");
    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_c(fx_str(&t, "MCH121")), fx_o(CH));
    vfail(&t, "operand 1: CHAR(6) constant 0 not allowed; expected CHAR(7) exception-id constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_o(CH), fx_o(CH));
    vfail(&t, "operand 1: CHAR(10) object 'ch' not allowed; expected CHAR(7) exception-id constant");
    mini(&t);
    FX_INSN(&t, MI_OP_SIGEXC, 0, fx_c(fx_str(&t, "ABC00FF")), fx_o(CH));
    vok(&t);
}

/* ---- pointers used but never set ---------------------------------------------------- */

static void test_pointer_never_set(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    FX_INSN(&t, MI_OP_CPYP, 0, fx_o(PSP), fx_o(SP));
    vfail(&t, "pointer 'sp' (object 7) is used but never set (first use: instruction 1 (CPYP))");
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(SY));
    vfail(&t, "pointer 'sy' (object 8) is used but never set (first use: instruction 2 (CALLX))");
    /* through a BASED object, directly, through a DEFINED overlay, or as an index */
    mini(&t);
    uint32_t buf = fx_obj(&t, "buf", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_o(buf));
    vfail(&t, "pointer 'sp' (object 7) is used but never set");
    mini(&t);
    buf = fx_obj(&t, "buf", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    uint32_t ov = fx_obj(&t, "ov", TY_CHAR(2), 0, MI_C_DEFINED, buf, 1, MI_NONE);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(ov), fx_o(CH));
    vfail(&t, "pointer 'sp' (object 7) is used but never set");
    mini(&t);
    uint32_t idx = fx_obj(&t, "idx", TY_BIN(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_elem(ARR, MI_O_OBJ, idx), fx_o(B4));
    vfail(&t, "pointer 'sp' (object 7) is used but never set");
    mini(&t);
    uint32_t ap = fx_obj(&t, "ap", TY_SPCPTR, 0, MI_C_AUTO, MI_NONE, 0, MI_NONE);
    FX_INSN(&t, MI_OP_SPSZ, 0, fx_o(B4), fx_o(ap));
    vfail(&t, "pointer 'ap' (object 12) is used but never set");
    /* set anywhere in the program (order does not matter), or passed to CALLX */
    mini(&t);
    buf = fx_obj(&t, "buf", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_o(buf));
    FX_INSN(&t, MI_OP_ADDSPP, 0, fx_o(SP), fx_o(PSP), fx_o(B4));
    FX_INSN(&t, MI_OP_RSLVSP, 0, fx_o(SY), fx_o(CH));
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(SY));
    vok(&t);
    mini(&t);
    buf = fx_obj(&t, "buf", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSY), fx_o(SP));
    FX_INSN(&t, MI_OP_CPYBLA, 0, fx_o(CH), fx_o(buf));
    vok(&t);
    /* PARM pointers are set by the caller; a BASED object nobody uses needs nothing */
    mini(&t);
    fx_obj(&t, "buf", TY_CHAR(4), 0, MI_C_BASED, SP, 0, MI_NONE);
    FX_INSN(&t, MI_OP_CPYP, 0, fx_o(PSP), fx_o(PSP));
    FX_INSN(&t, MI_OP_CALLX, 0, fx_o(PSY));
    vok(&t);
}

/* ---- monitors ---------------------------------------------------------------------- */

static void mon_case(const char *id, uint32_t from, uint32_t to, uint32_t h, const char *phrase) {
    mi_template t;
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_mon(&t, id, from, to, h);
    fx_label(&t, "a", 0);
    fx_label(&t, "b", 1);
    fx_label(&t, "c", 2);
    if (phrase != NULL)
        vfail(&t, phrase);
    else
        vok(&t);
}

static void test_monitors(void **state) {
    (void)state;
    mon_case("*ALL", 0, 2, 2, NULL);
    mon_case("MCH1210", 1, 1, 0, NULL);
    mon_case("CPF0000", 0, 2, 1, NULL);
    mon_case("mch1210", 0, 2, 2, "monitor 0: exception id 'mch1210\\x00' not valid");
    mon_case("MCH12G0", 0, 2, 2, "exception id 'MCH12G0\\x00' not valid");
    mon_case("*ALLX", 0, 2, 2, "exception id '*ALLX\\x00\\x00\\x00' not valid");
    mon_case("*all", 0, 2, 2, "not valid (must be *ALL or 3 letters A-Z then 4 hexadecimal digits, NUL-padded)");
    mon_case("", 0, 2, 2, "monitor 0: exception id");
    mon_case("MCH1210", 2, 1, 2, "monitor 0: range from index 2 to index 1 is empty (from > to)");
    mon_case("MCH1210", 0, 3, 2, "monitor 0: range end index 3 is not an instruction (3 instructions)");
    mon_case("MCH1210", 0, 2, 3, "monitor 0: handler index 3 is not an instruction (3 instructions)");
    mi_template t;
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "a", 0);
    fx_mon(&t, "*ALL", 0, 0, 0);
    t.mons[0].id[6] = 'X'; /* "*ALL" followed by garbage is not NUL-padded */
    vfail(&t, "monitor 0: exception id '*ALL\\x00\\x00X\\x00' not valid");
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "a", 0);
    fx_mon(&t, "MCH1210", 0, 0, 0);
    t.mons[0].id[7] = '0';
    vfail(&t, "monitor 0: exception id 'MCH12100' not valid");
    /* N4: every monitor field names a labelled instruction */
    static const char *const fields[3] = {"from", "to", "handler"};
    for (int f = 0; f < 3; f++) {
        mini(&t);
        fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
        fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
        fx_label(&t, "a", 0);
        fx_mon(&t, "*ALL", 0, 0, 0);
        uint32_t *at[3] = {&t.mons[0].from, &t.mons[0].to, &t.mons[0].handler};
        *at[f] = 1;
        if (f == 0) t.mons[0].to = 1; /* keep from <= to */
        char want[80];
        snprintf(want, sizeof want, "monitor 0: %s index 1 is not named by any label", fields[f]);
        if (f == 0)
            vfind(&t, want);
        else
            vfail(&t, want);
    }
}

/* ---- names ---------------------------------------------------------------------- */

static void test_names(void **state) {
    (void)state;
    static const char *bad[] = {"1abc", "a b", "", "a-b", "\xc3\xa9", "x.y"};
    mi_template t;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mini(&t);
        fx_static(&t, bad[i], TY_BIN(4));
        vfail(&t, "object 12: name '");
    }
    mini(&t);
    fx_static(&t, "a b", TY_BIN(4));
    vfail(&t, "object 12: name 'a b' is not a valid identifier");
    char n64[66];
    memset(n64, 'a', 65);
    n64[65] = '\0';
    mini(&t);
    fx_static(&t, n64, TY_BIN(4));
    vfail(&t, "is not a valid identifier");
    n64[64] = '\0';
    mini(&t);
    fx_static(&t, n64, TY_BIN(4));
    fx_static(&t, "$#@_x9", TY_BIN(4));
    fx_static(&t, "_", TY_BIN(4));
    vok(&t);
    mini(&t);
    fx_static(&t, "ch", TY_BIN(4));
    vfail(&t, "object 12: name 'ch' is already the name of object 4");
    mini(&t);
    fx_static(&t, "CH", TY_BIN(4)); /* names are case-sensitive */
    vok(&t);
    mini(&t);
    free(t.objs[3].name);
    t.objs[3].name = NULL;
    vfail(&t, "object 3 has no name");

    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "L", 0);
    fx_label(&t, "L", 0);
    vfail(&t, "label 1: name 'L' is already the name of label 0");
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "ch", 0); /* labels and objects are separate namespaces */
    fx_label(&t, "l2", 0);
    vok(&t);
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "end", 1);
    vfail(&t, "label 0 'end': instruction index 1 is not an instruction (1 instructions)");
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "9x", 0);
    vfail(&t, "label 0: name '9x' is not a valid identifier");
    /* N3: labels in definition order, i.e. non-decreasing instruction index */
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "x", 0);
    fx_label(&t, "y", 1);
    fx_label(&t, "z", 0);
    vfail(&t, "label 2 'z': instruction index 0 comes before index 1 of the previous label");
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    fx_label(&t, "x", 1);
    fx_label(&t, "y", 1);
    vok(&t);
    /* N4: every branch target is named by a label */
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    FX_INSN(&t, MI_OP_B, 0, fx_l(0));
    vfail(&t, "instruction 2 (B): operand 1: branch target index 0 is not named by any label");
    mini(&t);
    fx_insn(&t, MI_OP_NOP, 0, NULL, 0);
    FX_INSN(&t, MI_OP_BX, 0, fx_o(B4), fx_l(0), fx_l(1));
    fx_label(&t, "x", 1);
    vfail(&t, "instruction 2 (BX): operand 2: branch target index 0 is not named by any label");
}

/* ---- structure and reporting ------------------------------------------------------- */

static void test_structure(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    t.insns[0].op = MI_OP_COUNT;
    vfail(&t, "instruction 1: opcode");
    mini(&t);
    FX_INSN(&t, MI_OP_CPYNV, 0, fx_o(B4), fx_o(B4));
    t.insns[0].first = 1;
    vfail(&t, "instruction 1 (CPYNV): operands [1, 3) lie outside the 2 operands");
    mi_template_init(&t);
    t.nobjs = 3;
    vfail(&t, "template has 3 objects but no array for them");
    mini(&t);
    fx_int(&t, 4, 1);
    t.consts[0].offset = 2;
    vfail(&t, "constant 0: bytes lie outside the 4 bytes of constant data");
    mini(&t);
    t.mi_version = 2;
    vfail(&t, "requires MI version 2; this runtime implements MI version 1");
    mi_template big;
    mi_template_init(&big);
    big.nmons = MI_MAX_ITEMS + 1;
    big.mons = (mi_monitor *)&big; /* never dereferenced: the count is refused first */
    finds f;
    run(&big, &f);
    assert_int_equal(f.n, 1);
    assert_non_null(strstr(f.msg[0], "too many monitors: 1048577 (limit 1048576)"));
    assert_int_equal(mi_template_verify_each(NULL, collect, &f, 1), MI_E_ARG);
}

static int calls;
static void count_calls(void *ctx, uint32_t insn, uint32_t obj, const char *msg) {
    (void)ctx, (void)insn, (void)obj, (void)msg;
    calls++;
}

static void test_verify_each(void **state) {
    (void)state;
    mi_template t;
    mini(&t);
    t.objs[PK].type.size = 40;                               /* object finding */
    FX_INSN(&t, MI_OP_ADDN, 0, fx_o(B4), fx_o(CH), fx_o(B4)); /* instruction 1 */
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    FX_INSN(&t, MI_OP_B, 0, fx_l(9));                        /* instruction 3 */
    finds f;
    run(&t, &f);
    assert_int_equal(f.n, 3);
    assert_non_null(strstr(f.msg[0], "object 2 'pk': precision 40 not valid"));
    assert_int_equal(f.insn[0], MI_NONE);
    assert_int_equal(f.obj[0], PK);
    assert_non_null(strstr(f.msg[1], "instruction 1 (ADDN): operand 2"));
    assert_int_equal(f.insn[1], 0);
    assert_int_equal(f.obj[1], MI_NONE);
    assert_non_null(strstr(f.msg[2], "instruction 3 (B): operand 1: branch target index 9"));
    assert_int_equal(f.insn[2], 2);
    calls = 0;
    assert_int_equal(mi_template_verify_each(&t, count_calls, NULL, 2), MI_E_VERIFY);
    assert_int_equal(calls, 2);
    calls = 0;
    assert_int_equal(mi_template_verify_each(&t, count_calls, NULL, 0), MI_E_VERIFY);
    assert_int_equal(calls, 0);
    mi_diag d;
    assert_int_equal(mi_template_verify(&t, &d), MI_E_VERIFY);
    assert_string_equal(d.msg, f.msg[0]);
    mi_template_free(&t);
    /* the pointer finding names the pointer and the first using instruction */
    mini(&t);
    fx_insn(&t, MI_OP_RTX, 0, NULL, 0);
    FX_INSN(&t, MI_OP_SPSZ, 0, fx_o(B4), fx_o(SP));
    run(&t, &f);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.insn[0], 1);
    assert_int_equal(f.obj[0], SP);
    mi_template_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_verify),   cmocka_unit_test(test_types),
        cmocka_unit_test(test_object_limits),    cmocka_unit_test(test_object_pointers),
        cmocka_unit_test(test_object_classes),   cmocka_unit_test(test_object_fields),
        cmocka_unit_test(test_constants),        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_counts_and_mods),  cmocka_unit_test(test_forms_numeric),
        cmocka_unit_test(test_forms_char_ptr_label), cmocka_unit_test(test_forms_elem_substr),
        cmocka_unit_test(test_forms_svc_k_e),    cmocka_unit_test(test_pointer_never_set),
        cmocka_unit_test(test_monitors),         cmocka_unit_test(test_names),
        cmocka_unit_test(test_structure),        cmocka_unit_test(test_verify_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
