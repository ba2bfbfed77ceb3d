/* MI -> C: packed decimal arithmetic inline (ADDN, SUBN, MULN into a PKD).
 *
 * The helper path (rt->arith -> mi_sem_arith) decides the operand types at run
 * time on every instruction; here they are known, so scales, alignment factors,
 * digit limits and rounding divisors become constants of the generated C. The
 * fast path covers a PKD receiver of at most 18 digits (every coefficient fits
 * int64) and sources that are such PKD objects, fast integers (BIN(1,2,4,8),
 * UBIN(1,2,4)) or integer, PKD or ZND constants whose coefficient fits int64.
 *
 * It computes only the happy path: every source decodes, no intermediate leaves
 * int64, the result fits the receiver. Anything else jumps to the helper call
 * with the same, still unchanged operand bytes (no receiver byte is written
 * before the last check), so exceptions - MCH1202 for bad decimal data in the
 * first bad source, MCH1210 for size - and results off the fast path are the
 * helper's by construction. On the fast path the value is the exact decimal
 * result, truncated or rounded half away from zero to the receiver's scale, as
 * §4 and the helper compute it (test_codegen checks both on random operands).
 *
 * Packed bytes are decoded and encoded by rt->pkdgetv[P] / pkdsetv[P] / pkdput (sem_num.c's
 * SWAR code, compiled by the host compiler): measured, the same algorithm as
 * tcc-compiled C in the unit was 2.4x slower than the helper path it replaced,
 * every temporary of tcc's code making a round trip through memory. */
#include <stdlib.h>
#include <string.h>
#include "codegen_int.h"

typedef __int128 i128;

#define I64MAX ((i128)INT64_MAX)

static i128 p10(unsigned k) {
    i128 v = 1;
    while (k-- > 0) v *= 10;
    return v;
}

static int fast_pkd(const mi_type *t) {
    return t->kind == MI_T_PKD && t->size >= 1 && t->size <= 18 && t->scale <= t->size;
}

typedef struct dsrc {
    int load;      /* a PKD object, decoded by rt->pkdgetv into the source's variable */
    char v[160];   /* otherwise the C expression (i64) of the coefficient */
    unsigned prec; /* load: its precision */
    unsigned scale;
    i128 mag;      /* |coefficient| <= mag */
} dsrc;

/* Classifies a source; 0 if it has no fast form. Emits nothing. */
static int classify(cg_ctx *c, const cg_opnd *o, dsrc *s) {
    memset(s, 0, sizeof *s);
    if (o->kind == MI_O_LABEL || o->dim != 0) return 0;
    if (o->is_const) {
        int64_t v;
        if (o->type.kind == MI_T_BIN || o->type.kind == MI_T_UBIN) {
            if (!o->has_imm) return 0;
            v = o->imm;
        } else if (o->type.kind == MI_T_PKD || o->type.kind == MI_T_ZND) {
            if (mi_sem_dec_get64(&o->type, o->cbytes, &v) != MI_EXC_NONE) return 0;
            s->scale = o->type.scale;
        } else {
            return 0;
        }
        cg_lit(s->v, sizeof s->v, v);
        s->mag = v < 0 ? -(i128)v : (i128)v;
        return 1;
    }
    if (cg_fast_int(o)) {
        i128 lo, hi;
        cg_int_range(o, &lo, &hi);
        cg_int_value(c, o, s->v, sizeof s->v);
        s->mag = -lo > hi ? -lo : hi;
        return 1;
    }
    if (!fast_pkd(&o->type)) return 0;
    s->load = 1;
    s->prec = o->type.size;
    s->scale = o->type.scale;
    s->mag = p10(o->type.size) - 1;
    return 1;
}

/* ---- forwarding coefficients between instructions ----------------------------
 *
 * After the decimal path stores r into a PKD scalar of the STATIC or AUTO area,
 * the coefficient stays in a C local dN; a later decimal-path instruction that
 * reads the same object uses dN instead of decoding its bytes. The bytes are
 * still written every time (exceptions, handlers and helpers see storage as the
 * interpreter leaves it), so dN is only a copy, valid while nothing else can
 * have written those bytes: it is forgotten at every label (another path joins
 * there), after every instruction that is not a numeric one with a plain
 * STATIC/AUTO receiver, and when such a receiver overlaps the object (DEFINED
 * overlays included: the test is on byte ranges of the area). */

void cg_dcache_reset(cg_ctx *c) {
    for (unsigned i = 0; i < 4; i++) c->dcache[i].obj = MI_NONE;
}

static int overlaps(const mi_objlayout *x, const mi_objlayout *y) {
    return x->area == y->area && x->offset < y->offset + y->size && y->offset < x->offset + x->size;
}

/* Forget every slot whose object shares a byte with object obj (any operand
 * kind: an element or substring writes somewhere inside obj's range). */
