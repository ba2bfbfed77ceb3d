/* Pre-decoder: verified template -> the interpreter's form (interp_int.h). */
#include <stdlib.h>
#include <string.h>
#include "interp_int.h"

typedef struct dctx {
    const mi_template *t;
    const mi_layout *l;
    uint32_t ncalls;      /* call plans used in mi_icode.calls */
    int generic_only;     /* operands only: every instruction GENERIC (no fast
                             handlers, branches or call plans), for
                             mi_interp_exec_one; the interpreter's loop cannot run it */
} dctx;

uint8_t mi_interp_fast_type(const mi_type *t) {
    if (t->kind == MI_T_BIN) {
        switch (t->size) {
        case 1: return IT_B1;
        case 2: return IT_B2;
        case 4: return IT_B4;
        case 8: return IT_B8;
        default: return IT_NONE;
        }
    }
    if (t->kind == MI_T_UBIN) {
        switch (t->size) {
        case 1: return IT_U1;
        case 2: return IT_U2;
        case 4: return IT_U4;
        default: return IT_NONE;
        }
    }
    return IT_NONE;
}

/* Index in inv->base of an object that is not BASED. */
static uint32_t direct_area(const mi_objlayout *ol) {
    return ol->area == MI_AREA_PARM ? MI_AREA_PARM + ol->root : ol->area;
}

static int decode_loc(const dctx *c, uint32_t obj, dloc *loc) {
    if (obj >= c->t->nobjs) return -1;
    const mi_objlayout *ol = &c->l->objs[obj];
    memset(loc, 0, sizeof *loc);
    if (ol->area != MI_AREA_BASED) {
        loc->mode = LOC_DIRECT;
        loc->area = direct_area(ol);
        loc->off = (uint32_t)ol->offset;
        return 0;
    }
    if (ol->root >= c->t->nobjs) return -1;
    const mi_objlayout *pl = &c->l->objs[ol->root];
    if (pl->area == MI_AREA_BASED || c->t->objs[ol->root].type.kind != MI_T_SPCPTR) return -1;
    loc->mode = LOC_BASED;
    loc->area = direct_area(pl);
    loc->poff = (uint32_t)pl->offset;
    loc->off = (uint32_t)ol->offset;
    loc->extent = ol->root_size;
    return 0;
}

static int64_t const_int(const dctx *c, uint32_t k) {
    const mi_const *k0 = &c->t->consts[k];
    int ok = 1;
    int64_t v = mi_sem_load_int(&k0->type, c->t->constbytes + k0->offset, &ok);
    return ok ? v : INT64_MAX;
}

static int decode_simple(const dctx *c, const mi_subref *s, dsimple *x) {
    memset(x, 0, sizeof *x);
    if (s->kind == MI_O_CONST) {
        if (s->ref >= c->t->nconsts || !mi_type_is_integer(&c->t->consts[s->ref].type)) return -1;
        x->isimm = 1;
        x->type = c->t->consts[s->ref].type;
        x->imm = const_int(c, s->ref);
        return 0;
    }
    if (s->kind != MI_O_OBJ || s->ref >= c->t->nobjs) return -1;
    const mi_object *o = &c->t->objs[s->ref];
    if (!mi_type_is_integer(&o->type) || o->dim != 0) return -1;
    x->type = o->type;
    return decode_loc(c, s->ref, &x->loc);
}

static int decode_dop(const dctx *c, const mi_operand *op, dop *d) {
    const mi_template *t = c->t;
    memset(d, 0, sizeof *d);
    switch (op->kind) {
    case MI_O_LABEL:
        if (op->ref >= t->ninsns) return -1;
        d->sel = SEL_LABEL;
        d->label = op->ref;
        return 0;
    case MI_O_CONST: {
        if (op->ref >= t->nconsts) return -1;
        const mi_const *k = &t->consts[op->ref];
        if ((uint64_t)k->offset + k->nbytes > t->nconstbytes || mi_type_bytes(&k->type) != k->nbytes)
            return -1;
        d->is_const = 1;
        d->type = k->type;
        d->esize = k->nbytes;
        d->loc.mode = LOC_DIRECT;
        d->loc.area = MI_AREA_CONST;
        d->loc.off = k->offset;
        return 0;
    }
    case MI_O_OBJ: case MI_O_ELEM: case MI_O_SUBSTR: {
        if (op->ref >= t->nobjs) return -1;
        const mi_object *o = &t->objs[op->ref];
        d->type = o->type;
        d->esize = c->l->objs[op->ref].esize;
        if (decode_loc(c, op->ref, &d->loc) != 0) return -1;
        if (op->kind == MI_O_OBJ) {
            d->dim = o->dim;
            return 0;
        }
        if (op->kind == MI_O_ELEM) {
            if (o->dim == 0) return -1;
            d->sel = SEL_ELEM;
            d->nelem = o->dim;
            return decode_simple(c, &op->sub[0], &d->x[0]);
        }
        if (o->dim != 0 || o->type.kind != MI_T_CHAR) return -1;
        d->sel = SEL_SUBSTR;
        if (decode_simple(c, &op->sub[0], &d->x[0]) != 0) return -1;
        return decode_simple(c, &op->sub[1], &d->x[1]);
    }
    default:
        return -1;
    }
}

