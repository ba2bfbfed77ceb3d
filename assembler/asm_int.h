/* Private interface of the assembler: buffers, the line lexer, literals, and
 * the parsed program shared by asm_parse.c (text -> asm_prog) and asm_emit.c
 * (asm_prog -> mi_template). dis.c uses the literal functions to check that
 * every literal it prints reads back as the same constant.
 *
 * Return convention of the int functions here: ASM_OK, ASM_ERR (an error
 * described in the asm_err argument) or ASM_NOMEM. */
#ifndef ASM_INT_H
#define ASM_INT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "mi_asm.h"

enum { ASM_OK = 0, ASM_ERR = -1, ASM_NOMEM = -2 };

/* Inputs larger than this are refused: columns and offsets fit uint32_t. */
#define ASM_MAX_INPUT 0x7FFFFFFFu

/* ---- growable byte buffer; oom is sticky, later puts are ignored ---- */
typedef struct asm_buf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} asm_buf;
void asm_buf_put(asm_buf *b, const void *s, size_t n);
void asm_buf_puts(asm_buf *b, const char *s);
void asm_buf_printf(asm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void asm_buf_free(asm_buf *b);

/* Make *arr (elements of size elem, capacity *cap) hold at least need elements. */
int asm_reserve(void **arr, uint32_t *cap, uint32_t need, size_t elem);

/* ---- map from byte strings to uint32_t (keys are copied) ---- */
typedef struct asm_map_ent {
    uint8_t *key; /* NULL: empty slot */
    size_t kn;
    uint64_t h;
    uint32_t v;
} asm_map_ent;
typedef struct asm_map {
    asm_map_ent *e;
    size_t cap, n;
} asm_map;
uint32_t asm_map_get(const asm_map *m, const void *k, size_t kn); /* MI_NONE if absent */
int asm_map_put(asm_map *m, const void *k, size_t kn, uint32_t v); /* 1 added, 0 present, ASM_NOMEM */
void asm_map_free(asm_map *m);

/* ---- the lexer: one physical line at a time ---- */
typedef enum asm_tk {
    TK_EOL,      /* end of the line (or a comment): always the last token */
    TK_NAME,     /* identifier, keyword or mnemonic */
    TK_DOTNAME,  /* ".word": directive or modifier; s/n exclude the dot */
    TK_STARNAME, /* "*word" (the *ALL exception id); s/n exclude the star */
    TK_INT, TK_DEC, TK_FLT,
    TK_STR,      /* '...'; s/n include the quotes */
    TK_DQSTR,    /* "..." (only after .source); s/n include the quotes */
    TK_HEX,      /* X'..'; s/n include X and the quotes */
    TK_LP, TK_RP, TK_COMMA, TK_COLON
} asm_tk;

typedef struct asm_tok {
    uint8_t kind;
    uint32_t col; /* 1-based byte column */
    const char *s;
    size_t n;
} asm_tok;

typedef struct asm_toks {
    asm_tok *t;
    uint32_t n, cap;
} asm_toks;

typedef struct asm_err {
    uint32_t col;
    char msg[240];
} asm_err;

int asm_err_set(asm_err *e, uint32_t col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Quote untrusted bytes for a message: printable ASCII kept, others as \xNN,
 * cut after about 40 bytes. */
void asm_quote(char *dst, size_t cap, const char *s, size_t n);

int asm_lex_line(const char *s, size_t n, asm_toks *out, asm_err *e);
int asm_tok_is(const asm_tok *t, const char *kw); /* a TK_NAME/TK_DOTNAME equal to kw ignoring case */
int asm_name_ok(const char *s, size_t n);        /* a valid MI name (§13) */
int asm_excid_ok(const char *s, size_t n);       /* A-Z x3 then 0-9A-F x4 (§10) */

/* ---- literals and types (asm_lit.c) ---- */
typedef struct asm_lit {
    mi_type type;
    uint8_t rawhex; /* an untyped X'..': into a non-CHAR type it means raw bytes */
    uint32_t n;
    uint8_t *bytes; /* malloc'd (may be NULL when n == 0) */
    /* A float literal is converted from its exact decimal value (§13), so its
     * token is kept; valid only while the token's text is. NULL otherwise. */
    const asm_tok *ftok;
} asm_lit;

void asm_lit_free(asm_lit *l);
/* Is t[*pos] the start of a typed literal "TYPE(...):"? */
int asm_at_typed(const asm_tok *t, uint32_t pos);
int asm_parse_type(const asm_tok *t, uint32_t *pos, mi_type *ty, asm_err *e);
int asm_type_check(const mi_type *ty, uint32_t col, asm_err *e);
void asm_type_text(const mi_type *ty, char *buf, size_t cap);
int asm_parse_literal(const asm_tok *t, uint32_t *pos, asm_lit *out, asm_err *e);
/* Convert a literal to type `to` as INIT does (§13). */
int asm_lit_convert(const asm_lit *src, const mi_type *to, uint32_t col, asm_lit *out, asm_err *e);
/* Decode a string / hex / double-quoted token into bytes. */
int asm_tok_bytes(const asm_tok *t, asm_buf *out);
/* Read s[0..n) as exactly one literal; with init_to, converted as an INIT to it. */
int asm_lit_from_text(const char *s, size_t n, const mi_type *init_to, asm_lit *out);

/* ---- the parsed program ---- */
typedef struct asm_pos {
    uint32_t line, col;
} asm_pos;

typedef struct asm_name { /* a span of the input text */
    const char *s;
    uint32_t n;
} asm_name;

typedef struct asm_obj {
    asm_name name;
    asm_pos pos;
    mi_type type;
    uint32_t dim;
    uint8_t cls;
    asm_name base; /* BASED/DEFINED */
    asm_pos basepos;
    uint32_t offset;
    uint32_t init; /* literal index or MI_NONE */
} asm_obj;

typedef struct asm_sub {
    uint8_t is_lit;
    asm_name name;
    uint32_t lit;
    asm_pos pos;
} asm_sub;

enum { AO_NAME, AO_LIT, AO_INDEX, AO_SUBSTR };
typedef struct asm_opnd {
    uint8_t kind;
    asm_pos pos;
    asm_name name;
    uint32_t lit;
    asm_sub sub[2];
} asm_opnd;

typedef struct asm_insn {
    mi_op op;
    uint8_t mods, nopnds;
    uint32_t first; /* into opnds */
    uint32_t line;  /* for LINES (after .line) */
    asm_pos pos;
} asm_insn;

typedef struct asm_label {
    asm_name name;
    uint32_t insn; /* MI_NONE while pending */
    asm_pos pos;
} asm_label;

typedef struct asm_mon {
    char id[8];
    asm_name lab[3];
    asm_pos labpos[3];
    asm_pos pos;
} asm_mon;

typedef struct asm_litrec {
    mi_type type;
    uint32_t off, n; /* in litbytes */
} asm_litrec;

typedef struct asm_extra {
    uint32_t id, flags;
    uint32_t off, n; /* in extrabytes */
    asm_pos pos;
} asm_extra;

enum { SRC_DEFAULT = 0, SRC_GIVEN, SRC_NONE };

typedef struct asm_prog {
    const char *file; /* for diagnostics */
    asm_obj *objs;
    uint32_t nobjs, capobjs;
    asm_insn *insns;
    uint32_t ninsns, capinsns;
    asm_opnd *opnds;
    uint32_t nopnds, capopnds;
    asm_label *labels;
    uint32_t nlabels, caplabels, npending;
    asm_mon *mons;
    uint32_t nmons, capmons;
    asm_litrec *lits;
    uint32_t nlits, caplits;
    asm_buf litbytes;
    asm_extra *extra;
    uint32_t nextra, capextra;
    asm_buf extrabytes;
    asm_map objmap, labmap;
    int src_mode;
    asm_pos srcpos;
    asm_buf srcname, srcdata;
    mi_asm_diags *dg;
    asm_pos *mpos; /* position of each message added to dg by this run */
    uint32_t nmpos, capmpos;
    unsigned nerr; /* errors reported (also when dg is NULL) */
    int stop;      /* too many errors: stop parsing */
    int oom;
} asm_prog;

/* Report an error at pos (line 0: no position). */
void asm_error(asm_prog *P, asm_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void asm_oom(asm_prog *P);
/* Parse the whole text into P (errors reported through asm_error). */
void asm_parse(asm_prog *P, const char *text, size_t n);

#endif
