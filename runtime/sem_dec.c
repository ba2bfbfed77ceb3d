/* The general path of MI's numeric semantics (mi-spec/mi-v1.md §1, §4): exact
 * decimal arithmetic on mi_dec, a fixed-capacity base-10^9 number, and whole
 * instructions computed with nothing else. sem_num.c's fast paths fall back to
 * these functions whenever a value leaves the __int128 range, and the unit
 * tests check that both give identical bytes on random operands.
 *
 * Speed does not matter much here; obviousness does. Decoders and encoders
 * below are deliberately written differently from sem_num.c's (digit by digit
 * instead of byte pairs) so that the differential test compares two codings. */
#include <math.h>
#include <string.h>
#include "sem_dec.h"

static const uint32_t p10[10] = {1u,      10u,      100u,      1000u,      10000u,
                                 100000u, 1000000u, 10000000u, 100000000u, 1000000000u};

static void trim(mi_dec *v) {
    while (v->n > 0 && v->d[v->n - 1] == 0) v->n--;
    if (v->n == 0) v->neg = 0;
}

static void set_zero(mi_dec *v, int scale) {
    v->n = 0;
    v->neg = 0;
    v->scale = scale;
}

void mi_dec_set_u128(mi_dec *v, mi_u128 mag, int neg, int scale) {
    v->n = 0;
    v->scale = scale;
    while (mag != 0) { /* 2^128 < 10^39: at most 5 limbs */
        v->d[v->n++] = (uint32_t)(mag % MI_DEC_BASE);
        mag /= MI_DEC_BASE;
    }
    v->neg = neg && v->n > 0;
}

int mi_dec_get_u128(const mi_dec *v, mi_u128 *mag) {
    mi_u128 acc = 0;
    const mi_u128 max = ~(mi_u128)0;
    for (int i = v->n - 1; i >= 0; i--) {
        if (acc > (max - v->d[i]) / MI_DEC_BASE) return 0;
        acc = acc * MI_DEC_BASE + v->d[i];
    }
    *mag = acc;
    return 1;
}

int mi_dec_digits(const mi_dec *v) {
    if (v->n == 0) return 0;
    int k = 1;
    while (k < 10 && v->d[v->n - 1] >= p10[k]) k++;
    return (v->n - 1) * MI_DEC_LIMB_DIGITS + k;
}

/* Digit i (0 = least significant) of the magnitude. */
static unsigned digit_at(const mi_dec *v, int i) {
    int l = i / MI_DEC_LIMB_DIGITS;
    if (i < 0 || l >= v->n) return 0;
    return (v->d[l] / p10[i % MI_DEC_LIMB_DIGITS]) % 10u;
}

int mi_dec_cmp_mag(const mi_dec *a, const mi_dec *b) {
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->d[i] != b->d[i]) return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

int mi_dec_mul_small(mi_dec *v, uint32_t m) {
    uint64_t carry = 0;
    if (m == 0) {
        set_zero(v, v->scale);
        return 0;
    }
    for (int i = 0; i < v->n; i++) { /* < 1e9 * 2^32 + 2^33: fits */
        uint64_t t = (uint64_t)v->d[i] * m + carry;
        v->d[i] = (uint32_t)(t % MI_DEC_BASE);
        carry = t / MI_DEC_BASE;
    }
    while (carry != 0) {
        if (v->n >= MI_DEC_LIMBS) return -1;
        v->d[v->n++] = (uint32_t)(carry % MI_DEC_BASE);
        carry /= MI_DEC_BASE;
    }
    return 0;
}

int mi_dec_mul_pow10(mi_dec *v, int k) {
    if (k <= 0 || v->n == 0) return 0;
    int limbs = k / MI_DEC_LIMB_DIGITS;
    if (limbs > 0) {
        if (v->n + limbs > MI_DEC_LIMBS) return -1;
        memmove(v->d + limbs, v->d, (size_t)v->n * sizeof v->d[0]);
        memset(v->d, 0, (size_t)limbs * sizeof v->d[0]);
        v->n += limbs;
    }
    return mi_dec_mul_small(v, p10[k % MI_DEC_LIMB_DIGITS]);
}

int mi_dec_mul_pow2(mi_dec *v, int k) {
    for (; k >= 31; k -= 31)
        if (mi_dec_mul_small(v, 1u << 31) != 0) return -1;
    return k > 0 ? mi_dec_mul_small(v, 1u << k) : 0;
}