/* A numeric operand as a fast integer operand, or -1 if it is not one. */
static int decode_fast(const dctx *c, const dop *d, dfast *f) {
    memset(f, 0, sizeof *f);
    f->it = mi_interp_fast_type(&d->type);
    if (d->is_const) {
        if (!mi_type_is_integer(&d->type)) return -1;
        int ok = 1;
        f->m = FM_IMM;
        f->imm = mi_sem_load_int(&d->type, c->t->constbytes + d->loc.off, &ok);
        return ok ? 0 : -1;
    }
    if (f->it == IT_NONE || d->dim != 0) return -1;
    int based = d->loc.mode == LOC_BASED;
    f->area = d->loc.area;
    f->off = d->loc.off;
    f->poff = d->loc.poff;
    f->extent = d->loc.extent;
    if (d->sel == SEL_NONE) {
        f->m = based ? FM_B : FM_D;
        return 0;
    }
    if (d->sel != SEL_ELEM) return -1;
    const dsimple *x = &d->x[0];
    f->m = based ? FM_BE : FM_E;
    f->nelem = d->nelem;
    f->esize = d->esize;
    if (x->isimm) {
        f->xm = FM_IMM;
        f->imm = x->imm;
        return 0;
    }
    f->xit = mi_interp_fast_type(&x->type);
    if (f->xit == IT_NONE || x->loc.mode != LOC_DIRECT) return -1;
    f->xm = FM_D;
    f->xarea = x->loc.area;
    f->xoff = x->loc.off;
    return 0;
}

static int is_flt8(const mi_type *t) { return t->kind == MI_T_FLT && t->size == 8; }

/* A source operand of an F_* handler: a FLT(8) or fast-integer object that is not
 * BASED, not an element and not an array, or a FLT(4/8) or integer constant (its
 * value as binary64, exactly as the semantic layer converts it: a FLT(8) constant's
 * bits, FLT(4) widened, an integer converted by one IEEE conversion). *isflt := the
 * operand is FLT. -1 if it cannot be one. */
static int decode_flt(const dctx *c, const dop *d, dfast *f, int *isflt) {
    memset(f, 0, sizeof *f);
    *isflt = d->type.kind == MI_T_FLT;
    if (d->is_const) {
        const uint8_t *p = c->t->constbytes + d->loc.off;
        double v;
        if (is_flt8(&d->type)) {
            uint64_t bits = mi_ld64(p);
            memcpy(&v, &bits, 8);
        } else if (d->type.kind == MI_T_FLT && d->type.size == 4) {
            uint32_t bits = mi_ld32(p);
            float g;
            memcpy(&g, &bits, 4);
            v = g;
        } else if (mi_interp_fast_type(&d->type) != IT_NONE) {
            v = (double)mi_fast_ld(mi_interp_fast_type(&d->type), p);
        } else {
            return -1;
        }
        uint64_t bits;
        memcpy(&bits, &v, 8);
        f->m = FM_IMM;
        f->imm = (int64_t)bits;
        return 0;
    }
    if (d->loc.mode != LOC_DIRECT || d->sel != SEL_NONE || d->dim != 0) return -1;
    f->it = is_flt8(&d->type) ? IT_F8 : mi_interp_fast_type(&d->type);
    if (f->it == IT_NONE) return -1;
    f->m = FM_D;
    f->area = d->loc.area;
    f->off = d->loc.off;
    return 0;
}

/* The compare mask of a condition: bit (cmp + 1) set when it holds for cmp (-1, 0,
 * 1, and 2 = unordered). */
static uint8_t cond_mask(mi_cond cond) {
    uint8_t m = 0;
    for (int cmp = -1; cmp <= 2; cmp++)
        if (mi_sem_cond(cond, cmp)) m |= (uint8_t)(1u << (cmp + 1));
    return m;
}

