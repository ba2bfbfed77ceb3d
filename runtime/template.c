/* Program template codec (mi-spec/mi-v1.md §14): type helpers, the decoder (bytes ->
 * mi_template), the encoder (its exact inverse) and mi_template_load.
 *
 * The decoder is structural only: it checks that the bytes are a well-formed
 * template (header, checksum, directory, every section's layout, opcode codes,
 * operand kinds, count agreements between sections) and never allocates from a
 * count it has not checked against the bytes that remain. Whether the program
 * makes sense (types, classes, operand forms, references) is verify.c's job.
 *
 * The checks are rules D1–D14 of §16.1; versions are checked right after the magic
 * (D2, §15), before anything a newer format might define differently.
 *
 * Round trip: for every byte string b that decodes, encode(decode(b)) == b. For
 * every template t the encoder accepts whose constants are laid out in index order
 * in constbytes and whose extra sections are in id order with flags 0, decode(encode(t))
 * == t. (The encoder writes extra sections with whatever flags they have, so tests and
 * the assembler's .section can produce the templates the decoder must refuse.)
 * Nothing the decoder accepts is dropped: reserved bytes, section flags and trailing
 * bytes must all be as §14 says. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "mi_template.h"

static const uint8_t magic[8] = {0x89, 'M', 'I', 'T', '\r', '\n', 0x1a, '\n'};

#define OBJ_BYTES 28u
#define CONST_MIN_BYTES 12u
#define INSN_MIN_BYTES 4u
#define MON_BYTES 20u
#define LABEL_MIN_BYTES 6u
#define SIMPLE_BYTES 5u

static const char *const sect_names[8] = {"unknown", "ODT",   "CONST", "CODE",
                                          "MONITOR", "NAMES", "LINES", "SOURCE"};

static const char *sect_name(uint32_t id) { return id <= MI_SECT_SOURCE ? sect_names[id] : "unknown"; }

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t ld32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t ld64(const uint8_t *p) { return (uint64_t)ld32(p) | ((uint64_t)ld32(p + 4) << 32); }

/* ---- type helpers ---------------------------------------------------------- */

uint32_t mi_type_bytes(const mi_type *t) {
    switch (t->kind) {
    case MI_T_BIN: case MI_T_UBIN: case MI_T_FLT: case MI_T_ZND: return t->size;
    case MI_T_PKD: return (uint32_t)t->size / 2u + 1u;
    case MI_T_CHAR: return t->len;
    default: return 0;
    }
}

int mi_type_equal(const mi_type *a, const mi_type *b) {
    return a->kind == b->kind && a->size == b->size && a->scale == b->scale && a->len == b->len;
}

int mi_type_is_numeric(const mi_type *t) { return t->kind >= MI_T_BIN && t->kind <= MI_T_ZND; }
int mi_type_is_integer(const mi_type *t) { return t->kind == MI_T_BIN || t->kind == MI_T_UBIN; }

/* ---- init / free ------------------------------------------------------------- */

void mi_template_init(mi_template *t) {
    memset(t, 0, sizeof *t);
    t->format_version = MI_FORMAT_VERSION;
    t->mi_version = MI_VERSION;
}

void mi_template_free(mi_template *t) {
    if (t == NULL) return;
    if (t->objs != NULL)
        for (uint32_t i = 0; i < t->nobjs; i++) free(t->objs[i].name);
    if (t->labels != NULL)
        for (uint32_t i = 0; i < t->nlabels; i++) free(t->labels[i].name);
    if (t->extra != NULL)
        for (uint32_t i = 0; i < t->nextra; i++) free(t->extra[i].bytes);
    free(t->objs);
    free(t->consts);
    free(t->constbytes);
    free(t->insns);
    free(t->opnds);
    free(t->mons);
    free(t->labels);
    free(t->extra);
    free(t->source_file);
    free(t->source_text);
    mi_template_init(t);
}

/* ---- decoder ----------------------------------------------------------------- */

typedef struct dec {
    const uint8_t *b;
    mi_template *t;
    mi_diag *d;
    uint32_t sid;    /* id of the section being decoded */
    size_t pos, end; /* absolute offsets into b; pos <= end */
} dec;

