/* The MI machine: runs programs (mi-spec/mi-v1.md §2, §5, §8–§12).
 *
 * A *run* executes one program (and whatever it calls) on a dedicated thread with
 * a large stack, then returns its outcome. Inside a run the machine owns: program
 * loading and resolution (§9, §12), STATIC and AUTO storage (§2), spaces and
 * pointers (§5), invocations, CALLX argument checking and depth (§9), exception
 * matching and percolation (§10) and environment services (§11). Executing the
 * instructions of an invocation is delegated either to the reference interpreter
 * or to a native entry point supplied by an exec hook (the translator); both see
 * the same mi_invocation and call the same run-time functions, declared at the
 * end of this header and collected in mi_rt_table.
 *
 * Threading: a run is self-contained (no global state); several runs may proceed
 * at once on different threads. The FILE streams are used only by the run thread
 * while mi_run is executing. */
#ifndef MI_MACHINE_H
#define MI_MACHINE_H
#include <stdint.h>
#include <stdio.h>
#include "mi_layout.h"
#include "mi_sem.h"
#include "mi_template.h"

#define MI_DEFAULT_MAX_SPACE (1ull << 30)   /* total current size of all spaces */
#define MI_DEFAULT_MAX_STORAGE (1ull << 30) /* STATIC + live AUTO storage */
#define MI_DEFAULT_MAX_DEPTH 1000u
#define MI_DEFAULT_STACK (256u << 20)       /* the run thread's stack */
#define MI_RSTACK_MAX 256u                  /* CALLI return stack per invocation */
#define MI_EXC_DATA_MAX 256u

typedef struct mi_runctx mi_runctx;       /* one run (opaque) */
typedef struct mi_program mi_program;     /* a program loaded into a run (opaque) */
typedef struct mi_invocation mi_invocation;
typedef struct mi_rt_table mi_rt_table;

/* ---- Resolver (§12) ------------------------------------------------------ */

/* Maps a program name (1-64 characters of A-Z a-z 0-9 _ $ # @, not starting with
 * a digit; the machine never passes anything else) to the bytes of its template.
 * Returns MI_OK with *bytes malloc'd (the machine frees it), MI_E_NOTFOUND if there
 * is no such program, or another status (with d set) if it exists but cannot be
 * produced (unreadable file, assembly errors). Called on the run thread. */
typedef struct mi_resolver {
    mi_status (*find)(void *ctx, const char *name, uint8_t **bytes, size_t *n, mi_diag *d);
    void *ctx;
    /* Nonzero when the resolver's names are case-insensitive (the object store's):
     * the machine then matches already-loaded programs, the first program included,
     * ignoring ASCII case, so `RSLVSP 'self'` finds a first program run as SELF. */
    int fold_case;
} mi_resolver;

/* ---- Native execution (the translator's entry into the machine) ----------- */

/* Outcome of executing an invocation (interpreter or native code). */
enum {
    MI_RUN_RETURN = 0, /* RTX or end of the instruction stream */
    MI_RUN_EXC = 1,    /* an exception was not handled: it is pending in the run and
                          percolates to the caller */
    MI_RUN_EXIT = 2,   /* the EXIT service ended the run */
};

/* Executes one invocation from its first instruction. inv is fully prepared by the
 * machine (storage created and initialised, parameters bound, depth checked).
 * Returns MI_RUN_*. See "Run-time functions" for the calling conventions. */
typedef int (*mi_native_entry)(mi_invocation *inv, const mi_rt_table *rt);

/* Hook called once for each program loaded into a run: the first program and each
 * program that RSLVSP loads. prepare may set *native to an entry point (then every
 * invocation of the program runs it) and *data to anything the entry needs (seen as
 * mi_invocation.native_data); leaving *native NULL means interpret. bytes/n are the
 * program's template bytes (for the first program: its encoding). A status other
 * than MI_OK refuses the program (first program: mi_run fails with it; RSLVSP:
 * MIE0007). release, if set, is called for every non-NULL *data at the end of the run. */
typedef struct mi_exec_hook {
    mi_status (*prepare)(void *ctx, const mi_template *t, const uint8_t *bytes, size_t n,
                         const char *name, mi_native_entry *native, void **data, mi_diag *d);
    void (*release)(void *ctx, void *data);
    void *ctx;
} mi_exec_hook;

/* ---- Running a program ---------------------------------------------------- */

typedef struct mi_run_opts {
    int argc;               /* program arguments for ARGC/ARGV: argv[0] is argument 1 */
    char *const *argv;
    FILE *in, *out, *err;   /* NULL: stdin, stdout, stderr. out and err are flushed at the end */
    uint64_t max_space;     /* 0: MI_DEFAULT_MAX_SPACE (mi run --max-space) */
    uint64_t max_storage;   /* 0: MI_DEFAULT_MAX_STORAGE; at most 2^32 - 1 */
    uint32_t max_depth;     /* 0: MI_DEFAULT_MAX_DEPTH */
    size_t stack_size;      /* 0: MI_DEFAULT_STACK */
    const mi_resolver *resolver; /* NULL: RSLVSP finds only the first program */
    const mi_exec_hook *hook;    /* NULL: interpret everything */
} mi_run_opts;

