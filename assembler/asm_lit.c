/* Types and literals of the assembly language (mi-spec/mi-v1.md §13): literal
 * typing, typed literals and the INIT conversion. Numeric conversions go through
 * the runtime's own CPYNV (mi_sem_unary), so the assembler converts exactly as a
 * running program would. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_int.h"
#include "mi_sem.h"

void asm_lit_free(asm_lit *l) {
    free(l->bytes);
    l->bytes = NULL;
    l->n = 0;
}

static const struct {
    const char *kw;
    uint8_t kind;
} type_kws[] = {
    {"BIN", MI_T_BIN}, {"UBIN", MI_T_UBIN}, {"FLT", MI_T_FLT}, {"PKD", MI_T_PKD},
    {"ZND", MI_T_ZND}, {"CHAR", MI_T_CHAR}, {"SPCPTR", MI_T_SPCPTR}, {"SYSPTR", MI_T_SYSPTR},
};

static uint8_t type_kind(const asm_tok *t) {
    for (size_t i = 0; i < sizeof type_kws / sizeof type_kws[0]; i++)
        if (asm_tok_is(t, type_kws[i].kw)) return type_kws[i].kind;
    return 0;
}

int asm_at_typed(const asm_tok *t, uint32_t pos) {
    /* the token tests first: asked of every operand, most are no NAME "(" */
    if (t[pos].kind != TK_NAME || t[pos + 1].kind != TK_LP) return 0;
    uint8_t k = type_kind(&t[pos]);
    if (k == 0 || k == MI_T_SPCPTR || k == MI_T_SYSPTR) return 0;
    uint32_t i = pos + 2;
    while (t[i].kind != TK_EOL && t[i].kind != TK_RP) i++;
    return t[i].kind == TK_RP && t[i + 1].kind == TK_COLON;
}

/* An unsigned integer token no larger than max ("-0" is 0). */
static int tok_uint(const asm_tok *t, uint64_t max, uint64_t *v) {
    if (t->kind != TK_INT) return 0;
    size_t i = 0;
    int neg = 0;
    if (t->s[0] == '+' || t->s[0] == '-') neg = t->s[i++] == '-';
    uint64_t x = 0;
    for (; i < t->n; i++) {
        x = x * 10 + (uint64_t)(t->s[i] - '0');
        if (x > max) return 0;
    }
    if (neg && x != 0) return 0;
    *v = x;
    return 1;
}

static int expect(const asm_tok *t, uint32_t *pos, uint8_t kind, const char *what, asm_err *e) {
    if (t[*pos].kind != kind) return asm_err_set(e, t[*pos].col, "expected %s", what);
    (*pos)++;
    return ASM_OK;
}

int asm_type_check(const mi_type *ty, uint32_t col, asm_err *e) {
    switch (ty->kind) {
    case MI_T_BIN:
    case MI_T_UBIN:
        if (ty->size == 1 || ty->size == 2 || ty->size == 4 || ty->size == 8) return ASM_OK;
        return asm_err_set(e, col, "%s size must be 1, 2, 4 or 8", ty->kind == MI_T_BIN ? "BIN" : "UBIN");
    case MI_T_FLT:
        if (ty->size == 4 || ty->size == 8) return ASM_OK;
        return asm_err_set(e, col, "FLT size must be 4 or 8");
    case MI_T_PKD:
    case MI_T_ZND:
        if (ty->size < 1 || ty->size > 31)
            return asm_err_set(e, col, "decimal precision must be 1 to 31");
        if (ty->scale > ty->size)
            return asm_err_set(e, col, "decimal scale must be 0 to the precision");
        return ASM_OK;
    case MI_T_CHAR:
        if (ty->len >= 1 && ty->len <= MI_MAX_CHAR_LEN) return ASM_OK;
        return asm_err_set(e, col, "CHAR length must be 1 to %u", MI_MAX_CHAR_LEN);
    default:
        return ASM_OK;
    }
}

