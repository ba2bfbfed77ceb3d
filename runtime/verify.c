/* Verifier: every semantic rule of mi-spec/mi-v1.md §16 (T1, O1–O7, K1–K4, I1–I5,
 * M1–M2, N1–N4, P1) that a decoded template must satisfy before anything runs it;
 * the structural rules D1–D14 are the decoder's (template.c). Input may also be built
 * in memory by the assembler, so nothing is assumed: every index is range-checked
 * before it is followed, and check_structure() stops verification early when the
 * arrays themselves are inconsistent.
 *
 * Numbering in messages: instructions and operands are numbered from 1 as in the
 * spec (§0: "instruction numbers are 1-based"); objects, constants, monitors and
 * labels are named by their 0-based index in the template (the number stored in
 * references), plus their name where one exists. Stored instruction references
 * (label targets, monitor ranges) are 0-based indices and are called "index".
 * The insn argument passed to the report callback is always 0-based. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "mi_template.h"

typedef struct vstate {
    const mi_template *t;
    mi_verify_report report;
    void *ctx;
    unsigned max, count;
    int nomem;
    char *letters; /* effective form letter of every operand, 0 if none */
    uint8_t *named; /* per instruction index: 1 if some label names it (N4) */
} vstate;

static int stopped(const vstate *v) { return v->nomem || v->count >= (v->max ? v->max : 1u); }

static void emit(vstate *v, uint32_t insn, uint32_t obj, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void emit(vstate *v, uint32_t insn, uint32_t obj, const char *fmt, ...) {
    if (stopped(v)) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->count < v->max && v->report != NULL) v->report(v->ctx, insn, obj, msg);
    v->count++;
}

/* ---- descriptions used in messages ----------------------------------------- */

static const char *tstr(const mi_type *ty, char *buf, size_t n) {
    switch (ty->kind) {
    case MI_T_BIN: snprintf(buf, n, "BIN(%u)", ty->size); break;
    case MI_T_UBIN: snprintf(buf, n, "UBIN(%u)", ty->size); break;
    case MI_T_FLT: snprintf(buf, n, "FLT(%u)", ty->size); break;
    case MI_T_PKD: snprintf(buf, n, "PKD(%u,%u)", ty->size, ty->scale); break;
    case MI_T_ZND: snprintf(buf, n, "ZND(%u,%u)", ty->size, ty->scale); break;
    case MI_T_CHAR: snprintf(buf, n, "CHAR(%u)", ty->len); break;
    case MI_T_SPCPTR: snprintf(buf, n, "SPCPTR"); break;
    case MI_T_SYSPTR: snprintf(buf, n, "SYSPTR"); break;
    default: snprintf(buf, n, "type kind %u", ty->kind); break;
    }
    return buf;
}

/* Names are printed escaped: they may be anything until the names pass approves them. */
static const char *esc(const char *s, size_t maxlen, char *buf, size_t n) {
    size_t o = 0;
    if (s == NULL) s = "";
    for (size_t i = 0; s[i] != '\0' && i < maxlen && o + 5 < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'')
            buf[o++] = (char)ch;
        else
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", ch);
    }
    buf[o] = '\0';
    return buf;
}

static const char *oname(const mi_template *t, uint32_t i, char *buf, size_t n) {
    return esc(t->objs[i].name, MI_MAX_NAME, buf, n);
}

/* ---- types and constants ------------------------------------------------------ */

static int is_pointer(const mi_type *ty) { return ty->kind == MI_T_SPCPTR || ty->kind == MI_T_SYSPTR; }

/* NULL if the type is valid, else what is wrong with it. */
static const char *type_problem(const mi_type *ty, char *buf, size_t n) {
    const char *expect_size = NULL;
    switch (ty->kind) {
    case MI_T_BIN:
    case MI_T_UBIN:
        if (ty->size != 1 && ty->size != 2 && ty->size != 4 && ty->size != 8) expect_size = "1, 2, 4 or 8";
        break;
    case MI_T_FLT:
        if (ty->size != 4 && ty->size != 8) expect_size = "4 or 8";
        break;
    case MI_T_PKD:
    case MI_T_ZND:
        if (ty->size < 1 || ty->size > 31) {
            snprintf(buf, n, "precision %u not valid (must be 1 to 31)", ty->size);
            return buf;
        }
        if (ty->scale > ty->size) {
            snprintf(buf, n, "scale %u exceeds precision %u", ty->scale, ty->size);
            return buf;
        }
        if (ty->len != 0) {
            snprintf(buf, n, "unused length field is %u, must be 0", ty->len);
            return buf;
        }
        return NULL;
    case MI_T_CHAR:
        if (ty->len < 1 || ty->len > MI_MAX_CHAR_LEN) {
            snprintf(buf, n, "CHAR length %u not valid (must be 1 to %u)", ty->len, MI_MAX_CHAR_LEN);
            return buf;
        }
        if (ty->size != 0 || ty->scale != 0) {
            snprintf(buf, n, "unused size/scale fields are %u/%u, must be 0", ty->size, ty->scale);
            return buf;
        }
        return NULL;
    case MI_T_SPCPTR:
    case MI_T_SYSPTR:
        if (ty->size != 0 || ty->scale != 0 || ty->len != 0) {
            snprintf(buf, n, "unused size/scale/length fields are %u/%u/%u, must be 0", ty->size, ty->scale,
                     ty->len);
            return buf;
        }
        return NULL;
    default:
        snprintf(buf, n, "type kind %u not valid (must be 1 to 8)", ty->kind);
        return buf;
    }
    if (expect_size != NULL) {
        snprintf(buf, n, "%s size %u not valid (must be %s)", ty->kind == MI_T_FLT ? "FLT"
                 : ty->kind == MI_T_BIN ? "BIN" : "UBIN", ty->size, expect_size);
        return buf;
    }
    if (ty->scale != 0 || ty->len != 0) {
        snprintf(buf, n, "unused scale/length fields are %u/%u, must be 0", ty->scale, ty->len);
        return buf;
    }
    return NULL;
}

