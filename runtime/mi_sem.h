/* Semantic helpers: the one implementation of MI's data semantics (mi-spec/mi-v1.md
 * §4–§7). The interpreter calls these, and the C that the translator emits calls
 * the same functions through the runtime table, so the two cannot drift apart.
 *
 * Conventions: operands are raw storage bytes plus their type; CHAR operands are
 * (pointer, length) because substrings have run-time lengths. Every function
 * returns MI_EXC_NONE or the exception the instruction raises; on an exception
 * the receiver is unchanged. Receivers may overlap sources. No function
 * allocates, keeps pointers, or touches anything but the bytes it is given. */
#ifndef MI_SEM_H
#define MI_SEM_H
#include <stdint.h>
#include <string.h>
#include "mi_template.h"

/* Numeric: op is MI_OP_ADDN, SUBN, MULN, DIVN or REMN. round: nonzero for .R */
mi_exc mi_sem_arith(mi_op op, int round,
                    const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a,
                    const mi_type *bt, const uint8_t *b);
/* op is MI_OP_NEGN, ABSN or CPYNV. */
mi_exc mi_sem_unary(mi_op op, int round, const mi_type *rt, uint8_t *r,
                    const mi_type *at, const uint8_t *a);
/* op is MI_OP_AND, OR, XOR, SHL, SHR (b used) or NOT (b ignored). Never raises. */
mi_exc mi_sem_bitwise(mi_op op, const mi_type *rt, uint8_t *r,
                      const mi_type *at, const uint8_t *a,
                      const mi_type *bt, const uint8_t *b);

/* Numeric compare: *cmp := -1, 0, 1, or 2 when unordered (a NaN). May raise
 * MCH1202 for bad decimal data. */
mi_exc mi_sem_cmpn(int *cmp, const mi_type *at, const uint8_t *a,
                   const mi_type *bt, const uint8_t *b);
/* Does compare result cmp satisfy condition c? (unordered: only NE) */
int mi_sem_cond(mi_cond c, int cmp);

/* Integer loads/stores used for indices, lengths, counts and results such as
 * SCAN's. load: *ok := 0 when the value does not fit int64 (a huge UBIN(8)),
 * which callers treat as out of range. store: MCH1210 if v does not fit rt
 * (rt may be any numeric type; v is converted as in §4). */
int64_t mi_sem_load_int(const mi_type *t, const uint8_t *p, int *ok);
mi_exc mi_sem_store_int(const mi_type *rt, uint8_t *r, int64_t v);

/* Fast paths for generated code. get64: the coefficient of a PKD/ZND value
 * (the value times 10^scale) as an int64; MCH1202 for bad decimal data, MCH1210
 * if it does not fit int64 (only possible above 18 digits). put64: the reverse;
 * MCH1210 if |coef| >= 10^p. Sign C/D (zero positive), zone 3/7 as in §1. */
mi_exc mi_sem_dec_get64(const mi_type *t, const uint8_t *p, int64_t *coef);
mi_exc mi_sem_dec_put64(const mi_type *t, uint8_t *p, int64_t coef);
/* The inline decimal path of translated code (translator/codegen_dec.c): a
 * PKD(prec) for 1 <= prec <= 18. pkd_get: *coef := its coefficient; 0 for bad
 * decimal data (MCH1202). pkd_put: stores z / 10^k (0 <= k <= 18; truncated
 * toward zero, or rounded half away from zero when rnd) with signs C/D (zero
 * C), and that coefficient in *stored; 0, writing nothing, when |result| >=
 * 10^prec (MCH1210). */
int mi_sem_pkd_get(const uint8_t *p, uint32_t prec, int64_t *coef);
int mi_sem_pkd_put(uint8_t *p, uint32_t prec, int64_t z, uint32_t k, int rnd, int64_t *stored);
/* pkd_put without the store: *v := z / 10^k, truncated or rounded as there; 0
 * (leaving *v alone) when |*v| would be >= 10^prec. For coefficients that
 * translated code keeps in C locals and writes to storage later. */
int mi_sem_pkd_scale(int64_t z, uint32_t prec, uint32_t k, int rnd, int64_t *v);
/* The same per precision P (index; 0 is NULL): getv[P](p, &coef) is
 * pkd_get(p, P, &coef); setv[P](p, v, &stored) is pkd_put(p, P, v, 0, 0,
 * &stored); addv[P](p, delta, &stored) stores the PKD(P) at p plus delta (a
 * coefficient of its scale) as setv does - 0, writing nothing, for bad decimal
 * data, an int64 overflow or too many digits (X := X + Y in one call). */
typedef int (*mi_pkd_getfn)(const uint8_t *, int64_t *);
typedef int (*mi_pkd_setfn)(uint8_t *, int64_t, int64_t *);
extern const mi_pkd_getfn mi_sem_pkd_getv[19];
extern const mi_pkd_setfn mi_sem_pkd_setv[19], mi_sem_pkd_addv[19];

/* Set a receiver to its default initial value (§2). Pointers are not handled here. */
void mi_sem_default(const mi_type *t, uint8_t *p);

/* Character (§6). Lengths are in bytes. */
void mi_sem_cpybla(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an);
mi_exc mi_sem_cpyblap(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an,
                      const uint8_t *pad, uint32_t padn);
void mi_sem_cat(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an,
                const uint8_t *b, uint32_t bn);
/* 1-based position of b in a, 0 if none, 1 if bn == 0. */
int64_t mi_sem_scan(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn);
int64_t mi_sem_trimlen(const uint8_t *a, uint32_t an);
/* -1, 0, 1 with blank padding of the shorter */
int mi_sem_cmpc(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn);

/* Conversions (§7). */
mi_exc mi_sem_cvtnc(uint8_t *r, uint32_t rn, const mi_type *at, const uint8_t *a);
mi_exc mi_sem_cvtcn(int round, const mi_type *rt, uint8_t *r, const uint8_t *a, uint32_t an);
mi_exc mi_sem_edit(uint8_t *r, uint32_t rn, const mi_type *at, const uint8_t *a,
                   const uint8_t *mask, uint32_t maskn);

/* Little-endian access that does not depend on the host's byte order. On a
 * little-endian host each access is one memcpy of the whole value, which compilers
 * turn into a single (unaligned) load or store: the byte-by-byte form is not always
 * merged (e.g. a BIN(8) store reached from a switch became 8 shifts and ors). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t mi_ld16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t mi_ld32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t mi_ld64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void mi_st16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void mi_st32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void mi_st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
#else
static inline uint16_t mi_ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t mi_ld32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t mi_ld64(const uint8_t *p) { return (uint64_t)mi_ld32(p) | ((uint64_t)mi_ld32(p + 4) << 32); }
static inline void mi_st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void mi_st32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}
static inline void mi_st64(uint8_t *p, uint64_t v) { mi_st32(p, (uint32_t)v); mi_st32(p + 4, (uint32_t)(v >> 32)); }
#endif

#endif
