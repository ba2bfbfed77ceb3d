/* Numeric semantics, fast paths (mi-spec/mi-v1.md §1, §2, §4): the public
 * mi_sem_arith/unary/bitwise/cmpn/cond/load_int/store_int/default.
 *
 * Exact values are held as a __int128 coefficient and a scale (mi_xval). Every
 * source fits (31 digits < 2^104, UBIN(8) < 2^64); ADDN/SUBN/MULN/DIVN/REMN run
 * on __int128 with explicit overflow checks, and BIN(8)-sized operands multiply
 * with one 64x64->128 multiply. Whenever an intermediate would reach 2^126 the
 * whole instruction is recomputed by the general path (sem_dec.c), which the
 * unit tests prove equivalent on random operands. Conversions to FLT use
 * Clinger's exact fast case (an exactly representable integer divided by an
 * exactly representable power of ten is one correctly rounded IEEE division)
 * and the general exact rational rounding otherwise. */
#include <math.h>
#include <string.h>
#include "sem_dec.h"

#define FIT ((mi_i128)1 << 126) /* |c| < FIT: room for one more addition */
#define E19 ((mi_u128)UINT64_C(10000000000000000000))

static const mi_u128 pow10_tab[39] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
    UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), E19, E19 * 10u, E19 * 100u, E19 * 1000u, E19 * 10000u,
    E19 * 100000u, E19 * 1000000u, E19 * 10000000u, E19 * 100000000u, E19 * 1000000000u,
    E19 * UINT64_C(10000000000), E19 * UINT64_C(100000000000), E19 * UINT64_C(1000000000000),
    E19 * UINT64_C(10000000000000), E19 * UINT64_C(100000000000000),
    E19 * UINT64_C(1000000000000000), E19 * UINT64_C(10000000000000000),
    E19 * UINT64_C(100000000000000000), E19 * UINT64_C(1000000000000000000), E19 * E19,
};

/* 5^k for 0 <= k <= 32 (5^27 is the last that fits 64 bits) */
#define P5_27 ((mi_u128)UINT64_C(7450580596923828125))
static const mi_u128 pow5_tab[33] = {
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u, 9765625u,
    48828125u, 244140625u, 1220703125u, UINT64_C(6103515625), UINT64_C(30517578125),
    UINT64_C(152587890625), UINT64_C(762939453125), UINT64_C(3814697265625),
    UINT64_C(19073486328125), UINT64_C(95367431640625), UINT64_C(476837158203125),
    UINT64_C(2384185791015625), UINT64_C(11920928955078125), UINT64_C(59604644775390625),
    UINT64_C(298023223876953125), UINT64_C(1490116119384765625), P5_27, P5_27 * 5u,
    P5_27 * 25u, P5_27 * 125u, P5_27 * 625u, P5_27 * 3125u,
};

/* 10^k exactly representable: binary64 up to 10^22, binary32 up to 10^10 */
static const double p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const float p10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                               1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

mi_u128 mi_sem_pow10(int k) { return pow10_tab[k]; }

static inline int fits64(mi_i128 c) { return c >= INT64_MIN && c <= INT64_MAX; }
static inline mi_u128 mag128(mi_i128 c) { return c < 0 ? -(mi_u128)c : (mi_u128)c; }

int mi_sem_numeric_ok(const mi_type *t) {
    switch (t->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
    case MI_T_FLT: return t->size == 4 || t->size == 8;
    case MI_T_PKD:
    case MI_T_ZND: return t->size >= 1 && t->size <= 31 && t->scale <= t->size;
    default: return 0;
    }
}

/* ---- packed and zoned decimal bytes */

/* PKD with at most 19 digit nibbles before the last byte's digit: the
 * magnitude fits 64 bits. prec odd: no pad nibble; even: p[0]'s high nibble. */
static inline mi_exc pkd_get64(const uint8_t *p, unsigned prec, uint64_t *mag, int *neg) {
    unsigned nb = prec / 2 + 1;
    uint64_t acc = 0;
    if (!(prec & 1u) && (p[0] >> 4) != 0) return MI_EXC_MCH1202;
    for (unsigned i = 0; i + 1 < nb; i++) {
        unsigned hi = p[i] >> 4, lo = p[i] & 15u;
        if (hi > 9 || lo > 9) return MI_EXC_MCH1202;
        acc = acc * 100u + hi * 10u + lo;
    }
    unsigned d = p[nb - 1] >> 4, sign = p[nb - 1] & 15u;
    if (d > 9 || sign < 10) return MI_EXC_MCH1202;
    *mag = acc * 10u + d;
    *neg = sign == 0xB || sign == 0xD;
    return MI_EXC_NONE;
}