/* FLT(8) forms: ADDN/SUBN/MULN/DIVN into a FLT(8) object and CMPN with at least
 * one FLT source (then mi_sem_arith/cmpn convert both sources to binary64 and do
 * one operation, which never raises); CPYNV into a FLT(8) object from a FLT(8) or
 * integer object, or from any constant (its result computed here). 1: chosen. */
static int choose_flt(const dctx *c, dinsn *ip, const dop *d) {
    dfast f[3];
    int fl[3] = {0, 0, 0};
    uint16_t h;
    memset(f, 0, sizeof f);
    switch (ip->op) {
    case MI_OP_ADDN: h = MI_H_F_ADDN; break;
    case MI_OP_SUBN: h = MI_H_F_SUBN; break;
    case MI_OP_MULN: h = MI_H_F_MULN; break;
    case MI_OP_DIVN: h = MI_H_F_DIVN; break;
    case MI_OP_CPYNV: h = MI_H_F_CPYNV; break;
    case MI_OP_CMPN: h = MI_H_F_CMPN; break;
    default: return 0;
    }
    uint32_t first = ip->op == MI_OP_CMPN ? 0 : 1, nsrc = ip->op == MI_OP_CPYNV ? 1 : 2;
    if (ip->nops < first + nsrc) return 0;
    if (ip->op == MI_OP_CMPN) {
        if (ip->nops != 3 || d[2].sel != SEL_LABEL) return 0;
    } else {
        if (!is_flt8(&d[0].type) || d[0].is_const || d[0].loc.mode != LOC_DIRECT ||
            d[0].sel != SEL_NONE || d[0].dim != 0)
            return 0;
        f[0].m = FM_D;
        f[0].it = IT_F8;
        f[0].area = d[0].loc.area;
        f[0].off = d[0].loc.off;
    }
    if (ip->op == MI_OP_CPYNV && d[1].is_const && mi_type_is_numeric(&d[1].type)) {
        /* A constant's FLT(8) image is the same at every execution. */
        uint8_t img[8];
        if (mi_sem_unary(MI_OP_CPYNV, ip->round, &d[0].type, img, &d[1].type,
                         c->t->constbytes + d[1].loc.off) != MI_EXC_NONE)
            return 0;
        f[1].m = FM_IMM;
        f[1].imm = (int64_t)mi_ld64(img);
        memcpy(ip->u.f, f, 2 * sizeof f[0]);
        ip->h = MI_H_CPYNV_W8_I;
        return 1;
    }
    for (uint32_t i = first; i < first + nsrc; i++)
        if (decode_flt(c, &d[i], &f[i], &fl[i]) != 0) return 0;
    if (ip->op != MI_OP_CPYNV && !fl[first] && !fl[first + 1]) return 0;
    if (ip->op == MI_OP_CMPN) {
        ip->target = d[2].label;
        ip->cmask = cond_mask((mi_cond)ip->cond);
    }
    memcpy(ip->u.f, f, sizeof f);
    ip->h = h;
    /* Both sources FLT(8) objects (a CMPN: or the second a constant): a handler
     * without the per-operand tests of f_getd. */
    int d1 = f[first].m == FM_D && f[first].it == IT_F8;
    int d2 = f[first + 1].m == FM_D && f[first + 1].it == IT_F8;
    int i2 = f[first + 1].m == FM_IMM;
    if (ip->op != MI_OP_CPYNV && d1 && (d2 || (ip->op == MI_OP_CMPN && i2))) {
        static const uint16_t dd[] = {[MI_OP_ADDN] = MI_H_F_ADDN_DD, [MI_OP_SUBN] = MI_H_F_SUBN_DD,
                                      [MI_OP_MULN] = MI_H_F_MULN_DD, [MI_OP_DIVN] = MI_H_F_DIVN_DD};
        if (ip->op == MI_OP_CMPN) ip->h = d2 ? MI_H_F_CMPN_DD : MI_H_F_CMPN_DI;
        else ip->h = dd[ip->op];
    }
    return 1;
}

/* A CALLX site as a call plan, if it has one (mi_callplan_build: the same sites
 * as translated code's rt->callxp). 0: it stays GENERIC. */
static int choose_callx(dctx *c, mi_icode *ic, dinsn *ip, uint32_t insn) {
    mi_callplan *pl = &ic->calls[c->ncalls];
    if (!mi_callplan_build(c->t, c->l, insn, pl)) return 0;
    c->ncalls++;
    ip->u.call = pl;
    ip->h = MI_H_CALLX;
    return 1;
}

static int is_d(const dfast *f, uint8_t it) { return f->m == FM_D && f->it == it; }