/* Is the constant's data valid and canonical for its (valid) type? */
static const char *data_problem(const mi_type *ty, const uint8_t *p, uint32_t nb, char *buf, size_t n) {
    if (ty->kind == MI_T_PKD) {
        unsigned nib = 2 * nb, first = nib - 1 - ty->size, zero = 1;
        for (unsigned k = 0; k < nib; k++) {
            unsigned x = (k & 1) ? (p[k / 2] & 0x0f) : (p[k / 2] >> 4);
            if (k < first) {
                if (x != 0) return snprintf(buf, n, "pad nibble is 0x%X, must be 0", x), buf;
            } else if (k < nib - 1) {
                if (x > 9) return snprintf(buf, n, "digit nibble %u is 0x%X", k - first + 1, x), buf;
                if (x != 0) zero = 0;
            } else if (x != 0xC && x != 0xD) {
                return snprintf(buf, n, "sign nibble 0x%X not canonical (must be C or D)", x), buf;
            } else if (x == 0xD && zero) {
                return snprintf(buf, n, "negative zero (sign D) not canonical"), buf;
            }
        }
    } else if (ty->kind == MI_T_ZND) {
        unsigned zero = 1;
        for (uint32_t k = 0; k < nb; k++) {
            unsigned hi = p[k] >> 4, lo = p[k] & 0x0f;
            if (lo > 9) return snprintf(buf, n, "byte %u (0x%02X) is not a zoned digit", k + 1, p[k]), buf;
            if (lo != 0) zero = 0;
            if (k + 1 < nb && hi != 3)
                return snprintf(buf, n, "byte %u (0x%02X) is not a zoned digit", k + 1, p[k]), buf;
            if (k + 1 == nb && hi != 3 && hi != 7)
                return snprintf(buf, n, "sign zone 0x%X not valid (must be 3 or 7)", hi), buf;
            if (k + 1 == nb && hi == 7 && zero)
                return snprintf(buf, n, "negative zero (zone 7) not canonical"), buf;
        }
    }
    /* Every byte pattern is a valid BIN, UBIN, FLT (NaNs included) or CHAR (§1). */
    return NULL;
}

/* Is constant c usable (its bytes in range and matching its valid type)? */
static int const_ok(const mi_template *t, uint32_t c) {
    const mi_const *k = &t->consts[c];
    char buf[160];
    return (uint64_t)k->offset + k->nbytes <= t->nconstbytes && type_problem(&k->type, buf, sizeof buf) == NULL &&
           k->nbytes == mi_type_bytes(&k->type);
}

static int64_t const_int(const mi_template *t, uint32_t c) {
    const mi_const *k = &t->consts[c];
    const uint8_t *p = t->constbytes + k->offset;
    uint64_t u = 0;
    for (uint32_t i = 0; i < k->nbytes && i < 8; i++) u |= (uint64_t)p[i] << (8 * i);
    if (k->nbytes < 8 && (u >> (8 * k->nbytes - 1)) & 1) u |= ~(uint64_t)0 << (8 * k->nbytes);
    return (int64_t)u;
}

static void check_consts(vstate *v) {
    const mi_template *t = v->t;
    char tb[32], pb[160];
    for (uint32_t c = 0; c < t->nconsts && !stopped(v); c++) {
        const mi_const *k = &t->consts[c];
        const char *pr;
        if ((pr = type_problem(&k->type, pb, sizeof pb)) != NULL) {
            emit(v, MI_NONE, MI_NONE, "constant %u: %s", c, pr);
            continue;
        }
        tstr(&k->type, tb, sizeof tb);
        if (is_pointer(&k->type)) {
            emit(v, MI_NONE, MI_NONE, "constant %u (%s): pointer constants are not allowed", c, tb);
            continue;
        }
        if (k->nbytes != mi_type_bytes(&k->type)) {
            emit(v, MI_NONE, MI_NONE, "constant %u (%s): has %u bytes but its type needs %u", c, tb, k->nbytes,
                 mi_type_bytes(&k->type));
            continue;
        }
        if ((uint64_t)k->offset + k->nbytes > t->nconstbytes) {
            emit(v, MI_NONE, MI_NONE, "constant %u (%s): bytes lie outside the constant data", c, tb);
            continue;
        }
        if ((pr = data_problem(&k->type, t->constbytes + k->offset, k->nbytes, pb, sizeof pb)) != NULL)
            emit(v, MI_NONE, MI_NONE, "constant %u (%s): %s", c, tb, pr);
    }
}

/* ---- objects ------------------------------------------------------------------- */

static uint64_t obj_total(const mi_object *o) {
    return (uint64_t)mi_type_bytes(&o->type) * (o->dim != 0 ? o->dim : 1u);
}

static const char *const class_names[6] = {"?", "STATIC", "AUTO", "PARM", "BASED", "DEFINED"};

