/* The reference interpreter's pre-decoded program form, shared by the
 * pre-decoder (interp_decode.c), the dispatch loop (interp.c), the generic
 * instruction bodies (interp_ops.c) and the unit tests.
 *
 * A verified template is decoded once per run (at the program's first call) into
 * an array of dinsn, one per instruction plus an END sentinel (falling off the end
 * is RTX). Each dinsn names a handler. Operands are resolved to where their bytes
 * live: an index into mi_invocation.base plus an offset (STATIC, AUTO, constant
 * pool, PARM) or a checked position past a space pointer (BASED), with an element
 * index or substring applied at run time.
 *
 * Fast handlers cover integer arithmetic, copies and compares whose operands are
 * all BIN(1,2,4,8)/UBIN(1,2,4) objects, constants, elements, or BASED scalars and
 * elements (operand form dfast); they compute in int64 exactly what mi_sem_*
 * computes (test_interp.c checks the two against each other). FLT(8) arithmetic
 * and compares with at least one FLT source (F_*) do the one binary64 operation
 * that mi_sem_arith/cmpn reduce to in that case. CALLX sites whose operands are
 * all plain objects or constants get a call plan (mi_callplan). Everything else goes to
 * a generic body per opcode that calls mi_sem_* (operand form dop). */
#ifndef MI_INTERP_INT_H
#define MI_INTERP_INT_H
#include "machine_int.h"

/* Handlers: X(name). The order is the dispatch table's. */
#define MI_HANDLERS(X)                                                                   \
    X(GENERIC) X(END) X(NOP) X(B) X(CALLI) X(RTNI) X(RTX)                                \
    X(I_ADDN) X(I_SUBN) X(I_MULN) X(I_DIVN) X(I_REMN) X(I_NEGN) X(I_ABSN) X(I_CPYNV)      \
    X(I_CMPN) X(I_CMPNI)                                                                 \
    X(ADDN_W4_DD) X(ADDN_W4_DI) X(SUBN_W4_DD) X(SUBN_W4_DI) X(MULN_W4_DD) X(MULN_W4_DI)  \
    X(ADDN_W8_DD) X(ADDN_W8_DI) X(SUBN_W8_DD) X(SUBN_W8_DI) X(MULN_W8_DD) X(MULN_W8_DI)  \
    X(CPYNV_W4_D) X(CPYNV_W4_I) X(CPYNV_W8_D) X(CPYNV_W8_I)                               \
    X(CMPN_W4_DD) X(CMPN_W4_DI) X(CMPN_W8_DD) X(CMPN_W8_DI)                               \
    X(CPYNV_X_DD) X(CMPN_X_DD) X(CMPN_X_DI)                                              \
    X(F_ADDN) X(F_SUBN) X(F_MULN) X(F_DIVN) X(F_CPYNV) X(F_CMPN)                            \
    X(F_ADDN_DD) X(F_SUBN_DD) X(F_MULN_DD) X(F_DIVN_DD) X(F_CMPN_DD) X(F_CMPN_DI) X(CALLX)

enum {
#define X(n) MI_H_##n,
    MI_HANDLERS(X)
#undef X
    MI_H_COUNT
};

/* Integer type codes of the fast path (UBIN(8) is not among them: its values do
 * not all fit int64). */
enum { IT_B1, IT_B2, IT_B4, IT_B8, IT_U1, IT_U2, IT_U4, IT_NONE };
/* FLT operands of the F_* handlers: a FLT(8) object (else an IT_* integer object). */
enum { IT_F8 = IT_NONE + 1 };

/* Where bytes live. */
enum { LOC_DIRECT = 0, LOC_BASED = 1 };
typedef struct dloc {
    uint8_t mode;
    uint32_t area;   /* DIRECT: index into inv->base. BASED: index of the pointer's area */
    uint32_t off;    /* DIRECT: offset in the area. BASED: offset past the pointer's position */
    uint32_t poff;   /* BASED: offset of the pointer slot in its area */
    uint32_t extent; /* BASED: size of the BASED root, checked at each access */
} dloc;

