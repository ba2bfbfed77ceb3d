/* The assembler's parser: MI assembly text (mi-spec/mi-v1.md §13) into an
 * asm_prog. One statement per physical line; after an error the rest of the
 * line is skipped and parsing goes on with the next line, so one run reports
 * several errors. Names are resolved later (asm_emit.c): objects and labels may
 * be used before they are declared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_int.h"

typedef struct lstate {
    asm_prog *P;
    const asm_tok *t;
    uint32_t pos;
    uint32_t line;  /* physical */
    uint32_t *delta; /* logical line = physical + delta (mod 2^32), set by .line */
    asm_err e;
} lstate;

static asm_pos at(const lstate *L, uint32_t col) { return (asm_pos){L->line, col}; }
static const asm_tok *cur(const lstate *L) { return &L->t[L->pos]; }
static asm_name span(const asm_tok *t) { return (asm_name){t->s, (uint32_t)t->n}; }

static const char *tok_desc(const asm_tok *t, char *buf, size_t cap) {
    if (t->kind == TK_EOL) return "end of line";
    char q[64];
    asm_quote(q, sizeof q, t->s, t->n);
    snprintf(buf, cap, "'%s%s'", t->kind == TK_DOTNAME ? "." : t->kind == TK_STARNAME ? "*" : "", q);
    return buf;
}

static int unexpected(lstate *L, const char *what) {
    char b[96];
    return asm_err_set(&L->e, cur(L)->col, "expected %s, found %s", what, tok_desc(cur(L), b, sizeof b));
}

static int expect(lstate *L, uint8_t kind, const char *what) {
    if (cur(L)->kind != kind) return unexpected(L, what);
    L->pos++;
    return ASM_OK;
}

static int end_of_statement(lstate *L) { return cur(L)->kind == TK_EOL ? ASM_OK : unexpected(L, "end of line"); }

static int is_literal_tok(const asm_tok *t) {
    return t->kind == TK_INT || t->kind == TK_DEC || t->kind == TK_FLT || t->kind == TK_STR || t->kind == TK_HEX;
}

/* An unsigned integer token no larger than max. */
static int uint_tok(lstate *L, uint64_t max, uint64_t *v, const char *what) {
    const asm_tok *t = cur(L);
    if (t->kind != TK_INT) return unexpected(L, what);
    size_t i = 0;
    int neg = 0;
    if (t->s[0] == '+' || t->s[0] == '-') neg = t->s[i++] == '-';
    uint64_t x = 0;
    for (; i < t->n; i++) {
        x = x * 10 + (uint64_t)(t->s[i] - '0');
        if (x > max) break;
    }
    if (x > max || (neg && x != 0))
        return asm_err_set(&L->e, t->col, "%s out of range (0 to %llu)", what, (unsigned long long)max);
    *v = x;
    L->pos++;
    return ASM_OK;
}

static int add_lit(lstate *L, asm_lit *lit, uint32_t *idx) {
    asm_prog *P = L->P;
    if (asm_reserve((void **)&P->lits, &P->caplits, P->nlits + 1, sizeof *P->lits) != ASM_OK ||
        P->litbytes.n > UINT32_MAX - (size_t)lit->n) {
        asm_lit_free(lit);
        return ASM_NOMEM;
    }
    P->lits[P->nlits] = (asm_litrec){lit->type, (uint32_t)P->litbytes.n, lit->n};
    asm_buf_put(&P->litbytes, lit->bytes, lit->n);
    asm_lit_free(lit);
    if (P->litbytes.oom) return ASM_NOMEM;
    *idx = P->nlits++;
    return ASM_OK;
}

static int literal(lstate *L, uint32_t *idx) {
    asm_lit lit;
    int rc = asm_parse_literal(L->t, &L->pos, &lit, &L->e);
    if (rc != ASM_OK) return rc;
    return add_lit(L, &lit, idx);
}

/* ---- labels ---- */

