/* The private decimal arithmetic (runtime/sem_dec.c) and the equivalence of
 * the fast and general paths: random operands of random types go through the
 * public mi_sem_* functions (fast paths) and through mi_dec_* (general path
 * only); exception and receiver bytes must be identical. Core mi_dec
 * operations are checked against invariants and against glibc (strtod,
 * printf's exact expansions), which are independent implementations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sem_dec.h"

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);
static uint64_t rnd64(void) { /* xorshift64*: deterministic across runs */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}
static unsigned rnd(unsigned n) { return (unsigned)(rnd64() % n); }

static mi_type rnd_type(void) {
    static const uint8_t isz[4] = {1, 2, 4, 8};
    mi_type t = {0, 0, 0, 0};
    switch (rnd(6)) {
    case 0: t.kind = MI_T_BIN; t.size = isz[rnd(4)]; break;
    case 1: t.kind = MI_T_UBIN; t.size = isz[rnd(4)]; break;
    case 2: t.kind = MI_T_FLT; t.size = rnd(2) ? 8 : 4; break;
    case 3:
    case 4:
    case 5: /* decimal types most often: that is where the arithmetic is */
        t.kind = rnd(3) ? MI_T_PKD : MI_T_ZND;
        t.size = (uint8_t)(rnd(4) == 0 ? 31 - rnd(3) : 1 + rnd(31));
        t.scale = (uint8_t)(rnd(3) == 0 ? 0 : rnd(t.size + 1u));
        break;
    }
    return t;
}

static uint32_t type_bytes(const mi_type *t) {
    return t->kind == MI_T_PKD ? t->size / 2u + 1u : t->size;
}

static double rnd_double(void) {
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.1, -0.1, 1e20, 1e-20, 2.5, -2.5,
                                     0.05, 1e300, -1e300, 5e-324, 1.7976931348623157e308,
                                     9007199254740993.0, 9223372036854775807.0,
                                     18446744073709551615.0, 1e31, 9.999999999999999e30,
                                     123456789.125, -0.0000001};
    switch (rnd(6)) {
    case 0: return special[rnd(sizeof special / sizeof special[0])];
    case 1: return (double)(int64_t)(rnd64() >> rnd(64)) * (rnd(2) ? 1 : -1);
    case 2: return ((double)(int64_t)(rnd64() >> rnd(64)) / pow(10, rnd(25))) * (rnd(2) ? 1 : -1);
    case 3: return ldexp((double)(rnd64() >> 11), (int)rnd(200) - 150) * (rnd(2) ? 1 : -1);
    case 4: {
        uint64_t bits = rnd64();
        double d;
        memcpy(&d, &bits, 8);
        return d; /* anything, NaNs with payloads included */
    }
    default: return (double)rnd(2000) / 8.0 - 125.0; /* exact binary fractions: ties */
    }
}

/* Random bytes for t, biased toward interesting magnitudes; about 1 in 60
 * decimal operands is invalid data. */