static void dcache_forget(cg_ctx *c, uint32_t obj) {
    const mi_objlayout *w = &c->l.objs[obj];
    if (w->area != MI_AREA_STATIC && w->area != MI_AREA_AUTO) {
        cg_dcache_reset(c); /* a parameter may be any caller's storage, ours too */
        return;
    }
    for (unsigned i = 0; i < 4; i++)
        if (c->dcache[i].obj != MI_NONE && overlaps(&c->l.objs[c->dcache[i].obj], w)) c->dcache[i].obj = MI_NONE;
}

/* An object whose coefficient may be kept: a PKD scalar in STATIC or AUTO
 * (not a register: those are kept for the whole function, below). */
static int pkd_scalar(const cg_ctx *c, uint32_t obj) {
    const mi_objlayout *ol = &c->l.objs[obj];
    return (ol->area == MI_AREA_STATIC || ol->area == MI_AREA_AUTO) && c->t->objs[obj].dim == 0 &&
           fast_pkd(&c->t->objs[obj].type);
}

static int reg_of(const cg_ctx *c, const mi_operand *op) {
    return op->kind == MI_O_OBJ && c->reg != NULL && c->reg[op->ref] != 0 ? c->reg[op->ref] - 1 : -1;
}

int cg_is_receiver(const mi_insn *in, uint32_t i) {
    const char *f = mi_opinfo_table[in->op].forms;
    size_t n = strlen(f);
    if (n > 0 && (f[n - 1] == '*' || f[n - 1] == '+')) {
        n--;
        if (i >= n && n > 0) i = (uint32_t)n - 1;
    }
    return i < n && f[i] >= 'a' && f[i] <= 'z';
}

/* ---- shadowed PKD arrays ----------------------------------------------------------
 *
 * Up to CG_NARR arrays of PKD elements (at most 18 digits) of STATIC or AUTO that
 * no other object overlaps, CG_NSHADOW elements in all, keep each element's
 * coefficient in av[] once the decimal path has decoded or stored it, with a
 * state byte af[] per element, as a register's rf: 0, the bytes are the value;
 * 1, av[E] is the value and the bytes hold it too; 2, av[E] is the value and the
 * bytes are stale (the decimal path stored only av[E]: write-back, so that an
 * update of a table element costs no encode - two per ledger transaction were a
 * fifth of its time). The bytes are written (wb1_, the same encoder and value
 * the path would have stored) and the states cleared (wbf_) before anything else
 * may observe or write them:
 *   - an instruction other than the decimal path that names the array or one of
 *     its elements (as a source or a receiver): that array, before it;
 *   - the helper call of the decimal path's fallback: its shadowed operands
 *     (those elements written back, state 1; the receiver's state 0 after it);
 *     the helper call of ADDN..REMN off the decimal path: their arrays, before it;
 *   - CALLX, SVC and SIGEXC (a callee, service or handler may read or write
 *     storage: a CALLX of this program its STATIC storage), RTX, the end of the
 *     function and raise_ (every exception, before a monitor's handler or the
 *     caller sees storage; STATIC storage outlives the invocation): every array;
 *   - an instruction with an operand in a parameter (which may be this
 *     program's own storage): every array before it, and it uses none.
 * The states start at 0 on every invocation (the bytes may have changed since). */

static int shadow_of(const cg_ctx *c, const mi_operand *op) {
    return op->kind == MI_O_ELEM && c->arr != NULL && c->arr[op->ref] != 0 && !c->shadow_off
               ? c->arr[op->ref] - 1
               : -1;
}

/* "av[E]"'s E for operand o of array j: its element's slot. */
static void shadow_slot(const cg_ctx *c, int j, const cg_opnd *o, char *buf, size_t n) {
    if (o->idx_known) cg_snprintf(buf, n, "%lld", (long long)c->arr_base[j] + (long long)o->idxv - 1);
    else cg_snprintf(buf, n, "%s+%lld", o->idx, (long long)c->arr_base[j] - 1);
}

static uint32_t shadow_room(const cg_ctx *c, unsigned j) {
    return (c->t->objs[c->arr_obj[j]].dim + 7u) & ~7u;
}

/* Array j written back and forgotten (its slots are 8-aligned: whole afw words). */
static void shadow_flush(cg_ctx *c, unsigned j) {
    cg_printf(&c->body, "wbf_(rt, base, av, afw, %u, %u);\n", c->arr_base[j] / 8,
              (c->arr_base[j] + shadow_room(c, j)) / 8);
}

/* The element of shadowed operand o (array j) written back if stale. */
static void shadow_writeback(cg_ctx *c, int j, const cg_opnd *o) {
    char e[64];
    shadow_slot(c, j, o, e, sizeof e);
    cg_printf(&c->body, "if (af[%s] == 2) {(void)rt->pkdsetv[%u](%s, av[%s], &av[%s]); af[%s] = 1;}\n", e,
              o->type.size, o->addr, e, e, e);
}