/* prec 19..31: the last 9 bytes are 17 digits and the sign (an odd-precision
 * PKD(17) of their own), the bytes before them the higher digit pairs. */
static mi_exc pkd_get128(const uint8_t *p, unsigned prec, mi_u128 *mag, int *neg) {
    unsigned nb = prec / 2 + 1, nhi = nb - 9;
    uint64_t hi = 0, lo;
    if (!(prec & 1u) && (p[0] >> 4) != 0) return MI_EXC_MCH1202;
    for (unsigned i = 0; i < nhi; i++) {
        unsigned h = p[i] >> 4, l = p[i] & 15u;
        if (h > 9 || l > 9) return MI_EXC_MCH1202;
        hi = hi * 100u + h * 10u + l;
    }
    mi_exc e = pkd_get64(p + nhi, 17, &lo, neg);
    if (e != MI_EXC_NONE) return e;
    *mag = (mi_u128)hi * UINT64_C(100000000000000000) + lo;
    return MI_EXC_NONE;
}

static inline void put_pairs(uint8_t *p, unsigned n, uint64_t v) {
    for (unsigned i = n; i-- > 0;) {
        unsigned two = (unsigned)(v % 100u);
        v /= 100u;
        p[i] = (uint8_t)(((two / 10u) << 4) | (two % 10u));
    }
}

/* mag < 10^prec; a 0 pad nibble comes out by itself */
static void pkd_put(uint8_t *p, unsigned prec, mi_u128 mag, int neg) {
    unsigned nb = prec / 2 + 1;
    if (mag >> 64 == 0) {
        uint64_t m = (uint64_t)mag;
        p[nb - 1] = (uint8_t)(((m % 10u) << 4) | (neg ? 0xDu : 0xCu));
        put_pairs(p, nb - 1, m / 10u);
        return;
    }
    const uint64_t e17 = UINT64_C(100000000000000000);
    uint64_t lo = (uint64_t)(mag % e17), hi = (uint64_t)(mag / e17);
    pkd_put(p + nb - 9, 17, lo, neg);
    put_pairs(p, nb - 9, hi);
}

static mi_exc znd_get(const uint8_t *p, unsigned prec, mi_u128 *mag, int *neg) {
    uint64_t acc = 0;
    mi_u128 big = 0;
    unsigned nacc = 0;
    for (unsigned i = 0; i + 1 < prec; i++) {
        unsigned b = p[i];
        if ((b & 0xF0u) != 0x30u || (b & 15u) > 9) return MI_EXC_MCH1202;
        acc = acc * 10u + (b & 15u);
        if (++nacc == 18) {
            big = big * UINT64_C(1000000000000000000) + acc;
            acc = 0;
            nacc = 0;
        }
    }
    unsigned b = p[prec - 1], zone = b >> 4;
    if ((zone != 3 && zone != 7) || (b & 15u) > 9) return MI_EXC_MCH1202;
    acc = acc * 10u + (b & 15u);
    nacc++;
    *mag = big == 0 ? acc : big * (uint64_t)pow10_tab[nacc] + acc;
    *neg = zone == 7;
    return MI_EXC_NONE;
}

static void znd_put(uint8_t *p, unsigned prec, mi_u128 mag, int neg) {
    uint64_t lo = (uint64_t)(mag % UINT64_C(1000000000000000000));
    uint64_t hi = (uint64_t)(mag / UINT64_C(1000000000000000000));
    for (unsigned i = prec, k = 0; i-- > 0; k++) {
        if (k == 18) lo = hi;
        p[i] = (uint8_t)(0x30u + lo % 10u);
        lo /= 10u;
    }
    if (neg) p[prec - 1] = (uint8_t)(0x70u | (p[prec - 1] & 15u));
}

mi_exc mi_sem_dec_get64(const mi_type *t, const uint8_t *p, int64_t *coef) {
    mi_xval v;
    if (t->kind != MI_T_PKD && t->kind != MI_T_ZND) return MI_EXC_MCH1202;
    mi_exc e = mi_sem_load_x(t, p, &v);
    if (e != MI_EXC_NONE) return e;
    if (!fits64(v.c)) return MI_EXC_MCH1210;
    *coef = (int64_t)v.c;
    return MI_EXC_NONE;
}