void mi_run_opts_init(mi_run_opts *o); /* zero: every default */

typedef struct mi_run_result {
    int exit_status;        /* 0, or the EXIT service's value */
    /* An unhandled exception (mi_run returned MI_E_EXCEPTION): */
    char exc_id[8];         /* "" if none */
    int exc_user;           /* signalled by SIGEXC (message = data) */
    char exc_program[256];  /* program where it was raised (its name, truncated) */
    uint32_t exc_insn;      /* instruction number, 1-based; 0: raised before the first */
    uint32_t exc_line;      /* its source line (LINES); 0 if exc_insn is 0 */
    uint32_t exc_ndata;
    uint8_t exc_data[MI_EXC_DATA_MAX];
    char exc_message[MI_EXC_DATA_MAX + 64]; /* exceptions.def text, or SIGEXC data
                                               without trailing blanks */
    int output_error;       /* flushing out or err failed at the end of the run */
    mi_diag diag;           /* why mi_run failed (other statuses), or extra detail on an
                               exception (e.g. why a program could not be loaded); "" if none */
} mi_run_result;

/* Runs `main` (a template the caller keeps alive; verified again here) under the
 * program name `name`. Returns MI_OK when the program ended (RTX or EXIT;
 * res->exit_status), MI_E_EXCEPTION when an exception was not handled (res->exc_*),
 * MI_E_VERIFY if main fails verification, MI_E_ARG/MI_E_NOMEM if the run could
 * not be started, or the exec hook's status. res->diag explains every failure. */
mi_status mi_run(const mi_template *main, const char *name, const mi_run_opts *opts,
                 mi_run_result *res);

/* "unhandled exception ID in program NAME at instruction N (line L): MESSAGE" for
 * res (the CLI prefixes "mi: "). */
void mi_run_result_format(const mi_run_result *res, char *buf, size_t n);

/* ---- Storage seen by executing code ---------------------------------------- */

/* A space (§5). bytes stays valid and never moves for the whole run: memory for
 * max bytes is reserved at CRTS, so references bound to space bytes (BASED
 * operands, PARM arguments) can never dangle. Read-only outside machine.c. */
typedef struct mi_space {
    uint8_t *bytes;
    uint32_t size;          /* current size */
    uint32_t max;           /* maximum size */
    uint32_t hwm;           /* largest size ever: bytes beyond it were never written */
    uint32_t mapped;        /* bytes came from mmap (else calloc) */
    size_t reserved;        /* bytes reserved at bytes (>= max) */
    struct mi_space *next;  /* the run's list of spaces */
} mi_space;

/* Host form of pointer objects in their MI_PTR_SLOT-byte slots. All zero = not set. */
typedef struct mi_spcptr {
    mi_space *space;        /* NULL: not set */
    uint64_t off;           /* 0 <= off <= space->size when set (may exceed a later, smaller size) */
} mi_spcptr;
typedef struct mi_sysptr {
    mi_program *prog;       /* NULL: not set */
    uint64_t reserved;
} mi_sysptr;
_Static_assert(sizeof(mi_spcptr) <= MI_PTR_SLOT && sizeof(mi_sysptr) <= MI_PTR_SLOT,
               "pointer slots");

/* An exception (§10). */
typedef struct mi_excinfo {
    char id[8];             /* 7 characters + NUL; "" = none */
    mi_exc code;            /* the machine exception, or MI_EXC_USER for SIGEXC */
    uint32_t ndata;
    uint8_t data[MI_EXC_DATA_MAX];
    const mi_program *prog; /* where it was raised */
    uint32_t insn;          /* 0-based instruction index there; MI_NONE: before any */
} mi_excinfo;

/* One invocation (§9). Created by the machine (on the C stack of the CALLX that
 * made it) and valid until its execution returns. Executing code reads base,
 * uses rstack/rsp for CALLI/RTNI and passes inv to the run-time functions. */
struct mi_invocation {
    uint8_t **base;         /* storage: [MI_AREA_STATIC], [MI_AREA_AUTO], [MI_AREA_CONST]
                               (the template's constbytes), then [MI_AREA_PARM + k] = the
                               k-th argument's bytes (pointer parameters: the caller's slot) */
    mi_runctx *run;
    mi_program *prog;
    const mi_template *tmpl;
    const mi_layout *layout;
    mi_invocation *caller;  /* NULL for the first program */
    void *native_data;      /* the exec hook's data for this program */
    uint32_t depth;         /* 1 for the first program */
    uint32_t rsp;           /* entries used in rstack */
    uint32_t rstack[MI_RSTACK_MAX];
    mi_excinfo exc;         /* the exception this invocation last handled (RTVEXC) */
};