/* Every decoder message starts with the absolute byte offset and the section. */
static mi_status dfail(const dec *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mi_status dfail(const dec *c, size_t off, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return mi_diag_set(c->d, MI_E_FORMAT, "offset %zu, section %u (%s): %s", off, c->sid,
                       sect_name(c->sid), msg);
}

static size_t left(const dec *c) { return c->end - c->pos; }

/* Reads a u32 item count and checks it against the limit and against the bytes
 * left (each item needs at least min_item bytes) before anyone allocates. */
static mi_status read_count(dec *c, const char *what, uint32_t min_item, uint32_t *out) {
    if (left(c) < 4)
        return dfail(c, c->pos, "%s count truncated: 4 bytes needed, %zu left", what, left(c));
    uint32_t k = ld32(c->b + c->pos);
    if (k > MI_MAX_ITEMS)
        return dfail(c, c->pos, "%s count %u exceeds the limit of %u", what, k, MI_MAX_ITEMS);
    c->pos += 4;
    if ((uint64_t)k * min_item > left(c))
        return dfail(c, c->pos - 4, "%s count %u needs at least %llu bytes but only %zu are left",
                     what, k, (unsigned long long)k * min_item, left(c));
    *out = k;
    return MI_OK;
}

static mi_status nomem(mi_diag *d) { return mi_diag_set(d, MI_E_NOMEM, "out of memory while decoding the template"); }

static mi_status end_of_section(const dec *c) {
    if (c->pos != c->end)
        return dfail(c, c->pos, "%zu unexpected bytes at the end of the section", c->end - c->pos);
    return MI_OK;
}

static mi_status dec_odt(dec *c) {
    mi_template *t = c->t;
    uint32_t k;
    mi_status st = read_count(c, "object", OBJ_BYTES, &k);
    if (st != MI_OK) return st;
    if (k > 0 && (t->objs = calloc(k, sizeof *t->objs)) == NULL) return nomem(c->d);
    t->nobjs = k;
    for (uint32_t i = 0; i < k; i++) {
        const uint8_t *p = c->b + c->pos;
        mi_object *o = &t->objs[i];
        if (p[3] != 0)
            return dfail(c, c->pos + 3, "object %u: reserved type byte is 0x%02x, must be 0", i, p[3]);
        if (ld16(p + 14) != 0)
            return dfail(c, c->pos + 14, "object %u: reserved bytes are 0x%04x, must be 0", i, ld16(p + 14));
        o->type.kind = p[0];
        o->type.size = p[1];
        o->type.scale = p[2];
        o->type.len = ld32(p + 4);
        o->dim = ld32(p + 8);
        o->cls = p[12];
        o->flags = p[13];
        o->base = ld32(p + 16);
        o->offset = ld32(p + 20);
        o->init = ld32(p + 24);
        c->pos += OBJ_BYTES;
    }
    return end_of_section(c);
}

static mi_status dec_const(dec *c) {
    mi_template *t = c->t;
    uint32_t k;
    mi_status st = read_count(c, "constant", CONST_MIN_BYTES, &k);
    if (st != MI_OK) return st;
    /* The constant data can be at most what the section holds beyond the headers. */
    size_t maxdata = left(c) - (size_t)k * CONST_MIN_BYTES;
    if (k > 0 && (t->consts = calloc(k, sizeof *t->consts)) == NULL) return nomem(c->d);
    t->nconsts = k;
    if (maxdata > 0 && (t->constbytes = malloc(maxdata)) == NULL) return nomem(c->d);
    uint32_t used = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (left(c) < CONST_MIN_BYTES)
            return dfail(c, c->pos, "constant %u truncated: 12 bytes needed, %zu left", i, left(c));
        const uint8_t *p = c->b + c->pos;
        if (p[3] != 0)
            return dfail(c, c->pos + 3, "constant %u: reserved type byte is 0x%02x, must be 0", i, p[3]);
        mi_const *k1 = &t->consts[i];
        k1->type.kind = p[0];
        k1->type.size = p[1];
        k1->type.scale = p[2];
        k1->type.len = ld32(p + 4);
        k1->nbytes = ld32(p + 8);
        c->pos += CONST_MIN_BYTES;
        /* Bytes claimed by this constant cannot include the headers still to come. */
        if (k1->nbytes > maxdata - used)
            return dfail(c, c->pos - 4, "constant %u: %u data bytes but only %zu are left", i,
                         k1->nbytes, maxdata - used);
        if (k1->nbytes > 0) memcpy(t->constbytes + used, c->b + c->pos, k1->nbytes);
        k1->offset = used;
        used += k1->nbytes;
        c->pos += k1->nbytes;
    }
    t->nconstbytes = used;
    return end_of_section(c);
}

static size_t operand_bytes(uint8_t kind) {
    switch (kind) {
    case MI_O_OBJ: case MI_O_CONST: case MI_O_LABEL: return 5;
    case MI_O_ELEM: return 5 + SIMPLE_BYTES;
    case MI_O_SUBSTR: return 5 + 2 * SIMPLE_BYTES;
    default: return 0;
    }
}

/* Walks the instruction stream. The first pass (store == 0) checks everything and
 * counts the operands so the second pass can fill exactly-sized arrays. */