int asm_parse_type(const asm_tok *t, uint32_t *pos, mi_type *ty, asm_err *e) {
    const asm_tok *kw = &t[*pos];
    uint8_t k = kw->kind == TK_NAME ? type_kind(kw) : 0;
    if (k == 0) return asm_err_set(e, kw->col, "expected a type");
    memset(ty, 0, sizeof *ty);
    ty->kind = k;
    (*pos)++;
    if (k == MI_T_SPCPTR || k == MI_T_SYSPTR) return ASM_OK;
    uint64_t a = 0, b = 0;
    if (expect(t, pos, TK_LP, "'(' after the type name", e) != ASM_OK) return ASM_ERR;
    const asm_tok *ta = &t[*pos];
    if (!tok_uint(ta, k == MI_T_CHAR ? UINT32_MAX : 255, &a))
        return asm_err_set(e, ta->col, ta->kind == TK_INT ? "type parameter out of range" : "expected an integer");
    (*pos)++;
    if (k == MI_T_PKD || k == MI_T_ZND) {
        if (expect(t, pos, TK_COMMA, "',' and the scale", e) != ASM_OK) return ASM_ERR;
        const asm_tok *tb = &t[*pos];
        if (!tok_uint(tb, 255, &b))
            return asm_err_set(e, tb->col, tb->kind == TK_INT ? "type parameter out of range" : "expected an integer");
        (*pos)++;
    }
    if (expect(t, pos, TK_RP, "')'", e) != ASM_OK) return ASM_ERR;
    if (k == MI_T_CHAR) ty->len = (uint32_t)a;
    else ty->size = (uint8_t)a;
    ty->scale = (uint8_t)b;
    return asm_type_check(ty, kw->col, e);
}

void asm_type_text(const mi_type *ty, char *buf, size_t cap) {
    switch (ty->kind) {
    case MI_T_BIN: snprintf(buf, cap, "BIN(%u)", ty->size); break;
    case MI_T_UBIN: snprintf(buf, cap, "UBIN(%u)", ty->size); break;
    case MI_T_FLT: snprintf(buf, cap, "FLT(%u)", ty->size); break;
    case MI_T_PKD: snprintf(buf, cap, "PKD(%u,%u)", ty->size, ty->scale); break;
    case MI_T_ZND: snprintf(buf, cap, "ZND(%u,%u)", ty->size, ty->scale); break;
    case MI_T_CHAR: snprintf(buf, cap, "CHAR(%u)", (unsigned)ty->len); break;
    case MI_T_SPCPTR: snprintf(buf, cap, "SPCPTR"); break;
    case MI_T_SYSPTR: snprintf(buf, cap, "SYSPTR"); break;
    default: snprintf(buf, cap, "type %u", ty->kind); break;
    }
}

/* ---- untyped literals ---- */

static int lit_alloc(asm_lit *l, uint32_t n) {
    l->n = n;
    l->bytes = malloc(n ? n : 1);
    return l->bytes != NULL ? ASM_OK : ASM_NOMEM;
}

/* Pack nd decimal digits (most significant first; nd <= p) as PKD(p,*). */
static void pkd_pack(const char *dig, size_t nd, int neg, unsigned p, uint8_t *out) {
    unsigned nb = p / 2 + 1;
    memset(out, 0, nb);
    int zero = 1;
    for (size_t i = 0; i < nd; i++) zero &= dig[i] == '0';
    out[nb - 1] = (neg && !zero) ? 0x0D : 0x0C;
    /* Nibble k counts from the sign nibble (k = 0) towards the front. */
    for (size_t i = 0; i < nd; i++) {
        size_t k = nd - i; /* the last digit is nibble 1 */
        uint8_t d = (uint8_t)(dig[i] - '0');
        size_t byte = nb - 1 - k / 2;
        out[byte] |= (k % 2) ? (uint8_t)(d << 4) : d;
    }
}

typedef struct numtext {
    int neg;
    const char *ip, *fp; /* integer and fraction digits */
    size_t ni, nf;
    int has_exp;
    int64_t exp; /* saturated at +-2e9 */
} numtext;

static void split_number(const asm_tok *t, numtext *nt) {
    const char *s = t->s, *end = t->s + t->n;
    memset(nt, 0, sizeof *nt);
    if (*s == '+' || *s == '-') nt->neg = *s++ == '-';
    nt->ip = s;
    while (s < end && *s >= '0' && *s <= '9') s++;
    nt->ni = (size_t)(s - nt->ip);
    nt->fp = s;
    if (s < end && *s == '.') {
        nt->fp = ++s;
        while (s < end && *s >= '0' && *s <= '9') s++;
        nt->nf = (size_t)(s - nt->fp);
    }
    if (s < end && (*s == 'E' || *s == 'e')) {
        nt->has_exp = 1;
        s++;
        int eneg = 0;
        if (*s == '+' || *s == '-') eneg = *s++ == '-';
        int64_t x = 0;
        for (; s < end; s++)
            if (x < 2000000000) x = x * 10 + (*s - '0');
        nt->exp = eneg ? -x : x;
    }
}