static int define_label(lstate *L, const asm_tok *t) {
    asm_prog *P = L->P;
    uint32_t prev = asm_map_get(&P->labmap, t->s, t->n);
    if (prev != MI_NONE) {
        char q[64];
        asm_quote(q, sizeof q, t->s, t->n);
        return asm_err_set(&L->e, t->col, "label '%s' already defined on line %u", q, P->labels[prev].pos.line);
    }
    if (P->nlabels >= MI_MAX_ITEMS) return asm_err_set(&L->e, t->col, "too many labels");
    if (asm_reserve((void **)&P->labels, &P->caplabels, P->nlabels + 1, sizeof *P->labels) != ASM_OK ||
        asm_map_put(&P->labmap, t->s, t->n, P->nlabels) < 0)
        return ASM_NOMEM;
    P->labels[P->nlabels++] = (asm_label){span(t), MI_NONE, at(L, t->col)};
    P->npending++;
    return ASM_OK;
}

/* ---- declarations ---- */

static int class_clause(lstate *L, asm_obj *o) {
    const asm_tok *t = cur(L);
    if (asm_tok_is(t, "STATIC")) o->cls = MI_C_STATIC;
    else if (asm_tok_is(t, "AUTO")) o->cls = MI_C_AUTO;
    else if (asm_tok_is(t, "PARM")) o->cls = MI_C_PARM;
    else if (asm_tok_is(t, "BASED")) o->cls = MI_C_BASED;
    else if (asm_tok_is(t, "DEFINED")) o->cls = MI_C_DEFINED;
    else return 0;
    L->pos++;
    if (o->cls == MI_C_BASED || o->cls == MI_C_DEFINED) {
        if (expect(L, TK_LP, "'('") != ASM_OK) return ASM_ERR;
        if (cur(L)->kind != TK_NAME) return unexpected(L, "the name of the base object");
        o->base = span(cur(L));
        o->basepos = at(L, cur(L)->col);
        L->pos++;
        if (o->cls == MI_C_DEFINED && cur(L)->kind == TK_COMMA) {
            L->pos++;
            uint64_t v;
            if (uint_tok(L, UINT32_MAX, &v, "an offset") != ASM_OK) return ASM_ERR;
            o->offset = (uint32_t)v;
        }
        if (expect(L, TK_RP, "')'") != ASM_OK) return ASM_ERR;
    }
    return 1;
}

static int declaration(lstate *L) {
    asm_prog *P = L->P;
    L->pos++; /* DCL */
    const asm_tok *nt = cur(L);
    if (nt->kind != TK_NAME) return unexpected(L, "the name of the object");
    if (asm_map_get(&P->objmap, nt->s, nt->n) != MI_NONE) {
        char q[64];
        asm_quote(q, sizeof q, nt->s, nt->n);
        uint32_t prev = asm_map_get(&P->objmap, nt->s, nt->n);
        return asm_err_set(&L->e, nt->col, "object '%s' already declared on line %u", q, P->objs[prev].pos.line);
    }
    if (P->nobjs >= MI_MAX_ITEMS) return asm_err_set(&L->e, nt->col, "too many objects");
    if (asm_reserve((void **)&P->objs, &P->capobjs, P->nobjs + 1, sizeof *P->objs) != ASM_OK ||
        asm_map_put(&P->objmap, nt->s, nt->n, P->nobjs) < 0)
        return ASM_NOMEM;
    asm_obj *o = &P->objs[P->nobjs++];
    memset(o, 0, sizeof *o);
    o->name = span(nt);
    o->pos = at(L, nt->col);
    o->cls = MI_C_STATIC;
    o->init = MI_NONE;
    L->pos++;
    if (asm_parse_type(L->t, &L->pos, &o->type, &L->e) != ASM_OK) return ASM_ERR;
    if (asm_tok_is(cur(L), "DIM")) {
        L->pos++;
        uint64_t v;
        if (expect(L, TK_LP, "'('") != ASM_OK) return ASM_ERR;
        const asm_tok *dt = cur(L);
        if (uint_tok(L, UINT32_MAX, &v, "a dimension") != ASM_OK) return ASM_ERR;
        if (v == 0) return asm_err_set(&L->e, dt->col, "DIM must be at least 1");
        o->dim = (uint32_t)v;
        if (expect(L, TK_RP, "')'") != ASM_OK) return ASM_ERR;
    }
    int rc = class_clause(L, o);
    if (rc < 0) return rc;
    if (asm_tok_is(cur(L), "INIT")) {
        L->pos++;
        if (expect(L, TK_LP, "'('") != ASM_OK) return ASM_ERR;
        uint32_t col = cur(L)->col;
        asm_lit lit, conv;
        rc = asm_parse_literal(L->t, &L->pos, &lit, &L->e);
        if (rc != ASM_OK) return rc;
        rc = asm_lit_convert(&lit, &o->type, col, &conv, &L->e);
        asm_lit_free(&lit);
        if (rc != ASM_OK) return rc;
        if ((rc = add_lit(L, &conv, &o->init)) != ASM_OK) return rc;
        if (expect(L, TK_RP, "')'") != ASM_OK) return ASM_ERR;
    }
    if (cur(L)->kind != TK_EOL) return unexpected(L, "DIM, a storage class, INIT or end of line");
    return ASM_OK;
}

