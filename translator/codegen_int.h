/* Private interface of the MI -> C code generator (codegen*.c). See
 * mi_translate.h for what the generated C looks like and why.
 *
 * The generator walks a verified template once. Each instruction becomes a few
 * lines of C inside the one exported function (MI_TRANSLATE_ENTRY). The text is
 * built in three buffers that mi_translate_to_c joins at the end: the prelude
 * (fixed text plus the ABI constants of this build), `decl` (static const type
 * descriptors and constants, known only once the body is done) and `body`.
 *
 * libtcc gives every block-scoped variable its own stack slot (it never reuses
 * them), so the generated function declares one fixed set of temporaries at its
 * top and every instruction reuses them:
 *   p0 p1 p2   operand addresses (u8 *)      n0 n1 n2  operand lengths (u32)
 *   q          address of an index object    x0 x1     index / start / length
 *   a b r      integer values (i64)          u w z     binary64 values
 *   ua ub uz   bit patterns (u64)            c         compare result (int)
 *   g[]        CALLX / SVC arguments (MARG)  pc ex h   raise state */
#ifndef MI_CODEGEN_INT_H
#define MI_CODEGEN_INT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "mi_layout.h"
#include "mi_sem.h"
#include "mi_template.h"

/* A growing text buffer. Allocation failure is sticky: later appends do nothing
 * and mi_translate_to_c reports MI_E_NOMEM. */
typedef struct cg_buf {
    char *p;
    size_t n, cap;
    int oom;
} cg_buf;