static int lit_integer(const asm_tok *t, asm_lit *out, asm_err *e) {
    numtext nt;
    split_number(t, &nt);
    uint64_t mag = 0;
    int big = 0;
    for (size_t i = 0; i < nt.ni; i++) {
        unsigned d = (unsigned)(nt.ip[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) big = 1;
        else mag = mag * 10 + d;
    }
    if (!big && mag <= (nt.neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1)) {
        out->type = (mi_type){MI_T_BIN, 8, 0, 0};
        if (lit_alloc(out, 8) != ASM_OK) return ASM_NOMEM;
        mi_st64(out->bytes, nt.neg ? 0 - mag : mag);
        return ASM_OK;
    }
    if (nt.ni > 31) return asm_err_set(e, t->col, "integer literal has more than 31 digits");
    out->type = (mi_type){MI_T_PKD, (uint8_t)nt.ni, 0, 0};
    if (lit_alloc(out, (uint32_t)(nt.ni / 2 + 1)) != ASM_OK) return ASM_NOMEM;
    pkd_pack(nt.ip, nt.ni, nt.neg, (unsigned)nt.ni, out->bytes);
    return ASM_OK;
}

static int lit_decimal(const asm_tok *t, asm_lit *out, asm_err *e) {
    numtext nt;
    split_number(t, &nt);
    size_t d = nt.ni + nt.nf;
    if (d > 31) return asm_err_set(e, t->col, "decimal literal has more than 31 digits");
    char dig[32];
    memcpy(dig, nt.ip, nt.ni);
    memcpy(dig + nt.ni, nt.fp, nt.nf);
    out->type = (mi_type){MI_T_PKD, (uint8_t)d, (uint8_t)nt.nf, 0};
    if (lit_alloc(out, (uint32_t)(d / 2 + 1)) != ASM_OK) return ASM_NOMEM;
    pkd_pack(dig, d, nt.neg, (unsigned)d, out->bytes);
    return ASM_OK;
}

/* The exact value of a float literal as "[-]DIGITSeEXP" (no decimal point, so
 * strtod/strtof do not depend on the locale); 0 if the value is zero. */
static int float_text(const asm_tok *t, asm_buf *b) {
    numtext nt;
    split_number(t, &nt);
    if (nt.neg) asm_buf_put(b, "-", 1);
    int nonzero = 0;
    for (size_t i = 0; i < nt.ni + nt.nf; i++) {
        char c = i < nt.ni ? nt.ip[i] : nt.fp[i - nt.ni];
        if (c != '0') nonzero = 1;
        if (nonzero) asm_buf_put(b, &c, 1);
    }
    asm_buf_printf(b, "e%lld", (long long)(nt.exp - (int64_t)nt.nf));
    asm_buf_put(b, "", 1);
    return nonzero;
}

/* The float literal correctly rounded to binary64 (size 8) or binary32 (size
 * 4); ASM_ERR if that is not finite. The exact decimal value zero is +0.0. */
static int float_round(const asm_tok *t, unsigned size, uint8_t *out, asm_err *e) {
    asm_buf b = {0};
    int nonzero = float_text(t, &b);
    if (b.oom) {
        asm_buf_free(&b);
        return ASM_NOMEM;
    }
    if (size == 4) {
        float f = nonzero ? strtof((const char *)b.p, NULL) : 0.0f;
        asm_buf_free(&b);
        if (isinf(f)) return asm_err_set(e, t->col, "value out of range for FLT(4)");
        uint32_t bits;
        memcpy(&bits, &f, 4);
        mi_st32(out, bits);
        return ASM_OK;
    }
    double v = nonzero ? strtod((const char *)b.p, NULL) : 0.0;
    asm_buf_free(&b);
    if (isinf(v)) return asm_err_set(e, t->col, "float literal out of range");
    uint64_t bits;
    memcpy(&bits, &v, 8);
    mi_st64(out, bits);
    return ASM_OK;
}

static int lit_float(const asm_tok *t, asm_lit *out, asm_err *e) {
    out->type = (mi_type){MI_T_FLT, 8, 0, 0};
    if (lit_alloc(out, 8) != ASM_OK) return ASM_NOMEM;
    out->ftok = t;
    int rc = float_round(t, 8, out->bytes, e);
    if (rc != ASM_OK) asm_lit_free(out);
    return rc;
}

/* The exact decimal value of a float literal as a PKD literal, when at most 31
 * digits express it; else ASM_ERR (no BIN, UBIN, PKD or ZND could hold it). */
static int float_exact_pkd(const asm_tok *t, const char *tn, asm_lit *out, asm_err *e) {
    numtext nt;
    split_number(t, &nt);
    asm_buf d = {0};
    int64_t ex = nt.exp - (int64_t)nt.nf;
    for (size_t i = 0; i < nt.ni + nt.nf; i++) {
        char c = i < nt.ni ? nt.ip[i] : nt.fp[i - nt.ni];
        if (c != '0' || d.n > 0) asm_buf_put(&d, &c, 1);
    }
    while (d.n > 0 && d.p[d.n - 1] == '0') { /* trailing zeros into the exponent */
        d.n--;
        ex++;
    }
    if (d.oom) {
        asm_buf_free(&d);
        return ASM_NOMEM;
    }
    int64_t nd = (int64_t)d.n, scale = ex < 0 ? -ex : 0;
    int64_t total = ex >= 0 ? nd + ex : (nd > scale ? nd : scale);
    if (nd == 0) total = 1, scale = 0, ex = 0;
    if (total > 31 || scale > 31) {
        asm_buf_free(&d);
        if (ex >= 0) return asm_err_set(e, t->col, "value out of range for %s", tn);
        return asm_err_set(e, t->col, "value is not exact in %s (digits would be lost)", tn);
    }
    char dig[32];
    memset(dig, '0', sizeof dig);
    /* right-align the significant digits, then the exponent's zeros */
    size_t lead = (size_t)(total - nd - (ex > 0 ? ex : 0));
    if (nd) memcpy(dig + lead, d.p, (size_t)nd);
    asm_buf_free(&d);
    out->type = (mi_type){MI_T_PKD, (uint8_t)total, (uint8_t)scale, 0};
    if (lit_alloc(out, (uint32_t)(total / 2 + 1)) != ASM_OK) return ASM_NOMEM;
    pkd_pack(dig, (size_t)total, nt.neg, (unsigned)total, out->bytes);
    return ASM_OK;
}

static int lit_chars(const asm_tok *t, asm_lit *out, asm_err *e) {
    asm_buf b = {0};
    if (asm_tok_bytes(t, &b) != ASM_OK) {
        asm_buf_free(&b);
        return ASM_NOMEM;
    }
    if (b.n == 0 || b.n > MI_MAX_CHAR_LEN) {
        asm_buf_free(&b);
        return asm_err_set(e, t->col, b.n == 0 ? "empty character literal" : "character literal longer than %u bytes",
                           MI_MAX_CHAR_LEN);
    }
    out->type = (mi_type){MI_T_CHAR, 0, 0, (uint32_t)b.n};
    out->rawhex = t->kind == TK_HEX;
    out->n = (uint32_t)b.n;
    out->bytes = b.p;
    return ASM_OK;
}

static int lit_untyped(const asm_tok *t, asm_lit *out, asm_err *e) {
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case TK_INT: return lit_integer(t, out, e);
    case TK_DEC: return lit_decimal(t, out, e);
    case TK_FLT: return lit_float(t, out, e);
    case TK_STR:
    case TK_HEX: return lit_chars(t, out, e);
    default: return asm_err_set(e, t->col, "expected a literal");
    }
}

