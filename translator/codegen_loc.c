/* MI -> C: binary and float scalars kept in C locals for the whole function.
 *
 * Generated code otherwise reaches every object through its area base, e.g.
 * `*(i32u*)(S+48)`: tcc, which keeps every C variable in its own stack slot and
 * allocates no register across statements, loads S and then the value (3 host
 * instructions, measured), and gcc must assume that a store through a space
 * pointer may change the bytes. Up to CG_NLOC scalars of STATIC or AUTO storage
 * that no other object overlaps (no DEFINED on them, none under them), of type
 * BIN or UBIN (1, 2, 4, 8 bytes) or FLT, named by at least CG_LOC_MIN_USES
 * operands (one in a loop counting more: loop_weights), live instead in the
 * bytes of a C local R<k> of the object's C type: cg_resolve gives their
 * operands the address ((u8*)&R<k>), so every fast path, index and helper
 * call works on the local's bytes unchanged (tcc then addresses them as one
 * rbp-relative operand). The local is the object's value everywhere in the
 * function; the bytes in storage are made equal to it where something other
 * than this function's operands can see them:
 *   - CALLX and SVC: the call's operands resolved to storage (the machine binds
 *     arguments by reference to the bytes), the locals they name written to
 *     storage before the call and read back right after it, before its result
 *     is tested (a callee may have written any argument before raising an
 *     exception); for CALLX also every STATIC local, and for an SVC with an
 *     operand in a parameter every STATIC one read back (a callee may be this
 *     program, seeing its STATIC storage; a parameter may be that storage).
 *     Nothing else reaches a caller's AUTO storage, so other AUTO locals stay;
 *   - RTX, the end of the instruction stream, an RTNI past its end, SIGEXC and
 *     raise_ (before a monitor's handler, the caller or a later invocation sees
 *     storage): STATIC locals written (AUTO storage is not seen again by anyone
 *     once the invocation ends; a handler in this function goes on with the
 *     locals, which still hold the values);
 *   - an instruction with an operand in a parameter (a parameter may be this
 *     program's own STATIC storage, through a CALLX of itself): STATIC locals
 *     written first and the instruction's STATIC operands resolved to storage;
 *     when it has a receiver (none of those also branches: opcodes.def), STATIC
 *     locals read back after it.
 * A FLT local may hold any NaN between those points: the fast paths store
 * binary64 results into it as they come (canonicalising costs a test and a
 * branch per operation) and read it only as a value, where all NaNs behave
 * alike (§4: unordered, never converted to an integer or decimal). Its bytes are
 * seen only through its address, which cg_resolve gives as cn8(&R<k>) /
 * cn4(&R<k>) (the NaN made canonical first), and when written to storage; so
 * every byte anyone sees is the canonical NaN, as in the interpreter.
 * Nothing else reaches program storage: space pointers never designate it (§5)
 * and an operand's bytes lie inside its object (§3.1 checks), so inside the
 * local's 8 bytes. Every object starts as its storage holds it: the locals are
 * read from storage at entry. */
#include <stdlib.h>
#include <string.h>
#include "codegen_int.h"

/* Below this many naming operands a local is taken to cost more (a load at entry,
 * copies at calls and returns) than it saves — a judgement, not a measured
 * threshold. fib's recursive program has none (its AUTO objects are named twice,
 * and fib was unchanged, measured). */
#define CG_LOC_MIN_USES 3u

static int loc_type(const mi_type *t) {
    if (t->kind != MI_T_BIN && t->kind != MI_T_UBIN && t->kind != MI_T_FLT) return 0;
    return t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
}

/* Calls fn for every object an operand of in names (itself, and the index,
 * start or length objects of an element or substring). */
static void each_named(const cg_ctx *c, const mi_insn *in, void (*fn)(uint32_t obj, void *ctx), void *ctx) {
    for (uint32_t i = 0; i < in->nopnds; i++) {
        const mi_operand *op = &c->t->opnds[in->first + i];
        if (op->kind == MI_O_CONST || op->kind == MI_O_LABEL) continue;
        fn(op->ref, ctx);
        unsigned nsub = op->kind == MI_O_ELEM ? 1 : op->kind == MI_O_SUBSTR ? 2 : 0;
        for (unsigned j = 0; j < nsub; j++)
            if (op->sub[j].kind == MI_O_OBJ) fn(op->sub[j].ref, ctx);
    }
}

typedef struct use_ctx {
    uint32_t *uses;
    uint32_t weight;
} use_ctx;