/* ---- instructions ---- */

static int simple(lstate *L, asm_sub *s) {
    const asm_tok *t = cur(L);
    memset(s, 0, sizeof *s);
    s->pos = at(L, t->col);
    if (t->kind == TK_NAME && !asm_at_typed(L->t, L->pos)) {
        s->name = span(t);
        L->pos++;
        return ASM_OK;
    }
    if (t->kind != TK_NAME && !is_literal_tok(t)) return unexpected(L, "a name or an integer");
    s->is_lit = 1;
    return literal(L, &s->lit);
}

static int operand(lstate *L, asm_opnd *o) {
    const asm_tok *t = cur(L);
    memset(o, 0, sizeof *o);
    o->pos = at(L, t->col);
    if (t->kind == TK_NAME && !asm_at_typed(L->t, L->pos)) {
        o->kind = AO_NAME;
        o->name = span(t);
        L->pos++;
        if (cur(L)->kind != TK_LP) return ASM_OK;
        L->pos++;
        o->kind = AO_INDEX;
        if (simple(L, &o->sub[0]) != ASM_OK) return ASM_ERR;
        if (cur(L)->kind == TK_COLON) {
            L->pos++;
            o->kind = AO_SUBSTR;
            if (simple(L, &o->sub[1]) != ASM_OK) return ASM_ERR;
        }
        return expect(L, TK_RP, o->kind == AO_INDEX ? "':' or ')'" : "')'");
    }
    if (t->kind != TK_NAME && !is_literal_tok(t)) return unexpected(L, "an operand");
    o->kind = AO_LIT;
    return literal(L, &o->lit);
}

/* Operand count range of a forms string (opcodes.def: trailing '*' or '+'). */
static void form_counts(const char *f, unsigned *min, unsigned *max) {
    size_t n = strlen(f);
    if (n > 0 && (f[n - 1] == '*' || f[n - 1] == '+')) {
        *min = (unsigned)(f[n - 1] == '*' ? n - 2 : n - 1);
        *max = MI_MAX_OPERANDS;
    } else {
        *min = *max = (unsigned)n;
    }
}

static int modifier(lstate *L, const mi_opinfo *oi, asm_insn *in) {
    const asm_tok *t = cur(L);
    char q[64];
    asm_quote(q, sizeof q, t->s, t->n);
    if (asm_tok_is(t, "R")) {
        if (!(oi->flags & MI_F_ROUND)) return asm_err_set(&L->e, t->col, "%s does not accept .R", oi->name);
        if (in->mods & MI_MOD_ROUND) return asm_err_set(&L->e, t->col, "duplicate .R");
        in->mods |= MI_MOD_ROUND;
        return ASM_OK;
    }
    for (unsigned c = 1; c < 7; c++) {
        if (!asm_tok_is(t, mi_cond_names[c])) continue;
        if (!(oi->flags & MI_F_COND)) return asm_err_set(&L->e, t->col, "%s does not accept a condition", oi->name);
        if (in->mods & MI_MOD_COND_MASK) return asm_err_set(&L->e, t->col, "more than one condition");
        in->mods |= (uint8_t)c;
        return ASM_OK;
    }
    return asm_err_set(&L->e, t->col, "unknown modifier '.%s'", q);
}

