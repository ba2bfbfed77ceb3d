/* MI -> C: numeric, bitwise and compare instructions.
 *
 * Fast paths compute inline exactly what mi_sem_* computes (test_codegen.c
 * checks them against the helpers on random operands):
 *   - integers: every operand BIN(1,2,4,8), UBIN(1,2,4) or an integer constant
 *     fitting int64, and an integer receiver of those types. Values are int64;
 *     a result outside int64 is outside every such receiver (MCH1210). The value
 *     range of each source is known from its type, so overflow checks are
 *     emitted only where a result can leave int64 or the receiver.
 *   - the float domain (§4): a FLT(4)/FLT(8) receiver, at least one FLT source,
 *     the other sources FLT, fast integers or constants (converted to binary64
 *     here, by the helper itself). One IEEE binary64 operation; every NaN
 *     stored is the canonical NaN (flt_store).
 * Everything else calls the helper through rt with the operand bytes and types
 * the interpreter passes. */
#include <stdio.h>
#include <string.h>
#include "codegen_int.h"

typedef __int128 i128;

/* ---- value ranges of fast integer operands --------------------------------- */

void cg_int_range(const cg_opnd *o, i128 *lo, i128 *hi) {
    if (o->is_const) {
        *lo = *hi = o->imm;
        return;
    }
    unsigned bits = 8u * o->type.size;
    if (o->type.kind == MI_T_BIN) {
        *lo = -((i128)1 << (bits - 1));
        *hi = ((i128)1 << (bits - 1)) - 1;
    } else {
        *lo = 0;
        *hi = ((i128)1 << bits) - 1;
    }
}

static int in_i64(i128 lo, i128 hi) { return lo >= INT64_MIN && hi <= INT64_MAX; }
static i128 max3(i128 a, i128 b) { return a > b ? a : b; }
static i128 min3(i128 a, i128 b) { return a < b ? a : b; }
static i128 mag(i128 lo, i128 hi) { return max3(lo < 0 ? -lo : lo, hi < 0 ? -hi : hi); }

/* An integer receiver the fast path stores to (UBIN(8) is not one: its values
 * do not all fit int64). */
static int fast_int_receiver(const cg_opnd *o) {
    return !o->is_const && o->dim == 0 && cg_int_loader(&o->type) != NULL;
}

/* ---- binary64 sources ------------------------------------------------------- */

static int is_flt(const cg_opnd *o) { return o->type.kind == MI_T_FLT && o->dim == 0; }

/* The C expression (double) of a source in the float domain, or 0 if this
 * source has no inline form. */
static int flt_value(cg_ctx *c, const cg_opnd *o, char *buf, size_t n) {
    if (o->dim != 0 || o->kind == MI_O_LABEL) return 0;
    if (o->type.kind == MI_T_FLT) {
        if (o->type.size != 8 && o->type.size != 4) return 0;
        char lv[112];
        cg_lv(c, o, o->type.size == 8 ? CG_ACC_F64 : CG_ACC_F32, lv, sizeof lv);
        cg_snprintf(buf, n, "%s%s", o->type.size == 8 ? "" : "(double)", lv);
        return 1;
    }
    if (!o->is_const) {
        if (cg_int_loader(&o->type) == NULL) return 0;
        char v[128];
        cg_int_value(c, o, v, sizeof v);
        cg_snprintf(buf, n, "(double)%s", v);
        return 1;
    }
    /* A constant of an exact type: its binary64 value as the helper computes it
     * (x + 0.0 in the float domain is exactly the conversion; an exact value is
     * never -0.0). */
    static const mi_type f8 = {MI_T_FLT, 8, 0, 0};
    uint8_t zero[8] = {0}, res[8];
    if (mi_sem_arith(MI_OP_ADDN, 0, &f8, res, &o->type, o->cbytes, &f8, zero) != MI_EXC_NONE) return 0;
    cg_snprintf(buf, n, "KD[%u].d", cg_dconst(c, mi_ld64(res)));
    return 1;
}

/* Stores a binary64 result; every NaN becomes the canonical NaN (§4). z != z
 * is IEEE's NaN test (tcc and gcc compile it with the parity flag). A FLT local
 * takes the value as it comes: its bytes are made canonical where they are seen
 * (codegen_loc.c), which saves the test on the path of every operation (tcc: 6
 * of the 9 host instructions of a mandel multiply, counted in its output). */
