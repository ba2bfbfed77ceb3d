/* Test-side helpers shared by test_template.c, test_verify.c and test_corrupt.c:
 * build program templates in memory through the mi_template struct API only (no
 * assembler), compare templates, and compute checksums independently of the
 * codec (one-shot XXH64 instead of the decoder's streaming API).
 * Include after <cmocka.h>. Every allocation failure aborts the test. */
#ifndef TMPL_FIXTURE_H
#define TMPL_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "mi_template.h"

#define TY_BIN(n) ((mi_type){MI_T_BIN, (n), 0, 0})
#define TY_UBIN(n) ((mi_type){MI_T_UBIN, (n), 0, 0})
#define TY_FLT(n) ((mi_type){MI_T_FLT, (n), 0, 0})
#define TY_PKD(p, s) ((mi_type){MI_T_PKD, (p), (s), 0})
#define TY_ZND(p, s) ((mi_type){MI_T_ZND, (p), (s), 0})
#define TY_CHAR(n) ((mi_type){MI_T_CHAR, 0, 0, (n)})
#define TY_SPCPTR ((mi_type){MI_T_SPCPTR, 0, 0, 0})
#define TY_SYSPTR ((mi_type){MI_T_SYSPTR, 0, 0, 0})

static inline void *fx_grow(void *p, uint32_t n, size_t sz) {
    void *q = realloc(p, ((size_t)n + 1) * sz);
    if (q == NULL) abort();
    return q;
}

static inline char *fx_strdup(const char *s) {
    if (s == NULL) return NULL;
    char *r = strdup(s);
    if (r == NULL) abort();
    return r;
}

/* Appends an object; flags get MI_OBJ_HAS_INIT iff init != MI_NONE. */
static inline uint32_t fx_obj(mi_template *t, const char *name, mi_type ty, uint32_t dim, uint8_t cls, uint32_t base,
                       uint32_t offset, uint32_t init) {
    t->objs = fx_grow(t->objs, t->nobjs, sizeof *t->objs);
    t->objs[t->nobjs] = (mi_object){.type = ty, .dim = dim, .cls = cls,
                                    .flags = init != MI_NONE ? MI_OBJ_HAS_INIT : 0, .base = base,
                                    .offset = offset, .init = init, .name = fx_strdup(name)};
    return t->nobjs++;
}

static inline uint32_t fx_static(mi_template *t, const char *name, mi_type ty) {
    return fx_obj(t, name, ty, 0, MI_C_STATIC, MI_NONE, 0, MI_NONE);
}

/* Appends a constant (no deduplication: tests control the pool). */
static inline uint32_t fx_const(mi_template *t, mi_type ty, const void *bytes, uint32_t n) {
    t->consts = fx_grow(t->consts, t->nconsts, sizeof *t->consts);
    t->constbytes = realloc(t->constbytes, (size_t)t->nconstbytes + n + 1);
    if (t->constbytes == NULL) abort();
    if (n > 0) memcpy(t->constbytes + t->nconstbytes, bytes, n);
    t->consts[t->nconsts] = (mi_const){.type = ty, .nbytes = n, .offset = t->nconstbytes};
    t->nconstbytes += n;
    return t->nconsts++;
}

static inline uint32_t fx_int(mi_template *t, uint8_t size, int64_t v) {
    uint8_t b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(u >> (8 * i));
    return fx_const(t, TY_BIN(size), b, size);
}

static inline uint32_t fx_str(mi_template *t, const char *s) {
    return fx_const(t, TY_CHAR((uint32_t)strlen(s)), s, (uint32_t)strlen(s));
}

static inline mi_operand fx_o(uint32_t ref) { return (mi_operand){.kind = MI_O_OBJ, .ref = ref}; }
static inline mi_operand fx_c(uint32_t ref) { return (mi_operand){.kind = MI_O_CONST, .ref = ref}; }
static inline mi_operand fx_l(uint32_t insn) { return (mi_operand){.kind = MI_O_LABEL, .ref = insn}; }
static inline mi_operand fx_elem(uint32_t arr, uint8_t ikind, uint32_t iref) {
    return (mi_operand){.kind = MI_O_ELEM, .ref = arr, .sub = {{ikind, iref}, {0, 0}}};
}
static inline mi_operand fx_substr(uint32_t s, uint8_t k1, uint32_t r1, uint8_t k2, uint32_t r2) {
    return (mi_operand){.kind = MI_O_SUBSTR, .ref = s, .sub = {{k1, r1}, {k2, r2}}};
}

