/* Numeric semantics, fast paths (mi-spec/mi-v1.md §1, §2, §4): the public
 * mi_sem_arith/unary/bitwise/cmpn/cond/load_int/store_int/default.
 *
 * Four tiers, each handing on what it cannot finish exactly:
 *  1. BIN op BIN -> BIN: int64 with one overflow check (arith_bin);
 *  2. BIN, UBIN below 8 bytes and PKD/ZND of at most 18 digits: int64
 *     coefficients with scales (arith_small), PKD decoded 15 digits at a time
 *     with SWAR nibble arithmetic;
 *  3. every exact value as a __int128 coefficient and a scale (mi_xval): every
 *     source fits (31 digits < 2^104, UBIN(8) < 2^64), FLT operands too;
 *  4. when an intermediate would reach 2^126, the general path (sem_dec.c)
 *     recomputes the whole instruction from the operand bytes.
 * The unit tests prove the tiers equivalent on random operands. Conversions to
 * FLT use Clinger's exact fast case (an exactly representable integer divided
 * by an exactly representable power of ten is one correctly rounded IEEE
 * division) and the general exact rational rounding otherwise. */
#include <float.h>
#include <math.h>
#include <string.h>
#include "sem_dec.h"

/* Clinger's fast case needs C's float arithmetic to be IEEE binary32/64 with
 * no excess precision; elsewhere (x87) the general path does every rounding. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define CLINGER 1
#else
#define CLINGER 0
#endif

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

/* The first n <= 8 bytes at p as a big-endian integer. */
static inline uint64_t load_be(const uint8_t *p, unsigned n) {
    if (n == 8) return __builtin_bswap64(mi_ld64(p));
    if (n == 4) return __builtin_bswap32(mi_ld32(p));
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

/* Up to 15 BCD nibbles in the low bits of v (zero above): all 0-9? Adding 6
 * to a nibble carries out of it exactly when it is above 9. */
static inline int bcd_valid(uint64_t v) {
    const uint64_t six = UINT64_C(0x0666666666666666);
    return (((v + six) ^ v ^ six) & UINT64_C(0x1111111111111110)) == 0;
}

/* Up to 16 valid BCD nibbles -> binary, combining lanes pairwise (SWAR). */
static inline uint64_t bcd_to_bin(uint64_t v) {
    v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) + ((v >> 4) & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 10u;
    v = (v & UINT64_C(0x00FF00FF00FF00FF)) + ((v >> 8) & UINT64_C(0x00FF00FF00FF00FF)) * 100u;
    v = (v & UINT64_C(0x0000FFFF0000FFFF)) + ((v >> 16) & UINT64_C(0x0000FFFF0000FFFF)) * 10000u;
    return (v & 0xFFFFFFFFu) + (v >> 32) * 100000000u;
}

/* PKD of at most 18 digits. prec odd: no pad nibble; even: the nibble above
 * the digits must be 0. */
#define HOT static inline __attribute__((always_inline))

HOT mi_exc pkd_get64(const uint8_t *p, unsigned prec, uint64_t *mag, int *neg) {
    unsigned nb = prec / 2 + 1;
    uint64_t lo, hi = 0;
    if (nb <= 8) {
        lo = load_be(p, nb);
    } else { /* 16..18 digits: the last 8 bytes hold 15 digits and the sign */
        hi = load_be(p, nb - 8);
        lo = load_be(p + nb - 8, 8);
        if (!bcd_valid(hi) || (hi >> (4 * (prec - 15))) != 0) return MI_EXC_MCH1202;
    }
    unsigned sign = (unsigned)(lo & 15u);
    lo >>= 4;
    if (sign < 10 || !bcd_valid(lo) || (nb <= 8 && (lo >> (4 * prec)) != 0)) return MI_EXC_MCH1202;
    *mag = nb <= 8 ? bcd_to_bin(lo) : bcd_to_bin(hi) * UINT64_C(1000000000000000) + bcd_to_bin(lo);
    *neg = (0x2800u >> sign) & 1u; /* B and D */
    return MI_EXC_NONE;
}

/* prec 19..31: the last 9 bytes are 17 digits and the sign (an odd-precision
 * PKD(17) of their own), the bytes before them the higher digit pairs. */
static mi_exc pkd_get128(const uint8_t *p, unsigned prec, mi_u128 *mag, int *neg) {
    unsigned nb = prec / 2 + 1, nhi = nb - 9; /* 1..7 */
    uint64_t hi = load_be(p, nhi), lo;
    if (!bcd_valid(hi) || (hi >> (4 * (prec - 17))) != 0) return MI_EXC_MCH1202;
    mi_exc e = pkd_get64(p + nhi, 17, &lo, neg);
    if (e != MI_EXC_NONE) return e;
    *mag = (mi_u128)bcd_to_bin(hi) * UINT64_C(100000000000000000) + lo;
    return MI_EXC_NONE;
}

#define BCD1(x) (uint8_t)((((x) / 10) << 4) | ((x) % 10))
#define BCD10(t) BCD1(t##0), BCD1(t##1), BCD1(t##2), BCD1(t##3), BCD1(t##4), \
                 BCD1(t##5), BCD1(t##6), BCD1(t##7), BCD1(t##8), BCD1(t##9)
static const uint8_t bcd2[100] = {BCD1(0), BCD1(1), BCD1(2), BCD1(3), BCD1(4), BCD1(5),
                                  BCD1(6), BCD1(7), BCD1(8), BCD1(9), BCD10(1), BCD10(2),
                                  BCD10(3), BCD10(4), BCD10(5), BCD10(6), BCD10(7), BCD10(8),
                                  BCD10(9)};

/* 8 digits x < 10^8 as 4 BCD bytes; the four lookups are independent. */
static inline void put8(uint8_t *p, uint32_t x) {
    uint32_t a = x / 10000u, b = x % 10000u;
    p[0] = bcd2[a / 100u];
    p[1] = bcd2[a % 100u];
    p[2] = bcd2[b / 100u];
    p[3] = bcd2[b % 100u];
}

/* n bytes of digit pairs ending at p + n; m < 100^n */
static inline void put_pairs(uint8_t *p, unsigned n, uint64_t m) {
    for (; n >= 4; n -= 4) {
        put8(p + n - 4, (uint32_t)(m % 100000000u));
        m /= 100000000u;
    }
    uint32_t m32 = (uint32_t)m; /* < 10^6 */
    while (n > 0) {
        p[--n] = bcd2[m32 % 100u];
        m32 /= 100u;
    }
}

/* x < 10^8 as 8 BCD digits (32 bits), SWAR: split into two 4-digit lanes,
 * each into two 2-digit lanes, each into two digits, dividing every lane at
 * once by a multiply and shift (y / 100 = y * 5243 >> 19 for y < 43699, y / 10
 * = y * 103 >> 10 for y < 179; no lane's product reaches the next lane), then
 * squeeze the digit bytes into nibbles. */
static inline uint64_t bcd8(uint32_t x) {
    uint64_t hi = x / 10000u, v = (hi << 32) | (x - (uint32_t)hi * 10000u);
    uint64_t q = ((v * 5243u) >> 19) & UINT64_C(0x0000007F0000007F);
    v = (q << 16) | (v - q * 100u);
    q = ((v * 103u) >> 10) & UINT64_C(0x000F000F000F000F);
    v = (q << 8) | (v - q * 10u);
    v = (v | (v >> 4)) & UINT64_C(0x00FF00FF00FF00FF);
    v = (v | (v >> 8)) & UINT64_C(0x0000FFFF0000FFFF);
    return (v | (v >> 16)) & 0xFFFFFFFFu;
}

/* mag < 10^prec; a 0 pad nibble comes out by itself. Up to 15 digits the
 * bytes are one big-endian integer: the digits' BCD, then the sign nibble. */
static inline void pkd_put64(uint8_t *p, unsigned prec, uint64_t m, int neg) {
    unsigned nb = prec / 2 + 1;
    if (nb <= 8) {
        uint64_t h = m / 100000000u, lo = bcd8((uint32_t)(m - h * 100000000u));
        uint64_t v = ((h != 0 ? bcd8((uint32_t)h) << 32 : 0) | lo) << 4 | (neg ? 0xDu : 0xCu);
        if (nb == 8) {
            mi_st64(p, __builtin_bswap64(v));
        } else {
            for (unsigned i = 0; i < nb; i++) p[i] = (uint8_t)(v >> (8 * (nb - 1 - i)));
        }
        return;
    }
    p[nb - 1] = (uint8_t)(((m % 10u) << 4) | (neg ? 0xDu : 0xCu));
    put_pairs(p, nb - 1, m / 10u);
}

static void pkd_put(uint8_t *p, unsigned prec, mi_u128 mag, int neg) {
    if (mag >> 64 == 0) {
        pkd_put64(p, prec, (uint64_t)mag, neg);
        return;
    }
    const uint64_t e17 = UINT64_C(100000000000000000);
    unsigned nb = prec / 2 + 1;
    pkd_put64(p + nb - 9, 17, (uint64_t)(mag % e17), neg);
    put_pairs(p, nb - 9, (uint64_t)(mag / e17));
}

/* 8 ASCII digits (zone 3 everywhere) -> binary; 0 if any byte is not one. */
static inline int znd8(const uint8_t *p, uint64_t *out) {
    uint64_t v = __builtin_bswap64(mi_ld64(p));
    uint64_t d = v & UINT64_C(0x0F0F0F0F0F0F0F0F);
    if ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) != UINT64_C(0x3030303030303030) ||
        ((d + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) != 0)
        return 0;
    d = (d & UINT64_C(0x00FF00FF00FF00FF)) * 1u + ((d >> 8) & UINT64_C(0x00FF00FF00FF00FF)) * 10u;
    d = (d & UINT64_C(0x0000FFFF0000FFFF)) + ((d >> 16) & UINT64_C(0x0000FFFF0000FFFF)) * 100u;
    *out = (d & 0xFFFFFFFFu) + (d >> 32) * 10000u;
    return 1;
}

static inline mi_exc znd_get(const uint8_t *p, unsigned prec, mi_u128 *mag, int *neg) {
    mi_u128 big = 0;
    uint64_t acc = 0;
    unsigned i = 0, nacc = 0;
    for (; i + 8 < prec; i += 8) { /* all but the last byte, 8 at a time */
        uint64_t v;
        if (!znd8(p + i, &v)) return MI_EXC_MCH1202;
        if (nacc + 8 > 19) {
            big = big * (uint64_t)pow10_tab[nacc] + acc;
            acc = 0;
            nacc = 0;
        }
        acc = acc * 100000000u + v;
        nacc += 8;
    }
    for (; i < prec; i++) { /* acc keeps at most 19 digits: < 2^64 */
        unsigned b = p[i], zone = b >> 4;
        if ((zone != 3 && !(zone == 7 && i + 1 == prec)) || (b & 15u) > 9) return MI_EXC_MCH1202;
        if (nacc == 19) {
            big = big * (uint64_t)pow10_tab[nacc] + acc;
            acc = 0;
            nacc = 0;
        }
        acc = acc * 10u + (b & 15u);
        nacc++;
    }
    *mag = big == 0 ? acc : big * (uint64_t)pow10_tab[nacc] + acc;
    *neg = (p[prec - 1] >> 4) == 7;
    return MI_EXC_NONE;
}

static const char dig2[200] = "0001020304050607080910111213141516171819"
                              "2021222324252627282930313233343536373839"
                              "4041424344454647484950515253545556575859"
                              "6061626364656667686970717273747576777879"
                              "8081828384858687888990919293949596979899";

static inline void znd_put(uint8_t *p, unsigned prec, mi_u128 mag, int neg) {
    uint64_t lo = (uint64_t)(mag % UINT64_C(1000000000000000000));
    uint64_t hi = (uint64_t)(mag / UINT64_C(1000000000000000000));
    unsigned i = prec, k = 0;
    for (; i >= 2 && k + 2 <= 18; i -= 2, k += 2) { /* two digits of lo at a time */
        unsigned two = (unsigned)(lo % 100u);
        lo /= 100u;
        p[i - 1] = (uint8_t)dig2[2 * two + 1];
        p[i - 2] = (uint8_t)dig2[2 * two];
    }
    for (; i > 0; i--, k++) {
        if (k == 18) lo = hi;
        p[i - 1] = (uint8_t)(0x30u + lo % 10u);
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
    if ((t->kind != MI_T_PKD && t->kind != MI_T_ZND) || !mi_sem_numeric_ok(t))
        return MI_EXC_MCH1210;
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
    } else if (CLINGER && v->scale <= 22 && c > -((mi_i128)1 << 53) && c < ((mi_i128)1 << 53)) {
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
            if (CLINGER && sc <= 22 && c > -((mi_i128)1 << 53) && c < ((mi_i128)1 << 53)) {
                mi_sem_put_flt(rt, r, (double)(int64_t)c / p10d[sc]);
                return MI_EXC_NONE;
            }
        } else {
            if (sc == 0 && fits64(c)) {
                mi_sem_put_flt32(r, (float)(int64_t)c);
                return MI_EXC_NONE;
            }
            if (CLINGER && sc <= 10 && c > -((mi_i128)1 << 24) && c < ((mi_i128)1 << 24)) {
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

/* ---- the int64 path: every operand a BIN, a UBIN below 8 bytes, or a
 * PKD/ZND of at most 18 digits, so coefficients fit int64. Anything that would
 * overflow int64 returns WIDE and the instruction continues on the __int128
 * path, which computes it from the operand bytes again. */

#define WIDE MI_EXC_COUNT

static inline int small_type(const mi_type *t) {
    switch (t->kind) {
    case MI_T_BIN: return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
    case MI_T_UBIN: return t->size == 1 || t->size == 2 || t->size == 4;
    case MI_T_PKD:
    case MI_T_ZND: return t->size >= 1 && t->size <= 18 && t->scale <= t->size;
    default: return 0;
    }
}

static inline unsigned small_scale(const mi_type *t) {
    return t->kind == MI_T_PKD || t->kind == MI_T_ZND ? t->scale : 0;
}

static inline uint64_t p10u(unsigned k) { return (uint64_t)pow10_tab[k]; } /* k <= 19 */

HOT mi_exc load_small(const mi_type *t, const uint8_t *p, int64_t *c) {
    switch (t->kind) {
    case MI_T_BIN:
        switch (t->size) {
        case 1: *c = (int8_t)p[0]; break;
        case 2: *c = (int16_t)mi_ld16(p); break;
        case 4: *c = (int32_t)mi_ld32(p); break;
        default: *c = (int64_t)mi_ld64(p); break;
        }
        return MI_EXC_NONE;
    case MI_T_UBIN:
        *c = t->size == 1 ? p[0] : t->size == 2 ? mi_ld16(p) : (int64_t)mi_ld32(p);
        return MI_EXC_NONE;
    case MI_T_PKD: {
        uint64_t m;
        int neg;
        mi_exc e = pkd_get64(p, t->size, &m, &neg);
        if (e != MI_EXC_NONE) return e;
        *c = neg ? -(int64_t)m : (int64_t)m; /* m < 10^18 */
        return MI_EXC_NONE;
    }
    default: {
        mi_u128 m;
        int neg;
        mi_exc e = znd_get(p, t->size, &m, &neg);
        if (e != MI_EXC_NONE) return e;
        *c = neg ? -(int64_t)m : (int64_t)m;
        return MI_EXC_NONE;
    }
    }
}

/* z / 10^k truncated toward zero, or rounded half away from zero */
static inline int64_t div10_64(int64_t z, unsigned k, int rnd) {
    if (k == 0) return z;
    uint64_t m = z < 0 ? -(uint64_t)z : (uint64_t)z, q = 0;
    if (k <= 19) { /* beyond, |z| < 2^63 < 10^19 / 2 gives 0 */
        uint64_t pk = p10u(k);
        q = m / pk;
        if (rnd && m % pk >= pk / 2) q++;
    }
    return z < 0 ? -(int64_t)q : (int64_t)q;
}

static inline mi_exc put_int64(const mi_type *rt, uint8_t *r, int64_t v) {
    switch (rt->size) {
    case 1:
        if (rt->kind == MI_T_BIN ? v < -128 || v > 127 : v < 0 || v > 255) return MI_EXC_MCH1210;
        r[0] = (uint8_t)v;
        return MI_EXC_NONE;
    case 2:
        if (rt->kind == MI_T_BIN ? v < -32768 || v > 32767 : v < 0 || v > 65535)
            return MI_EXC_MCH1210;
        mi_st16(r, (uint16_t)v);
        return MI_EXC_NONE;
    case 4:
        if (rt->kind == MI_T_BIN ? v < INT32_MIN || v > INT32_MAX : v < 0 || v > UINT32_MAX)
            return MI_EXC_MCH1210;
        mi_st32(r, (uint32_t)v);
        return MI_EXC_NONE;
    case 8:
        if (rt->kind == MI_T_UBIN && v < 0) return MI_EXC_MCH1210;
        mi_st64(r, (uint64_t)v);
        return MI_EXC_NONE;
    default: return MI_EXC_MCH1210;
    }
}

HOT mi_exc store_small(const mi_type *rt, uint8_t *r, int64_t z, unsigned sz, int rnd) {
    switch (rt->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: return put_int64(rt, r, div10_64(z, sz, rnd));
    case MI_T_PKD:
    case MI_T_ZND: {
        unsigned p = rt->size, s = rt->scale;
        int64_t v = z;
        if (p < 1 || p > 31 || s > p) return MI_EXC_MCH1210;
        if (sz > s) {
            v = div10_64(z, sz - s, rnd);
        } else if (sz < s &&
                   (s - sz > 18 || __builtin_mul_overflow(z, (int64_t)p10u(s - sz), &v))) {
            return mi_sem_store_x(rt, r, z, (int)sz, rnd);
        }
        uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
        if (p < 20 && m >= p10u(p)) return MI_EXC_MCH1210;
        if (rt->kind == MI_T_PKD) pkd_put64(r, p, m, v < 0);
        else znd_put(r, p, m, v < 0);
        return MI_EXC_NONE;
    }
    default: return mi_sem_store_x(rt, r, z, (int)sz, rnd);
    }
}

/* bring x and y to the larger of their scales; 0 on overflow */
static inline int align64(int64_t *x, unsigned *sx, int64_t *y, unsigned *sy) {
    if (*sx < *sy) {
        if (*sy - *sx > 18 || __builtin_mul_overflow(*x, (int64_t)p10u(*sy - *sx), x)) return 0;
        *sx = *sy;
    } else if (*sy < *sx) {
        if (*sx - *sy > 18 || __builtin_mul_overflow(*y, (int64_t)p10u(*sx - *sy), y)) return 0;
        *sy = *sx;
    }
    return 1;
}

static __attribute__((noinline)) mi_exc arith_small(mi_op op, int rnd, const mi_type *rt,
                                                    uint8_t *r, const mi_type *at,
                                                    const uint8_t *a, const mi_type *bt,
                                                    const uint8_t *b) {
    int64_t x, y, z;
    unsigned sx = small_scale(at), sy = small_scale(bt), sz;
    mi_exc e = load_small(at, a, &x);
    if (e != MI_EXC_NONE) return e;
    e = load_small(bt, b, &y);
    if (e != MI_EXC_NONE) return e;
    switch (op) {
    case MI_OP_ADDN:
    case MI_OP_SUBN:
        if (!align64(&x, &sx, &y, &sy)) return WIDE;
        if (op == MI_OP_ADDN ? __builtin_add_overflow(x, y, &z) : __builtin_sub_overflow(x, y, &z))
            return WIDE;
        sz = sx;
        break;
    case MI_OP_MULN:
        if (__builtin_mul_overflow(x, y, &z)) return WIDE;
        sz = sx + sy;
        break;
    case MI_OP_DIVN: {
        if (y == 0) return MI_EXC_MCH1211;
        if (rt->kind == MI_T_FLT) return WIDE;
        /* the quotient truncated at rs + 1 fractional digits */
        int ex = (int)(sy + small_scale(rt) + 1) - (int)sx;
        int64_t *scaled = ex >= 0 ? &x : &y;
        unsigned k = (unsigned)(ex >= 0 ? ex : -ex);
        if (k > 18 || (k > 0 && __builtin_mul_overflow(*scaled, (int64_t)p10u(k), scaled)))
            return WIDE;
        if (x == INT64_MIN && y == -1) return WIDE;
        z = x / y;
        sz = small_scale(rt) + 1;
        break;
    }
    case MI_OP_REMN:
        if (y == 0) return MI_EXC_MCH1211;
        if (!align64(&x, &sx, &y, &sy)) return WIDE;
        z = y == -1 ? 0 : x % y; /* C's % truncates: a - b * trunc(a / b) */
        sz = sx;
        break;
    default: return MI_EXC_MIE0008;
    }
    return store_small(rt, r, z, sz, rnd);
}

/* Sums and differences of up to 15 BCD digits (60 bits), digit-parallel: add
 * 6 to every digit so that a digit sum above 9 carries out of its nibble, then
 * take the 6 back from the digits that did not carry (their carry-in bits at
 * the nibble boundaries are clear). A carry out of digit 15 is left in the top
 * nibble. bcd_sub: a >= b; a digit that borrowed holds 16 too many minus the
 * 10 it borrowed, so 6 comes off it (it is at least 6: no further borrow). */
static inline uint64_t bcd_add(uint64_t a, uint64_t b) {
    uint64_t t1 = a + UINT64_C(0x0666666666666666), t2 = t1 + b;
    uint64_t nc = ~(t2 ^ t1 ^ b) & UINT64_C(0x1111111111111110);
    return t2 - ((nc >> 2) | (nc >> 3));
}
static inline uint64_t bcd_sub(uint64_t a, uint64_t b) {
    uint64_t t = a - b, bw = (t ^ a ^ b) & UINT64_C(0x1111111111111110);
    return t - ((bw >> 2) | (bw >> 3));
}

/* X := X + delta on a PKD(n <= 15) in place without converting X to binary:
 * the delta goes to BCD (which does not wait for the load) and the digits are
 * added or subtracted as BCD, so the load -> store path is a few instructions
 * instead of a decode and an encode. Measured on the ledger (1M transactions,
 * translated): 81.9 -> 79.0 ms; the call is bound by its instruction count more
 * than by that path. Magnitudes in BCD compare as their values do. 0 (nothing
 * written) where the binary path must decide: bad data, |delta| >= 10^n, too
 * many digits. */
HOT int pkd_add_bcd(uint8_t *p, unsigned n, int64_t delta, int64_t *stored) {
    unsigned nb = n / 2 + 1;
    uint64_t v = load_be(p, nb), xm = v >> 4, dm, rm;
    unsigned sign = (unsigned)(v & 15u);
    if (sign < 10 || !bcd_valid(xm) || (xm >> (4 * n)) != 0) return 0;
    int xneg = (0x2800u >> sign) & 1u, dneg = delta < 0, rneg;
    uint64_t d = dneg ? -(uint64_t)delta : (uint64_t)delta;
    if (d >= p10u(n)) return 0;
    uint64_t dh = d / 100000000u;
    dm = (dh != 0 ? bcd8((uint32_t)dh) << 32 : 0) | bcd8((uint32_t)(d - dh * 100000000u));
    if (xneg == dneg) {
        rm = bcd_add(xm, dm);
        if ((rm >> (4 * n)) != 0) return 0;
        rneg = xneg;
    } else if (xm >= dm) {
        rm = bcd_sub(xm, dm);
        rneg = xneg;
    } else {
        rm = bcd_sub(dm, xm);
        rneg = dneg;
    }
    v = rm << 4 | (rm != 0 && rneg ? 0xDu : 0xCu);
    if (nb == 8) {
        mi_st64(p, __builtin_bswap64(v));
    } else {
        for (unsigned i = 0; i < nb; i++) p[i] = (uint8_t)(v >> (8 * (nb - 1 - i)));
    }
    int64_t x = (int64_t)bcd_to_bin(xm); /* < 10^15: the sum cannot overflow */
    *stored = (xneg ? -x : x) + delta;
    return 1;
}

/* One function per precision P, so that pkd_get64/pkd_put64 are compiled with
 * a constant byte count (no loops, no variable shifts: 72 -> ~30 host
 * instructions per PKD(15) decode); translated code calls them directly
 * (rt->pkdgetv[P] ...): no range test, no switch, fewer arguments for tcc's
 * code to pass (~10 host instructions less per call, a dozen calls per ledger
 * transaction). */
#define PKD_PRECS(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
                     X(13) X(14) X(15) X(16) X(17) X(18)
#define PKD_ONE(n)                                                                        \
    static int pkd_get_##n(const uint8_t *p, int64_t *coef) {                            \
        uint64_t m;                                                                      \
        int neg;                                                                         \
        if (pkd_get64(p, n, &m, &neg) != MI_EXC_NONE) return 0;                          \
        *coef = neg ? -(int64_t)m : (int64_t)m;                                          \
        return 1;                                                                        \
    }                                                                                    \
    static int pkd_set_##n(uint8_t *p, int64_t v, int64_t *stored) {                     \
        uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;                                 \
        if (m >= p10u(n)) return 0;                                                      \
        pkd_put64(p, n, m, v < 0);                                                       \
        *stored = v;                                                                     \
        return 1;                                                                        \
    }                                                                                    \
    static int pkd_add_##n(uint8_t *p, int64_t delta, int64_t *stored) {                 \
        int64_t x, z;                                                                    \
        if (n <= 15 && pkd_add_bcd(p, n, delta, stored)) return 1;                      \
        return pkd_get_##n(p, &x) && !__builtin_add_overflow(x, delta, &z) && pkd_set_##n(p, z, stored); \
    }
PKD_PRECS(PKD_ONE)
#undef PKD_ONE
#define PKD_GETF(n) pkd_get_##n,
#define PKD_SETF(n) pkd_set_##n,
#define PKD_ADDF(n) pkd_add_##n,
const mi_pkd_getfn mi_sem_pkd_getv[19] = {NULL, PKD_PRECS(PKD_GETF)};
const mi_pkd_setfn mi_sem_pkd_setv[19] = {NULL, PKD_PRECS(PKD_SETF)};
const mi_pkd_setfn mi_sem_pkd_addv[19] = {NULL, PKD_PRECS(PKD_ADDF)};
#undef PKD_GETF
#undef PKD_SETF
#undef PKD_ADDF

int mi_sem_pkd_get(const uint8_t *p, uint32_t prec, int64_t *coef) {
    return prec >= 1 && prec <= 18 && mi_sem_pkd_getv[prec](p, coef);
}

/* z / 10^k, truncated or rounded half away; constant divisors, so that each is a
 * multiply instead of a divide instruction. */
static int64_t pkd_rescale(int64_t z, uint32_t k, int rnd) {
    switch (k) {
#define PKD_DIV(n) case n: return div10_64(z, n, rnd);
        PKD_DIV(1) PKD_DIV(2) PKD_DIV(3) PKD_DIV(4) PKD_DIV(5) PKD_DIV(6) PKD_DIV(7) PKD_DIV(8)
        PKD_DIV(9) PKD_DIV(10) PKD_DIV(11) PKD_DIV(12) PKD_DIV(13) PKD_DIV(14) PKD_DIV(15)
        PKD_DIV(16) PKD_DIV(17) PKD_DIV(18)
#undef PKD_DIV
    default: return z;
    }
}

int mi_sem_pkd_put(uint8_t *p, uint32_t prec, int64_t z, uint32_t k, int rnd, int64_t *stored) {
    if (prec < 1 || prec > 18 || k > 18) return 0;
    return mi_sem_pkd_setv[prec](p, pkd_rescale(z, k, rnd), stored);
}

int mi_sem_pkd_scale(int64_t z, uint32_t prec, uint32_t k, int rnd, int64_t *v) {
    if (prec < 1 || prec > 18 || k > 18) return 0;
    int64_t x = pkd_rescale(z, k, rnd);
    uint64_t m = x < 0 ? -(uint64_t)x : (uint64_t)x;
    if (m >= p10u(prec)) return 0;
    *v = x;
    return 1;
}

/* BIN op BIN -> BIN, the commonest shape of all (counters, indices): no
 * scales, no decimal, one overflow check. */
static inline int ld_bin(const mi_type *t, const uint8_t *p, int64_t *v) {
    switch (t->size) {
    case 1: *v = (int8_t)p[0]; return 1;
    case 2: *v = (int16_t)mi_ld16(p); return 1;
    case 4: *v = (int32_t)mi_ld32(p); return 1;
    case 8: *v = (int64_t)mi_ld64(p); return 1;
    default: return 0;
    }
}

static inline mi_exc arith_bin(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                               const mi_type *at, const uint8_t *a,
                               const mi_type *bt, const uint8_t *b) {
    int64_t x, y, z;
    if (!ld_bin(at, a, &x) || !ld_bin(bt, b, &y)) return WIDE;
    switch (op) {
    case MI_OP_ADDN:
        if (__builtin_add_overflow(x, y, &z)) return WIDE;
        break;
    case MI_OP_SUBN:
        if (__builtin_sub_overflow(x, y, &z)) return WIDE;
        break;
    case MI_OP_MULN:
        if (__builtin_mul_overflow(x, y, &z)) return WIDE;
        break;
    case MI_OP_DIVN:
        if (y == 0) return MI_EXC_MCH1211;
        if (y == -1) {
            if (x == INT64_MIN) return WIDE;
            z = -x;
            break;
        }
        z = x / y;
        if (rnd) { /* half away from zero: |remainder| >= |y| / 2 */
            uint64_t rm = (uint64_t)(x % y), ym = (uint64_t)y;
            if ((int64_t)rm < 0) rm = -rm;
            if (y < 0) ym = -ym;
            if (rm >= ym - rm) z += (x < 0) != (y < 0) ? -1 : 1;
        }
        break;
    case MI_OP_REMN:
        if (y == 0) return MI_EXC_MCH1211;
        z = y == -1 ? 0 : x % y;
        break;
    default: return MI_EXC_MIE0008;
    }
    return put_int64(rt, r, z);
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
    if (!CLINGER || n <= -lim || n >= lim || d <= -lim || d >= lim) return 0;
    if (rt->size == 8) mi_sem_put_flt(rt, r, (double)(int64_t)n / (double)(int64_t)d);
    else mi_sem_put_flt32(r, (float)(int32_t)n / (float)(int32_t)d);
    return 1;
}

/* The __int128 path: every exact operand, FLT operands, and whatever the
 * int64 paths hand on. */
static __attribute__((noinline)) mi_exc arith_wide(mi_op op, int rnd, const mi_type *rt,
                                                   uint8_t *r, const mi_type *at,
                                                   const uint8_t *a, const mi_type *bt,
                                                   const uint8_t *b) {
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

/* A thin dispatcher, so the commonest shapes pay for no big stack frame. */
mi_exc mi_sem_arith(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a,
                    const mi_type *bt, const uint8_t *b) {
    mi_exc e = WIDE;
    if (at->kind == MI_T_BIN && bt->kind == MI_T_BIN && rt->kind == MI_T_BIN)
        e = arith_bin(op, rnd, rt, r, at, a, bt, b);
    else if (small_type(at) && small_type(bt))
        e = arith_small(op, rnd, rt, r, at, a, bt, b);
    return e != WIDE ? e : arith_wide(op, rnd, rt, r, at, a, bt, b);
}

mi_exc mi_sem_unary(mi_op op, int rnd, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a) {
    if (op != MI_OP_NEGN && op != MI_OP_ABSN && op != MI_OP_CPYNV) return MI_EXC_MIE0008;
    if (small_type(at)) {
        int64_t v;
        mi_exc e = load_small(at, a, &v);
        if (e != MI_EXC_NONE) return e;
        if (v != INT64_MIN) {
            if (op == MI_OP_NEGN || (op == MI_OP_ABSN && v < 0)) v = -v;
            return store_small(rt, r, v, small_scale(at), rnd);
        }
    }
    mi_xval x;
    mi_exc e = mi_sem_load_x(at, a, &x);
    if (e != MI_EXC_NONE) return e;
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
    if (small_type(at) && small_type(bt)) {
        int64_t u, w;
        unsigned su = small_scale(at), sw = small_scale(bt);
        mi_exc e = load_small(at, a, &u);
        if (e != MI_EXC_NONE) return e;
        e = load_small(bt, b, &w);
        if (e != MI_EXC_NONE) return e;
        if (align64(&u, &su, &w, &sw)) {
            *cmp = (u > w) - (u < w);
            return MI_EXC_NONE;
        }
    }
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
    if ((rt->kind != MI_T_BIN && rt->kind != MI_T_UBIN) || !mi_sem_numeric_ok(rt))
        return MI_EXC_NONE; /* not a verified template: nothing sensible to do */
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