static void check_object(vstate *v, uint32_t i) {
    const mi_template *t = v->t;
    const mi_object *o = &t->objs[i];
    char nb[300], nb2[300], pb[160], tb[32], tb2[32];
    const char *pr;
    oname(t, i, nb, sizeof nb);
    if ((pr = type_problem(&o->type, pb, sizeof pb)) != NULL) {
        emit(v, MI_NONE, i, "object %u '%s': %s", i, nb, pr);
        return;
    }
    if (o->cls < MI_C_STATIC || o->cls > MI_C_DEFINED) {
        emit(v, MI_NONE, i, "object %u '%s': storage class %u not valid", i, nb, o->cls);
        return;
    }
    const char *cn = class_names[o->cls];
    if (o->flags & ~MI_OBJ_HAS_INIT)
        emit(v, MI_NONE, i, "object %u '%s': flags 0x%02x not valid (only 0x01, INIT, is defined)", i, nb,
             o->flags);
    int has_init = (o->flags & MI_OBJ_HAS_INIT) != 0;
    if (has_init && o->init == MI_NONE)
        emit(v, MI_NONE, i, "object %u '%s': INIT flag set but no initial value", i, nb);
    if (!has_init && o->init != MI_NONE)
        emit(v, MI_NONE, i, "object %u '%s': initial value %u given without the INIT flag", i, nb, o->init);
    if (o->dim > MI_MAX_DIM)
        emit(v, MI_NONE, i, "object %u '%s': DIM(%u) exceeds the limit of %u", i, nb, o->dim, MI_MAX_DIM);
    else if (obj_total(o) > MI_MAX_OBJECT_BYTES)
        emit(v, MI_NONE, i, "object %u '%s': total size %llu bytes exceeds the limit of %u", i, nb,
             (unsigned long long)obj_total(o), MI_MAX_OBJECT_BYTES);
    if (is_pointer(&o->type)) {
        if (o->dim != 0) emit(v, MI_NONE, i, "object %u '%s': arrays of pointers are not allowed", i, nb);
        if (o->cls != MI_C_STATIC && o->cls != MI_C_AUTO && o->cls != MI_C_PARM)
            emit(v, MI_NONE, i, "object %u '%s': a pointer must be STATIC, AUTO or PARM, not %s", i, nb, cn);
        if (o->init != MI_NONE || has_init)
            emit(v, MI_NONE, i, "object %u '%s': a pointer cannot have INIT", i, nb);
    } else if ((o->cls == MI_C_PARM || o->cls == MI_C_BASED) && (o->init != MI_NONE || has_init)) {
        emit(v, MI_NONE, i, "object %u '%s': a %s object cannot have INIT", i, nb, cn);
    }
    if (o->cls == MI_C_BASED) {
        if (o->base >= t->nobjs) {
            emit(v, MI_NONE, i, "object %u '%s': BASED on object %u, which does not exist", i, nb, o->base);
        } else {
            const mi_object *b = &t->objs[o->base];
            oname(t, o->base, nb2, sizeof nb2);
            if (b->type.kind != MI_T_SPCPTR)
                emit(v, MI_NONE, i, "object %u '%s': BASED on '%s', which is %s, not a SPCPTR", i, nb, nb2,
                     tstr(&b->type, tb, sizeof tb));
            else if (b->cls != MI_C_STATIC && b->cls != MI_C_AUTO)
                emit(v, MI_NONE, i, "object %u '%s': BASED on '%s', which is %s; the pointer must be STATIC or AUTO",
                     i, nb, nb2, b->cls <= MI_C_DEFINED ? class_names[b->cls] : "of no valid class");
        }
        if (o->offset != 0)
            emit(v, MI_NONE, i, "object %u '%s': offset %u must be 0 for a BASED object", i, nb, o->offset);
    } else if (o->cls == MI_C_DEFINED) {
        if (o->base >= i) {
            emit(v, MI_NONE, i, "object %u '%s': DEFINED on object %u, which is not declared before it", i, nb,
                 o->base);
        } else {
            const mi_object *b = &t->objs[o->base];
            oname(t, o->base, nb2, sizeof nb2);
            if (is_pointer(&b->type))
                emit(v, MI_NONE, i, "object %u '%s': DEFINED on pointer '%s'", i, nb, nb2);
            else if (b->dim <= MI_MAX_DIM && (uint64_t)o->offset + obj_total(o) > obj_total(b))
                emit(v, MI_NONE, i,
                     "object %u '%s': DEFINED at offset %u with %llu bytes exceeds the %llu bytes of '%s'", i, nb,
                     o->offset, (unsigned long long)obj_total(o), (unsigned long long)obj_total(b), nb2);
            /* "Its storage class is that of b": an overlay of PARM or BASED storage
             * has no storage of its own to initialise. */
            uint32_t r = o->base;
            while (r < t->nobjs && t->objs[r].cls == MI_C_DEFINED && t->objs[r].base < r) r = t->objs[r].base;
            if (has_init && r < t->nobjs && (t->objs[r].cls == MI_C_PARM || t->objs[r].cls == MI_C_BASED))
                emit(v, MI_NONE, i, "object %u '%s': INIT not allowed: DEFINED on %s storage of '%s'", i, nb,
                     class_names[t->objs[r].cls], oname(t, r, nb2, sizeof nb2));
        }
    } else {
        if (o->base != MI_NONE)
            emit(v, MI_NONE, i, "object %u '%s': base %u given for class %s (must be 0xFFFFFFFF)", i, nb,
                 o->base, cn);
        if (o->offset != 0)
            emit(v, MI_NONE, i, "object %u '%s': offset %u given for class %s (must be 0)", i, nb, o->offset,
                 cn);
    }
    if (o->init != MI_NONE) {
        if (o->init >= t->nconsts)
            emit(v, MI_NONE, i, "object %u '%s': INIT constant %u does not exist (%u constants)", i, nb, o->init,
                 t->nconsts);
        else if (!mi_type_equal(&t->consts[o->init].type, &o->type))
            emit(v, MI_NONE, i, "object %u '%s': INIT constant %u has type %s but the object's type is %s", i, nb,
                 o->init, tstr(&t->consts[o->init].type, tb, sizeof tb), tstr(&o->type, tb2, sizeof tb2));
    }
}

/* ---- operands and instructions -------------------------------------------------- */

typedef struct forms {
    char fixed[32];
    unsigned nfixed;
    char rep;        /* repeated letter or 0 */
    unsigned minrep; /* 1 for '+', 0 for '*' */
} forms;

/* opcodes.def/services.def only repeat the last letter ('*' or '+'). */
static void parse_forms(const char *s, forms *f) {
    memset(f, 0, sizeof *f);
    for (size_t i = 0; s[i] != '\0'; i++) {
        if (s[i + 1] == '*' || s[i + 1] == '+') {
            f->rep = s[i];
            f->minrep = s[i + 1] == '+';
            break;
        }
        if (f->nfixed < sizeof f->fixed) f->fixed[f->nfixed++] = s[i];
    }
}