static mi_status code_pass(dec *c, uint32_t k, int store, uint32_t *nopnds) {
    mi_template *t = c->t;
    size_t pos = c->pos;
    uint32_t no = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (c->end - pos < INSN_MIN_BYTES)
            return dfail(c, pos, "instruction %u truncated: 4 bytes needed, %zu left", i + 1, c->end - pos);
        const uint8_t *p = c->b + pos;
        uint16_t code = ld16(p);
        mi_op op = mi_op_from_code(code);
        if (op == MI_OP_COUNT) return dfail(c, pos, "instruction %u: unknown opcode 0x%04x", i + 1, code);
        uint8_t nops = p[3];
        if (store) {
            mi_insn *in = &t->insns[i];
            in->op = op;
            in->mods = p[2];
            in->nopnds = nops;
            in->first = no;
        }
        pos += INSN_MIN_BYTES;
        for (uint32_t j = 0; j < nops; j++, no++) {
            if (pos == c->end)
                return dfail(c, pos, "instruction %u (%s): operand %u truncated", i + 1,
                             mi_opinfo_table[op].name, j + 1);
            uint8_t kind = c->b[pos];
            size_t need = operand_bytes(kind);
            if (need == 0)
                return dfail(c, pos, "instruction %u (%s): operand %u: operand kind %u not valid", i + 1,
                             mi_opinfo_table[op].name, j + 1, kind);
            if (c->end - pos < need)
                return dfail(c, pos, "instruction %u (%s): operand %u truncated: %zu bytes needed, %zu left",
                             i + 1, mi_opinfo_table[op].name, j + 1, need, c->end - pos);
            unsigned nsub = (unsigned)(need - 5) / SIMPLE_BYTES;
            for (unsigned s = 0; s < nsub; s++) {
                uint8_t sk = c->b[pos + 5 + SIMPLE_BYTES * s];
                if (sk != MI_O_OBJ && sk != MI_O_CONST)
                    return dfail(c, pos + 5 + SIMPLE_BYTES * s,
                                 "instruction %u (%s): operand %u: %s operand kind %u not valid "
                                 "(must be 0 object or 1 constant)",
                                 i + 1, mi_opinfo_table[op].name, j + 1,
                                 kind == MI_O_ELEM ? "index" : s == 0 ? "start" : "length", sk);
            }
            if (store) {
                mi_operand *o = &t->opnds[no];
                o->kind = kind;
                o->ref = ld32(c->b + pos + 1);
                for (unsigned s = 0; s < nsub; s++) {
                    o->sub[s].kind = c->b[pos + 5 + SIMPLE_BYTES * s];
                    o->sub[s].ref = ld32(c->b + pos + 6 + SIMPLE_BYTES * s);
                }
            }
            pos += need;
        }
    }
    *nopnds = no;
    if (store) c->pos = pos;
    return MI_OK;
}

static mi_status dec_code(dec *c) {
    mi_template *t = c->t;
    uint32_t k = 0, no = 0;
    mi_status st = read_count(c, "instruction", INSN_MIN_BYTES, &k);
    if (st != MI_OK) return st;
    if ((st = code_pass(c, k, 0, &no)) != MI_OK) return st;
    if (k > 0 && (t->insns = calloc(k, sizeof *t->insns)) == NULL) return nomem(c->d);
    t->ninsns = k;
    if (no > 0 && (t->opnds = calloc(no, sizeof *t->opnds)) == NULL) return nomem(c->d);
    t->nopnds = no;
    if ((st = code_pass(c, k, 1, &no)) != MI_OK) return st;
    return end_of_section(c);
}

static mi_status dec_monitor(dec *c) {
    mi_template *t = c->t;
    uint32_t k;
    mi_status st = read_count(c, "monitor", MON_BYTES, &k);
    if (st != MI_OK) return st;
    if (k > 0 && (t->mons = calloc(k, sizeof *t->mons)) == NULL) return nomem(c->d);
    t->nmons = k;
    for (uint32_t i = 0; i < k; i++) {
        const uint8_t *p = c->b + c->pos;
        /* The id must stay a C string in memory; its content is the verifier's. */
        if (p[7] != 0)
            return dfail(c, c->pos + 7, "monitor %u: the 8th byte of the exception id is 0x%02x, must be 0",
                         i, p[7]);
        mi_monitor *m = &t->mons[i];
        memcpy(m->id, p, 8);
        m->from = ld32(p + 8);
        m->to = ld32(p + 12);
        m->handler = ld32(p + 16);
        c->pos += MON_BYTES;
    }
    return end_of_section(c);
}

/* A length-prefixed name: 1..MI_MAX_NAME bytes, no NUL (it becomes a C string). */
static mi_status dec_name(dec *c, const char *what, uint32_t i, char **out) {
    if (left(c) < 2) return dfail(c, c->pos, "%s %u: name length truncated", what, i);
    uint16_t len = ld16(c->b + c->pos);
    if (len == 0) return dfail(c, c->pos, "%s %u: name is empty", what, i);
    if (len > MI_MAX_NAME)
        return dfail(c, c->pos, "%s %u: name is %u bytes long, the limit is %u", what, i, len, MI_MAX_NAME);
    c->pos += 2;
    if (left(c) < len)
        return dfail(c, c->pos, "%s %u: name truncated: %u bytes needed, %zu left", what, i, len, left(c));
    const uint8_t *p = c->b + c->pos;
    const uint8_t *z = memchr(p, 0, len);
    if (z != NULL) return dfail(c, c->pos + (size_t)(z - p), "%s %u: name contains a NUL byte", what, i);
    char *s = malloc((size_t)len + 1);
    if (s == NULL) return nomem(c->d);
    memcpy(s, p, len);
    s[len] = '\0';
    *out = s;
    c->pos += len;
    return MI_OK;
}

static mi_status dec_names(dec *c) {
    mi_template *t = c->t;
    if (left(c) < 4) return dfail(c, c->pos, "object name count truncated");
    uint32_t k = ld32(c->b + c->pos);
    if (k != t->nobjs)
        return dfail(c, c->pos, "%u object names but the ODT has %u objects", k, t->nobjs);
    c->pos += 4;
    mi_status st;
    for (uint32_t i = 0; i < k; i++)
        if ((st = dec_name(c, "object", i, &t->objs[i].name)) != MI_OK) return st;
    if ((st = read_count(c, "label", LABEL_MIN_BYTES, &k)) != MI_OK) return st;
    if (k > 0 && (t->labels = calloc(k, sizeof *t->labels)) == NULL) return nomem(c->d);
    t->nlabels = k;
    for (uint32_t i = 0; i < k; i++) {
        if (left(c) < 4) return dfail(c, c->pos, "label %u truncated", i);
        t->labels[i].insn = ld32(c->b + c->pos);
        c->pos += 4;
        if ((st = dec_name(c, "label", i, &t->labels[i].name)) != MI_OK) return st;
    }
    return end_of_section(c);
}