/* Magnitude := floor(magnitude / m), returns the remainder. 1 <= m <= 2^31. */
static uint32_t div_small(mi_dec *v, uint32_t m) {
    uint64_t rem = 0;
    for (int i = v->n - 1; i >= 0; i--) {
        uint64_t t = rem * MI_DEC_BASE + v->d[i];
        v->d[i] = (uint32_t)(t / m);
        rem = t % m;
    }
    trim(v);
    return (uint32_t)rem;
}

/* Magnitude += 1 */
static int incr(mi_dec *v) {
    for (int i = 0; i < v->n; i++) {
        if (++v->d[i] < MI_DEC_BASE) return 0;
        v->d[i] = 0;
    }
    if (v->n >= MI_DEC_LIMBS) return -1;
    v->d[v->n++] = 1;
    return 0;
}

int mi_dec_drop_digits(mi_dec *v, int k, int round) {
    if (k <= 0) return 0;
    int neg = v->neg;
    unsigned first = digit_at(v, k - 1); /* the first dropped digit decides rounding */
    int limbs = k / MI_DEC_LIMB_DIGITS;
    v->scale -= k;
    if (limbs >= v->n) {
        v->n = 0;
    } else if (limbs > 0) {
        memmove(v->d, v->d + limbs, (size_t)(v->n - limbs) * sizeof v->d[0]);
        v->n -= limbs;
    }
    if (v->n > 0) div_small(v, p10[k % MI_DEC_LIMB_DIGITS]);
    if (round && first >= 5 && incr(v) != 0) return -1;
    trim(v);
    v->neg = neg && v->n > 0;
    return 0;
}

static int add_mag(mi_dec *r, const mi_dec *a, const mi_dec *b) {
    int n = a->n > b->n ? a->n : b->n;
    uint32_t carry = 0;
    for (int i = 0; i < n; i++) {
        uint32_t s = carry + (i < a->n ? a->d[i] : 0) + (i < b->n ? b->d[i] : 0);
        carry = s >= MI_DEC_BASE;
        r->d[i] = carry ? s - MI_DEC_BASE : s;
    }
    r->n = n;
    if (carry) {
        if (n >= MI_DEC_LIMBS) return -1;
        r->d[r->n++] = 1;
    }
    return 0;
}

/* r := a - b on magnitudes, requires a >= b; r may alias a. */
static void sub_mag(mi_dec *r, const mi_dec *a, const mi_dec *b) {
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->d[i] - (i < b->n ? b->d[i] : 0) - borrow;
        borrow = t < 0;
        r->d[i] = (uint32_t)(t < 0 ? t + MI_DEC_BASE : t);
    }
    r->n = a->n;
    trim(r);
}

int mi_dec_add(mi_dec *r, const mi_dec *a, const mi_dec *b, int negate_b) {
    mi_dec x = *a, y = *b;
    int s = x.scale > y.scale ? x.scale : y.scale;
    if (mi_dec_mul_pow10(&x, s - x.scale) != 0 || mi_dec_mul_pow10(&y, s - y.scale) != 0) return -1;
    int yneg = y.n > 0 && (y.neg ^ (negate_b != 0));
    if (x.neg == yneg) {
        if (add_mag(r, &x, &y) != 0) return -1;
        r->neg = x.neg;
    } else if (mi_dec_cmp_mag(&x, &y) >= 0) {
        sub_mag(r, &x, &y);
        r->neg = x.neg;
    } else {
        sub_mag(r, &y, &x);
        r->neg = yneg;
    }
    r->scale = s;
    trim(r);
    return 0;
}

int mi_dec_mul(mi_dec *r, const mi_dec *a, const mi_dec *b) {
    mi_dec t;
    set_zero(&t, a->scale + b->scale);
    if (a->n == 0 || b->n == 0) {
        *r = t;
        return 0;
    }
    if (a->n + b->n > MI_DEC_LIMBS) return -1;
    memset(t.d, 0, sizeof t.d);
    for (int i = 0; i < a->n; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < b->n; j++) { /* < 1e9 + 1e18 + 2^31: fits */
            uint64_t s = t.d[i + j] + (uint64_t)a->d[i] * b->d[j] + carry;
            t.d[i + j] = (uint32_t)(s % MI_DEC_BASE);
            carry = s / MI_DEC_BASE;
        }
        t.d[i + b->n] = (uint32_t)carry;
    }
    t.n = a->n + b->n;
    t.neg = a->neg ^ b->neg;
    trim(&t);
    *r = t;
    return 0;
}