static void count_use(uint32_t obj, void *ctx) {
    use_ctx *u = ctx;
    u->uses[obj] = u->uses[obj] > UINT32_MAX - u->weight ? UINT32_MAX : u->uses[obj] + u->weight;
}

/* Each instruction's weight: 4 to the power of the number of backward branches
 * whose range [target, branch] holds it (at most 4^4), so that an object named
 * once in an inner loop outranks one named twice outside (mandel's cr and ci:
 * named twice, read in the innermost loop). depth: ninsns + 1 entries of
 * scratch. */
static void loop_weights(const mi_template *t, int32_t *depth) {
    memset(depth, 0, ((size_t)t->ninsns + 1) * sizeof *depth);
    for (uint32_t j = 0; j < t->ninsns; j++) {
        const mi_insn *in = &t->insns[j];
        for (uint32_t i = 0; i < in->nopnds; i++) {
            const mi_operand *op = &t->opnds[in->first + i];
            if (op->kind != MI_O_LABEL || op->ref > j) continue;
            depth[op->ref]++;
            depth[j + 1]--;
        }
    }
    int32_t d = 0;
    for (uint32_t k = 0; k < t->ninsns; k++) {
        d += depth[k];
        depth[k] = d;
    }
}

int cg_locs_choose(cg_ctx *c) {
    const mi_template *t = c->t;
    uint32_t nobj = t->nobjs;
    c->nloc = 0;
    if (nobj == 0 || c->isolated == NULL) return 0;
    uint32_t *uses = calloc(nobj, sizeof *uses);
    cg_cand *cand = malloc(nobj * sizeof *cand);
    int32_t *depth = malloc(((size_t)t->ninsns + 1) * sizeof *depth);
    c->loc = calloc(nobj, 1);
    if (uses == NULL || cand == NULL || depth == NULL || c->loc == NULL) {
        free(uses), free(cand), free(depth);
        return MI_E_NOMEM;
    }
    loop_weights(t, depth);
    for (uint32_t k = 0; k < t->ninsns; k++) {
        use_ctx u = {uses, 1u << (2 * (depth[k] < 4 ? depth[k] : 4))};
        each_named(c, &t->insns[k], count_use, &u);
    }
    free(depth);
    uint32_t nc = 0;
    for (uint32_t o = 0; o < nobj; o++)
        if (c->isolated[o] && t->objs[o].dim == 0 && loc_type(&t->objs[o].type) && uses[o] >= CG_LOC_MIN_USES)
            cand[nc++] = (cg_cand){o, uses[o]};
    qsort(cand, nc, sizeof *cand, cg_cand_cmp);
    for (uint32_t j = 0; j < nc && c->nloc < CG_NLOC; j++) {
        uint32_t o = cand[j].obj;
        c->loc_obj[c->nloc] = o;
        c->loc[o] = (uint8_t)(++c->nloc);
        c->uses |= c->l.objs[o].area == MI_AREA_STATIC ? CG_USES_S : CG_USES_A;
    }
    free(uses), free(cand);
    return 0;
}

static unsigned loc_area(const cg_ctx *c, uint32_t obj) {
    return c->l.objs[obj].area == MI_AREA_STATIC ? CG_LOC_STATIC : CG_LOC_AUTO;
}

int cg_loc_of(const cg_ctx *c, uint32_t obj) {
    if (c->loc == NULL || c->loc[obj] == 0 || (c->loc_mem & loc_area(c, obj))) return -1;
    return c->loc[obj] - 1;
}

/* "u32u" for a local's size: the access type of its bytes, both sides. */
static const char *loc_access(const cg_ctx *c, unsigned k) {
    switch (c->t->objs[c->loc_obj[k]].type.size) {
    case 1: return "u8";
    case 2: return "u16u";
    case 4: return "u32u";
    default: return "u64u";
    }
}

uint32_t cg_locs_mask(const cg_ctx *c, unsigned which) {
    uint32_t m = 0;
    for (unsigned k = 0; k < c->nloc; k++)
        if (loc_area(c, c->loc_obj[k]) & which) m |= 1u << k;
    return m;
}

/* What the operands of an instruction name: the locals (bit k: R<k>), and
 * whether any object is in a parameter. */
typedef struct named_ctx {
    const cg_ctx *c;
    uint32_t mask;
    int parm;
} named_ctx;

static void note_named(uint32_t obj, void *ctx) {
    named_ctx *n = ctx;
    if (n->c->loc != NULL && n->c->loc[obj] != 0) n->mask |= 1u << (n->c->loc[obj] - 1);
    if (n->c->l.objs[obj].area == MI_AREA_PARM) n->parm = 1;
}