/* Every array named by an operand of in, written back and forgotten once. */
static void shadow_flush_named(cg_ctx *c, const mi_insn *in, int skip_arith_elems) {
    unsigned done = 0;
    for (uint32_t i = 0; i < in->nopnds; i++) {
        const mi_operand *op = &c->t->opnds[in->first + i];
        if (op->kind == MI_O_CONST || op->kind == MI_O_LABEL || c->arr == NULL || c->arr[op->ref] == 0) continue;
        if (skip_arith_elems && op->kind == MI_O_ELEM) continue; /* cg_emit_arith decides */
        unsigned j = c->arr[op->ref] - 1u;
        if (done & (1u << j)) continue;
        done |= 1u << j;
        shadow_flush(c, j);
    }
}

void cg_shadow_flush_opnds(cg_ctx *c, const mi_insn *in) { shadow_flush_named(c, in, 0); }

static void shadow_flush_all(cg_ctx *c) {
    if (c->narr > 0) cg_printf(&c->body, "wbf_(rt, base, av, afw, 0, %u);\n", c->nshadow / 8);
}

static int cacheable(const cg_ctx *c, const mi_operand *op) {
    if (op->kind != MI_O_OBJ || reg_of(c, op) >= 0) return 0;
    const mi_objlayout *ol = &c->l.objs[op->ref];
    return (ol->area == MI_AREA_STATIC || ol->area == MI_AREA_AUTO) && c->t->objs[op->ref].dim == 0 &&
           fast_pkd(&c->t->objs[op->ref].type);
}

static int dcache_find(const cg_ctx *c, uint32_t obj) {
    for (unsigned i = 0; i < 4; i++)
        if (c->dcache[i].obj == obj) return (int)i;
    return -1;
}

void cg_dcache_after(cg_ctx *c, const mi_insn *in) {
    if (c->dc_done) return;
    switch (in->op) {
    case MI_OP_NOP: case MI_OP_B: case MI_OP_CMPN: /* write nothing */
        return;
    case MI_OP_ADDN: case MI_OP_SUBN: case MI_OP_MULN: case MI_OP_DIVN: case MI_OP_REMN:
    case MI_OP_NEGN: case MI_OP_ABSN: case MI_OP_CPYNV: case MI_OP_CMPNI:
    case MI_OP_AND: case MI_OP_OR: case MI_OP_XOR: case MI_OP_NOT: case MI_OP_SHL: case MI_OP_SHR: {
        /* only the receiver is written (a helper call too: mi_sem_* write r) */
        const mi_operand *r = &c->t->opnds[in->first];
        if (r->kind == MI_O_CONST || r->kind == MI_O_LABEL) cg_dcache_reset(c);
        else dcache_forget(c, r->ref);
        return;
    }
    default:
        cg_dcache_reset(c);
        return;
    }
}

/* ---- PKD registers --------------------------------------------------------------
 *
 * Up to CG_NREG packed scalars of STATIC or AUTO that no other object overlaps
 * (no DEFINED on them, none under them) are kept as coefficients in rv[k] for
 * the whole function, with a state rf[k]: 0, the bytes are the value (rv[k]
 * unused); 1, rv[k] is the value and the bytes hold it too; 2, rv[k] is the
 * value and the bytes are stale (the decimal path wrote only rv[k]). The state
 * is a run-time one, so labels and loops need nothing: a loop that accumulates
 * into a total decodes it once and writes its bytes once, when they can next
 * be observed. That is:
 *   - by an instruction other than the decimal path that names the object
 *     (written back first; forgotten when it is a receiver there);
 *   - at CALLX, SVC and SIGEXC (a callee or handler sees storage), at RTX and
 *     the end of the function, and at raise_ (every exception, before a
 *     monitor's handler or the caller sees storage): every register;
 *   - through a parameter, which may be this program's own STATIC storage
 *     (CALLX of itself): every STATIC register, before any instruction with an
 *     operand in a parameter;
 *   - by the helper call of the fallback path: its operands, written back.
 * Nothing else can reach the bytes: space pointers never designate program
 * storage (§5), and an operand's bytes lie inside its object (§3.1 checks). So
 * the bytes are written with the same encoder and the same value as when the
 * path stores eagerly, only later, and never observed in between. */

/* The object of register k: its address (STATIC or AUTO, so a constant offset
 * from base[area]) and precision. */
static void reg_addr(cg_ctx *c, unsigned k, char *buf, size_t n) {
    const mi_objlayout *ol = &c->l.objs[c->reg_obj[k]];
    c->uses |= ol->area == MI_AREA_STATIC ? CG_USES_S : CG_USES_A;
    cg_snprintf(buf, n, "(%s+%llu)", ol->area == MI_AREA_STATIC ? "S" : "A", (unsigned long long)ol->offset);
}

static unsigned reg_prec(const cg_ctx *c, unsigned k) { return c->t->objs[c->reg_obj[k]].type.size; }

