/* The machine's call sequence through a call plan (mi-spec/mi-v1.md §9), private to
 * the machine (machine.c) and the reference interpreter (interp.c).
 *
 * It is a header of inline functions so that the interpreter's CALLX handler runs
 * the whole sequence inside mi_interp_exec: an interpreted program calling an
 * interpreted program is entered by the same loop (mc_callx_bind, mc_begin, and
 * mc_end at its return), without a host call or a host frame, and with no call
 * into the machine on the way. There is
 * still one definition of the sequence — mi_machine_callxp (machine.c, used by
 * translated code through rt->callxp) is the same inline body — so the checks and
 * exceptions, and their order, are the same on every path. Slow paths (a program's
 * first call, a new AUTO chunk, AUTO storage initialised in place) stay out of line
 * in machine.c. */
#ifndef MI_MACHINE_CALL_H
#define MI_MACHINE_CALL_H
#include <stddef.h>
#include <string.h>
#include "machine_int.h"

/* ---- the AUTO stack --------------------------------------------------------
 * Invocations nest strictly (a CALLX returns before its caller continues), so the
 * storage of each one — AUTO area, base array, constant copies — is carved from a
 * per-run stack of chunks and released by restoring the stack's top: no malloc per
 * call. Chunks past the one in use are kept as spares for the next calls; a spare
 * too small for a request is freed with everything after it, so the host memory in
 * use never exceeds what live invocations need by more than one standard chunk plus
 * the block being allocated. The storage limit is charged exactly as before (the
 * AUTO size of each live invocation). */

#define ACHUNK_SIZE (256u * 1024u)
/* AUTO areas up to this size are copied from their image 16 bytes at a time
 * (mc_enter's switch has a case for each multiple of 16 up to it). */
#define SMALL_AUTO 128u

struct mi_achunk {
    mi_achunk *next;
    size_t size; /* usable bytes after the header */
};
/* The header rounded up so that every block starts 16-aligned relative to the
 * malloc'd chunk (offsets are multiples of 16), as malloc'd blocks were. */
#define ACHUNK_HDR ((sizeof(mi_achunk) + 15u) & ~(size_t)15u)

static inline uint8_t *achunk_data(mi_achunk *c) { return (uint8_t *)c + ACHUNK_HDR; }

/* Under AddressSanitizer the free part of every chunk is poisoned, so that a use of
 * an invocation's storage after it returned is reported as it was when each
 * invocation had its own malloc'd block. Offsets are multiples of 16, above ASan's
 * 8-byte granularity. */
#if defined(__SANITIZE_ADDRESS__)
#define MI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MI_ASAN 1
#endif
#endif
#ifdef MI_ASAN
#include <sanitizer/asan_interface.h>
#define apoison(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define aunpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define apoison(p, n) ((void)(p), (void)(n))
#define aunpoison(p, n) ((void)(p), (void)(n))
#endif

/* Out of line, in machine.c. */
/* n (a multiple of 16) bytes in the next chunk; NULL if the host has no memory. */
uint8_t *mi_machine_astack_grow(mi_runctx *run, uint64_t n);
/* Left the chunk after run->achunk: keep one standard spare, free the rest. */
void mi_machine_astack_trim(mi_runctx *run);
/* First call of p in the run: its STATIC storage, AUTO image, pre-decoded code. */
mi_exc mi_machine_program_ready(mi_runctx *run, mi_program *p);
/* p's AUTO area initialised in place at buf (AUTO storage too large for an image). */
mi_exc mi_machine_init_auto(const mi_program *p, uint8_t *buf);
/* The plan's argument types against p's PARMs (the MCH0802 check). */
int mi_machine_plan_match(const mi_program *p, const mi_callplan *c);
/* A native entry returned something other than MI_RUN_*: MI_X_PERCOLATE with MIE0008. */
int mi_machine_bad_entry(mi_runctx *run, mi_program *p);

static inline uint8_t *mc_astack_alloc(mi_runctx *run, uint64_t n) {
    mi_achunk *c = run->achunk;
    if (c != NULL && n <= c->size - run->atop) {
        uint8_t *p = achunk_data(c) + run->atop;
        run->atop += (size_t)n;
        aunpoison(p, (size_t)n);
        return p;
    }
    return mi_machine_astack_grow(run, n);
}