static char form_at(const forms *f, unsigned j) { return j < f->nfixed ? f->fixed[j] : f->rep; }

static int count_ok(const forms *f, unsigned n, char *buf, size_t bn) {
    unsigned min = f->nfixed + f->minrep;
    if (f->rep ? n >= min : n == min) return 1;
    snprintf(buf, bn, "%s %u operand%s", f->rep ? "at least" : "exactly", min, min == 1 ? "" : "s");
    return 0;
}

static const char *expected(char l) {
    switch (l) {
    case 'N': return "numeric";
    case 'n': return "numeric receiver";
    case 'I': return "BIN or UBIN";
    case 'i': return "BIN or UBIN receiver";
    case 'C': return "character";
    case 'c': return "character receiver";
    case 'P': case 'p': return "SPCPTR object";
    case 'S': case 's': return "SYSPTR object";
    case 'L': return "label";
    case 'A': return "object, element, substring or constant";
    case 'V': return "object, element, substring or constant";
    case 'K': return "BIN constant";
    case 'E': return "CHAR(7) exception-id constant";
    default: return "nothing";
    }
}

/* Checks an index/start/length operand; NULL if fine. */
static const char *simple_problem(const mi_template *t, const mi_subref *s, const char *what, char *buf,
                                  size_t n) {
    char tb[32], nb[300];
    if (s->kind == MI_O_OBJ) {
        if (s->ref >= t->nobjs) return snprintf(buf, n, "%s object %u does not exist", what, s->ref), buf;
        const mi_object *o = &t->objs[s->ref];
        if (o->dim != 0 || !mi_type_is_integer(&o->type))
            return snprintf(buf, n, "%s must be a BIN or UBIN scalar object or constant; '%s' is %s%s", what,
                            oname(t, s->ref, nb, sizeof nb), o->dim ? "an array of " : "",
                            tstr(&o->type, tb, sizeof tb)), buf;
    } else if (s->kind == MI_O_CONST) {
        if (s->ref >= t->nconsts) return snprintf(buf, n, "%s constant %u does not exist", what, s->ref), buf;
        if (!mi_type_is_integer(&t->consts[s->ref].type))
            return snprintf(buf, n, "%s must be a BIN or UBIN scalar object or constant; constant %u is %s", what,
                            s->ref, tstr(&t->consts[s->ref].type, tb, sizeof tb)), buf;
    } else {
        return snprintf(buf, n, "%s operand kind %u not valid", what, s->kind), buf;
    }
    return NULL;
}

static int is_excid(const uint8_t *p) {
    for (int i = 0; i < 3; i++)
        if (p[i] < 'A' || p[i] > 'Z') return 0;
    for (int i = 3; i < 7; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'A' && p[i] <= 'F'))) return 0;
    return 1;
}

/* Checks operand j of instruction k against form letter l; returns 1 if valid. */
/* How a message names operand o (already checked to exist): "array BIN(4) object 'x'",
 * "CHAR(3) constant 2", "element of ZND(5,0) array 'arr'", "substring of 's'". */
static const char *describe_operand(const mi_template *t, const mi_operand *o, char *buf, size_t n) {
    char nb[300], tb[32];
    switch (o->kind) {
    case MI_O_OBJ:
        snprintf(buf, n, "%s%s object '%s'", t->objs[o->ref].dim ? "array " : "",
                 tstr(&t->objs[o->ref].type, tb, sizeof tb), oname(t, o->ref, nb, sizeof nb));
        break;
    case MI_O_CONST:
        snprintf(buf, n, "%s constant %u", tstr(&t->consts[o->ref].type, tb, sizeof tb), o->ref);
        break;
    case MI_O_ELEM:
        snprintf(buf, n, "element of %s array '%s'", tstr(&t->objs[o->ref].type, tb, sizeof tb),
                 oname(t, o->ref, nb, sizeof nb));
        break;
    default:
        snprintf(buf, n, "substring of '%s'", oname(t, o->ref, nb, sizeof nb));
        break;
    }
    return buf;
}