/* state 2 -> bytes written, state 1; then state := keep ? (1 or unchanged) : 0 */
static void reg_writeback(cg_ctx *c, unsigned k, int keep) {
    char a[64];
    reg_addr(c, k, a, sizeof a);
    if (keep)
        cg_printf(&c->body, "if (rf[%u] == 2) {(void)rt->pkdsetv[%u](%s, rv[%u], &rv[%u]); rf[%u] = 1;}\n", k,
                  reg_prec(c, k), a, k, k, k);
    else
        cg_printf(&c->body, "if (rf[%u] == 2) (void)rt->pkdsetv[%u](%s, rv[%u], &rv[%u]);\nrf[%u] = 0;\n", k,
                  reg_prec(c, k), a, k, k, k);
}

void cg_regs_spill_all(cg_ctx *c) {
    if (c->nreg > 0) cg_put(&c->body, "spill_(rt, base, rv, rf);\n");
    shadow_flush_all(c);
    cg_locs_store(c, cg_locs_mask(c, CG_LOC_STATIC)); /* codegen_loc.c */
}

void cg_regs_spill_opnds(cg_ctx *c, const mi_insn *in) {
    if (c->nreg == 0) return;
    for (uint32_t i = 0; i < in->nopnds; i++) {
        int k = reg_of(c, &c->t->opnds[in->first + i]);
        if (k >= 0) reg_writeback(c, (unsigned)k, !cg_is_receiver(in, i));
    }
}


void cg_regs_before(cg_ctx *c, const mi_insn *in) {
    c->shadow_off = 0;
    if (c->nreg == 0 && c->narr == 0 && c->nloc == 0) return;
    switch (in->op) {
    case MI_OP_CALLX: case MI_OP_SVC: case MI_OP_SIGEXC: case MI_OP_RTX:
        cg_regs_spill_all(c); /* registers and arrays */
        return;
    default:
        break;
    }
    int arith = in->op == MI_OP_ADDN || in->op == MI_OP_SUBN || in->op == MI_OP_MULN ||
                in->op == MI_OP_DIVN || in->op == MI_OP_REMN; /* cg_emit_arith decides */
    int parm = cg_names_parm(c, in);
    for (uint32_t i = 0; i < in->nopnds; i++) {
        const mi_operand *op = &c->t->opnds[in->first + i];
        if (op->kind == MI_O_CONST || op->kind == MI_O_LABEL) continue;
        int k = reg_of(c, op);
        if (k >= 0 && !arith) reg_writeback(c, (unsigned)k, !cg_is_receiver(in, i));
    }
    /* ADDN..REMN with elements: the decimal path uses their shadows, the
     * helper path flushes their arrays (cg_emit_arith, dec_tail) */
    if (!parm) {
        shadow_flush_named(c, in, arith);
    } else {
        for (unsigned k = 0; k < c->nreg; k++)
            if (c->l.objs[c->reg_obj[k]].area == MI_AREA_STATIC) reg_writeback(c, k, 0);
        shadow_flush_all(c);
        c->shadow_off = 1;
    }
}

int cg_cand_cmp(const void *x, const void *y) {
    const cg_cand *a = x, *b = y;
    if (a->uses != b->uses) return a->uses > b->uses ? -1 : 1;
    return a->obj < b->obj ? -1 : a->obj > b->obj;
}

static const mi_layout *g_sort_l; /* for off_cmp (qsort has no context argument) */
static int off_cmp(const void *x, const void *y) {
    const mi_objlayout *a = &g_sort_l->objs[*(const uint32_t *)x], *b = &g_sort_l->objs[*(const uint32_t *)y];
    if (a->area != b->area) return a->area < b->area ? -1 : 1;
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : 1;
}

/* Does an object after by_off[pos] (sorted by area and offset) start inside it? */
static int overlapped_after(const cg_ctx *c, const uint32_t *by_off, uint32_t n, uint32_t pos) {
    const mi_objlayout *o = &c->l.objs[by_off[pos]];
    for (uint32_t j = pos + 1; j < n; j++) {
        const mi_objlayout *q = &c->l.objs[by_off[j]];
        if (q->area != o->area || q->offset >= o->offset + o->size) break;
        if (q->size > 0) return 1;
    }
    return 0;
}