static int instruction(lstate *L) {
    asm_prog *P = L->P;
    const asm_tok *mt = cur(L);
    if (P->ninsns >= MI_MAX_ITEMS) return asm_err_set(&L->e, mt->col, "too many instructions");
    if (asm_reserve((void **)&P->insns, &P->capinsns, P->ninsns + 1, sizeof *P->insns) != ASM_OK)
        return ASM_NOMEM;
    /* The instruction is recorded even when it has errors, so that its labels
     * attach to it and do not cause further errors. */
    asm_insn *in = &P->insns[P->ninsns];
    memset(in, 0, sizeof *in);
    in->op = mi_op_from_name(mt->s, mt->n);
    in->first = P->nopnds;
    in->line = L->line + *L->delta;
    in->pos = at(L, mt->col);
    for (uint32_t i = P->nlabels - P->npending; i < P->nlabels; i++) P->labels[i].insn = P->ninsns;
    P->npending = 0;
    P->ninsns++;
    if (in->op == MI_OP_COUNT) {
        char q[64];
        asm_quote(q, sizeof q, mt->s, mt->n);
        return asm_err_set(&L->e, mt->col, "unknown mnemonic '%s'", q);
    }
    const mi_opinfo *oi = &mi_opinfo_table[in->op];
    L->pos++;
    while (cur(L)->kind == TK_DOTNAME) {
        if (modifier(L, oi, in) != ASM_OK) return ASM_ERR;
        L->pos++;
    }
    if ((oi->flags & MI_F_COND) && !(in->mods & MI_MOD_COND_MASK))
        return asm_err_set(&L->e, mt->col, "%s needs a condition (.HI .LO .EQ .NE .NH .NL)", oi->name);
    unsigned n = 0;
    if (cur(L)->kind != TK_EOL) {
        for (;;) {
            if (n >= MI_MAX_OPERANDS) return asm_err_set(&L->e, cur(L)->col, "more than %u operands", MI_MAX_OPERANDS);
            if (asm_reserve((void **)&P->opnds, &P->capopnds, P->nopnds + 1, sizeof *P->opnds) != ASM_OK)
                return ASM_NOMEM;
            int rc = operand(L, &P->opnds[P->nopnds]);
            if (rc != ASM_OK) return rc;
            P->nopnds++;
            in = &P->insns[P->ninsns - 1];
            in->nopnds = (uint8_t)++n;
            if (cur(L)->kind == TK_EOL) break;
            if (expect(L, TK_COMMA, "',' or end of line") != ASM_OK) return ASM_ERR;
        }
    }
    unsigned mn, mx;
    form_counts(oi->forms, &mn, &mx);
    if (n < mn || n > mx) {
        if (mn == mx) return asm_err_set(&L->e, mt->col, "%s takes %u operand%s, not %u", oi->name, mn, mn == 1 ? "" : "s", n);
        return asm_err_set(&L->e, mt->col, "%s takes at least %u operand%s, not %u", oi->name, mn, mn == 1 ? "" : "s", n);
    }
    return ASM_OK;
}

/* ---- monitors ---- */

static int monitor(lstate *L) {
    asm_prog *P = L->P;
    const asm_tok *mt = cur(L);
    if (P->nmons >= MI_MAX_ITEMS) return asm_err_set(&L->e, mt->col, "too many monitors");
    if (asm_reserve((void **)&P->mons, &P->capmons, P->nmons + 1, sizeof *P->mons) != ASM_OK) return ASM_NOMEM;
    asm_mon m;
    memset(&m, 0, sizeof m);
    m.pos = at(L, mt->col);
    L->pos++;
    const asm_tok *t = cur(L);
    if (t->kind == TK_STARNAME && asm_tok_is(&(asm_tok){TK_NAME, 0, t->s, t->n}, "ALL")) {
        memcpy(m.id, "*ALL", 4);
    } else if (t->kind == TK_NAME && asm_excid_ok(t->s, t->n)) {
        memcpy(m.id, t->s, 7);
    } else {
        return unexpected(L, "an exception id (3 letters A-Z and 4 hex digits 0-9A-F, or *ALL)");
    }
    L->pos++;
    for (int k = 0; k < 3; k++) {
        if (expect(L, TK_COMMA, "','") != ASM_OK) return ASM_ERR;
        if (cur(L)->kind != TK_NAME) return unexpected(L, "a label");
        m.lab[k] = span(cur(L));
        m.labpos[k] = at(L, cur(L)->col);
        L->pos++;
    }
    if (end_of_statement(L) != ASM_OK) return ASM_ERR;
    P->mons[P->nmons++] = m;
    return ASM_OK;
}