static mi_status dec_lines(dec *c) {
    mi_template *t = c->t;
    if (left(c) < 4) return dfail(c, c->pos, "line count truncated");
    uint32_t k = ld32(c->b + c->pos);
    if (k != t->ninsns)
        return dfail(c, c->pos, "%u source lines but the CODE section has %u instructions", k, t->ninsns);
    c->pos += 4;
    if ((uint64_t)k * 4 > left(c))
        return dfail(c, c->pos, "%u source lines need %llu bytes but only %zu are left", k,
                     (unsigned long long)k * 4, left(c));
    for (uint32_t i = 0; i < k; i++, c->pos += 4) t->insns[i].line = ld32(c->b + c->pos);
    return end_of_section(c);
}

static mi_status dec_source(dec *c) {
    mi_template *t = c->t;
    if (left(c) < 2) return dfail(c, c->pos, "file name length truncated");
    uint16_t fl = ld16(c->b + c->pos);
    c->pos += 2;
    if (left(c) < fl) return dfail(c, c->pos, "file name truncated: %u bytes needed, %zu left", fl, left(c));
    const uint8_t *z = memchr(c->b + c->pos, 0, fl);
    if (z != NULL) return dfail(c, (size_t)(z - c->b), "file name contains a NUL byte");
    if ((t->source_file = malloc((size_t)fl + 1)) == NULL) return nomem(c->d);
    memcpy(t->source_file, c->b + c->pos, fl);
    t->source_file[fl] = '\0';
    t->has_source = 1;
    c->pos += fl;
    if (left(c) < 4) return dfail(c, c->pos, "source text length truncated");
    uint32_t tl = ld32(c->b + c->pos);
    c->pos += 4;
    if (tl > left(c)) return dfail(c, c->pos, "source text truncated: %u bytes needed, %zu left", tl, left(c));
    if (tl > 0) {
        if ((t->source_text = malloc(tl)) == NULL) return nomem(c->d);
        memcpy(t->source_text, c->b + c->pos, tl);
    }
    t->source_len = tl;
    c->pos += tl;
    return end_of_section(c);
}

static mi_status dec_extra(dec *c, uint32_t flags) {
    mi_template *t = c->t;
    mi_extra_section *x = &t->extra[t->nextra];
    x->id = c->sid;
    x->flags = flags;
    x->nbytes = (uint32_t)left(c);
    if (x->nbytes > 0) {
        if ((x->bytes = malloc(x->nbytes)) == NULL) return nomem(c->d);
        memcpy(x->bytes, c->b + c->pos, x->nbytes);
    }
    t->nextra++;
    c->pos = c->end;
    return MI_OK;
}

static int checksum(const uint8_t *b, size_t n, uint64_t *out) {
    static const uint8_t zero[8];
    XXH64_state_t *s = XXH64_createState();
    if (s == NULL) return 0;
    int ok = XXH64_reset(s, 0) == XXH_OK && XXH64_update(s, b, 24) == XXH_OK &&
             XXH64_update(s, zero, 8) == XXH_OK && XXH64_update(s, b + 32, n - 32) == XXH_OK;
    if (ok) *out = XXH64_digest(s);
    XXH64_freeState(s);
    return ok;
}

/* Header and section directory; on success every section lies inside [dir end, n). */
static mi_status dec_header(const uint8_t *b, size_t n, mi_template *t, mi_diag *d, uint32_t *nsect) {
    if (n < MI_HEADER_SIZE)
        return mi_diag_set(d, MI_E_FORMAT, "template truncated: %zu bytes, the header alone needs %u", n,
                           MI_HEADER_SIZE);
    if (memcmp(b, magic, sizeof magic) != 0)
        return mi_diag_set(d, MI_E_FORMAT, "offset 0: bad magic: not a program template");
    /* D2 before anything else: a newer template's other fields may mean something else (§15). */
    uint16_t fv = ld16(b + 8);
    if (fv == 0) return mi_diag_set(d, MI_E_FORMAT, "offset 8: template format version 0 is not valid");
    if (fv > MI_FORMAT_VERSION)
        return mi_diag_set(d, MI_E_VERSION,
                           "template format version %u; this runtime reads template format versions up to %u",
                           fv, MI_FORMAT_VERSION);
    uint16_t mv = ld16(b + 10);
    if (mv == 0) return mi_diag_set(d, MI_E_FORMAT, "offset 10: MI version 0 is not valid");
    if (mv > MI_VERSION)
        return mi_diag_set(d, MI_E_VERSION, "requires MI version %u; this runtime implements MI version %u", mv,
                           MI_VERSION);
    uint32_t flags = ld32(b + 12);
    if (flags != 0) return mi_diag_set(d, MI_E_FORMAT, "offset 12: header flags are 0x%08x, must be 0", flags);
    uint32_t total = ld32(b + 16);
    if (total > MI_MAX_TEMPLATE_BYTES)
        return mi_diag_set(d, MI_E_FORMAT, "offset 16: total length %u exceeds the limit of %u bytes", total,
                           MI_MAX_TEMPLATE_BYTES);
    if (total != n)
        return mi_diag_set(d, MI_E_FORMAT, "offset 16: header says the template is %u bytes long but it is %zu",
                           total, n);
    uint64_t want = ld64(b + 24), got;
    if (!checksum(b, n, &got)) return nomem(d);
    if (want != got)
        return mi_diag_set(d, MI_E_FORMAT,
                           "offset 24: checksum mismatch: header has 0x%016llx, bytes give 0x%016llx",
                           (unsigned long long)want, (unsigned long long)got);
    uint32_t k = ld32(b + 20);
    if ((uint64_t)k * MI_SECTDIR_ENTRY > n - MI_HEADER_SIZE)
        return mi_diag_set(d, MI_E_FORMAT,
                           "offset 32: section directory truncated: %u sections need %llu bytes, %zu are left",
                           k, (unsigned long long)k * MI_SECTDIR_ENTRY, n - MI_HEADER_SIZE);
    t->format_version = fv;
    t->mi_version = mv;
    *nsect = k;
    return MI_OK;
}