/* The stack's top set back to (chunk, top), as it was before an invocation. */
static inline void mc_astack_release(mi_runctx *run, mi_achunk *chunk, size_t top) {
    if (run->achunk != chunk) {
        run->achunk = chunk;
        mi_machine_astack_trim(run);
    }
    run->atop = top;
    if (chunk != NULL) apoison(achunk_data(chunk) + top, chunk->size - top);
}

/* ---- invocations (§9) ----------------------------------------------------- */

/* An invocation's storage while its arguments are bound. Never address-taken, so
 * that the compiler keeps it in registers. */
typedef struct mc_frame {
    mi_achunk *chunk; /* the AUTO stack's top before the call, restored after */
    size_t top;
    uint8_t **base;
    uint8_t *copies;  /* room for the constant arguments' copies */
    uint32_t depth;
} mc_frame;

/* The checks and storage of a call whose arguments matched (in the order CALLX
 * makes them: depth and stack, the program's first-call storage, the storage
 * limit), then the AUTO area initialised. 0 or an exception. */
static inline __attribute__((always_inline)) int mc_enter(mi_runctx *run, mi_invocation *caller,
                                                         mi_program *p, uint64_t constbytes,
                                                         mc_frame *f) {
    f->depth = caller != NULL ? caller->depth + 1 : 1;
    /* Host stack guard: the stack grows down on every host MI supports, and
     * stack_lo (0 when there is no guard) includes the safety margin. The frame
     * address (of the calling function, this being always inlined) and not the
     * address of a local: ASan's use-after-return mode, on by default in newer
     * compilers, moves locals whose address escapes to a heap "fake stack". */
    if (f->depth > run->max_depth || (uintptr_t)__builtin_frame_address(0) < run->stack_lo)
        return MI_EXC_MIE0001;
    mi_exc e;
    if (p->static_area == NULL && (e = mi_machine_program_ready(run, p)) != MI_EXC_NONE) return e;
    uint64_t auto_size = p->layout.auto_size;
    if (auto_size > run->max_storage - run->storage_used) return MI_EXC_MIE0008;
    f->chunk = run->achunk;
    f->top = run->atop;
    /* AUTO area and base array, each rounded up to 16 (mi_machine_program_ready) */
    uint64_t asz = p->auto16;
    uint8_t *blk = mc_astack_alloc(run, p->frame_bytes + constbytes);
    if (blk == NULL) return MI_EXC_MIE0008;
    const uint8_t *img = p->auto_image;
    if (img != NULL) {
        if (asz <= SMALL_AUTO) {
            /* typical AUTO areas: whole 16-byte pieces (the image is padded), inline,
             * without a loop or a libc call */
#define MC_PIECE(k) memcpy(blk + 16 * (k), img + 16 * (k), 16)
            switch (asz >> 4) {
            case 8: MC_PIECE(7); __attribute__((fallthrough));
            case 7: MC_PIECE(6); __attribute__((fallthrough));
            case 6: MC_PIECE(5); __attribute__((fallthrough));
            case 5: MC_PIECE(4); __attribute__((fallthrough));
            case 4: MC_PIECE(3); __attribute__((fallthrough));
            case 3: MC_PIECE(2); __attribute__((fallthrough));
            case 2: MC_PIECE(1); __attribute__((fallthrough));
            case 1: MC_PIECE(0); __attribute__((fallthrough));
            default: break;
            }
#undef MC_PIECE
        } else {
            memcpy(blk, img, auto_size);
        }
    } else if ((e = mi_machine_init_auto(p, blk)) != MI_EXC_NONE) {
        mc_astack_release(run, f->chunk, f->top);
        return e;
    }
    f->base = (uint8_t **)(void *)(blk + asz);
    f->copies = blk + p->frame_bytes;
    f->base[MI_AREA_STATIC] = p->static_area;
    f->base[MI_AREA_AUTO] = blk;
    f->base[MI_AREA_CONST] = p->tmpl->constbytes;
    return 0;
}

/* Fills invocation record inv for the call whose storage f holds (arguments bound)
 * and charges its AUTO storage: the invocation is live from here on. */