/* An index, start or length operand. */
typedef struct dsimple {
    uint8_t isimm;
    mi_type type;
    dloc loc;
    int64_t imm;     /* isimm: the constant's value (a huge UBIN(8) as INT64_MAX) */
} dsimple;

enum { SEL_NONE = 0, SEL_ELEM = 1, SEL_SUBSTR = 2, SEL_LABEL = 3 };
typedef struct dop {
    uint8_t sel;
    uint8_t is_const;
    uint8_t need_set;  /* a P or S source: MCH3601 at resolution if not set (§3.1) */
    mi_type type;    /* scalar or element type; a substring: CHAR of the base's length */
    uint32_t dim;    /* whole array operand: its DIM, else 0 */
    uint32_t esize;  /* bytes of one element (a scalar: its size; pointers: MI_PTR_SLOT) */
    uint32_t nelem;  /* SEL_ELEM: the array's DIM */
    uint32_t label;  /* SEL_LABEL: target instruction index */
    dloc loc;
    dsimple x[2];    /* SEL_ELEM: x[0] index; SEL_SUBSTR: x[0] start, x[1] length */
} dop;

/* Fast integer operand. FM_B/FM_BE: a BASED scalar/element: the space pointer
 * in slot (area, poff), the object off bytes past its position, the BASED root of
 * extent bytes checked as mi_machine_based does, then the index as for FM_E.
 * F_* handlers use FM_IMM (imm: the binary64 bits of the value) and FM_D (it: IT_F8
 * or an integer IT_*). */
enum { FM_IMM = 0, FM_D = 1, FM_E = 2, FM_B = 3, FM_BE = 4 };
typedef struct dfast {
    uint8_t m, it;        /* FM_*, IT_* of the value (FM_E: of the element) */
    uint8_t xm, xit;      /* FM_E/FM_BE: index mode (FM_IMM or FM_D) and type */
    uint32_t area, off;   /* FM_D / FM_E: the object (FM_E: the array's first byte) */
    uint32_t xarea, xoff; /* FM_E with xm == FM_D: the index object */
    uint32_t nelem, esize;
    uint32_t poff, extent; /* FM_B/FM_BE */
    int64_t imm;          /* FM_IMM: the value; FM_E with xm == FM_IMM: the index */
} dfast;

typedef struct dinsn {
    uint16_t h;           /* MI_H_* */
    uint8_t op;           /* mi_op (GENERIC handlers switch on it) */
    uint8_t cond;         /* mi_cond */
    uint8_t cmask;        /* fast compares: bit (cmp + 1) set when cond holds for cmp */
    uint8_t round;
    uint32_t nops;
    uint32_t target;      /* B, CALLI, CMPN fast forms: the label's instruction index */
    union {
        dfast f[3];       /* fast handlers: receiver/sources in operand order */
        struct {
            dop *ops;     /* generic handlers and CALLX: nops operands */
            mi_callplan *call; /* CALLX: its call plan (machine_int.h) */
        };
    } u;
} dinsn;

typedef struct mi_icode {
    uint32_t ninsns;
    dinsn *code;          /* ninsns + 1 entries; code[ninsns] is END */
    dop *ops;             /* storage of every generic operand */
    mi_callplan *calls;   /* storage of every call plan */
} mi_icode;

/* interp_ops.c: executes a GENERIC instruction. Returns 0 / mi_exc / MI_X_*
 * (mi_machine.h conventions); *jump := the next instruction's index when it
 * branches, else left alone. */
int mi_interp_generic(mi_invocation *inv, const dinsn *ip, uint32_t insn, uint32_t *jump);
/* Resolves a generic operand to its bytes and (CHAR) length. */
mi_exc mi_interp_addr(mi_invocation *inv, const dop *o, uint8_t **p, uint32_t *len);

/* ---- the integer kernels of the fast handlers ---------------------------- */

/* always inlined: in the big dispatch function the compiler would otherwise call it */
static inline __attribute__((always_inline)) int64_t mi_fast_ld(uint8_t it, const uint8_t *p) {
    switch (it) {
    case IT_B1: return (int8_t)p[0];
    case IT_B2: return (int16_t)mi_ld16(p);
    case IT_B4: return (int32_t)mi_ld32(p);
    case IT_B8: return (int64_t)mi_ld64(p);
    case IT_U1: return p[0];
    case IT_U2: return mi_ld16(p);
    default: return mi_ld32(p);
    }
}