static int check_operand(vstate *v, uint32_t k, unsigned j, char l, const mi_operand *o) {
    const mi_template *t = v->t;
    const char *mn = mi_opinfo_table[t->insns[k].op].name;
    char nb[300], tb[32], sb[400], what[400], pb[600];
    /* The operand's description is only needed in a message: formatting it for every
     * operand was a third of the verifier's time on large programs. */
#define WHAT() describe_operand(t, o, what, sizeof what)
    const mi_type *ty = NULL;
    int is_const = 0;
#define OPFAIL(...)                                                                         \
    do {                                                                                    \
        snprintf(pb, sizeof pb, __VA_ARGS__);                                               \
        emit(v, k, MI_NONE, "instruction %u (%s): operand %u: %s", k + 1, mn, j + 1, pb);   \
        return 0;                                                                           \
    } while (0)
    switch (o->kind) {
    case MI_O_OBJ:
        if (o->ref >= t->nobjs) OPFAIL("object %u does not exist (%u objects)", o->ref, t->nobjs);
        ty = &t->objs[o->ref].type;
        if (t->objs[o->ref].dim != 0 && l != 'A' && l != 'V')
            OPFAIL("%s not allowed here; expected %s", WHAT(), expected(l));
        break;
    case MI_O_CONST:
        if (o->ref >= t->nconsts) OPFAIL("constant %u does not exist (%u constants)", o->ref, t->nconsts);
        ty = &t->consts[o->ref].type;
        is_const = 1;
        break;
    case MI_O_ELEM: {
        if (o->ref >= t->nobjs) OPFAIL("object %u does not exist (%u objects)", o->ref, t->nobjs);
        const mi_object *b = &t->objs[o->ref];
        oname(t, o->ref, nb, sizeof nb);
        if (b->dim == 0) OPFAIL("element of '%s', which is not an array", nb);
        const char *pr = simple_problem(t, &o->sub[0], "index", sb, sizeof sb);
        if (pr != NULL) OPFAIL("element of '%s': %s", nb, pr);
        ty = &b->type;
        break;
    }
    case MI_O_SUBSTR: {
        if (o->ref >= t->nobjs) OPFAIL("object %u does not exist (%u objects)", o->ref, t->nobjs);
        const mi_object *b = &t->objs[o->ref];
        oname(t, o->ref, nb, sizeof nb);
        if (b->type.kind != MI_T_CHAR || b->dim != 0)
            OPFAIL("substring of '%s', which is %s%s, not a CHAR scalar", nb, b->dim ? "an array of " : "",
                   tstr(&b->type, tb, sizeof tb));
        const char *pr = simple_problem(t, &o->sub[0], "start", sb, sizeof sb);
        if (pr == NULL) pr = simple_problem(t, &o->sub[1], "length", sb, sizeof sb);
        if (pr != NULL) OPFAIL("substring of '%s': %s", nb, pr);
        ty = &b->type; /* CHAR; the length is decided at run time */
        break;
    }
    case MI_O_LABEL:
        if (o->ref >= t->ninsns)
            OPFAIL("branch target index %u is not an instruction (%u instructions)", o->ref, t->ninsns);
        if (l != 'L') OPFAIL("label not allowed; expected %s", expected(l));
        if (!v->named[o->ref]) OPFAIL("branch target index %u is not named by any label", o->ref);
        return 1;
    default:
        OPFAIL("operand kind %u not valid", o->kind);
    }
    if (l == 'L') OPFAIL("%s not allowed; expected a label", WHAT());
    if (is_const && l >= 'a' && l <= 'z') OPFAIL("%s not allowed; a receiver cannot be a constant", WHAT());
    int ok;
    switch (l) {
    case 'N': case 'n': ok = mi_type_is_numeric(ty); break;
    case 'I': case 'i': ok = mi_type_is_integer(ty); break;
    case 'C': case 'c': ok = ty->kind == MI_T_CHAR; break;
    case 'P': case 'p': ok = o->kind == MI_O_OBJ && ty->kind == MI_T_SPCPTR; break;
    case 'S': case 's': ok = o->kind == MI_O_OBJ && ty->kind == MI_T_SYSPTR; break;
    case 'A': case 'V': ok = 1; break;
    case 'K': ok = is_const && ty->kind == MI_T_BIN; break;
    case 'E': {
        ok = is_const && ty->kind == MI_T_CHAR && ty->len == 7;
        if (ok) {
            const mi_const *c = &t->consts[o->ref];
            if (c->nbytes != 7 || (uint64_t)c->offset + 7 > t->nconstbytes) return 0; /* reported with the constants */
            if (!is_excid(t->constbytes + c->offset))
                OPFAIL("%s is not an exception id (3 letters A-Z then 4 hexadecimal digits 0-9A-F)", WHAT());
        }
        break;
    }
    default: ok = 0; break;
    }
    if (!ok) OPFAIL("%s not allowed; expected %s", WHAT(), expected(l));
    return 1;
#undef WHAT
#undef OPFAIL
}

static void check_insn(vstate *v, uint32_t k) {
    const mi_template *t = v->t;
    const mi_insn *in = &t->insns[k];
    const mi_opinfo *info = &mi_opinfo_table[in->op];
    /* A template whose instructions take no operands has no operand table (NULL):
     * form the pointer only when there is something to point at. */
    const mi_operand *ops = in->nopnds ? &t->opnds[in->first] : NULL;
    char buf[64];
    unsigned allowed = ((info->flags & MI_F_ROUND) ? MI_MOD_ROUND : 0u) |
                       ((info->flags & MI_F_COND) ? MI_MOD_COND_MASK : 0u);
    if (in->mods & ~allowed) {
        unsigned bad = in->mods & ~allowed;
        emit(v, k, MI_NONE, "instruction %u (%s): modifier bits 0x%02x not allowed%s", k + 1, info->name, bad,
             (bad & MI_MOD_ROUND) ? " (no .R form)" : (bad & MI_MOD_COND_MASK) ? " (takes no condition)" : "");
    } else if ((info->flags & MI_F_COND) && ((in->mods & MI_MOD_COND_MASK) == 0 ||
                                             (in->mods & MI_MOD_COND_MASK) > MI_COND_NL)) {
        emit(v, k, MI_NONE, "instruction %u (%s): requires one condition (.HI .LO .EQ .NE .NH .NL); got %u",
             k + 1, info->name, in->mods & MI_MOD_COND_MASK);
    }
    forms f;
    parse_forms(info->forms, &f);
    if (!count_ok(&f, in->nopnds, buf, sizeof buf)) {
        emit(v, k, MI_NONE, "instruction %u (%s): takes %s, got %u", k + 1, info->name, buf, in->nopnds);
        return;
    }
    for (unsigned j = 0; j < in->nopnds; j++) v->letters[in->first + j] = form_at(&f, j);
    if (in->op == MI_OP_SVC) {
        /* The service's own forms replace V when the number is known (§11). */
        if (!check_operand(v, k, 0, 'K', &ops[0])) return;
        if (!const_ok(t, ops[0].ref)) return; /* reported with the constants */
        int64_t num = const_int(t, ops[0].ref);
        mi_svc s = mi_svc_from_number(num);
        if (s != MI_SVC_COUNT) {
            forms sf;
            parse_forms(mi_svcinfo_table[s].forms, &sf);
            if (!count_ok(&sf, in->nopnds - 1u, buf, sizeof buf)) {
                emit(v, k, MI_NONE, "instruction %u (SVC): service %lld (%s) takes %s, got %u", k + 1,
                     (long long)num, mi_svcinfo_table[s].name, buf, in->nopnds - 1u);
                return;
            }
            for (unsigned j = 1; j < in->nopnds; j++) v->letters[in->first + j] = form_at(&sf, j - 1);
        }
    }
    for (unsigned j = 0; j < in->nopnds && !stopped(v); j++)
        if (!(in->op == MI_OP_SVC && j == 0)) check_operand(v, k, j, v->letters[in->first + j], &ops[j]);
}