mi_exc mi_sem_dec_put64(const mi_type *t, uint8_t *p, int64_t coef) {
    if ((t->kind != MI_T_PKD && t->kind != MI_T_ZND) || !mi_sem_numeric_ok(t)) return MI_EXC_MCH1210;
    mi_u128 m = mag128(coef);
    if (m >= pow10_tab[t->size]) return MI_EXC_MCH1210;
    if (t->kind == MI_T_PKD) pkd_put(p, t->size, m, coef < 0);
    else znd_put(p, t->size, m, coef < 0);
    return MI_EXC_NONE;
}

/* ---- loading */

mi_exc mi_sem_load_x(const mi_type *t, const uint8_t *p, mi_xval *v) {
    v->flt = 0;
    v->scale = 0;
    switch (t->kind) {
    case MI_T_BIN:
        switch (t->size) {
        case 1: v->c = (int8_t)p[0]; return MI_EXC_NONE;
        case 2: v->c = (int16_t)mi_ld16(p); return MI_EXC_NONE;
        case 4: v->c = (int32_t)mi_ld32(p); return MI_EXC_NONE;
        case 8: v->c = (int64_t)mi_ld64(p); return MI_EXC_NONE;
        default: return MI_EXC_MCH1202;
        }
    case MI_T_UBIN:
        switch (t->size) {
        case 1: v->c = p[0]; return MI_EXC_NONE;
        case 2: v->c = mi_ld16(p); return MI_EXC_NONE;
        case 4: v->c = mi_ld32(p); return MI_EXC_NONE;
        case 8: v->c = mi_ld64(p); return MI_EXC_NONE;
        default: return MI_EXC_MCH1202;
        }
    case MI_T_FLT:
        v->flt = 1;
        v->c = 0;
        if (t->size == 8) {
            uint64_t bits = mi_ld64(p);
            memcpy(&v->f, &bits, 8);
        } else if (t->size == 4) {
            uint32_t bits = mi_ld32(p);
            float f;
            memcpy(&f, &bits, 4);
            v->f = f;
        } else {
            return MI_EXC_MCH1202;
        }
        return MI_EXC_NONE;
    case MI_T_PKD:
    case MI_T_ZND: {
        mi_u128 m;
        int neg;
        mi_exc e;
        if (t->size < 1 || t->size > 31 || t->scale > t->size) return MI_EXC_MCH1202;
        if (t->kind == MI_T_ZND) {
            e = znd_get(p, t->size, &m, &neg);
        } else if (t->size <= 18) {
            uint64_t m64;
            e = pkd_get64(p, t->size, &m64, &neg);
            m = m64;
        } else {
            e = pkd_get128(p, t->size, &m, &neg);
        }
        if (e != MI_EXC_NONE) return e;
        v->c = neg ? -(mi_i128)m : (mi_i128)m;
        v->scale = t->scale;
        return MI_EXC_NONE;
    }
    default: return MI_EXC_MCH1202;
    }
}

/* Exact value -> binary64, round to nearest even. */
static double x_to_double(const mi_xval *v) {
    if (v->flt) return v->f;
    mi_i128 c = v->c;
    if (v->scale == 0) {
        if (fits64(c)) return (double)(int64_t)c; /* one IEEE conversion: correctly rounded */
        if (c > 0 && c <= UINT64_MAX) return (double)(uint64_t)c;
    } else if (v->scale <= 22 && c > -((mi_i128)1 << 53) && c < ((mi_i128)1 << 53)) {
        return (double)(int64_t)c / p10d[v->scale];
    }
    mi_dec d;
    mi_dec_set_u128(&d, mag128(c), c < 0, v->scale);
    return mi_dec_to_double(&d);
}

/* ---- storing */

/* c / 10^k truncated toward zero, or rounded half away from zero */
static mi_i128 div_pow10(mi_i128 c, int k, int rnd) {
    if (k <= 0) return c;
    if (k > 38) return 0; /* |c| < 2^127 < 10^39 / 2 */
    mi_u128 m = mag128(c), q, rem;
    if (m >> 64 == 0 && k <= 19) {
        uint64_t p = (uint64_t)pow10_tab[k];
        q = (uint64_t)m / p;
        rem = (uint64_t)m % p;
    } else {
        q = m / pow10_tab[k];
        rem = m % pow10_tab[k];
    }
    if (rnd && rem >= pow10_tab[k] / 2) q++;
    return c < 0 ? -(mi_i128)q : (mi_i128)q;
}