/* Stores v if it fits the receiver's range (§4), else MCH1210. */
static inline __attribute__((always_inline)) mi_exc mi_fast_st(uint8_t it, uint8_t *p, int64_t v) {
    switch (it) {
    case IT_B1: if (v < INT8_MIN || v > INT8_MAX) return MI_EXC_MCH1210; p[0] = (uint8_t)v; break;
    case IT_B2: if (v < INT16_MIN || v > INT16_MAX) return MI_EXC_MCH1210; mi_st16(p, (uint16_t)v); break;
    case IT_B4: if (v < INT32_MIN || v > INT32_MAX) return MI_EXC_MCH1210; mi_st32(p, (uint32_t)v); break;
    case IT_B8: mi_st64(p, (uint64_t)v); break;
    case IT_U1: if (v < 0 || v > UINT8_MAX) return MI_EXC_MCH1210; p[0] = (uint8_t)v; break;
    case IT_U2: if (v < 0 || v > UINT16_MAX) return MI_EXC_MCH1210; mi_st16(p, (uint16_t)v); break;
    default: if (v < 0 || v > (int64_t)UINT32_MAX) return MI_EXC_MCH1210; mi_st32(p, (uint32_t)v); break;
    }
    return MI_EXC_NONE;
}

/* r := a op b for op in ADDN SUBN MULN DIVN REMN, exactly as §4 in the exact
 * domain with every value an integer: any result outside int64 is outside every
 * fast receiver's range (MCH1210). */
static inline mi_exc mi_fast_arith(mi_op op, int round, int64_t a, int64_t b, int64_t *r) {
    switch (op) {
    case MI_OP_ADDN: return __builtin_add_overflow(a, b, r) ? MI_EXC_MCH1210 : MI_EXC_NONE;
    case MI_OP_SUBN: return __builtin_sub_overflow(a, b, r) ? MI_EXC_MCH1210 : MI_EXC_NONE;
    case MI_OP_MULN: return __builtin_mul_overflow(a, b, r) ? MI_EXC_MCH1210 : MI_EXC_NONE;
    case MI_OP_DIVN: {
        if (b == 0) return MI_EXC_MCH1211;
        if (b == -1) return __builtin_sub_overflow((int64_t)0, a, r) ? MI_EXC_MCH1210 : MI_EXC_NONE;
        int64_t q = a / b, m = a % b;
        /* .R: half away from zero, decided on the exact remainder */
        if (round && m != 0) {
            uint64_t am = m < 0 ? -(uint64_t)m : (uint64_t)m;
            uint64_t ab = b < 0 ? -(uint64_t)b : (uint64_t)b;
            if (am >= ab - am) q += ((a < 0) != (b < 0)) ? -1 : 1;
        }
        *r = q;
        return MI_EXC_NONE;
    }
    default: /* REMN */
        if (b == 0) return MI_EXC_MCH1211;
        *r = b == -1 ? 0 : a % b;
        return MI_EXC_NONE;
    }
}

/* NEGN, ABSN, CPYNV of an integer. */
static inline mi_exc mi_fast_unary(mi_op op, int64_t a, int64_t *r) {
    if (op == MI_OP_NEGN || (op == MI_OP_ABSN && a < 0))
        return __builtin_sub_overflow((int64_t)0, a, r) ? MI_EXC_MCH1210 : MI_EXC_NONE;
    *r = a;
    return MI_EXC_NONE;
}

static inline int mi_fast_cmp(int64_t a, int64_t b) { return (a > b) - (a < b); }

/* Exposed for the unit tests: the fast path on raw operands, exactly as the
 * handlers run it. Returns 0 if the types are not fast-path types. */
int mi_interp_fast_arith(mi_op op, int round, const mi_type *rt, uint8_t *r,
                         const mi_type *at, const uint8_t *a, const mi_type *bt,
                         const uint8_t *b, mi_exc *exc);
uint8_t mi_interp_fast_type(const mi_type *t); /* IT_* or IT_NONE */

#endif