/* Knuth, TAOCP vol. 2, 4.3.1, algorithm D, in base 10^9. */
int mi_dec_divmod(mi_dec *q, mi_dec *rem, const mi_dec *a, const mi_dec *b) {
    mi_dec qq, rr;
    set_zero(&qq, 0);
    set_zero(&rr, 0);
    if (b->n == 0) return -1;
    if (mi_dec_cmp_mag(a, b) < 0) {
        rr = *a;
    } else if (b->n == 1) {
        qq = *a;
        uint32_t r1 = div_small(&qq, b->d[0]);
        mi_dec_set_u128(&rr, r1, 0, 0);
    } else {
        int n = b->n, m = a->n - b->n;
        uint32_t u[MI_DEC_LIMBS + 1], v[MI_DEC_LIMBS];
        /* normalise so that v's top limb is at least BASE/2 */
        uint32_t f = MI_DEC_BASE / (b->d[n - 1] + 1u);
        uint64_t carry = 0;
        for (int i = 0; i < a->n; i++) {
            uint64_t t = (uint64_t)a->d[i] * f + carry;
            u[i] = (uint32_t)(t % MI_DEC_BASE);
            carry = t / MI_DEC_BASE;
        }
        u[a->n] = (uint32_t)carry;
        carry = 0;
        for (int i = 0; i < n; i++) {
            uint64_t t = (uint64_t)b->d[i] * f + carry;
            v[i] = (uint32_t)(t % MI_DEC_BASE);
            carry = t / MI_DEC_BASE;
        }
        for (int j = m; j >= 0; j--) {
            uint64_t num = (uint64_t)u[j + n] * MI_DEC_BASE + u[j + n - 1];
            uint64_t qhat = num / v[n - 1], rhat = num % v[n - 1];
            while (qhat >= MI_DEC_BASE ||
                   qhat * v[n - 2] > rhat * MI_DEC_BASE + u[j + n - 2]) {
                qhat--;
                rhat += v[n - 1];
                if (rhat >= MI_DEC_BASE) break;
            }
            int64_t borrow = 0;
            carry = 0;
            for (int i = 0; i < n; i++) {
                uint64_t p = qhat * v[i] + carry;
                carry = p / MI_DEC_BASE;
                int64_t t = (int64_t)u[i + j] - (int64_t)(p % MI_DEC_BASE) - borrow;
                borrow = t < 0;
                u[i + j] = (uint32_t)(t < 0 ? t + MI_DEC_BASE : t);
            }
            int64_t top = (int64_t)u[j + n] - (int64_t)carry - borrow;
            if (top < 0) { /* qhat was one too large: add v back once */
                qhat--;
                uint32_t c = 0;
                for (int i = 0; i < n; i++) {
                    uint32_t s = u[i + j] + v[i] + c;
                    c = s >= MI_DEC_BASE;
                    u[i + j] = c ? s - MI_DEC_BASE : s;
                }
                top = 0; /* the carry out cancels the borrow */
            }
            u[j + n] = (uint32_t)top;
            qq.d[j] = (uint32_t)qhat;
        }
        qq.n = m + 1;
        trim(&qq);
        rr.n = n;
        memcpy(rr.d, u, (size_t)n * sizeof u[0]);
        trim(&rr);
        div_small(&rr, f); /* exact: undo the normalisation */
    }
    qq.neg = rr.neg = 0;
    qq.scale = rr.scale = 0;
    if (q != NULL) *q = qq;
    if (rem != NULL) *rem = rr;
    return 0;
}

/* log2 of a nonzero magnitude, to within a small fraction of a bit. */
static double approx_log2(const mi_dec *v) {
    double top = v->d[v->n - 1];
    if (v->n >= 2) top += v->d[v->n - 2] / 1e9;
    return log2(top) + (v->n - 1) * 29.897352853986263; /* log2(10^9) */
}

