/* Private interface between the machine (machine.c, svc.c) and the reference
 * interpreter (interp*.c). Not for the translator: native code sees only
 * mi_machine.h. */
#ifndef MI_MACHINE_INT_H
#define MI_MACHINE_INT_H
#include "mi_machine.h"

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
    void *icode;              /* the interpreter's pre-decoded form (interp_decode.c) */
    mi_program *next;
};

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
    /* Stack guard: the run thread's stack is [stack_lo, stack_lo + stack_size). */
    uintptr_t stack_lo;
    size_t stack_size;
};

/* Interpreter entry points (interp.c, interp_decode.c). */
int mi_interp_exec(mi_invocation *inv);             /* MI_RUN_* */
mi_status mi_interp_prepare(mi_program *p, mi_diag *d); /* builds p->icode */
void mi_interp_free(void *icode);

/* SIGEXC without the monitor search: makes the exception pending (the caller then
 * raises it with mi_machine_raise(inv, insn, MI_EXC_NONE)). */
void mi_machine_set_signal(mi_invocation *inv, uint32_t insn, const uint8_t *id,
                           const uint8_t *data, uint32_t ndata);

/* True when the run thread has less than a safety margin of stack left (then a
 * call raises MIE0008 instead of overflowing the host stack). */
int mi_machine_stack_low(const mi_runctx *run);

#endif