/* Appends an instruction whose source line is its 1-based number times 10. */
static inline uint32_t fx_insn(mi_template *t, mi_op op, uint8_t mods, const mi_operand *ops, unsigned n) {
    t->insns = fx_grow(t->insns, t->ninsns, sizeof *t->insns);
    t->insns[t->ninsns] = (mi_insn){.op = op, .mods = mods, .nopnds = (uint8_t)n, .first = t->nopnds,
                                    .line = (t->ninsns + 1) * 10};
    for (unsigned j = 0; j < n; j++) {
        t->opnds = fx_grow(t->opnds, t->nopnds, sizeof *t->opnds);
        t->opnds[t->nopnds++] = ops[j];
    }
    return t->ninsns++;
}
#define FX_INSN(t, op, mods, ...)                                                         \
    fx_insn((t), (op), (mods), (mi_operand[]){__VA_ARGS__},                               \
            (unsigned)(sizeof((mi_operand[]){__VA_ARGS__}) / sizeof(mi_operand)))

static inline void fx_mon(mi_template *t, const char *id, uint32_t from, uint32_t to, uint32_t handler) {
    t->mons = fx_grow(t->mons, t->nmons, sizeof *t->mons);
    mi_monitor *m = &t->mons[t->nmons++];
    memset(m->id, 0, sizeof m->id);
    for (int i = 0; i < 7 && id[i] != '\0'; i++) m->id[i] = id[i];
    m->from = from;
    m->to = to;
    m->handler = handler;
}

static inline void fx_label(mi_template *t, const char *name, uint32_t insn) {
    t->labels = fx_grow(t->labels, t->nlabels, sizeof *t->labels);
    t->labels[t->nlabels++] = (mi_label){.insn = insn, .name = fx_strdup(name)};
}

static inline void fx_extra(mi_template *t, uint32_t id, uint32_t flags, const void *bytes, uint32_t n) {
    t->extra = fx_grow(t->extra, t->nextra, sizeof *t->extra);
    mi_extra_section *x = &t->extra[t->nextra++];
    x->id = id;
    x->flags = flags;
    x->nbytes = n;
    x->bytes = NULL;
    if (n > 0) {
        if ((x->bytes = malloc(n)) == NULL) abort();
        memcpy(x->bytes, bytes, n);
    }
}

static inline void fx_source(mi_template *t, const char *file, const char *text) {
    t->has_source = 1;
    t->source_file = fx_strdup(file);
    t->source_len = (uint32_t)strlen(text);
    t->source_text = NULL;
    if (t->source_len > 0) {
        if ((t->source_text = malloc(t->source_len)) == NULL) abort();
        memcpy(t->source_text, text, t->source_len);
    }
}

/* A program that verifies and uses every section, every operand kind (object,
 * constant, element with object and constant index, substring with object and
 * constant start/length, label), every storage class, SOURCE and two unknown
 * non-critical sections (ids 0 and 100, so one sorts before the built-ins; kept
 * in id order, the decoder's order, so decode(encode(t)) == t). The
 * constant pool is built in canonical order (INITs in ODT order, then operands). */
