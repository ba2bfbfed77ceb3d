/* Conversions between numbers and text (mi-spec/mi-v1.md §7): CVTNC, CVTCN,
 * EDIT. FLT texts and bit patterns were computed with python3 ('%.17G' %
 * x, which rounds like glibc; float(Fraction(Decimal(text))) and an exact
 * binary32 rounding with fractions); decimal results with python3's decimal
 * module; EDIT results were worked out by hand from §7 (reasoning in the
 * comments). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_sem.h"

static const mi_type T_B1 = {MI_T_BIN, 1, 0, 0}, T_B4 = {MI_T_BIN, 4, 0, 0},
                     T_U1 = {MI_T_UBIN, 1, 0, 0}, T_U8 = {MI_T_UBIN, 8, 0, 0},
                     T_F4 = {MI_T_FLT, 4, 0, 0}, T_F8 = {MI_T_FLT, 8, 0, 0};

static mi_type pkd(int p, int s) { return (mi_type){MI_T_PKD, (uint8_t)p, (uint8_t)s, 0}; }
static mi_type znd(int p, int s) { return (mi_type){MI_T_ZND, (uint8_t)p, (uint8_t)s, 0}; }

/* ---- CVTNC */

static void cvtnc_is(const mi_type *t, const void *a, uint32_t rn, const char *want) {
    uint8_t r[80];
    memset(r, 0xEE, sizeof r);
    mi_exc e = mi_sem_cvtnc(r, rn, t, a);
    if (e != MI_EXC_NONE || memcmp(r, want, rn) != 0)
        print_error("cvtnc: exc %d got '%.*s' want '%s'\n", (int)e, (int)rn, (const char *)r, want);
    assert_int_equal(e, MI_EXC_NONE);
    assert_memory_equal(r, want, rn);
    assert_int_equal(r[rn], 0xEE);
}

static void cvtnc_dbl(double d, const char *want) {
    uint8_t b[8];
    uint64_t bits;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    char padded[40];
    snprintf(padded, sizeof padded, "%-30s", want);
    cvtnc_is(&T_F8, b, 30, padded);
}

static void cvtnc_flt(uint32_t bits, const char *want) {
    uint8_t b[4];
    mi_st32(b, bits);
    char padded[40];
    snprintf(padded, sizeof padded, "%-20s", want);
    cvtnc_is(&T_F4, b, 20, padded);
}

static void test_cvtnc_integers(void **state) {
    (void)state;
    uint8_t b[8];
    mi_st32(b, 0x80000000u);
    cvtnc_is(&T_B4, b, 12, "-2147483648 ");
    cvtnc_is(&T_B4, b, 11, "-2147483648");
    mi_st64(b, ~(uint64_t)0);
    cvtnc_is(&T_U8, b, 20, "18446744073709551615");
    b[0] = 0;
    cvtnc_is(&T_B1, b, 3, "0  ");
    /* digits taken two at a time: odd and even counts, zeros inside */
    static const struct { int64_t v; const char *s; } ints[] = {
        {7, "7"}, {10, "10"}, {99, "99"}, {100, "100"}, {1000, "1000"}, {10001, "10001"},
        {-20905, "-20905"}, {123456, "123456"}, {9007199254740993, "9007199254740993"},
        {INT64_MIN, "-9223372036854775808"}};
    static const mi_type b8 = {MI_T_BIN, 8, 0, 0};
    for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char want[24];
        snprintf(want, sizeof want, "%-20s", ints[i].s);
        mi_st64(b, (uint64_t)ints[i].v);
        cvtnc_is(&b8, b, 20, want);
    }
    uint8_t r[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    mi_st32(b, 0x80000000u);
    assert_int_equal(mi_sem_cvtnc(r, 10, &T_B4, b), MI_EXC_MCH1210); /* 11 chars */
    assert_int_equal(r[0], 0xEE);
}