static inline __attribute__((always_inline)) void mc_begin(mi_runctx *run, mi_invocation *caller,
                                                          mi_program *p, const mc_frame *f,
                                                          mi_invocation *inv) {
    const mi_layout *l = &p->layout;
    /* every field but rstack, which is used only below rsp (no memset first: it
     * cost a call's worth of stores on top of these) */
    inv->base = f->base;
    inv->run = run;
    inv->prog = p;
    inv->tmpl = p->tmpl;
    inv->layout = l;
    inv->caller = caller;
    inv->native_data = p->native_data;
    inv->depth = f->depth;
    inv->rsp = 0;
    inv->exc.id[0] = '\0';
    inv->exc.code = MI_EXC_NONE;
    inv->exc.ndata = 0;
    inv->exc.prog = NULL;
    inv->exc.insn = MI_NONE;
    run->storage_used += l->auto_size;
}

/* The invocation of p begun with storage (chunk, top) has ended: its AUTO storage
 * uncharged and released. */
static inline __attribute__((always_inline)) void mc_end(mi_runctx *run, const mi_program *p,
                                                        mi_achunk *chunk, size_t top) {
    run->storage_used -= p->layout.auto_size;
    mc_astack_release(run, chunk, top);
}

/* Executes the invocation whose storage f holds (arguments bound) with record inv,
 * then releases the storage. int convention of mi_machine_callx. */
static inline __attribute__((always_inline)) int mc_run(mi_runctx *run, mi_invocation *caller,
                                                       mi_program *p, const mc_frame *f,
                                                       mi_invocation *inv) {
    mc_begin(run, caller, p, f, inv);
    int rc = p->native != NULL ? p->native(inv, &mi_rt) : mi_interp_exec(inv);
    mc_end(run, p, f->chunk, f->top);
    if (__builtin_expect(rc == MI_RUN_RETURN, 1)) return 0;
    switch (rc) {
    case MI_RUN_EXIT: return MI_X_EXIT;
    case MI_RUN_EXC: return MI_X_PERCOLATE;
    default: return mi_machine_bad_entry(run, p); /* a native entry broke its contract */
    }
}

/* The first half of a CALLX through call plan c from invocation inv: the callee's
 * checks, storage and arguments, in the order mi_machine_callx makes them, with
 * `extra` bytes (a multiple of 16) more in the callee's block, at f->copies +
 * c->constbytes. 0 with *callee and *f set (the caller then runs the invocation,
 * mc_run or the interpreter's own loop), or an exception (nothing to release). */
static inline __attribute__((always_inline)) int mc_callx_bind(mi_invocation *inv, mi_callplan *c,
                                                              uint64_t extra, mi_program **callee,
                                                              mc_frame *f) {
    mi_runctx *run = inv->run;
    uint8_t *const *cbase = inv->base;
    mi_program *p = ((const mi_sysptr *)(const void *)(cbase[c->sarea] + c->soff))->prog;
    if (p == NULL) return MI_EXC_MCH3601; /* the SYSPTR source must be set (§3.1) */
    if (p != c->callee) {
        if (!mi_machine_plan_match(p, c)) return MI_EXC_MCH0802;
        c->callee = p;
    }
    int rc = mc_enter(run, inv, p, c->constbytes + extra, f);
    if (rc != 0) return rc;
    uint8_t **fb = f->base + MI_AREA_PARM;
    uint32_t nargs = c->nargs;
    if (c->nconst == 0) {
        /* the usual case: every argument by reference; up to two without a loop */
        if (nargs > 0) fb[0] = cbase[c->arg[0].area] + c->arg[0].off;
        if (nargs > 1) fb[1] = cbase[c->arg[1].area] + c->arg[1].off;
        for (uint32_t k = 2; k < nargs; k++) fb[k] = cbase[c->arg[k].area] + c->arg[k].off;
    } else {
        uint8_t *copies = f->copies;
        for (uint32_t k = 0; k < nargs; k++) {
            uint8_t *a = cbase[c->arg[k].area] + c->arg[k].off;
            uint32_t n = c->arg[k].cn;
            if (n != MI_NONE) {
                memcpy(copies, a, n);
                fb[k] = copies;
                copies += (n + 15u) & ~15u;
            } else {
                fb[k] = a;
            }
        }
    }
    *callee = p;
    return 0;
}

/* CALLX through call plan c from invocation inv: the same int convention, checks and
 * exceptions, in the same order, as mi_machine_callx with the plan's operands. */
static inline __attribute__((always_inline)) int mc_callx_plan(mi_invocation *inv, mi_callplan *c) {
    mi_invocation callee;
    mi_program *p;
    mc_frame f;
    int rc = mc_callx_bind(inv, c, 0, &p, &f);
    if (rc != 0) return rc;
    return mc_run(inv->run, inv, p, &f, &callee);
}

#endif