static mi_status dec_directory(const uint8_t *b, size_t n, uint32_t k, mi_template *t, mi_diag *d) {
    size_t expect = MI_HEADER_SIZE + (size_t)k * MI_SECTDIR_ENTRY;
    unsigned have = 0;
    uint32_t nextra = 0;
    for (uint32_t i = 0; i < k; i++) {
        size_t at = MI_HEADER_SIZE + (size_t)i * MI_SECTDIR_ENTRY;
        uint32_t id = ld32(b + at), flags = ld32(b + at + 4), off = ld32(b + at + 8), len = ld32(b + at + 12);
        if (i > 0) {
            uint32_t prev = ld32(b + at - MI_SECTDIR_ENTRY);
            if (id == prev)
                return mi_diag_set(d, MI_E_FORMAT, "offset %zu: directory entry %u: duplicate section id %u", at,
                                   i, id);
            if (id < prev)
                return mi_diag_set(d, MI_E_FORMAT,
                                   "offset %zu: directory entry %u: section id %u follows id %u; "
                                   "sections must be sorted by id",
                                   at, i, id, prev);
        }
        if (off != expect)
            return mi_diag_set(d, MI_E_FORMAT,
                               "offset %zu: directory entry %u (section %u, %s): data at offset %u but it must "
                               "start at %zu (%s)",
                               at, i, id, sect_name(id), off, expect,
                               off > expect ? "gap after the previous section" : "overlaps what precedes it");
        if (len > n - expect)
            return mi_diag_set(d, MI_E_FORMAT,
                               "offset %zu: directory entry %u (section %u, %s): %u bytes at offset %u run "
                               "past the end of the template (%zu bytes)",
                               at, i, id, sect_name(id), len, off, n);
        expect += len;
        if (flags & ~MI_SECT_FLAG_CRITICAL)
            return mi_diag_set(d, MI_E_FORMAT,
                               "offset %zu: section %u (%s) has flags 0x%x; only bit 0 (critical) may be set",
                               at + 4, id, sect_name(id), flags);
        if (id >= MI_SECT_ODT && id <= MI_SECT_LINES) {
            if (flags != MI_SECT_FLAG_CRITICAL)
                return mi_diag_set(d, MI_E_FORMAT,
                                   "offset %zu: section %u (%s) has flags 0x%x; a required section must "
                                   "have flags 0x1 (critical)",
                                   at + 4, id, sect_name(id), flags);
            have |= 1u << id;
        } else if (id == MI_SECT_SOURCE) {
            if (flags != 0)
                return mi_diag_set(d, MI_E_FORMAT, "offset %zu: section 7 (SOURCE) has flags 0x%x, must be 0",
                                   at + 4, flags);
        } else if (flags != 0) {
            return mi_diag_set(d, MI_E_FORMAT,
                               "offset %zu: unknown critical section %u: this runtime cannot interpret it", at,
                               id);
        } else {
            nextra++;
        }
    }
    if (expect != n)
        return mi_diag_set(d, MI_E_FORMAT, "offset %zu: %zu bytes after the last section", expect, n - expect);
    for (uint32_t id = MI_SECT_ODT; id <= MI_SECT_LINES; id++)
        if (!(have & (1u << id)))
            return mi_diag_set(d, MI_E_FORMAT, "required section %u (%s) is missing", id, sect_name(id));
    if (nextra > 0 && (t->extra = calloc(nextra, sizeof *t->extra)) == NULL) return nomem(d);
    return MI_OK;
}