/* ---- directives ---- */

static int bytes_of(lstate *L, asm_buf *out) {
    out->n = 0;
    int rc = asm_tok_bytes(cur(L), out);
    L->pos++;
    return rc;
}

static int directive(lstate *L) {
    asm_prog *P = L->P;
    const asm_tok *d = cur(L);
    L->pos++;
    if (asm_tok_is(d, "line")) {
        uint64_t v;
        if (uint_tok(L, UINT32_MAX, &v, "a line number") != ASM_OK) return ASM_ERR;
        if (end_of_statement(L) != ASM_OK) return ASM_ERR;
        /* like C's #line: the next physical line has number v */
        *L->delta = (uint32_t)v - (L->line + 1u);
        return ASM_OK;
    }
    if (asm_tok_is(d, "nosource")) {
        if (end_of_statement(L) != ASM_OK) return ASM_ERR;
        if (P->src_mode == SRC_GIVEN) return asm_err_set(&L->e, d->col, ".nosource conflicts with .source on line %u", P->srcpos.line);
        if (P->src_mode == SRC_NONE) return asm_err_set(&L->e, d->col, "second .nosource (first on line %u)", P->srcpos.line);
        P->src_mode = SRC_NONE;
        P->srcpos = at(L, d->col);
        return ASM_OK;
    }
    if (asm_tok_is(d, "source")) {
        const asm_tok *t = cur(L);
        if (t->kind != TK_STR && t->kind != TK_DQSTR && t->kind != TK_HEX) return unexpected(L, "a file name string");
        if (P->src_mode == SRC_GIVEN) return asm_err_set(&L->e, d->col, "second .source (first on line %u)", P->srcpos.line);
        if (P->src_mode == SRC_NONE) return asm_err_set(&L->e, d->col, ".source conflicts with .nosource on line %u", P->srcpos.line);
        if (bytes_of(L, &P->srcname) != ASM_OK) return ASM_NOMEM;
        if (end_of_statement(L) != ASM_OK) return ASM_ERR;
        if (P->srcname.n > 0xFFFFu) return asm_err_set(&L->e, t->col, "file name longer than 65535 bytes");
        if (P->srcname.n > 0 && memchr(P->srcname.p, 0, P->srcname.n) != NULL)
            return asm_err_set(&L->e, t->col, "file name contains a NUL byte");
        P->src_mode = SRC_GIVEN;
        P->srcpos = at(L, d->col);
        return ASM_OK;
    }
    if (asm_tok_is(d, "srcdata")) {
        if (cur(L)->kind != TK_HEX) return unexpected(L, "X'...'");
        if (P->src_mode != SRC_GIVEN) return asm_err_set(&L->e, d->col, ".srcdata without a preceding .source");
        asm_buf b = {0};
        int rc = bytes_of(L, &b);
        if (rc == ASM_OK) rc = end_of_statement(L);
        if (rc == ASM_OK) {
            asm_buf_put(&P->srcdata, b.p, b.n);
            if (P->srcdata.oom) rc = ASM_NOMEM;
        }
        asm_buf_free(&b);
        return rc;
    }
    if (asm_tok_is(d, "section")) {
        uint64_t id, flags;
        if (uint_tok(L, UINT32_MAX, &id, "a section id") != ASM_OK) return ASM_ERR;
        if (expect(L, TK_COMMA, "','") != ASM_OK) return ASM_ERR;
        if (uint_tok(L, UINT32_MAX, &flags, "section flags") != ASM_OK) return ASM_ERR;
        if (expect(L, TK_COMMA, "','") != ASM_OK) return ASM_ERR;
        if (cur(L)->kind != TK_HEX) return unexpected(L, "X'...'");
        const asm_tok *ht = cur(L);
        asm_buf b = {0};
        int rc = bytes_of(L, &b);
        if (rc == ASM_OK) rc = end_of_statement(L);
        if (rc == ASM_OK && id >= MI_SECT_ODT && id <= MI_SECT_SOURCE)
            rc = asm_err_set(&L->e, d->col, "section %u is a standard section; .section is for other ids", (unsigned)id);
        if (rc == ASM_OK && flags != 0) /* §16 D7, D8: only bit 0 exists, and it would make the template refused */
            rc = asm_err_set(&L->e, d->col, "the flags of a section other than 1-7 must be 0");
        for (uint32_t i = 0; rc == ASM_OK && i < P->nextra; i++)
            if (P->extra[i].id == id)
                rc = asm_err_set(&L->e, d->col, "section %u already given on line %u", (unsigned)id, P->extra[i].pos.line);
        if (rc == ASM_OK && (P->nextra >= MI_MAX_ITEMS || P->extrabytes.n > UINT32_MAX - b.n))
            rc = asm_err_set(&L->e, ht->col, "too many sections");
        if (rc == ASM_OK &&
            asm_reserve((void **)&P->extra, &P->capextra, P->nextra + 1, sizeof *P->extra) != ASM_OK)
            rc = ASM_NOMEM;
        if (rc == ASM_OK) {
            P->extra[P->nextra++] =
                (asm_extra){(uint32_t)id, (uint32_t)flags, (uint32_t)P->extrabytes.n, (uint32_t)b.n, at(L, d->col)};
            asm_buf_put(&P->extrabytes, b.p, b.n);
            if (P->extrabytes.oom) rc = ASM_NOMEM;
        }
        asm_buf_free(&b);
        return rc;
    }
    char q[64];
    asm_quote(q, sizeof q, d->s, d->n);
    return asm_err_set(&L->e, d->col, "unknown directive '.%s'", q);
}

