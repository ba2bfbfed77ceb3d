/* The prelude of every generated translation unit, and the guarantee that the
 * structures it declares match this build's runtime.
 *
 * Generated code includes no header: it declares mirrors of mi_type, mi_arg and
 * mi_rt_table itself and reaches mi_invocation, mi_spcptr and mi_space fields
 * through byte offsets emitted as constants. The mirrors are written once, as
 * the macros below, which are both stringified into the prelude and compiled
 * here into structs whose every field offset is asserted equal to the runtime's.
 * Pointers to runtime types are `void *` in the mirrors and enums are `int`
 * (same registers and sizes in the LP64 ABIs MI supports). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "codegen_int.h"
#include "mi_host.h"
#include "mi_machine.h"

#define CG_MT_BODY u8 kind, size, scale; u32 len;
#define CG_MARG_BODY u8 *p; MT type; u32 dim; u8 is_const;
#define CG_RT_BODY                                                                       \
    u32 version, size;                                                                   \
    i32 (*raise)(void *, u32, int);                                                      \
    i32 (*signal)(void *, u32, const u8 *, const u8 *, u32);                             \
    int (*rtvexc)(void *, u8 *, u32, u8 *, u32, const MT *, u8 *);                       \
    int (*callx)(void *, u32, const void *, u32, const MARG *);                          \
    int (*rslvsp)(void *, void *, const u8 *, u32);                                      \
    int (*svc)(void *, i64, u32, const MARG *);                                          \
    int (*crts)(void *, void *, i64, i64);                                               \
    int (*addspp)(void *, const void *, i64);                                            \
    int (*subspp)(i64 *, const void *, const void *);                                    \
    int (*cpyp)(void *, const void *);                                                   \
    int (*setspsz)(void *, const void *, i64);                                           \
    int (*spsz)(i64 *, const void *);                                                    \
    int (*arith)(int, int, const MT *, u8 *, const MT *, const u8 *, const MT *,         \
                 const u8 *);                                                            \
    int (*unary)(int, int, const MT *, u8 *, const MT *, const u8 *);                    \
    int (*bitwise)(int, const MT *, u8 *, const MT *, const u8 *, const MT *,            \
                   const u8 *);                                                          \
    int (*cmpn)(int *, const MT *, const u8 *, const MT *, const u8 *);                  \
    int (*cond)(int, int);                                                               \
    i64 (*load_int)(const MT *, const u8 *, int *);                                      \
    int (*store_int)(const MT *, u8 *, i64);                                             \
    void (*cpybla)(u8 *, u32, const u8 *, u32);                                          \
    int (*cpyblap)(u8 *, u32, const u8 *, u32, const u8 *, u32);                         \
    void (*cat)(u8 *, u32, const u8 *, u32, const u8 *, u32);                            \
    i64 (*scan)(const u8 *, u32, const u8 *, u32);                                       \
    i64 (*trimlen)(const u8 *, u32);                                                     \
    int (*cmpc)(const u8 *, u32, const u8 *, u32);                                       \
    int (*cvtnc)(u8 *, u32, const MT *, const u8 *);                                     \
    int (*cvtcn)(int, const MT *, u8 *, const u8 *, u32);                                \
    int (*edit)(u8 *, u32, const MT *, const u8 *, const u8 *, u32);                    \
    int (*callxp)(void *, u32);                                                          \
    int (*pkdput)(u8 *, u32, i64, u32, int, i64 *);                                      \
    int (*const *pkdgetv)(const u8 *, i64 *);                                            \
    int (*const *pkdsetv)(u8 *, i64, i64 *);                                             \
    int (*const *pkdaddv)(u8 *, i64, i64 *);                                             \
    int (*pkdscale)(i64, u32, u32, int, i64 *);                                          \
    int (*exec)(void *, u32);

#define CG_STR_(...) #__VA_ARGS__
#define CG_STR(...) CG_STR_(__VA_ARGS__)

/* ---- the mirrors, compiled here with the generated code's type names ------ */

typedef uint8_t u8;
typedef uint32_t u32;
typedef int32_t i32;
typedef int64_t i64;
typedef struct MT { CG_MT_BODY } MT;
typedef struct MARG { CG_MARG_BODY } MARG;
typedef struct RT { CG_RT_BODY } RT;