/* An argument for CALLX or SVC: the operand's bytes and type. */
typedef struct mi_arg {
    uint8_t *p;             /* bytes; pointer operands: their slot; constants: in the pool */
    mi_type type;           /* scalar or element type; a substring is CHAR(its length) */
    uint32_t dim;           /* a whole array: its DIM; otherwise 0 */
    uint8_t is_const;       /* a constant: CALLX passes a fresh copy */
} mi_arg;

/* ---- Run-time functions ----------------------------------------------------
 * Conventions: functions returning mi_exc return MI_EXC_NONE or the exception the
 * instruction raises (receivers unchanged). Functions returning int (mi_xs) return
 * 0 (done), an mi_exc > 0 (raise it at this instruction), MI_X_PERCOLATE (an
 * exception that a callee did not handle is pending: raise it here with
 * exc = MI_EXC_NONE) or MI_X_EXIT (the run is over: return MI_RUN_EXIT at once). */
enum { MI_X_PERCOLATE = -1, MI_X_EXIT = -2 };

/* Raises exc (MI_EXC_NONE: the pending percolated exception) at instruction insn
 * (0-based) of inv: searches inv's monitors (§10). Returns the handler's
 * instruction index, with inv->exc set and inv->rsp = 0, or -1 if no monitor
 * matched: the exception is pending in the run and the invocation must return
 * MI_RUN_EXC. */
int32_t mi_machine_raise(mi_invocation *inv, uint32_t insn, mi_exc exc);
/* SIGEXC: id is 7 bytes; data is truncated to MI_EXC_DATA_MAX. Result as mi_machine_raise. */
int32_t mi_machine_signal(mi_invocation *inv, uint32_t insn, const uint8_t *id,
                          const uint8_t *data, uint32_t ndata);
/* RTVEXC: id and data left-adjusted and blank-padded/truncated into r1/r2, the
 * instruction number (1-based, 0 if none) converted into r3 (§4). */
mi_exc mi_machine_rtvexc(mi_invocation *inv, uint8_t *r1, uint32_t n1, uint8_t *r2,
                         uint32_t n2, const mi_type *t3, uint8_t *r3);

/* CALLX s, args (int convention). insn is the CALLX's index (unused but kept for
 * diagnostics). */
int mi_machine_callx(mi_invocation *inv, uint32_t insn, const mi_sysptr *s, uint32_t nargs,
                     const mi_arg *args);
/* CALLX through the call plan of the site-th CALLX instruction (0-based, counting
 * every CALLX of the program in order) of a native program, made by the machine at
 * the program's first call: the same int convention, checks and exceptions, in the
 * same order, as mi_machine_callx with that instruction's operands. Only for sites
 * where mi_machine_callx_site holds (else MIE0004). */
int mi_machine_callxp(mi_invocation *inv, uint32_t site);
/* Whether the CALLX at instruction insn of verified template t (layout l) has a call
 * plan: its SYSPTR and arguments are plain objects outside spaces or constants, at
 * most 16 arguments. The translator's test for emitting rt->callxp. */
int mi_machine_callx_site(const mi_template *t, const mi_layout *l, uint32_t insn);
/* RSLVSP r, name (trailing blanks of name ignored): MCH3401 or MIE0007. */
mi_exc mi_machine_rslvsp(mi_invocation *inv, mi_sysptr *r, const uint8_t *name, uint32_t n);
/* SVC k, args (int convention): MIE0004 for an unknown k. */
int mi_machine_svc(mi_invocation *inv, int64_t k, uint32_t nargs, const mi_arg *args);

/* Spaces (§5). Integer operands are passed as int64 (a UBIN(8) above INT64_MAX
 * as INT64_MAX: every such value is out of range for these instructions). */
mi_exc mi_machine_crts(mi_invocation *inv, mi_spcptr *r, int64_t size, int64_t max);
mi_exc mi_machine_addspp(mi_spcptr *r, const mi_spcptr *a, int64_t delta);
mi_exc mi_machine_subspp(int64_t *r, const mi_spcptr *a, const mi_spcptr *b);
mi_exc mi_machine_cpyp(mi_spcptr *r, const mi_spcptr *a);
mi_exc mi_machine_setspsz(mi_invocation *inv, const mi_spcptr *a, int64_t size);
mi_exc mi_machine_spsz(int64_t *r, const mi_spcptr *a);

/* Address of an operand in a space (§5): the BASED root object of root_size bytes
 * lies at p's position, the operand at off bytes past it. MCH3601 if p is not set,
 * MCH0601 unless position + root_size <= the space's current size (the whole root is
 * checked, whatever part of it is accessed). */
