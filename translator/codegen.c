/* MI -> C code generator: the driver, operand resolution, control flow, and the
 * character, conversion, call, space and exception instructions. Numeric,
 * bitwise and compare instructions are in codegen_num.c, the prelude in
 * codegen_abi.c. What the generated C looks like: mi_translate.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "codegen_int.h"
#include "mi_machine.h"
#include "mi_translate.h"

/* ---- text buffers --------------------------------------------------------- */

static int buf_reserve(cg_buf *b, size_t extra) {
    if (b->oom) return 0;
    if (b->n + extra + 1 <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            b->oom = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

void cg_put(cg_buf *b, const char *s) {
    size_t k = strlen(s);
    if (!buf_reserve(b, k)) return;
    memcpy(b->p + b->n, s, k + 1);
    b->n += k;
}

/* A small printf for generated text: glibc's vsnprintf dominated translation
 * time. Conversions s d u c o X %, flags + and 0, a width, lengths ll and z:
 * exactly what the generator uses (the format attribute checks the calls).
 * Returns the length of the whole text, writing at most n - 1 bytes and a NUL. */
/* Appends the k bytes at s to out (at most up to n - 1 of them in all). */
static inline void fmt_run(char *out, size_t n, size_t *len, const char *s, size_t k) {
    if (*len + 1 < n) {
        size_t room = n - 1 - *len;
        memcpy(out + *len, s, k < room ? k : room);
    }
    *len += k;
}

/* The digits of v in base (8, 10 or 16; upper-case) at p, most significant
 * first; returns their number (at most 22). */
static size_t put_digits(char *p, unsigned long long v, unsigned base) {
    char dig[24];
    size_t nd = 0;
    do {
        dig[nd++] = "0123456789ABCDEF"[v % base];
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < nd; i++) p[i] = dig[nd - 1 - i];
    return nd;
}

size_t cg_vfmt(char *out, size_t n, const char *fmt, va_list ap) {
    size_t len = 0;
#define OUT(ch)                                                                          \
    do {                                                                                 \
        if (len + 1 < n) out[len] = (ch);                                                \
        len++;                                                                           \
    } while (0)
    for (const char *f = fmt; *f != '\0'; f++) {
        if (*f != '%') {
            /* a run of literal text in one copy: most of the generated C is format text */
            const char *e = f;
            while (*e != '\0' && *e != '%') e++;
            fmt_run(out, n, &len, f, (size_t)(e - f));
            if (*e == '\0') break;
            f = e;
        }
        f++;
        int plus = 0, zero = 0, width = 0, lng = 0;
        for (;; f++) {
            if (*f == '+') plus = 1;
            else if (*f == '0') zero = 1;
            else break;
        }
        while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
        if (*f == 'l' && f[1] == 'l') {
            lng = 1;
            f += 2;
        } else if (*f == 'z') {
            lng = 2;
            f++;
        }
        unsigned long long v;
        int neg = 0;
        unsigned base = 10;
        switch (*f) {
        case 's': {
            const char *str = va_arg(ap, const char *);
            fmt_run(out, n, &len, str, strlen(str));
            continue;
        }
        case 'c': OUT((char)va_arg(ap, int)); continue;
        case '%': OUT('%'); continue;
        case 'd': {
            long long x = lng == 1 ? va_arg(ap, long long) : lng == 2 ? (long long)va_arg(ap, size_t) : va_arg(ap, int);
            neg = x < 0;
            v = neg ? 0ull - (unsigned long long)x : (unsigned long long)x;
            break;
        }
        case 'u': case 'X': case 'o':
            v = lng == 1 ? va_arg(ap, unsigned long long) : lng == 2 ? va_arg(ap, size_t) : va_arg(ap, unsigned);
            base = *f == 'X' ? 16 : *f == 'o' ? 8 : 10;
            break;
        default: /* not used by the generator */
            if (*f == '\0') f--; /* a lone '%' at the end: stop at the NUL */
            continue;
        }
        char dig[24];
        int nd = (int)put_digits(dig, v, base);
        if (neg) OUT('-');
        else if (plus) OUT('+');
        for (int k = nd + (neg || plus); k < width; k++) OUT(zero ? '0' : ' ');
        fmt_run(out, n, &len, dig, (size_t)nd);
    }
#undef OUT
    if (n > 0) out[len < n ? len : n - 1] = '\0';
    return len;
}

size_t cg_snprintf(char *out, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    size_t k = cg_vfmt(out, n, fmt, ap);
    va_end(ap);
    return k;
}

/* The hot, fixed shapes of operand text are built directly (cg_vfmt's format
 * walk and va_list were most of the generator's time in cg_resolve): the
 * decimal digits of v at p, returning their number (at most 20). */
static size_t put_u(char *p, unsigned long long v) { return put_digits(p, v, 10); }

/* buf := prefix followed by v's digits and a NUL (callers size buf for their
 * prefix and the digits of a uint32_t: at most 10). */
static void put_pu(char *buf, const char *prefix, uint32_t v) {
    size_t k = strlen(prefix);
    memcpy(buf, prefix, k);
    buf[k + put_u(buf + k, v)] = '\0';
}

void cg_printf(cg_buf *b, const char *fmt, ...) {
    /* formatted in place when the text fits the room kept free (almost always),
     * else again once the buffer has grown to its length */
    if (!buf_reserve(b, 512)) return;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    size_t room = b->cap - b->n;
    size_t k = cg_vfmt(b->p + b->n, room, fmt, ap);
    va_end(ap);
    if (k < room) {
        b->n += k;
    } else if (buf_reserve(b, k)) {
        cg_vfmt(b->p + b->n, k + 1, fmt, ap2);
        b->n += k;
    }
    va_end(ap2);
}

void cg_buf_free(cg_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

void cg_c_string(const char *s, size_t n, char *buf, size_t bufn) {
    size_t j = 0;
    for (size_t i = 0; i < n && j + 5 < bufn; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            buf[j++] = '\\';
            buf[j++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7F || ch == '?' || ch == '*') {
            /* octal escapes; '?' (trigraphs) and '*' ("*\/" in the comment that
             * names the program) are escaped too */
            cg_snprintf(buf + j, bufn - j, "\\%03o", ch);
            j += 4;
        } else {
            buf[j++] = (char)ch;
        }
    }
    buf[j] = '\0';
}

/* ---- descriptors and constants -------------------------------------------- */

static uint32_t type_hash(const mi_type *t) {
    uint32_t h = (uint32_t)t->kind * 0x9E3779B1u ^ (uint32_t)t->size * 0x85EBCA77u ^
                 (uint32_t)t->scale * 0xC2B2AE3Du ^ t->len * 0x27D4EB2Fu;
    return h ^ (h >> 15);
}

/* Grows the open-addressing index of c->types (slots hold index + 1). */
static int type_index_grow(cg_ctx *c) {
    uint32_t cap = c->thcap ? 2 * c->thcap : 64;
    uint32_t *h = calloc(cap, sizeof *h);
    if (h == NULL) return 0;
    for (uint32_t i = 0; i < c->ntypes; i++) {
        uint32_t j = type_hash(&c->types[i]) & (cap - 1);
        while (h[j] != 0) j = (j + 1) & (cap - 1);
        h[j] = i + 1;
    }
    free(c->thash);
    c->thash = h;
    c->thcap = cap;
    return 1;
}

const char *cg_type(cg_ctx *c, const mi_type *t, char buf[16]) {
    memcpy(buf, "T0", 3);
    if ((c->ntypes + 1) * 2 > c->thcap && !type_index_grow(c)) {
        c->decl.oom = 1;
        return buf;
    }
    uint32_t j = type_hash(t) & (c->thcap - 1);
    for (; c->thash[j] != 0; j = (j + 1) & (c->thcap - 1)) {
        if (mi_type_equal(&c->types[c->thash[j] - 1], t)) {
            put_pu(buf, "T", c->thash[j] - 1); /* at most 11 bytes */
            return buf;
        }
    }
    if (c->ntypes == c->captypes) {
        uint32_t cap = c->captypes ? 2 * c->captypes : 16;
        mi_type *p = realloc(c->types, cap * sizeof *p);
        if (p == NULL) {
            c->decl.oom = 1;
            return buf;
        }
        c->types = p;
        c->captypes = cap;
    }
    uint32_t i = c->ntypes++;
    c->types[i] = *t;
    c->thash[j] = i + 1;
    cg_printf(&c->decl, "static const MT T%u = {%u, %u, %u, %u};\n", i, t->kind, t->size, t->scale, t->len);
    cg_snprintf(buf, 16, "T%u", i);
    return buf;
}

uint32_t cg_dconst(cg_ctx *c, uint64_t bits) {
    /* KD is emitted as one array after the body; decl holds its rows. */
    cg_printf(&c->decl, "#define KD%u 0x%016llXull\n", c->ndconst, (unsigned long long)bits);
    return c->ndconst++;
}

/* The statement that raises e at the current instruction (four buffers, so
 * that one format may use several). */
const char *cg_r(cg_ctx *c, mi_exc e) {
    char *b = c->rbuf[c->nrbuf++ & 3];
    cg_snprintf(b, sizeof c->rbuf[0], "{pc=%u;ex=%d;goto raise_;}", c->k, (int)e);
    return b;
}

void cg_raise(cg_ctx *c, mi_exc e) { cg_printf(&c->body, "%s\n", cg_r(c, e)); }

static void ck_va(cg_ctx *c, const char *fmt, va_list ap) {
    char call[1024];
    size_t k = cg_vfmt(call, sizeof call, fmt, ap);
    if (k >= sizeof call) {
        c->internal = "a helper call longer than its buffer"; /* cannot happen: operands are short */
        return;
    }
    cg_printf(&c->body, "if ((ex = %s) != 0) {pc=%u;goto raise_;}\n", call, c->k);
}

void cg_ck(cg_ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ck_va(c, fmt, ap);
    va_end(ap);
}

const char *cg_st(unsigned size) {
    switch (size) {
    case 1: return "*(u8*)";
    case 2: return "*(i16u*)";
    case 4: return "*(i32u*)";
    default: return "*(i64u*)";
    }
}

const char *cg_sc(unsigned size) {
    switch (size) {
    case 1: return "(u8)";
    case 2: return "(i16)";
    case 4: return "(i32)";
    default: return "";
    }
}

/* ---- operand resolution (§3.1) ---------------------------------------------- */

/* The C name of the area base of a non-BASED object layout into buf (at least 16
 * bytes); returns its CG_AREA_* (0 for a parameter). */
static uint8_t area_name(cg_ctx *c, const mi_objlayout *ol, char *buf) {
    switch (ol->area) {
    case MI_AREA_STATIC: c->uses |= CG_USES_S; memcpy(buf, "S", 2); return CG_AREA_S;
    case MI_AREA_AUTO: c->uses |= CG_USES_A; memcpy(buf, "A", 2); return CG_AREA_A;
    case MI_AREA_PARM:
        if (ol->root < c->l.nparms) c->parm_used[ol->root] = 1;
        put_pu(buf, "P", ol->root);
        return 0;
    default: c->uses |= CG_USES_K; memcpy(buf, "K", 2); return CG_AREA_K;
    }
}

/* Locates object obj: *area (a C name) + *off is its first byte. In a space the
 * whole BASED root is checked (§5: position + root size <= current size), its
 * address going to pvar. Returns the CG_AREA_* of *area, 0 when it is none of
 * S, A and K (a local, a parameter, a space). */
static uint8_t locate(cg_ctx *c, uint32_t obj, const char *pvar, char *area, size_t an, uint64_t *off) {
    const mi_objlayout *ol = &c->l.objs[obj];
    int k = cg_loc_of(c, obj);
    if (k >= 0) { /* its bytes are a C local's (codegen_loc.c) */
        const char *cn = cg_loc_flt_cn(c, (unsigned)k);
        if (cn != NULL) cg_snprintf(area, an, "%s(&R%d)", cn, k);
        else cg_snprintf(area, an, "((u8*)&R%d)", k);
        *off = 0;
        return 0;
    }
    *off = ol->offset;
    if (ol->area != MI_AREA_BASED) return area_name(c, ol, area);
    const mi_objlayout *pl = &c->l.objs[ol->root];
    char parea[16];
    area_name(c, pl, parea);
    /* §5: the pointer is set and the whole root lies within the current size */
    unsigned long long so = pl->offset;
    /* with a cached base (codegen_spc.c): the checks only when it does not cover
     * the root, and they fill it */
    int pk = cg_pcache_of(c, ol->root);
    char bvar[16];
    if (pk >= 0) {
        cg_printf(&c->body, "if (%u > V%d) {\n", ol->root_size, pk);
        cg_snprintf(bvar, sizeof bvar, "B%d", pk);
        pvar = bvar;
    }
    cg_printf(&c->body,
              "sp = *(u8**)(%s+%llu); if (sp == 0) %s\n"
              "bo = *(u64*)(%s+%llu); if (bo + %u > (u64)*(u32*)(sp+%zu)) %s\n"
              "%s = *(u8**)(sp+%zu) + bo;\n",
              parea, so + offsetof(mi_spcptr, space), cg_r(c, MI_EXC_MCH3601), parea,
              so + offsetof(mi_spcptr, off), ol->root_size, offsetof(mi_space, size),
              cg_r(c, MI_EXC_MCH0601), pvar, offsetof(mi_space, bytes));
    if (pk >= 0) cg_printf(&c->body, "V%d = (u64)*(u32*)(sp+%zu) - bo;\n}\n", pk, offsetof(mi_space, size));
    cg_snprintf(area, an, "%s", pvar);
    return 0;
}

static int64_t const_int(const mi_template *t, uint32_t k, int *ok) {
    const mi_const *kc = &t->consts[k];
    *ok = 1;
    int64_t v = mi_sem_load_int(&kc->type, t->constbytes + kc->offset, ok);
    return v;
}

/* A simple operand (index, start, length): a constant gives its value in *v
 * (returns 1); an object's value is loaded into var at run time (returns 0). */
static int simple_value(cg_ctx *c, const mi_subref *s, const char *var, int64_t *v) {
    const mi_template *t = c->t;
    if (s->kind == MI_O_CONST) {
        int ok;
        *v = const_int(t, s->ref, &ok);
        if (!ok) *v = INT64_MAX; /* a huge UBIN(8): out of every range */
        return 1;
    }
    const mi_type *ty = &t->objs[s->ref].type;
    const char *ld = cg_int_loader(ty);
    int lk = cg_loc_of(c, s->ref);
    if (lk >= 0 && ld != NULL) { /* a local of the index's own C type */
        cg_printf(&c->body, "%s = %sR%d;\n", var, ty->kind == MI_T_BIN && ty->size == 8 ? "" : "(i64)", lk);
        return 0;
    }
    char area[16];
    uint64_t off;
    locate(c, s->ref, "q", area, sizeof area, &off);
    /* UBIN(8): reinterpreted; a value above INT64_MAX becomes negative, which is
     * out of range for every use exactly as INT64_MAX is. */
    cg_printf(&c->body, "%s = %s(%s+%llu);\n", var, ld != NULL ? ld : "*(i64u*)", area,
              (unsigned long long)off);
    return 0;
}

/* buf (n >= 48) := area, or "(area+off)"; area is at most 24 bytes */
static void fmt_addr(char *buf, size_t n, const char *area, uint64_t off) {
    size_t k = strlen(area);
    if (k > 24 || n < 48) { /* not reached: area names are short */
        cg_snprintf(buf, n, off == 0 ? "%s" : "(%s+%llu)", area, (unsigned long long)off);
        return;
    }
    if (off == 0) {
        memcpy(buf, area, k + 1);
        return;
    }
    buf[0] = '(';
    memcpy(buf + 1, area, k);
    buf[k + 1] = '+';
    k += 2 + put_u(buf + k + 2, off);
    buf[k] = ')';
    buf[k + 1] = '\0';
}

void cg_resolve(cg_ctx *c, uint32_t i, unsigned slot, cg_opnd *o) {
    const mi_template *t = c->t;
    const mi_operand *op = &t->opnds[t->insns[c->k].first + i];
    memset(o, 0, sizeof *o);
    o->kind = op->kind;
    if (op->kind == MI_O_LABEL) {
        o->label = op->ref;
        return;
    }
    if (op->kind == MI_O_CONST) {
        const mi_const *kc = &t->consts[op->ref];
        o->is_const = 1;
        o->type = kc->type;
        o->cbytes = t->constbytes + kc->offset;
        c->uses |= CG_USES_K;
        fmt_addr(o->addr, sizeof o->addr, "K", kc->offset);
        o->darea = CG_AREA_K;
        o->doff = kc->offset;
        o->len_known = 1;
        o->lenv = kc->nbytes;
        put_pu(o->len, "", kc->nbytes);
        if (mi_type_is_integer(&kc->type)) {
            int ok;
            o->imm = const_int(t, op->ref, &ok);
            o->has_imm = ok;
        }
        return;
    }
    const mi_object *ob = &t->objs[op->ref];
    const mi_objlayout *ol = &c->l.objs[op->ref];
    char area[16], pvar[8];
    uint64_t off;
    o->type = ob->type;
    put_pu(pvar, "p", slot);
    uint8_t darea = locate(c, op->ref, pvar, area, sizeof area, &off);
    o->len_known = 1;
    o->lenv = ob->type.kind == MI_T_CHAR ? ob->type.len : 0;
    put_pu(o->len, "", o->lenv);
    int lk = cg_loc_of(c, op->ref);
    if (op->kind == MI_O_OBJ) {
        o->dim = ob->dim;
        fmt_addr(o->addr, sizeof o->addr, area, off);
        o->darea = darea;
        o->doff = off;
        o->loc = (uint8_t)(lk + 1);
        return;
    }
    char xv[28], lv[28];
    put_pu(xv, "x", slot);
    put_pu(lv, "l", slot);
    if (op->kind == MI_O_ELEM) {
        int64_t v;
        uint32_t es = ol->esize;
        const mi_subref *ix = &op->sub[0];
        /* The same index object as an earlier operand of this instruction has
         * the same value (resolution writes nothing): reuse it, checking again
         * only against a smaller bound. */
        for (unsigned s2 = 0; s2 < 3 && ix->kind == MI_O_OBJ; s2++) {
            cg_xcache *x = &c->xcache[s2];
            if (!x->valid || x->obj != ix->ref) continue;
            cg_snprintf(xv, sizeof xv, "x%u", s2);
            if (ob->dim < x->dim) {
                cg_printf(&c->body, "if (%s > %u) %s\n", xv, ob->dim, cg_r(c, MI_EXC_MCH0603));
                x->dim = ob->dim;
            }
            goto elem_addr;
        }
        c->xcache[slot].valid = 0;
        if (simple_value(c, ix, xv, &v)) {
            if (v < 1 || v > (int64_t)ob->dim) {
                cg_raise(c, MI_EXC_MCH0603);
                v = 1;
            }
            fmt_addr(o->addr, sizeof o->addr, area, off + (uint64_t)(v - 1) * es);
            o->darea = darea;
            o->doff = off + (uint64_t)(v - 1) * es;
            cg_snprintf(o->idx, sizeof o->idx, "%lld", (long long)v);
            o->idx_known = 1;
            o->idxv = v;
            return;
        }
        /* 1 <= x <= dim as one unsigned compare (x - 1 wraps below 0 for x < 1):
         * tcc evaluates each comparison of a || chain separately */
        cg_printf(&c->body, "if ((u64)%s - 1 >= %uu) %s\n", xv, ob->dim, cg_r(c, MI_EXC_MCH0603));
        c->xcache[slot] = (cg_xcache){1, ix->ref, ob->dim};
    elem_addr:;
        cg_snprintf(o->idx, sizeof o->idx, "%s", xv);
        /* (x - 1) * es + off, written so that no intermediate pointer precedes
         * the object */
        int64_t bias = (int64_t)off - (int64_t)es;
        if (bias == 0) cg_snprintf(o->addr, sizeof o->addr, "(%s+%s*%u)", area, xv, es);
        else cg_snprintf(o->addr, sizeof o->addr, "(%s+(%s*%u%+lld))", area, xv, es, (long long)bias);
        return;
    }
    /* substring of a CHAR scalar */
    c->xcache[slot].valid = 0;
    int64_t st, ln;
    int kst = simple_value(c, &op->sub[0], xv, &st);
    int kln = simple_value(c, &op->sub[1], lv, &ln);
    int64_t n = ob->type.len;
    if (kst && kln) {
        if (st < 1 || ln < 0 || ln > n || st - 1 > n - ln) {
            cg_raise(c, MI_EXC_MCH0603);
            st = 1;
            ln = 0;
        }
        fmt_addr(o->addr, sizeof o->addr, area, off + (uint64_t)(st - 1));
        o->lenv = (uint32_t)ln;
        cg_snprintf(o->len, sizeof o->len, "%u", o->lenv);
        return;
    }
    char sx[32], lx[32];
    if (kst) cg_snprintf(sx, sizeof sx, "%lldLL", (long long)st);
    else cg_snprintf(sx, sizeof sx, "%s", xv);
    if (kln) cg_snprintf(lx, sizeof lx, "%lldLL", (long long)ln);
    else cg_snprintf(lx, sizeof lx, "%s", lv);
    cg_printf(&c->body, "if (%s < 1 || %s < 0 || %s > %lld || %s - 1 > %lld - %s) %s\n", sx, lx, lx,
              (long long)n, sx, (long long)n, lx, cg_r(c, MI_EXC_MCH0603));
    if (kst) fmt_addr(o->addr, sizeof o->addr, area, off + (uint64_t)(st - 1));
    else cg_snprintf(o->addr, sizeof o->addr, "(%s+(%s%+lld))", area, sx, (long long)off - 1);
    o->len_known = kln;
    o->lenv = kln ? (uint32_t)ln : 0;
    if (kln) cg_snprintf(o->len, sizeof o->len, "%u", o->lenv);
    else cg_snprintf(o->len, sizeof o->len, "(u32)%s", lv);
}

/* ---- integers ------------------------------------------------------------ */

const char *cg_int_loader(const mi_type *t) {
    if (t->kind == MI_T_BIN) {
        switch (t->size) {
        case 1: return "(i64)*(i8*)";
        case 2: return "(i64)*(i16u*)";
        case 4: return "(i64)*(i32u*)";
        case 8: return "*(i64u*)";
        default: return NULL;
        }
    }
    if (t->kind == MI_T_UBIN) {
        switch (t->size) {
        case 1: return "(i64)*(u8*)";
        case 2: return "(i64)*(u16u*)";
        case 4: return "(i64)*(u32u*)";
        default: return NULL;
        }
    }
    return NULL;
}

int cg_fast_int(const cg_opnd *o) {
    if (o->kind == MI_O_LABEL || o->dim != 0) return 0;
    if (o->is_const) return o->has_imm;
    return cg_int_loader(&o->type) != NULL;
}

void cg_lit(char *buf, size_t n, int64_t v) {
    if (v == INT64_MIN) cg_snprintf(buf, n, "(-9223372036854775807LL-1)");
    else cg_snprintf(buf, n, "%lldLL", (long long)v);
}

static const struct {
    const char *name;
    unsigned size;
} acc_type[CG_NACC] = {{"i8", 1},   {"u8", 1},   {"i16u", 2}, {"u16u", 2}, {"i32u", 4},
                       {"u32u", 4}, {"i64u", 8}, {"u64u", 8}, {"f32u", 4}, {"f64u", 8}};
static const char area_letter[4] = {0, 'S', 'A', 'K'};

unsigned cg_acc_of(const mi_type *t) {
    unsigned i = t->size == 1 ? 0 : t->size == 2 ? 1 : t->size == 4 ? 2 : t->size == 8 ? 3 : 4;
    if ((t->kind == MI_T_BIN || t->kind == MI_T_UBIN) && i < 4)
        return CG_ACC_I8 + 2 * i + (t->kind == MI_T_UBIN);
    if (t->kind == MI_T_FLT && (i == 2 || i == 3)) return i == 2 ? CG_ACC_F32 : CG_ACC_F64;
    return CG_NACC;
}

const char *cg_lv(cg_ctx *c, const cg_opnd *o, unsigned acc, char *buf, size_t n) {
    if (o->loc != 0 && cg_acc_of(&c->t->objs[c->loc_obj[o->loc - 1]].type) == acc) {
        cg_snprintf(buf, n, "R%u", o->loc - 1u);
    } else if (c->exec_form && o->darea != 0 && o->doff % acc_type[acc].size == 0) {
        /* only in the exec form: each pointer is one more load and store at every
         * entry (fib: 8 host instructions of ~236 per call, measured) */
        c->acc_used[o->darea] |= 1u << acc;
        cg_snprintf(buf, n, "%c_%s[%llu]", area_letter[o->darea], acc_type[acc].name,
                    (unsigned long long)(o->doff / acc_type[acc].size));
    } else {
        cg_snprintf(buf, n, "*(%s*)%s", acc_type[acc].name, o->addr);
    }
    return buf;
}

/* The typed pointers cg_lv named, for the entry (after the area bases). */
static void acc_decl(const cg_ctx *c, cg_buf *out) {
    for (unsigned a = CG_AREA_S; a <= CG_AREA_K; a++)
        for (unsigned k = 0; k < CG_NACC; k++)
            if (c->acc_used[a] & (1u << k))
                cg_printf(out, "%s *%c_%s = (%s *)%c;\n", acc_type[k].name, area_letter[a], acc_type[k].name,
                          acc_type[k].name, area_letter[a]);
}

void cg_int_value(cg_ctx *c, const cg_opnd *o, char *buf, size_t n) {
    if (o->is_const) {
        cg_lit(buf, n, o->imm);
        return;
    }
    char lv[112];
    cg_lv(c, o, cg_acc_of(&o->type), lv, sizeof lv);
    /* as cg_int_loader: every type but BIN(8) is converted to i64 */
    int wide = o->type.kind == MI_T_BIN && o->type.size == 8;
    cg_snprintf(buf, n, "%s%s", wide ? "" : "(i64)", lv);
}

const char *cg_int_arg(cg_ctx *c, const cg_opnd *o, const char *var, char *buf, size_t n) {
    if (o->is_const) {
        int ok = 1;
        int64_t v = mi_sem_load_int(&o->type, o->cbytes, &ok);
        cg_lit(buf, n, ok ? v : INT64_MAX);
        return buf;
    }
    if (cg_int_loader(&o->type) != NULL) {
        cg_int_value(c, o, buf, n);
        return buf;
    }
    /* UBIN(8): values above INT64_MAX count as INT64_MAX (mi_sem_load_int's
     * callers); they are out of range for every use. */
    cg_printf(&c->body, "%s = *(i64u*)%s; if (%s < 0) %s = 9223372036854775807LL;\n", var, o->addr,
              var, var);
    return var;
}

void cg_store_int(cg_ctx *c, const cg_opnd *o, const char *val, __int128 lo, __int128 hi) {
    unsigned sz = o->type.size, bits = 8u * sz;
    __int128 min, max;
    if (o->type.kind == MI_T_BIN) {
        min = -((__int128)1 << (bits - 1));
        max = ((__int128)1 << (bits - 1)) - 1;
    } else {
        min = 0;
        max = ((__int128)1 << bits) - 1;
    }
    if ((lo < min || hi > max) && !(o->type.kind == MI_T_BIN && sz == 8)) {
        /* v fits when converting it to the receiver's C type and back keeps it
         * (i64 -> narrower conversions wrap in every compiler MI uses) */
        static const char *const ctype[2][9] = {{"", "i8", "i16", "", "i32", "", "", "", ""},
                                                {"", "u8", "u16", "", "u32", "", "", "", ""}};
        if (o->type.kind == MI_T_UBIN && sz == 8)
            cg_printf(&c->body, "if (%s < 0) %s\n", val, cg_r(c, MI_EXC_MCH1210));
        else
            cg_printf(&c->body, "if (%s != (i64)(%s)%s) %s\n", val, ctype[o->type.kind == MI_T_UBIN][sz],
                      val, cg_r(c, MI_EXC_MCH1210));
    }
    /* the access type of cg_st: u8, else the signed type of that size */
    static const unsigned st_acc[9] = {0, CG_ACC_U8, CG_ACC_I16, 0, CG_ACC_I32, 0, 0, 0, CG_ACC_I64};
    char lv[112];
    cg_printf(&c->body, "%s = %s(%s);\n", cg_lv(c, o, st_acc[sz], lv, sizeof lv), cg_sc(sz), val);
}

void cg_ck_insn(cg_ctx *c, const char *fmt, ...) {
    if (!c->exec_form) {
        va_list ap;
        va_start(ap, fmt);
        ck_va(c, fmt, ap);
        va_end(ap);
        return;
    }
    /* The interpreter reads and writes the operands' bytes in storage: the
     * locals they name are stored first and read back before the result is
     * tested (as around a CALLX), so a raise_ after it stores the same values. */
    uint32_t m = cg_locs_live_named(c, &c->t->insns[c->k]);
    if (m == 0) {
        /* pc set as the argument: tcc parses this shape 2.4 % faster than the
         * usual {pc=K;goto raise_;} (the 10k-instruction program, measured) */
        cg_printf(&c->body, "if ((ex = rt->exec(inv, pc = %u))) goto raise_;\n", c->k);
        return;
    }
    cg_locs_store(c, m);
    cg_printf(&c->body, "ex = rt->exec(inv, %u);\n", c->k);
    cg_locs_load(c, m);
    cg_printf(&c->body, "if (ex != 0) {pc=%u;goto raise_;}\n", c->k);
}

/* ---- instruction families handled here ------------------------------------ */

static void emit_cond_branch(cg_ctx *c, mi_cond cond, const char *cv, uint32_t label) {
    char e[96];
    cg_cond_expr(cond, cv, e, sizeof e);
    cg_printf(&c->body, "if (%s) goto L%u;\n", e, label);
}

static void emit_char(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    cg_buf *b = &c->body;
    mi_cond cond = (mi_cond)(in->mods & MI_MOD_COND_MASK);
    char e[96];
    switch (in->op) {
    case MI_OP_CPYBLA:
        if (o[0].len_known && o[1].len_known) {
            uint32_t m = o[0].lenv < o[1].lenv ? o[0].lenv : o[1].lenv;
            if (m == 0) return;
            if (m == 1 || m == 2 || m == 4 || m == 8) /* one load, then one store */
                cg_printf(b, "%s%s = %s%s;\n", cg_st(m), o[0].addr, cg_st(m), o[1].addr);
            else if (m <= 32) {
                c->need |= CG_NEED_MOVE;
                cg_printf(b, "mv(%s, %s, %u);\n", o[0].addr, o[1].addr, m);
            } else {
                cg_printf(b, "rt->cpybla(%s, %u, %s, %u);\n", o[0].addr, o[0].lenv, o[1].addr, o[1].lenv);
            }
            return;
        }
        cg_printf(b, "rt->cpybla(%s, %s, %s, %s);\n", o[0].addr, o[0].len, o[1].addr, o[1].len);
        return;
    case MI_OP_CPYBLAP:
        cg_ck_insn(c, "rt->cpyblap(%s, %s, %s, %s, %s, %s)", o[0].addr, o[0].len, o[1].addr, o[1].len,
              o[2].addr, o[2].len);
        return;
    case MI_OP_CAT:
        cg_printf(b, "rt->cat(%s, %s, %s, %s, %s, %s);\n", o[0].addr, o[0].len, o[1].addr, o[1].len,
                  o[2].addr, o[2].len);
        return;
    case MI_OP_SCAN:
        cg_printf(b, "r = rt->scan(%s, %s, %s, %s);\n", o[1].addr, o[1].len, o[2].addr, o[2].len);
        cg_store_int(c, &o[0], "r", 0, MI_MAX_CHAR_LEN + 1);
        return;
    case MI_OP_TRIMLEN:
        cg_printf(b, "r = rt->trimlen(%s, %s);\n", o[1].addr, o[1].len);
        cg_store_int(c, &o[0], "r", 0, MI_MAX_CHAR_LEN);
        return;
    case MI_OP_CMPC:
        cg_printf(b, "c = rt->cmpc(%s, %s, %s, %s);\n", o[0].addr, o[0].len, o[1].addr, o[1].len);
        emit_cond_branch(c, cond, "c", o[2].label);
        return;
    case MI_OP_CMPCI:
        cg_printf(b, "c = rt->cmpc(%s, %s, %s, %s);\n", o[1].addr, o[1].len, o[2].addr, o[2].len);
        cg_cond_expr(cond, "c", e, sizeof e);
        cg_printf(b, "r = %s;\n", e);
        cg_store_int(c, &o[0], "r", 0, 1);
        return;
    default:
        return;
    }
}

static void emit_conv(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    char t1[16];
    int rnd = (in->mods & MI_MOD_ROUND) != 0;
    switch (in->op) {
    case MI_OP_CVTNC:
        cg_ck_insn(c, "rt->cvtnc(%s, %s, &%s, %s)", o[0].addr, o[0].len, cg_type(c, &o[1].type, t1),
              o[1].addr);
        return;
    case MI_OP_CVTCN:
        cg_ck_insn(c, "rt->cvtcn(%d, &%s, %s, %s, %s)", rnd, cg_type(c, &o[0].type, t1), o[0].addr,
              o[1].addr, o[1].len);
        return;
    case MI_OP_EDIT:
        cg_ck_insn(c, "rt->edit(%s, %s, &%s, %s, %s, %s)", o[0].addr, o[0].len, cg_type(c, &o[1].type, t1),
              o[1].addr, o[2].addr, o[2].len);
        return;
    default:
        return;
    }
}

static void emit_space(cg_ctx *c, const mi_insn *in, const cg_opnd *o) {
    char v1[64], v2[64];
    const char *a1, *a2;
    switch (in->op) {
    case MI_OP_CRTS:
        a1 = cg_int_arg(c, &o[1], "a", v1, sizeof v1);
        a2 = cg_int_arg(c, &o[2], "b", v2, sizeof v2);
        cg_ck_insn(c, "rt->crts(inv, %s, %s, %s)", o[0].addr, a1, a2);
        return;
    case MI_OP_ADDSPP: {
        /* inline mi_machine_addspp: a set (MCH3601); 0 <= offset + b <= size
         * (MCH0601), where |b| >= 2^31 is out of range whatever the offset */
        size_t ps = offsetof(mi_spcptr, space), po = offsetof(mi_spcptr, off);
        a2 = cg_int_arg(c, &o[2], "b", v2, sizeof v2);
        cg_printf(&c->body,
                  "sp = *(u8**)(%s+%zu); if (sp == 0) %s\n"
                  "b = %s; if (b < -2147483647LL || b > 2147483647LL) %s\n"
                  "b += (i64)*(u64*)(%s+%zu); if (b < 0 || b > (i64)*(u32*)(sp+%zu)) %s\n"
                  "*(u8**)(%s+%zu) = sp; *(u64*)(%s+%zu) = (u64)b;\n",
                  o[1].addr, ps, cg_r(c, MI_EXC_MCH3601), a2, cg_r(c, MI_EXC_MCH0601), o[1].addr, po,
                  offsetof(mi_space, size), cg_r(c, MI_EXC_MCH0601), o[0].addr, ps, o[0].addr, po);
        return;
    }
    case MI_OP_SUBSPP:
        cg_ck(c, "rt->subspp(&r, %s, %s)", o[1].addr, o[2].addr);
        cg_store_int(c, &o[0], "r", -(__int128)INT32_MAX, INT32_MAX);
        return;
    case MI_OP_CPYP:
        cg_ck_insn(c, "rt->cpyp(%s, %s)", o[0].addr, o[1].addr);
        return;
    case MI_OP_SETSPSZ:
        a1 = cg_int_arg(c, &o[1], "a", v1, sizeof v1);
        cg_ck_insn(c, "rt->setspsz(inv, %s, %s)", o[0].addr, a1);
        return;
    case MI_OP_SPSZ:
        cg_ck(c, "rt->spsz(&r, %s)", o[1].addr);
        cg_store_int(c, &o[0], "r", 0, INT32_MAX);
        return;
    default:
        return;
    }
}

/* CALLX and SVC: arguments resolved in operand order straight into g[]. A CALLX
 * whose operands are plain objects or constants (nothing to resolve at run time)
 * goes through the machine's call plan of the site instead: no g[], and its
 * arguments are matched once per site and callee (mi_machine_callxp). */
static void emit_call(cg_ctx *c, const mi_insn *in) {
    cg_buf *b = &c->body;
    cg_opnd o0, a;
    char tn[16];
    /* scalar locals (codegen_loc.c): the call sees only storage; the STATIC ones
     * were written by cg_regs_before */
    uint32_t named = cg_locs_named(c, in), stat = cg_locs_mask(c, CG_LOC_STATIC);
    uint32_t back = in->op == MI_OP_CALLX || cg_names_parm(c, in) ? named | stat : named;
    cg_locs_store(c, named & ~stat);
    c->loc_mem = CG_LOC_ALL;
    if (in->op == MI_OP_CALLX && mi_machine_callx_site(c->t, &c->l, c->k)) {
        cg_printf(b, "c = rt->callxp(inv, %u);\n", c->ncallx++);
        cg_locs_load(c, back);
        c->loc_mem = 0;
        cg_printf(b, "if (c != 0) {pc=%u;ex=c;goto raise_;}\n", c->k);
        return;
    }
    if (in->op == MI_OP_CALLX) c->ncallx++;
    cg_resolve(c, 0, 0, &o0);
    uint32_t nargs = in->nopnds - 1u;
    for (uint32_t i = 0; i < nargs; i++) {
        cg_resolve(c, 1 + i, 1, &a);
        c->need |= CG_NEED_ARG;
        /* the type's len: a CHAR's length (a substring's at run time), else 0 */
        cg_printf(b, "ARG(&g[%u], %s, &%s, %s, %u, %u);\n", i, a.addr, cg_type(c, &a.type, tn),
                  a.type.kind == MI_T_CHAR ? a.len : "0", a.kind == MI_O_OBJ ? a.dim : 0u, a.is_const);
    }
    if (in->op == MI_OP_CALLX) {
        cg_printf(b, "c = rt->callx(inv, %u, %s, %u, g);\n", c->k, o0.addr, nargs);
    } else {
        char kv[32];
        int ok = 1;
        int64_t k = o0.is_const ? mi_sem_load_int(&o0.type, o0.cbytes, &ok) : 0;
        cg_lit(kv, sizeof kv, ok ? k : INT64_MAX);
        cg_printf(b, "c = rt->svc(inv, %s, %u, g);\n", kv, nargs);
    }
    cg_locs_load(c, back);
    c->loc_mem = 0;
    /* 0, an exception, MI_X_PERCOLATE (-1) or MI_X_EXIT (-2): raise_ sorts them */
    cg_printf(b, "if (c != 0) {pc=%u;ex=c;goto raise_;}\n", c->k);
}

static void emit_insn_body(cg_ctx *c, uint32_t k, const char *file) {
    const mi_template *t = c->t;
    const mi_insn *in = &t->insns[k];
    cg_buf *b = &c->body;
    cg_opnd o[3];
    c->k = k;
    memset(c->xcache, 0, sizeof c->xcache);
    /* #line keeps the file name once given: name it only the first time */
    if (in->line > 0 && in->line <= INT32_MAX) { /* C allows 1 .. 2^31 - 1 */
        if (!c->named) cg_printf(b, "#line %u \"%s\"\n", in->line, file);
        else cg_printf(b, "#line %u\n", in->line);
        c->named = 1;
    }
    if (c->target[k]) {
        cg_printf(b, "L%u:;\n", k);
        cg_dcache_reset(c); /* reached from elsewhere too */
    }
    cg_regs_before(c, in);
    cg_locs_before(c, in);
    switch (in->op) {
    case MI_OP_NOP:
        return;
    case MI_OP_B:
        cg_printf(b, "goto L%u;\n", t->opnds[in->first].ref);
        return;
    case MI_OP_RTX:
        cg_put(b, "return 0;\n");
        return;
    case MI_OP_CALLI:
        c->has_calli = 1;
        cg_printf(b, "if (*rsp >= %u) %s\nrstk[(*rsp)++] = %u;\ngoto L%u;\n", MI_RSTACK_MAX,
                  cg_r(c, MI_EXC_MIE0001), k + 1, t->opnds[in->first].ref);
        return;
    case MI_OP_RTNI:
        c->has_rtni = 1;
        cg_printf(b, "if (*rsp == 0) %s\ngoto rtni_;\n", cg_r(c, MI_EXC_MIE0006));
        return;
    case MI_OP_BX: {
        char v[64];
        cg_resolve(c, 0, 0, &o[0]);
        const char *a = cg_int_arg(c, &o[0], "a", v, sizeof v);
        cg_printf(b, "switch (%s) {\n", a);
        for (uint32_t i = 1; i < in->nopnds; i++)
            cg_printf(b, "case %u: goto L%u;\n", i, t->opnds[in->first + i].ref);
        cg_printf(b, "default: %s\n}\n", cg_r(c, MI_EXC_MCH0603));
        return;
    }
    case MI_OP_CALLX:
    case MI_OP_SVC:
        emit_call(c, in);
        return;
    default:
        break;
    }
    /* Resolve every operand first, in order (§3.1): sources are then read before
     * any receiver is written. */
    uint32_t nres = in->nopnds < 3 ? in->nopnds : 3;
    for (uint32_t i = 0; i < nres; i++) cg_resolve(c, i, i, &o[i]);
    char tn[16];
    switch (in->op) {
    case MI_OP_ADDN: case MI_OP_SUBN: case MI_OP_MULN: case MI_OP_DIVN: case MI_OP_REMN:
        cg_emit_arith(c, in, o);
        return;
    case MI_OP_NEGN: case MI_OP_ABSN: case MI_OP_CPYNV:
        cg_emit_unary(c, in, o);
        return;
    case MI_OP_AND: case MI_OP_OR: case MI_OP_XOR: case MI_OP_NOT: case MI_OP_SHL: case MI_OP_SHR:
        cg_emit_bitwise(c, in, o);
        return;
    case MI_OP_CMPN: case MI_OP_CMPNI:
        cg_emit_cmpn(c, in, o);
        return;
    case MI_OP_CPYBLA: case MI_OP_CPYBLAP: case MI_OP_CAT: case MI_OP_SCAN: case MI_OP_TRIMLEN:
    case MI_OP_CMPC: case MI_OP_CMPCI:
        emit_char(c, in, o);
        return;
    case MI_OP_CVTNC: case MI_OP_CVTCN: case MI_OP_EDIT:
        emit_conv(c, in, o);
        return;
    case MI_OP_CRTS: case MI_OP_ADDSPP: case MI_OP_SUBSPP: case MI_OP_CPYP: case MI_OP_SETSPSZ:
    case MI_OP_SPSZ:
        emit_space(c, in, o);
        return;
    case MI_OP_RSLVSP:
        cg_ck_insn(c, "rt->rslvsp(inv, %s, %s, %s)", o[0].addr, o[1].addr, o[1].len);
        return;
    case MI_OP_SIGEXC:
        if (o[0].len_known && o[0].lenv < 7) { /* the verifier requires CHAR(7) */
            cg_raise(c, MI_EXC_MCH0603);
            return;
        }
        c->has_sigexc = 1;
        cg_printf(b, "h = rt->signal(inv, %u, %s, %s, %s);\ngoto handle_;\n", k, o[0].addr, o[1].addr,
                  o[1].len);
        return;
    case MI_OP_RTVEXC:
        cg_ck_insn(c, "rt->rtvexc(inv, %s, %s, %s, %s, &%s, %s)", o[0].addr, o[0].len, o[1].addr, o[1].len,
              cg_type(c, &o[2].type, tn), o[2].addr);
        return;
    default:
        cg_raise(c, MI_EXC_MIE0004); /* unreachable: every opcode is handled above */
        return;
    }
}

static void emit_insn(cg_ctx *c, uint32_t k, const char *file) {
    c->dc_done = 0;
    emit_insn_body(c, k, file);
    cg_pcache_after(c, &c->t->insns[k]);
    cg_locs_after(c);
    cg_dcache_after(c, &c->t->insns[k]);
}

/* ---- the unit -------------------------------------------------------------- */

static void mark_targets(cg_ctx *c) {
    const mi_template *t = c->t;
    for (uint32_t k = 0; k < t->ninsns; k++) {
        const mi_insn *in = &t->insns[k];
        for (uint32_t i = 0; i < in->nopnds; i++) {
            const mi_operand *op = &t->opnds[in->first + i];
            if (op->kind == MI_O_LABEL && op->ref < t->ninsns) c->target[op->ref] = 1;
        }
        if (in->op == MI_OP_CALLI && k + 1 < t->ninsns) c->target[k + 1] = 1;
        /* g[] only for the calls that build an argument list (not planned CALLX) */
        if ((in->op == MI_OP_SVC || (in->op == MI_OP_CALLX && !mi_machine_callx_site(t, &c->l, k))) &&
            in->nopnds - 1u > c->maxargs)
            c->maxargs = in->nopnds - 1u;
    }
    for (uint32_t m = 0; m < t->nmons; m++)
        if (t->mons[m].handler < t->ninsns) c->target[t->mons[m].handler] = 2;
}

static void cg_free(cg_ctx *c) {
    cg_buf_free(&c->body);
    cg_buf_free(&c->decl);
    free(c->types);
    free(c->thash);
    free(c->target);
    free(c->parm_used);
    free(c->reg);
    free(c->arr);
    free(c->isolated);
    free(c->loc);
    mi_layout_free(&c->l);
}

mi_status mi_translate_to_c(const mi_template *t, const char *name, char **csrc, size_t *n,
                            mi_diag *d) {
    if (t == NULL || name == NULL || csrc == NULL || n == NULL)
        return mi_diag_set(d, MI_E_ARG, "mi_translate_to_c: missing argument");
    *csrc = NULL;
    *n = 0;
    mi_status st = mi_template_verify(t, d);
    if (st != MI_OK) return st;
    return cg_translate_verified(t, name, csrc, n, d);
}

/* MI_TRANSLATE_EXEC_MIN, or the environment's MI_TRANSLATE_EXEC_MIN (a decimal
 * number of instructions; 0: every program) when it is one. */
static uint32_t cg_exec_min(void) {
    const char *e = getenv("MI_TRANSLATE_EXEC_MIN");
    if (e == NULL || *e < '0' || *e > '9') return MI_TRANSLATE_EXEC_MIN;
    char *end;
    unsigned long long v = strtoull(e, &end, 10);
    if (*end != '\0' || v > UINT32_MAX) return MI_TRANSLATE_EXEC_MIN;
    return (uint32_t)v;
}

mi_status cg_translate_verified(const mi_template *t, const char *name, char **csrc, size_t *n,
                                mi_diag *d) {
    mi_status st;
    *csrc = NULL;
    *n = 0;
    cg_ctx c;
    memset(&c, 0, sizeof c);
    c.t = t;
    c.exec_form = t->ninsns >= cg_exec_min();
    st = mi_layout_build(t, &c.l, d);
    if (st != MI_OK) return st;
    c.target = calloc(t->ninsns ? t->ninsns : 1, 1);
    c.parm_used = calloc(c.l.nparms ? c.l.nparms : 1, 1);
    if (c.target == NULL || c.parm_used == NULL) {
        cg_free(&c);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory translating %s", name);
    }
    mark_targets(&c);
    cg_dcache_reset(&c);
    cg_pcache_choose(&c);
    if (cg_regs_choose(&c) != 0 || cg_locs_choose(&c) != 0) {
        cg_free(&c);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory translating %s", name);
    }

    /* #line names the source file when the template has one */
    char file[512];
    if (t->has_source && t->source_file != NULL && t->source_file[0] != '\0')
        cg_c_string(t->source_file, strlen(t->source_file), file, sizeof file);
    else
        cg_c_string(name, strlen(name), file, sizeof file);

    for (uint32_t k = 0; k < t->ninsns && !c.body.oom && c.internal == NULL; k++) {
        emit_insn(&c, k, file);
        if (c.body.n > MI_TRANSLATE_MAX_C) {
            cg_free(&c);
            return mi_diag_set(d, MI_E_UNSUPPORTED, "%s is too large to translate (over %u bytes of C)", name,
                               MI_TRANSLATE_MAX_C);
        }
    }
    cg_regs_spill_all(&c);
    cg_put(&c.body, "return 0;\n");
    if (c.has_rtni) {
        /* RTNI: continue after the CALLI that pushed the return point (§8) */
        cg_put(&c.body, "rtni_:\nswitch (rstk[--*rsp]) {\n");
        for (uint32_t j = 0; j < t->ninsns; j++) {
            if (t->insns[j].op != MI_OP_CALLI) continue;
            if (j + 1 < t->ninsns) {
                cg_printf(&c.body, "case %u: goto L%u;\n", j + 1, j + 1);
            } else {
                cg_printf(&c.body, "case %u:\n", j + 1);
                cg_regs_spill_all(&c);
                cg_put(&c.body, "return 0;\n");
            }
        }
        cg_put(&c.body, "default:\n");
        cg_regs_spill_all(&c);
        cg_put(&c.body, "return 0;\n}\n");
    }

    /* raise_: rt->raise finds the monitor (§10.2); handle_: go to its handler */
    cg_put(&c.body, "raise_:\n");
    cg_regs_spill_all(&c); /* before a handler or the caller can see storage */
    cg_put(&c.body, "if (ex == -2) return 2;\nh = rt->raise(inv, pc, ex > 0 ? ex : 0);\n");
    if (c.has_sigexc) cg_put(&c.body, "handle_:\n");
    cg_pcache_forget(&c); /* a handler may be entered from any instruction */
    int any = 0;
    for (uint32_t k = 0; k < t->ninsns; k++) {
        if (c.target[k] != 2) continue;
        if (!any) cg_put(&c.body, "switch (h) {\n");
        any = 1;
        cg_printf(&c.body, "case %u: goto L%u;\n", k, k);
    }
    cg_put(&c.body, any ? "default: return 1;\n}\n}\n" : "return 1;\n}\n");

    cg_buf out;
    memset(&out, 0, sizeof out);
    cg_emit_prelude(&out, name, c.need);
    cg_put(&out, c.decl.p != NULL ? c.decl.p : "");
    cg_regs_decl(&c, &out);
    if (c.ndconst > 0) {
        cg_printf(&out, "static const DU KD[%u] = {", c.ndconst);
        for (uint32_t i = 0; i < c.ndconst; i++) cg_printf(&out, "%s{KD%u}", i ? ", " : "", i);
        cg_put(&out, "};\n");
    }
    cg_printf(&out, "int %s(void *inv, const RT *rt) {\n", MI_TRANSLATE_ENTRY);
    /* Only what the body uses is loaded: every invocation pays for this part
     * (fib: ~40 of its ~110 host instructions in the image were here). pc, ex
     * and h are set before every use (each raise site sets pc and ex). */
    cg_printf(&out, "u8 **base = *(u8 ***)((u8 *)inv + %zu);\n", offsetof(mi_invocation, base));
    if (c.has_calli || c.has_rtni)
        cg_printf(&out, "u32 *rsp = (u32 *)((u8 *)inv + %zu), *rstk = (u32 *)((u8 *)inv + %zu);\n",
                  offsetof(mi_invocation, rsp), offsetof(mi_invocation, rstack));
    if (c.uses & CG_USES_S) cg_put(&out, "u8 *S = base[0];\n");
    if (c.uses & CG_USES_A) cg_put(&out, "u8 *A = base[1];\n");
    if (c.uses & CG_USES_K) cg_put(&out, "u8 *K = base[2];\n");
    for (uint32_t k = 0; k < c.l.nparms; k++)
        if (c.parm_used[k]) cg_printf(&out, "u8 *P%u = base[%u];\n", k, MI_AREA_PARM + k);
    acc_decl(&c, &out);
    cg_printf(&out, "u8 *p0, *p1, *p2, *q, *sp; u64 bo, ua, ub, uz; i64 x0, x1, x2, l0, l1, l2, a, b, r, d0, d1, d2, d3;\n"
                    "double u, w, z; int c, ex; i32 h; u32 pc; DU du; FU fu; MARG g[%u];\n"
                    "if (rt->version != %u || rt->size < sizeof(RT)) return 3;\n",
              c.maxargs ? c.maxargs : 1u, MI_RT_VERSION);
    if (c.nreg > 0) cg_printf(&out, "i64 rv[%u]; int rf[%u] = {0};\n", c.nreg, c.nreg);
    if (c.narr > 0)
        cg_printf(&out, "i64 av[%u]; u64 afw[%u] = {0}; u8 *af = (u8 *)afw;\n", c.nshadow, c.nshadow / 8);
    cg_pcache_decl(&c, &out);
    cg_locs_decl(&c, &out);
    cg_put(&out, c.body.p != NULL ? c.body.p : "");
    int oom = out.oom || c.body.oom || c.decl.oom;
    const char *internal = c.internal;
    cg_free(&c);
    if (internal != NULL) {
        cg_buf_free(&out);
        return mi_diag_set(d, MI_E_INTERNAL, "translator error in %s: %s", name, internal);
    }
    if (oom) {
        cg_buf_free(&out);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory translating %s", name);
    }
    *csrc = out.p;
    *n = out.n;
    return MI_OK;
}