static void flt_store(cg_ctx *c, const cg_opnd *r, const char *val) {
    char lu[112], lf[112];
    if (r->loc != 0 && r->kind == MI_O_OBJ) { /* the local of this FLT object */
        cg_printf(&c->body, r->type.size == 8 ? "R%u = %s;\n" : "R%u = (float)(%s);\n", r->loc - 1u, val);
        return;
    }
    if (strcmp(val, "z") != 0) cg_printf(&c->body, "z = %s;\n", val);
    if (r->type.size == 8)
        cg_printf(&c->body, "if (z != z) %s = 0x7FF8000000000000ull; else %s = z;\n",
                  cg_lv(c, r, CG_ACC_U64, lu, sizeof lu), cg_lv(c, r, CG_ACC_F64, lf, sizeof lf));
    else
        cg_printf(&c->body, "fu.f = (float)z;\n%s = (fu.u & 0x7FFFFFFFu) > 0x7F800000u ? 0x7FC00000u : fu.u;\n",
                  cg_lv(c, r, CG_ACC_U32, lu, sizeof lu));
}

/* ---- helpers ------------------------------------------------------------------ */

void cg_helper_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    char t0[16], t1[16], t2[16];
    cg_ck_insn(c, "rt->arith(%d, %d, &%s, %s, &%s, %s, &%s, %s)", (int)in->op, (in->mods & MI_MOD_ROUND) != 0, cg_type(c, &o[0].type, t0), o[0].addr,
              cg_type(c, &o[1].type, t1), o[1].addr, cg_type(c, &o[2].type, t2), o[2].addr);
}

static void helper_unary(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    char t0[16], t1[16];
    cg_ck_insn(c, "rt->unary(%d, %d, &%s, %s, &%s, %s)", (int)in->op, (in->mods & MI_MOD_ROUND) != 0, cg_type(c, &o[0].type, t0), o[0].addr,
              cg_type(c, &o[1].type, t1), o[1].addr);
}

/* ---- ADDN SUBN MULN DIVN REMN ------------------------------------------------ */

/* A fast integer operand all of whose values are C ints (BIN(1, 2, 4),
 * UBIN(1, 2), a constant in int32): compared as C ints, its value is written
 * without the widening to i64 (two sign extensions fewer per compare in tcc). */
static int int32_value(cg_ctx *c, const cg_opnd *o, char *buf, size_t n) {
    if (o->is_const) {
        if (o->imm < INT32_MIN || o->imm > INT32_MAX) return 0;
        cg_snprintf(buf, n, o->imm == INT32_MIN ? "(-2147483647-1)" : "%lld", (long long)o->imm);
        return 1;
    }
    if (!(o->type.kind == MI_T_BIN && o->type.size <= 4) && !(o->type.kind == MI_T_UBIN && o->type.size <= 2))
        return 0;
    cg_lv(c, o, cg_acc_of(&o->type), buf, n);
    return 1;
}

static int in_i32(i128 lo, i128 hi) { return lo >= INT32_MIN && hi <= INT32_MAX; }

/* ADDN r, a, K / ADDN r, K, a / SUBN r, a, K with a a plain object: the range
 * check made on a before the addition (a > max - K), so that the sum is stored
 * straight into r with no i64 temporary, in C int arithmetic when everything
 * fits an int. tcc keeps every temporary in memory: `k := k + 1` into a BIN(4)
 * local is 6 host instructions on its path instead of 11 (counted in tcc's
 * output). 0 when the operands do not have this shape. */
