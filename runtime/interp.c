/* The reference interpreter's dispatch loop (forms in interp_int.h).
 *
 * Dispatch is behind vmdispatch/vmcase/vmbreak: computed goto by default, a
 * switch when built with MI_INTERP_SWITCH (cmake -DMI_INTERP_SWITCH=ON). Every
 * handler either continues with the next instruction (vmbreak), branches (sets
 * pc), or sets rc and goes to `raise`, which asks the machine for a monitor and
 * either resumes at its handler or ends the invocation. */
#include <math.h>
#include <string.h>
#include "interp_int.h"
#include "machine_call.h"

#ifdef MI_INTERP_SWITCH
#define vmdispatch(x) switch (x)
#define vmcase(n) case MI_H_##n:
#define vmbreak break
#else
#define vmdispatch(x) goto *disp[x];
#define vmcase(n) L_##n:
#define vmbreak                                                                          \
    do {                                                                                 \
        ip = pc++;                                                                       \
        goto *disp[ip->h];                                                               \
    } while (0)
#endif

/* ---- fast integer operands ------------------------------------------------ */

/* The element's address past the array's first byte p (FM_E, FM_BE). */
static inline mi_exc f_index(uint8_t *const *base, const dfast *o, uint8_t *p, uint8_t **out) {
    int64_t i = o->xm == FM_IMM ? o->imm : mi_fast_ld(o->xit, base[o->xarea] + o->xoff);
    if (i < 1 || i > (int64_t)o->nelem) return MI_EXC_MCH0603;
    *out = p + (uint64_t)(i - 1) * o->esize;
    return MI_EXC_NONE;
}

/* A BASED operand (FM_B, FM_BE): the pointer and space bounds first, then the
 * index — the order of mi_interp_addr. */
static inline __attribute__((always_inline)) mi_exc f_based(uint8_t *const *base, const dfast *o,
                                                            uint8_t **p) {
    const mi_spcptr *sp = (const mi_spcptr *)(const void *)(base[o->area] + o->poff);
    uint8_t *q;
    mi_exc e = mi_machine_based(sp, o->extent, o->off, &q);
    if (e != MI_EXC_NONE) return e;
    if (o->m == FM_B) {
        *p = q;
        return MI_EXC_NONE;
    }
    return f_index(base, o, q, p);
}

/* The address of a storage operand (every mode but FM_IMM). Handlers resolve the
 * receiver's address before reading the sources, so that a bad receiver index or
 * pointer is found in the same order as on the generic path (operands in order,
 * then the operation). */
static inline __attribute__((always_inline)) mi_exc f_addr(uint8_t *const *base, const dfast *o, uint8_t **p) {
    if (o->m == FM_D) {
        *p = base[o->area] + o->off;
        return MI_EXC_NONE;
    }
    if (o->m == FM_E) return f_index(base, o, base[o->area] + o->off, p);
    return f_based(base, o, p);
}

static inline __attribute__((always_inline)) mi_exc f_get(uint8_t *const *base, const dfast *o, int64_t *v) {
    uint8_t *p;
    if (o->m == FM_IMM) {
        *v = o->imm;
        return MI_EXC_NONE;
    }
    mi_exc e = f_addr(base, o, &p);
    if (e != MI_EXC_NONE) return e;
    *v = mi_fast_ld(o->it, p);
    return MI_EXC_NONE;
}

/* ---- FLT(8) operands ------------------------------------------------------- */