static void test_cvtnc_decimal(void **state) {
    (void)state;
    mi_type p52 = pkd(5, 2), p33 = pkd(3, 3), z44 = znd(4, 4), p31 = pkd(31, 0), p3131 = pkd(31, 31),
            z30 = znd(3, 0);
    cvtnc_is(&p52, "\x01\x25\x0D", 7, "-12.50 ");
    cvtnc_is(&p52, "\x00\x00\x5C", 4, "0.05");
    cvtnc_is(&p33, "\x00\x0D", 5, "0.000");     /* negative zero: no '-' */
    cvtnc_is(&z44, "\x31\x32\x33\x74", 7, "-0.1234"); /* zone 7 */
    cvtnc_is(&z30, "\x30\x30\x30", 1, "0");
    cvtnc_is(&p31, "\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x99\x9D", 32,
             "-9999999999999999999999999999999");
    cvtnc_is(&p3131, "\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x1C", 33,
             "0.1000000000000000000000000000001");
    uint8_t r[8];
    assert_int_equal(mi_sem_cvtnc(r, 8, &p52, (const uint8_t *)"\x01\x25\x03"), MI_EXC_MCH1202);
    assert_int_equal(mi_sem_cvtnc(r, 5, &p52, (const uint8_t *)"\x01\x25\x0D"), MI_EXC_MCH1210);
}

static void test_cvtnc_float(void **state) {
    (void)state;
    cvtnc_dbl(0.1, "0.10000000000000001");
    cvtnc_dbl(1e20, "1E+20");
    cvtnc_dbl(1.5, "1.5");
    cvtnc_dbl(100.0, "100");
    cvtnc_dbl(1e16, "10000000000000000");
    cvtnc_dbl(1e17, "1E+17");
    cvtnc_dbl(1e-5, "1.0000000000000001E-05");
    cvtnc_dbl(0.0001, "0.0001");
    cvtnc_dbl(5e-324, "4.9406564584124654E-324");
    cvtnc_dbl(1.7976931348623157e308, "1.7976931348623157E+308");
    cvtnc_dbl(-0.0, "-0");
    cvtnc_dbl(562949953421312.125, "562949953421312.12"); /* exact tie: to even */
    cvtnc_dbl(-2.5e-7, "-2.4999999999999999E-07");
    cvtnc_dbl(1.0 / 3.0, "0.33333333333333331");
    cvtnc_dbl(0.0 / 0.0 * -1.0, "NAN");
    cvtnc_dbl(1.0 / 0.0, "INF");
    cvtnc_dbl(-1.0 / 0.0, "-INF");
    cvtnc_flt(0x3dcccccdu, "0.100000001");
    cvtnc_flt(0x4b800000u, "16777216");
    cvtnc_flt(0x501502f9u, "1E+10");
    cvtnc_flt(0x7f7fffffu, "3.40282347E+38");
    cvtnc_flt(0x3eaaaaabu, "0.333333343");
    cvtnc_flt(0x00000001u, "1.40129846E-45");
    cvtnc_flt(0xffc00001u, "NAN");
    cvtnc_flt(0xff800000u, "-INF");
}

/* ---- CVTCN */

static mi_exc cvtcn(int round, const mi_type *t, uint8_t *r, const char *text) {
    return mi_sem_cvtcn(round, t, r, (const uint8_t *)text, (uint32_t)strlen(text));
}

static void cvtcn_is(int round, const mi_type *t, const char *text, const void *want, uint32_t n) {
    uint8_t r[40];
    memset(r, 0xEE, sizeof r);
    mi_exc e = cvtcn(round, t, r, text);
    if (e != MI_EXC_NONE || memcmp(r, want, n) != 0) print_error("cvtcn '%.60s': exc %d\n", text, (int)e);
    assert_int_equal(e, MI_EXC_NONE);
    assert_memory_equal(r, want, n);
}

static void cvtcn_exc(int round, const mi_type *t, const char *text, mi_exc want) {
    uint8_t r[40];
    memset(r, 0xEE, sizeof r);
    mi_exc e = cvtcn(round, t, r, text);
    if (e != want) print_error("cvtcn '%.60s': exc %d want %d\n", text, (int)e, (int)want);
    assert_int_equal(e, want);
    for (int i = 0; i < 40; i++) assert_int_equal(r[i], 0xEE);
}

static void cvtcn_f8(const char *text, uint64_t bits) {
    uint8_t want[8];
    mi_st64(want, bits);
    cvtcn_is(0, &T_F8, text, want, 8);
}

static void cvtcn_f4(const char *text, uint32_t bits) {
    uint8_t want[4];
    mi_st32(want, bits);
    cvtcn_is(0, &T_F4, text, want, 4);
}