int asm_parse_literal(const asm_tok *t, uint32_t *pos, asm_lit *out, asm_err *e) {
    memset(out, 0, sizeof *out);
    if (!asm_at_typed(t, *pos)) {
        int rc = lit_untyped(&t[*pos], out, e);
        if (rc == ASM_OK) (*pos)++;
        return rc;
    }
    mi_type ty;
    if (asm_parse_type(t, pos, &ty, e) != ASM_OK) return ASM_ERR;
    (*pos)++; /* the ':' (asm_at_typed checked it) */
    const asm_tok *v = &t[*pos];
    asm_lit raw;
    int rc = lit_untyped(v, &raw, e);
    if (rc != ASM_OK) return rc;
    (*pos)++;
    rc = asm_lit_convert(&raw, &ty, v->col, out, e);
    asm_lit_free(&raw);
    return rc;
}

/* ---- conversion ---- */

static int is_num(uint8_t k) { return k >= MI_T_BIN && k <= MI_T_ZND; }

/* Is p a PKD/ZND value in the form MI writes (§16 K2)? Other types: yes. */
static int dec_canonical(const mi_type *t, const uint8_t *p) {
    unsigned np = t->size;
    int zero = 1;
    if (t->kind == MI_T_PKD) {
        unsigned nb = np / 2 + 1;
        if (np % 2 == 0 && (p[0] >> 4) != 0) return 0;
        for (unsigned k = 1; k <= np; k++) {
            unsigned v = (k % 2) ? p[nb - 1 - k / 2] >> 4 : p[nb - 1 - k / 2] & 15u;
            if (v > 9) return 0;
            zero &= v == 0;
        }
        unsigned sign = p[nb - 1] & 15u;
        return sign == 0xC || (sign == 0xD && !zero);
    }
    if (t->kind == MI_T_ZND) {
        for (unsigned i = 0; i < np; i++) {
            unsigned z = p[i] >> 4, v = p[i] & 15u;
            if (v > 9 || (i + 1 < np && z != 3)) return 0;
            zero &= v == 0;
        }
        unsigned z = p[np - 1] >> 4;
        return z == 3 || (z == 7 && !zero);
    }
    return 1;
}