static mi_exc put_int(const mi_type *rt, uint8_t *r, mi_i128 c) {
    unsigned bits = 8u * rt->size;
    if (rt->kind == MI_T_BIN) {
        mi_i128 lim = (mi_i128)1 << (bits - 1);
        if (c < -lim || c >= lim) return MI_EXC_MCH1210;
    } else if (c < 0 || c >= ((mi_i128)1 << bits)) {
        return MI_EXC_MCH1210;
    }
    uint64_t raw = (uint64_t)c;
    switch (rt->size) {
    case 1: r[0] = (uint8_t)raw; break;
    case 2: mi_st16(r, (uint16_t)raw); break;
    case 4: mi_st32(r, (uint32_t)raw); break;
    default: mi_st64(r, raw); break;
    }
    return MI_EXC_NONE;
}

mi_exc mi_sem_store_x(const mi_type *rt, uint8_t *r, mi_i128 c, int sc, int rnd) {
    if (!mi_sem_numeric_ok(rt)) return MI_EXC_MCH1210;
    switch (rt->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: return put_int(rt, r, div_pow10(c, sc, rnd));
    case MI_T_PKD:
    case MI_T_ZND: {
        int p = rt->size, s = rt->scale;
        if (sc > s) {
            c = div_pow10(c, sc - s, rnd);
        } else if (sc < s && c != 0) {
            int k = s - sc; /* |c| * 10^k must stay below 10^p */
            if (k >= p || mag128(c) >= pow10_tab[p - k]) return MI_EXC_MCH1210;
            c *= (mi_i128)pow10_tab[k];
        }
        mi_u128 m = mag128(c);
        if (m >= pow10_tab[p]) return MI_EXC_MCH1210;
        if (rt->kind == MI_T_PKD) pkd_put(r, (unsigned)p, m, c < 0);
        else znd_put(r, (unsigned)p, m, c < 0);
        return MI_EXC_NONE;
    }
    default: /* MI_T_FLT */
        if (rt->size == 8) {
            if (sc == 0 && fits64(c)) {
                mi_sem_put_flt(rt, r, (double)(int64_t)c);
                return MI_EXC_NONE;
            }
            if (sc <= 22 && c > -((mi_i128)1 << 53) && c < ((mi_i128)1 << 53)) {
                mi_sem_put_flt(rt, r, (double)(int64_t)c / p10d[sc]);
                return MI_EXC_NONE;
            }
        } else {
            if (sc == 0 && fits64(c)) {
                mi_sem_put_flt32(r, (float)(int64_t)c);
                return MI_EXC_NONE;
            }
            if (sc <= 10 && c > -((mi_i128)1 << 24) && c < ((mi_i128)1 << 24)) {
                mi_sem_put_flt32(r, (float)(int32_t)c / p10f[sc]);
                return MI_EXC_NONE;
            }
        }
        mi_dec d;
        mi_dec_set_u128(&d, mag128(c), c < 0, sc);
        return mi_dec_store(rt, r, &d, 0);
    }
}

/* trunc(|d| * 10^k) with d's sign, exactly: |d| = m * 2^e with m < 2^53, and
 * m * 5^k < 2^128 for k <= 32, so the product shifted by k + e is the answer.
 * 0 if the result would reach 2^126 (out of range for every receiver). */
static int dbl_to_x(double d, int k, mi_i128 *out) {
    int ex;
    double f = frexp(fabs(d), &ex);
    if (d == 0) {
        *out = 0;
        return 1;
    }
    if (ex > 110) return 0;
    uint64_t m = (uint64_t)ldexp(f, 53);
    mi_u128 t = (mi_u128)m * pow5_tab[k];
    int j = k + ex - 53;
    if (j >= 0) {
        if (j > 126 || (t >> (126 - j)) != 0) return 0;
        t <<= j;
    } else {
        t = -j >= 128 ? 0 : t >> -j;
    }
    if (t >> 126 != 0) return 0;
    *out = d < 0 ? -(mi_i128)t : (mi_i128)t;
    return 1;
}

