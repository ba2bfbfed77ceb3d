/* The interpreter's generic instruction bodies: operands resolved at run time,
 * data semantics by mi_sem_*, machine operations by mi_machine_*. */
#include <string.h>
#include "interp_int.h"

static mi_exc loc_addr(mi_invocation *inv, const dloc *l, uint8_t **p) {
    if (l->mode == LOC_DIRECT) {
        *p = inv->base[l->area] + l->off;
        return MI_EXC_NONE;
    }
    const mi_spcptr *sp = (const mi_spcptr *)(const void *)(inv->base[l->area] + l->poff);
    return mi_machine_based(sp, l->extent, l->off, p);
}

static mi_exc simple_val(mi_invocation *inv, const dsimple *s, int64_t *v) {
    if (s->isimm) {
        *v = s->imm;
        return MI_EXC_NONE;
    }
    uint8_t *p;
    mi_exc e = loc_addr(inv, &s->loc, &p);
    if (e != MI_EXC_NONE) return e;
    int ok = 1;
    *v = mi_sem_load_int(&s->type, p, &ok);
    if (!ok) *v = INT64_MAX; /* a huge UBIN(8): out of every range */
    return MI_EXC_NONE;
}

mi_exc mi_interp_addr(mi_invocation *inv, const dop *o, uint8_t **pp, uint32_t *len) {
    uint8_t *p;
    mi_exc e = loc_addr(inv, &o->loc, &p);
    if (e != MI_EXC_NONE) return e;
    if (o->need_set) { /* a P or S source must be set */
        int set = o->type.kind == MI_T_SYSPTR ? ((const mi_sysptr *)(const void *)p)->prog != NULL
                                              : ((const mi_spcptr *)(const void *)p)->space != NULL;
        if (!set) return MI_EXC_MCH3601;
    }
    *len = o->type.kind == MI_T_CHAR ? o->type.len : o->esize;
    if (o->sel == SEL_ELEM) {
        int64_t i;
        if ((e = simple_val(inv, &o->x[0], &i)) != MI_EXC_NONE) return e;
        if (i < 1 || i > (int64_t)o->nelem) return MI_EXC_MCH0603;
        p += (uint64_t)(i - 1) * o->esize;
    } else if (o->sel == SEL_SUBSTR) {
        int64_t st, ln, n = o->type.len;
        if ((e = simple_val(inv, &o->x[0], &st)) != MI_EXC_NONE ||
            (e = simple_val(inv, &o->x[1], &ln)) != MI_EXC_NONE)
            return e;
        if (st < 1 || ln < 0 || ln > n || st - 1 > n - ln) return MI_EXC_MCH0603;
        p += st - 1;
        *len = (uint32_t)ln;
    }
    *pp = p;
    return MI_EXC_NONE;
}

static mi_exc int_val(mi_invocation *inv, const dop *o, int64_t *v) {
    uint8_t *p;
    uint32_t n;
    mi_exc e = mi_interp_addr(inv, o, &p, &n);
    if (e != MI_EXC_NONE) return e;
    int ok = 1;
    *v = mi_sem_load_int(&o->type, p, &ok);
    if (!ok) *v = INT64_MAX;
    return MI_EXC_NONE;
}

static mi_exc to_arg(mi_invocation *inv, const dop *o, mi_arg *a) {
    uint32_t n;
    mi_exc e = mi_interp_addr(inv, o, &a->p, &n);
    if (e != MI_EXC_NONE) return e;
    a->type = o->type;
    if (o->sel == SEL_SUBSTR) a->type.len = n;
    a->dim = o->sel == SEL_NONE ? o->dim : 0;
    a->is_const = o->is_const;
    return MI_EXC_NONE;
}

/* CALLX and SVC build argument lists; kept out of mi_interp_generic so that its
 * frame (one per invocation level of recursion) stays small. */
static __attribute__((noinline)) int do_callx(mi_invocation *inv, const dinsn *ip, uint32_t insn) {
    mi_arg args[MI_MAX_OPERANDS];
    const dop *o = ip->u.ops;
    uint8_t *sp;
    uint32_t n;
    mi_exc e = mi_interp_addr(inv, &o[0], &sp, &n);
    if (e != MI_EXC_NONE) return e;
    uint32_t nargs = ip->nops - 1;
    for (uint32_t k = 0; k < nargs; k++)
        if ((e = to_arg(inv, &o[1 + k], &args[k])) != MI_EXC_NONE) return e;
    return mi_machine_callx(inv, insn, (const mi_sysptr *)(const void *)sp, nargs, args);
}