#define SAME(mirror, rtype, f) \
    _Static_assert(offsetof(mirror, f) == offsetof(rtype, f), #mirror "." #f " matches " #rtype)
SAME(MT, mi_type, kind);
SAME(MT, mi_type, size);
SAME(MT, mi_type, scale);
SAME(MT, mi_type, len);
_Static_assert(sizeof(MT) == sizeof(mi_type), "MT size");
SAME(MARG, mi_arg, p);
SAME(MARG, mi_arg, type);
SAME(MARG, mi_arg, dim);
SAME(MARG, mi_arg, is_const);
_Static_assert(sizeof(MARG) == sizeof(mi_arg), "MARG size");
SAME(RT, mi_rt_table, version);
SAME(RT, mi_rt_table, size);
SAME(RT, mi_rt_table, raise);
SAME(RT, mi_rt_table, signal);
SAME(RT, mi_rt_table, rtvexc);
SAME(RT, mi_rt_table, callx);
SAME(RT, mi_rt_table, rslvsp);
SAME(RT, mi_rt_table, svc);
SAME(RT, mi_rt_table, crts);
SAME(RT, mi_rt_table, addspp);
SAME(RT, mi_rt_table, subspp);
SAME(RT, mi_rt_table, cpyp);
SAME(RT, mi_rt_table, setspsz);
SAME(RT, mi_rt_table, spsz);
SAME(RT, mi_rt_table, arith);
SAME(RT, mi_rt_table, unary);
SAME(RT, mi_rt_table, bitwise);
SAME(RT, mi_rt_table, cmpn);
SAME(RT, mi_rt_table, cond);
SAME(RT, mi_rt_table, load_int);
SAME(RT, mi_rt_table, store_int);
SAME(RT, mi_rt_table, cpybla);
SAME(RT, mi_rt_table, cpyblap);
SAME(RT, mi_rt_table, cat);
SAME(RT, mi_rt_table, scan);
SAME(RT, mi_rt_table, trimlen);
SAME(RT, mi_rt_table, cmpc);
SAME(RT, mi_rt_table, cvtnc);
SAME(RT, mi_rt_table, cvtcn);
SAME(RT, mi_rt_table, edit);
SAME(RT, mi_rt_table, callxp);
SAME(RT, mi_rt_table, pkdput);
SAME(RT, mi_rt_table, pkdgetv);
SAME(RT, mi_rt_table, pkdsetv);
SAME(RT, mi_rt_table, pkdaddv);
SAME(RT, mi_rt_table, pkdscale);
SAME(RT, mi_rt_table, exec);
_Static_assert(sizeof(RT) == sizeof(mi_rt_table), "RT size: a new run-time entry needs a mirror field");
/* Enums travel as int. */
_Static_assert(sizeof(mi_exc) == sizeof(int) && sizeof(mi_op) == sizeof(int) &&
                   sizeof(mi_cond) == sizeof(int), "enums are int-sized");
/* Fields generated code reads through offsets, with the widths it assumes. */
_Static_assert(sizeof(((mi_invocation *)0)->rsp) == 4 && sizeof(((mi_invocation *)0)->rstack[0]) == 4,
               "rsp and rstack are u32");
_Static_assert(sizeof(((mi_spcptr *)0)->off) == 8 && sizeof(((mi_space *)0)->size) == 4,
               "pointer offset u64, space size u32");
_Static_assert(sizeof(void *) == 8, "LP64");
#if defined(MI_HAVE_LIBTCC) && (!defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
#error "generated code stores MI's little-endian values with host loads: little-endian hosts only"
#endif

/* ---- the prelude text ------------------------------------------------------ */

static const char prelude_types[] =
    "typedef signed char i8;\n"
    "typedef unsigned char u8;\n"
    "typedef short i16;\n"
    "typedef unsigned short u16;\n"
    "typedef int i32;\n"
    "typedef unsigned int u32;\n"
    "typedef long long i64;\n"
    "typedef unsigned long long u64;\n"
    "typedef struct MT { " CG_STR(CG_MT_BODY) " } MT;\n"
    "typedef struct MARG { " CG_STR(CG_MARG_BODY) " } MARG;\n"
    "typedef struct RT { " CG_STR(CG_RT_BODY) " } RT;\n"
    /* Unaligned little-endian access: MI values may sit at any byte (overlays,
     * arguments, space bytes). Plain moves for tcc, correct for any compiler. */
    "typedef i16 __attribute__((aligned(1))) i16u;\n"
    "typedef u16 __attribute__((aligned(1))) u16u;\n"
    "typedef i32 __attribute__((aligned(1))) i32u;\n"
    "typedef u32 __attribute__((aligned(1))) u32u;\n"
    "typedef i64 __attribute__((aligned(1))) i64u;\n"
    "typedef u64 __attribute__((aligned(1))) u64u;\n"
    "typedef float __attribute__((aligned(1))) f32u;\n"
    "typedef double __attribute__((aligned(1))) f64u;\n"
    "typedef union { u64 u; double d; } DU;\n"
    "typedef union { u32 u; float f; } FU;\n";

static const char prelude_div[] =
    /* DIVN and REMN on integers, exactly as the interpreter's mi_fast_arith. */
    "static int dv(i64 a, i64 b, int rnd, i64 *r) {\n"
    "    i64 q, m; u64 am, ab;\n"
    "    if (b == 0) return MCH1211;\n"
    "    if (b == -1) { if (a == IMIN) return MCH1210; *r = -a; return 0; }\n"
    "    q = a / b; m = a % b;\n"
    "    if (rnd && m != 0) {\n"
    "        am = m < 0 ? -(u64)m : (u64)m; ab = b < 0 ? -(u64)b : (u64)b;\n"
    "        if (am >= ab - am) q += ((a < 0) != (b < 0)) ? -1 : 1;\n"
    "    }\n"
    "    *r = q; return 0;\n"
    "}\n";
static const char prelude_rem[] =
    "static int rm(i64 a, i64 b, i64 *r) {\n"
    "    if (b == 0) return MCH1211;\n"
    "    *r = b == -1 ? 0 : a % b; return 0;\n"
    "}\n";
static const char prelude_mul[] =
    /* 64-bit product with overflow check (tcc has no __builtin_mul_overflow). */
    "static int ml(i64 a, i64 b, i64 *r) {\n"
    "    i64 s = (i64)((u64)a * (u64)b);\n"
    "    if (a != 0 && ((a == -1 && b == IMIN) || (b == -1 && a == IMIN) ||\n"
    "                   (a != -1 && s / a != b))) return MCH1210;\n"
    "    *r = s; return 0;\n"
    "}\n";
static const char prelude_move[] =
    "static void mv(u8 *d, const u8 *s, u32 n) {\n"
    "    if ((u64)d - (u64)s >= (u64)n) { while (n--) *d++ = *s++; }\n"
    "    else { d += n; s += n; while (n--) *--d = *--s; }\n"
    "}\n";
static const char prelude_arg[] =
    "static void ARG(MARG *g_, u8 *p_, const MT *t_, u32 len_, u32 dim_, u8 cst_) {\n"
    "    g_->p = p_; g_->type.kind = t_->kind; g_->type.size = t_->size;\n"
    "    g_->type.scale = t_->scale; g_->type.len = len_; g_->dim = dim_; g_->is_const = cst_;\n"
    "}\n";

/* A FLT local's bytes where they are seen (codegen_loc.c): a NaN it holds made
 * the canonical one first. Marked unused: the need is noted when an operand of
 * the local is resolved, also where the fast path then reads it only by name. */
static const char prelude_cn8[] =
    "static __attribute__((unused)) u8 *cn8(double *p_) { if (*p_ != *p_) *(u64 *)(void *)p_ = 0x7FF8000000000000ull; return (u8 *)p_; }\n";
static const char prelude_cn4[] =
    "static __attribute__((unused)) u8 *cn4(float *p_) { if (*p_ != *p_) *(u32 *)(void *)p_ = 0x7FC00000u; return (u8 *)p_; }\n";

void cg_emit_prelude(cg_buf *b, const char *progname, unsigned need) {
    char name[256];
    cg_c_string(progname, strlen(progname), name, sizeof name);
    cg_printf(b, "/* MI program \"%s\": generated by the MI translator %u (run-time ABI %u). */\n",
              name, MI_TRANSLATOR_VERSION, MI_RT_ABI_VERSION);
    cg_put(b, prelude_types);
    cg_printf(b, "#define MCH1210 %d\n#define MCH1211 %d\n#define IMIN (-9223372036854775807LL - 1)\n",
              (int)MI_EXC_MCH1210, (int)MI_EXC_MCH1211);
    if (need & CG_NEED_DIV) cg_put(b, prelude_div);
    if (need & CG_NEED_REM) cg_put(b, prelude_rem);
    if (need & CG_NEED_MUL) cg_put(b, prelude_mul);
    if (need & CG_NEED_MOVE) cg_put(b, prelude_move);
    if (need & CG_NEED_ARG) cg_put(b, prelude_arg);
    if (need & CG_NEED_CN8) cg_put(b, prelude_cn8);
    if (need & CG_NEED_CN4) cg_put(b, prelude_cn4);
}
