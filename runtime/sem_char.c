/* Character semantics (mi-spec/mi-v1.md §6): CPYBLA, CPYBLAP, CAT, SCAN,
 * TRIMLEN, CMPC. Bytes are unsigned, the blank is 0x20, nothing is ever
 * converted. Receivers may overlap sources: every write order below is chosen
 * so that no source byte is overwritten before it is read. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include "mi_sem.h"

/* memmove/memset whose pointers may be NULL when the length is 0 (a zero-length
 * substring): the C library functions require valid pointers even then. */
static inline void move(uint8_t *d, const uint8_t *s, uint32_t n) {
    if (n > 0) memmove(d, s, n);
}
static inline void fill(uint8_t *d, uint8_t c, uint32_t n) {
    if (n > 0) memset(d, c, n);
}

static int overlaps(const uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an) {
    if (rn == 0 || an == 0) return 0;
    uintptr_t r0 = (uintptr_t)r, a0 = (uintptr_t)a;
    return r0 < a0 + an && a0 < r0 + rn;
}

void mi_sem_cpybla(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an) {
    move(r, a, an < rn ? an : rn);
}

mi_exc mi_sem_cpyblap(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an,
                      const uint8_t *pad, uint32_t padn) {
    if (padn == 0) return MI_EXC_MCH0603;
    if (rn == 0) return MI_EXC_NONE;
    uint8_t padc = pad[0]; /* read before r is written: pad may lie inside r */
    uint32_t n = an < rn ? an : rn;
    move(r, a, n);
    fill(r + n, padc, rn - n);
    return MI_EXC_NONE;
}

/* Both sources overlap r: b's part goes through a bounded copy. */
static __attribute__((noinline)) void cat_both(uint8_t *r, uint32_t na, const uint8_t *a,
                                               uint32_t nb, const uint8_t *b) {
    uint8_t tmp[65536]; /* nb <= rn <= 65535 (CHAR limit); held only here */
    if (nb > sizeof tmp) nb = sizeof tmp;
    memcpy(tmp, b, nb);
    move(r, a, na);
    memcpy(r + na, tmp, nb);
}

void mi_sem_cat(uint8_t *r, uint32_t rn, const uint8_t *a, uint32_t an,
                const uint8_t *b, uint32_t bn) {
    if (rn == 0) return; /* r may be NULL: not even r + 0 */
    uint32_t na = an < rn ? an : rn;
    uint32_t nb = bn < rn - na ? bn : rn - na;
    if (a == r) { /* appending (CAT r, r(1:n), b): a's part is in place already, and
                   * writing b's part (memmove: b may overlap it) leaves it alone */
        move(r + na, b, nb);
    } else {
        int oa = overlaps(r, rn, a, na), ob = overlaps(r, rn, b, nb);
        if (oa && ob) {
            cat_both(r, na, a, nb, b);
        } else if (ob) { /* write b's part first: a is untouched by it */
            move(r + na, b, nb);
            move(r, a, na);
        } else {
            move(r, a, na);
            move(r + na, b, nb);
        }
    }
    fill(r + na + nb, 0x20, rn - na - nb);
}

/* Patterns up to this many bytes are found by memchr and a compare (mi_sem_scan). */
#define SCAN_SHORT 8u

int64_t mi_sem_scan(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn) {
    if (bn == 0) return 1;
    if (an < bn) return 0;
    if (bn <= SCAN_SHORT) {
        /* memchr for the first byte, then the rest compared: for the short patterns
         * programs scan for (a separator, "..") this is a fraction of memmem's cost
         * (its setup dominates on short records), and at most SCAN_SHORT compares
         * per byte of a keeps it linear */
        const uint8_t *p = a, *last = a + (an - bn); /* the last possible start */
        while ((p = memchr(p, b[0], (size_t)(last - p) + 1)) != NULL) {
            if (bn == 1 || memcmp(p + 1, b + 1, bn - 1) == 0) return (int64_t)(p - a) + 1;
            if (p == last) break;
            p++;
        }
        return 0;
    }
    const uint8_t *hit = memmem(a, an, b, bn);
    return hit == NULL ? 0 : (int64_t)(hit - a) + 1;
}

int64_t mi_sem_trimlen(const uint8_t *a, uint32_t an) {
    static const uint8_t blanks[8] = "        ";
    while (an >= 8 && memcmp(a + an - 8, blanks, 8) == 0) an -= 8; /* one 8-byte compare */
    while (an > 0 && a[an - 1] == 0x20) an--;
    return an;
}

int mi_sem_cmpc(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn) {
    uint32_t n = an < bn ? an : bn;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0) return c < 0 ? -1 : 1;
    /* the longer operand's tail against the shorter one's blank padding */
    for (uint32_t i = n; i < an; i++)
        if (a[i] != 0x20) return a[i] < 0x20 ? -1 : 1;
    for (uint32_t i = n; i < bn; i++)
        if (b[i] != 0x20) return b[i] < 0x20 ? 1 : -1;
    return 0;
}