int cg_regs_choose(cg_ctx *c) {
    const mi_template *t = c->t;
    uint32_t nobj = t->nobjs;
    c->nreg = 0;
    if (nobj == 0) return 0;
    uint32_t *dec = calloc(nobj, sizeof *dec);
    uint32_t *by_off = malloc(nobj * sizeof *by_off);
    cg_cand *cand = malloc(nobj * sizeof *cand), *acand = malloc(nobj * sizeof *acand);
    c->reg = calloc(nobj, 1);
    c->arr = calloc(nobj, 1);
    c->isolated = calloc(nobj, 1);
    if (dec == NULL || by_off == NULL || cand == NULL || acand == NULL || c->reg == NULL || c->arr == NULL ||
        c->isolated == NULL) {
        free(dec), free(by_off), free(cand), free(acand);
        return MI_E_NOMEM;
    }
    for (uint32_t k = 0; k < t->ninsns; k++) {
        const mi_insn *in = &t->insns[k];
        int d = in->op == MI_OP_ADDN || in->op == MI_OP_SUBN || in->op == MI_OP_MULN;
        for (uint32_t i = 0; i < in->nopnds; i++) {
            const mi_operand *op = &t->opnds[in->first + i];
            /* scalars by name, arrays by element (whole arrays are not on the path) */
            if (d && (op->kind == MI_O_OBJ || op->kind == MI_O_ELEM) &&
                (op->kind == MI_O_OBJ) == (t->objs[op->ref].dim == 0))
                dec[op->ref]++;
        }
    }
    uint32_t n = 0, nc = 0, na = 0;
    for (uint32_t o = 0; o < nobj; o++) {
        uint8_t a = c->l.objs[o].area;
        if (a == MI_AREA_STATIC || a == MI_AREA_AUTO) by_off[n++] = o;
    }
    g_sort_l = &c->l;
    qsort(by_off, n, sizeof *by_off, off_cmp);
    /* a candidate shares no byte with another object: none that starts
     * before it reaches into it (end: the furthest end so far in the area), none
     * starts inside it */
    uint64_t end = 0;
    for (uint32_t j = 0; j < n; j++) {
        uint32_t o = by_off[j];
        const mi_objlayout *ol = &c->l.objs[o];
        if (j > 0 && c->l.objs[by_off[j - 1]].area != ol->area) end = 0;
        int before = end > ol->offset;
        if (ol->size > 0 && ol->offset + ol->size > end) end = ol->offset + ol->size;
        if (before || ol->size == 0 || overlapped_after(c, by_off, n, j)) continue;
        c->isolated[o] = 1; /* for the scalar locals too (codegen_loc.c) */
        if (dec[o] == 0) continue;
        const mi_object *ob = &t->objs[o];
        if (pkd_scalar(c, o)) {
            cand[nc].obj = o;
            cand[nc++].uses = dec[o];
        } else if (ob->dim > 0 && ob->dim <= CG_NSHADOW && fast_pkd(&ob->type)) {
            acand[na].obj = o;
            acand[na++].uses = dec[o];
        }
    }
    qsort(cand, nc, sizeof *cand, cg_cand_cmp);
    for (uint32_t j = 0; j < nc && c->nreg < CG_NREG; j++) {
        c->reg_obj[c->nreg] = cand[j].obj;
        c->reg[cand[j].obj] = (uint8_t)(++c->nreg);
    }
    qsort(acand, na, sizeof *acand, cg_cand_cmp);
    for (uint32_t j = 0; j < na && c->narr < CG_NARR; j++) {
        uint32_t dim = t->objs[acand[j].obj].dim, room = (dim + 7u) & ~7u;
        if (c->nshadow + room > CG_NSHADOW) continue;
        c->arr_obj[c->narr] = acand[j].obj;
        c->arr_base[c->narr] = c->nshadow;
        c->nshadow += room;
        c->arr[acand[j].obj] = (uint8_t)(++c->narr);
    }
    free(dec), free(by_off), free(cand), free(acand);
    return 0;
}

/* wb1_ writes back shadow slot e (state 2) into its element's bytes; wbf_ does
 * so for every stale slot of afw words [lo, hi) and clears their states. */
static void shadow_decl(cg_ctx *c, cg_buf *out) {
    if (c->narr == 0) return;
    cg_put(out, "static void wb1_(const RT *rt, u8 **base, i64 *av, u32 e) {\n");
    for (unsigned j = 0; j < c->narr; j++) {
        const mi_objlayout *ol = &c->l.objs[c->arr_obj[j]];
        cg_printf(out, "if (e < %uu) {(void)rt->pkdsetv[%u](base[%u] + %lluu + (u64)(e - %uu) * %uu, av[e], &av[e]); return;}\n",
                  c->arr_base[j] + shadow_room(c, j), c->t->objs[c->arr_obj[j]].type.size, (unsigned)ol->area,
                  (unsigned long long)ol->offset, c->arr_base[j], ol->esize);
    }
    cg_put(out, "}\n"
                "static void wbf_(const RT *rt, u8 **base, i64 *av, u64 *afw, u32 lo, u32 hi) {\n"
                "for (; lo < hi; lo++) {\n"
                "if (afw[lo] & 0x0202020202020202ull)\n"
                "for (u32 e = lo * 8; e < lo * 8 + 8; e++) if (((u8 *)afw)[e] == 2) wb1_(rt, base, av, e);\n"
                "afw[lo] = 0;\n}\n}\n");
}

/* The functions that write back and forget every register (spill_) and the
 * arrays' elements (wbf_), for the unit's text. */
void cg_regs_decl(cg_ctx *c, cg_buf *out) {
    shadow_decl(c, out);
    if (c->nreg == 0) return;
    cg_put(out, "static void spill_(const RT *rt, u8 **base, i64 *rv, int *rf) {\n");
    for (unsigned k = 0; k < c->nreg; k++) {
        const mi_objlayout *ol = &c->l.objs[c->reg_obj[k]];
        char a[64];
        cg_snprintf(a, sizeof a, "(base[%u]+%llu)", (unsigned)ol->area, (unsigned long long)ol->offset);
        cg_printf(out, "if (rf[%u] == 2) (void)rt->pkdsetv[%u](%s, rv[%u], &rv[%u]);\n", k, reg_prec(c, k), a, k,
                  k);
    }
    cg_printf(out, "for (int k = 0; k < %u; k++) rf[k] = 0;\n}\n", c->nreg);
}

