/* The code generator's inline fast paths against the semantic helpers
 * (translator/codegen_num.c vs runtime/sem_*.c).
 *
 * Random MI programs are generated, translated and run; each holds up to 100
 * cases of one instruction on random operands of random types (objects, typed
 * constants, array elements with random, sometimes invalid, indices; STATIC or
 * AUTO). The expected result of every case is computed here by calling the
 * helper (mi_sem_arith, mi_sem_unary, mi_sem_cmpn, mi_sem_bitwise) on the same
 * bytes, so the translated code must agree with the helper on the receiver's
 * bytes and on the exception. Each program also runs interpreted; a difference
 * there is reported (it is the interpreter's fast path disagreeing with the
 * helpers) but does not fail this test.
 *
 * Seed: MI_CODEGEN_SEED (default fixed), printed with every failure. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"
#include "mi_machine.h"
#include "mi_sem.h"
#include "mi_tcc.h"
#include "mi_translate.h"

/* ---- random numbers (xorshift64*: reproducible everywhere) ------------------- */

static uint64_t g_state;
static uint64_t rnd64(void) {
    g_state ^= g_state >> 12;
    g_state ^= g_state << 25;
    g_state ^= g_state >> 27;
    return g_state * UINT64_C(2685821657736338717);
}
static unsigned rnd(unsigned n) { return (unsigned)(rnd64() % n); }

/* ---- types and values ---------------------------------------------------------- */

static const mi_type T_INT[] = {
    {MI_T_BIN, 1, 0, 0},  {MI_T_BIN, 2, 0, 0},  {MI_T_BIN, 4, 0, 0},  {MI_T_BIN, 8, 0, 0},
    {MI_T_UBIN, 1, 0, 0}, {MI_T_UBIN, 2, 0, 0}, {MI_T_UBIN, 4, 0, 0}, {MI_T_UBIN, 8, 0, 0},
};
static const mi_type T_FLT[] = {{MI_T_FLT, 4, 0, 0}, {MI_T_FLT, 8, 0, 0}};
static const mi_type T_DEC[] = {{MI_T_PKD, 5, 2, 0}, {MI_T_PKD, 18, 0, 0}, {MI_T_ZND, 7, 3, 0},
                                {MI_T_PKD, 31, 4, 0}};
/* Packed decimals of the translator's inline decimal path (at most 18 digits:
 * codegen_dec.c), odd and even precisions, scales 0 to all digits. */
static const mi_type T_PKDF[] = {{MI_T_PKD, 15, 2, 0}, {MI_T_PKD, 6, 5, 0}, {MI_T_PKD, 1, 0, 0},
                                 {MI_T_PKD, 2, 1, 0},  {MI_T_PKD, 9, 0, 0}, {MI_T_PKD, 14, 14, 0},
                                 {MI_T_PKD, 15, 0, 0}, {MI_T_PKD, 4, 2, 0}, {MI_T_PKD, 10, 3, 0},
                                 {MI_T_PKD, 15, 15, 0}, {MI_T_PKD, 3, 3, 0}, {MI_T_PKD, 8, 1, 0},
                                 {MI_T_PKD, 18, 2, 0}, {MI_T_PKD, 16, 16, 0}, {MI_T_PKD, 17, 5, 0}};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void type_text(const mi_type *t, char *buf, size_t n) {
    switch (t->kind) {
    case MI_T_BIN: snprintf(buf, n, "BIN(%u)", t->size); break;
    case MI_T_UBIN: snprintf(buf, n, "UBIN(%u)", t->size); break;
    case MI_T_FLT: snprintf(buf, n, "FLT(%u)", t->size); break;
    case MI_T_PKD: snprintf(buf, n, "PKD(%u,%u)", t->size, t->scale); break;
    case MI_T_ZND: snprintf(buf, n, "ZND(%u,%u)", t->size, t->scale); break;
    default: snprintf(buf, n, "CHAR(%u)", t->len); break;
    }
}

