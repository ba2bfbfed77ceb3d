/* Conversions between numbers and text (mi-spec/mi-v1.md §7): CVTNC, CVTCN,
 * EDIT. Text never depends on the host's locale: printf/strtod run under a
 * "C" locale object (uselocale / strtod_l). glibc's printf prints exact
 * decimal expansions and its strtod is correctly rounded, which is what §4
 * and §7 require of FLT text. */
#define _GNU_SOURCE /* newlocale, uselocale, strtod_l */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sem_dec.h"

static locale_t c_loc;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;
static void c_loc_init(void) { c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

/* The "C" locale, or (locale_t)0 if it could not be created (then the
 * thread's locale is used; MI programs never change it). */
static locale_t c_locale(void) {
    pthread_once(&c_once, c_loc_init);
    return c_loc;
}

static int fmt_double(char *buf, size_t n, const char *fmt, int prec, double d) {
    locale_t loc = c_locale(), old = (locale_t)0;
    if (loc != (locale_t)0) old = uselocale(loc);
    int k = snprintf(buf, n, fmt, prec, d);
    if (loc != (locale_t)0) uselocale(old);
    return k < 0 ? 0 : k >= (int)n ? (int)n - 1 : k;
}

/* Decimal digits of m, zero-padded to at least min digits; returns the count. */
static int u128_digits(char *out, mi_u128 m, int min) {
    /* written backwards from the end of tmp, two digits per division below
     * 2^64 (CVTNC of counters and amounts is common: 127 -> ~45 host
     * instructions for six digits) */
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[48];
    char *const end = tmp + sizeof tmp;
    char *p = end;
    if (m >> 64 == 0) {
        uint64_t v = (uint64_t)m;
        for (; v >= 100u; v /= 100u) {
            p -= 2;
            memcpy(p, pairs + 2 * (v % 100u), 2);
        }
        if (v >= 10u) {
            p -= 2;
            memcpy(p, pairs + 2 * v, 2);
        } else if (v > 0) {
            *--p = (char)('0' + v);
        }
    } else {
        for (; m != 0; m /= 10u) *--p = (char)('0' + (unsigned)(m % 10u));
    }
    while (end - p < min) *--p = '0';
    memcpy(out, p, (size_t)(end - p));
    return (int)(end - p);
}

static int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* ---- CVTNC */

mi_exc mi_sem_cvtnc(uint8_t *r, uint32_t rn, const mi_type *at, const uint8_t *a) {
    char buf[64];
    int n = 0;
    mi_xval v;
    mi_exc e = mi_sem_load_x(at, a, &v);
    if (e != MI_EXC_NONE) return e;
    if (v.flt) {
        const char *s = NULL;
        if (isnan(v.f)) s = "NAN";
        else if (isinf(v.f)) s = v.f > 0 ? "INF" : "-INF";
        if (s != NULL) {
            n = (int)strlen(s);
            memcpy(buf, s, (size_t)n);
        } else { /* %G drops trailing zeros and picks E+dd exactly as §7 says */
            n = fmt_double(buf, sizeof buf, "%.*G", at->size == 8 ? 17 : 9, v.f);
        }
    } else {
        char dg[48];
        if (v.c < 0) buf[n++] = '-';
        int nd = u128_digits(dg, v.c < 0 ? -(mi_u128)v.c : (mi_u128)v.c, v.scale + 1);
        int ni = nd - v.scale; /* at least one integer digit */
        memcpy(buf + n, dg, (size_t)ni);
        n += ni;
        if (v.scale > 0) {
            buf[n++] = '.';
            memcpy(buf + n, dg + ni, (size_t)v.scale);
            n += v.scale;
        }
    }
    if ((uint32_t)n > rn) return MI_EXC_MCH1210;
    memcpy(r, buf, (size_t)n);
    memset(r + n, 0x20, rn - (uint32_t)n);
    return MI_EXC_NONE;
}

/* ---- CVTCN */

/* Significant digits kept for strtod: a binary64 midpoint has at most 767
 * significant digits, so truncating beyond 800 and appending a nonzero
 * "sticky" digit cannot move the value across a rounding boundary. */
#define CVT_SIG_DIGITS 800
#define CVT_EXP_CLAMP 100000

static mi_exc cvtcn_float(const mi_type *rt, uint8_t *r, const uint8_t *a, int neg,
                          uint32_t is, uint32_t ie, uint32_t fs, uint32_t fe, int64_t exp10) {
    char buf[CVT_SIG_DIGITS + 32];
    int n = 0, nsig = 0, sticky = 0;
    int64_t point = (int64_t)(ie - is); /* value = 0.DDD... * 10^point */
    if (neg) buf[n++] = '-';
    buf[n++] = '0';
    buf[n++] = '.';
    for (uint32_t i = is; i < fe; i++) {
        if (i == ie) i = fs; /* skip the '.' */
        if (i >= fe) break;
        if (nsig == 0 && a[i] == '0') {
            point--;
            continue;
        }
        if (nsig < CVT_SIG_DIGITS) buf[n + nsig++] = (char)a[i];
        else if (a[i] != '0') sticky = 1;
    }
    if (nsig == 0) { /* an exact zero is +0 */
        mi_sem_put_flt(rt, r, 0.0);
        return MI_EXC_NONE;
    }
    if (sticky) buf[n + nsig++] = '1';
    n += nsig;
    int64_t ex = point + exp10;
    if (ex > CVT_EXP_CLAMP) ex = CVT_EXP_CLAMP; /* far beyond overflow/underflow */
    if (ex < -CVT_EXP_CLAMP) ex = -CVT_EXP_CLAMP;
    snprintf(buf + n, sizeof buf - (size_t)n, "e%d", (int)ex);
    locale_t loc = c_locale();
    if (rt->size == 8) {
        double d = loc != (locale_t)0 ? strtod_l(buf, NULL, loc) : strtod(buf, NULL);
        mi_sem_put_flt(rt, r, d);
    } else {
        float f = loc != (locale_t)0 ? strtof_l(buf, NULL, loc) : strtof(buf, NULL);
        mi_sem_put_flt32(r, f);
    }
    return MI_EXC_NONE;
}

mi_exc mi_sem_cvtcn(int rnd, const mi_type *rt, uint8_t *r, const uint8_t *a, uint32_t an) {
    uint32_t i = 0;
    int neg = 0, flt = rt->kind == MI_T_FLT;
    int64_t exp10 = 0;
    while (i < an && a[i] == 0x20) i++;
    if (i < an && (a[i] == '+' || a[i] == '-')) neg = a[i++] == '-';
    uint32_t is = i;
    while (i < an && is_digit(a[i])) i++;
    uint32_t ie = i, fs = i, fe = i;
    if (i < an && a[i] == '.') {
        fs = ++i;
        while (i < an && is_digit(a[i])) i++;
        fe = i;
    }
    if (ie == is && fe == fs) return MI_EXC_MIE0002; /* no digit */
    if (flt && i < an && (a[i] == 'E' || a[i] == 'e')) {
        int eneg = 0;
        if (++i < an && (a[i] == '+' || a[i] == '-')) eneg = a[i++] == '-';
        uint32_t es = i;
        for (; i < an && is_digit(a[i]); i++)
            if (exp10 < 100000000) exp10 = exp10 * 10 + (a[i] - '0'); /* saturates */
        if (i == es) return MI_EXC_MIE0002;
        if (eneg) exp10 = -exp10;
    }
    while (i < an && a[i] == 0x20) i++;
    if (i != an) return MI_EXC_MIE0002;
    if (!mi_sem_numeric_ok(rt)) return MI_EXC_MIE0002;
    if (flt) return cvtcn_float(rt, r, a, neg, is, ie, fs, fe, exp10);

    /* Exact receivers: s + 1 fractional digits decide truncation and rounding;
     * more integer digits than the receiver can ever hold is MCH1210 at once,
     * so the coefficient stays below 10^32. */
    int dec = rt->kind == MI_T_PKD || rt->kind == MI_T_ZND;
    int k = (dec ? rt->scale : 0) + 1;
    uint32_t lim = dec ? (uint32_t)(rt->size - rt->scale) : 20u;
    while (is < ie && a[is] == '0') is++;
    if (ie - is > lim) return MI_EXC_MCH1210;
    mi_i128 c = 0;
    for (uint32_t j = is; j < ie; j++) c = c * 10 + (a[j] - '0');
    for (uint32_t j = 0; j < (uint32_t)k; j++) c = c * 10 + (fs + j < fe ? a[fs + j] - '0' : 0);
    return mi_sem_store_x(rt, r, neg ? -c : c, k, rnd);
}

/* ---- EDIT */

/* The value to edit as decimal digits: integer part without leading zeros
 * (empty for zero) and the exact fractional digits. */
typedef struct edit_val {
    char buf[1500]; /* a binary64 has <= 309 integer and <= 1074 fractional digits */
    const char *ip, *fp;
    uint32_t ni, nf;
    int neg;
} edit_val;

static mi_exc edit_value(const mi_type *at, const uint8_t *a, edit_val *ev) {
    mi_xval v;
    mi_exc e = mi_sem_load_x(at, a, &v);
    if (e != MI_EXC_NONE) return e;
    if (v.flt) {
        if (!isfinite(v.f)) return MI_EXC_MCH1210;
        int prec = 0, ex;
        if (v.f != 0) { /* number of fractional digits of the exact value */
            double f = frexp(fabs(v.f), &ex);
            uint64_t m = (uint64_t)ldexp(f, 53);
            int e2 = ex - 53 + __builtin_ctzll(m);
            prec = e2 < 0 ? -e2 : 0;
        }
        int n = fmt_double(ev->buf, sizeof ev->buf, "%.*f", prec, fabs(v.f));
        const char *dot = memchr(ev->buf, '.', (size_t)n);
        ev->ip = ev->buf;
        ev->ni = dot != NULL ? (uint32_t)(dot - ev->buf) : (uint32_t)n;
        ev->fp = dot != NULL ? dot + 1 : ev->buf + n;
        ev->nf = (uint32_t)(ev->buf + n - ev->fp);
        ev->neg = v.f < 0;
    } else {
        mi_u128 m = v.c < 0 ? -(mi_u128)v.c : (mi_u128)v.c;
        int nd = u128_digits(ev->buf, m, v.scale + 1);
        ev->ip = ev->buf;
        ev->ni = (uint32_t)(nd - v.scale);
        ev->fp = ev->buf + ev->ni;
        ev->nf = (uint32_t)v.scale;
        ev->neg = v.c < 0;
    }
    while (ev->ni > 0 && ev->ip[0] == '0') {
        ev->ip++;
        ev->ni--;
    }
    return MI_EXC_NONE;
}

/* Render body (the mask without its sign) into out. Reads mask[i] before
 * writing out[i] and never looks back, so out == mask is fine. */
static void edit_render(uint8_t *out, const uint8_t *mask, uint32_t body, uint32_t ipos,
                        const edit_val *ev) {
    int suppress = 1, printed = 0, after_point = 0;
    uint8_t fill = 0x20;
    uint32_t di = 0; /* digit position index */
    for (uint32_t i = 0; i < body; i++) {
        uint8_t m = mask[i], o;
        if (m == '9' || m == 'Z' || m == '*') {
            unsigned d;
            if (di < ipos) { /* integer digits are right-aligned in ipos positions */
                uint32_t lead = ipos - ev->ni;
                d = di < lead ? 0 : (unsigned)(ev->ip[di - lead] - '0');
            } else {
                uint32_t k = di - ipos;
                d = k < ev->nf ? (unsigned)(ev->fp[k] - '0') : 0;
            }
            di++;
            if (suppress && !after_point && m != '9' && d == 0) {
                o = m == '*' ? '*' : 0x20;
                fill = o;
            } else {
                o = (uint8_t)('0' + d);
                suppress = 0;
                printed = 1;
            }
        } else if (m == '.') {
            o = '.';
            suppress = 0;
            after_point = 1;
        } else if (m == ',') {
            o = printed ? ',' : fill;
        } else {
            o = m;
        }
        out[i] = o;
    }
}

static void put_sign(uint8_t *out, int sign, int neg) {
    switch (sign) {
    case '-': out[0] = neg ? '-' : 0x20; break;
    case '+': out[0] = neg ? '-' : '+'; break;
    case 'C':
        out[0] = neg ? 'C' : 0x20;
        out[1] = neg ? 'R' : 0x20;
        break;
    default: break;
    }
}

/* The mask overlaps r and starts before it: render into a bounded copy. */
static __attribute__((noinline)) void edit_via_copy(uint8_t *r, const uint8_t *mask, uint32_t body,
                                                    uint32_t ipos, const edit_val *ev,
                                                    int sign, int neg) {
    uint8_t tmp[65536]; /* body < maskn <= rn <= 65535 */
    if (body > sizeof tmp) body = sizeof tmp;
    edit_render(tmp, mask, body, ipos, ev);
    memcpy(r, tmp, body);
    put_sign(r + body, sign, neg);
}

mi_exc mi_sem_edit(uint8_t *r, uint32_t rn, const mi_type *at, const uint8_t *a,
                   const uint8_t *mask, uint32_t maskn) {
    /* the mask: one sign at the very end, '+'/'-' nowhere else */
    uint32_t body = maskn, ipos = 0, fpos = 0, points = 0;
    int sign = 0;
    if (maskn >= 2 && mask[maskn - 2] == 'C' && mask[maskn - 1] == 'R') {
        sign = 'C';
        body = maskn - 2;
    } else if (maskn >= 1 && (mask[maskn - 1] == '-' || mask[maskn - 1] == '+')) {
        sign = mask[maskn - 1];
        body = maskn - 1;
    }
    for (uint32_t i = 0; i < body; i++) {
        uint8_t m = mask[i];
        if (m == '+' || m == '-') return MI_EXC_MIE0003;
        if (m == '.') points++;
        else if (m == '9' || m == 'Z' || m == '*') *(points > 0 ? &fpos : &ipos) += 1;
    }
    if (points > 1 || ipos + fpos == 0) return MI_EXC_MIE0003;

    edit_val ev;
    mi_exc e = edit_value(at, a, &ev);
    if (e != MI_EXC_NONE) return e;
    if (ev.ni > ipos || maskn > rn) return MI_EXC_MCH1210;
    /* truncation at fpos digits: negative only if something nonzero is left */
    int neg = 0;
    if (ev.neg) {
        neg = ev.ni > 0;
        for (uint32_t k = 0; !neg && k < fpos && k < ev.nf; k++) neg = ev.fp[k] != '0';
    }
    uintptr_t m0 = (uintptr_t)mask, r0 = (uintptr_t)r;
    if (maskn > 0 && m0 < r0 && r0 < m0 + maskn) {
        edit_via_copy(r, mask, body, ipos, &ev, sign, neg);
    } else {
        edit_render(r, mask, body, ipos, &ev);
        put_sign(r + body, sign, neg);
    }
    memset(r + maskn, 0x20, rn - maskn);
    return MI_EXC_NONE;
}