/* A coefficient held in a C lvalue (rv[k], av[E], dN) as the source's
 * expression e, or copied into var first when force. */
static void use_held(cg_ctx *c, int force, const char *var, const char *held, char *e, size_t en) {
    if (force) cg_printf(&c->body, "%s = %s;\n", var, held);
    cg_snprintf(e, en, "%s", force ? var : held);
}

/* Whether dec_load opens a block for this source (the same tests, in the same
 * order): a register or shadow (decoded unless held), or a PKD object it must
 * decode, unless a dN holds it. */
static int dec_opens(const cg_ctx *c, const mi_operand *op, const dsrc *sv) {
    if (reg_of(c, op) >= 0 || shadow_of(c, op) >= 0) return 1;
    if (cacheable(c, op) && dcache_find(c, op->ref) >= 0) return 0;
    return sv->load != 0;
}

/* The source operand i (1, 2) as a coefficient: a forwarded dN, a decoded
 * variable (a or b, decoded in an opened "if (ok) {" block: bad data skips to
 * the helper) or an expression. force: always in the variable (MULN's guard
 * names it). Returns the number of blocks opened (0 or 1). */
static int dec_load(cg_ctx *c, const mi_insn *in, const cg_opnd *o, int i, const dsrc *sv, int force,
                    char *e, size_t en) {
    const char *var = i == 1 ? "a" : "b";
    const mi_operand *op = &c->t->opnds[in->first + (unsigned)i];
    int slot = cacheable(c, op) ? dcache_find(c, op->ref) : -1, k = reg_of(c, op);
    if (k >= 0) {
        /* decoded once, then in rv[k] until the bytes are observed or written */
        char a[64];
        reg_addr(c, (unsigned)k, a, sizeof a);
        cg_printf(&c->body, "if (rf[%d] == 0 && rt->pkdgetv[%u](%s, &rv[%d])) rf[%d] = 1;\nif (rf[%d]) {\n", k,
                  sv->prec, a, k, k, k);
        char held[24];
        cg_snprintf(held, sizeof held, "rv[%d]", k);
        use_held(c, force, var, held, e, en);
        return 1;
    } else if (shadow_of(c, op) >= 0) {
        char e2[64];
        shadow_slot(c, shadow_of(c, op), &o[i], e2, sizeof e2);
        cg_printf(&c->body, "if (af[%s] || (af[%s] = (u8)rt->pkdgetv[%u](%s, &av[%s]))) {\n", e2, e2, sv->prec,
                  o[i].addr, e2);
        char held[80];
        cg_snprintf(held, sizeof held, "av[%s]", e2);
        use_held(c, force, var, held, e, en);
        return 1;
    } else if (slot >= 0) {
        char held[8];
        cg_snprintf(held, sizeof held, "d%d", slot);
        use_held(c, force, var, held, e, en);
    } else if (sv->load) {
        cg_printf(&c->body, "if (rt->pkdgetv[%u](%s, &%s)) {\n", sv->prec, o[i].addr, var);
        cg_snprintf(e, en, "%s", var);
        return 1;
    } else if (force) {
        cg_printf(&c->body, "%s = %s;\n", var, sv->v);
        cg_snprintf(e, en, "%s", var);
    } else {
        cg_snprintf(e, en, "%s", sv->v);
    }
    return 0;
}

/* After the fast path's store (c = 1 when it was done; open blocks are the
 * conditions it depended on, closed here): otherwise the helper call on the
 * unchanged bytes; then the coefficient of the receiver in r on both paths
 * (after the helper it holds a valid PKD(pr)), kept in a dN slot. Nested
 * blocks rather than gotos to labels: a label per instruction made gcc -O0
 * twice as slow on a 10,000-instruction program. */