static void put_le(uint8_t *p, unsigned n, uint64_t v) {
    for (unsigned i = 0; i < n; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Integers near the interesting edges of every width, or anything. */
static uint64_t int_bits(void) {
    static const int64_t edge[] = {0, 1, -1, 2, -2, 7, 127, 128, -128, -129, 255, 256, 32767, -32768,
                                   65535, 65536, 2147483647, -2147483647 - 1, 4294967295,
                                   INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1};
    switch (rnd(4)) {
    case 0: return (uint64_t)edge[rnd(N_OF(edge))];
    case 1: return (uint64_t)((int64_t)rnd(601) - 300);
    case 2: return (uint64_t)((int64_t)(rnd64() % 200001) - 100000);
    default: return rnd64();
    }
}

static uint64_t dbl_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static uint64_t flt8_bits(int finite_only) {
    static const double nice[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 0.1, -2.5, 1e300, -1e300,
                                  4503599627370496.0, 9007199254740993.0, 9223372036854775808.0,
                                  -9223372036854775808.0, 18446744073709551616.0, 1e-310, 123.456};
    for (;;) {
        uint64_t u;
        switch (rnd(5)) {
        case 0: u = dbl_bits(nice[rnd(N_OF(nice))]); break;
        case 1: u = dbl_bits((double)((int64_t)rnd(2001) - 1000) / (double)(1 + rnd(16))); break;
        case 2: { /* infinities and NaNs with payloads and either sign */
            static const uint64_t sp[] = {0x7FF0000000000000ull, 0xFFF0000000000000ull,
                                          0x7FF8000000000000ull, 0xFFF8000000000001ull,
                                          0x7FF0000000000001ull, 0xFFFFFFFFFFFFFFFFull};
            u = sp[rnd(N_OF(sp))];
            break;
        }
        case 3: u = dbl_bits((double)(int64_t)int_bits()); break;
        default: u = rnd64(); break;
        }
        int nonfinite = (u & 0x7FF0000000000000ull) == 0x7FF0000000000000ull;
        if (!finite_only || !nonfinite) return u;
    }
}

static uint32_t flt4_bits(int finite_only) {
    for (;;) {
        uint32_t u;
        float f;
        switch (rnd(4)) {
        case 0: f = (float)((int)rnd(2001) - 1000) / (float)(1 + rnd(16)); memcpy(&u, &f, 4); break;
        case 1: {
            static const uint32_t sp[] = {0x7F800000u, 0xFF800000u, 0x7FC00000u, 0xFFC00001u,
                                          0x7F800001u, 0x80000000u, 0x00000001u, 0x7F7FFFFFu};
            u = sp[rnd(N_OF(sp))];
            break;
        }
        case 2: f = (float)(int64_t)int_bits(); memcpy(&u, &f, 4); break;
        default: u = (uint32_t)rnd64(); break;
        }
        if (!finite_only || (u & 0x7F800000u) != 0x7F800000u) return u;
    }
}

/* Decimal bytes: canonical (as MI writes them) or, when allowed, sometimes not
 * valid at all (MCH1202). */
static void dec_bytes(const mi_type *t, uint8_t *p, int canonical) {
    unsigned prec = t->size;
    uint8_t dig[31];
    unsigned nz = rnd(3) == 0 ? prec : 1 + rnd(prec < 6 ? prec : 6); /* digits in use */
    for (unsigned i = 0; i < prec; i++) dig[i] = i + nz >= prec ? (uint8_t)rnd(10) : 0;
    int neg = rnd(2), allzero = 1;
    for (unsigned i = 0; i < prec; i++) allzero &= dig[i] == 0;
    if (canonical && allzero) neg = 0;
    if (t->kind == MI_T_PKD) {
        unsigned nb = prec / 2 + 1, ni = 2 * nb - 1; /* nibbles before the sign */
        uint8_t nib[64] = {0};
        for (unsigned i = 0; i < prec; i++) nib[ni - prec + i] = dig[i];
        nib[ni] = neg ? 0xD : 0xC;
        if (!canonical) {
            static const uint8_t pos[] = {0xA, 0xC, 0xE, 0xF};
            nib[ni] = neg ? (rnd(2) ? 0xB : 0xD) : pos[rnd(4)];
        }
        for (unsigned i = 0; i < nb; i++) p[i] = (uint8_t)(nib[2 * i] << 4 | nib[2 * i + 1]);
        if (!canonical && rnd(8) == 0) p[rnd(nb)] |= 0xF0; /* a bad digit or pad */
        if (!canonical && prec % 2 == 0 && rnd(8) == 0)
            p[0] |= (uint8_t)((1 + rnd(9)) << 4); /* a pad nibble that is a digit (MCH1202) */
    } else {
        for (unsigned i = 0; i < prec; i++) p[i] = (uint8_t)(0x30 + dig[i]);
        if (neg) p[prec - 1] = (uint8_t)(0x70 | dig[prec - 1]);
        if (!canonical && rnd(8) == 0) p[rnd(prec)] = 0x41; /* a bad zone */
    }
}

/* Random bytes of a value of type t (constants: only what the verifier accepts). */
static void value_bytes(const mi_type *t, uint8_t *p, int constant) {
    switch (t->kind) {
    case MI_T_BIN: case MI_T_UBIN: put_le(p, t->size, int_bits()); break;
    case MI_T_FLT:
        if (t->size == 8) put_le(p, 8, flt8_bits(constant));
        else put_le(p, 4, flt4_bits(constant));
        break;
    default: dec_bytes(t, p, constant); break;
    }
}

static void hex(const uint8_t *p, unsigned n, unsigned times, char *buf) {
    char *q = buf;
    for (unsigned k = 0; k < times; k++)
        for (unsigned i = 0; i < n; i++) q += sprintf(q, "%02X", p[i]);
    *q = '\0';
}

/* ---- one program -------------------------------------------------------------- */

enum { FAM_INT, FAM_FLT, FAM_MIXED, FAM_DEC };
/* V_INPLACE: the receiver is also a source (OP R, R, B or ADDN R, B, R), the
 * shape of totals; other instructions treat it as V_OBJ. */
enum { V_OBJ, V_CONST, V_ELEM, V_INPLACE, V_COUNT };

typedef struct tcase {
    mi_type rt, at, bt;
    int variant, ri, ai; /* element variant: the indices (1..2 valid) */
    int swap;            /* V_INPLACE: the receiver is the second source */
    int automatic;       /* objects AUTO rather than STATIC */
    uint8_t a[32], b[32];
} tcase;

typedef struct gen {
    char *text;
    size_t n, cap;
} gen;

static void emit(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(gen *g, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (g->n + (size_t)k + 1 > g->cap) {
        g->cap = (g->n + (size_t)k + 1) * 2;
        g->text = realloc(g->text, g->cap);
        assert_non_null(g->text);
    }
    va_start(ap, fmt);
    vsnprintf(g->text + g->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    g->n += (size_t)k;
}

static const mi_type *pick(int fam, int role, mi_op op) {
    int bitwise = op >= MI_OP_AND && op <= MI_OP_SHR;
    if (bitwise || fam == FAM_INT) return &T_INT[rnd(N_OF(T_INT))];
    if (fam == FAM_FLT) {
        if (role == 0) return &T_FLT[rnd(2)];
        unsigned k = rnd(10);
        return k < 6 ? &T_FLT[rnd(2)] : k < 9 ? &T_INT[rnd(N_OF(T_INT))] : &T_DEC[rnd(N_OF(T_DEC))];
    }
    if (fam == FAM_DEC) { /* a packed receiver, mostly packed sources */
        if (role == 0) return &T_PKDF[rnd(N_OF(T_PKDF))];
        unsigned k = rnd(8);
        return k < 5 ? &T_PKDF[rnd(N_OF(T_PKDF))] : k < 7 ? &T_INT[rnd(N_OF(T_INT))] : &T_DEC[rnd(N_OF(T_DEC))];
    }
    unsigned k = rnd(3);
    return k == 0 ? &T_INT[rnd(N_OF(T_INT))] : k == 1 ? &T_FLT[rnd(2)] : &T_DEC[rnd(N_OF(T_DEC))];
}

static int nsources(mi_op op) {
    return (op == MI_OP_NEGN || op == MI_OP_ABSN || op == MI_OP_CPYNV || op == MI_OP_NOT) ? 1 : 2;
}

/* The receiver's initial bytes: a pattern no instruction writes by chance. */
#define PAT 0xA5

/* Builds the program and the expected output of ncase cases of op. */
static void build(mi_op op, int mods, int fam, tcase *cs, int ncase, gen *g, uint8_t *want, size_t *wantn) {
    const char *mn = mi_opinfo_table[op].name;
    int cmpn = op == MI_OP_CMPN, ns = nsources(op);
    char mod[8] = "";
    if (mods & MI_MOD_ROUND) snprintf(mod, sizeof mod, ".R");
    if (mods & MI_MOD_COND_MASK) snprintf(mod, sizeof mod, ".%s", mi_cond_names[mods & MI_MOD_COND_MASK]);
    g->n = 0;
    emit(g, "DCL CI BIN(4) INIT(1)\nDCL EID CHAR(7)\nDCL EDATA CHAR(1)\nDCL EN BIN(4)\n"
            "DCL EXC CHAR(7) DIM(%d)\n", ncase);
    size_t w = 0;
    for (int i = 0; i < ncase; i++) {
        tcase *c = &cs[i];
        c->rt = cmpn ? (mi_type){MI_T_CHAR, 0, 0, 1} : *pick(fam, 0, op);
        if (op == MI_OP_CMPNI) c->rt = T_INT[rnd(N_OF(T_INT))];
        c->at = *pick(fam, 1, op);
        c->bt = *pick(fam, 2, op);
        c->variant = (int)rnd(V_COUNT);
        int arith2 = op == MI_OP_ADDN || op == MI_OP_SUBN || op == MI_OP_MULN || op == MI_OP_DIVN || op == MI_OP_REMN;
        if (c->variant == V_INPLACE && !arith2) c->variant = V_OBJ;
        int inplace = c->variant == V_INPLACE;
        if (inplace) c->at = c->rt; /* the source that is the receiver */
        c->swap = inplace && op == MI_OP_ADDN && rnd(2);
        c->automatic = rnd(4) == 0;
        static const int idx[] = {1, 2, 1, 2, 1, 2, 1, 2, 0, 3, -1};
        c->ri = idx[rnd(N_OF(idx))];
        c->ai = idx[rnd(N_OF(idx))];
        if (cmpn) c->ri = 1;
        value_bytes(&c->at, c->a, 0);
        value_bytes(&c->bt, c->b, c->variant == V_CONST);
        const char *cls = c->automatic ? " AUTO" : "";
        char rt[32], at[32], bt[32], hx[160];
        type_text(&c->rt, rt, sizeof rt);
        type_text(&c->at, at, sizeof at);
        type_text(&c->bt, bt, sizeof bt);
        uint32_t rs = mi_type_bytes(&c->rt), as = mi_type_bytes(&c->at), bs = mi_type_bytes(&c->bt);
        int elem = c->variant == V_ELEM, relem = elem && !cmpn;
        unsigned rn = relem ? 2 : 1, an = elem ? 2 : 1;
        uint8_t pat[32];
        memset(pat, PAT, sizeof pat);
        hex(inplace ? c->a : pat, rs, rn, hx);
        emit(g, "DCL R%d %s%s%s\nDCL RC%d CHAR(%u) DEFINED(R%d) INIT(X'%s')\n", i, rt, relem ? " DIM(2)" : "",
             cls, i, rs * rn, i, hx);
        hex(c->a, as, an, hx);
        emit(g, "DCL A%d %s%s%s\nDCL AC%d CHAR(%u) DEFINED(A%d) INIT(X'%s')\n", i, at, elem ? " DIM(2)" : "",
             cls, i, as * an, i, hx);
        if (ns == 2 && c->variant != V_CONST) {
            hex(c->b, bs, 1, hx);
            emit(g, "DCL B%d %s%s\nDCL BC%d CHAR(%u) DEFINED(B%d) INIT(X'%s')\n", i, bt, cls, i, bs, i, hx);
        }
        if (elem) emit(g, "DCL I%d BIN(2)%s INIT(%d)\nDCL J%d BIN(4)%s INIT(%d)\n", i, cls, c->ri, i, cls, c->ai);

        /* expected: the receiver's bytes after the case, then its exception id */
        uint8_t r[64];
        memset(r, PAT, sizeof r);
        if (inplace) memcpy(r, c->a, rs);
        mi_exc e = MI_EXC_NONE;
        if (relem && (c->ri < 1 || c->ri > 2)) e = MI_EXC_MCH0603;
        else if (elem && (c->ai < 1 || c->ai > 2)) e = MI_EXC_MCH0603;
        /* only an in-range element index picks a place in r (an out-of-range one raised above) */
        uint8_t *rp = r + (relem && e == MI_EXC_NONE ? (size_t)(c->ri - 1) * rs : 0);
        if (e == MI_EXC_NONE) {
            int cmp;
            switch (op) {
            case MI_OP_ADDN: case MI_OP_SUBN: case MI_OP_MULN: case MI_OP_DIVN: case MI_OP_REMN:
                if (c->swap)
                    e = mi_sem_arith(op, mods & MI_MOD_ROUND ? 1 : 0, &c->rt, rp, &c->bt, c->b, &c->at, c->a);
                else
                    e = mi_sem_arith(op, mods & MI_MOD_ROUND ? 1 : 0, &c->rt, rp, &c->at, c->a, &c->bt, c->b);
                break;
            case MI_OP_NEGN: case MI_OP_ABSN: case MI_OP_CPYNV:
                e = mi_sem_unary(op, mods & MI_MOD_ROUND ? 1 : 0, &c->rt, rp, &c->at, c->a);
                break;
            case MI_OP_CMPN: case MI_OP_CMPNI:
                e = mi_sem_cmpn(&cmp, &c->at, c->a, &c->bt, c->b);
                if (e == MI_EXC_NONE) {
                    int yes = mi_sem_cond((mi_cond)(mods & MI_MOD_COND_MASK), cmp);
                    if (cmpn) rp[0] = yes ? 'y' : 'n';
                    else e = mi_sem_store_int(&c->rt, rp, yes);
                }
                break;
            default:
                e = mi_sem_bitwise(op, &c->rt, rp, &c->at, c->a, &c->bt, c->b);
                break;
            }
        }
        memcpy(want + w, r, rs * rn);
        w += rs * rn;
        memcpy(want + w, e == MI_EXC_NONE ? "       " : mi_exc_ids[e], 7);
        w += 7;
    }
    *wantn = w;

    emit(g, "        MONITOR *ALL, D, LASTCASE, H\nD:      BX CI");
    for (int i = 0; i < ncase; i++) emit(g, ", C%d", i);
    emit(g, "\n");
    for (int i = 0; i < ncase; i++) {
        tcase *c = &cs[i];
        int elem = c->variant == V_ELEM, relem = elem && !cmpn;
        char r[32], a[32], b[160], bt[32];
        if (relem) snprintf(r, sizeof r, "R%d(I%d)", i, i);
        else snprintf(r, sizeof r, "R%d", i);
        if (elem) snprintf(a, sizeof a, "A%d(J%d)", i, i);
        else snprintf(a, sizeof a, "A%d", i);
        if (c->variant == V_CONST) {
            char hx[80];
            type_text(&c->bt, bt, sizeof bt);
            hex(c->b, mi_type_bytes(&c->bt), 1, hx);
            snprintf(b, sizeof b, "%s:X'%s'", bt, hx);
        } else {
            snprintf(b, sizeof b, "B%d", i);
        }
        if (cmpn) {
            emit(g, "C%d:     CMPN%s %s, %s, T%d\n        CPYBLA R%d, 'n'\n        B NEXT\n"
                    "T%d:     CPYBLA R%d, 'y'\n        B NEXT\n", i, mod, a, b, i, i, i, i);
        } else if (ns == 2) {
            if (c->variant == V_INPLACE && c->swap)
                emit(g, "C%d:     %s%s %s, %s, %s\n        B NEXT\n", i, mn, mod, r, b, r);
            else if (c->variant == V_INPLACE)
                emit(g, "C%d:     %s%s %s, %s, %s\n        B NEXT\n", i, mn, mod, r, r, b);
            else
                emit(g, "C%d:     %s%s %s, %s, %s\n        B NEXT\n", i, mn, mod, r, a, b);
        } else {
            emit(g, "C%d:     %s%s %s, %s\n        B NEXT\n", i, mn, mod, r, a);
        }
    }
    emit(g, "NEXT:   ADDN CI, CI, 1\nLASTCASE: CMPN.NH CI, %d, D\n        B OUT\n"
            "H:      RTVEXC EID, EDATA, EN\n        CPYBLA EXC(CI), EID\n        B NEXT\nOUT:    NOP\n",
         ncase);
    for (int i = 0; i < ncase; i++) emit(g, "        SVC 1, RC%d\n        SVC 1, EXC(%d)\n", i, i + 1);
}

static mi_status run_text(const char *text, size_t n, int translate, char **out, size_t *outn,
                          mi_translate_stats *stats) {
    mi_template t;
    mi_template_init(&t);
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_build(text, n, NULL, &t, &dg);
    if (st != MI_OK) {
        for (unsigned i = 0; i < dg.n && i < 5; i++) fprintf(stderr, "%s\n", dg.msgs[i]);
        mi_asm_diags_free(&dg);
        return st;
    }
    mi_asm_diags_free(&dg);
    FILE *fo = open_memstream(out, outn);
    mi_translate_opts to;
    mi_translate_opts_init(&to);
    to.stats = stats;
    mi_exec_hook hook;
    mi_translate_hook_init(&hook, &to);
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.out = fo;
    o.hook = translate ? &hook : NULL;
    mi_run_result res;
    st = mi_run(&t, "GEN", &o, &res);
    fclose(fo);
    if (st != MI_OK) {
        char line[1024];
        mi_run_result_format(&res, line, sizeof line);
        fprintf(stderr, "run: %s %s %s\n", mi_status_text(st), line, res.diag.msg);
    }
    mi_template_free(&t);
    return st;
}

static void describe(const tcase *c, char *buf, size_t n) {
    char rt[32], at[32], bt[32];
    type_text(&c->rt, rt, sizeof rt);
    type_text(&c->at, at, sizeof at);
    type_text(&c->bt, bt, sizeof bt);
    int k = snprintf(buf, n, "r %s a %s b %s variant %d idx %d/%d a=", rt, at, bt, c->variant, c->ri, c->ai);
    for (uint32_t i = 0; i < mi_type_bytes(&c->at) && k < (int)n - 3; i++) k += snprintf(buf + k, n - (size_t)k, "%02X", c->a[i]);
    k += snprintf(buf + k, n - (size_t)k, " b=");
    for (uint32_t i = 0; i < mi_type_bytes(&c->bt) && k < (int)n - 3; i++) k += snprintf(buf + k, n - (size_t)k, "%02X", c->b[i]);
}

/* Compares out with want case by case; returns the number of bad cases. */
static int compare_cases(const char *what, mi_op op, int mods, const tcase *cs, int ncase, const uint8_t *want,
                         const char *out, size_t outn, uint64_t seed) {
    size_t w = 0;
    int bad = 0;
    int cmpn = op == MI_OP_CMPN;
    for (int i = 0; i < ncase; i++) {
        const tcase *c = &cs[i];
        size_t k = mi_type_bytes(&c->rt) * (c->variant == V_ELEM && !cmpn ? 2u : 1u) + 7;
        if (w + k > outn || memcmp(out + w, want + w, k) != 0) {
            char d[512];
            describe(c, d, sizeof d);
            fprintf(stderr, "%s: %s%s%s case %d (seed %llu): %s\n  want", what, mi_opinfo_table[op].name,
                    mods & MI_MOD_ROUND ? ".R" : "", (mods & MI_MOD_COND_MASK) ? mi_cond_names[mods & 7] : "", i,
                    (unsigned long long)seed, d);
            for (size_t j = 0; j < k; j++) fprintf(stderr, " %02X", want[w + j]);
            fprintf(stderr, "\n  got ");
            for (size_t j = 0; j < k && w + j < outn; j++) fprintf(stderr, " %02X", (uint8_t)out[w + j]);
            fprintf(stderr, "\n");
            if (++bad > 5) break;
        }
        w += k;
    }
    if (bad == 0 && w != outn) {
        fprintf(stderr, "%s: output has %zu bytes, expected %zu\n", what, outn, w);
        bad = 1;
    }
    return bad;
}

#define NCASE 100

static int check_op(mi_op op, int mods, int fam, uint64_t seed, int *interp_diffs) {
    static tcase cs[NCASE];
    static uint8_t want[NCASE * (32 + 7)];
    gen g = {NULL, 0, 0};
    size_t wantn;
    g_state = seed;
    build(op, mods, fam, cs, NCASE, &g, want, &wantn);
    char *out = NULL;
    size_t outn = 0;
    mi_translate_stats st = {0};
    int bad = 0;
    if (run_text(g.text, g.n, 1, &out, &outn, &st) != MI_OK || st.translated != 1) {
        fprintf(stderr, "program (seed %llu) failed to run translated:\n%s\n", (unsigned long long)seed, g.text);
        bad = 1;
    } else {
        bad = compare_cases("translated", op, mods, cs, NCASE, want, out, outn, seed);
    }
    free(out);
    out = NULL;
    if (run_text(g.text, g.n, 0, &out, &outn, NULL) == MI_OK &&
        compare_cases("interpreted (not failing this test)", op, mods, cs, NCASE, want, out, outn, seed) != 0)
        (*interp_diffs)++;
    free(out);
    free(g.text);
    return bad;
}

static uint64_t base_seed(void) {
    const char *s = getenv("MI_CODEGEN_SEED");
    return s != NULL && *s != '\0' ? strtoull(s, NULL, 0) : UINT64_C(0x9E3779B97F4A7C15);
}

static void run_ops(const mi_op *ops, size_t nops, int withround, int conds, int fams) {
    if (!mi_tcc_available()) skip();
    uint64_t seed = base_seed();
    int bad = 0, idiff = 0, programs = 0;
    for (size_t i = 0; i < nops; i++) {
        int nm = conds ? 6 : (withround && (mi_opinfo_table[ops[i]].flags & MI_F_ROUND) ? 2 : 1);
        for (int m = 0; m < nm; m++) {
            int mods = conds ? m + 1 : (m ? (int)MI_MOD_ROUND : 0);
            for (int fam = 0; fam < fams; fam++) {
                seed = seed * 6364136223846793005ull + 1442695040888963407ull;
                bad += check_op(ops[i], mods, fam, seed | 1, &idiff);
                programs++;
            }
        }
    }
    fprintf(stderr, "%d programs of %d cases; %d with interpreter differences\n", programs, NCASE, idiff);
    assert_int_equal(bad, 0);
}

static void test_arith(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_ADDN, MI_OP_SUBN, MI_OP_MULN, MI_OP_DIVN, MI_OP_REMN};
    run_ops(ops, N_OF(ops), 1, 0, 4);
}

static void test_unary(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_NEGN, MI_OP_ABSN, MI_OP_CPYNV};
    run_ops(ops, N_OF(ops), 1, 0, 3);
}

static void test_compare(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_CMPN, MI_OP_CMPNI};
    run_ops(ops, N_OF(ops), 0, 1, 3);
}

static void test_bitwise(void **state) {
    (void)state;
    static const mi_op ops[] = {MI_OP_AND, MI_OP_OR, MI_OP_XOR, MI_OP_NOT, MI_OP_SHL, MI_OP_SHR};
    run_ops(ops, N_OF(ops), 0, 0, 1);
}

/* ---- forwarding between instructions ------------------------------------------- */

/* Runs g's program interpreted and translated; 1 (after printing both) unless
 * both ran and printed the same bytes. Frees g's text. */
static int differs(const char *what, int prog, gen *g) {
    char *o1 = NULL, *o2 = NULL;
    size_t n1 = 0, n2 = 0;
    mi_translate_stats st = {0};
    mi_status s1 = run_text(g->text, g->n, 0, &o1, &n1, NULL);
    mi_status s2 = run_text(g->text, g->n, 1, &o2, &n2, &st);
    int bad = s1 != MI_OK || s2 != MI_OK || st.translated != 1 || n1 != n2 || memcmp(o1, o2, n1) != 0;
    if (bad) {
        fprintf(stderr, "%s program %d differs (interpreted %zu bytes, translated %zu):\n%s\n", what, prog, n1, n2,
                g->text);
        fprintf(stderr, "interpreted: %.*s\ntranslated: %.*s\n", (int)n1, o1 ? o1 : "", (int)n2, o2 ? o2 : "");
    }
    free(o1);
    free(o2);
    free(g->text);
    return bad;
}

/* Straight-line sequences of packed decimal instructions (one basic block, where
 * translated code keeps coefficients in locals, codegen_dec.c) with writes
 * through overlays in between - CPYBLA of a CHAR overlay, ADDN on a BIN(1)
 * overlay of the last byte (sign and a digit: sometimes bad data) - and CPYNV
 * through the helper. Interpreted and translated runs must print the same
 * bytes and the same exception. */
static void test_forwarding(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    g_state = base_seed() ^ UINT64_C(0x5DEECE66D);
    static const char *const kons[] = {"1", "-3", "12.5", "0.07", "-0.004", "250", "99999.99", "0"};
    static const char *const ops[] = {"ADDN", "SUBN", "MULN", "ADDN.R", "MULN.R", "SUBN.R"};
    int bad = 0;
    for (int prog = 0; prog < 60; prog++) {
        gen g = {NULL, 0, 0};
        enum { NP = 5 };
        mi_type pt[NP];
        for (int i = 0; i < NP; i++) {
            pt[i] = T_PKDF[rnd(N_OF(T_PKDF))];
            uint8_t b[16];
            char hx[40], tt[32];
            dec_bytes(&pt[i], b, 1);
            unsigned nb = pt[i].size / 2 + 1;
            hex(b, nb, 1, hx);
            type_text(&pt[i], tt, sizeof tt);
            emit(&g, "DCL P%d %s%s\nDCL C%d CHAR(%u) DEFINED(P%d) INIT(X'%s')\nDCL H%d BIN(1) DEFINED(P%d, %u)\n",
                 i, tt, rnd(3) == 0 ? " AUTO" : "", i, nb, i, hx, i, i, nb - 1);
        }
        emit(&g, "DCL EID CHAR(7)\nDCL EDATA CHAR(1)\nDCL EN BIN(4)\n        MONITOR *ALL, S0, SEND, H\n");
        int n = 30 + (int)rnd(30);
        for (int k = 0; k < n; k++) {
            int i = (int)rnd(NP), j = (int)rnd(NP), m = (int)rnd(NP);
            char x[16], y[16];
            snprintf(x, sizeof x, "P%d", j);
            if (rnd(3) == 0) snprintf(y, sizeof y, "%s", kons[rnd(N_OF(kons))]);
            else snprintf(y, sizeof y, "P%d", m);
            emit(&g, k == 0 ? "S0: " : "    ");
            switch (rnd(10)) {
            case 0: {
                uint8_t b[16];
                char hx[40];
                dec_bytes(&pt[i], b, rnd(4) != 0);
                hex(b, pt[i].size / 2 + 1, 1, hx);
                emit(&g, "CPYBLA C%d, X'%s'\n", i, hx);
                break;
            }
            case 1: emit(&g, "ADDN H%d, H%d, %d\n", i, i, rnd(2) ? 1 : -16); break;
            case 2: emit(&g, "CPYNV P%d, %s\n", i, x); break;
            case 3: emit(&g, "%s P%d, P%d, %s\n", ops[rnd(N_OF(ops))], i, i, y); break; /* in place */
            default: emit(&g, "%s P%d, %s, %s\n", ops[rnd(N_OF(ops))], i, x, y); break;
            }
        }
        emit(&g, "SEND: NOP\nOUT: ");
        for (int i = 0; i < NP; i++) emit(&g, "    SVC 1, C%d\n", i);
        emit(&g, "    RTX\nH:  RTVEXC EID, EDATA, EN\n    SVC 1, EID\n    B OUT\n");
        bad += differs("forwarding", prog, &g);
    }
    assert_int_equal(bad, 0);
}

/* ---- packed registers across blocks ---------------------------------------------- */

/* A packed operand of test_registers: a scalar P<i> (a register candidate) or
 * an element of the array Q (a shadow candidate), by constant or by J. */
static void operand_name(char *buf, size_t n, int np) {
    unsigned w = (unsigned)rnd(8);
    if (w < 5) snprintf(buf, n, "P%d", (int)rnd((unsigned)np));
    else if (w < 7) snprintf(buf, n, "Q(%d)", 1 + (int)rnd(3));
    else snprintf(buf, n, "Q(J)");
}

/* Programs whose packed scalars have no overlays, so that translated code keeps
 * them in registers for the whole function, and an array Q whose elements it
 * shadows (codegen_dec.c), indexed by constants and by J: a loop run three
 * times over blocks joined by forward branches (CMPN on the registers
 * themselves), with the decimal path, helper-only instructions on them (DIVN,
 * REMN, NEGN, CPYNV, CVTNC and SVC in the middle) and exceptions (size,
 * division by zero) caught by a monitor whose handler prints every value.
 * Interpreted and translated runs must print the same bytes. */
static void test_registers(void **state) {
    (void)state;
    if (!mi_tcc_available()) skip();
    g_state = base_seed() ^ UINT64_C(0xA5A5F00D);
    static const char *const kons[] = {"1", "-3", "12.5", "0.07", "-0.004", "250", "9.99", "0", "2"};
    static const char *const ops[] = {"ADDN", "SUBN", "MULN", "ADDN.R", "MULN.R", "SUBN.R"};
    static const char *const conds[] = {"HI", "LO", "EQ", "NE", "NH", "NL"};
    int bad = 0;
    for (int prog = 0; prog < 80; prog++) {
        gen g = {NULL, 0, 0};
        enum { NP = 5 };
        for (int i = 0; i < NP; i++) {
            char tt[32];
            type_text(&T_PKDF[rnd(N_OF(T_PKDF))], tt, sizeof tt);
            emit(&g, "DCL P%d %s%s\n", i, tt, rnd(3) == 0 ? " AUTO" : "");
        }
        char qt[32];
        type_text(&T_PKDF[rnd(N_OF(T_PKDF))], qt, sizeof qt);
        emit(&g, "DCL Q %s DIM(3)%s\nDCL J BIN(4) INIT(2)\n", qt, rnd(3) == 0 ? " AUTO" : "");
        emit(&g, "DCL I BIN(4)\nDCL T CHAR(40)\nDCL EID CHAR(7)\nDCL EDATA CHAR(1)\nDCL EN BIN(4)\n"
                 "        MONITOR *ALL, S0, SEND, H\n");
        emit(&g, "S0: CPYNV I, 0\n");
        for (int i = 0; i < NP; i++) emit(&g, "    CPYNV P%d, %s\n", i, kons[rnd(N_OF(kons))]);
        for (int i = 1; i <= 3; i++) emit(&g, "    CPYNV Q(%d), %s\n", i, kons[rnd(N_OF(kons))]);
        emit(&g, "TOP: NOP\n");
        int n = 20 + (int)rnd(25);
        for (int k = 0; k < n; k++) {
            char y[16], pi[8], pj[8];
            operand_name(pi, sizeof pi, NP);
            operand_name(pj, sizeof pj, NP);
            if (rnd(3) == 0) snprintf(y, sizeof y, "%s", kons[rnd(N_OF(kons))]);
            else operand_name(y, sizeof y, NP);
            emit(&g, "B%d: ", k);
            switch (rnd(17)) {
            case 0: emit(&g, "CMPN.%s %s, %s, B%d\n", conds[rnd(6)], pi, y, k + 1 + (int)rnd((unsigned)(n - k))); break;
            case 1: emit(&g, "%s %s, %s, %s\n", rnd(2) ? "DIVN" : "REMN", pi, pj, y); break;
            case 2: emit(&g, "%s %s, %s\n", rnd(2) ? "NEGN" : "CPYNV", pi, pj); break;
            case 3: emit(&g, "CVTNC T, %s\n    SVC 1, T\n", pi); break;
            case 4: emit(&g, "%s %s, %s, %s\n", ops[rnd(N_OF(ops))], pi, pi, y); break; /* in place */
            case 5: emit(&g, "REMN J, I, 3\n    ADDN J, J, 1\n"); break; /* Q(J) moves */
            default: emit(&g, "%s %s, %s, %s\n", ops[rnd(N_OF(ops))], pi, pj, y); break;
            }
        }
        emit(&g, "B%d: ADDN I, I, 1\n    CMPN.LO I, 3, TOP\nSEND: NOP\nOUT: ", n);
        for (int i = 0; i < NP; i++) emit(&g, "    CVTNC T, P%d\n    SVC 1, T\n", i);
        for (int i = 1; i <= 3; i++) emit(&g, "    CVTNC T, Q(%d)\n    SVC 1, T\n", i);
        emit(&g, "    RTX\nH:  RTVEXC EID, EDATA, EN\n    SVC 1, EID\n    B OUT\n");
        bad += differs("register", prog, &g);
    }
    assert_int_equal(bad, 0);
}

/* ---- the generated text itself -------------------------------------------------- */

static void build_text(const char *src, mi_template *t) {
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "dir/we\"ird.mi";
    mi_status st = mi_asm_build(src, strlen(src), &o, t, &dg);
    mi_asm_diags_free(&dg);
    assert_int_equal(st, MI_OK);
}

/* #line names each instruction's line and the SOURCE file name (escaped); the
 * only exported definition is the entry; no header is included. */
static void test_text(void **state) {
    (void)state;
    mi_template t;
    mi_template_init(&t);
    build_text("DCL I BIN(4)\n"
               "L:      ADDN I, I, 1\n"
               "        CMPN.LO I, 10, L\n"
               "        CALLI S\n"
               "        RTX\n"
               "S:      RTNI\n",
               &t);
    char *c;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_translate_to_c(&t, "PGM", &c, &n, &d), MI_OK);
    assert_non_null(strstr(c, "#line 2 \"dir/we\\\"ird.mi\"\n"));
    assert_non_null(strstr(c, "#line 6\n")); /* the file name stays */
    assert_null(strstr(c, "#include"));
    assert_non_null(strstr(c, "\nint " MI_TRANSLATE_ENTRY "(void *inv, const RT *rt) {\n"));
    /* every other function and object is static */
    for (const char *p = c; (p = strstr(p, "\nint ")) != NULL; p++)
        assert_true(strncmp(p, "\nint " MI_TRANSLATE_ENTRY "(", 6 + strlen(MI_TRANSLATE_ENTRY)) == 0);
    /* labels only where something branches (L0, and the return point 3) */
    assert_non_null(strstr(c, "L0:;"));
    assert_non_null(strstr(c, "L3:;"));
    assert_null(strstr(c, "L1:;"));
    free(c);
    /* without a SOURCE section the program name is the file */
    mi_template u;
    mi_template_init(&u);
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.embed_source = 0;
    assert_int_equal(mi_asm_build("  NOP\n", 6, &o, &u, &dg), MI_OK);
    mi_asm_diags_free(&dg);
    assert_int_equal(mi_translate_to_c(&u, "HELLO", &c, &n, &d), MI_OK);
    assert_non_null(strstr(c, "#line 1 \"HELLO\"\n"));
    free(c);
    mi_template_free(&u);
    mi_template_free(&t);
}

/* An unverifiable template is refused, not translated. */
static void test_refuses_bad_template(void **state) {
    (void)state;
    mi_template t;
    mi_template_init(&t);
    build_text("DCL I BIN(4)\n        ADDN I, I, 1\n", &t);
    t.insns[0].op = MI_OP_B; /* now B with three non-label operands */
    char *c = (char *)1;
    size_t n = 7;
    mi_diag d;
    assert_int_equal(mi_translate_to_c(&t, "X", &c, &n, &d), MI_E_VERIFY);
    assert_null(c);
    assert_int_equal(n, 0);
    t.insns[0].op = MI_OP_ADDN;
    mi_template_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_refuses_bad_template),
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_bitwise),
        cmocka_unit_test(test_forwarding),
        cmocka_unit_test(test_registers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