static int add_const(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    const cg_opnd *a = &o[1], *k = &o[2];
    if (in->op == MI_OP_ADDN && o[1].is_const) a = &o[2], k = &o[1];
    if (a->is_const || !k->is_const || a->kind != MI_O_OBJ || (in->op != MI_OP_ADDN && in->op != MI_OP_SUBN))
        return 0;
    if (in->op == MI_OP_SUBN && (k != &o[2] || k->imm == INT64_MIN)) return 0;
    i128 kv = in->op == MI_OP_ADDN ? (i128)k->imm : -(i128)k->imm;
    i128 alo, ahi, min, max;
    cg_int_range(a, &alo, &ahi);
    cg_int_range(&o[0], &min, &max); /* not a constant: its type's range */
    /* a is checked against [min - K, max - K]; both must be int64 literals */
    i128 clo = min - kv, chi = max - kv;
    int need_lo = alo < clo, need_hi = ahi > chi;
    if ((need_lo && !in_i64(clo, clo)) || (need_hi && !in_i64(chi, chi))) return 0;
    /* after the check a lies in [max(alo, clo), min(ahi, chi)], so a + K fits r
     * (and int64) */
    i128 slo = max3(alo, clo) + kv, shi = min3(ahi, chi) + kv;
    char va[128], lo[40], hi[40], kt[40], sum[200];
    int narrow = in_i32(slo, shi) && in_i32(kv, kv) && (!need_lo || in_i32(clo, clo)) &&
                 (!need_hi || in_i32(chi, chi)) && int32_value(c, a, va, sizeof va);
    if (narrow) {
        cg_snprintf(lo, sizeof lo, "%lld", (long long)clo);
        cg_snprintf(hi, sizeof hi, "%lld", (long long)chi);
        cg_snprintf(kt, sizeof kt, "%lld", (long long)kv);
    } else {
        cg_int_value(c, a, va, sizeof va);
        cg_lit(lo, sizeof lo, (int64_t)clo);
        cg_lit(hi, sizeof hi, (int64_t)chi);
        cg_lit(kt, sizeof kt, (int64_t)kv);
    }
    if (need_lo && need_hi) cg_printf(&c->body, "if (%s < %s || %s > %s) %s\n", va, lo, va, hi, cg_r(c, MI_EXC_MCH1210));
    else if (need_lo) cg_printf(&c->body, "if (%s < %s) %s\n", va, lo, cg_r(c, MI_EXC_MCH1210));
    else if (need_hi) cg_printf(&c->body, "if (%s > %s) %s\n", va, hi, cg_r(c, MI_EXC_MCH1210));
    cg_snprintf(sum, sizeof sum, "%s + %s", va, kt);
    cg_store_int(c, &o[0], sum, slo, shi);
    return 1;
}