mi_exc mi_sem_store_f(const mi_type *rt, uint8_t *r, double d, int rnd) {
    mi_i128 c;
    if (!mi_sem_numeric_ok(rt)) return MI_EXC_MCH1210;
    switch (rt->kind) {
    case MI_T_FLT:
        mi_sem_put_flt(rt, r, d);
        return MI_EXC_NONE;
    case MI_T_BIN:
    case MI_T_UBIN:
        if (!isfinite(d)) return MI_EXC_MCH1210;
        if (fabs(d) < 0x1p63) /* trunc and round are exact on binary64 */
            return put_int(rt, r, (int64_t)(rnd ? round(d) : trunc(d)));
        if (!dbl_to_x(d, 1, &c)) return MI_EXC_MCH1210;
        return mi_sem_store_x(rt, r, c, 1, rnd);
    default: { /* PKD, ZND: s + 1 digits decide truncation and rounding at s */
        int k = rt->scale + 1;
        if (!isfinite(d) || !dbl_to_x(d, k, &c)) return MI_EXC_MCH1210;
        return mi_sem_store_x(rt, r, c, k, rnd);
    }
    }
}

/* ---- arithmetic */

/* c := c * 10^k keeping |c| < FIT; 0 if it would not */
static inline int scale_up(mi_i128 *c, int k) {
    if (k <= 0) return 1;
    if (k <= 18 && fits64(*c)) { /* < 2^63 * 10^18 < 2^123: one multiply */
        *c = (mi_i128)(int64_t)*c * (int64_t)(uint64_t)pow10_tab[k];
        return 1;
    }
    mi_i128 t;
    if (k > 38 || __builtin_mul_overflow(*c, (mi_i128)pow10_tab[k], &t) || t >= FIT || t <= -FIT)
        return *c == 0;
    *c = t;
    return 1;
}

/* bring x and y to the larger of their scales */
static inline int align(mi_xval *x, mi_xval *y) {
    if (x->scale < y->scale) {
        if (!scale_up(&x->c, y->scale - x->scale)) return 0;
        x->scale = y->scale;
    } else if (y->scale < x->scale) {
        if (!scale_up(&y->c, x->scale - y->scale)) return 0;
        y->scale = x->scale;
    }
    return 1;
}

static inline mi_i128 quo(mi_i128 n, mi_i128 d) {
    if (fits64(n) && fits64(d) && n != INT64_MIN) return (int64_t)n / (int64_t)d;
    return n / d; /* |n| < 2^126 */
}

static inline mi_i128 rem(mi_i128 n, mi_i128 d) {
    if (fits64(n) && fits64(d) && n != INT64_MIN) return (int64_t)n % (int64_t)d;
    return n % d;
}

static mi_exc arith_float(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                          const mi_xval *x, const mi_xval *y) {
    double u = x_to_double(x), w = x_to_double(y), z;
    switch (op) {
    case MI_OP_ADDN: z = u + w; break;
    case MI_OP_SUBN: z = u - w; break;
    case MI_OP_MULN: z = u * w; break;
    case MI_OP_DIVN: z = u / w; break;
    case MI_OP_REMN: z = fmod(u, w); break;
    default: return MI_EXC_MIE0008;
    }
    return mi_sem_store_f(rt, r, z, rnd);
}

/* DIVN into a FLT receiver: (A * 10^sb) / (B * 10^sa) rounded once; the fast
 * case is one IEEE division of exactly representable integers. 0: not handled. */
static int div_to_flt(const mi_type *rt, uint8_t *r, mi_xval *x, mi_xval *y) {
    mi_i128 n = x->c, d = y->c;
    if (!scale_up(&n, y->scale) || !scale_up(&d, x->scale)) return 0;
    if (n == 0) {
        mi_sem_put_flt(rt, r, 0.0); /* an exact zero is +0 whatever d's sign */
        return 1;
    }
    mi_i128 lim = (mi_i128)1 << (rt->size == 8 ? 53 : 24);
    if (n <= -lim || n >= lim || d <= -lim || d >= lim) return 0;
    if (rt->size == 8) mi_sem_put_flt(rt, r, (double)(int64_t)n / (double)(int64_t)d);
    else mi_sem_put_flt32(r, (float)(int32_t)n / (float)(int32_t)d);
    return 1;
}