static inline mi_exc mi_machine_based(const mi_spcptr *p, uint64_t root_size, uint64_t off,
                                      uint8_t **out) {
    if (p->space == NULL) return MI_EXC_MCH3601;
    /* root_size <= 2^28 and p->off < 2^31: no overflow */
    if (p->off + root_size > p->space->size) return MI_EXC_MCH0601;
    *out = p->space->bytes + p->off + off;
    return MI_EXC_NONE;
}

/* Everything native code calls, in one table (so libtcc-compiled code needs no
 * symbol resolution). version is MI_RT_VERSION; new entries are only appended. */
#define MI_RT_VERSION 5u /* 2: callxp; 3: pkdput, pkdgetv, pkdsetv, pkdaddv; 4: pkdscale; 5: exec */
struct mi_rt_table {
    uint32_t version, size;
    /* machine */
    int32_t (*raise)(mi_invocation *, uint32_t, mi_exc);
    int32_t (*signal)(mi_invocation *, uint32_t, const uint8_t *, const uint8_t *, uint32_t);
    mi_exc (*rtvexc)(mi_invocation *, uint8_t *, uint32_t, uint8_t *, uint32_t,
                     const mi_type *, uint8_t *);
    int (*callx)(mi_invocation *, uint32_t, const mi_sysptr *, uint32_t, const mi_arg *);
    mi_exc (*rslvsp)(mi_invocation *, mi_sysptr *, const uint8_t *, uint32_t);
    int (*svc)(mi_invocation *, int64_t, uint32_t, const mi_arg *);
    mi_exc (*crts)(mi_invocation *, mi_spcptr *, int64_t, int64_t);
    mi_exc (*addspp)(mi_spcptr *, const mi_spcptr *, int64_t);
    mi_exc (*subspp)(int64_t *, const mi_spcptr *, const mi_spcptr *);
    mi_exc (*cpyp)(mi_spcptr *, const mi_spcptr *);
    mi_exc (*setspsz)(mi_invocation *, const mi_spcptr *, int64_t);
    mi_exc (*spsz)(int64_t *, const mi_spcptr *);
    /* data semantics (mi_sem.h) */
    mi_exc (*arith)(mi_op, int, const mi_type *, uint8_t *, const mi_type *, const uint8_t *,
                    const mi_type *, const uint8_t *);
    mi_exc (*unary)(mi_op, int, const mi_type *, uint8_t *, const mi_type *, const uint8_t *);
    mi_exc (*bitwise)(mi_op, const mi_type *, uint8_t *, const mi_type *, const uint8_t *,
                      const mi_type *, const uint8_t *);
    mi_exc (*cmpn)(int *, const mi_type *, const uint8_t *, const mi_type *, const uint8_t *);
    int (*cond)(mi_cond, int);
    int64_t (*load_int)(const mi_type *, const uint8_t *, int *);
    mi_exc (*store_int)(const mi_type *, uint8_t *, int64_t);
    void (*cpybla)(uint8_t *, uint32_t, const uint8_t *, uint32_t);
    mi_exc (*cpyblap)(uint8_t *, uint32_t, const uint8_t *, uint32_t, const uint8_t *, uint32_t);
    void (*cat)(uint8_t *, uint32_t, const uint8_t *, uint32_t, const uint8_t *, uint32_t);
    int64_t (*scan)(const uint8_t *, uint32_t, const uint8_t *, uint32_t);
    int64_t (*trimlen)(const uint8_t *, uint32_t);
    int (*cmpc)(const uint8_t *, uint32_t, const uint8_t *, uint32_t);
    mi_exc (*cvtnc)(uint8_t *, uint32_t, const mi_type *, const uint8_t *);
    mi_exc (*cvtcn)(int, const mi_type *, uint8_t *, const uint8_t *, uint32_t);
    mi_exc (*edit)(uint8_t *, uint32_t, const mi_type *, const uint8_t *, const uint8_t *,
                   uint32_t);
    /* version 2 */
    int (*callxp)(mi_invocation *, uint32_t);
    /* version 3 */
    int (*pkdput)(uint8_t *, uint32_t, int64_t, uint32_t, int, int64_t *);
    const mi_pkd_getfn *pkdgetv; /* [precision]: mi_sem.h */
    const mi_pkd_setfn *pkdsetv, *pkdaddv;
    /* version 4 */
    int (*pkdscale)(int64_t, uint32_t, uint32_t, int, int64_t *);
    /* version 5: instruction insn (0-based) of inv's program, executed as the
     * interpreter executes it (int convention); only for instructions that do
     * not branch. The translator's short form of an instruction that is one
     * helper call anyway. */
    int (*exec)(mi_invocation *, uint32_t);
};

/* The table (filled with the functions above). */
extern const mi_rt_table mi_rt;

#endif
