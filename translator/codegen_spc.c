/* MI -> C: the checked bases of BASED objects' spaces kept in C locals.
 *
 * An operand in a space is located by the §5 checks: the space pointer is set
 * (MCH3601) and its offset plus the BASED root's size lies within the space's
 * current size (MCH0601). Done at every access, that is three loads through the
 * pointer's slot and the space (sieve's inner loop: `CPYNV flag(j), 1`, ~10 of
 * its ~35 tcc host instructions). For up to CG_NPC space pointers that are the
 * base of a BASED object, the function keeps instead
 *   B<k>: the address of the byte the pointer designates, and
 *   V<k>: the bytes from there to the end of the space (its size less the
 *         offset), or 0: not known;
 * filled by an access whose checks passed. An access of a root of z bytes is then
 * `if (z > V<k>) { the checks, as before; fill B<k>, V<k> }` and uses B<k>: since
 * z >= 1, V<k> = 0 always takes the checks, and z <= V<k> is exactly the MCH0601
 * test passing, for any root on that pointer.
 *
 * The values are exact as long as the pointer's slot, the space's size and its
 * bytes are unchanged, so V<k> is set to 0 after everything that can change them
 * (a store, not an analysis: it holds on every path into every instruction; after,
 * not before, because the instruction's own operands may fill V<k> again, e.g. a
 * BASED argument of the CALLX or the BASED offset of an ADDSPP; if the instruction
 * raises instead, its handler is entered through the last case):
 *   - an instruction with a pointer receiver (opcodes.def form `p`: CRTS, ADDSPP,
 *     CPYP) naming the pointer; naming a parameter, every V (a parameter may be
 *     this program's own STATIC pointer, through a CALLX of itself);
 *   - SETSPSZ (any space: two pointers may designate one space);
 *   - CALLX (a callee may set a pointer passed to it, or a space's size);
 *   - a monitor's handler (entered from raise_/handle_, so from any instruction).
 * Nothing else writes a space pointer or a space's size: a pointer is STATIC, AUTO
 * or PARM, never DEFINED and never overlaid (§16 O3, O5), so no other operand
 * shares its bytes, and no space holds a pointer. The services (§11) take no
 * pointer operand. */
#include "codegen_int.h"

void cg_pcache_choose(cg_ctx *c) {
    c->npc = 0;
    for (uint32_t i = 0; i < c->l.nobjs && c->npc < CG_NPC; i++) {
        const mi_objlayout *ol = &c->l.objs[i];
        /* a root of size 0 would pass `z > V` with nothing known */
        if (ol->area != MI_AREA_BASED || ol->root_size == 0 || cg_pcache_of(c, ol->root) >= 0) continue;
        c->pc_obj[c->npc++] = ol->root;
    }
}

int cg_pcache_of(const cg_ctx *c, uint32_t ptr) {
    for (unsigned k = 0; k < c->npc; k++)
        if (c->pc_obj[k] == ptr) return (int)k;
    return -1;
}

void cg_pcache_decl(const cg_ctx *c, cg_buf *out) {
    if (c->npc == 0) return;
    for (unsigned k = 0; k < c->npc; k++) cg_printf(out, "u8 *B%u = 0; u64 V%u = 0; ", k, k);
    cg_put(out, "\n");
}

void cg_pcache_forget(cg_ctx *c) {
    if (c->npc == 0) return;
    for (unsigned k = 0; k < c->npc; k++) cg_printf(&c->body, "V%u = 0; ", k);
    cg_put(&c->body, "\n");
}

void cg_pcache_after(cg_ctx *c, const mi_insn *in) {
    if (c->npc == 0) return;
    if (in->op == MI_OP_CALLX || in->op == MI_OP_SETSPSZ) {
        cg_pcache_forget(c);
        return;
    }
    const char *f = mi_opinfo_table[in->op].forms;
    for (uint32_t i = 0; i < in->nopnds && f[i] != '\0' && f[i] != '*' && f[i] != '+'; i++) {
        if (f[i] != 'p') continue;
        const mi_operand *op = &c->t->opnds[in->first + i];
        /* a pointer operand is always a whole object (pointers have no DIM, §16 O1) */
        if (op->kind != MI_O_OBJ || c->l.objs[op->ref].area == MI_AREA_PARM) {
            cg_pcache_forget(c);
            return;
        }
        int k = cg_pcache_of(c, op->ref);
        if (k >= 0) cg_printf(&c->body, "V%d = 0;\n", k);
    }
}