mi_exc mi_sem_arith(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a,
                    const mi_type *bt, const uint8_t *b) {
    mi_xval x, y;
    mi_exc e = mi_sem_load_x(at, a, &x);
    if (e != MI_EXC_NONE) return e;
    e = mi_sem_load_x(bt, b, &y);
    if (e != MI_EXC_NONE) return e;
    if (x.flt | y.flt) return arith_float(op, rnd, rt, r, &x, &y);
    mi_i128 c;
    int sc;
    switch (op) {
    case MI_OP_SUBN:
        y.c = -y.c;
        /* fall through */
    case MI_OP_ADDN:
        if (!align(&x, &y)) goto general;
        c = x.c + y.c; /* both below 2^126 */
        sc = x.scale;
        break;
    case MI_OP_MULN:
        if (fits64(x.c) && fits64(y.c)) {
            c = (mi_i128)(int64_t)x.c * (int64_t)y.c;
        } else if (__builtin_mul_overflow(x.c, y.c, &c) || c >= FIT || c <= -FIT) {
            goto general;
        }
        sc = x.scale + y.scale;
        break;
    case MI_OP_DIVN: {
        if (y.c == 0) return MI_EXC_MCH1211;
        if (rt->kind == MI_T_FLT && mi_sem_numeric_ok(rt)) {
            if (div_to_flt(rt, r, &x, &y)) return MI_EXC_NONE;
            goto general;
        }
        /* the quotient truncated at rs + 1 fractional digits:
         * (A * 10^(sb + rs + 1 - sa)) / B */
        int rs = (rt->kind == MI_T_PKD || rt->kind == MI_T_ZND) ? rt->scale : 0;
        int ex = y.scale + rs + 1 - x.scale;
        if (ex >= 0 ? !scale_up(&x.c, ex) : !scale_up(&y.c, -ex)) goto general;
        c = quo(x.c, y.c);
        sc = rs + 1;
        break;
    }
    case MI_OP_REMN:
        if (y.c == 0) return MI_EXC_MCH1211;
        if (!align(&x, &y)) goto general;
        c = rem(x.c, y.c); /* C's % truncates: a - b * trunc(a / b) */
        sc = x.scale;
        break;
    default: return MI_EXC_MIE0008;
    }
    return mi_sem_store_x(rt, r, c, sc, rnd);
general:
    return mi_dec_arith(op, rnd, rt, r, at, a, bt, b);
}

mi_exc mi_sem_unary(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a) {
    mi_xval x;
    mi_exc e = mi_sem_load_x(at, a, &x);
    if (e != MI_EXC_NONE) return e;
    if (op != MI_OP_NEGN && op != MI_OP_ABSN && op != MI_OP_CPYNV) return MI_EXC_MIE0008;
    if (x.flt) {
        double z = x.f;
        if (op == MI_OP_NEGN) z = -z;
        else if (op == MI_OP_ABSN) z = fabs(z);
        if (op != MI_OP_CPYNV && z == 0) z = 0.0; /* NEGN/ABSN of zero: +0 */
        return mi_sem_store_f(rt, r, z, rnd);
    }
    if (op == MI_OP_NEGN) x.c = -x.c;
    else if (op == MI_OP_ABSN && x.c < 0) x.c = -x.c;
    return mi_sem_store_x(rt, r, x.c, x.scale, rnd);
}

/* ---- compare */

mi_exc mi_sem_cmpn(int *cmp, const mi_type *at, const uint8_t *a,
                   const mi_type *bt, const uint8_t *b) {
    mi_xval x, y;
    mi_exc e = mi_sem_load_x(at, a, &x);
    if (e != MI_EXC_NONE) return e;
    e = mi_sem_load_x(bt, b, &y);
    if (e != MI_EXC_NONE) return e;
    if (x.flt | y.flt) {
        double u = x_to_double(&x), w = x_to_double(&y);
        *cmp = (isnan(u) || isnan(w)) ? 2 : (u > w) - (u < w);
        return MI_EXC_NONE;
    }
    if (x.scale != y.scale) {
        /* if scaling the smaller-scale operand overflows, its magnitude is
         * beyond 2^126 > the other's, so its sign decides */
        mi_xval *lo = x.scale < y.scale ? &x : &y;
        int k = (x.scale < y.scale ? y.scale : x.scale) - lo->scale;
        if (!scale_up(&lo->c, k)) {
            int s = lo->c > 0 ? 1 : -1;
            *cmp = lo == &x ? s : -s;
            return MI_EXC_NONE;
        }
    }
    *cmp = (x.c > y.c) - (x.c < y.c);
    return MI_EXC_NONE;
}