int mi_dec_ratio_to_bin(const mi_dec *num, const mi_dec *den, int p, int qmin,
                        uint64_t *mant, int *exp) {
    if (num->n == 0) {
        *mant = 0;
        *exp = qmin;
        return 0;
    }
    if (den->n == 0) return -1;
    /* find E with 2^(p-1) <= num/den / 2^E < 2^p (or E = qmin for subnormals);
     * the estimate is off by at most one, the loop corrects it */
    int e = (int)floor(approx_log2(num) - approx_log2(den)) - (p - 1);
    if (e < qmin) e = qmin;
    for (int iter = 0; iter < 8; iter++) {
        mi_dec n2 = *num, d2 = *den, q, r;
        n2.scale = d2.scale = 0;
        if (e < 0 ? mi_dec_mul_pow2(&n2, -e) : mi_dec_mul_pow2(&d2, e)) return -1;
        if (mi_dec_divmod(&q, &r, &n2, &d2) != 0) return -1;
        mi_u128 qb;
        if (!mi_dec_get_u128(&q, &qb) || (qb >> p) != 0) {
            e++;
            continue;
        }
        if (qb < ((mi_u128)1 << (p - 1)) && e > qmin) {
            e--;
            continue;
        }
        if (mi_dec_mul_small(&r, 2) != 0) return -1;
        int c = mi_dec_cmp_mag(&r, &d2);
        if (c > 0 || (c == 0 && (qb & 1))) qb++;
        *mant = (uint64_t)qb;
        *exp = e;
        return 0;
    }
    return -1;
}

/* 10^scale as an mi_dec. */
static void pow10_dec(mi_dec *v, int k) {
    mi_dec_set_u128(v, 1, 0, 0);
    (void)mi_dec_mul_pow10(v, k); /* k <= 62 in every caller: fits */
}

double mi_dec_to_double(const mi_dec *v) {
    mi_dec n = *v, d;
    uint64_t mant;
    int e;
    n.scale = 0;
    pow10_dec(&d, v->scale);
    if (mi_dec_ratio_to_bin(&n, &d, 53, -1074, &mant, &e) != 0) return NAN;
    double x = ldexp((double)mant, e);
    return v->neg ? -x : x;
}

float mi_dec_to_float(const mi_dec *v) {
    mi_dec n = *v, d;
    uint64_t mant;
    int e;
    n.scale = 0;
    pow10_dec(&d, v->scale);
    if (mi_dec_ratio_to_bin(&n, &d, 24, -149, &mant, &e) != 0) return NAN;
    float x = ldexpf((float)mant, e);
    return v->neg ? -x : x;
}

int mi_dec_from_double(mi_dec *v, double d, int k) {
    int ex;
    double f = frexp(fabs(d), &ex); /* |d| = f * 2^ex, 0.5 <= f < 1 */
    set_zero(v, k);
    if (d == 0) return 0;
    if (ex > 110) return -1;
    /* |d| = m * 2^e exactly, m a 53-bit integer */
    uint64_t m = (uint64_t)ldexp(f, 53);
    int e = ex - 53;
    mi_dec_set_u128(v, m, 0, k);
    if (mi_dec_mul_pow10(v, k) != 0) return -1;
    if (e >= 0) {
        if (mi_dec_mul_pow2(v, e) != 0) return -1;
    } else { /* floor of successive floors is the floor of the quotient */
        for (e = -e; e > 0 && v->n > 0; e -= 30) div_small(v, 1u << (e < 30 ? e : 30));
    }
    v->neg = d < 0 && v->n > 0;
    return 0;
}

/* ---- loading and storing, digit by digit */

static int valid_numeric(const mi_type *t) {
    switch (t->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
    case MI_T_FLT: return t->size == 4 || t->size == 8;
    case MI_T_PKD:
    case MI_T_ZND: return t->size >= 1 && t->size <= 31 && t->scale <= t->size;
    default: return 0;
    }
}

/* v := the digits dig[0..n) (most significant first) / 10^scale */
static void from_digits(mi_dec *v, const uint8_t *dig, int n, int neg, int scale) {
    set_zero(v, scale);
    memset(v->d, 0, sizeof v->d);
    for (int i = 0; i < n; i++) { /* n <= 31: at most 4 limbs */
        int pos = n - 1 - i;
        v->d[pos / MI_DEC_LIMB_DIGITS] += dig[i] * p10[pos % MI_DEC_LIMB_DIGITS];
    }
    v->n = (n + MI_DEC_LIMB_DIGITS - 1) / MI_DEC_LIMB_DIGITS;
    trim(v);
    v->neg = neg && v->n > 0;
}