static mi_status decode(const uint8_t *b, size_t n, mi_template *t, mi_diag *d) {
    uint32_t k = 0;
    mi_status st = dec_header(b, n, t, d, &k);
    if (st != MI_OK) return st;
    if ((st = dec_directory(b, n, k, t, d)) != MI_OK) return st;
    dec c = {.b = b, .t = t, .d = d};
    for (uint32_t i = 0; i < k && st == MI_OK; i++) {
        const uint8_t *e = b + MI_HEADER_SIZE + (size_t)i * MI_SECTDIR_ENTRY;
        c.sid = ld32(e);
        c.pos = ld32(e + 8);
        c.end = c.pos + ld32(e + 12);
        switch (c.sid) {
        case MI_SECT_ODT: st = dec_odt(&c); break;
        case MI_SECT_CONST: st = dec_const(&c); break;
        case MI_SECT_CODE: st = dec_code(&c); break;
        case MI_SECT_MONITOR: st = dec_monitor(&c); break;
        case MI_SECT_NAMES: st = dec_names(&c); break;
        case MI_SECT_LINES: st = dec_lines(&c); break;
        case MI_SECT_SOURCE: st = dec_source(&c); break;
        default: st = dec_extra(&c, ld32(e + 4)); break;
        }
    }
    return st;
}

mi_status mi_template_decode(const uint8_t *bytes, size_t n, mi_template *t, mi_diag *d) {
    if (t == NULL || (bytes == NULL && n > 0))
        return mi_diag_set(d, MI_E_ARG, "mi_template_decode: invalid argument");
    mi_template_init(t);
    mi_status st = decode(bytes, n, t, d);
    if (st != MI_OK) mi_template_free(t);
    return st;
}

mi_status mi_template_load(const uint8_t *bytes, size_t n, mi_template *t, mi_diag *d) {
    mi_status st = mi_template_decode(bytes, n, t, d);
    if (st != MI_OK) return st;
    st = mi_template_verify(t, d);
    if (st != MI_OK) mi_template_free(t);
    return st;
}

/* ---- encoder ----------------------------------------------------------------- */

typedef struct wr {
    uint8_t *p;
    size_t pos;
} wr;

static void put8(wr *w, uint8_t v) { w->p[w->pos++] = v; }
static void put16(wr *w, uint16_t v) { put8(w, (uint8_t)v); put8(w, (uint8_t)(v >> 8)); }
static void put32(wr *w, uint32_t v) { put16(w, (uint16_t)v); put16(w, (uint16_t)(v >> 16)); }
static void put64(wr *w, uint64_t v) { put32(w, (uint32_t)v); put32(w, (uint32_t)(v >> 32)); }
static void putn(wr *w, const void *s, size_t n) {
    if (n > 0) memcpy(w->p + w->pos, s, n);
    w->pos += n;
}
static void put_type(wr *w, const mi_type *ty) {
    put8(w, ty->kind);
    put8(w, ty->size);
    put8(w, ty->scale);
    put8(w, 0);
    put32(w, ty->len);
}

/* Checks that t can be encoded into bytes the decoder accepts and computes the
 * size of each built-in section (index = section id). */