/* ---- monitors and names ---------------------------------------------------------- */

static void check_monitors(vstate *v) {
    const mi_template *t = v->t;
    static const char all[8] = "*ALL";
    for (uint32_t m = 0; m < t->nmons && !stopped(v); m++) {
        const mi_monitor *mo = &t->mons[m];
        const uint8_t *id = (const uint8_t *)mo->id;
        char ib[40];
        size_t o = 0;
        for (int i = 0; i < 8; i++) {
            if (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '\\' && id[i] != '\'')
                ib[o++] = (char)id[i];
            else
                o += (size_t)snprintf(ib + o, sizeof ib - o, "\\x%02x", id[i]);
        }
        ib[o] = '\0';
        if (memcmp(id, all, 8) != 0 && !(is_excid(id) && id[7] == 0))
            emit(v, MI_NONE, MI_NONE,
                 "monitor %u: exception id '%s' not valid (must be *ALL or 3 letters A-Z then 4 "
                 "hexadecimal digits, NUL-padded)", m, ib);
        if (mo->from > mo->to)
            emit(v, MI_NONE, MI_NONE, "monitor %u: range from index %u to index %u is empty (from > to)", m,
                 mo->from, mo->to);
        else if (mo->to >= t->ninsns)
            emit(v, MI_NONE, MI_NONE, "monitor %u: range end index %u is not an instruction (%u instructions)", m,
                 mo->to, t->ninsns);
        if (mo->handler >= t->ninsns)
            emit(v, MI_NONE, MI_NONE, "monitor %u: handler index %u is not an instruction (%u instructions)", m,
                 mo->handler, t->ninsns);
        /* N4: so that every template can be disassembled into labels */
        const char *const field[3] = {"from", "to", "handler"};
        const uint32_t at[3] = {mo->from, mo->to, mo->handler};
        for (int f = 0; f < 3; f++)
            if (at[f] < t->ninsns && !v->named[at[f]])
                emit(v, MI_NONE, MI_NONE, "monitor %u: %s index %u is not named by any label", m, field[f], at[f]);
    }
}

static int is_ident(const char *s) {
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        unsigned char ch = (unsigned char)s[n];
        int alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' || ch == '$' ||
                    ch == '#' || ch == '@';
        if (!alpha && !(n > 0 && ch >= '0' && ch <= '9')) return 0;
        if (n >= MI_MAX_NAME) return 0;
    }
    return n > 0;
}

/* Open-addressing set of item indices, used for the uniqueness rules. */
typedef struct hset {
    uint32_t *slot; /* index + 1, 0 = empty */
    size_t mask;
} hset;

static int hset_init(hset *h, uint32_t n) {
    size_t size = 16;
    while (size < 2 * (size_t)n) size <<= 1;
    h->mask = size - 1;
    h->slot = calloc(size, sizeof *h->slot);
    return h->slot != NULL;
}

typedef int (*hset_eq)(const mi_template *t, uint32_t a, uint32_t b);

/* Inserts idx unless an equal item is present; returns that item or MI_NONE. */
static uint32_t hset_add(hset *h, const mi_template *t, uint64_t hash, uint32_t idx, hset_eq eq) {
    for (size_t s = (size_t)hash & h->mask;; s = (s + 1) & h->mask) {
        if (h->slot[s] == 0) {
            h->slot[s] = idx + 1;
            return MI_NONE;
        }
        if (eq(t, h->slot[s] - 1, idx)) return h->slot[s] - 1;
    }
}

static int eq_objname(const mi_template *t, uint32_t a, uint32_t b) {
    return strcmp(t->objs[a].name, t->objs[b].name) == 0;
}
static int eq_labname(const mi_template *t, uint32_t a, uint32_t b) {
    return strcmp(t->labels[a].name, t->labels[b].name) == 0;
}
static int eq_const(const mi_template *t, uint32_t a, uint32_t b) {
    const mi_const *x = &t->consts[a], *y = &t->consts[b];
    return mi_type_equal(&x->type, &y->type) && x->nbytes == y->nbytes &&
           (x->nbytes == 0 || memcmp(t->constbytes + x->offset, t->constbytes + y->offset, x->nbytes) == 0);
}

static void check_names(vstate *v) {
    const mi_template *t = v->t;
    char nb[300];
    hset h;
    if (!hset_init(&h, t->nobjs)) { v->nomem = 1; return; }
    for (uint32_t i = 0; i < t->nobjs && !stopped(v); i++) {
        const char *s = t->objs[i].name;
        if (s == NULL) {
            emit(v, MI_NONE, i, "object %u has no name", i);
            continue;
        }
        if (!is_ident(s)) {
            emit(v, MI_NONE, i, "object %u: name '%s' is not a valid identifier", i, oname(t, i, nb, sizeof nb));
            continue;
        }
        uint32_t prev = hset_add(&h, t, XXH64(s, strlen(s), 0), i, eq_objname);
        if (prev != MI_NONE)
            emit(v, MI_NONE, i, "object %u: name '%s' is already the name of object %u", i, s, prev);
    }
    free(h.slot);
    if (stopped(v)) return;
    if (!hset_init(&h, t->nlabels)) { v->nomem = 1; return; }
    for (uint32_t i = 0; i < t->nlabels && !stopped(v); i++) {
        const mi_label *lb = &t->labels[i];
        if (lb->name == NULL) {
            emit(v, MI_NONE, MI_NONE, "label %u has no name", i);
            continue;
        }
        if (!is_ident(lb->name)) {
            emit(v, MI_NONE, MI_NONE, "label %u: name '%s' is not a valid identifier", i,
                 esc(lb->name, MI_MAX_NAME, nb, sizeof nb));
            continue;
        }
        if (lb->insn >= t->ninsns)
            emit(v, MI_NONE, MI_NONE, "label %u '%s': instruction index %u is not an instruction (%u instructions)",
                 i, lb->name, lb->insn, t->ninsns);
        else if (i > 0 && lb->insn < t->labels[i - 1].insn)
            emit(v, lb->insn, MI_NONE,
                 "label %u '%s': instruction index %u comes before index %u of the previous label "
                 "(labels must be in definition order)", i, lb->name, lb->insn, t->labels[i - 1].insn);
        uint32_t prev = hset_add(&h, t, XXH64(lb->name, strlen(lb->name), 0), i, eq_labname);
        if (prev != MI_NONE)
            emit(v, lb->insn < t->ninsns ? lb->insn : MI_NONE, MI_NONE,
                 "label %u: name '%s' is already the name of label %u", i, lb->name, prev);
    }
    free(h.slot);
}