static void int_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    cg_buf *b = &c->body;
    if (add_const(c, in, o)) return;
    char va[128], vb[128];
    i128 alo, ahi, blo, bhi, lo, hi;
    cg_int_value(c, &o[1], va, sizeof va);
    cg_int_value(c, &o[2], vb, sizeof vb);
    cg_int_range(&o[1], &alo, &ahi);
    cg_int_range(&o[2], &blo, &bhi);
    int rnd = (in->mods & MI_MOD_ROUND) != 0;
    switch (in->op) {
    case MI_OP_ADDN:
        lo = alo + blo;
        hi = ahi + bhi;
        if (in_i64(lo, hi)) {
            cg_printf(b, "r = %s + %s;\n", va, vb);
        } else {
            cg_printf(b, "a = %s; b = %s; r = (i64)((u64)a + (u64)b);\n"
                         "if (((a ^ r) & (b ^ r)) < 0) %s\n", va, vb, cg_r(c, MI_EXC_MCH1210));
            lo = max3(lo, INT64_MIN);
            hi = min3(hi, INT64_MAX);
        }
        break;
    case MI_OP_SUBN:
        lo = alo - bhi;
        hi = ahi - blo;
        if (in_i64(lo, hi)) {
            cg_printf(b, "r = %s - %s;\n", va, vb);
        } else {
            cg_printf(b, "a = %s; b = %s; r = (i64)((u64)a - (u64)b);\n"
                         "if (((a ^ b) & (a ^ r)) < 0) %s\n", va, vb, cg_r(c, MI_EXC_MCH1210));
            lo = max3(lo, INT64_MIN);
            hi = min3(hi, INT64_MAX);
        }
        break;
    case MI_OP_MULN: {
        /* the products of the bounds fit 128 bits: |bounds| <= 2^63 */
        i128 p1 = alo * blo, p2 = alo * bhi, p3 = ahi * blo, p4 = ahi * bhi;
        lo = min3(min3(p1, p2), min3(p3, p4));
        hi = max3(max3(p1, p2), max3(p3, p4));
        const cg_opnd *k = o[2].is_const ? &o[2] : o[1].is_const ? &o[1] : NULL;
        if (in_i64(lo, hi)) {
            cg_printf(b, "r = %s * %s;\n", va, vb);
        } else if (k != NULL && k->imm != 0 && k->imm != -1) {
            /* times a constant K: the product fits int64 exactly when the
             * other value lies between INT64_MAX / K and INT64_MIN / K (C's
             * division truncates toward zero, which rounds both bounds inward)
             * - one compare pair instead of ml's division */
            int64_t q1 = INT64_MAX / k->imm, q2 = INT64_MIN / k->imm;
            int64_t qlo = q1 < q2 ? q1 : q2, qhi = q1 < q2 ? q2 : q1;
            cg_printf(b, "a = %s;\nif (a < %lldLL || a > %lldLL) %s\nr = a * %s;\n", k == &o[2] ? va : vb,
                      (long long)qlo, (long long)qhi, cg_r(c, MI_EXC_MCH1210), k == &o[2] ? vb : va);
            lo = max3(lo, INT64_MIN);
            hi = min3(hi, INT64_MAX);
        } else {
            c->need |= CG_NEED_MUL;
            cg_ck(c, "ml(%s, %s, &r)", va, vb);
            lo = max3(lo, INT64_MIN);
            hi = min3(hi, INT64_MAX);
        }
        break;
    }
    case MI_OP_DIVN: {
        /* |a / b| <= |a| for b != 0, also when rounded */
        i128 m = mag(alo, ahi);
        if (o[2].is_const && o[2].imm != 0 && o[2].imm != -1 && !rnd) {
            cg_printf(b, "r = %s / %s;\n", va, vb); /* C truncates toward zero, as §4 */
        } else {
            c->need |= CG_NEED_DIV;
            cg_ck(c, "dv(%s, %s, %d, &r)", va, vb, rnd);
        }
        lo = max3(-m, INT64_MIN);
        hi = min3(m, INT64_MAX);
        break;
    }
    default: { /* REMN: |r| < |b| and |r| <= |a| */
        i128 m = min3(mag(alo, ahi), mag(blo, bhi));
        if (o[2].is_const && o[2].imm != 0 && o[2].imm != -1) {
            cg_printf(b, "r = %s %% %s;\n", va, vb); /* the sign of a, as §4 */
        } else {
            c->need |= CG_NEED_REM;
            cg_ck(c, "rm(%s, %s, &r)", va, vb);
        }
        lo = max3(-m, INT64_MIN);
        hi = min3(m, INT64_MAX);
        break;
    }
    }
    cg_store_int(c, &o[0], "r", lo, hi);
}

void cg_emit_arith(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    if (fast_int_receiver(&o[0]) && cg_fast_int(&o[1]) && cg_fast_int(&o[2])) {
        int_arith(c, in, o);
        return;
    }
    char va[128], vb[128];
    if (is_flt(&o[0]) && (is_flt(&o[1]) || is_flt(&o[2])) && in->op != MI_OP_REMN &&
        flt_value(c, &o[1], va, sizeof va) && flt_value(c, &o[2], vb, sizeof vb)) {
        static const char ops[] = {[MI_OP_ADDN] = '+', [MI_OP_SUBN] = '-', [MI_OP_MULN] = '*',
                                   [MI_OP_DIVN] = '/'};
        char e[300];
        cg_snprintf(e, sizeof e, "%s %c %s", va, ops[in->op], vb);
        flt_store(c, &o[0], e);
        return;
    }
    if (cg_emit_dec_arith(c, in, o)) return;
    cg_regs_spill_opnds(c, in); /* the helper reads and writes the bytes */
    cg_shadow_flush_opnds(c, in);
    cg_helper_arith(c, in, o);
}

/* ---- NEGN ABSN CPYNV -------------------------------------------------------- */