static void dec_tail(cg_ctx *c, const mi_insn *in, const cg_opnd *o, int open, int sure) {
    cg_buf *b = &c->body;
    if (open > 0) {
        for (; open > 0; open--) cg_put(b, "}");
        cg_put(b, "\n");
    }
    const mi_operand *rop = &c->t->opnds[in->first];
    if (sure) {
        /* the fast path cannot fail (cg_emit_dec_arith): no helper call to emit */
        c->dc_done = 1;
        dcache_forget(c, rop->ref);
        return;
    }
    cg_put(b, "if (!c) {\n");
    int rk = reg_of(c, rop);
    /* the helper reads the operands' bytes; on an exception the receiver's
     * bytes must hold its value before the instruction */
    for (uint32_t i = 0; i < 3; i++) {
        int k = reg_of(c, rop + i);
        if (k >= 0 && (i == 0 || k != reg_of(c, rop)) && (i < 2 || k != reg_of(c, rop + 1)))
            reg_writeback(c, (unsigned)k, 1);
        int j = shadow_of(c, rop + i);
        if (j >= 0) shadow_writeback(c, j, &o[i]);
    }
    cg_helper_arith(c, in, o);
    int sk = shadow_of(c, rop);
    if (sk >= 0) {
        char e2[64];
        shadow_slot(c, sk, &o[0], e2, sizeof e2);
        cg_printf(b, "af[%s] = 0;\n", e2);
    }
    int keep = cacheable(c, rop);
    if (keep) cg_printf(b, "(void)rt->pkdgetv[%u](%s, &r);\n", o[0].type.size, o[0].addr);
    if (rk >= 0) cg_printf(b, "rf[%d] = rt->pkdgetv[%u](%s, &rv[%d]);\n", rk, o[0].type.size, o[0].addr, rk);
    cg_put(b, "}\n");
    c->dc_done = 1;
    dcache_forget(c, rop->ref);
    if (keep) {
        unsigned slot = c->dnext++ % 4u;
        c->dcache[slot].obj = rop->ref;
        cg_printf(b, "d%u = r;\n", slot);
    }
}

static int same_operand(const mi_operand *x, const mi_operand *y) {
    if (x->kind != y->kind || x->ref != y->ref) return 0;
    if (x->kind == MI_O_OBJ) return 1;
    return x->kind == MI_O_ELEM && x->sub[0].kind == y->sub[0].kind && x->sub[0].ref == y->sub[0].ref;
}

/* X := X + Y, X := Y + X, X := X - Y with Y at most X's scale: one call that
 * decodes, adds and encodes X in place (accumulating into totals is the
 * commonest decimal instruction of business code). 0: not that shape. */
static int dec_inplace(cg_ctx *c, const mi_insn *in, const cg_opnd *o, const dsrc *x, const dsrc *y) {
    const mi_operand *r = &c->t->opnds[in->first];
    int xi; /* the source that is the receiver */
    if (in->op != MI_OP_ADDN && in->op != MI_OP_SUBN) return 0;
    if ((r->kind != MI_O_OBJ && r->kind != MI_O_ELEM) || reg_of(c, r) >= 0 || shadow_of(c, r) >= 0) return 0;
    if (same_operand(r, r + 1)) xi = 1;
    else if (in->op == MI_OP_ADDN && same_operand(r, r + 2)) xi = 2;
    else return 0;
    const dsrc *e = xi == 1 ? y : x;
    unsigned sr = o[0].type.scale;
    if (e->scale > sr || sr - e->scale > 18 || e->mag * p10(sr - e->scale) > I64MAX) return 0;
    char ev[200];
    cg_put(&c->body, "c = 0;\n");
    int open = dec_load(c, in, o, 3 - xi, e, 0, ev, sizeof ev);
    char delta[260];
    if (sr > e->scale) cg_snprintf(delta, sizeof delta, "%s * %lldLL", ev, (long long)p10(sr - e->scale));
    else cg_snprintf(delta, sizeof delta, "%s", ev);
    cg_printf(&c->body, "c = rt->pkdaddv[%u](%s, %s(%s), &r);\n", o[0].type.size, o[0].addr,
              in->op == MI_OP_SUBN ? "-" : "", delta);
    dec_tail(c, in, o, open, 0);
    return 1;
}