static int flt_finite(const mi_type *t, const uint8_t *p) {
    if (t->kind != MI_T_FLT) return 1;
    if (t->size == 4) return (mi_ld32(p) & 0x7F800000u) != 0x7F800000u;
    return (mi_ld64(p) & 0x7FF0000000000000ull) != 0x7FF0000000000000ull;
}

/* 1 if the finite FLT value at p (type t) has at most s decimal digits after the point,
 * so converting it to a type of scale s loses nothing. Read off the bits, exactly: the
 * value is M * 2^E with M odd (or 0), and M * 2^E * 10^s = M * 5^s * 2^(E+s) is an
 * integer exactly when E + s >= 0. (Comparing the converted value with the float in
 * the float domain would call PKD 0.10 equal to binary64 0.1, which it is not.) */
static int flt_exact_at_scale(const mi_type *t, const uint8_t *p, unsigned s) {
    uint64_t sig;
    int e2;
    if (t->size == 4) {
        uint32_t b = mi_ld32(p), ex = (b >> 23) & 0xFFu;
        sig = b & 0x7FFFFFu;
        if (ex != 0) sig |= 0x800000u;
        e2 = ex != 0 ? (int)ex - 150 : -149;
    } else {
        uint64_t b = mi_ld64(p), ex = (b >> 52) & 0x7FFu;
        sig = b & 0xFFFFFFFFFFFFFull;
        if (ex != 0) sig |= 1ull << 52;
        e2 = ex != 0 ? (int)ex - 1075 : -1074;
    }
    if (sig == 0) return 1;
    e2 += __builtin_ctzll(sig);
    return e2 + (int)s >= 0;
}