void cg_emit_unary(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    cg_buf *b = &c->body;
    char va[128];
    i128 lo, hi;
    if (fast_int_receiver(&o[0]) && cg_fast_int(&o[1])) {
        cg_int_value(c, &o[1], va, sizeof va);
        cg_int_range(&o[1], &lo, &hi);
        if (in->op == MI_OP_CPYNV) {
            if (o[1].is_const) { /* a literal: stored (and range-checked) as is, no r */
                cg_store_int(c, &o[0], va, lo, hi);
                return;
            }
            cg_printf(b, "r = %s;\n", va);
        } else {
            if (lo == INT64_MIN) /* -(-2^63) is not an int64 */
                cg_printf(b, "a = %s; if (a == (-9223372036854775807LL-1)) %s\n", va, cg_r(c, MI_EXC_MCH1210));
            else
                cg_printf(b, "a = %s;\n", va);
            if (in->op == MI_OP_NEGN) {
                cg_put(b, "r = -a;\n");
                i128 t = lo;
                lo = -hi;
                hi = -t;
            } else {
                cg_put(b, "r = a < 0 ? -a : a;\n");
                i128 m = mag(lo, hi);
                lo = lo >= 0 ? lo : (hi <= 0 ? -hi : 0);
                hi = m;
            }
            lo = max3(lo, INT64_MIN);
            hi = min3(hi, INT64_MAX);
        }
        cg_store_int(c, &o[0], "r", lo, hi);
        return;
    }
    if (is_flt(&o[0]) && (o[0].type.size == 4 || o[0].type.size == 8)) {
        if (is_flt(&o[1]) && flt_value(c, &o[1], va, sizeof va)) {
            /* float domain: NEGN flips the sign, ABSN clears it; zero results of
             * NEGN and ABSN are +0.0 */
            switch (in->op) {
            case MI_OP_NEGN: cg_printf(b, "z = -%s; if (z == 0.0) z = 0.0;\n", va); break;
            case MI_OP_ABSN: cg_printf(b, "z = %s; if (z < 0.0) z = -z; if (z == 0.0) z = 0.0;\n", va); break;
            default: cg_printf(b, "z = %s;\n", va); break;
            }
            flt_store(c, &o[0], "z");
            return;
        }
        /* exact domain, an integer source: one rounding of the exact result,
         * which binary64 holds exactly when the source has at most 53 bits (a
         * FLT(4) receiver must not see a second rounding) */
        int exact53 = cg_fast_int(&o[1]) &&
                      (o[1].is_const ? (o[1].imm > -((int64_t)1 << 53) && o[1].imm < ((int64_t)1 << 53))
                                     : o[1].type.size <= 4);
        if (cg_fast_int(&o[1]) && (o[0].type.size == 8 || exact53)) {
            cg_int_value(c, &o[1], va, sizeof va);
            switch (in->op) {
            case MI_OP_NEGN: cg_printf(b, "z = -(double)%s; if (z == 0.0) z = 0.0;\n", va); break;
            case MI_OP_ABSN: cg_printf(b, "z = (double)%s; if (z < 0.0) z = -z;\n", va); break;
            default: cg_printf(b, "z = (double)%s;\n", va); break;
            }
            flt_store(c, &o[0], "z");
            return;
        }
    }
    helper_unary(c, in, o);
}

/* ---- AND OR XOR NOT SHL SHR: always inline ----------------------------------- */

/* The operand's two's complement pattern sign- or zero-extended to 64 bits (as
 * mi_sem_bitwise's raw_bits). */
static void raw_bits(const cg_opnd *o, char *buf, size_t n) {
    if (o->is_const) {
        const uint8_t *p = o->cbytes;
        unsigned sz = o->type.size;
        uint64_t v = 0;
        for (unsigned i = 0; i < sz && i < 8; i++) v |= (uint64_t)p[i] << (8 * i);
        if (o->type.kind == MI_T_BIN && sz < 8 && ((v >> (8 * sz - 1)) & 1u)) v |= ~(uint64_t)0 << (8 * sz);
        cg_snprintf(buf, n, "0x%llXull", (unsigned long long)v);
        return;
    }
    const char *ld = cg_int_loader(&o->type);
    cg_snprintf(buf, n, "(u64)%s%s", ld != NULL ? ld : "*(i64u*)", o->addr);
}

