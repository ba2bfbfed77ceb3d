/* The assembler's back half: resolves the names of a parsed asm_prog, numbers
 * the constant pool in canonical order (mi-spec/mi-v1.md §13), builds the
 * mi_template, runs the verifier (reporting each finding at its source line)
 * and encodes the bytes. Also the public entry points and diagnostics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "asm_int.h"
#include "mi_sem.h"

void mi_asm_opts_init(mi_asm_opts *o) {
    o->filename = NULL;
    o->embed_source = 1;
}

void mi_asm_diags_init(mi_asm_diags *dg) {
    dg->msgs = NULL;
    dg->n = 0;
}

void mi_asm_diags_free(mi_asm_diags *dg) {
    if (dg == NULL) return;
    for (unsigned i = 0; i < dg->n; i++) free(dg->msgs[i]);
    free(dg->msgs);
    dg->msgs = NULL;
    dg->n = 0;
}

/* ---- diagnostics ---- */

/* Messages are kept with their positions so that they can be put in source
 * order at the end (names are resolved after the whole text is parsed). */
static void add_msg(asm_prog *P, asm_pos pos, const char *msg) {
    mi_asm_diags *dg = P->dg;
    if (dg == NULL) return;
    char **m = realloc(dg->msgs, (dg->n + 1) * sizeof *m);
    if (m == NULL) return; /* the status still says what happened */
    dg->msgs = m;
    if (asm_reserve((void **)&P->mpos, &P->capmpos, P->nmpos + 1, sizeof *P->mpos) != ASM_OK) return;
    size_t k = strlen(msg);
    char *s = malloc(k + 1);
    if (s == NULL) return;
    memcpy(s, msg, k + 1);
    dg->msgs[dg->n++] = s;
    P->mpos[P->nmpos++] = pos;
}

static int pos_before(asm_pos a, asm_pos b) { return a.line < b.line || (a.line == b.line && a.col < b.col); }

static void sort_msgs(asm_prog *P) {
    mi_asm_diags *dg = P->dg;
    if (dg == NULL || P->nmpos < 2 || P->nmpos > dg->n) return;
    char **m = dg->msgs + (dg->n - P->nmpos);
    for (uint32_t i = 1; i < P->nmpos; i++) /* stable insertion sort of at most 51 */
        for (uint32_t j = i; j > 0 && pos_before(P->mpos[j], P->mpos[j - 1]); j--) {
            asm_pos tp = P->mpos[j];
            P->mpos[j] = P->mpos[j - 1];
            P->mpos[j - 1] = tp;
            char *ts = m[j];
            m[j] = m[j - 1];
            m[j - 1] = ts;
        }
}

static void report(asm_prog *P, asm_pos pos, const char *text) {
    if (P->stop) return;
    char msg[1024];
    if (P->nerr >= MI_ASM_MAX_DIAGS) {
        snprintf(msg, sizeof msg, "%s: error: too many errors, stopping", P->file);
        add_msg(P, (asm_pos){UINT32_MAX, UINT32_MAX}, msg);
        P->stop = 1;
        return;
    }
    P->nerr++;
    if (pos.line == 0) snprintf(msg, sizeof msg, "%s: error: %s", P->file, text);
    else snprintf(msg, sizeof msg, "%s:%u:%u: error: %s", P->file, pos.line, pos.col, text);
    add_msg(P, pos, msg);
}