/* Chooses a fast handler for ip (whose generic operands are decoded in d), or
 * leaves it GENERIC. */
static void choose_fast(const dctx *c, dinsn *ip, const dop *d) {
    static const uint16_t w4[3][2] = {{MI_H_ADDN_W4_DD, MI_H_ADDN_W4_DI},
                                      {MI_H_SUBN_W4_DD, MI_H_SUBN_W4_DI},
                                      {MI_H_MULN_W4_DD, MI_H_MULN_W4_DI}};
    static const uint16_t w8[3][2] = {{MI_H_ADDN_W8_DD, MI_H_ADDN_W8_DI},
                                      {MI_H_SUBN_W8_DD, MI_H_SUBN_W8_DI},
                                      {MI_H_MULN_W8_DD, MI_H_MULN_W8_DI}};
    uint32_t nnum; /* numeric operands, from operand 0 */
    uint16_t h;
    switch (ip->op) {
    case MI_OP_ADDN: h = MI_H_I_ADDN; nnum = 3; break;
    case MI_OP_SUBN: h = MI_H_I_SUBN; nnum = 3; break;
    case MI_OP_MULN: h = MI_H_I_MULN; nnum = 3; break;
    case MI_OP_DIVN: h = MI_H_I_DIVN; nnum = 3; break;
    case MI_OP_REMN: h = MI_H_I_REMN; nnum = 3; break;
    case MI_OP_NEGN: h = MI_H_I_NEGN; nnum = 2; break;
    case MI_OP_ABSN: h = MI_H_I_ABSN; nnum = 2; break;
    case MI_OP_CPYNV: h = MI_H_I_CPYNV; nnum = 2; break;
    case MI_OP_CMPN: h = MI_H_I_CMPN; nnum = 2; break;
    case MI_OP_CMPNI: h = MI_H_I_CMPNI; nnum = 3; break;
    default: return;
    }
    if (ip->nops < nnum) return;
    dfast f[3];
    for (uint32_t i = 0; i < nnum; i++)
        if (decode_fast(c, &d[i], &f[i]) != 0) {
            choose_flt(c, ip, d);
            return;
        }
    /* The receiver must be storage (never a constant). */
    if (ip->op != MI_OP_CMPN && f[0].m == FM_IMM) return;
    if (ip->op == MI_OP_CMPN) {
        if (ip->nops != 3 || d[2].sel != SEL_LABEL) return;
        ip->target = d[2].label;
    }
    if (ip->op == MI_OP_CMPN || ip->op == MI_OP_CMPNI) ip->cmask = cond_mask((mi_cond)ip->cond);
    memcpy(ip->u.f, f, sizeof f);
    ip->h = h;
    /* Specialisations for BIN(4)/BIN(8) objects and constants. */
    int k = ip->op == MI_OP_ADDN ? 0 : ip->op == MI_OP_SUBN ? 1 : ip->op == MI_OP_MULN ? 2 : -1;
    for (int wide = 0; wide < 2; wide++) {
        uint8_t it = wide ? IT_B8 : IT_B4;
        if (k >= 0 && is_d(&f[0], it) && is_d(&f[1], it)) {
            if (is_d(&f[2], it)) ip->h = (wide ? w8 : w4)[k][0];
            else if (f[2].m == FM_IMM && (wide || (f[2].imm >= INT32_MIN && f[2].imm <= INT32_MAX)))
                ip->h = (wide ? w8 : w4)[k][1]; /* W4: see interp.c */
        } else if (ip->op == MI_OP_CPYNV && is_d(&f[0], it)) {
            if (is_d(&f[1], it)) ip->h = wide ? MI_H_CPYNV_W8_D : MI_H_CPYNV_W4_D;
            else if (f[1].m == FM_IMM && (wide || (f[1].imm >= INT32_MIN && f[1].imm <= INT32_MAX)))
                ip->h = wide ? MI_H_CPYNV_W8_I : MI_H_CPYNV_W4_I;
        } else if (ip->op == MI_OP_CMPN && is_d(&f[0], it)) {
            if (is_d(&f[1], it)) ip->h = wide ? MI_H_CMPN_W8_DD : MI_H_CMPN_W4_DD;
            else if (f[1].m == FM_IMM) ip->h = wide ? MI_H_CMPN_W8_DI : MI_H_CMPN_W4_DI;
        }
    }
    /* Other plain objects and constants of fast integer types. */
    if (ip->h == MI_H_I_CPYNV && f[0].m == FM_D && f[1].m == FM_D) ip->h = MI_H_CPYNV_X_DD;
    if (ip->h == MI_H_I_CMPN && f[0].m == FM_D) {
        if (f[1].m == FM_D) ip->h = MI_H_CMPN_X_DD;
        else if (f[1].m == FM_IMM) ip->h = MI_H_CMPN_X_DI;
    }
}