void cg_emit_bitwise(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    cg_buf *b = &c->body;
    unsigned w = 8u * o[0].type.size;
    uint64_t mask = w == 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1);
    int sbin = o[0].type.kind == MI_T_BIN;
    char x[128], y[128];
    raw_bits(&o[1], x, sizeof x);
    if (in->op != MI_OP_NOT) raw_bits(&o[2], y, sizeof y);
    switch (in->op) {
    case MI_OP_AND: cg_printf(b, "uz = %s & %s;\n", x, y); break;
    case MI_OP_OR: cg_printf(b, "uz = %s | %s;\n", x, y); break;
    case MI_OP_XOR: cg_printf(b, "uz = %s ^ %s;\n", x, y); break;
    case MI_OP_NOT: cg_printf(b, "uz = ~%s;\n", x); break;
    case MI_OP_SHL: cg_printf(b, "ub = %s & %uu; uz = %s << ub;\n", y, w - 1, x); break;
    default: /* SHR: copies of the sign bit enter when r is BIN */
        cg_printf(b, "ua = %s & 0x%llXull; ub = %s & %uu; uz = ua >> ub;\n", x, (unsigned long long)mask,
                  y, w - 1);
        if (sbin)
            cg_printf(b, "if (ub != 0 && ((ua >> %u) & 1u)) uz |= 0x%llXull << (%u - ub);\n", w - 1,
                      (unsigned long long)mask, w);
        break;
    }
    cg_printf(b, "%s%s = %s(uz);\n", cg_st(o[0].type.size), o[0].addr, cg_sc(o[0].type.size));
}

/* ---- CMPN CMPNI -------------------------------------------------------------- */

void cg_cond_expr(mi_cond cond, const char *cv, char *buf, size_t n) {
    switch (cond) {
    case MI_COND_HI: cg_snprintf(buf, n, "%s == 1", cv); break;
    case MI_COND_LO: cg_snprintf(buf, n, "%s == -1", cv); break;
    case MI_COND_EQ: cg_snprintf(buf, n, "%s == 0", cv); break;
    case MI_COND_NE: cg_snprintf(buf, n, "%s != 0", cv); break;
    case MI_COND_NH: cg_snprintf(buf, n, "(%s == -1 || %s == 0)", cv, cv); break;
    case MI_COND_NL: cg_snprintf(buf, n, "(%s == 1 || %s == 0)", cv, cv); break;
    default: cg_snprintf(buf, n, "0"); break;
    }
}

/* The C relational operator for cond. On binary64 values C's operators are
 * IEEE's, which is exactly §4: an unordered pair satisfies only NE. */
static const char *rel_op(mi_cond cond) {
    switch (cond) {
    case MI_COND_HI: return ">";
    case MI_COND_LO: return "<";
    case MI_COND_EQ: return "==";
    case MI_COND_NE: return "!=";
    case MI_COND_NH: return "<=";
    case MI_COND_NL: return ">=";
    default: return NULL;
    }
}

void cg_emit_cmpn(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    cg_buf *b = &c->body;
    mi_cond cond = (mi_cond)(in->mods & MI_MOD_COND_MASK);
    int ind = in->op == MI_OP_CMPNI; /* CMPNI r, a, b: sources are o[1], o[2] */
    const cg_opnd *x = &o[ind], *y = &o[ind + 1];
    const char *rel = rel_op(cond);
    char va[128], vb[128], e[300];
    int inline_ok = 0;
    if (rel != NULL && cg_fast_int(x) && cg_fast_int(y)) {
        if (!int32_value(c, x, va, sizeof va) || !int32_value(c, y, vb, sizeof vb)) {
            cg_int_value(c, x, va, sizeof va);
            cg_int_value(c, y, vb, sizeof vb);
        }
        inline_ok = 1;
    } else if (rel != NULL && (is_flt(x) || is_flt(y)) && flt_value(c, x, va, sizeof va) &&
               flt_value(c, y, vb, sizeof vb)) {
        inline_ok = 1;
    }
    if (inline_ok) {
        cg_snprintf(e, sizeof e, "%s %s %s", va, rel, vb);
    } else {
        char ta[16], tb[16];
        cg_ck(c, "rt->cmpn(&c, &%s, %s, &%s, %s)", cg_type(c, &x->type, ta), x->addr, cg_type(c, &y->type, tb),
              y->addr);
        cg_cond_expr(cond, "c", e, sizeof e);
    }
    if (!ind) {
        cg_printf(b, "if (%s) goto L%u;\n", e, o[2].label);
        return;
    }
    cg_printf(b, "r = %s;\n", e);
    cg_store_int(c, &o[0], "r", 0, 1);
}