static inline void fx_sample(mi_template *t) {
    mi_template_init(t);
    uint32_t c1 = fx_int(t, 4, 1);                     /* INIT of i */
    uint32_t i = fx_obj(t, "i", TY_BIN(4), 0, MI_C_AUTO, MI_NONE, 0, c1);
    uint32_t n = fx_static(t, "n", TY_BIN(4));
    static const uint8_t pk[4] = {0x00, 0x01, 0x25, 0x0C}; /* +12.50 as PKD(7,2) */
    uint32_t cpk = fx_const(t, TY_PKD(7, 2), pk, 4);
    uint32_t amt = fx_obj(t, "amt", TY_PKD(7, 2), 0, MI_C_STATIC, MI_NONE, 0, cpk);
    uint32_t arr = fx_obj(t, "arr", TY_ZND(5, 0), 10, MI_C_STATIC, MI_NONE, 0, MI_NONE);
    uint32_t cs = fx_str(t, "hello, world        ");  /* CHAR(20) */
    uint32_t s = fx_obj(t, "s", TY_CHAR(20), 0, MI_C_STATIC, MI_NONE, 0, cs);
    uint32_t ov = fx_obj(t, "ov", TY_CHAR(5), 0, MI_C_DEFINED, s, 3, MI_NONE);
    uint32_t p = fx_obj(t, "p", TY_SPCPTR, 0, MI_C_AUTO, MI_NONE, 0, MI_NONE);
    uint32_t buf = fx_obj(t, "buf", TY_CHAR(8), 0, MI_C_BASED, p, 0, MI_NONE);
    uint32_t f = fx_static(t, "f", TY_FLT(8));
    uint32_t prog = fx_static(t, "prog", TY_SYSPTR);
    uint32_t u = fx_static(t, "u", TY_UBIN(2));
    uint32_t len = fx_obj(t, "len", TY_BIN(2), 0, MI_C_PARM, MI_NONE, 0, MI_NONE);
    uint32_t c100 = fx_int(t, 8, 100), c1000 = fx_int(t, 8, 1000);
    FX_INSN(t, MI_OP_CRTS, 0, fx_o(p), fx_c(c100), fx_c(c1000));                       /* 0 */
    static const uint8_t pk15[2] = {0x01, 0x5C};                                     /* +1.5 PKD(2,1) */
    uint32_t c15 = fx_const(t, TY_PKD(2, 1), pk15, 2);
    FX_INSN(t, MI_OP_ADDN, MI_MOD_ROUND, fx_o(amt), fx_o(amt), fx_c(c15));            /* 1 */
    uint32_t c3 = fx_int(t, 8, 3);
    FX_INSN(t, MI_OP_CPYNV, 0, fx_elem(arr, MI_O_OBJ, i), fx_c(c3));                  /* 2 */
    uint32_t c2 = fx_int(t, 8, 2);
    FX_INSN(t, MI_OP_CPYNV, 0, fx_elem(arr, MI_O_CONST, c2), fx_o(f));                /* 3 */
    uint32_t c4 = fx_int(t, 8, 4);
    FX_INSN(t, MI_OP_CPYBLA, 0, fx_o(buf), fx_substr(s, MI_O_OBJ, i, MI_O_CONST, c4)); /* 4 */
    uint32_t c0 = fx_int(t, 8, 0);
    FX_INSN(t, MI_OP_CMPN, MI_COND_EQ, fx_o(n), fx_c(c0), fx_l(7));                  /* 5 */
    uint32_t csvc = fx_int(t, 4, 2);                                                  /* OUTLN */
    FX_INSN(t, MI_OP_SVC, 0, fx_c(csvc), fx_substr(s, MI_O_CONST, c2, MI_O_OBJ, len)); /* 6 */
    uint32_t cexc = fx_str(t, "USR0001");
    FX_INSN(t, MI_OP_SIGEXC, 0, fx_c(cexc), fx_o(ov));                                /* 7 */
    uint32_t cname = fx_str(t, "PROG");
    FX_INSN(t, MI_OP_RSLVSP, 0, fx_o(prog), fx_c(cname));                             /* 8 */
    FX_INSN(t, MI_OP_CALLX, 0, fx_o(prog), fx_o(arr), fx_o(u), fx_c(c4));             /* 9 */
    FX_INSN(t, MI_OP_CVTNC, 0, fx_o(s), fx_o(u));                                     /* 10 */
    uint32_t c255 = fx_int(t, 8, 255);
    FX_INSN(t, MI_OP_AND, 0, fx_o(u), fx_o(u), fx_c(c255));                           /* 11 */
    FX_INSN(t, MI_OP_BX, 0, fx_o(i), fx_l(5), fx_l(14));                              /* 12 */
    FX_INSN(t, MI_OP_RTVEXC, 0, fx_o(s), fx_o(ov), fx_o(n));                          /* 13 */
    FX_INSN(t, MI_OP_B, 0, fx_l(5));                                                  /* 14 */
    fx_insn(t, MI_OP_RTX, 0, NULL, 0);                                                /* 15 */
    fx_mon(t, "MCH1210", 0, 15, 13);
    fx_mon(t, "*ALL", 0, 4, 15);
    /* every branch target and monitor field is named by a label (§16 N4), in order (N3) */
    fx_label(t, "start", 0);
    fx_label(t, "copy", 4);
    fx_label(t, "loop", 5);
    fx_label(t, "check", 7);
    fx_label(t, "hnd", 13);
    fx_label(t, "back", 14);
    fx_label(t, "done", 15);
    fx_label(t, "fin", 15); /* two labels may name one instruction */
    fx_source(t, "sample.mi", "; the sample program\n\tRTX\n");
    fx_extra(t, 0, 0, "\x01\x02", 2);
    fx_extra(t, 100, 0, "xyz", 3);
}