static mi_status enc_check(const mi_template *t, uint64_t size[8], mi_diag *d) {
    if (t->format_version != MI_FORMAT_VERSION)
        return mi_diag_set(d, MI_E_ARG, "cannot encode format version %u; this code writes format version %u",
                           t->format_version, MI_FORMAT_VERSION);
    if (t->mi_version == 0 || t->mi_version > MI_VERSION)
        return mi_diag_set(d, MI_E_ARG, "cannot encode MI version %u", t->mi_version);
    const struct { uint32_t n; const void *a; const char *what; } counts[] = {
        {t->nobjs, t->objs, "objects"},   {t->nconsts, t->consts, "constants"},
        {t->ninsns, t->insns, "instructions"}, {t->nmons, t->mons, "monitors"},
        {t->nlabels, t->labels, "labels"}};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (counts[i].n > MI_MAX_ITEMS)
            return mi_diag_set(d, MI_E_ARG, "too many %s: %u (limit %u)", counts[i].what, counts[i].n,
                               MI_MAX_ITEMS);
        if (counts[i].n > 0 && counts[i].a == NULL)
            return mi_diag_set(d, MI_E_ARG, "%u %s but no array", counts[i].n, counts[i].what);
    }
    if ((t->nopnds > 0 && t->opnds == NULL) || (t->nconstbytes > 0 && t->constbytes == NULL) ||
        (t->nextra > 0 && t->extra == NULL))
        return mi_diag_set(d, MI_E_ARG, "template arrays missing");
    size[MI_SECT_ODT] = 4 + (uint64_t)OBJ_BYTES * t->nobjs;
    uint64_t names = 8;
    for (uint32_t i = 0; i < t->nobjs; i++) {
        const char *s = t->objs[i].name;
        size_t l = s != NULL ? strnlen(s, MI_MAX_NAME + 1) : 0;
        if (l == 0 || l > MI_MAX_NAME)
            return mi_diag_set(d, MI_E_ARG, "object %u: name missing, empty or longer than %u bytes", i,
                               MI_MAX_NAME);
        names += 2 + l;
    }
    for (uint32_t i = 0; i < t->nlabels; i++) {
        const char *s = t->labels[i].name;
        size_t l = s != NULL ? strnlen(s, MI_MAX_NAME + 1) : 0;
        if (l == 0 || l > MI_MAX_NAME)
            return mi_diag_set(d, MI_E_ARG, "label %u: name missing, empty or longer than %u bytes", i,
                               MI_MAX_NAME);
        names += 6 + l;
    }
    size[MI_SECT_NAMES] = names;
    uint64_t cs = 4;
    for (uint32_t i = 0; i < t->nconsts; i++) {
        const mi_const *k = &t->consts[i];
        if ((uint64_t)k->offset + k->nbytes > t->nconstbytes)
            return mi_diag_set(d, MI_E_ARG, "constant %u: bytes outside the constant data", i);
        cs += CONST_MIN_BYTES + (uint64_t)k->nbytes;
    }
    size[MI_SECT_CONST] = cs;
    uint64_t code = 4;
    for (uint32_t i = 0; i < t->ninsns; i++) {
        const mi_insn *in = &t->insns[i];
        if ((unsigned)in->op >= MI_OP_COUNT)
            return mi_diag_set(d, MI_E_ARG, "instruction %u: opcode %d not valid", i + 1, (int)in->op);
        if ((uint64_t)in->first + in->nopnds > t->nopnds)
            return mi_diag_set(d, MI_E_ARG, "instruction %u: operands outside the operand array", i + 1);
        code += INSN_MIN_BYTES;
        for (uint32_t j = 0; j < in->nopnds; j++) {
            const mi_operand *o = &t->opnds[in->first + j];
            size_t ob = operand_bytes(o->kind);
            if (ob == 0)
                return mi_diag_set(d, MI_E_ARG, "instruction %u: operand %u: kind %u not valid", i + 1, j + 1,
                                   o->kind);
            for (size_t s = 0; s < (ob - 5) / SIMPLE_BYTES; s++)
                if (o->sub[s].kind != MI_O_OBJ && o->sub[s].kind != MI_O_CONST)
                    return mi_diag_set(d, MI_E_ARG, "instruction %u: operand %u: simple operand kind %u not valid",
                                       i + 1, j + 1, o->sub[s].kind);
            code += ob;
        }
    }
    size[MI_SECT_CODE] = code;
    for (uint32_t i = 0; i < t->nmons; i++)
        if (t->mons[i].id[7] != '\0')
            return mi_diag_set(d, MI_E_ARG, "monitor %u: exception id is not NUL-terminated", i);
    size[MI_SECT_MONITOR] = 4 + (uint64_t)MON_BYTES * t->nmons;
    size[MI_SECT_LINES] = 4 + 4 * (uint64_t)t->ninsns;
    size[MI_SECT_SOURCE] = 0;
    if (t->has_source) {
        size_t fl = t->source_file != NULL ? strnlen(t->source_file, 65536) : 0;
        if (fl > 65535) return mi_diag_set(d, MI_E_ARG, "source file name longer than 65535 bytes");
        if (t->source_len > 0 && t->source_text == NULL) return mi_diag_set(d, MI_E_ARG, "source text missing");
        size[MI_SECT_SOURCE] = 6 + (uint64_t)fl + t->source_len;
    }
    for (uint32_t i = 0; i < t->nextra; i++) {
        const mi_extra_section *x = &t->extra[i];
        if (x->id >= MI_SECT_ODT && x->id <= MI_SECT_SOURCE)
            return mi_diag_set(d, MI_E_ARG, "extra section %u: id %u is a built-in section", i, x->id);
        if (x->nbytes > 0 && x->bytes == NULL) return mi_diag_set(d, MI_E_ARG, "extra section %u: bytes missing", i);
    }
    return MI_OK;
}

typedef struct secref {
    uint32_t id;
    uint32_t extra; /* index into t->extra, or MI_NONE for a built-in section */
} secref;