static void rnd_value(const mi_type *t, uint8_t *p) {
    uint32_t n = type_bytes(t);
    switch (t->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: {
        uint64_t v = rnd64();
        switch (rnd(5)) {
        case 0: v >>= rnd(64); break;
        case 1: v = (uint64_t)-(int64_t)(v >> rnd(64)); break;
        case 2: v = rnd(3) == 0 ? 0 : rnd(2) ? ~(uint64_t)0 >> 1 : (uint64_t)1 << (8 * t->size - 1); break;
        case 3: v = rnd(41) - 20u; break;
        default: break;
        }
        for (uint32_t i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    case MI_T_FLT: {
        double d = rnd_double();
        if (t->size == 8) {
            uint64_t bits;
            memcpy(&bits, &d, 8);
            mi_st64(p, bits);
        } else {
            float f = (float)d;
            uint32_t bits;
            if (rnd(8) == 0) bits = (uint32_t)rnd64();
            else memcpy(&bits, &f, 4);
            mi_st32(p, bits);
        }
        return;
    }
    default: {
        uint8_t dig[31];
        int nsig = rnd(4) == 0 ? t->size : (int)rnd(t->size + 1u);
        for (int i = 0; i < t->size; i++) {
            int all9 = rnd(10) == 0;
            dig[i] = (uint8_t)(i < t->size - nsig ? 0 : all9 ? 9 : rnd(10));
        }
        int neg = rnd(2);
        if (t->kind == MI_T_PKD) {
            static const uint8_t pos[4] = {0xA, 0xC, 0xE, 0xF}, negs[2] = {0xB, 0xD};
            uint8_t sign = neg ? negs[rnd(2)] : pos[rnd(4)];
            int pad = (t->size % 2 == 0);
            memset(p, 0, n);
            for (int i = 0; i < t->size; i++) {
                int nib = i + pad; /* nibble index from the left */
                p[nib / 2] |= (uint8_t)(nib % 2 == 0 ? dig[i] << 4 : dig[i]);
            }
            p[n - 1] |= sign;
            if (rnd(60) == 0) { /* corrupt a nibble: digit > 9, sign 0-9, or pad != 0 */
                uint32_t b = rnd(n);
                p[b] = (uint8_t)(p[b] | (rnd(2) ? 0xA0 : 0x0A));
                if (rnd(2) && pad) p[0] |= 0x10;
            }
        } else {
            for (int i = 0; i < t->size; i++) p[i] = (uint8_t)(0x30 + dig[i]);
            if (neg) p[n - 1] = (uint8_t)(0x70 | dig[t->size - 1]);
            if (rnd(60) == 0) p[rnd(n)] = (uint8_t)rnd(256);
        }
        return;
    }
    }
}

static void hex(char *out, const uint8_t *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) sprintf(out + 3 * i, "%02X ", p[i]);
    out[3 * n] = '\0';
}

static const char *tname(const mi_type *t, char *buf) {
    static const char *const k[] = {"?", "BIN", "UBIN", "FLT", "PKD", "ZND"};
    if (t->kind == MI_T_PKD || t->kind == MI_T_ZND) sprintf(buf, "%s(%u,%u)", k[t->kind], t->size, t->scale);
    else sprintf(buf, "%s(%u)", k[t->kind <= 5 ? t->kind : 0], t->size);
    return buf;
}

static void report(const char *what, int op, const mi_type *rt, const mi_type *at, const uint8_t *a,
                   const mi_type *bt, const uint8_t *b, mi_exc e1, const uint8_t *r1, mi_exc e2,
                   const uint8_t *r2) {
    char h1[200], h2[200], ha[200], hb[200] = "", t1[32], t2[32], t3[32] = "";
    hex(h1, r1, type_bytes(rt));
    hex(h2, r2, type_bytes(rt));
    hex(ha, a, type_bytes(at));
    if (bt != NULL) {
        hex(hb, b, type_bytes(bt));
        tname(bt, t3);
    }
    print_error("%s op %d: r %s a %s [%s] b %s [%s]\n  fast exc %d r %s\n  general exc %d r %s\n",
                what, op, tname(rt, t1), tname(at, t2), ha, t3, hb, (int)e1, h1, (int)e2, h2);
}

/* MI_SEM_DIFF_ITER / MI_SEM_DIFF_SEED override the defaults for long runs. */
static int ITER = 200000;

static void test_diff_arith(void **state) {
    (void)state;
    static const mi_op ops[5] = {MI_OP_ADDN, MI_OP_SUBN, MI_OP_MULN, MI_OP_DIVN, MI_OP_REMN};
    int bad = 0;
    for (int it = 0; it < ITER && bad < 10; it++) {
        mi_type rt = rnd_type(), at = rnd_type(), bt = rnd_type();
        uint8_t a[32], b[32], r1[32], r2[32];
        if (rnd(3) == 0) bt = at; /* same types: the fastest fast paths */
        if (rnd(4) == 0) rt = at;
        rnd_value(&at, a);
        rnd_value(&bt, b);
        for (int i = 0; i < 32; i++) r1[i] = r2[i] = (uint8_t)rnd64();
        mi_op op = ops[rnd(5)];
        int round = op != MI_OP_REMN && rnd(2);
        mi_exc e1 = mi_sem_arith(op, round, &rt, r1, &at, a, &bt, b);
        mi_exc e2 = mi_dec_arith(op, round, &rt, r2, &at, a, &bt, b);
        if (e1 != e2 || memcmp(r1, r2, 32) != 0) {
            report("arith", op, &rt, &at, a, &bt, b, e1, r1, e2, r2);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_diff_unary(void **state) {
    (void)state;
    static const mi_op ops[3] = {MI_OP_NEGN, MI_OP_ABSN, MI_OP_CPYNV};
    int bad = 0;
    for (int it = 0; it < ITER && bad < 10; it++) {
        mi_type rt = rnd_type(), at = rnd_type();
        uint8_t a[32], r1[32], r2[32];
        rnd_value(&at, a);
        for (int i = 0; i < 32; i++) r1[i] = r2[i] = (uint8_t)rnd64();
        mi_op op = ops[rnd(3)];
        int round = rnd(2);
        mi_exc e1 = mi_sem_unary(op, round, &rt, r1, &at, a);
        mi_exc e2 = mi_dec_unary(op, round, &rt, r2, &at, a);
        if (e1 != e2 || memcmp(r1, r2, 32) != 0) {
            report("unary", op, &rt, &at, a, NULL, NULL, e1, r1, e2, r2);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_diff_cmpn(void **state) {
    (void)state;
    int bad = 0;
    for (int it = 0; it < ITER && bad < 10; it++) {
        mi_type at = rnd_type(), bt = rnd_type();
        uint8_t a[32], b[32];
        rnd_value(&at, a);
        if (rnd(4) == 0) { /* equal values in different types */
            bt = rnd_type();
            if (mi_sem_unary(MI_OP_CPYNV, 0, &bt, b, &at, a) != MI_EXC_NONE) rnd_value(&bt, b);
        } else {
            rnd_value(&bt, b);
        }
        int c1 = 99, c2 = 99;
        mi_exc e1 = mi_sem_cmpn(&c1, &at, a, &bt, b);
        mi_exc e2 = mi_dec_cmpn(&c2, &at, a, &bt, b);
        if (e1 != e2 || (e1 == MI_EXC_NONE && c1 != c2)) {
            uint8_t x1[32] = {(uint8_t)c1}, x2[32] = {(uint8_t)c2};
            mi_type one = {MI_T_BIN, 1, 0, 0};
            report("cmpn", 0, &one, &at, a, &bt, b, e1, x1, e2, x2);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* mi_dec from a decimal digit string */
static void dec_from_str(mi_dec *v, const char *s, int scale) {
    mi_dec_set_u128(v, 0, 0, scale);
    for (; *s; s++) {
        mi_dec_mul_small(v, 10);
        mi_dec t, one;
        mi_dec_set_u128(&one, (mi_u128)(*s - '0'), 0, scale);
        t = *v;
        mi_dec_add(v, &t, &one, 0);
    }
}

static void rnd_digits(char *s, int n) {
    for (int i = 0; i < n; i++) s[i] = (char)('0' + rnd(10));
    s[n] = '\0';
}

/* q*b + r == a and r < b, on operands up to 90 digits */
static void test_divmod_invariant(void **state) {
    (void)state;
    for (int it = 0; it < 20000; it++) {
        char sa[100], sb[100];
        mi_dec a, b, q, r, qb, back;
        rnd_digits(sa, 1 + (int)rnd(90));
        rnd_digits(sb, 1 + (int)rnd(60));
        if (rnd(4) == 0) { /* divisors with a top limb of 999999999 or 1: normalisation edges */
            memset(sb, rnd(2) ? '9' : '0', strlen(sb));
            sb[0] = rnd(2) ? '9' : '1';
        }
        dec_from_str(&a, sa, 0);
        dec_from_str(&b, sb, 0);
        if (b.n == 0) continue;
        assert_int_equal(mi_dec_divmod(&q, &r, &a, &b), 0);
        assert_true(mi_dec_cmp_mag(&r, &b) < 0);
        assert_int_equal(mi_dec_mul(&qb, &q, &b), 0);
        assert_int_equal(mi_dec_add(&back, &qb, &r, 0), 0);
        assert_int_equal(mi_dec_cmp_mag(&back, &a), 0);
    }
}

/* mi_dec_to_double/float against glibc's correctly rounded strtod/strtof */
static void test_to_binary_vs_strtod(void **state) {
    (void)state;
    for (int it = 0; it < 50000; it++) {
        char s[80], txt[120];
        int nd = 1 + (int)rnd(62), scale = (int)rnd(63);
        rnd_digits(s, nd);
        if (rnd(5) == 0) { /* exact halfway-ish patterns: ...5000 */
            for (int i = nd / 2; i < nd; i++) s[i] = '0';
            s[nd / 2] = '5';
        }
        mi_dec v;
        dec_from_str(&v, s, scale);
        v.neg = v.n > 0 && rnd(2);
        snprintf(txt, sizeof txt, "%s%se-%d", v.neg ? "-" : "", s, scale);
        double d1 = mi_dec_to_double(&v), d2 = strtod(txt, NULL);
        float f1 = mi_dec_to_float(&v), f2 = strtof(txt, NULL);
        if (memcmp(&d1, &d2, 8) != 0 || memcmp(&f1, &f2, 4) != 0)
            print_error("%s: %.17g vs %.17g, %.9g vs %.9g\n", txt, d1, d2, f1, f2);
        assert_memory_equal(&d1, &d2, 8);
        assert_memory_equal(&f1, &f2, 4);
    }
}

/* mi_dec_from_double against printf's exact expansion, truncated */
static void test_from_double_exact(void **state) {
    (void)state;
    for (int it = 0; it < 20000; it++) {
        double d = rnd_double();
        int k = (int)rnd(35);
        if (!isfinite(d) || fabs(d) >= 0x1p110) continue;
        char buf[1500], want[200];
        snprintf(buf, sizeof buf, "%.1074f", fabs(d));
        /* integer digits, then k fractional digits, leading zeros dropped */
        int w = 0;
        char *dot = strchr(buf, '.');
        for (char *c = buf; c < dot; c++) want[w++] = *c;
        for (int i = 0; i < k; i++) want[w++] = dot[1 + i];
        want[w] = '\0';
        char *start = want;
        while (*start == '0' && start[1] != '\0') start++;
        mi_dec v, expect;
        assert_int_equal(mi_dec_from_double(&v, d, k), 0);
        dec_from_str(&expect, start, k);
        assert_int_equal(v.scale, k);
        assert_int_equal(mi_dec_cmp_mag(&v, &expect), 0);
        assert_int_equal(v.neg, d < 0 && expect.n > 0);
    }
}

/* rounding digit drop: 1234567895 -> drop 1 -> 123456790 (round) / 123456789 */
static void test_drop_digits(void **state) {
    (void)state;
    mi_dec v;
    dec_from_str(&v, "1234567895", 3);
    mi_dec w = v;
    assert_int_equal(mi_dec_drop_digits(&w, 1, 0), 0);
    mi_u128 m;
    assert_true(mi_dec_get_u128(&w, &m));
    assert_true(m == 123456789u);
    assert_int_equal(w.scale, 2);
    w = v;
    mi_dec_drop_digits(&w, 1, 1);
    assert_true(mi_dec_get_u128(&w, &m) && m == 123456790u);
    w = v; /* drop more digits than there are: 0 (rounds to 0 too, first dropped is 0) */
    mi_dec_drop_digits(&w, 12, 1);
    assert_int_equal(w.n, 0);
    w = v; /* 999999999|5 rounds up across a limb */
    dec_from_str(&w, "9999999995", 0);
    mi_dec_drop_digits(&w, 1, 1);
    assert_true(mi_dec_get_u128(&w, &m) && m == 1000000000u);
}

/* The capacity never overflows at the documented worst case: a 31-digit
 * dividend scaled by 10^63 over a one-digit divisor. */
static void test_capacity_worst_case(void **state) {
    (void)state;
    mi_type rt = {MI_T_PKD, 31, 31, 0}, at = {MI_T_PKD, 31, 0, 0}, bt = {MI_T_PKD, 31, 31, 0};
    uint8_t a[16], b[16], r[16];
    memset(a, 0x99, 16);
    a[15] = 0x9C; /* 9999999999999999999999999999999 */
    memset(b, 0, 16);
    b[15] = 0x1C; /* 0.0000000000000000000000000000001 */
    memset(r, 0xEE, 16);
    assert_int_equal(mi_dec_arith(MI_OP_DIVN, 1, &rt, r, &at, a, &bt, b), MI_EXC_MCH1210);
    assert_int_equal(mi_sem_arith(MI_OP_DIVN, 1, &rt, r, &at, a, &bt, b), MI_EXC_MCH1210);
    for (int i = 0; i < 16; i++) assert_int_equal(r[i], 0xEE);
    mi_type ft = {MI_T_FLT, 8, 0, 0};
    uint8_t f[8];
    assert_int_equal(mi_sem_arith(MI_OP_DIVN, 0, &ft, f, &at, a, &bt, b), MI_EXC_NONE);
    uint64_t bits = mi_ld64(f);
    double d;
    memcpy(&d, &bits, 8);
    assert_true(d == 9.999999999999999999999999999999e61); /* strtod-rounded literal */
}

int main(void) {
    const char *it = getenv("MI_SEM_DIFF_ITER"), *seed = getenv("MI_SEM_DIFF_SEED");
    if (it != NULL) ITER = atoi(it);
    if (seed != NULL) rng_state = strtoull(seed, NULL, 0) | 1u;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drop_digits),
        cmocka_unit_test(test_divmod_invariant),
        cmocka_unit_test(test_to_binary_vs_strtod),
        cmocka_unit_test(test_from_double_exact),
        cmocka_unit_test(test_capacity_worst_case),
        cmocka_unit_test(test_diff_arith),
        cmocka_unit_test(test_diff_unary),
        cmocka_unit_test(test_diff_cmpn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