/* ---- lines ---- */

static int statement(lstate *L) {
    const asm_tok *t = cur(L);
    if (t->kind == TK_EOL) return ASM_OK;
    if (t->kind == TK_DOTNAME) return directive(L);
    if (t->kind != TK_NAME) return unexpected(L, "a statement");
    if (asm_tok_is(t, "DCL")) return declaration(L);
    if (asm_tok_is(t, "MONITOR")) return monitor(L);
    return instruction(L);
}

void asm_parse(asm_prog *P, const char *text, size_t n) {
    asm_toks tk = {0};
    uint32_t delta = 0;
    size_t i = 0;
    for (uint32_t line = 1; i < n && !P->stop && !P->oom; line++) {
        const char *nl = memchr(text + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (text + i)) : n - i;
        lstate L = {P, NULL, 0, line, &delta, {0, ""}};
        int rc = asm_lex_line(text + i, len, &tk, &L.e);
        if (rc == ASM_OK) {
            L.t = tk.t;
            if (tk.t[0].kind == TK_NAME && tk.t[1].kind == TK_COLON) {
                rc = define_label(&L, &tk.t[0]);
                L.pos = 2;
            }
            if (rc == ASM_OK) rc = statement(&L);
        }
        if (rc == ASM_NOMEM) asm_oom(P);
        else if (rc != ASM_OK) asm_error(P, at(&L, L.e.col), "%s", L.e.msg);
        i += len + 1;
    }
    free(tk.t);
    for (uint32_t k = P->nlabels - P->npending; k < P->nlabels && !P->stop && !P->oom; k++) {
        char q[64];
        asm_quote(q, sizeof q, P->labels[k].name.s, P->labels[k].name.n);
        asm_error(P, P->labels[k].pos, "label '%s' is not followed by an instruction", q);
    }
}