/* ---- constant pool canonical form (§13) ----------------------------------------- */

typedef struct pool {
    uint8_t *seen;
    uint32_t next;
    int bad; /* an order violation was reported; the order is not checked further */
} pool;

/* A reference to constant c from object obj's INIT (insn == MI_NONE) or from
 * operand j of instruction insn. */
static void pool_visit(vstate *v, pool *p, uint32_t c, uint32_t insn, uint32_t obj, unsigned j) {
    const mi_template *t = v->t;
    if (c >= t->nconsts || p->seen[c]) return;
    p->seen[c] = 1;
    if (p->bad) return;
    if (c != p->next) {
        char where[400], nb[300];
        if (insn == MI_NONE)
            snprintf(where, sizeof where, "the INIT of object %u '%s'", obj, oname(t, obj, nb, sizeof nb));
        else
            snprintf(where, sizeof where, "instruction %u (%s) operand %u", insn + 1,
                     mi_opinfo_table[t->insns[insn].op].name, j + 1);
        emit(v, insn, obj,
             "constant pool not in canonical order: %s is the first reference to constant %u, "
             "so it must be constant %u (constants are numbered in order of first reference)",
             where, c, p->next);
        p->bad = 1;
    }
    p->next++;
}

static void check_pool(vstate *v) {
    const mi_template *t = v->t;
    pool p = {.seen = calloc(t->nconsts ? t->nconsts : 1, 1)};
    if (p.seen == NULL) { v->nomem = 1; return; }
    for (uint32_t i = 0; i < t->nobjs; i++)
        if (t->objs[i].init != MI_NONE) pool_visit(v, &p, t->objs[i].init, MI_NONE, i, 0);
    for (uint32_t k = 0; k < t->ninsns; k++) {
        const mi_insn *in = &t->insns[k];
        for (unsigned j = 0; j < in->nopnds; j++) {
            const mi_operand *o = &t->opnds[in->first + j];
            if (o->kind == MI_O_CONST) pool_visit(v, &p, o->ref, k, MI_NONE, j);
            unsigned nsub = o->kind == MI_O_ELEM ? 1 : o->kind == MI_O_SUBSTR ? 2 : 0;
            for (unsigned s = 0; s < nsub; s++)
                if (o->sub[s].kind == MI_O_CONST) pool_visit(v, &p, o->sub[s].ref, k, MI_NONE, j);
        }
    }
    for (uint32_t c = 0; c < t->nconsts && !stopped(v); c++)
        if (!p.seen[c]) emit(v, MI_NONE, MI_NONE, "constant %u is never referenced", c);
    free(p.seen);
    hset h;
    if (stopped(v)) return;
    if (!hset_init(&h, t->nconsts)) { v->nomem = 1; return; }
    for (uint32_t c = 0; c < t->nconsts && !stopped(v); c++) {
        const mi_const *k = &t->consts[c];
        uint64_t seed = k->type.kind | (uint64_t)k->type.size << 8 | (uint64_t)k->type.scale << 16 |
                        (uint64_t)k->type.len << 24;
        uint64_t hh = XXH64(k->nbytes ? t->constbytes + k->offset : (const uint8_t *)"", k->nbytes, seed);
        uint32_t prev = hset_add(&h, t, hh, c, eq_const);
        if (prev != MI_NONE)
            emit(v, MI_NONE, MI_NONE, "constant %u is equal to constant %u (same type and bytes); each constant "
                 "must be stored once", c, prev);
    }
    free(h.slot);
}

/* ---- pointers used but never set ---------------------------------------------------- */

/* The object whose storage o occupies: follows DEFINED overlays to their root. */
static uint32_t storage_root(const mi_template *t, uint32_t o) {
    while (o < t->nobjs && t->objs[o].cls == MI_C_DEFINED && t->objs[o].base < o) o = t->objs[o].base;
    return o;
}

static void note_based_use(const mi_template *t, uint32_t o, uint32_t k, uint32_t *use) {
    uint32_t r = storage_root(t, o);
    if (r < t->nobjs && t->objs[r].cls == MI_C_BASED && t->objs[r].base < t->nobjs && use[t->objs[r].base] == MI_NONE)
        use[t->objs[r].base] = k;
}

