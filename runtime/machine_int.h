/* Private interface between the machine (machine.c, svc.c) and the reference
 * interpreter (interp*.c). Not for the translator: native code sees only
 * mi_machine.h. */
#ifndef MI_MACHINE_INT_H
#define MI_MACHINE_INT_H
#include "mi_machine.h"

/* A CALLX site whose operands are all plain objects or constants (no element,
 * substring or BASED operand, so locating them cannot raise and their types are
 * fixed): where the SYSPTR and each argument live in the caller's storage, and the
 * callee the arguments were last matched against — the match (MCH0802) depends
 * only on the callee then, so it is made once per site and callee. Built from the
 * template by mi_callplan_build (the one definition of which sites have a plan):
 * for interpreted programs by the pre-decoder, which owns them; for native programs
 * by the machine at the program's first call (mi_program.plans, rt->callxp). */
#define MI_PLAN_MAX 16u
typedef struct mi_callplan {
    mi_program *callee;   /* NULL: not matched yet */
    uint32_t nargs;       /* MI_NONE: not a plan (mi_program.plans of a site without one) */
    uint32_t sarea, soff; /* the SYSPTR: inv->base[sarea] + soff */
    uint64_t constbytes;  /* sum over the constant arguments of their size rounded up to 16 */
    uint32_t nconst;      /* how many arguments are constants (copied) */
    struct {
        uint32_t area, off; /* the argument's bytes: inv->base[area] + off */
        uint32_t cn;        /* MI_NONE (by reference), or a constant's byte count (a copy) */
        uint32_t dim;       /* a whole array: its DIM, else 0 */
        mi_type type;
    } arg[MI_PLAN_MAX];
} mi_callplan;

/* Builds the plan of the CALLX at instruction insn of verified template t (layout l):
 * 1 if its operands allow one (SYSPTR and arguments plain objects outside spaces or
 * constants, at most MI_PLAN_MAX arguments), else 0 with *pl untouched. */
int mi_callplan_build(const mi_template *t, const mi_layout *l, uint32_t insn, mi_callplan *pl);

/* A program loaded into a run. Created by mi_run (the first program) or by
 * RSLVSP; lives until the run ends. */
struct mi_program {
    char *name;
    mi_template owned;        /* the template when the run loaded it (RSLVSP) */
    const mi_template *tmpl;  /* &owned, or the caller's template for the first program */
    mi_layout layout;
    mi_native_entry native;   /* from the exec hook, or NULL: interpret */
    void *native_data;
    uint8_t *static_area;     /* NULL until the first call in the run */
    uint8_t *auto_image;      /* initialised AUTO storage copied at each call; NULL when
                                 the AUTO storage is large (initialised in place) */
    uint64_t auto16;          /* from the first call on: the AUTO size rounded up to 16 */
    uint64_t frame_bytes;     /* auto16 + the base array's size rounded up to 16: the AUTO
                                 stack block of a call (mc_enter), constant copies apart */
    void *icode;              /* the interpreter's pre-decoded form (interp_decode.c) */
    mi_callplan *plans;       /* native programs: one per CALLX instruction, in order
                                 (rt->callxp's site number); made at the first call */
    uint32_t nplans;
    mi_program *next;
};

/* A chunk of the run's AUTO stack (machine.c): AUTO storage, the storage base array
 * and constant-argument copies of live invocations, carved last-in first-out. */
typedef struct mi_achunk mi_achunk;

struct mi_runctx {
    FILE *in, *out, *err;
    int argc;
    char *const *argv;
    uint64_t max_space, space_used;     /* §5: current sizes of all spaces */
    uint64_t max_storage, storage_used; /* STATIC + live AUTO + small space reservations */
    uint64_t reserve_used;              /* address space reserved for large spaces */
    uint32_t max_depth;
    const mi_resolver *resolver;
    const mi_exec_hook *hook;
    mi_space *spaces;
    mi_program *progs;
    mi_excinfo pending;       /* the exception being raised or percolating */
    int exit_status;
    mi_diag detail;           /* why the last program load failed (MIE0007) */
    /* Stack guard: a call from below stack_lo (the run thread's stack less a safety
     * margin; 0: no guard) raises MIE0001 instead of overflowing the host stack. */
    uintptr_t stack_lo;
    size_t stack_size;
    /* The AUTO stack: achunk is the chunk in use (NULL before the first call), atop
     * the bytes used in it; ahead is the first chunk. Chunks past achunk are spares. */
    mi_achunk *ahead, *achunk;
    size_t atop;
};

/* Interpreter entry points (interp.c, interp_decode.c). */
int mi_interp_exec(mi_invocation *inv);             /* MI_RUN_* */
mi_status mi_interp_prepare(mi_program *p, mi_diag *d); /* builds p->icode */
/* Builds p->icode with every instruction GENERIC, for mi_interp_exec_one only
 * (native programs: the interpreter's loop never runs them). */
mi_status mi_interp_prepare_generic(mi_program *p, mi_diag *d);
void mi_interp_free(void *icode);
/* Executes instruction insn (0-based) of inv's program by the interpreter's
 * generic body (interp_ops.c): native code calls it (rt->exec) for instructions
 * that are one helper call anyway, so that their C is one short call. Builds
 * p->icode at the first use (MIE0008 if memory runs out). Only for instructions
 * that do not branch; returns as mi_interp_generic (the int convention). */
int mi_interp_exec_one(mi_invocation *inv, uint32_t insn);

/* SIGEXC without the monitor search: makes the exception pending (the caller then
 * raises it with mi_machine_raise(inv, insn, MI_EXC_NONE)). */
void mi_machine_set_signal(mi_invocation *inv, uint32_t insn, const uint8_t *id,
                           const uint8_t *data, uint32_t ndata);


#endif