int asm_lit_convert(const asm_lit *src, const mi_type *to, uint32_t col, asm_lit *out, asm_err *e) {
    char tn[32];
    asm_type_text(to, tn, sizeof tn);
    memset(out, 0, sizeof *out);
    if (mi_type_equal(&src->type, to)) {
        out->type = *to;
        if (lit_alloc(out, src->n) != ASM_OK) return ASM_NOMEM;
        if (src->n) memcpy(out->bytes, src->bytes, src->n);
        return ASM_OK;
    }
    if (to->kind == MI_T_CHAR) {
        if (src->type.kind != MI_T_CHAR) return asm_err_set(e, col, "a numeric literal cannot initialise %s", tn);
        if (src->n > to->len)
            return asm_err_set(e, col, "character literal of %u bytes does not fit %s", (unsigned)src->n, tn);
        out->type = *to;
        if (lit_alloc(out, to->len) != ASM_OK) return ASM_NOMEM;
        memcpy(out->bytes, src->bytes, src->n);
        memset(out->bytes + src->n, ' ', to->len - src->n);
        return ASM_OK;
    }
    if (!is_num(to->kind)) return asm_err_set(e, col, "%s cannot have an initial value", tn);
    uint32_t nb = mi_type_bytes(to);
    if (src->type.kind == MI_T_CHAR) {
        if (!src->rawhex) return asm_err_set(e, col, "a character literal cannot initialise %s", tn);
        if (src->n != nb)
            return asm_err_set(e, col, "X'...' literal for %s must have exactly %u bytes", tn, (unsigned)nb);
        if (!dec_canonical(to, src->bytes))
            return asm_err_set(e, col, "X'...' literal is not a %s value in the form MI writes", tn);
        out->type = *to;
        if (lit_alloc(out, nb) != ASM_OK) return ASM_NOMEM;
        memcpy(out->bytes, src->bytes, nb);
        return ASM_OK;
    }
    if (!is_num(src->type.kind)) return asm_err_set(e, col, "cannot convert to %s", tn);
    out->type = *to;
    if (src->ftok != NULL) { /* a float literal: from its exact decimal value */
        if (to->kind == MI_T_FLT) {
            if (lit_alloc(out, nb) != ASM_OK) return ASM_NOMEM;
            int rc = float_round(src->ftok, to->size, out->bytes, e);
            if (rc != ASM_OK) asm_lit_free(out);
            if (rc == ASM_ERR) e->col = col;
            return rc;
        }
        asm_lit exact;
        memset(&exact, 0, sizeof exact);
        int rc = float_exact_pkd(src->ftok, tn, &exact, e);
        if (rc == ASM_OK) rc = asm_lit_convert(&exact, to, col, out, e);
        if (rc == ASM_ERR) e->col = col;
        asm_lit_free(&exact);
        return rc;
    }
    if (lit_alloc(out, nb) != ASM_OK) return ASM_NOMEM;
    mi_exc x = mi_sem_unary(MI_OP_CPYNV, 0, to, out->bytes, &src->type, src->bytes);
    int cmp = 0;
    /* to FLT: rounded once, must be finite; to the others: no digit lost */
    if (x == MI_EXC_NONE && to->kind != MI_T_FLT) {
        if (src->type.kind == MI_T_FLT)
            cmp = !flt_exact_at_scale(&src->type, src->bytes,
                                      to->kind == MI_T_PKD || to->kind == MI_T_ZND ? to->scale : 0);
        else
            x = mi_sem_cmpn(&cmp, to, out->bytes, &src->type, src->bytes);
    }
    if (x == MI_EXC_NONE && to->kind == MI_T_FLT && !flt_finite(to, out->bytes)) x = MI_EXC_MCH1210;
    if (x != MI_EXC_NONE || cmp != 0) {
        asm_lit_free(out);
        if (x == MI_EXC_MCH1210) return asm_err_set(e, col, "value out of range for %s", tn);
        if (x == MI_EXC_MCH1202) return asm_err_set(e, col, "invalid decimal data");
        if (x != MI_EXC_NONE) return asm_err_set(e, col, "value cannot be converted to %s", tn);
        return asm_err_set(e, col, "value is not exact in %s (digits would be lost)", tn);
    }
    return ASM_OK;
}

int asm_lit_from_text(const char *s, size_t n, const mi_type *init_to, asm_lit *out) {
    asm_toks tk = {0};
    asm_err e;
    memset(out, 0, sizeof *out);
    int rc = asm_lex_line(s, n, &tk, &e);
    uint32_t pos = 0;
    if (rc == ASM_OK) rc = asm_parse_literal(tk.t, &pos, out, &e);
    if (rc == ASM_OK && tk.t[pos].kind != TK_EOL) {
        asm_lit_free(out);
        rc = ASM_ERR;
    }
    if (rc == ASM_OK && init_to != NULL) {
        asm_lit raw = *out;
        rc = asm_lit_convert(&raw, init_to, 1, out, &e);
        asm_lit_free(&raw);
    }
    free(tk.t);
    return rc;
}