/* The form letter of operand j of op (opcodes.def: a trailing '*' or '+' repeats the
 * last letter). */
static char form_letter(mi_op op, uint32_t j) {
    const char *f = mi_opinfo_table[op].forms;
    size_t k = 0;
    while (f[k] != '\0' && f[k] != '*' && f[k] != '+') k++;
    if (k == 0) return '\0';
    return j < k ? f[j] : f[k - 1];
}

static int decode_insn(dctx *c, mi_icode *ic, uint32_t i) {
    const mi_template *t = c->t;
    const mi_insn *in = &t->insns[i];
    dinsn *ip = &ic->code[i];
    if ((uint64_t)in->first + in->nopnds > t->nopnds || (unsigned)in->op >= MI_OP_COUNT) return -1;
    ip->h = MI_H_GENERIC;
    ip->op = (uint8_t)in->op;
    ip->cond = in->mods & MI_MOD_COND_MASK;
    ip->round = (in->mods & MI_MOD_ROUND) != 0;
    ip->nops = in->nopnds;
    dop *d = &ic->ops[in->first];
    for (uint32_t k = 0; k < in->nopnds; k++) {
        if (decode_dop(c, &t->opnds[in->first + k], &d[k]) != 0) return -1;
        char f = form_letter(in->op, k);
        if ((f == 'P' && d[k].type.kind == MI_T_SPCPTR) || (f == 'S' && d[k].type.kind == MI_T_SYSPTR))
            d[k].need_set = d[k].sel == SEL_NONE && !d[k].is_const;
    }
    ip->u.ops = d;
    if (c->generic_only) return 0;
    switch (in->op) {
    case MI_OP_NOP: ip->h = MI_H_NOP; break;
    case MI_OP_RTX: ip->h = MI_H_RTX; break;
    case MI_OP_RTNI: ip->h = MI_H_RTNI; break;
    case MI_OP_B: case MI_OP_CALLI:
        if (in->nopnds != 1 || d[0].sel != SEL_LABEL) return -1;
        ip->h = in->op == MI_OP_B ? MI_H_B : MI_H_CALLI;
        ip->target = d[0].label;
        break;
    case MI_OP_CALLX:
        choose_callx(c, ic, ip, i);
        break;
    default:
        choose_fast(c, ip, d);
        break;
    }
    return 0;
}

static mi_status prepare(mi_program *p, int generic_only, mi_diag *d) {
    const mi_template *t = p->tmpl;
    dctx c = {t, &p->layout, 0, generic_only};
    uint32_t ncallx = 0;
    for (uint32_t i = 0; i < t->ninsns && !generic_only; i++) ncallx += t->insns[i].op == MI_OP_CALLX;
    mi_icode *ic = calloc(1, sizeof *ic);
    if (ic == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory decoding %s", p->name);
    ic->ninsns = t->ninsns;
    ic->code = calloc((size_t)t->ninsns + 1, sizeof *ic->code);
    ic->ops = calloc(t->nopnds ? t->nopnds : 1, sizeof *ic->ops);
    ic->calls = calloc(ncallx ? ncallx : 1, sizeof *ic->calls);
    if (ic->code == NULL || ic->ops == NULL || ic->calls == NULL) {
        mi_interp_free(ic);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory decoding %s", p->name);
    }
    for (uint32_t i = 0; i < t->ninsns; i++) {
        if (decode_insn(&c, ic, i) != 0) {
            mi_interp_free(ic);
            return mi_diag_set(d, MI_E_VERIFY, "%s: instruction %u cannot be decoded", p->name, i + 1);
        }
    }
    ic->code[t->ninsns].h = MI_H_END;
    p->icode = ic;
    return MI_OK;
}

mi_status mi_interp_prepare(mi_program *p, mi_diag *d) { return prepare(p, 0, d); }

/* Only the generic operands: choosing fast handlers was 4 % of running a stored
 * 10,000-instruction program in the exec form (callgrind), for nothing. */
mi_status mi_interp_prepare_generic(mi_program *p, mi_diag *d) { return prepare(p, 1, d); }

void mi_interp_free(void *icode) {
    mi_icode *ic = icode;
    if (ic == NULL) return;
    free(ic->code);
    free(ic->ops);
    free(ic->calls);
    free(ic);
}