int mi_sem_cond(mi_cond c, int cmp) {
    switch (c) {
    case MI_COND_HI: return cmp == 1;
    case MI_COND_LO: return cmp == -1;
    case MI_COND_EQ: return cmp == 0;
    case MI_COND_NE: return cmp != 0;
    case MI_COND_NH: return cmp == -1 || cmp == 0;
    case MI_COND_NL: return cmp == 1 || cmp == 0;
    default: return 0;
    }
}

/* ---- bitwise */

/* The operand's two's complement bit pattern, sign- or zero-extended to 64
 * bits; reducing it modulo 2^w is then taking its low w bits. */
static uint64_t raw_bits(const mi_type *t, const uint8_t *p) {
    uint64_t v;
    if (t->kind != MI_T_BIN && t->kind != MI_T_UBIN) return 0;
    switch (t->size) {
    case 1: v = p[0]; break;
    case 2: v = mi_ld16(p); break;
    case 4: v = mi_ld32(p); break;
    case 8: return mi_ld64(p);
    default: return 0;
    }
    if (t->kind == MI_T_BIN && (v >> (8 * t->size - 1)) & 1u) v |= ~(uint64_t)0 << (8 * t->size);
    return v;
}

mi_exc mi_sem_bitwise(mi_op op, const mi_type *rt, uint8_t *r,
                      const mi_type *at, const uint8_t *a,
                      const mi_type *bt, const uint8_t *b) {
    if ((rt->kind != MI_T_BIN && rt->kind != MI_T_UBIN) || !mi_sem_numeric_ok(rt)) return MI_EXC_NONE;
    unsigned w = 8u * rt->size;
    uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    uint64_t x = raw_bits(at, a) & mask, y = op == MI_OP_NOT ? 0 : raw_bits(bt, b), z;
    unsigned n = (unsigned)(y & (w - 1)); /* mathematical modulo w, w a power of two */
    switch (op) {
    case MI_OP_AND: z = x & y; break;
    case MI_OP_OR: z = x | y; break;
    case MI_OP_XOR: z = x ^ y; break;
    case MI_OP_NOT: z = ~x; break;
    case MI_OP_SHL: z = x << n; break;
    case MI_OP_SHR:
        z = x >> n;
        if (rt->kind == MI_T_BIN && n > 0 && ((x >> (w - 1)) & 1u)) z |= mask << (w - n);
        break;
    default: return MI_EXC_NONE;
    }
    z &= mask;
    switch (rt->size) {
    case 1: r[0] = (uint8_t)z; break;
    case 2: mi_st16(r, (uint16_t)z); break;
    case 4: mi_st32(r, (uint32_t)z); break;
    default: mi_st64(r, z); break;
    }
    return MI_EXC_NONE;
}

/* ---- integer loads and stores, defaults */

int64_t mi_sem_load_int(const mi_type *t, const uint8_t *p, int *ok) {
    *ok = 1;
    if (t->kind == MI_T_BIN || t->kind == MI_T_UBIN) {
        mi_xval v;
        if (mi_sem_load_x(t, p, &v) != MI_EXC_NONE || !fits64(v.c)) {
            *ok = 0;
            return 0;
        }
        return (int64_t)v.c;
    }
    /* any other numeric type: its value as CPYNV would put it in a BIN(8) */
    static const mi_type bin8 = {MI_T_BIN, 8, 0, 0};
    uint8_t buf[8];
    if (mi_sem_unary(MI_OP_CPYNV, 0, &bin8, buf, t, p) != MI_EXC_NONE) {
        *ok = 0;
        return 0;
    }
    return (int64_t)mi_ld64(buf);
}

mi_exc mi_sem_store_int(const mi_type *rt, uint8_t *r, int64_t v) {
    return mi_sem_store_x(rt, r, v, 0, 0);
}

void mi_sem_default(const mi_type *t, uint8_t *p) {
    switch (t->kind) {
    case MI_T_BIN:
    case MI_T_UBIN:
    case MI_T_FLT: memset(p, 0, t->size); break; /* +0.0 is all zero bits */
    case MI_T_PKD: {
        unsigned nb = t->size / 2u + 1u;
        memset(p, 0, nb - 1);
        p[nb - 1] = 0x0C;
        break;
    }
    case MI_T_ZND: memset(p, 0x30, t->size); break;
    case MI_T_CHAR: memset(p, 0x20, t->len); break;
    default: break;
    }
}