static void check_pointer_set(vstate *v) {
    const mi_template *t = v->t;
    char nb[300];
    uint32_t *use = malloc((t->nobjs ? t->nobjs : 1) * sizeof *use);
    uint8_t *set = calloc(t->nobjs ? t->nobjs : 1, 1);
    if (use == NULL || set == NULL) {
        free(use);
        free(set);
        v->nomem = 1;
        return;
    }
    for (uint32_t i = 0; i < t->nobjs; i++) use[i] = MI_NONE;
    for (uint32_t k = 0; k < t->ninsns; k++) {
        const mi_insn *in = &t->insns[k];
        for (unsigned j = 0; j < in->nopnds; j++) {
            const mi_operand *o = &t->opnds[in->first + j];
            char l = v->letters[in->first + j];
            if (o->kind == MI_O_OBJ || o->kind == MI_O_ELEM || o->kind == MI_O_SUBSTR) {
                if (o->ref >= t->nobjs) continue;
                note_based_use(t, o->ref, k, use);
                if (o->kind == MI_O_OBJ && is_pointer(&t->objs[o->ref].type)) {
                    /* CALLX passes arguments by reference: the callee may set the
                     * pointer through its PARM, so an A operand counts as a set. */
                    if (l == 'p' || l == 's' || l == 'A')
                        set[o->ref] = 1;
                    else if ((l == 'P' || l == 'S' || l == 'V') && use[o->ref] == MI_NONE)
                        use[o->ref] = k;
                }
                unsigned nsub = o->kind == MI_O_ELEM ? 1 : o->kind == MI_O_SUBSTR ? 2 : 0;
                for (unsigned s = 0; s < nsub; s++)
                    if (o->sub[s].kind == MI_O_OBJ && o->sub[s].ref < t->nobjs)
                        note_based_use(t, o->sub[s].ref, k, use);
            }
        }
    }
    for (uint32_t i = 0; i < t->nobjs && !stopped(v); i++) {
        const mi_object *o = &t->objs[i];
        if (is_pointer(&o->type) && (o->cls == MI_C_STATIC || o->cls == MI_C_AUTO) && use[i] != MI_NONE && !set[i])
            emit(v, use[i], i, "pointer '%s' (object %u) is used but never set (first use: instruction %u (%s))",
                 oname(t, i, nb, sizeof nb), i, use[i] + 1, mi_opinfo_table[t->insns[use[i]].op].name);
    }
    free(use);
    free(set);
}

/* ---- driver ----------------------------------------------------------------------- */

/* Array presence, counts and instruction layout: everything the other passes index by. */
static int check_structure(vstate *v) {
    const mi_template *t = v->t;
    const struct { uint32_t n; const void *a; const char *what; } arr[] = {
        {t->nobjs, t->objs, "objects"},     {t->nconsts, t->consts, "constants"},
        {t->ninsns, t->insns, "instructions"}, {t->nmons, t->mons, "monitors"},
        {t->nlabels, t->labels, "labels"}};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
        if (arr[i].n > MI_MAX_ITEMS)
            emit(v, MI_NONE, MI_NONE, "too many %s: %u (limit %u)", arr[i].what, arr[i].n, MI_MAX_ITEMS);
        else if (arr[i].n > 0 && arr[i].a == NULL)
            emit(v, MI_NONE, MI_NONE, "template has %u %s but no array for them", arr[i].n, arr[i].what);
    }
    if ((t->nopnds > 0 && t->opnds == NULL) || (t->nconstbytes > 0 && t->constbytes == NULL))
        emit(v, MI_NONE, MI_NONE, "template has operands or constant data but no array for them");
    if (t->mi_version == 0 || t->mi_version > MI_VERSION)
        emit(v, MI_NONE, MI_NONE, "requires MI version %u; this runtime implements MI version %u", t->mi_version,
             MI_VERSION);
    if (v->count > 0) return 0;
    for (uint32_t k = 0; k < t->ninsns; k++) {
        const mi_insn *in = &t->insns[k];
        if ((unsigned)in->op >= MI_OP_COUNT)
            emit(v, k, MI_NONE, "instruction %u: opcode %d not valid", k + 1, (int)in->op);
        else if ((uint64_t)in->first + in->nopnds > t->nopnds)
            emit(v, k, MI_NONE, "instruction %u (%s): operands [%u, %llu) lie outside the %u operands", k + 1,
                 mi_opinfo_table[in->op].name, in->first, (unsigned long long)in->first + in->nopnds, t->nopnds);
        if (stopped(v)) break;
    }
    for (uint32_t c = 0; c < t->nconsts && !stopped(v); c++)
        if ((uint64_t)t->consts[c].offset + t->consts[c].nbytes > t->nconstbytes)
            emit(v, MI_NONE, MI_NONE, "constant %u: bytes lie outside the %u bytes of constant data", c,
                 t->nconstbytes);
    return v->count == 0;
}

mi_status mi_template_verify_each(const mi_template *t, mi_verify_report report, void *ctx, unsigned max) {
    if (t == NULL) return MI_E_ARG;
    vstate v = {.t = t, .report = report, .ctx = ctx, .max = max};
    if (check_structure(&v)) {
        v.letters = calloc(t->nopnds ? t->nopnds : 1, 1);
        v.named = calloc(t->ninsns ? t->ninsns : 1, 1);
        if (v.letters == NULL || v.named == NULL) {
            free(v.letters);
            free(v.named);
            return MI_E_NOMEM;
        }
        for (uint32_t i = 0; i < t->nlabels; i++)
            if (t->labels[i].insn < t->ninsns) v.named[t->labels[i].insn] = 1;
        for (uint32_t i = 0; i < t->nobjs && !stopped(&v); i++) check_object(&v, i);
        check_consts(&v);
        for (uint32_t k = 0; k < t->ninsns && !stopped(&v); k++) check_insn(&v, k);
        check_monitors(&v);
        if (!stopped(&v)) check_names(&v);
        if (!stopped(&v)) check_pool(&v);
        if (!stopped(&v)) check_pointer_set(&v);
        free(v.letters);
        free(v.named);
    }
    if (v.nomem) return MI_E_NOMEM;
    return v.count == 0 ? MI_OK : MI_E_VERIFY;
}

static void first_message(void *ctx, uint32_t insn, uint32_t obj, const char *msg) {
    (void)insn;
    (void)obj;
    mi_diag *d = ctx;
    if (d != NULL) snprintf(d->msg, sizeof d->msg, "%s", msg);
}

mi_status mi_template_verify(const mi_template *t, mi_diag *d) {
    if (t == NULL) return mi_diag_set(d, MI_E_ARG, "mi_template_verify: no template");
    mi_status st = mi_template_verify_each(t, first_message, d, 1);
    if (st == MI_E_NOMEM) return mi_diag_set(d, st, "out of memory while verifying the template");
    return st;
}
