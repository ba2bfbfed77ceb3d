/* Assembler support: growable buffers, a string map, and the line lexer
 * (mi-spec/mi-v1.md §13). The lexer sees one physical line (without its '\n')
 * and never reads outside it; every byte value is possible in the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "asm_int.h"

/* ---- buffers ---- */

void asm_buf_put(asm_buf *b, const void *s, size_t n) {
    if (b->oom || n == 0) return;
    if (n > SIZE_MAX / 2 - b->n) {
        b->oom = 1;
        return;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void asm_buf_puts(asm_buf *b, const char *s) { asm_buf_put(b, s, strlen(s)); }

void asm_buf_printf(asm_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->oom = 1;
        return;
    }
    /* Every caller formats short items; longer output would be a bug, not data. */
    asm_buf_put(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

void asm_buf_free(asm_buf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
    b->oom = 0;
}

int asm_reserve(void **arr, uint32_t *cap, uint32_t need, size_t elem) {
    if (need <= *cap) return ASM_OK;
    uint64_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    if (c > UINT32_MAX) c = UINT32_MAX;
    if (c > SIZE_MAX / elem) return ASM_NOMEM;
    void *p = realloc(*arr, (size_t)c * elem);
    if (p == NULL) return ASM_NOMEM;
    *arr = p;
    *cap = (uint32_t)c;
    return ASM_OK;
}

/* ---- map ---- */

static size_t map_slot(const asm_map_ent *e, size_t cap, const void *k, size_t kn, uint64_t h) {
    size_t i = (size_t)h & (cap - 1);
    while (e[i].key != NULL && !(e[i].h == h && e[i].kn == kn && memcmp(e[i].key, k, kn) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

uint32_t asm_map_get(const asm_map *m, const void *k, size_t kn) {
    if (m->cap == 0) return MI_NONE;
    uint64_t h = XXH64(k, kn, 0);
    size_t i = map_slot(m->e, m->cap, k, kn, h);
    return m->e[i].key != NULL ? m->e[i].v : MI_NONE;
}

int asm_map_put(asm_map *m, const void *k, size_t kn, uint32_t v) {
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        if (cap > SIZE_MAX / sizeof(asm_map_ent)) return ASM_NOMEM;
        asm_map_ent *e = calloc(cap, sizeof *e);
        if (e == NULL) return ASM_NOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->e[i].key != NULL) e[map_slot(e, cap, m->e[i].key, m->e[i].kn, m->e[i].h)] = m->e[i];
        free(m->e);
        m->e = e;
        m->cap = cap;
    }
    uint64_t h = XXH64(k, kn, 0);
    size_t i = map_slot(m->e, m->cap, k, kn, h);
    if (m->e[i].key != NULL) return 0;
    uint8_t *key = malloc(kn ? kn : 1);
    if (key == NULL) return ASM_NOMEM;
    if (kn) memcpy(key, k, kn);
    m->e[i] = (asm_map_ent){key, kn, h, v};
    m->n++;
    return 1;
}

void asm_map_free(asm_map *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->e[i].key);
    free(m->e);
    m->e = NULL;
    m->cap = m->n = 0;
}

/* ---- messages ---- */

int asm_err_set(asm_err *e, uint32_t col, const char *fmt, ...) {
    e->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return ASM_ERR;
}

void asm_quote(char *dst, size_t cap, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 40) {
            memcpy(dst + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7F && c != '\\') dst[o++] = (char)c;
        else o += (size_t)snprintf(dst + o, cap - o, "\\x%02X", c);
    }
    dst[o < cap ? o : cap - 1] = '\0';
}

/* ---- lexer ---- */

static int is_alpha(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_hex(int c) { return is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }
static int hexval(int c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }
static int is_name0(int c) { return is_alpha(c) || c == '_' || c == '$' || c == '#' || c == '@'; }
static int is_name1(int c) { return is_name0(c) || is_digit(c); }

int asm_name_ok(const char *s, size_t n) {
    if (n == 0 || n > MI_MAX_NAME || !is_name0((unsigned char)s[0])) return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_name1((unsigned char)s[i])) return 0;
    return 1;
}

int asm_excid_ok(const char *s, size_t n) {
    if (n != 7) return 0;
    for (size_t i = 0; i < 7; i++) {
        int c = (unsigned char)s[i];
        if (i < 3 ? !(c >= 'A' && c <= 'Z') : !(is_digit(c) || (c >= 'A' && c <= 'F'))) return 0;
    }
    return 1;
}

int asm_tok_is(const asm_tok *t, const char *kw) {
    if (t->kind != TK_NAME && t->kind != TK_DOTNAME) return 0;
    /* kw's end found while comparing (no strlen: this runs for every keyword an
     * operand is tested against, ~10 % of assembling) */
    for (size_t i = 0; i < t->n; i++) {
        int a = (unsigned char)t->s[i], b = (unsigned char)kw[i];
        if (b == '\0') return 0;
        if (a >= 'a' && a <= 'z') a -= 32;
        if (b >= 'a' && b <= 'z') b -= 32;
        if (a != b) return 0;
    }
    return kw[t->n] == '\0';
}

static int push(asm_toks *out, uint8_t kind, uint32_t col, const char *s, size_t n) {
    if (asm_reserve((void **)&out->t, &out->cap, out->n + 1, sizeof *out->t) != ASM_OK) return ASM_NOMEM;
    out->t[out->n++] = (asm_tok){kind, col, s, n};
    return ASM_OK;
}

/* A quoted run starting at s[i] (the opening quote q); doubled quotes stand for
 * one. Returns the index after the closing quote, or 0 if unterminated. */
static size_t scan_quoted(const char *s, size_t n, size_t i, char q) {
    for (size_t j = i + 1; j < n; j++) {
        if (s[j] != q) continue;
        if (j + 1 < n && s[j + 1] == q) {
            j++;
            continue;
        }
        return j + 1;
    }
    return 0;
}

static int lex_number(const char *s, size_t n, size_t *ip, uint8_t *kind, asm_err *e) {
    size_t i = *ip, start = i;
    if (s[i] == '+' || s[i] == '-') i++;
    size_t d0 = i;
    while (i < n && is_digit((unsigned char)s[i])) i++;
    size_t ndig = i - d0;
    *kind = TK_INT;
    if (i < n && s[i] == '.') {
        i++;
        size_t f0 = i;
        while (i < n && is_digit((unsigned char)s[i])) i++;
        ndig += i - f0;
        *kind = TK_DEC;
    }
    if (ndig == 0) return asm_err_set(e, (uint32_t)start + 1, "malformed number");
    if (i < n && (s[i] == 'E' || s[i] == 'e')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && is_digit((unsigned char)s[j])) {
            while (j < n && is_digit((unsigned char)s[j])) j++;
            i = j;
            *kind = TK_FLT;
        }
    }
    if (i < n && (is_name1((unsigned char)s[i]) || s[i] == '.' || s[i] == '\'' || s[i] == '"')) {
        char q[64];
        size_t end = i;
        while (end < n && (is_name1((unsigned char)s[end]) || s[end] == '.' || s[end] == '+' || s[end] == '-'))
            end++;
        asm_quote(q, sizeof q, s + start, end - start);
        return asm_err_set(e, (uint32_t)start + 1, "malformed number '%s'", q);
    }
    *ip = i;
    return ASM_OK;
}

int asm_lex_line(const char *s, size_t n, asm_toks *out, asm_err *e) {
    out->n = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        uint32_t col = (uint32_t)i + 1;
        size_t st = i;
        if (c == ' ' || c == '\t' || c == '\r') { /* CR: so that CRLF files read the same */
            i++;
            continue;
        }
        if (c == ';') break;
        int rc = ASM_OK;
        if ((c == 'X' || c == 'x') && i + 1 < n && s[i + 1] == '\'') {
            size_t j = i + 2;
            while (j < n && s[j] != '\'') {
                if (!is_hex((unsigned char)s[j]))
                    return asm_err_set(e, (uint32_t)j + 1, "invalid hexadecimal digit in X'...' literal");
                j++;
            }
            if (j >= n) return asm_err_set(e, col, "unterminated X'...' literal");
            if ((j - i - 2) % 2 != 0) return asm_err_set(e, col, "X'...' literal needs an even number of digits");
            i = j + 1;
            rc = push(out, TK_HEX, col, s + st, i - st);
        } else if (is_name0(c)) {
            while (i < n && is_name1((unsigned char)s[i])) i++;
            if (i - st > MI_MAX_NAME) return asm_err_set(e, col, "name longer than %u characters", MI_MAX_NAME);
            rc = push(out, TK_NAME, col, s + st, i - st);
        } else if (c == '.' && i + 1 < n && is_name0((unsigned char)s[i + 1])) {
            i++;
            while (i < n && is_name1((unsigned char)s[i])) i++;
            if (i - st - 1 > MI_MAX_NAME) return asm_err_set(e, col, "word longer than %u characters", MI_MAX_NAME);
            rc = push(out, TK_DOTNAME, col, s + st + 1, i - st - 1);
        } else if (c == '*' && i + 1 < n && is_name0((unsigned char)s[i + 1])) {
            i++;
            while (i < n && is_name1((unsigned char)s[i])) i++;
            if (i - st - 1 > MI_MAX_NAME) return asm_err_set(e, col, "word longer than %u characters", MI_MAX_NAME);
            rc = push(out, TK_STARNAME, col, s + st + 1, i - st - 1);
        } else if (is_digit(c) || c == '.' ||
                   ((c == '+' || c == '-') && i + 1 < n &&
                    (is_digit((unsigned char)s[i + 1]) || s[i + 1] == '.'))) {
            uint8_t kind;
            if (lex_number(s, n, &i, &kind, e) != ASM_OK) return ASM_ERR;
            rc = push(out, kind, col, s + st, i - st);
        } else if (c == '\'' || c == '"') {
            size_t j = scan_quoted(s, n, i, (char)c);
            if (j == 0) return asm_err_set(e, col, "unterminated string");
            i = j;
            rc = push(out, c == '\'' ? TK_STR : TK_DQSTR, col, s + st, i - st);
        } else if (c == '(' || c == ')' || c == ',' || c == ':') {
            i++;
            rc = push(out, c == '(' ? TK_LP : c == ')' ? TK_RP : c == ',' ? TK_COMMA : TK_COLON, col, s + st, 1);
        } else if (c >= 0x21 && c < 0x7F) {
            return asm_err_set(e, col, "unexpected character '%c'", c);
        } else {
            return asm_err_set(e, col, "unexpected byte 0x%02X", c);
        }
        if (rc != ASM_OK) return rc;
    }
    return push(out, TK_EOL, (uint32_t)(i < n ? i : n) + 1, s + (i < n ? i : n), 0);
}

int asm_tok_bytes(const asm_tok *t, asm_buf *out) {
    out->n = 0;
    if (t->kind == TK_HEX) {
        for (size_t i = 2; i + 2 < t->n; i += 2) {
            uint8_t b = (uint8_t)(hexval((unsigned char)t->s[i]) * 16 + hexval((unsigned char)t->s[i + 1]));
            asm_buf_put(out, &b, 1);
        }
    } else {
        char q = t->s[0];
        for (size_t i = 1; i + 1 < t->n; i++) {
            asm_buf_put(out, t->s + i, 1);
            if (t->s[i] == q) i++; /* a doubled quote */
        }
    }
    return out->oom ? ASM_NOMEM : ASM_OK;
}