mi_exc mi_dec_load(const mi_type *t, const uint8_t *p, mi_gval *v) {
    uint8_t dig[32];
    int neg = 0;
    v->flt = 0;
    v->f = 0;
    if (!valid_numeric(t)) return MI_EXC_MCH1202;
    switch (t->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: {
        uint64_t raw = 0;
        for (int i = t->size - 1; i >= 0; i--) raw = (raw << 8) | p[i];
        int sbit = t->kind == MI_T_BIN && (p[t->size - 1] & 0x80);
        uint64_t mag = raw;
        if (sbit) { /* two's complement magnitude within the width */
            uint64_t width_mask = t->size == 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * t->size)) - 1;
            mag = ((~raw) & width_mask) + 1;
        }
        mi_dec_set_u128(&v->x, mag, sbit, 0);
        return MI_EXC_NONE;
    }
    case MI_T_FLT:
        v->flt = 1;
        if (t->size == 8) {
            uint64_t bits = mi_ld64(p);
            memcpy(&v->f, &bits, 8);
        } else {
            uint32_t bits = mi_ld32(p);
            float f;
            memcpy(&f, &bits, 4);
            v->f = f;
        }
        return MI_EXC_NONE;
    case MI_T_PKD: {
        int nb = t->size / 2 + 1, nnib = 2 * nb;
        int pad = nnib - 1 - t->size; /* 0 or 1 leading pad nibble */
        for (int i = 0; i < nnib; i++) {
            unsigned nib = i % 2 == 0 ? p[i / 2] >> 4 : p[i / 2] & 15u;
            if (i < pad) {
                if (nib != 0) return MI_EXC_MCH1202;
            } else if (i < nnib - 1) {
                if (nib > 9) return MI_EXC_MCH1202;
                dig[i - pad] = (uint8_t)nib;
            } else if (nib == 0xB || nib == 0xD) {
                neg = 1;
            } else if (nib < 0xA) {
                return MI_EXC_MCH1202;
            }
        }
        break;
    }
    default: /* MI_T_ZND */
        for (int i = 0; i < t->size; i++) {
            unsigned zone = p[i] >> 4, d = p[i] & 15u;
            if (d > 9) return MI_EXC_MCH1202;
            if (i == t->size - 1 && zone == 7) neg = 1;
            else if (zone != 3) return MI_EXC_MCH1202;
            dig[i] = (uint8_t)d;
        }
        break;
    }
    from_digits(&v->x, dig, t->size, neg, t->scale);
    return MI_EXC_NONE;
}

void mi_sem_put_flt32(uint8_t *r, float f) {
    uint32_t bits;
    if (isnan(f)) {
        bits = 0x7FC00000u;
    } else {
        memcpy(&bits, &f, 4);
    }
    mi_st32(r, bits);
}

void mi_sem_put_flt(const mi_type *rt, uint8_t *r, double d) {
    if (rt->size == 4) {
        mi_sem_put_flt32(r, (float)d);
        return;
    }
    uint64_t bits;
    if (isnan(d)) {
        bits = UINT64_C(0x7FF8000000000000);
    } else {
        memcpy(&bits, &d, 8);
    }
    mi_st64(r, bits);
}