static void test_cvtcn_grammar(void **state) {
    (void)state;
    mi_type p52 = pkd(5, 2), p11 = pkd(1, 1);
    cvtcn_is(0, &T_B4, "123", "\x7B\0\0\0", 4);
    cvtcn_is(0, &p52, "  -12.345  ", "\x01\x23\x4D", 3);
    cvtcn_is(1, &p52, "  -12.345  ", "\x01\x23\x5D", 3);
    cvtcn_is(0, &p11, "+.5", "\x5C", 1);
    cvtcn_is(0, &T_B1, "5.", "\x05", 1);
    cvtcn_is(0, &T_B1, "-0", "\x00", 1);
    cvtcn_is(0, &p11, "-.0", "\x0C", 1); /* zero is positive */
    cvtcn_is(0, &T_B1, "000000000000000000000000000000000000000000001", "\x01", 1);
    static const char *const bad[] = {".", "", "   ", "-", "+", "1 2", "- 1", "1-", "12a", "\t1",
                                      "1\t", "0x10", "1e5", "1E5", "+-1", "1..2", "1.2.3", "--1",
                                      "e5", "1,000", "INF", "NAN"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cvtcn_exc(0, &p52, bad[i], MI_EXC_MIE0002);
    static const char *const badf[] = {"1e", "1e+", "e5", ".e5", "1e5.", "1e 5", "1 e5", "1e5e5",
                                       "inf", "nan", "0x1p3", "1E-", "."};
    for (size_t i = 0; i < sizeof badf / sizeof badf[0]; i++) cvtcn_exc(0, &T_F8, badf[i], MI_EXC_MIE0002);
    /* grammar is checked before range */
    cvtcn_exc(0, &T_B1, "999999 x", MI_EXC_MIE0002);
}

static void test_cvtcn_range(void **state) {
    (void)state;
    mi_type p62 = pkd(6, 2), p3131 = pkd(31, 31), z31 = znd(31, 0);
    cvtcn_exc(0, &T_B1, "128", MI_EXC_MCH1210);
    cvtcn_is(0, &T_B1, "-128", "\x80", 1);
    cvtcn_is(0, &T_B1, "-128.9", "\x80", 1);
    cvtcn_exc(1, &T_B1, "-128.5", MI_EXC_MCH1210);
    cvtcn_is(0, &T_U1, "255.9", "\xFF", 1);
    cvtcn_exc(1, &T_U1, "255.5", MI_EXC_MCH1210);
    cvtcn_is(1, &T_U1, "-0.4", "\x00", 1);
    cvtcn_exc(0, &T_U1, "-1", MI_EXC_MCH1210);
    cvtcn_is(0, &T_U8, "18446744073709551615", "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    cvtcn_exc(0, &T_U8, "18446744073709551616", MI_EXC_MCH1210);
    cvtcn_exc(0, &T_U8, "99999999999999999999999", MI_EXC_MCH1210);
    cvtcn_is(1, &p62, "9999.994", "\x09\x99\x99\x9C", 4);
    cvtcn_exc(1, &p62, "9999.995", MI_EXC_MCH1210);
    cvtcn_is(0, &p62, "9999.999", "\x09\x99\x99\x9C", 4);
    cvtcn_exc(0, &p62, "10000", MI_EXC_MCH1210);
    cvtcn_is(0, &p62, "-0.009", "\x00\x00\x00\x0C", 4);
    /* a long fraction is truncated exactly, .R looks at digit 32 */
    char txt[200];
    snprintf(txt, sizeof txt, "0.%s", "1234567890123456789012345678901499999999999999999999999999999999");
    cvtcn_is(0, &p3131, txt, "\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x1C", 16);
    cvtcn_is(1, &p3131, txt, "\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x1C", 16);
    snprintf(txt, sizeof txt, "-0.%s", "12345678901234567890123456789015");
    cvtcn_is(1, &p3131, txt, "\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x12\x34\x56\x78\x90\x2D", 16);
    cvtcn_is(0, &z31, "  -9999999999999999999999999999999.99  ",
             "9999999999999999999999999999999" /* last byte gets zone 7 */, 30);
    uint8_t r[31];
    assert_int_equal(cvtcn(0, &z31, r, "-9999999999999999999999999999999"), MI_EXC_NONE);
    assert_int_equal(r[30], 0x79);
    cvtcn_exc(0, &z31, "10000000000000000000000000000000", MI_EXC_MCH1210);
}

static void test_cvtcn_float(void **state) {
    (void)state;
    cvtcn_f8("0.1", UINT64_C(0x3fb999999999999a));
    cvtcn_f4("0.1", 0x3dcccccdu);
    cvtcn_f8(" 1.5E-3 ", UINT64_C(0x3f589374bc6a7efa));
    cvtcn_f4("1.5e-3", 0x3ac49ba6u);
    cvtcn_f8("123.456e2", UINT64_C(0x40c81ccccccccccd));
    cvtcn_f8("9007199254740993", UINT64_C(0x4340000000000000)); /* tie: to even */
    cvtcn_f4("16777217", 0x4b800000u);
    cvtcn_f4("3.4028235677973366e38", 0x7f7fffffu);
    cvtcn_f4("3.4028236e38", 0x7f800000u);
    cvtcn_f8("1e400", UINT64_C(0x7ff0000000000000));
    cvtcn_f8("-1e400", UINT64_C(0xfff0000000000000));
    cvtcn_f8("1e-400", 0);
    cvtcn_f8("-1e-400", UINT64_C(0x8000000000000000)); /* a nonzero value rounded to zero keeps its sign */
    cvtcn_f8("-0.000", 0);                               /* an exact zero is +0 */
    cvtcn_f8("1E99999999999999999999999", UINT64_C(0x7ff0000000000000));
    cvtcn_f8("1e-99999999999999999999999", 0);
    /* binary32 is rounded once, from the exact value: 1 + 2^-24 + 2^-54 */
    cvtcn_f4("1.000000059604644830901776231257827021181583404541015625", 0x3f800001u);
    /* a tie broken by a digit 900 places later (beyond the 800 kept) */
    static char big[70000];
    snprintf(big, sizeof big, "9007199254740993.%0900d1", 0);
    cvtcn_f8(big, UINT64_C(0x4340000000000001));
    snprintf(big, sizeof big, "9007199254740993.%0900d", 0);
    cvtcn_f8(big, UINT64_C(0x4340000000000000));
    /* 59999 zeros after the point, then 1, then E59999: 0.1 */
    int n = snprintf(big, sizeof big, "0.");
    memset(big + n, '0', 59999);
    n += 59999;
    snprintf(big + n, sizeof big - (size_t)n, "1E59999"); /* 10^-60000 * 10^59999 */
    cvtcn_f8(big, UINT64_C(0x3fb999999999999a));
}

/* ---- EDIT */

static void edit_is(const mi_type *t, const void *a, const char *mask, uint32_t rn, const char *want) {
    uint8_t r[80];
    memset(r, 0xEE, sizeof r);
    mi_exc e = mi_sem_edit(r, rn, t, a, (const uint8_t *)mask, (uint32_t)strlen(mask));
    if (e != MI_EXC_NONE || memcmp(r, want, rn) != 0)
        print_error("edit '%s': exc %d got '%.*s' want '%s'\n", mask, (int)e, (int)rn, (const char *)r, want);
    assert_int_equal(e, MI_EXC_NONE);
    assert_memory_equal(r, want, rn);
    assert_int_equal(r[rn], 0xEE);
}

static void edit_exc(const mi_type *t, const void *a, const char *mask, uint32_t rn, mi_exc want) {
    uint8_t r[80];
    memset(r, 0xEE, sizeof r);
    mi_exc e = mi_sem_edit(r, rn, t, a, (const uint8_t *)mask, (uint32_t)strlen(mask));
    if (e != want) print_error("edit '%s': exc %d want %d\n", mask, (int)e, (int)want);
    assert_int_equal(e, want);
    for (int i = 0; i < 80; i++) assert_int_equal(r[i], 0xEE);
}

static void test_edit_masks(void **state) {
    (void)state;
    mi_type p72 = pkd(7, 2), p53 = pkd(5, 3), z30 = znd(3, 0);
    const char *v1234_5 = "\x01\x23\x45\x0C", *m1234_5 = "\x01\x23\x45\x0D", *zero = "\x00\x00\x00\x0C";
    /* §7's example: '$' literal; Z(0)->blank; Z(1) ends suppression; ',' after a
     * printed digit; 2 3 4 . 5 0; '-' blank for a positive value */
    edit_is(&p72, v1234_5, "$ZZ,ZZ9.99-", 11, "$ 1,234.50 ");
    edit_is(&p72, m1234_5, "$ZZ,ZZ9.99-", 11, "$ 1,234.50-");
    /* zero: Z Z , Z Z suppressed (the comma takes the blank fill), 9 prints 0 */
    edit_is(&p72, zero, "$ZZ,ZZ9.99-", 11, "$     0.00 ");
    /* '*' fill, also for the comma; CR */
    const char *v12_3 = "\x00\x01\x23\x0C", *m12_3 = "\x00\x01\x23\x0D";
    edit_is(&p72, v12_3, "**,**9.99CR", 11, "****12.30  ");
    edit_is(&p72, m12_3, "**,**9.99CR", 11, "****12.30CR");
    edit_is(&p72, m12_3, "ZZ9.99+", 7, " 12.30-");
    edit_is(&p72, v12_3, "ZZ9.99+", 7, " 12.30+");
    edit_is(&p72, m12_3, "ZZ9.99", 6, " 12.30"); /* no sign position: magnitude only */
    /* all-Z masks: a zero is all fill; digits after '.' are always printed */
    edit_is(&p72, zero, "ZZZ", 3, "   ");
    edit_is(&p72, zero, "***", 3, "***");
    edit_is(&p72, zero, "ZZZ.ZZ", 6, "   .00");
    edit_is(&p72, zero, "*,***", 5, "*****");
    /* '9' stops suppression even for a zero digit; later Z positions print */
    edit_is(&z30, "\x30\x30\x35", "ZZ9ZZ", 5, "  005");
    edit_is(&z30, "\x30\x31\x32", "9999", 4, "0012");
    edit_is(&z30, "\x31\x30\x34", "ZZZZ", 4, " 104");
    /* fill follows the last suppressing position; literals print as is */
    edit_is(&z30, "\x30\x30\x35", "*Z,9", 4, "*  5");
    edit_is(&z30, "\x30\x30\x35", "Z/Z9", 4, " / 5");
    edit_is(&z30, "\x30\x30\x35", "CRZ9", 4, "CR 5"); /* CR not at the end: ordinary bytes */
    edit_is(&z30, "\x30\x30\x75", "Z9CR", 4, " 5CR");
    /* truncation (never rounding) at the positions after '.' */
    edit_is(&p53, "\x99\x99\x9C", "Z9.9", 4, "99.9");
    edit_is(&p53, "\x00\x00\x1D", "9.99-", 5, "0.00 "); /* -0.001 truncates to 0: no sign */
    edit_is(&p53, "\x00\x01\x0D", "9.99-", 5, "0.01-");
    edit_is(&p53, "\x00\x50\x0C", ".99", 3, ".50");
    /* receiver longer than the mask: blank-padded */
    edit_is(&z30, "\x30\x30\x37", "Z9", 6, " 7    ");
    /* BIN values with several commas */
    uint8_t b[4];
    mi_st32(b, (uint32_t)-1234567);
    edit_is(&T_B4, b, "Z,ZZZ,ZZ9-", 10, "1,234,567-");
    mi_st32(b, 1234);
    edit_is(&T_B4, b, "Z,ZZZ,ZZ9-", 10, "    1,234 ");
    edit_is(&T_B4, b, "Z,ZZZ,ZZ9.99", 12, "    1,234.00");
}

static void test_edit_errors(void **state) {
    (void)state;
    mi_type p72 = pkd(7, 2), p53 = pkd(5, 3);
    const char *v = "\x01\x23\x45\x0C";
    static const char *const bad[] = {"+ZZ9", "Z-Z9", "Z.Z.Z", "$$$", "", "CR", "-", "+", "..9",
                                      "9-+", "9+CR", "-9-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) edit_exc(&p72, v, bad[i], 20, MI_EXC_MIE0003);
    edit_exc(&p72, v, "ZZ9.99", 20, MI_EXC_MCH1210);         /* 1234 needs 4 integer positions */
    edit_exc(&p72, "\x01\x00\x00\x0C", "ZZ9.99", 20, MI_EXC_MCH1210); /* 1000.00 */
    edit_is(&p72, "\x00\x99\x99\x9C", "ZZ9.99", 6, "999.99");
    edit_exc(&p53, "\x00\x50\x0C", "9.99", 3, MI_EXC_MCH1210);  /* mask longer than receiver */
    edit_exc(&p53, "\x01\x50\x0C", ".99", 3, MI_EXC_MCH1210);   /* 1.5, no integer position */
    edit_exc(&p53, "\x15\x00\x03", "9.99", 4, MI_EXC_MCH1202);  /* bad sign */
    edit_exc(&p53, "\x15\x00\x03", "9.9.9", 4, MI_EXC_MIE0003); /* mask is checked first */
    edit_is(&p53, "\x01\x50\x0D", "9CR-", 4, "1CR-"); /* 'C' 'R' before the sign: ordinary bytes */
}

static void test_edit_float(void **state) {
    (void)state;
    uint8_t b[8];
    double d = 0.1;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    /* binary64 0.1 = 0.1000000000000000055511151231257827..., 19 digits kept */
    edit_is(&T_F8, b, "ZZ9.9999999999999999999", 23, "  0.1000000000000000055");
    d = -1234.5;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    edit_is(&T_F8, b, "$ZZ,ZZ9.99-", 11, "$ 1,234.50-");
    d = 1e300;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    edit_exc(&T_F8, b, "Z,ZZZ,ZZZ,ZZ9", 20, MI_EXC_MCH1210);
    d = 0.0 / 0.0;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    edit_exc(&T_F8, b, "ZZ9", 20, MI_EXC_MCH1210);
    mi_st32(b, 0x7f800000u);
    edit_exc(&T_F4, b, "ZZ9", 20, MI_EXC_MCH1210);
    mi_st32(b, 0x3dcccccdu); /* binary32 0.1 = 0.100000001490116119384765625 */
    edit_is(&T_F4, b, "9.999999999999", 14, "0.100000001490");
    /* 2^70 = 1180591620717411303424, all 22 integer digits */
    d = 0x1p70;
    memcpy(&bits, &d, 8);
    mi_st64(b, bits);
    edit_is(&T_F8, b, "ZZZZZZZZZZZZZZZZZZZZZZZZ", 24, "  1180591620717411303424");
}

/* The mask may overlap the receiver in either direction. */
static void test_edit_overlap(void **state) {
    (void)state;
    mi_type p52 = pkd(5, 2);
    const char *v = "\x00\x15\x0C"; /* 1.50 */
    uint8_t buf[10];
    memcpy(buf, "ZZ9.99", 6);
    assert_int_equal(mi_sem_edit(buf, 6, &p52, (const uint8_t *)v, buf, 6), MI_EXC_NONE);
    assert_memory_equal(buf, "  1.50", 6);
    memcpy(buf, "ZZ9.99XX", 8); /* receiver starts inside the mask */
    assert_int_equal(mi_sem_edit(buf + 2, 6, &p52, (const uint8_t *)v, buf, 6), MI_EXC_NONE);
    assert_memory_equal(buf, "ZZ  1.50", 8);
    memcpy(buf, "XXZZ9.99", 8); /* receiver starts before the mask */
    assert_int_equal(mi_sem_edit(buf, 8, &p52, (const uint8_t *)v, buf + 2, 6), MI_EXC_NONE);
    assert_memory_equal(buf, "  1.50  ", 8);
    memcpy(buf, "ZZ9.99-X", 8); /* sign position inside an overlapping receiver */
    assert_int_equal(mi_sem_edit(buf + 1, 7, &p52, (const uint8_t *)"\x00\x15\x0D", buf, 7), MI_EXC_NONE);
    assert_memory_equal(buf, "Z  1.50-", 8);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cvtnc_integers),
        cmocka_unit_test(test_cvtnc_decimal),
        cmocka_unit_test(test_cvtnc_float),
        cmocka_unit_test(test_cvtcn_grammar),
        cmocka_unit_test(test_cvtcn_range),
        cmocka_unit_test(test_cvtcn_float),
        cmocka_unit_test(test_edit_masks),
        cmocka_unit_test(test_edit_errors),
        cmocka_unit_test(test_edit_float),
        cmocka_unit_test(test_edit_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
