/* The disassembler: a program template as canonical MI assembly text that
 * assembles back to the identical bytes (mi-spec/mi-v1.md §13, §14).
 *
 * Layout: declarations in ODT order, monitors, the instructions with their
 * labels, unknown sections, then the SOURCE section (.source/.srcdata) or
 * .nosource. A ".line N" pin is written before an instruction whenever the line
 * the text would give it differs from the one recorded in LINES.
 *
 * Every literal is written in the most readable form that the assembler reads
 * back as exactly the same constant: candidates are tried in order (plain value,
 * typed value, typed hex) and each is checked by parsing it with the assembler's
 * own literal code, so the round trip holds by construction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_int.h"
#include "mi_sem.h"

typedef struct dis {
    const mi_template *t;
    asm_buf out;
    uint32_t line;  /* physical number of the next line written */
    uint32_t delta; /* the assembler's logical line = physical + delta */
    uint32_t *label_of; /* per instruction: its first label, or MI_NONE */
    mi_diag *d;
    mi_status st;
} dis;

static int fail(dis *D, mi_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(dis *D, mi_status st, const char *fmt, ...) {
    if (D->st == MI_OK) {
        D->st = st;
        if (D->d != NULL) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(D->d->msg, sizeof D->d->msg, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

static void endl(dis *D) {
    asm_buf_put(&D->out, "\n", 1);
    D->line++;
}

/* ---- literal candidates ---- */

static void put_hex(asm_buf *b, const uint8_t *p, size_t n) {
    static const char hx[] = "0123456789ABCDEF";
    asm_buf_put(b, "X'", 2);
    for (size_t i = 0; i < n; i++) {
        char two[2] = {hx[p[i] >> 4], hx[p[i] & 15]};
        asm_buf_put(b, two, 2);
    }
    asm_buf_put(b, "'", 1);
}

static void put_chars(asm_buf *b, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E) {
            put_hex(b, p, n);
            return;
        }
    asm_buf_put(b, "'", 1);
    for (size_t i = 0; i < n; i++) {
        asm_buf_put(b, p + i, 1);
        if (p[i] == '\'') asm_buf_put(b, "'", 1);
    }
    asm_buf_put(b, "'", 1);
}

/* Decimal digits of a PKD/ZND value (p of them) and its sign; 0 if the bytes
 * are not valid decimal data. */
static int dec_digits(const mi_type *ty, const uint8_t *b, char *dig, int *neg) {
    unsigned p = ty->size;
    if (ty->kind == MI_T_PKD) {
        unsigned nb = p / 2 + 1;
        unsigned sign = b[nb - 1] & 15u;
        if (sign < 10) return 0;
        *neg = sign == 0xB || sign == 0xD;
        if (p % 2 == 0 && (b[0] >> 4) != 0) return 0;
        for (unsigned i = 0; i < p; i++) {
            unsigned k = p - i;
            unsigned v = (k % 2) ? b[nb - 1 - k / 2] >> 4 : b[nb - 1 - k / 2] & 15u;
            if (v > 9) return 0;
            dig[i] = (char)('0' + v);
        }
        return 1;
    }
    for (unsigned i = 0; i + 1 < p; i++) {
        if (b[i] < 0x30 || b[i] > 0x39) return 0;
        dig[i] = (char)b[i];
    }
    unsigned z = b[p - 1] >> 4, v = b[p - 1] & 15u;
    if ((z != 3 && z != 7) || v > 9) return 0;
    dig[p - 1] = (char)('0' + v);
    *neg = z == 7;
    return 1;
}

/* The value written with exactly p digits (the default typing of a decimal
 * literal gives PKD(p,s) back), or shortest (leading and trailing zeros gone). */
static void put_decimal(asm_buf *b, const char *dig, unsigned p, unsigned s, int neg, int exact) {
    unsigned ni = p - s, i0 = 0, fend = p;
    if (neg) asm_buf_put(b, "-", 1);
    if (exact) {
        asm_buf_put(b, dig, ni);
        asm_buf_put(b, ".", 1);
        asm_buf_put(b, dig + ni, s);
        return;
    }
    while (i0 < ni && dig[i0] == '0') i0++;
    while (fend > ni && dig[fend - 1] == '0') fend--;
    if (fend == ni) { /* an integer */
        if (i0 == ni) asm_buf_put(b, "0", 1);
        else asm_buf_put(b, dig + i0, ni - i0);
        return;
    }
    if (i0 < ni) asm_buf_put(b, dig + i0, ni - i0);
    else if (fend - ni < 31) asm_buf_put(b, "0", 1); /* "0.5", but ".5" when 31 digits follow */
    asm_buf_put(b, ".", 1);
    asm_buf_put(b, dig + ni, fend - ni);
}

/* v with prec significant digits as an MI float literal, whatever the C
 * locale's decimal point is: positional with "E0" for moderate exponents
 * ("0.5E0", "100E0", "1.25E0"), else scientific ("1.5E-7", "1E300"). */
static void put_float(asm_buf *b, double v, int prec) {
    char tmp[64], dig[24];
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    const char *s = tmp;
    int nd = 0;
    if (*s == '-') {
        asm_buf_put(b, "-", 1);
        s++;
    }
    while (*s && *s != 'e' && *s != 'E') {
        if (*s >= '0' && *s <= '9' && nd < (int)sizeof dig) dig[nd++] = *s;
        s++;
    }
    long ex = *s ? strtol(s + 1, NULL, 10) : 0;
    while (nd > 1 && dig[nd - 1] == '0') nd--;
    if (ex >= 0 && ex < 17) {
        for (long i = 0; i <= ex; i++) asm_buf_put(b, i < nd ? &dig[i] : "0", 1);
        if (ex + 1 < nd) {
            asm_buf_put(b, ".", 1);
            asm_buf_put(b, dig + ex + 1, (size_t)(nd - ex - 1));
        }
    } else if (ex < 0 && ex >= -5) {
        asm_buf_put(b, "0.", 2);
        for (long i = -1; i > ex; i--) asm_buf_put(b, "0", 1);
        asm_buf_put(b, dig, (size_t)nd);
    } else {
        asm_buf_put(b, dig, 1);
        if (nd > 1) {
            asm_buf_put(b, ".", 1);
            asm_buf_put(b, dig + 1, (size_t)nd - 1);
        }
        asm_buf_printf(b, "E%ld", ex);
        return;
    }
    asm_buf_put(b, "E0", 2);
}

/* Does the text in cand read back (as an operand literal, or as an INIT of type
 * init_to) as the constant (ty, p, n)? */
static int reads_back(const asm_buf *cand, const mi_type *init_to, const mi_type *ty, const uint8_t *p, uint32_t n) {
    if (cand->oom) return 0;
    asm_lit l;
    if (asm_lit_from_text((const char *)cand->p, cand->n, init_to, &l) != ASM_OK) return 0;
    int ok = mi_type_equal(&l.type, ty) && l.n == n && (n == 0 || memcmp(l.bytes, p, n) == 0);
    asm_lit_free(&l);
    return ok;
}

/* Write the constant (ty, p, n) as a literal. init_to: the object type when it
 * is an INIT value, else NULL (an instruction operand). */
static int put_const(dis *D, const mi_type *ty, const uint8_t *p, uint32_t n, const mi_type *init_to) {
    asm_err e;
    char tn[32];
    asm_type_text(ty, tn, sizeof tn);
    if (asm_type_check(ty, 0, &e) != ASM_OK || ty->kind == MI_T_SPCPTR || ty->kind == MI_T_SYSPTR ||
        ty->kind < MI_T_BIN || ty->kind > MI_T_SYSPTR || mi_type_bytes(ty) != n)
        return fail(D, MI_E_FORMAT, "a constant of type %s with %u bytes cannot be written as a literal", tn,
                    (unsigned)n);
    asm_buf value = {0};  /* the plain value, fit for typed literals */
    asm_buf plain = {0};  /* the untyped candidate */
    int have_value = 1;
    switch (ty->kind) {
    case MI_T_BIN:
    case MI_T_UBIN: {
        uint64_t u = 0;
        for (unsigned i = 0; i < n; i++) u |= (uint64_t)p[i] << (8 * i);
        if (ty->kind == MI_T_BIN && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~(uint64_t)0 << (8 * n);
        if (ty->kind == MI_T_BIN && (u >> 63)) asm_buf_printf(&value, "-%llu", (unsigned long long)(0 - u));
        else asm_buf_printf(&value, "%llu", (unsigned long long)u);
        asm_buf_put(&plain, value.p, value.n);
        break;
    }
    case MI_T_PKD:
    case MI_T_ZND: {
        char dig[32];
        int neg = 0;
        if (!dec_digits(ty, p, dig, &neg)) {
            have_value = 0;
            break;
        }
        put_decimal(&value, dig, ty->size, ty->scale, neg, 0);
        if (init_to != NULL) asm_buf_put(&plain, value.p, value.n);
        else if (ty->kind == MI_T_PKD) put_decimal(&plain, dig, ty->size, ty->scale, neg, 1);
        break;
    }
    case MI_T_FLT: {
        double v;
        if (n == 4) {
            uint32_t bits = mi_ld32(p);
            float f;
            memcpy(&f, &bits, 4);
            v = f;
        } else {
            uint64_t bits = mi_ld64(p);
            memcpy(&v, &bits, 8);
        }
        have_value = 0;
        if (v - v != 0) break; /* NaN or infinite: only the hex form */
        /* The shortest digits that read back; 17 always do for a finite value
         * (a binary32 value is exact in binary64). An operand FLT(4) needs the
         * typed form, so that is what is checked for it. */
        int untyped_ok = init_to != NULL || ty->size == 8;
        for (int prec = 1; prec <= 17 && !have_value; prec++) {
            asm_buf c = {0}, typed = {0};
            put_float(&c, v, prec);
            asm_buf_printf(&typed, "%s:", tn);
            asm_buf_put(&typed, c.p, c.n);
            if (untyped_ok ? reads_back(&c, init_to, ty, p, n) : reads_back(&typed, NULL, ty, p, n)) {
                have_value = 1;
                asm_buf_put(&value, c.p, c.n);
                if (untyped_ok) asm_buf_put(&plain, c.p, c.n);
            }
            asm_buf_free(&c);
            asm_buf_free(&typed);
        }
        break;
    }
    default: { /* CHAR */
        have_value = 0;
        uint32_t k = n;
        if (init_to != NULL)
            while (k > 1 && p[k - 1] == ' ') k--;
        put_chars(&plain, p, k);
        break;
    }
    }
    int done = 0;
    asm_buf cand = {0};
    if (plain.n > 0 && reads_back(&plain, init_to, ty, p, n)) {
        asm_buf_put(&D->out, plain.p, plain.n);
        done = 1;
    }
    if (!done && have_value) {
        asm_buf_printf(&cand, "%s:", tn);
        asm_buf_put(&cand, value.p, value.n);
        if (reads_back(&cand, init_to, ty, p, n)) {
            asm_buf_put(&D->out, cand.p, cand.n);
            done = 1;
        }
    }
    if (!done) { /* the stored bytes themselves: INIT(X'..') or T:X'..' (§13) */
        cand.n = 0;
        if (ty->kind != MI_T_CHAR && init_to == NULL) asm_buf_printf(&cand, "%s:", tn);
        put_hex(&cand, p, n);
        if (reads_back(&cand, init_to, ty, p, n)) {
            asm_buf_put(&D->out, cand.p, cand.n);
            done = 1;
        }
    }
    int oom = value.oom || plain.oom || cand.oom;
    asm_buf_free(&value);
    asm_buf_free(&plain);
    asm_buf_free(&cand);
    if (oom) return fail(D, MI_E_NOMEM, "out of memory");
    if (!done) return fail(D, MI_E_FORMAT, "a constant of type %s cannot be written as a literal that reads back", tn);
    return 0;
}

static int put_const_ref(dis *D, uint32_t c, const mi_type *init_to) {
    const mi_template *t = D->t;
    if (c >= t->nconsts) return fail(D, MI_E_FORMAT, "constant %u does not exist", (unsigned)c);
    const mi_const *k = &t->consts[c];
    if (k->offset > t->nconstbytes || k->nbytes > t->nconstbytes - k->offset)
        return fail(D, MI_E_FORMAT, "constant %u lies outside the constant bytes", (unsigned)c);
    static const uint8_t none[1];
    return put_const(D, &k->type, t->constbytes ? t->constbytes + k->offset : none, k->nbytes, init_to);
}

/* ---- names ---- */

static int put_obj(dis *D, uint32_t i) {
    if (i >= D->t->nobjs) return fail(D, MI_E_FORMAT, "object %u does not exist", (unsigned)i);
    asm_buf_puts(&D->out, D->t->objs[i].name);
    return 0;
}

static int put_label(dis *D, uint32_t insn) {
    if (insn >= D->t->ninsns || D->label_of[insn] == MI_NONE)
        return fail(D, MI_E_FORMAT, "instruction %u is a branch or monitor target without a label name",
                    (unsigned)insn + 1);
    asm_buf_puts(&D->out, D->t->labels[D->label_of[insn]].name);
    return 0;
}

static int check_names(dis *D) {
    const mi_template *t = D->t;
    asm_map seen = {0};
    int rc = 0;
    for (uint32_t i = 0; i < t->nobjs && rc == 0; i++) {
        const char *s = t->objs[i].name;
        size_t n = s ? strlen(s) : 0;
        if (!asm_name_ok(s, n)) rc = fail(D, MI_E_FORMAT, "object %u has no valid name", (unsigned)i);
        else if (asm_map_put(&seen, s, n, i) == 0) rc = fail(D, MI_E_FORMAT, "two objects are named %s", s);
    }
    asm_map_free(&seen);
    uint32_t last = 0;
    for (uint32_t i = 0; i < t->nlabels && rc == 0; i++) {
        const char *s = t->labels[i].name;
        size_t n = s ? strlen(s) : 0;
        uint32_t in = t->labels[i].insn;
        if (!asm_name_ok(s, n)) rc = fail(D, MI_E_FORMAT, "label %u has no valid name", (unsigned)i);
        else if (asm_map_put(&seen, s, n, i) == 0) rc = fail(D, MI_E_FORMAT, "two labels are named %s", s);
        else if (in >= t->ninsns) rc = fail(D, MI_E_FORMAT, "label %s names no instruction", s);
        else if (in < last) rc = fail(D, MI_E_FORMAT, "label %s is out of instruction order", s);
        else {
            last = in;
            if (D->label_of[in] == MI_NONE) D->label_of[in] = i;
        }
    }
    asm_map_free(&seen);
    return rc;
}

/* ---- sections ---- */

static int declarations(dis *D) {
    const mi_template *t = D->t;
    static const char *const cls[] = {"", "STATIC", "AUTO", "PARM", "BASED", "DEFINED"};
    for (uint32_t i = 0; i < t->nobjs && D->st == MI_OK; i++) {
        const mi_object *o = &t->objs[i];
        char tn[32];
        asm_err e;
        if (asm_type_check(&o->type, 0, &e) != ASM_OK || o->type.kind < MI_T_BIN || o->type.kind > MI_T_SYSPTR)
            return fail(D, MI_E_FORMAT, "object %s has an invalid type", o->name);
        if (o->cls < MI_C_STATIC || o->cls > MI_C_DEFINED)
            return fail(D, MI_E_FORMAT, "object %s has an invalid storage class", o->name);
        if ((o->flags & ~MI_OBJ_HAS_INIT) != 0 || ((o->flags & MI_OBJ_HAS_INIT) != 0) != (o->init != MI_NONE))
            return fail(D, MI_E_FORMAT, "object %s has inconsistent flags", o->name);
        int based = o->cls == MI_C_BASED || o->cls == MI_C_DEFINED;
        if ((o->base != MI_NONE) != based || (o->cls != MI_C_DEFINED && o->offset != 0))
            return fail(D, MI_E_FORMAT, "object %s has an inconsistent base", o->name);
        asm_type_text(&o->type, tn, sizeof tn);
        asm_buf_printf(&D->out, "DCL %s %s", o->name, tn);
        if (o->dim) asm_buf_printf(&D->out, " DIM(%u)", (unsigned)o->dim);
        asm_buf_printf(&D->out, " %s", cls[o->cls]);
        if (based) {
            asm_buf_puts(&D->out, "(");
            if (put_obj(D, o->base)) return -1;
            if (o->cls == MI_C_DEFINED) asm_buf_printf(&D->out, ", %u", (unsigned)o->offset);
            asm_buf_puts(&D->out, ")");
        }
        if (o->init != MI_NONE) {
            asm_buf_puts(&D->out, " INIT(");
            if (put_const_ref(D, o->init, &o->type)) return -1;
            asm_buf_puts(&D->out, ")");
        }
        endl(D);
    }
    return D->st == MI_OK ? 0 : -1;
}

static int monitors(dis *D) {
    const mi_template *t = D->t;
    for (uint32_t i = 0; i < t->nmons; i++) {
        const mi_monitor *m = &t->mons[i];
        size_t k = 0;
        while (k < 8 && m->id[k]) k++;
        for (size_t j = k; j < 8; j++)
            if (m->id[j]) return fail(D, MI_E_FORMAT, "monitor %u has a malformed id", (unsigned)i + 1);
        int ok = (k == 4 && memcmp(m->id, "*ALL", 4) == 0) || (k == 7 && asm_excid_ok(m->id, 7));
        if (!ok) return fail(D, MI_E_FORMAT, "monitor %u has a malformed id", (unsigned)i + 1);
        asm_buf_puts(&D->out, "MONITOR ");
        asm_buf_put(&D->out, m->id, k);
        asm_buf_puts(&D->out, ", ");
        if (put_label(D, m->from)) return -1;
        asm_buf_puts(&D->out, ", ");
        if (put_label(D, m->to)) return -1;
        asm_buf_puts(&D->out, ", ");
        if (put_label(D, m->handler)) return -1;
        endl(D);
    }
    return 0;
}

static int put_subref(dis *D, const mi_subref *s) {
    if (s->kind == MI_O_OBJ) return put_obj(D, s->ref);
    if (s->kind == MI_O_CONST) return put_const_ref(D, s->ref, NULL);
    return fail(D, MI_E_FORMAT, "an index operand has kind %u", s->kind);
}

static int put_operand(dis *D, const mi_operand *o) {
    switch (o->kind) {
    case MI_O_OBJ: return put_obj(D, o->ref);
    case MI_O_CONST: return put_const_ref(D, o->ref, NULL);
    case MI_O_LABEL: return put_label(D, o->ref);
    case MI_O_ELEM:
    case MI_O_SUBSTR:
        if (put_obj(D, o->ref)) return -1;
        asm_buf_puts(&D->out, "(");
        if (put_subref(D, &o->sub[0])) return -1;
        if (o->kind == MI_O_SUBSTR) {
            asm_buf_puts(&D->out, ":");
            if (put_subref(D, &o->sub[1])) return -1;
        }
        asm_buf_puts(&D->out, ")");
        return 0;
    default: return fail(D, MI_E_FORMAT, "an operand has kind %u", o->kind);
    }
}

static int instructions(dis *D) {
    const mi_template *t = D->t;
    uint32_t li = 0; /* labels are in instruction order (checked) */
    for (uint32_t i = 0; i < t->ninsns; i++) {
        const mi_insn *in = &t->insns[i];
        if ((unsigned)in->op >= MI_OP_COUNT) return fail(D, MI_E_FORMAT, "instruction %u: unknown opcode", (unsigned)i + 1);
        const mi_opinfo *oi = &mi_opinfo_table[in->op];
        unsigned cond = in->mods & MI_MOD_COND_MASK;
        if ((in->mods & ~(MI_MOD_COND_MASK | MI_MOD_ROUND)) || cond > 6 || in->first > t->nopnds ||
            in->nopnds > t->nopnds - in->first)
            return fail(D, MI_E_FORMAT, "instruction %u is malformed", (unsigned)i + 1);
        /* all labels but the last on lines of their own */
        uint32_t lend = li;
        while (lend < t->nlabels && t->labels[lend].insn == i) lend++;
        for (; li + 1 < lend; li++) {
            asm_buf_printf(&D->out, "%s:", t->labels[li].name);
            endl(D);
        }
        if (D->line + D->delta != in->line) {
            asm_buf_printf(&D->out, ".line %u", (unsigned)in->line);
            D->delta = in->line - (D->line + 1u);
            endl(D);
        }
        size_t col0 = D->out.n;
        if (li < lend) {
            asm_buf_printf(&D->out, "%s:", t->labels[li].name);
            li++;
        }
        do asm_buf_puts(&D->out, " ");
        while (D->out.n - col0 < 8);
        size_t m0 = D->out.n;
        asm_buf_puts(&D->out, oi->name);
        if (cond) asm_buf_printf(&D->out, ".%s", mi_cond_names[cond]);
        if (in->mods & MI_MOD_ROUND) asm_buf_puts(&D->out, ".R");
        if (in->nopnds) {
            do asm_buf_puts(&D->out, " ");
            while (D->out.n - m0 < 8);
        }
        for (unsigned k = 0; k < in->nopnds; k++) {
            if (k) asm_buf_puts(&D->out, ", ");
            if (put_operand(D, &t->opnds[in->first + k])) return -1;
        }
        endl(D);
    }
    return 0;
}

static int trailer(dis *D) {
    const mi_template *t = D->t;
    for (uint32_t i = 0; i < t->nextra; i++) {
        const mi_extra_section *x = &t->extra[i];
        asm_buf_printf(&D->out, ".section %u, %u, ", (unsigned)x->id, (unsigned)x->flags);
        put_hex(&D->out, x->bytes, x->nbytes);
        endl(D);
    }
    if (!t->has_source) {
        asm_buf_puts(&D->out, ".nosource");
        endl(D);
        return 0;
    }
    const char *f = t->source_file ? t->source_file : "";
    asm_buf_puts(&D->out, ".source ");
    size_t fn = strlen(f);
    if (fn == 0) asm_buf_puts(&D->out, "''");
    else put_chars(&D->out, (const uint8_t *)f, fn);
    endl(D);
    for (uint32_t o = 0; o < t->source_len; o += 64) {
        asm_buf_puts(&D->out, ".srcdata ");
        put_hex(&D->out, t->source_text + o, t->source_len - o < 64 ? t->source_len - o : 64);
        endl(D);
    }
    return 0;
}

mi_status mi_dis_format(const mi_template *t, char **out, size_t *outn, mi_diag *d) {
    *out = NULL;
    *outn = 0;
    dis D;
    memset(&D, 0, sizeof D);
    D.t = t;
    D.d = d;
    D.line = 1;
    D.label_of = malloc((t->ninsns ? t->ninsns : 1) * sizeof *D.label_of);
    if (D.label_of == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    for (uint32_t i = 0; i < t->ninsns; i++) D.label_of[i] = MI_NONE;
    if (check_names(&D) == 0 && declarations(&D) == 0 && monitors(&D) == 0 && instructions(&D) == 0) trailer(&D);
    free(D.label_of);
    asm_buf_put(&D.out, "", 1);
    if (D.st == MI_OK && D.out.oom) fail(&D, MI_E_NOMEM, "out of memory");
    if (D.st != MI_OK) {
        asm_buf_free(&D.out);
        return D.st;
    }
    *out = (char *)D.out.p;
    *outn = D.out.n - 1;
    return MI_OK;
}