/* Every operand form family in one more program: character, bitwise, pointers,
 * services with known and unknown numbers, CALLI/RTNI, compare-and-set. */
static inline void fx_sample2(mi_template *t) {
    mi_template_init(t);
    uint32_t a = fx_static(t, "a", TY_CHAR(10));
    uint32_t b = fx_static(t, "b", TY_CHAR(3));
    uint32_t r = fx_static(t, "r", TY_BIN(8));
    uint32_t z = fx_static(t, "z", TY_ZND(9, 3));
    uint32_t q = fx_obj(t, "q", TY_SPCPTR, 0, MI_C_STATIC, MI_NONE, 0, MI_NONE);
    uint32_t q2 = fx_obj(t, "q2", TY_SPCPTR, 0, MI_C_PARM, MI_NONE, 0, MI_NONE);
    uint32_t fl = fx_static(t, "fl", TY_FLT(4));
    uint32_t cpad = fx_str(t, "*");
    FX_INSN(t, MI_OP_CPYBLAP, 0, fx_o(a), fx_o(b), fx_c(cpad));  /* 0 */
    FX_INSN(t, MI_OP_CAT, 0, fx_o(a), fx_o(a), fx_o(b));         /* 1 */
    FX_INSN(t, MI_OP_SCAN, 0, fx_o(r), fx_o(a), fx_o(b));        /* 2 */
    FX_INSN(t, MI_OP_TRIMLEN, 0, fx_o(r), fx_o(a));              /* 3 */
    FX_INSN(t, MI_OP_CVTCN, MI_MOD_ROUND, fx_o(z), fx_o(a));     /* 4 */
    uint32_t cm = fx_str(t, "ZZ9.99-");
    FX_INSN(t, MI_OP_EDIT, 0, fx_o(a), fx_o(z), fx_c(cm));       /* 5 */
    FX_INSN(t, MI_OP_CMPNI, MI_COND_NL, fx_o(r), fx_o(z), fx_o(fl)); /* 6 */
    FX_INSN(t, MI_OP_CMPCI, MI_COND_NE, fx_o(r), fx_o(a), fx_o(b)); /* 7 */
    FX_INSN(t, MI_OP_CMPC, MI_COND_HI, fx_o(a), fx_o(b), fx_l(0)); /* 8 */
    FX_INSN(t, MI_OP_CALLI, 0, fx_l(17));                        /* 9 */
    FX_INSN(t, MI_OP_ADDSPP, 0, fx_o(q), fx_o(q2), fx_o(r));     /* 10 */
    FX_INSN(t, MI_OP_SUBSPP, 0, fx_o(r), fx_o(q), fx_o(q2));     /* 11 */
    FX_INSN(t, MI_OP_SETSPSZ, 0, fx_o(q), fx_o(r));              /* 12 */
    FX_INSN(t, MI_OP_SPSZ, 0, fx_o(r), fx_o(q));                 /* 13 */
    uint32_t c7 = fx_int(t, 2, 7);                               /* ARGV */
    FX_INSN(t, MI_OP_SVC, 0, fx_c(c7), fx_o(a), fx_o(r), fx_o(r)); /* 14 */
    uint32_t c999 = fx_int(t, 2, 999);                           /* unknown service */
    FX_INSN(t, MI_OP_SVC, 0, fx_c(c999), fx_o(fl), fx_c(cm));    /* 15 */
    FX_INSN(t, MI_OP_NEGN, 0, fx_o(fl), fx_o(fl));               /* 16 */
    fx_insn(t, MI_OP_RTNI, 0, NULL, 0);                          /* 17 */
    fx_mon(t, "MCH0600", 2, 3, 17);
    fx_label(t, "top", 0);
    fx_label(t, "m1", 2);
    fx_label(t, "m2", 3);
    fx_label(t, "sub", 17);
}