static named_ctx named_by(const cg_ctx *c, const mi_insn *in) {
    named_ctx n = {c, 0, 0};
    each_named(c, in, note_named, &n);
    return n;
}

uint32_t cg_locs_named(const cg_ctx *c, const mi_insn *in) { return named_by(c, in).mask; }

int cg_names_parm(const cg_ctx *c, const mi_insn *in) { return named_by(c, in).parm; }

uint32_t cg_locs_live_named(const cg_ctx *c, const mi_insn *in) {
    uint32_t m = named_by(c, in).mask;
    if (c->loc_mem != 0) m &= ~cg_locs_mask(c, c->loc_mem);
    return m;
}

const char *cg_loc_flt_cn(cg_ctx *c, unsigned k) {
    const mi_type *t = &c->t->objs[c->loc_obj[k]].type;
    if (t->kind != MI_T_FLT) return NULL;
    c->need |= t->size == 8 ? CG_NEED_CN8 : CG_NEED_CN4;
    return t->size == 8 ? "cn8" : "cn4";
}

/* One statement per local in mask: storage := local (store) or local := storage.
 * A byte copy, so it is right whatever the host's byte order. */
static void copy_locs(cg_ctx *c, cg_buf *b, uint32_t mask, int store) {
    for (unsigned k = 0; k < c->nloc; k++) {
        if (!(mask & (1u << k))) continue;
        uint32_t o = c->loc_obj[k];
        const char *ty = loc_access(c, k);
        char mem[48];
        cg_snprintf(mem, sizeof mem, "(%s+%llu)", c->l.objs[o].area == MI_AREA_STATIC ? "S" : "A",
                    (unsigned long long)c->l.objs[o].offset);
        const char *cn = cg_loc_flt_cn(c, k);
        if (store && cn != NULL) cg_printf(b, "*(%s*)%s = *(%s*)%s(&R%u);\n", ty, mem, ty, cn, k);
        else if (store) cg_printf(b, "*(%s*)%s = *(%s*)((u8*)&R%u);\n", ty, mem, ty, k);
        else cg_printf(b, "*(%s*)((u8*)&R%u) = *(%s*)%s;\n", ty, k, ty, mem);
    }
}

void cg_locs_store(cg_ctx *c, uint32_t mask) { copy_locs(c, &c->body, mask, 1); }

void cg_locs_load(cg_ctx *c, uint32_t mask) { copy_locs(c, &c->body, mask, 0); }

/* The C type of a local: its object's, so that gcc keeps each in a register of
 * the right kind (as u64, the FLT ones cost a move between integer and float
 * registers at every use: the cc -O2 mandel was 25 % slower, measured). */
static const char *loc_ctype(const cg_ctx *c, unsigned k) {
    const mi_type *t = &c->t->objs[c->loc_obj[k]].type;
    static const char *const bin[4] = {"i8", "i16", "i32", "i64"}, *const ubin[4] = {"u8", "u16", "u32", "u64"};
    unsigned i = t->size == 1 ? 0 : t->size == 2 ? 1 : t->size == 4 ? 2 : 3;
    if (t->kind == MI_T_FLT) return t->size == 4 ? "float" : "double";
    return t->kind == MI_T_BIN ? bin[i] : ubin[i];
}

void cg_locs_decl(cg_ctx *c, cg_buf *out) {
    if (c->nloc == 0) return;
    for (unsigned k = 0; k < c->nloc; k++) cg_printf(out, "%s R%u = 0; ", loc_ctype(c, k), k);
    cg_put(out, "\n");
    copy_locs(c, out, cg_locs_mask(c, CG_LOC_ALL), 0);
}

static int has_receiver(const mi_insn *in) {
    for (uint32_t i = 0; i < in->nopnds; i++)
        if (cg_is_receiver(in, i)) return 1;
    return 0;
}

void cg_locs_before(cg_ctx *c, const mi_insn *in) {
    c->loc_mem = 0;
    c->loc_parm = 0;
    if (c->nloc == 0 || in->op == MI_OP_CALLX || in->op == MI_OP_SVC || !cg_names_parm(c, in)) return;
    cg_locs_store(c, cg_locs_mask(c, CG_LOC_STATIC));
    c->loc_mem = CG_LOC_STATIC;
    c->loc_parm = has_receiver(in);
}

void cg_locs_after(cg_ctx *c) {
    if (c->loc_parm) cg_locs_load(c, cg_locs_mask(c, CG_LOC_STATIC));
    c->loc_mem = 0;
    c->loc_parm = 0;
}