mi_exc mi_dec_store(const mi_type *rt, uint8_t *r, const mi_dec *v, int round) {
    if (!valid_numeric(rt)) return MI_EXC_MCH1210;
    if (rt->kind == MI_T_FLT) {
        if (rt->size == 8) mi_sem_put_flt(rt, r, mi_dec_to_double(v));
        else mi_sem_put_flt32(r, mi_dec_to_float(v));
        return MI_EXC_NONE;
    }
    mi_dec w = *v;
    int s = (rt->kind == MI_T_PKD || rt->kind == MI_T_ZND) ? rt->scale : 0;
    if (w.scale > s) {
        if (mi_dec_drop_digits(&w, w.scale - s, round) != 0) return MI_EXC_MCH1210;
    } else if (w.scale < s) {
        if (mi_dec_digits(&w) + (s - w.scale) > 40) return MI_EXC_MCH1210;
        (void)mi_dec_mul_pow10(&w, s - w.scale); /* <= 40 digits: fits */
        w.scale = s;
    }
    if (rt->kind == MI_T_BIN || rt->kind == MI_T_UBIN) {
        mi_u128 mag;
        int bits = 8 * rt->size;
        if (!mi_dec_get_u128(&w, &mag)) return MI_EXC_MCH1210;
        if (rt->kind == MI_T_UBIN) {
            if (w.neg || (mag >> bits) != 0) return MI_EXC_MCH1210;
        } else if (mag > ((mi_u128)1 << (bits - 1)) - (w.neg ? 0 : 1)) {
            return MI_EXC_MCH1210;
        }
        uint64_t raw = (uint64_t)mag;
        if (w.neg) raw = ~raw + 1; /* two's complement, low bits are the pattern */
        for (int i = 0; i < rt->size; i++) r[i] = (uint8_t)(raw >> (8 * i));
        return MI_EXC_NONE;
    }
    int prec = rt->size;
    if (mi_dec_digits(&w) > prec) return MI_EXC_MCH1210;
    if (rt->kind == MI_T_ZND) {
        for (int i = 0; i < prec; i++) r[i] = (uint8_t)(0x30u + digit_at(&w, prec - 1 - i));
        if (w.neg) r[prec - 1] = (uint8_t)(0x70u | (r[prec - 1] & 15u));
        return MI_EXC_NONE;
    }
    int nb = prec / 2 + 1;
    /* nibble k from the right: 0 is the sign, k >= 1 is digit k-1 */
    for (int i = 0; i < nb; i++) {
        int khi = 2 * (nb - 1 - i) + 1, klo = khi - 1;
        unsigned hi = digit_at(&w, khi - 1);
        unsigned lo = klo == 0 ? (w.neg ? 0xDu : 0xCu) : digit_at(&w, klo - 1);
        r[i] = (uint8_t)((hi << 4) | lo);
    }
    return MI_EXC_NONE;
}

mi_exc mi_dec_store_double(const mi_type *rt, uint8_t *r, double d, int round) {
    if (!valid_numeric(rt)) return MI_EXC_MCH1210;
    if (rt->kind == MI_T_FLT) {
        mi_sem_put_flt(rt, r, d);
        return MI_EXC_NONE;
    }
    if (!isfinite(d)) return MI_EXC_MCH1210;
    /* more fractional digits than sem_num.c uses: rounding must not care */
    int s = (rt->kind == MI_T_PKD || rt->kind == MI_T_ZND) ? rt->scale : 0;
    mi_dec v;
    if (mi_dec_from_double(&v, d, s + 3) != 0) return MI_EXC_MCH1210;
    return mi_dec_store(rt, r, &v, round);
}

/* ---- whole instructions on the general path */

static double gval_double(const mi_gval *v) {
    return v->flt ? v->f : mi_dec_to_double(&v->x);
}