static inline double f_dbl(uint64_t bits) {
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* A source of an F_* handler as binary64 (mi_sem_load_x + x_to_double). */
static inline __attribute__((always_inline)) double f_getd(uint8_t *const *base, const dfast *o) {
    if (o->m == FM_IMM) return f_dbl((uint64_t)o->imm);
    const uint8_t *p = base[o->area] + o->off;
    if (o->it == IT_F8) return f_dbl(mi_ld64(p));
    return (double)mi_fast_ld(o->it, p);
}

/* A FLT(8) result with every NaN stored as the canonical quiet NaN (mi_sem_put_flt). */
static inline void f_putd(uint8_t *p, double d) {
    uint64_t bits;
    if (isnan(d)) bits = UINT64_C(0x7FF8000000000000);
    else memcpy(&bits, &d, 8);
    mi_st64(p, bits);
}

#define FADDR(o) (base[(o).area] + (o).off)

/* Test entry: the fast path on raw operand bytes (interp_int.h). */
int mi_interp_fast_arith(mi_op op, int round, const mi_type *rt, uint8_t *r,
                         const mi_type *at, const uint8_t *a, const mi_type *bt,
                         const uint8_t *b, mi_exc *exc) {
    uint8_t ir = mi_interp_fast_type(rt), ia = mi_interp_fast_type(at);
    uint8_t ib = bt != NULL ? mi_interp_fast_type(bt) : IT_B1;
    if (ir == IT_NONE || ia == IT_NONE || ib == IT_NONE) return 0;
    int64_t x = mi_fast_ld(ia, a), y = b != NULL ? mi_fast_ld(ib, b) : 0, z;
    mi_exc e;
    switch (op) {
    case MI_OP_ADDN: case MI_OP_SUBN: case MI_OP_MULN: case MI_OP_DIVN: case MI_OP_REMN:
        e = mi_fast_arith(op, round, x, y, &z);
        break;
    case MI_OP_NEGN: case MI_OP_ABSN: case MI_OP_CPYNV:
        e = mi_fast_unary(op, x, &z);
        break;
    default:
        return 0;
    }
    if (e == MI_EXC_NONE) e = mi_fast_st(ir, r, z);
    *exc = e;
    return 1;
}

/* ---- the loop ------------------------------------------------------------- */

/* An interpreted invocation that the loop entered itself, without a host call: a
 * CALLX through a call plan whose callee is interpreted. Its record and what the
 * return needs sit at the end of the callee's AUTO stack block (mc_callx_bind's
 * `extra` bytes), so they are released with the rest of its storage. The loop then
 * costs no host frame per MI invocation: no prologue, no callee-saved registers
 * saved around a nested mi_interp_exec. */
typedef struct ni_frame {
    mi_invocation inv;   /* first member: an entered invocation's record is its frame */
    mi_achunk *chunk;    /* the AUTO stack's top before the call (mc_end) */
    size_t top;
    const dinsn *code;   /* the caller's code and next instruction */
    const dinsn *ret;
} ni_frame;
#define NI_BYTES ((sizeof(ni_frame) + 15u) & ~(uint64_t)15u)

/* The entered invocation inv ends: its storage released (mc_end, as mc_run would),
 * the loop back in its caller at the instruction after the CALLX. The frame is read
 * before the release, which frees (and under ASan poisons) it. */
#define NI_LEAVE()                                                                       \
    do {                                                                                 \
        const ni_frame *nf_ = (const ni_frame *)(const void *)inv;                       \
        mi_invocation *caller_ = inv->caller;                                            \
        code = nf_->code;                                                                \
        pc = nf_->ret;                                                                   \
        mc_end(inv->run, inv->prog, nf_->chunk, nf_->top);                               \
        inv = caller_;                                                                   \
        base = inv->base;                                                                \
    } while (0)


int mi_interp_exec(mi_invocation *inv) {
    /* inv is the current invocation: entry, or one the loop entered (ni_frame) */
    mi_invocation *const entry = inv;
    const dinsn *code = ((const mi_icode *)inv->prog->icode)->code;
    const dinsn *pc = code, *ip;
    uint8_t *const *base = inv->base;
    int rc;
#ifndef MI_INTERP_SWITCH
    static const void *const disp[MI_H_COUNT] = {
#define X(n) &&L_##n,
        MI_HANDLERS(X)
#undef X
    };
#endif

    for (;;) {
        ip = pc++;
        vmdispatch(ip->h) {
        vmcase(GENERIC) {
            uint32_t jump = MI_NONE;
            rc = mi_interp_generic(inv, ip, (uint32_t)(ip - code), &jump);
            if (rc != 0) goto raise;
            if (jump != MI_NONE) pc = code + jump;
            vmbreak;
        }
        vmcase(END) vmcase(RTX) {
            if (inv == entry) return MI_RUN_RETURN;
            NI_LEAVE();
            vmbreak;
        }
        vmcase(NOP) vmbreak;
        vmcase(B) {
            pc = code + ip->target;
            vmbreak;
        }
        vmcase(CALLI) {
            if (inv->rsp >= MI_RSTACK_MAX) {
                rc = MI_EXC_MIE0001;
                goto raise;
            }
            inv->rstack[inv->rsp++] = (uint32_t)(pc - code);
            pc = code + ip->target;
            vmbreak;
        }
        vmcase(RTNI) {
            if (inv->rsp == 0) {
                rc = MI_EXC_MIE0006;
                goto raise;
            }
            pc = code + inv->rstack[--inv->rsp];
            vmbreak;
        }

        /* Integer fast path: any mix of fast operands. */
        vmcase(I_ADDN) vmcase(I_SUBN) vmcase(I_MULN) vmcase(I_DIVN) vmcase(I_REMN) {
            int64_t a, b, r;
            uint8_t *rp;
            if ((rc = f_addr(base, &ip->u.f[0], &rp)) != 0 || (rc = f_get(base, &ip->u.f[1], &a)) != 0 ||
                (rc = f_get(base, &ip->u.f[2], &b)) != 0 ||
                (rc = mi_fast_arith((mi_op)ip->op, ip->round, a, b, &r)) != 0 ||
                (rc = mi_fast_st(ip->u.f[0].it, rp, r)) != 0)
                goto raise;
            vmbreak;
        }
        vmcase(I_NEGN) vmcase(I_ABSN) vmcase(I_CPYNV) {
            int64_t a, r;
            uint8_t *rp;
            if ((rc = f_addr(base, &ip->u.f[0], &rp)) != 0 || (rc = f_get(base, &ip->u.f[1], &a)) != 0 ||
                (rc = mi_fast_unary((mi_op)ip->op, a, &r)) != 0 || (rc = mi_fast_st(ip->u.f[0].it, rp, r)) != 0)
                goto raise;
            vmbreak;
        }
        vmcase(I_CMPN) {
            int64_t a, b;
            if ((rc = f_get(base, &ip->u.f[0], &a)) != 0 || (rc = f_get(base, &ip->u.f[1], &b)) != 0)
                goto raise;
            if ((ip->cmask >> (mi_fast_cmp(a, b) + 1)) & 1) pc = code + ip->target;
            vmbreak;
        }
        vmcase(I_CMPNI) {
            int64_t a, b;
            uint8_t *rp;
            if ((rc = f_addr(base, &ip->u.f[0], &rp)) != 0 || (rc = f_get(base, &ip->u.f[1], &a)) != 0 ||
                (rc = f_get(base, &ip->u.f[2], &b)) != 0 ||
                (rc = mi_fast_st(ip->u.f[0].it, rp, (ip->cmask >> (mi_fast_cmp(a, b) + 1)) & 1)) != 0)
                goto raise;
            vmbreak;
        }

        /* BIN(4) and BIN(8) objects and constants. */
#define LD4(o) ((int64_t)(int32_t)mi_ld32(FADDR(o)))
#define LD8(o) ((int64_t)mi_ld64(FADDR(o)))
/* Both sources are in int32's range (the decoder picks the _DI forms only for
 * such constants), so the exact result fits int64 and only the receiver's range
 * is checked. */
#define W4(name, bval, OP)                                                               \
    vmcase(name) {                                                                       \
        int64_t r = LD4(ip->u.f[1]) OP (bval);                                           \
        if (r < INT32_MIN || r > INT32_MAX) {                                            \
            rc = MI_EXC_MCH1210;                                                         \
            goto raise;                                                                  \
        }                                                                                \
        mi_st32(FADDR(ip->u.f[0]), (uint32_t)r);                                         \
        vmbreak;                                                                         \
    }
#define W8(name, bval, ovf)                                                              \
    vmcase(name) {                                                                       \
        int64_t a = LD8(ip->u.f[1]), b = (bval), r;                                      \
        if (ovf(a, b, &r)) {                                                             \
            rc = MI_EXC_MCH1210;                                                         \
            goto raise;                                                                  \
        }                                                                                \
        mi_st64(FADDR(ip->u.f[0]), (uint64_t)r);                                         \
        vmbreak;                                                                         \
    }
        W4(ADDN_W4_DD, LD4(ip->u.f[2]), +)
        W4(SUBN_W4_DD, LD4(ip->u.f[2]), -)
        W4(MULN_W4_DD, LD4(ip->u.f[2]), *)
        W4(ADDN_W4_DI, ip->u.f[2].imm, +)
        W4(SUBN_W4_DI, ip->u.f[2].imm, -)
        W4(MULN_W4_DI, ip->u.f[2].imm, *)
        W8(ADDN_W8_DD, LD8(ip->u.f[2]), __builtin_add_overflow)
        W8(SUBN_W8_DD, LD8(ip->u.f[2]), __builtin_sub_overflow)
        W8(MULN_W8_DD, LD8(ip->u.f[2]), __builtin_mul_overflow)
        W8(ADDN_W8_DI, ip->u.f[2].imm, __builtin_add_overflow)
        W8(SUBN_W8_DI, ip->u.f[2].imm, __builtin_sub_overflow)
        W8(MULN_W8_DI, ip->u.f[2].imm, __builtin_mul_overflow)
        vmcase(CPYNV_W4_D) {
            mi_st32(FADDR(ip->u.f[0]), mi_ld32(FADDR(ip->u.f[1])));
            vmbreak;
        }
        vmcase(CPYNV_W4_I) {
            mi_st32(FADDR(ip->u.f[0]), (uint32_t)ip->u.f[1].imm);
            vmbreak;
        }
        vmcase(CPYNV_W8_D) {
            mi_st64(FADDR(ip->u.f[0]), mi_ld64(FADDR(ip->u.f[1])));
            vmbreak;
        }
        vmcase(CPYNV_W8_I) {
            mi_st64(FADDR(ip->u.f[0]), (uint64_t)ip->u.f[1].imm);
            vmbreak;
        }
#define CMP(name, aval, bval)                                                            \
    vmcase(name) {                                                                       \
        if ((ip->cmask >> (mi_fast_cmp((aval), (bval)) + 1)) & 1) pc = code + ip->target; \
        vmbreak;                                                                         \
    }
        CMP(CMPN_W4_DD, LD4(ip->u.f[0]), LD4(ip->u.f[1]))
        CMP(CMPN_W4_DI, LD4(ip->u.f[0]), ip->u.f[1].imm)
        CMP(CMPN_W8_DD, LD8(ip->u.f[0]), LD8(ip->u.f[1]))
        CMP(CMPN_W8_DI, LD8(ip->u.f[0]), ip->u.f[1].imm)

        /* Objects of any fast integer types (e.g. BIN(4) into BIN(8), a BIN(1) flag
         * against a constant): no operand can raise, only the receiver's range. */
#define LDX(o) mi_fast_ld((o).it, FADDR(o))
        vmcase(CPYNV_X_DD) {
            if ((rc = mi_fast_st(ip->u.f[0].it, FADDR(ip->u.f[0]), LDX(ip->u.f[1]))) != 0) goto raise;
            vmbreak;
        }
        CMP(CMPN_X_DD, LDX(ip->u.f[0]), LDX(ip->u.f[1]))
        CMP(CMPN_X_DI, LDX(ip->u.f[0]), ip->u.f[1].imm)

        /* FLT(8): one binary64 operation, never an exception. The _DD forms have
         * FLT(8) objects as sources (no per-operand tests). */
#define FGET(o) f_getd(base, &(o))
#define FGET_D(o) f_dbl(mi_ld64(FADDR(o)))
#define FARITH(name, get, expr)                                                          \
    vmcase(name) {                                                                       \
        double a = get(ip->u.f[1]), b = get(ip->u.f[2]);                                 \
        f_putd(FADDR(ip->u.f[0]), (expr));                                               \
        vmbreak;                                                                         \
    }
        FARITH(F_ADDN, FGET, a + b)
        FARITH(F_SUBN, FGET, a - b)
        FARITH(F_MULN, FGET, a * b)
        FARITH(F_DIVN, FGET, a / b)
        FARITH(F_ADDN_DD, FGET_D, a + b)
        FARITH(F_SUBN_DD, FGET_D, a - b)
        FARITH(F_MULN_DD, FGET_D, a * b)
        FARITH(F_DIVN_DD, FGET_D, a / b)
        vmcase(F_CPYNV) {
            f_putd(FADDR(ip->u.f[0]), f_getd(base, &ip->u.f[1]));
            vmbreak;
        }
#define FCMP(name, aval, bval)                                                           \
    vmcase(name) {                                                                       \
        double a = (aval), b = (bval);                                                   \
        int cmp = (isnan(a) || isnan(b)) ? 2 : (a > b) - (a < b);                        \
        if ((ip->cmask >> (cmp + 1)) & 1) pc = code + ip->target;                        \
        vmbreak;                                                                         \
    }
        FCMP(F_CMPN, FGET(ip->u.f[0]), FGET(ip->u.f[1]))
        FCMP(F_CMPN_DD, FGET_D(ip->u.f[0]), FGET_D(ip->u.f[1]))
        FCMP(F_CMPN_DI, FGET_D(ip->u.f[0]), f_dbl((uint64_t)ip->u.f[1].imm))

        vmcase(CALLX) {
            /* the machine's call sequence inline (machine_call.h); an interpreted
             * callee is entered by this loop (ni_frame), a native one called */
            mi_callplan *c = ip->u.call;
            mi_program *p;
            mc_frame f;
            if ((rc = mc_callx_bind(inv, c, NI_BYTES, &p, &f)) != 0) goto raise;
            ni_frame *nf = (ni_frame *)(void *)(f.copies + c->constbytes);
            if (p->native != NULL) {
                if ((rc = mc_run(inv->run, inv, p, &f, &nf->inv)) != 0) goto raise;
                vmbreak;
            }
            nf->chunk = f.chunk;
            nf->top = f.top;
            nf->code = code;
            nf->ret = pc;
            mc_begin(inv->run, inv, p, &f, &nf->inv);
            inv = &nf->inv;
            base = f.base;
            code = ((const mi_icode *)p->icode)->code;
            pc = code;
            vmbreak;
        }
#ifdef MI_INTERP_SWITCH
        default:
            return MI_RUN_RETURN; /* unreachable: every handler is a case */
#endif
        }
        continue;

    raise: /* rc: an mi_exc, MI_X_PERCOLATE or MI_X_EXIT */
        if (rc == MI_X_EXIT) {
            /* the run is over: every entered invocation ends, as each nested
             * mc_run would have ended it */
            while (inv != entry) NI_LEAVE();
            return MI_RUN_EXIT;
        }
        {
            int32_t h = mi_machine_raise(inv, (uint32_t)(ip - code), rc > 0 ? (mi_exc)rc : MI_EXC_NONE);
            if (h < 0) {
                if (inv == entry) return MI_RUN_EXC;
                /* unhandled in an entered invocation: it ends and the exception
                 * percolates to its caller, raised at the caller's CALLX */
                NI_LEAVE();
                ip = pc - 1;
                rc = MI_X_PERCOLATE;
                goto raise;
            }
            pc = code + h;
        }
    }
}