void cg_put(cg_buf *b, const char *s);
void cg_printf(cg_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cg_buf_free(cg_buf *b);
size_t cg_vfmt(char *out, size_t n, const char *fmt, va_list ap);
size_t cg_snprintf(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Optional prelude functions, emitted only when used (so the unit also compiles
 * cleanly with a warning-happy C compiler). */
enum { CG_USES_S = 1, CG_USES_A = 2, CG_USES_K = 4 };
enum { CG_NEED_DIV = 1, CG_NEED_REM = 2, CG_NEED_MUL = 4, CG_NEED_MOVE = 8, CG_NEED_ARG = 16,
       CG_NEED_CN8 = 32, CG_NEED_CN4 = 64 };

/* At most this many PKD registers per program (each costs a test at every
 * spill-all point: calls, returns, exceptions). */
#define CG_NREG 16
/* PKD arrays shadowed by coefficients (codegen_dec.c): at most this many, with
 * at most CG_NSHADOW elements in all (each array's flags start 8-aligned). */
#define CG_NARR 8
#define CG_NSHADOW 256

/* Binary and float scalars kept in C locals R<k> (codegen_loc.c): at most this
 * many (a mask of them is a uint32_t). */
#define CG_NLOC 16
/* Space pointers whose checked base may be cached (codegen_spc.c): each costs a
 * store at every CALLX and SETSPSZ, so few. */
#define CG_NPC 8
/* Which locals: those of STATIC objects, of AUTO objects, or both. */
enum { CG_LOC_STATIC = 1, CG_LOC_AUTO = 2, CG_LOC_ALL = 3 };

/* An index value already loaded into x<slot> by this instruction. */
typedef struct cg_xcache {
    int valid;
    uint32_t obj, dim; /* the index object; the smallest bound checked */
} cg_xcache;

typedef struct cg_ctx {
    const mi_template *t;
    mi_layout l;
    cg_buf body, decl;
    mi_type *types;        /* distinct type descriptors emitted as T<i> */
    uint32_t ntypes, captypes;
    uint32_t *thash, thcap; /* open-addressing index of types */
    uint32_t ndconst;      /* translation-time binary64 constants emitted as KD[i] */
    uint8_t *target;       /* per instruction: needs a C label */
    uint8_t *parm_used;    /* per parameter: its base is cached in a local P<k> */
    uint32_t k;            /* the instruction being translated (0-based) */
    uint32_t maxargs;      /* size of g[] */
    uint32_t ncallx;       /* CALLX instructions before the current one (rt->callxp's site) */
    unsigned need;         /* CG_NEED_* */
    int has_rtni;          /* emit the shared RTNI dispatch */
    int has_calli;         /* CALLI: the entry needs rsp and rstk */
    unsigned uses;         /* CG_USES_*: the area bases the body names */
    uint32_t acc_used[4];  /* [CG_AREA_*]: bit CG_ACC_*: its typed pointer is named */
    int has_sigexc;        /* emit handle_ (SIGEXC finds its handler itself) */
    cg_xcache xcache[3];   /* per slot, reset at each instruction */
    /* Coefficients of PKD scalars the decimal path stored or decoded, kept in
     * the C locals d0..d3 while no other code may have written their bytes
     * (codegen_dec.c); obj MI_NONE: a free slot. */
    struct { uint32_t obj; } dcache[4];
    unsigned dnext;        /* the dcache slot to use next */
    /* PKD scalars kept in C locals for the whole function (codegen_dec.c): reg[obj]
     * is 1 + the register (v<r>, state f<r>) of object obj, 0 for none. */
    uint8_t *reg;
    uint32_t nreg;
    uint32_t reg_obj[CG_NREG];
    /* PKD arrays whose elements' coefficients are shadowed in av[] (valid where
     * the flag byte af[] is 1): arr[obj] is 1 + the array's number, arr_base its
     * first element in av/af; shadow_off: this instruction names a parameter,
     * so it uses no shadow (all were forgotten before it). */
    uint8_t *arr;
    uint32_t narr, nshadow;
    uint32_t arr_obj[CG_NARR], arr_base[CG_NARR];
    int shadow_off;
    /* Per object: STATIC or AUTO, sharing no byte with another object
     * (cg_regs_choose). */
    uint8_t *isolated;
    /* Scalars in C locals (codegen_loc.c): loc[obj] is 1 + the local's number,
     * 0 for none. loc_mem (CG_LOC_*): this instruction's operands of those areas
     * resolve to their bytes in storage instead; loc_parm: read the STATIC
     * locals back after it. */
    uint8_t *loc;
    uint32_t nloc, loc_obj[CG_NLOC];
    unsigned loc_mem;
    /* Space pointers whose checked base is kept in B<k>/V<k> (codegen_spc.c):
     * pc_obj[k] is the pointer object. */
    uint32_t npc, pc_obj[CG_NPC];
    int exec_form; /* whole-instruction helper calls as rt->exec (cg_ck_insn) */
    int loc_parm;
    int dc_done;           /* the current instruction updated dcache itself */
    int named;             /* a #line has given the file name */
    const char *internal;  /* set: an inconsistency in the generator itself (what);
                              the translation fails with MI_E_INTERNAL */
    char rbuf[4][48];      /* cg_r's results */
    unsigned nrbuf;
} cg_ctx;

/* A resolved operand: after cg_resolve emitted its checks, addr is a C
 * expression of type u8 * for its first byte and len one for its byte length. */
typedef struct cg_opnd {
    uint8_t kind;          /* MI_O_* */
    uint8_t is_const;
    mi_type type;          /* scalar or element type; a substring: the CHAR base's type */
    uint32_t dim;          /* a whole-array operand: its DIM, else 0 */
    uint32_t label;        /* MI_O_LABEL: target instruction index */
    char addr[96];
    char len[24];
    char idx[24];          /* MI_O_ELEM: the C expression of its (checked, 1-based) index */
    int idx_known;         /* ... a constant, idxv */
    int64_t idxv;
    int len_known;         /* len is the constant lenv */
    uint32_t lenv;
    int has_imm;           /* an integer constant whose value fits int64 */
    int64_t imm;
    const uint8_t *cbytes; /* a constant: its bytes in the pool */
    /* Where the first byte is known at translation time: area (CG_AREA_S, _A,
     * _K; 0: not known this way) and offset, for cg_lv; loc: 1 + the scalar
     * local (R<k>) holding the bytes, else 0. */
    uint8_t darea, loc;
    uint64_t doff;
} cg_opnd;

/* The areas with typed access pointers, and the access types (cg_lv). */
enum { CG_AREA_S = 1, CG_AREA_A = 2, CG_AREA_K = 3 };
enum { CG_ACC_I8, CG_ACC_U8, CG_ACC_I16, CG_ACC_U16, CG_ACC_I32, CG_ACC_U32, CG_ACC_I64, CG_ACC_U64,
       CG_ACC_F32, CG_ACC_F64, CG_NACC };
/* The lvalue of o's first bytes as access type acc: "R3" when a scalar local
 * of that very C type holds it; in the exec form "S_i32u[520]" when its offset
 * in S, A or K is a multiple of the size (declared at the entry: fewer tokens
 * and no cast for tcc to parse); else "*(i32u*)(addr)". */
const char *cg_lv(cg_ctx *c, const cg_opnd *o, unsigned acc, char *buf, size_t n);
/* The access type of a BIN/UBIN(1, 2, 4, 8) or FLT(4, 8) type (CG_NACC: none). */
unsigned cg_acc_of(const mi_type *t);

/* Resolves operand i of the current instruction, emitting the checks of §3.1 in
 * order. slot (0..2) names the temporaries it may use: p<slot> (a BASED
 * address), x<slot> (element index or substring start), l<slot> (substring
 * length); q for a BASED index object. */
void cg_resolve(cg_ctx *c, uint32_t i, unsigned slot, cg_opnd *o);

/* "T<i>" for a type descriptor (emitted once per distinct type). */
const char *cg_type(cg_ctx *c, const mi_type *t, char buf[16]);
/* Index of a binary64 constant KD[i] holding the bit pattern bits. */
uint32_t cg_dconst(cg_ctx *c, uint64_t bits);

/* The C statement raising e at the current instruction ("{pc=K;ex=E;goto
 * raise_;}"); cg_raise emits it on its own line. */
const char *cg_r(cg_ctx *c, mi_exc e);
void cg_raise(cg_ctx *c, mi_exc e);
/* Emits a call returning mi_exc (printf-style text of the call expression),
 * raising what it returns. */
void cg_ck(cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for a call that performs the current instruction whole, on its
 * operands' bytes as the interpreter resolves them: in the exec form
 * (cg_ctx.exec_form) it becomes rt->exec(inv, k), the interpreter's generic
 * body (no operand list for the C compiler to parse); the caller has made the
 * bytes current (PKD registers and shadows written back), as for the helper. */
void cg_ck_insn(cg_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The lvalue prefix storing a size-byte integer ("*(i32u*)") and the conversion
 * of an i64 to it ("(i32)"). */
const char *cg_st(unsigned size);
const char *cg_sc(unsigned size);

/* Integer operands of the fast paths: BIN(1,2,4,8), UBIN(1,2,4) objects or
 * elements, or integer constants whose value fits int64. */
int cg_fast_int(const cg_opnd *o);
/* The load prefix of a fast integer type, giving an i64 when followed by a
 * parenthesised address ("(i64)*(i32u*)"), NULL if none. */
const char *cg_int_loader(const mi_type *t);
/* An int64 literal as C text (INT64_MIN spelled so that it is not an overflow). */
void cg_lit(char *buf, size_t n, int64_t v);
/* Writes into buf the C expression (i64) of a fast integer operand's value. */
void cg_int_value(cg_ctx *c, const cg_opnd *o, char *buf, size_t n);
/* Emits: store the i64 value `val` into integer receiver o (BIN/UBIN of any
 * size), raising MCH1210 when it does not fit unless [lo, hi] (the value's known
 * range) lies inside the receiver's range. */
void cg_store_int(cg_ctx *c, const cg_opnd *o, const char *val, __int128 lo, __int128 hi);
/* An integer operand's value as an i64 C expression for indices and sizes (a
 * UBIN(8) above INT64_MAX becomes INT64_MAX, as mi_sem_load_int callers do):
 * emits whatever is needed into var and returns its name, or a literal. */
const char *cg_int_arg(cg_ctx *c, const cg_opnd *o, const char *var, char *buf, size_t n);

/* The range of a fast integer operand's values (a constant: its value). */
void cg_int_range(const cg_opnd *o, __int128 *lo, __int128 *hi);

/* codegen_num.c: numeric, bitwise and compare instructions. Each emits the whole
 * instruction after its operands were resolved into ops[]. */
void cg_emit_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
void cg_emit_unary(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
void cg_emit_bitwise(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
/* The helper call of ADDN..REMN: rt->arith on the operands' bytes and types. */
void cg_helper_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
/* codegen_dec.c: ADDN SUBN MULN into a PKD of at most 15 digits, inline, the
 * helper call as its fallback; 0 (nothing emitted) when the operands do not
 * qualify. */
int cg_emit_dec_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
/* Before the helper path of ADDN..REMN: every shadowed array that an operand
 * names written back and forgotten (the helper reads and writes bytes). */
void cg_shadow_flush_opnds(cg_ctx *c, const mi_insn *in);
/* The forwarding of decimal coefficients: forget every one (at a label), and
 * account for what instruction in may have written (after emitting it). */
void cg_dcache_reset(cg_ctx *c);
void cg_dcache_after(cg_ctx *c, const mi_insn *in);
/* An object that could be kept in C locals, and how many operands name it; the
 * order of choosing (qsort): more uses first, then the lower object number. */
typedef struct cg_cand {
    uint32_t obj, uses;
} cg_cand;
int cg_cand_cmp(const void *x, const void *y);
/* Is operand i of in a receiver (a lower-case form letter, opcodes.def; a
 * trailing * or + repeats the letter before it)? Does an operand of in (or its
 * index, start or length object) lie in a parameter, which may be this
 * program's own STATIC storage? (codegen_dec.c, codegen_loc.c) */
int cg_is_receiver(const mi_insn *in, uint32_t i);
int cg_names_parm(const cg_ctx *c, const mi_insn *in);
/* PKD registers and shadowed tables (codegen_dec.c): choose them (after the
 * layout; 0 or MI_E_NOMEM), write back what instruction in may observe and
 * forget what it may write (emitted before it, after its label), write back
 * every register's operands before a helper call on instruction in's bytes,
 * write back and forget every register and every table element, and write
 * every STATIC scalar local to storage (before calls, returns and exception
 * handling). */
int cg_regs_choose(cg_ctx *c);
void cg_regs_before(cg_ctx *c, const mi_insn *in);
void cg_regs_spill_opnds(cg_ctx *c, const mi_insn *in);
void cg_regs_spill_all(cg_ctx *c);
/* spill_ and wb1_/wbf_ (the functions behind cg_regs_spill_all), into the unit's text. */
void cg_regs_decl(cg_ctx *c, cg_buf *out);
/* Scalars in C locals (codegen_loc.c): choose them (after cg_regs_choose, which
 * sets isolated; 0 or MI_E_NOMEM); the local of object obj for cg_resolve (-1:
 * none, or this instruction resolves it to storage); storage := locals and
 * locals := storage for the locals in a mask, into the body; the
 * declarations and the loads at entry, into the unit's text; before and after an
 * instruction other than CALLX and SVC (its parameter operands). */
int cg_locs_choose(cg_ctx *c);
int cg_loc_of(const cg_ctx *c, uint32_t obj);
/* For FLT local k: the prelude function ("cn8", "cn4") that makes a NaN in it
 * the canonical one and returns its address (marked as needed); NULL for other
 * locals. */
const char *cg_loc_flt_cn(cg_ctx *c, unsigned k);
/* The locals (bit k: R<k>) of the areas in which (CG_LOC_*), and those the
 * operands of in name. */
uint32_t cg_locs_mask(const cg_ctx *c, unsigned which);
uint32_t cg_locs_named(const cg_ctx *c, const mi_insn *in);
/* Those of cg_locs_named that this instruction's operands resolve to (not to
 * storage: loc_mem). */
uint32_t cg_locs_live_named(const cg_ctx *c, const mi_insn *in);
void cg_locs_store(cg_ctx *c, uint32_t mask);
void cg_locs_load(cg_ctx *c, uint32_t mask);
void cg_locs_decl(cg_ctx *c, cg_buf *out);
void cg_locs_before(cg_ctx *c, const mi_insn *in);
void cg_locs_after(cg_ctx *c);
/* Checked space bases in C locals (codegen_spc.c): choose the pointers (before
 * the body); the slot of pointer object ptr (-1: none); the declarations, into
 * the unit's text; V<k> := 0 for every slot, and for those the instruction may
 * have invalidated (after it), into the body. */
void cg_pcache_choose(cg_ctx *c);
int cg_pcache_of(const cg_ctx *c, uint32_t ptr);
void cg_pcache_decl(const cg_ctx *c, cg_buf *out);
void cg_pcache_forget(cg_ctx *c);
void cg_pcache_after(cg_ctx *c, const mi_insn *in);
/* CMPN (branch) and CMPNI (indicator). */
void cg_emit_cmpn(cg_ctx *c, const mi_insn *in, const cg_opnd *ops);
/* The C condition for compare result variable cv (-1, 0, 1, 2) under cond. */
void cg_cond_expr(mi_cond cond, const char *cv, char *buf, size_t n);

/* mi_translate_to_c without verifying t first: t MUST be verified (the exec
 * hook's templates are: the machine verified them). */
mi_status cg_translate_verified(const mi_template *t, const char *name, char **csrc, size_t *n,
                                mi_diag *d);

/* codegen_abi.c: the prelude (fixed text and this build's ABI constants). */
void cg_emit_prelude(cg_buf *b, const char *progname, unsigned need);

/* A C string literal body for s (escaped), into buf. */
void cg_c_string(const char *s, size_t n, char *buf, size_t bufn);

#endif