/* Field-by-field equality of everything the format carries. */
static inline int fx_equal(const mi_template *a, const mi_template *b) {
#define FXCHK(c)                                                           \
    do {                                                                   \
        if (!(c)) {                                                        \
            fprintf(stderr, "templates differ: %s (line %d)\n", #c, __LINE__); \
            return 0;                                                      \
        }                                                                  \
    } while (0)
    FXCHK(a->format_version == b->format_version && a->mi_version == b->mi_version);
    FXCHK(a->nobjs == b->nobjs && a->nconsts == b->nconsts && a->ninsns == b->ninsns);
    FXCHK(a->nopnds == b->nopnds && a->nmons == b->nmons && a->nlabels == b->nlabels);
    FXCHK(a->nextra == b->nextra && a->has_source == b->has_source);
    for (uint32_t i = 0; i < a->nobjs; i++) {
        const mi_object *x = &a->objs[i], *y = &b->objs[i];
        FXCHK(mi_type_equal(&x->type, &y->type) && x->dim == y->dim && x->cls == y->cls);
        FXCHK(x->flags == y->flags && x->base == y->base && x->offset == y->offset && x->init == y->init);
        FXCHK(strcmp(x->name, y->name) == 0);
    }
    for (uint32_t i = 0; i < a->nconsts; i++) {
        const mi_const *x = &a->consts[i], *y = &b->consts[i];
        FXCHK(mi_type_equal(&x->type, &y->type) && x->nbytes == y->nbytes);
        FXCHK(x->nbytes == 0 || memcmp(a->constbytes + x->offset, b->constbytes + y->offset, x->nbytes) == 0);
    }
    for (uint32_t i = 0; i < a->ninsns; i++) {
        const mi_insn *x = &a->insns[i], *y = &b->insns[i];
        FXCHK(x->op == y->op && x->mods == y->mods && x->nopnds == y->nopnds && x->line == y->line);
        for (unsigned j = 0; j < x->nopnds; j++) {
            const mi_operand *p = &a->opnds[x->first + j], *q = &b->opnds[y->first + j];
            FXCHK(p->kind == q->kind && p->ref == q->ref);
            unsigned nsub = p->kind == MI_O_ELEM ? 1 : p->kind == MI_O_SUBSTR ? 2 : 0;
            for (unsigned s = 0; s < nsub; s++)
                FXCHK(p->sub[s].kind == q->sub[s].kind && p->sub[s].ref == q->sub[s].ref);
        }
    }
    for (uint32_t i = 0; i < a->nmons; i++) {
        FXCHK(memcmp(a->mons[i].id, b->mons[i].id, 8) == 0);
        FXCHK(a->mons[i].from == b->mons[i].from && a->mons[i].to == b->mons[i].to &&
              a->mons[i].handler == b->mons[i].handler);
    }
    for (uint32_t i = 0; i < a->nlabels; i++)
        FXCHK(a->labels[i].insn == b->labels[i].insn && strcmp(a->labels[i].name, b->labels[i].name) == 0);
    for (uint32_t i = 0; i < a->nextra; i++) {
        const mi_extra_section *x = &a->extra[i], *y = &b->extra[i];
        FXCHK(x->id == y->id && x->flags == y->flags && x->nbytes == y->nbytes);
        FXCHK(x->nbytes == 0 || memcmp(x->bytes, y->bytes, x->nbytes) == 0);
    }
    if (a->has_source) {
        FXCHK(strcmp(a->source_file, b->source_file) == 0 && a->source_len == b->source_len);
        FXCHK(a->source_len == 0 || memcmp(a->source_text, b->source_text, a->source_len) == 0);
    }
    return 1;
#undef FXCHK
}

/* XXH64 of the template with the checksum field zeroed, stored little-endian. */
static inline void fx_fix_checksum(uint8_t *b, size_t n) {
    if (n < 32) return;
    memset(b + 24, 0, 8);
    uint64_t h = XXH64(b, n, 0);
    for (int i = 0; i < 8; i++) b[24 + i] = (uint8_t)(h >> (8 * i));
}

static inline void fx_put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t fx_get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
