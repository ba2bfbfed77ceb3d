/* Private to runtime/sem_*.c and their unit tests: the exact decimal arithmetic
 * behind mi_sem.h, and the internals the helper files share.
 *
 * Two representations of an exact value:
 *  - the fast one, mi_xval: a __int128 coefficient and a scale (value = c / 10^scale).
 *    Every source fits it (31 digits < 2^104, UBIN(8) < 2^64); an operation
 *    whose intermediate would reach 2^126 is redone entirely on
 *  - the general one, mi_dec: a fixed-capacity base-10^9 magnitude, a sign and
 *    a scale. It can hold every intermediate result MI can produce (bound below).
 * Both must give identical results; mi_dec_arith/unary/cmpn run a whole
 * instruction on the general path only, so tests can compare them with the
 * public (fast) functions on random operands. */
#ifndef MI_SEM_DEC_H
#define MI_SEM_DEC_H
#include <stdint.h>
#include "mi_sem.h"

typedef __int128 mi_i128;
typedef unsigned __int128 mi_u128;

/* Capacity bound. Sources have at most 31 digits (PKD/ZND) or 20 (UBIN(8)) and
 * scale at most 31. The largest intermediates:
 *   ADDN/SUBN  aligned operands 31+31 = 62 digits, sum 63;
 *   MULN       31 x 31 = 62 digits;
 *   DIVN       numerator a * 10^(sb + rs + 1 - sa) <= 31 + 63 = 94 digits,
 *              denominator <= 62 digits; Knuth normalisation adds one limb;
 *   REMN       aligned operands <= 62 digits;
 *   to binary  N * 2^k or D * 2^k with the quotient kept below 2^58: at most
 *              max(94 digits, 62 digits * 2^58) < 81 digits, plus one limb;
 *   from a double with |d| < 2^110 at <= 34 fractional digits: < 68 digits.
 * So 94 digits + normalisation = 12 limbs of 9 digits; 16 limbs (144 digits)
 * leaves margin. Every operation still checks capacity and reports failure
 * (-1) instead of writing past the array; callers turn that into MCH1210. */
#define MI_DEC_BASE 1000000000u
#define MI_DEC_LIMB_DIGITS 9
#define MI_DEC_LIMBS 16

typedef struct mi_dec {
    int n;      /* limbs in use; 0 means zero; otherwise d[n-1] != 0 */
    int scale;  /* value = (neg ? -1 : 1) * magnitude / 10^scale, scale >= 0 */
    int neg;    /* never set for zero */
    uint32_t d[MI_DEC_LIMBS]; /* magnitude, least significant limb first */
} mi_dec;

/* ---- mi_dec arithmetic (sem_dec.c). Functions returning int give 0, or -1
 * when a result would exceed the capacity (never, given the bound above). */
void mi_dec_set_u128(mi_dec *v, mi_u128 mag, int neg, int scale);
int mi_dec_get_u128(const mi_dec *v, mi_u128 *mag); /* 1 if the magnitude fits */
int mi_dec_digits(const mi_dec *v);                 /* 0 for zero */
int mi_dec_cmp_mag(const mi_dec *a, const mi_dec *b);
int mi_dec_mul_small(mi_dec *v, uint32_t m);
int mi_dec_mul_pow10(mi_dec *v, int k);
int mi_dec_mul_pow2(mi_dec *v, int k);
/* magnitude := magnitude / 10^k truncated (round: half away from zero), scale -= k */
int mi_dec_drop_digits(mi_dec *v, int k, int round);
/* r := a + b (or a - b with negate_b); scales are aligned to the larger one */
int mi_dec_add(mi_dec *r, const mi_dec *a, const mi_dec *b, int negate_b);
int mi_dec_mul(mi_dec *r, const mi_dec *a, const mi_dec *b); /* scales add */
/* Magnitudes only (signs and scales ignored, results have both 0): q := a / b
 * truncated, rem := a - q*b. b must not be zero. q or rem may be NULL. */
int mi_dec_divmod(mi_dec *q, mi_dec *rem, const mi_dec *a, const mi_dec *b);
/* The nearest (ties to even) binary number with a p-bit significand to the
 * positive rational num/den (magnitudes, scales ignored): *mant * 2^*exp with
 * *mant <= 2^p and *exp >= qmin (qmin is the exponent of the smallest
 * subnormal: -1074 for binary64, -149 for binary32). num may be zero. */
int mi_dec_ratio_to_bin(const mi_dec *num, const mi_dec *den, int p, int qmin,
                        uint64_t *mant, int *exp);
double mi_dec_to_double(const mi_dec *v); /* round to nearest even */
float mi_dec_to_float(const mi_dec *v);   /* directly, not through double */
/* v := trunc(d * 10^k) with scale k; d finite. -1 if |d| >= 2^110. */
int mi_dec_from_double(mi_dec *v, double d, int k);

/* ---- general path for whole operations (sem_dec.c) */
typedef struct mi_gval {
    int flt;  /* the source is FLT: f holds it; else x */
    double f;
    mi_dec x;
} mi_gval;
mi_exc mi_dec_load(const mi_type *t, const uint8_t *p, mi_gval *v);
mi_exc mi_dec_store(const mi_type *rt, uint8_t *r, const mi_dec *v, int round);
mi_exc mi_dec_store_double(const mi_type *rt, uint8_t *r, double d, int round);
mi_exc mi_dec_arith(mi_op op, int round, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a, const mi_type *bt, const uint8_t *b);
mi_exc mi_dec_unary(mi_op op, int round, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a);
mi_exc mi_dec_cmpn(int *cmp, const mi_type *at, const uint8_t *a,
                   const mi_type *bt, const uint8_t *b);

/* ---- fast representation (sem_num.c), shared with sem_conv.c */
typedef struct mi_xval {
    int flt;     /* FLT source: f holds it (binary32 widened exactly) */
    int scale;   /* exact: value = c / 10^scale */
    double f;
    mi_i128 c;
} mi_xval;
/* MCH1202 for invalid decimal data or a type that is not numeric. */
mi_exc mi_sem_load_x(const mi_type *t, const uint8_t *p, mi_xval *v);
/* Store c / 10^scale (|c| < 2^127, 0 <= scale <= 64) into rt as in §4. */
mi_exc mi_sem_store_x(const mi_type *rt, uint8_t *r, mi_i128 c, int scale, int round);
/* Store a float-domain result d into rt as in §4 (canonical NaN; MCH1210 for
 * NaN/infinity into a non-FLT receiver). */
mi_exc mi_sem_store_f(const mi_type *rt, uint8_t *r, double d, int round);
/* Write d / f into a FLT receiver, canonicalising NaN. */
void mi_sem_put_flt(const mi_type *rt, uint8_t *r, double d);
void mi_sem_put_flt32(uint8_t *r, float f);
/* 1 if t is a valid numeric type (kind, size, scale within MI's limits). */
int mi_sem_numeric_ok(const mi_type *t);

#endif