void asm_error(asm_prog *P, asm_pos pos, const char *fmt, ...) {
    char text[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    report(P, pos, text);
}

void asm_oom(asm_prog *P) { P->oom = 1; }

/* ---- building the template ---- */

typedef struct builder {
    asm_prog *P;
    mi_template *t;
    asm_map constmap;
    uint32_t capconsts;
    asm_buf cbytes;
    asm_buf key;
} builder;

static char *dup_span(const char *s, size_t n) {
    char *p = malloc(n + 1);
    if (p == NULL) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* The constant index of literal li: equal constants (type and bytes) share one
 * entry, numbered in order of first reference. */
static uint32_t intern(builder *B, uint32_t li) {
    asm_prog *P = B->P;
    mi_template *t = B->t;
    const asm_litrec *l = &P->lits[li];
    uint8_t ty[8];
    ty[0] = l->type.kind;
    ty[1] = l->type.size;
    ty[2] = l->type.scale;
    ty[3] = 0;
    mi_st32(ty + 4, l->type.len);
    B->key.n = 0;
    asm_buf_put(&B->key, ty, 8);
    asm_buf_put(&B->key, P->litbytes.p + l->off, l->n);
    if (B->key.oom) {
        asm_oom(P);
        return 0;
    }
    uint32_t c = asm_map_get(&B->constmap, B->key.p, B->key.n);
    if (c != MI_NONE) return c;
    if (t->nconsts >= MI_MAX_ITEMS || B->cbytes.n > UINT32_MAX - (size_t)l->n) {
        asm_error(P, (asm_pos){0, 0}, "too many constants");
        return 0;
    }
    if (asm_reserve((void **)&t->consts, &B->capconsts, t->nconsts + 1, sizeof *t->consts) != ASM_OK ||
        asm_map_put(&B->constmap, B->key.p, B->key.n, t->nconsts) < 0) {
        asm_oom(P);
        return 0;
    }
    t->consts[t->nconsts] = (mi_const){l->type, l->n, (uint32_t)B->cbytes.n};
    asm_buf_put(&B->cbytes, P->litbytes.p + l->off, l->n);
    if (B->cbytes.oom) asm_oom(P);
    return t->nconsts++;
}

static uint32_t find_object(builder *B, asm_name nm, asm_pos pos) {
    asm_prog *P = B->P;
    uint32_t i = asm_map_get(&P->objmap, nm.s, nm.n);
    if (i != MI_NONE) return i;
    char q[64];
    asm_quote(q, sizeof q, nm.s, nm.n);
    if (asm_map_get(&P->labmap, nm.s, nm.n) != MI_NONE)
        asm_error(P, pos, "'%s' is a label, but an object is needed here", q);
    else
        asm_error(P, pos, "undefined object '%s'", q);
    return 0;
}

static void resolve_sub(builder *B, const asm_sub *s, mi_subref *r) {
    if (s->is_lit) {
        r->kind = MI_O_CONST;
        r->ref = intern(B, s->lit);
    } else {
        r->kind = MI_O_OBJ;
        r->ref = find_object(B, s->name, s->pos);
    }
}

/* The form letter of operand k (opcodes.def: a trailing '*'/'+' repeats the
 * letter before it). */
static char form_letter(const char *f, unsigned k) {
    size_t n = strlen(f);
    size_t fixed = n;
    if (n > 0 && (f[n - 1] == '*' || f[n - 1] == '+')) fixed = n - 1;
    if (k < fixed) return f[k];
    return fixed < n && fixed > 0 ? f[fixed - 1] : 0;
}

static void resolve_operand(builder *B, const asm_insn *in, unsigned k, const asm_opnd *a, mi_operand *o) {
    asm_prog *P = B->P;
    const mi_opinfo *oi = &mi_opinfo_table[in->op];
    char letter = form_letter(oi->forms, k);
    char q[64];
    memset(o, 0, sizeof *o);
    if (letter == 'L') {
        o->kind = MI_O_LABEL;
        if (a->kind != AO_NAME) {
            asm_error(P, a->pos, "operand %u of %s must be a label", k + 1, oi->name);
            return;
        }
        uint32_t li = asm_map_get(&P->labmap, a->name.s, a->name.n);
        if (li == MI_NONE) {
            asm_quote(q, sizeof q, a->name.s, a->name.n);
            if (asm_map_get(&P->objmap, a->name.s, a->name.n) != MI_NONE)
                asm_error(P, a->pos, "'%s' is an object, but operand %u of %s must be a label", q, k + 1, oi->name);
            else
                asm_error(P, a->pos, "undefined label '%s'", q);
            return;
        }
        o->ref = P->labels[li].insn != MI_NONE ? P->labels[li].insn : 0;
        return;
    }
    if ((letter == 'K' || letter == 'E') && a->kind != AO_LIT) {
        asm_error(P, a->pos, "operand %u of %s must be a constant", k + 1, oi->name);
        return;
    }
    switch (a->kind) {
    case AO_LIT:
        o->kind = MI_O_CONST;
        o->ref = intern(B, a->lit);
        return;
    case AO_NAME:
        o->kind = MI_O_OBJ;
        o->ref = find_object(B, a->name, a->pos);
        return;
    case AO_INDEX:
        o->kind = MI_O_ELEM;
        o->ref = find_object(B, a->name, a->pos);
        if (asm_map_get(&P->objmap, a->name.s, a->name.n) != MI_NONE && P->objs[o->ref].dim == 0) {
            asm_quote(q, sizeof q, a->name.s, a->name.n);
            asm_error(P, a->pos, "'%s' is not an array%s", q,
                      P->objs[o->ref].type.kind == MI_T_CHAR ? " (a substring is written name(start:length))" : "");
        }
        resolve_sub(B, &a->sub[0], &o->sub[0]);
        return;
    default:
        o->kind = MI_O_SUBSTR;
        o->ref = find_object(B, a->name, a->pos);
        resolve_sub(B, &a->sub[0], &o->sub[0]);
        resolve_sub(B, &a->sub[1], &o->sub[1]);
        return;
    }
}

static uint32_t find_label(builder *B, asm_name nm, asm_pos pos) {
    asm_prog *P = B->P;
    uint32_t li = asm_map_get(&P->labmap, nm.s, nm.n);
    if (li != MI_NONE) return P->labels[li].insn != MI_NONE ? P->labels[li].insn : 0;
    char q[64];
    asm_quote(q, sizeof q, nm.s, nm.n);
    asm_error(P, pos, "undefined label '%s'", q);
    return 0;
}

static int cmp_extra(const void *a, const void *b) {
    uint32_t x = ((const asm_extra *)a)->id, y = ((const asm_extra *)b)->id;
    return x < y ? -1 : x > y;
}

/* Fill t from P. Errors go to P; the caller discards t if there were any. */
static void build(asm_prog *P, const char *text, size_t n, const mi_asm_opts *o, mi_template *t) {
    builder B = {P, t, {0}, 0, {0}, {0}};
    t->format_version = MI_FORMAT_VERSION;
    t->mi_version = MI_VERSION;

    /* ODT and NAMES (objects) */
    t->objs = calloc(P->nobjs ? P->nobjs : 1, sizeof *t->objs);
    if (t->objs == NULL) goto oom;
    t->nobjs = P->nobjs;
    for (uint32_t i = 0; i < P->nobjs; i++) {
        const asm_obj *a = &P->objs[i];
        mi_object *ob = &t->objs[i];
        ob->type = a->type;
        ob->dim = a->dim;
        ob->cls = a->cls;
        ob->flags = a->init != MI_NONE ? MI_OBJ_HAS_INIT : 0;
        ob->base = MI_NONE;
        ob->offset = a->offset;
        ob->init = MI_NONE;
        if ((ob->name = dup_span(a->name.s, a->name.n)) == NULL) goto oom;
        if (a->cls == MI_C_BASED || a->cls == MI_C_DEFINED) ob->base = find_object(&B, a->base, a->basepos);
    }
    /* the constant pool: INIT values in ODT order first */
    for (uint32_t i = 0; i < P->nobjs && !P->oom; i++)
        if (P->objs[i].init != MI_NONE) t->objs[i].init = intern(&B, P->objs[i].init);

    /* CODE and LINES */
    t->insns = calloc(P->ninsns ? P->ninsns : 1, sizeof *t->insns);
    t->opnds = calloc(P->nopnds ? P->nopnds : 1, sizeof *t->opnds);
    if (t->insns == NULL || t->opnds == NULL) goto oom;
    t->ninsns = P->ninsns;
    t->nopnds = P->nopnds;
    for (uint32_t i = 0; i < P->ninsns && !P->oom && !P->stop; i++) {
        const asm_insn *a = &P->insns[i];
        mi_insn *in = &t->insns[i];
        in->op = a->op;
        in->mods = a->mods;
        in->nopnds = a->nopnds;
        in->first = a->first;
        in->line = a->line;
        if (a->op == MI_OP_COUNT) continue; /* already reported */
        for (unsigned k = 0; k < a->nopnds; k++)
            resolve_operand(&B, a, k, &P->opnds[a->first + k], &t->opnds[a->first + k]);
    }

    /* MONITOR */
    t->mons = calloc(P->nmons ? P->nmons : 1, sizeof *t->mons);
    if (t->mons == NULL) goto oom;
    t->nmons = P->nmons;
    for (uint32_t i = 0; i < P->nmons; i++) {
        const asm_mon *m = &P->mons[i];
        memcpy(t->mons[i].id, m->id, 8);
        t->mons[i].from = find_label(&B, m->lab[0], m->labpos[0]);
        t->mons[i].to = find_label(&B, m->lab[1], m->labpos[1]);
        t->mons[i].handler = find_label(&B, m->lab[2], m->labpos[2]);
        if (t->mons[i].from > t->mons[i].to) {
            char a[64], b[64];
            asm_quote(a, sizeof a, m->lab[0].s, m->lab[0].n);
            asm_quote(b, sizeof b, m->lab[1].s, m->lab[1].n);
            asm_error(P, m->pos, "monitor range is empty: '%s' comes after '%s'", a, b);
        }
    }

    /* NAMES (labels, in definition order) */
    t->labels = calloc(P->nlabels ? P->nlabels : 1, sizeof *t->labels);
    if (t->labels == NULL) goto oom;
    t->nlabels = P->nlabels;
    for (uint32_t i = 0; i < P->nlabels; i++) {
        t->labels[i].insn = P->labels[i].insn;
        if ((t->labels[i].name = dup_span(P->labels[i].name.s, P->labels[i].name.n)) == NULL) goto oom;
    }

    /* SOURCE */
    const char *sf = NULL, *sd = NULL;
    size_t sfn = 0, sdn = 0;
    if (P->src_mode == SRC_GIVEN) {
        sf = (const char *)P->srcname.p;
        sfn = P->srcname.n;
        sd = (const char *)P->srcdata.p;
        sdn = P->srcdata.n;
    } else if (P->src_mode == SRC_DEFAULT && o->embed_source) {
        sf = o->filename ? o->filename : "";
        sfn = strlen(sf);
        sd = text;
        sdn = n;
        if (sfn > 0xFFFFu) asm_error(P, (asm_pos){0, 0}, "file name too long for the SOURCE section");
    }
    if (P->src_mode == SRC_GIVEN || (P->src_mode == SRC_DEFAULT && o->embed_source)) {
        t->has_source = 1;
        t->source_file = dup_span(sf ? sf : "", sfn);
        t->source_text = malloc(sdn ? sdn : 1);
        if (t->source_file == NULL || t->source_text == NULL) goto oom;
        if (sdn) memcpy(t->source_text, sd, sdn);
        t->source_len = (uint32_t)sdn;
    }

    /* other sections, carried verbatim, in id order */
    if (P->nextra > 1) qsort(P->extra, P->nextra, sizeof *P->extra, cmp_extra);
    t->extra = calloc(P->nextra ? P->nextra : 1, sizeof *t->extra);
    if (t->extra == NULL) goto oom;
    t->nextra = P->nextra;
    for (uint32_t i = 0; i < P->nextra; i++) {
        const asm_extra *x = &P->extra[i];
        t->extra[i].id = x->id;
        t->extra[i].flags = x->flags;
        t->extra[i].nbytes = x->n;
        t->extra[i].bytes = malloc(x->n ? x->n : 1);
        if (t->extra[i].bytes == NULL) goto oom;
        if (x->n) memcpy(t->extra[i].bytes, P->extrabytes.p + x->off, x->n);
    }
    goto done;
oom:
    asm_oom(P);
done:
    t->constbytes = B.cbytes.p;
    t->nconstbytes = (uint32_t)B.cbytes.n;
    asm_map_free(&B.constmap);
    asm_buf_free(&B.key);
}

static void on_finding(void *ctx, uint32_t insn, uint32_t obj, const char *msg) {
    asm_prog *P = ctx;
    asm_pos pos = {1, 1};
    if (insn != MI_NONE && insn < P->ninsns) pos = P->insns[insn].pos;
    else if (obj != MI_NONE && obj < P->nobjs) pos = P->objs[obj].pos;
    asm_error(P, pos, "%s", msg);
}

static void prog_free(asm_prog *P) {
    free(P->objs);
    free(P->insns);
    free(P->opnds);
    free(P->labels);
    free(P->mons);
    free(P->lits);
    free(P->extra);
    asm_buf_free(&P->litbytes);
    asm_buf_free(&P->extrabytes);
    asm_buf_free(&P->srcname);
    asm_buf_free(&P->srcdata);
    asm_map_free(&P->objmap);
    asm_map_free(&P->labmap);
    free(P->mpos);
}

mi_status mi_asm_build(const char *text, size_t n, const mi_asm_opts *o, mi_template *t, mi_asm_diags *dg) {
    mi_asm_opts def;
    if (o == NULL) {
        mi_asm_opts_init(&def);
        o = &def;
    }
    asm_prog P;
    memset(&P, 0, sizeof P);
    P.file = o->filename ? o->filename : "<input>";
    P.dg = dg;
    mi_template_init(t);
    if (text == NULL && n > 0) return MI_E_ARG;
    if (n > ASM_MAX_INPUT) {
        asm_error(&P, (asm_pos){0, 0}, "input too large");
        free(P.mpos);
        return MI_E_SYNTAX;
    }
    asm_parse(&P, text, n);
    if (!P.oom && !P.stop) build(&P, text, n, o, t);
    mi_status st = MI_OK;
    if (P.oom) {
        st = MI_E_NOMEM;
        asm_error(&P, (asm_pos){0, 0}, "out of memory");
    } else if (P.nerr > 0) {
        st = MI_E_SYNTAX;
    } else if (mi_template_verify_each(t, on_finding, &P, MI_ASM_MAX_DIAGS + 1) != MI_OK) {
        st = MI_E_VERIFY;
        if (P.nerr == 0) asm_error(&P, (asm_pos){0, 0}, "the program template failed verification");
    }
    sort_msgs(&P);
    prog_free(&P);
    if (st != MI_OK) {
        mi_template_free(t);
        mi_template_init(t);
    }
    return st;
}

mi_status mi_asm_assemble(const char *text, size_t n, const mi_asm_opts *o, uint8_t **out, size_t *outn,
                          mi_asm_diags *dg) {
    *out = NULL;
    *outn = 0;
    mi_template t;
    mi_status st = mi_asm_build(text, n, o, &t, dg);
    if (st != MI_OK) return st;
    mi_diag d = {""};
    st = mi_template_encode(&t, out, outn, &d);
    mi_template_free(&t);
    if (st != MI_OK) {
        asm_prog P;
        memset(&P, 0, sizeof P);
        P.file = o && o->filename ? o->filename : "<input>";
        P.dg = dg;
        asm_error(&P, (asm_pos){0, 0}, "%s", d.msg[0] ? d.msg : mi_status_text(st));
        free(P.mpos);
        *out = NULL;
        *outn = 0;
    }
    return st;
}