int cg_emit_dec_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    const cg_opnd *ro = &o[0];
    if (in->op != MI_OP_ADDN && in->op != MI_OP_SUBN && in->op != MI_OP_MULN) return 0;
    if (ro->is_const || ro->dim != 0 || !fast_pkd(&ro->type)) return 0;
    dsrc x, y;
    if (!classify(c, &o[1], &x) || !classify(c, &o[2], &y)) return 0;
    if (dec_inplace(c, in, o, &x, &y)) return 1;
    int rnd = (in->mods & MI_MOD_ROUND) != 0;
    unsigned sr = ro->type.scale, pr = ro->type.size, s;
    i128 bound;
    unsigned ka = 0, kb = 0;
    /* translation-time plan: every constant factor and bound below 2^63 */
    if (in->op == MI_OP_MULN) {
        s = x.scale + y.scale;
        bound = x.mag * y.mag; /* both < 2^63 */
    } else {
        s = x.scale > y.scale ? x.scale : y.scale;
        ka = s - x.scale;
        kb = s - y.scale;
        if (ka > 18 || kb > 18) return 0;
        i128 ma = x.mag * p10(ka), mb = y.mag * p10(kb);
        if (ma > I64MAX || mb > I64MAX || ma + mb > I64MAX) return 0;
        bound = ma + mb;
    }
    if (s > sr + 18 || sr > s + 18) return 0;

    cg_buf *b = &c->body;
    dsrc *src[2] = {&x, &y};
    char e[2][200];
    int big = x.mag >= y.mag ? 0 : 1;
    int guard = in->op == MI_OP_MULN && bound > I64MAX;
    /* The rest of the plan, before anything is emitted: the product's guard
     * (|big| <= INT64_MAX / mag(small) keeps it in int64; mag(small) > 0 as
     * bound > 0), the scaling up or down to the receiver's scale and its guard,
     * and the bound of r after them. */
    i128 glim = guard ? I64MAX / src[1 - big]->mag : 0;
    if (guard) bound = glim * src[1 - big]->mag;
    unsigned down = s > sr ? s - sr : 0;
    i128 pk = s < sr ? p10(sr - s) : 1, ulim = 0;
    if (s < sr && bound * pk > I64MAX) {
        ulim = I64MAX / pk;
        bound = ulim;
    }
    bound *= pk; /* |r| <= bound */
    /* Sure: every source is read without a condition, nothing is scaled down and
     * the bound is below the digit limit, so the result is always exact and in
     * range and the store below cannot fail: neither c nor the helper path is
     * emitted. */
    int sure = down == 0 && !guard && ulim == 0 && bound < p10(pr) &&
               !dec_opens(c, &c->t->opnds[in->first + 1], &x) && !dec_opens(c, &c->t->opnds[in->first + 2], &y);
    if (!sure) cg_put(b, "c = 0;\n");
    int open = 0;
    for (int i = 0; i < 2; i++) open += dec_load(c, in, o, i + 1, src[i], guard && i == big, e[i], sizeof e[i]);
    if (in->op == MI_OP_MULN) {
        if (guard) {
            cg_printf(b, "if (%s <= %lldLL && %s >= -%lldLL) {\n", e[big], (long long)glim, e[big],
                      (long long)glim);
            open++;
        }
        cg_printf(b, "r = %s * %s;\n", e[0], e[1]);
    } else {
        char ea[240], eb[240];
        if (ka > 0) cg_snprintf(ea, sizeof ea, "%s * %lldLL", e[0], (long long)p10(ka));
        else cg_snprintf(ea, sizeof ea, "%s", e[0]);
        if (kb > 0) cg_snprintf(eb, sizeof eb, "%s * %lldLL", e[1], (long long)p10(kb));
        else cg_snprintf(eb, sizeof eb, "%s", e[1]);
        cg_printf(b, "r = %s %c %s;\n", ea, in->op == MI_OP_ADDN ? '+' : '-', eb);
    }
    /* to the receiver's scale: up here, down (truncated toward zero, or rounded
     * half away) and the digit limit in rt->pkdput */
    if (s < sr) {
        if (ulim != 0) {
            cg_printf(b, "if (r <= %lldLL && r >= -%lldLL) {\n", (long long)ulim, (long long)ulim);
            open++;
        }
        cg_printf(b, "r = r * %lldLL;\n", (long long)pk);
    }
    int rk = reg_of(c, &c->t->opnds[in->first]), sk = shadow_of(c, &c->t->opnds[in->first]);
    /* cannot happen (dec_opens is dec_load's test); if it did, failing the translation
     * is better than C whose opened blocks are never closed */
    if (sure && open != 0) c->internal = "a sure packed store opened a block";
    if (rk >= 0 && down == 0) {
        /* into the register only: the digit limit, unless the bound is below it */
        if (sure)
            cg_printf(b, "rv[%d] = r; rf[%d] = 2;\n", rk, rk);
        else if (bound >= p10(pr))
            cg_printf(b, "if (r < %lldLL && r > -%lldLL) {rv[%d] = r; rf[%d] = 2; c = 1;}\n",
                      (long long)p10(pr), (long long)p10(pr), rk, rk);
        else
            cg_printf(b, "{rv[%d] = r; rf[%d] = 2; c = 1;}\n", rk, rk);
    } else if (rk >= 0) {
        cg_printf(b, "if ((c = rt->pkdscale(r, %u, %u, %d, &rv[%d])) != 0) rf[%d] = 2;\n", pr, down, rnd, rk, rk);
    } else if (sk >= 0) {
        /* into the shadow only, as into a register */
        char e2[64];
        shadow_slot(c, sk, ro, e2, sizeof e2);
        if (sure) {
            cg_printf(b, "av[%s] = r; af[%s] = 2;\n", e2, e2);
        } else if (down == 0) {
            if (bound >= p10(pr))
                cg_printf(b, "if (r < %lldLL && r > -%lldLL) ", (long long)p10(pr), (long long)p10(pr));
            cg_printf(b, "{av[%s] = r; af[%s] = 2; c = 1;}\n", e2, e2);
        } else {
            cg_printf(b, "if ((c = rt->pkdscale(r, %u, %u, %d, &av[%s])) != 0) af[%s] = 2;\n", pr, down, rnd, e2,
                      e2);
        }
    } else if (down == 0) {
        cg_printf(b, "%srt->pkdsetv[%u](%s, r, &r);\n", sure ? "(void)" : "c = ", pr, ro->addr);
    } else {
        cg_printf(b, "c = rt->pkdput(%s, %u, r, %u, %d, &r);\n", ro->addr, pr, down, rnd);
    }
    dec_tail(c, in, o, open, sure);
    return 1;
}