static int secref_cmp(const void *a, const void *b) {
    const secref *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static void enc_section(const mi_template *t, uint32_t id, wr *w) {
    switch (id) {
    case MI_SECT_ODT:
        put32(w, t->nobjs);
        for (uint32_t i = 0; i < t->nobjs; i++) {
            const mi_object *o = &t->objs[i];
            put_type(w, &o->type);
            put32(w, o->dim);
            put8(w, o->cls);
            put8(w, o->flags);
            put16(w, 0);
            put32(w, o->base);
            put32(w, o->offset);
            put32(w, o->init);
        }
        break;
    case MI_SECT_CONST:
        put32(w, t->nconsts);
        for (uint32_t i = 0; i < t->nconsts; i++) {
            const mi_const *k = &t->consts[i];
            put_type(w, &k->type);
            put32(w, k->nbytes);
            if (k->nbytes > 0) putn(w, t->constbytes + k->offset, k->nbytes);
        }
        break;
    case MI_SECT_CODE:
        put32(w, t->ninsns);
        for (uint32_t i = 0; i < t->ninsns; i++) {
            const mi_insn *in = &t->insns[i];
            put16(w, mi_opinfo_table[in->op].code);
            put8(w, in->mods);
            put8(w, in->nopnds);
            for (uint32_t j = 0; j < in->nopnds; j++) {
                const mi_operand *o = &t->opnds[in->first + j];
                put8(w, o->kind);
                put32(w, o->ref);
                for (size_t s = 0; s < (operand_bytes(o->kind) - 5) / SIMPLE_BYTES; s++) {
                    put8(w, o->sub[s].kind);
                    put32(w, o->sub[s].ref);
                }
            }
        }
        break;
    case MI_SECT_MONITOR:
        put32(w, t->nmons);
        for (uint32_t i = 0; i < t->nmons; i++) {
            putn(w, t->mons[i].id, 8);
            put32(w, t->mons[i].from);
            put32(w, t->mons[i].to);
            put32(w, t->mons[i].handler);
        }
        break;
    case MI_SECT_NAMES:
        put32(w, t->nobjs);
        for (uint32_t i = 0; i < t->nobjs; i++) {
            size_t l = strlen(t->objs[i].name);
            put16(w, (uint16_t)l);
            putn(w, t->objs[i].name, l);
        }
        put32(w, t->nlabels);
        for (uint32_t i = 0; i < t->nlabels; i++) {
            size_t l = strlen(t->labels[i].name);
            put32(w, t->labels[i].insn);
            put16(w, (uint16_t)l);
            putn(w, t->labels[i].name, l);
        }
        break;
    case MI_SECT_LINES:
        put32(w, t->ninsns);
        for (uint32_t i = 0; i < t->ninsns; i++) put32(w, t->insns[i].line);
        break;
    case MI_SECT_SOURCE: {
        size_t fl = t->source_file != NULL ? strlen(t->source_file) : 0;
        put16(w, (uint16_t)fl);
        putn(w, t->source_file, fl);
        put32(w, t->source_len);
        putn(w, t->source_text, t->source_len);
        break;
    }
    default: break;
    }
}

mi_status mi_template_encode(const mi_template *t, uint8_t **out, size_t *outn, mi_diag *d) {
    if (t == NULL || out == NULL || outn == NULL)
        return mi_diag_set(d, MI_E_ARG, "mi_template_encode: invalid argument");
    *out = NULL;
    *outn = 0;
    uint64_t size[8];
    mi_status st = enc_check(t, size, d);
    if (st != MI_OK) return st;
    /* More directory entries than that could never fit in a template. */
    if (t->nextra > (MI_MAX_TEMPLATE_BYTES - MI_HEADER_SIZE) / MI_SECTDIR_ENTRY)
        return mi_diag_set(d, MI_E_ARG, "too many extra sections: %u", t->nextra);
    uint32_t nsect = 6u + (t->has_source ? 1u : 0u) + t->nextra;
    secref *secs = malloc((size_t)nsect * sizeof *secs);
    if (secs == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory while encoding the template");
    uint32_t ns = 0;
    for (uint32_t id = MI_SECT_ODT; id <= MI_SECT_SOURCE; id++)
        if (id != MI_SECT_SOURCE || t->has_source) secs[ns++] = (secref){id, MI_NONE};
    for (uint32_t i = 0; i < t->nextra; i++) secs[ns++] = (secref){t->extra[i].id, i};
    /* Built-in ids are distinct from extra ids (checked), so the order is total
     * except among equal extra ids, which are refused next. */
    qsort(secs, ns, sizeof *secs, secref_cmp);
    uint64_t total = MI_HEADER_SIZE + (uint64_t)MI_SECTDIR_ENTRY * ns;
    for (uint32_t i = 0; i < ns; i++) {
        if (i > 0 && secs[i].id == secs[i - 1].id) {
            uint32_t dup = secs[i].id;
            free(secs);
            return mi_diag_set(d, MI_E_ARG, "two extra sections have id %u", dup);
        }
        total += secs[i].extra == MI_NONE ? size[secs[i].id] : t->extra[secs[i].extra].nbytes;
    }
    if (total > MI_MAX_TEMPLATE_BYTES) {
        free(secs);
        return mi_diag_set(d, MI_E_ARG, "template would be %llu bytes, over the limit of %u",
                           (unsigned long long)total, MI_MAX_TEMPLATE_BYTES);
    }
    wr w = {.p = malloc((size_t)total), .pos = 0};
    if (w.p == NULL) {
        free(secs);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory while encoding the template");
    }
    putn(&w, magic, sizeof magic);
    put16(&w, t->format_version);
    put16(&w, t->mi_version);
    put32(&w, 0);
    put32(&w, (uint32_t)total);
    put32(&w, ns);
    put64(&w, 0); /* checksum, filled in below */
    uint64_t off = MI_HEADER_SIZE + (uint64_t)MI_SECTDIR_ENTRY * ns;
    for (uint32_t i = 0; i < ns; i++) {
        const secref *s = &secs[i];
        uint64_t len = s->extra == MI_NONE ? size[s->id] : t->extra[s->extra].nbytes;
        uint32_t flags = s->extra != MI_NONE ? t->extra[s->extra].flags
                         : s->id == MI_SECT_SOURCE ? 0u : MI_SECT_FLAG_CRITICAL;
        put32(&w, s->id);
        put32(&w, flags);
        put32(&w, (uint32_t)off);
        put32(&w, (uint32_t)len);
        off += len;
    }
    for (uint32_t i = 0; i < ns; i++) {
        const secref *s = &secs[i];
        if (s->extra == MI_NONE)
            enc_section(t, s->id, &w);
        else
            putn(&w, t->extra[s->extra].bytes, t->extra[s->extra].nbytes);
    }
    free(secs);
    if (w.pos != total) { /* enc_check and enc_section disagree: a bug here, not bad input */
        free(w.p);
        return mi_diag_set(d, MI_E_INTERNAL, "encoder size mismatch: %zu != %llu", w.pos,
                           (unsigned long long)total);
    }
    uint64_t sum = XXH64(w.p, w.pos, 0);
    w.pos = 24;
    put64(&w, sum);
    *out = w.p;
    *outn = (size_t)total;
    return MI_OK;
}