static __attribute__((noinline)) int do_svc(mi_invocation *inv, const dinsn *ip) {
    mi_arg args[MI_MAX_OPERANDS];
    const dop *o = ip->u.ops;
    int64_t k;
    mi_exc e = int_val(inv, &o[0], &k);
    if (e != MI_EXC_NONE) return e;
    uint32_t nargs = ip->nops - 1;
    for (uint32_t i = 0; i < nargs; i++)
        if ((e = to_arg(inv, &o[1 + i], &args[i])) != MI_EXC_NONE) return e;
    return mi_machine_svc(inv, k, nargs, args);
}

#define SPCPTR(p) ((mi_spcptr *)(void *)(p))

int mi_interp_generic(mi_invocation *inv, const dinsn *ip, uint32_t insn, uint32_t *jump) {
    const dop *o = ip->u.ops;
    mi_op op = (mi_op)ip->op;
    uint8_t *p[3] = {NULL, NULL, NULL};
    uint32_t n[3] = {0, 0, 0};
    mi_exc e = MI_EXC_NONE;
    int cmp;
    int64_t v, w;

    switch (op) {
    case MI_OP_CALLX: return do_callx(inv, ip, insn);
    case MI_OP_SVC: return do_svc(inv, ip);
    case MI_OP_B: case MI_OP_CALLI: case MI_OP_RTNI: case MI_OP_RTX: case MI_OP_NOP:
        return 0; /* dedicated handlers; never decoded as GENERIC */
    case MI_OP_BX: {
        if ((e = int_val(inv, &o[0], &v)) != MI_EXC_NONE) return e;
        if (v < 1 || v >= (int64_t)ip->nops) return MI_EXC_MCH0603;
        *jump = o[v].label;
        return 0;
    }
    default:
        break;
    }
    /* Every other instruction: resolve all data operands first (sources are read
     * before any receiver is written). */
    uint32_t nres = ip->nops < 3 ? ip->nops : 3;
    for (uint32_t i = 0; i < nres; i++) {
        if (o[i].sel == SEL_LABEL) continue;
        if ((e = mi_interp_addr(inv, &o[i], &p[i], &n[i])) != MI_EXC_NONE) return e;
    }
    switch (op) {
    case MI_OP_ADDN: case MI_OP_SUBN: case MI_OP_MULN: case MI_OP_DIVN: case MI_OP_REMN:
        return mi_sem_arith(op, ip->round, &o[0].type, p[0], &o[1].type, p[1], &o[2].type, p[2]);
    case MI_OP_NEGN: case MI_OP_ABSN: case MI_OP_CPYNV:
        return mi_sem_unary(op, ip->round, &o[0].type, p[0], &o[1].type, p[1]);
    case MI_OP_NOT:
        return mi_sem_bitwise(op, &o[0].type, p[0], &o[1].type, p[1], &o[1].type, p[1]);
    case MI_OP_AND: case MI_OP_OR: case MI_OP_XOR: case MI_OP_SHL: case MI_OP_SHR:
        return mi_sem_bitwise(op, &o[0].type, p[0], &o[1].type, p[1], &o[2].type, p[2]);
    case MI_OP_CPYBLA:
        mi_sem_cpybla(p[0], n[0], p[1], n[1]);
        return 0;
    case MI_OP_CPYBLAP:
        return mi_sem_cpyblap(p[0], n[0], p[1], n[1], p[2], n[2]);
    case MI_OP_CAT:
        mi_sem_cat(p[0], n[0], p[1], n[1], p[2], n[2]);
        return 0;
    case MI_OP_SCAN:
        return mi_sem_store_int(&o[0].type, p[0], mi_sem_scan(p[1], n[1], p[2], n[2]));
    case MI_OP_TRIMLEN:
        return mi_sem_store_int(&o[0].type, p[0], mi_sem_trimlen(p[1], n[1]));
    case MI_OP_CVTNC:
        return mi_sem_cvtnc(p[0], n[0], &o[1].type, p[1]);
    case MI_OP_CVTCN:
        return mi_sem_cvtcn(ip->round, &o[0].type, p[0], p[1], n[1]);
    case MI_OP_EDIT:
        return mi_sem_edit(p[0], n[0], &o[1].type, p[1], p[2], n[2]);
    case MI_OP_CMPN:
        if ((e = mi_sem_cmpn(&cmp, &o[0].type, p[0], &o[1].type, p[1])) != MI_EXC_NONE) return e;
        if (mi_sem_cond((mi_cond)ip->cond, cmp)) *jump = o[2].label;
        return 0;
    case MI_OP_CMPNI:
        if ((e = mi_sem_cmpn(&cmp, &o[1].type, p[1], &o[2].type, p[2])) != MI_EXC_NONE) return e;
        return mi_sem_store_int(&o[0].type, p[0], mi_sem_cond((mi_cond)ip->cond, cmp) ? 1 : 0);
    case MI_OP_CMPC:
        if (mi_sem_cond((mi_cond)ip->cond, mi_sem_cmpc(p[0], n[0], p[1], n[1]))) *jump = o[2].label;
        return 0;
    case MI_OP_CMPCI:
        return mi_sem_store_int(&o[0].type, p[0],
                                mi_sem_cond((mi_cond)ip->cond, mi_sem_cmpc(p[1], n[1], p[2], n[2])) ? 1 : 0);
    case MI_OP_RSLVSP:
        return mi_machine_rslvsp(inv, (mi_sysptr *)(void *)p[0], p[1], n[1]);
    case MI_OP_CRTS:
        if ((e = int_val(inv, &o[1], &v)) != MI_EXC_NONE || (e = int_val(inv, &o[2], &w)) != MI_EXC_NONE)
            return e;
        return mi_machine_crts(inv, SPCPTR(p[0]), v, w);
    case MI_OP_ADDSPP:
        if ((e = int_val(inv, &o[2], &v)) != MI_EXC_NONE) return e;
        return mi_machine_addspp(SPCPTR(p[0]), SPCPTR(p[1]), v);
    case MI_OP_SUBSPP:
        if ((e = mi_machine_subspp(&v, SPCPTR(p[1]), SPCPTR(p[2]))) != MI_EXC_NONE) return e;
        return mi_sem_store_int(&o[0].type, p[0], v);
    case MI_OP_CPYP:
        return mi_machine_cpyp(SPCPTR(p[0]), SPCPTR(p[1]));
    case MI_OP_SETSPSZ:
        if ((e = int_val(inv, &o[1], &v)) != MI_EXC_NONE) return e;
        return mi_machine_setspsz(inv, SPCPTR(p[0]), v);
    case MI_OP_SPSZ:
        if ((e = mi_machine_spsz(&v, SPCPTR(p[1]))) != MI_EXC_NONE) return e;
        return mi_sem_store_int(&o[0].type, p[0], v);
    case MI_OP_SIGEXC:
        if (n[0] < 7) return MI_EXC_MCH0603; /* the verifier requires CHAR(7) */
        mi_machine_set_signal(inv, insn, p[0], p[1], n[1]);
        return MI_X_PERCOLATE;
    case MI_OP_RTVEXC:
        return mi_machine_rtvexc(inv, p[0], n[0], p[1], n[1], &o[2].type, p[2]);
    default:
        return MI_EXC_MIE0004; /* unreachable: every opcode is handled above */
    }
}

int mi_interp_exec_one(mi_invocation *inv, uint32_t insn) {
    mi_program *p = inv->prog;
    if (p->icode == NULL && mi_interp_prepare_generic(p, NULL) != MI_OK) return MI_EXC_MIE0008;
    const mi_icode *ic = p->icode;
    if (insn >= ic->ninsns) return MI_EXC_MIE0004; /* generated code never asks */
    /* the decoder keeps every instruction's generic operands in ic->ops, also
     * where it chose a fast handler (whose union member replaced u.ops) when the
     * icode is the full one */
    const mi_insn *in = &p->tmpl->insns[insn];
    const dinsn *d = &ic->code[insn];
    dinsn g = {.h = MI_H_GENERIC, .op = d->op, .cond = d->cond, .round = d->round, .nops = d->nops};
    g.u.ops = &ic->ops[in->first];
    uint32_t jump = insn + 1;
    return mi_interp_generic(inv, &g, insn, &jump);
}