mi_exc mi_dec_arith(mi_op op, int round, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a, const mi_type *bt, const uint8_t *b) {
    mi_gval x, y;
    mi_exc e = mi_dec_load(at, a, &x);
    if (e == MI_EXC_NONE) e = mi_dec_load(bt, b, &y);
    if (e != MI_EXC_NONE) return e;
    if (!valid_numeric(rt)) return MI_EXC_MCH1210;
    if (x.flt || y.flt) {
        double u = gval_double(&x), w = gval_double(&y), z;
        switch (op) {
        case MI_OP_ADDN: z = u + w; break;
        case MI_OP_SUBN: z = u - w; break;
        case MI_OP_MULN: z = u * w; break;
        case MI_OP_DIVN: z = u / w; break;
        case MI_OP_REMN: z = fmod(u, w); break;
        default: return MI_EXC_MIE0008;
        }
        return mi_dec_store_double(rt, r, z, round);
    }
    mi_dec z;
    switch (op) {
    case MI_OP_ADDN:
    case MI_OP_SUBN:
        if (mi_dec_add(&z, &x.x, &y.x, op == MI_OP_SUBN) != 0) return MI_EXC_MCH1210;
        break;
    case MI_OP_MULN:
        if (mi_dec_mul(&z, &x.x, &y.x) != 0) return MI_EXC_MCH1210;
        break;
    case MI_OP_DIVN: {
        if (y.x.n == 0) return MI_EXC_MCH1211;
        mi_dec num = x.x, den = y.x;
        int neg = x.x.n > 0 && (x.x.neg ^ y.x.neg); /* an exact zero is positive */
        num.neg = den.neg = 0;
        num.scale = den.scale = 0;
        if (rt->kind == MI_T_FLT) { /* the exact quotient, rounded once */
            uint64_t mant;
            int ex;
            if (mi_dec_mul_pow10(&num, y.x.scale) != 0 || mi_dec_mul_pow10(&den, x.x.scale) != 0)
                return MI_EXC_MCH1210;
            int p = rt->size == 8 ? 53 : 24, qmin = rt->size == 8 ? -1074 : -149;
            if (mi_dec_ratio_to_bin(&num, &den, p, qmin, &mant, &ex) != 0) return MI_EXC_MCH1210;
            if (rt->size == 8) {
                double f = ldexp((double)mant, ex);
                mi_sem_put_flt(rt, r, neg ? -f : f);
            } else {
                float f = ldexpf((float)mant, ex);
                mi_sem_put_flt32(r, neg ? -f : f);
            }
            return MI_EXC_NONE;
        }
        /* quotient truncated at rs + 1 fractional digits:
         * a/b * 10^(rs+1) = (A * 10^(sb + rs + 1 - sa)) / B */
        int rs = (rt->kind == MI_T_PKD || rt->kind == MI_T_ZND) ? rt->scale : 0;
        int ex = y.x.scale + rs + 1 - x.x.scale;
        if (mi_dec_mul_pow10(ex >= 0 ? &num : &den, ex >= 0 ? ex : -ex) != 0) return MI_EXC_MCH1210;
        if (mi_dec_divmod(&z, NULL, &num, &den) != 0) return MI_EXC_MCH1210;
        z.scale = rs + 1;
        z.neg = neg && z.n > 0;
        break;
    }
    case MI_OP_REMN: {
        if (y.x.n == 0) return MI_EXC_MCH1211;
        mi_dec num = x.x, den = y.x;
        int s = num.scale > den.scale ? num.scale : den.scale;
        if (mi_dec_mul_pow10(&num, s - num.scale) != 0 ||
            mi_dec_mul_pow10(&den, s - den.scale) != 0)
            return MI_EXC_MCH1210;
        if (mi_dec_divmod(NULL, &z, &num, &den) != 0) return MI_EXC_MCH1210;
        z.scale = s;
        z.neg = x.x.neg && z.n > 0; /* the remainder has the dividend's sign */
        break;
    }
    default: return MI_EXC_MIE0008;
    }
    return mi_dec_store(rt, r, &z, round);
}

mi_exc mi_dec_unary(mi_op op, int round, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a) {
    mi_gval x;
    mi_exc e = mi_dec_load(at, a, &x);
    if (e != MI_EXC_NONE) return e;
    if (op != MI_OP_NEGN && op != MI_OP_ABSN && op != MI_OP_CPYNV) return MI_EXC_MIE0008;
    if (x.flt) {
        double z = x.f;
        if (op == MI_OP_NEGN) z = -z;
        if (op == MI_OP_ABSN) z = fabs(z);
        if (op != MI_OP_CPYNV && z == 0) z = 0.0; /* NEGN/ABSN give +0 */
        return mi_dec_store_double(rt, r, z, round);
    }
    if (op == MI_OP_NEGN) x.x.neg = !x.x.neg && x.x.n > 0;
    if (op == MI_OP_ABSN) x.x.neg = 0;
    return mi_dec_store(rt, r, &x.x, round);
}

mi_exc mi_dec_cmpn(int *cmp, const mi_type *at, const uint8_t *a,
                   const mi_type *bt, const uint8_t *b) {
    mi_gval x, y;
    mi_exc e = mi_dec_load(at, a, &x);
    if (e == MI_EXC_NONE) e = mi_dec_load(bt, b, &y);
    if (e != MI_EXC_NONE) return e;
    if (x.flt || y.flt) {
        double u = gval_double(&x), w = gval_double(&y);
        *cmp = (isnan(u) || isnan(w)) ? 2 : (u > w) - (u < w);
        return MI_EXC_NONE;
    }
    mi_dec d;
    if (mi_dec_add(&d, &x.x, &y.x, 1) != 0) return MI_EXC_MCH1210;
    *cmp = d.n == 0 ? 0 : d.neg ? -1 : 1;
    return MI_EXC_NONE;
}
