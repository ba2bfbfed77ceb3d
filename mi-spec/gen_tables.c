/* mi_gen_tables: the spec's opcode, exception and service lists, generated from
 * opcodes.def, exceptions.def and services.def (never scraped from comments).
 *
 *   mi_gen_tables                 print the three generated blocks
 *   mi_gen_tables --check FILE    exit 1 (printing the differences) if the blocks
 *                                 in FILE differ from what would be generated
 *   mi_gen_tables --update FILE   rewrite the blocks in FILE in place
 *
 * A block is every line strictly between
 *   <!-- BEGIN GENERATED: NAME -->   and   <!-- END GENERATED: NAME -->
 * for NAME in opcodes, exceptions, services; each pair must occur exactly once.
 *
 * tests/unit/test_spec_tables.c compiles this file in with MI_GEN_NO_MAIN
 * defined, so the test and the tool run the same comparison. The generator reads
 * the .def files directly (not the runtime's expansions) so that it builds even
 * while the runtime library is being changed. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_opcodes.h"

/* A growable byte buffer; oom is sticky so callers check once at the end. */
typedef struct mi_gen_buf {
    char *p;
    size_t n, cap;
    int oom;
} mi_gen_buf;

static void mi_gen_buf_free(mi_gen_buf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

static void mi_gen_add(mi_gen_buf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void mi_gen_puts(mi_gen_buf *b, const char *s) { mi_gen_add(b, s, strlen(s)); }

static void mi_gen_printf(mi_gen_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mi_gen_printf(mi_gen_buf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof tmp) {
        b->oom = 1; /* every generated cell is short; longer means a broken table */
        return;
    }
    mi_gen_add(b, tmp, (size_t)k);
}

/* A table cell: '|' would end the cell in markdown ("a || b" in CAT). */
static void mi_gen_cell(mi_gen_buf *b, const char *s) {
    for (; *s != '\0'; s++) {
        if (*s == '|') mi_gen_puts(b, "\\|");
        else mi_gen_add(b, s, 1);
    }
}

typedef struct mi_gen_op {
    const char *name;
    unsigned code;
    const char *forms;
    unsigned flags;
    const char *sem;
} mi_gen_op;

static const mi_gen_op mi_gen_ops[] = {
#define X(name, code, forms, flags, sem) {#name, code, forms, flags, sem},
#include "opcodes.def"
#undef X
};
#define MI_GEN_NOPS (sizeof mi_gen_ops / sizeof mi_gen_ops[0])

typedef struct mi_gen_exc {
    const char *id, *msg;
} mi_gen_exc;

static const mi_gen_exc mi_gen_excs[] = {
#define X(e, id, msg) {id, msg},
#include "exceptions.def"
#undef X
};
#define MI_GEN_NEXCS (sizeof mi_gen_excs / sizeof mi_gen_excs[0])

typedef struct mi_gen_svc {
    const char *name;
    unsigned number;
    const char *forms, *sem;
} mi_gen_svc;

static const mi_gen_svc mi_gen_svcs[] = {
#define X(e, num, forms, sem) {#e, num, forms, sem},
#include "services.def"
#undef X
};
#define MI_GEN_NSVCS (sizeof mi_gen_svcs / sizeof mi_gen_svcs[0])

static const char *const mi_gen_block_names[] = {"opcodes", "exceptions", "services"};
#define MI_GEN_NBLOCKS 3

static void mi_gen_forms(mi_gen_buf *b, const char *forms) {
    if (forms[0] == '\0') mi_gen_puts(b, "—");
    else mi_gen_printf(b, "`%s`", forms);
}

static void mi_gen_opcodes(mi_gen_buf *b) {
    mi_gen_puts(b, "| mnemonic | code | operands | modifiers | falls through | semantics |\n");
    mi_gen_puts(b, "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < MI_GEN_NOPS; i++) {
        const mi_gen_op *o = &mi_gen_ops[i];
        mi_gen_printf(b, "| `%s` | `0x%04X` | ", o->name, o->code);
        mi_gen_forms(b, o->forms);
        mi_gen_puts(b, " | ");
        if (o->flags & MI_F_ROUND) mi_gen_puts(b, "`.R` optional");
        else if (o->flags & MI_F_COND) mi_gen_puts(b, "one condition required");
        else mi_gen_puts(b, "—");
        mi_gen_puts(b, (o->flags & MI_F_NOFALL) ? " | no | " : " | yes | ");
        mi_gen_cell(b, o->sem);
        mi_gen_puts(b, " |\n");
    }
}

static void mi_gen_exceptions(mi_gen_buf *b) {
    mi_gen_puts(b, "| id | meaning |\n|---|---|\n");
    for (size_t i = 0; i < MI_GEN_NEXCS; i++) {
        mi_gen_printf(b, "| `%s` | ", mi_gen_excs[i].id);
        mi_gen_cell(b, mi_gen_excs[i].msg);
        mi_gen_puts(b, " |\n");
    }
}

static void mi_gen_services(mi_gen_buf *b) {
    mi_gen_puts(b, "| number | name | operands | semantics |\n|---|---|---|---|\n");
    for (size_t i = 0; i < MI_GEN_NSVCS; i++) {
        const mi_gen_svc *s = &mi_gen_svcs[i];
        mi_gen_printf(b, "| %u | `%s` | ", s->number, s->name);
        mi_gen_forms(b, s->forms);
        mi_gen_puts(b, " | ");
        mi_gen_cell(b, s->sem);
        mi_gen_puts(b, " |\n");
    }
}

/* The lines of one block, each ending in '\n'. which: index into mi_gen_block_names. */
static void mi_gen_block(mi_gen_buf *b, int which) {
    switch (which) {
    case 0: mi_gen_opcodes(b); break;
    case 1: mi_gen_exceptions(b); break;
    default: mi_gen_services(b); break;
    }
}

static void mi_gen_marker(mi_gen_buf *b, const char *what, int which) {
    mi_gen_printf(b, "<!-- %s GENERATED: %s -->", what, mi_gen_block_names[which]);
}

/* Finds the line that is exactly `marker` (no other text on it); returns its
 * start offset or -1. *count := how many such lines there are. */
static long mi_gen_find_line(const char *text, size_t n, const char *marker, int *count) {
    size_t ml = strlen(marker);
    long found = -1;
    *count = 0;
    for (size_t pos = 0; pos < n;) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - text) : n;
        size_t len = end - pos;
        if (len > 0 && text[pos + len - 1] == '\r') len--;
        if (len == ml && memcmp(text + pos, marker, ml) == 0) {
            if (found < 0) found = (long)pos;
            (*count)++;
        }
        pos = end + 1;
    }
    return found;
}

/* Appends to msgs a line-by-line account of how `have` differs from `want`
 * (both blocks of '\n'-terminated lines), at most 20 lines. */
static void mi_gen_diff(mi_gen_buf *msgs, const char *name, const char *have, size_t hn,
                        const char *want, size_t wn) {
    size_t hp = 0, wp = 0;
    unsigned line = 1, shown = 0;
    mi_gen_printf(msgs, "block \"%s\" differs from the .def tables (- in file, + generated):\n", name);
    while ((hp < hn || wp < wn) && shown < 20) {
        const char *hl = have + hp, *wl = want + wp;
        const char *he = hp < hn ? memchr(hl, '\n', hn - hp) : NULL;
        const char *we = wp < wn ? memchr(wl, '\n', wn - wp) : NULL;
        size_t hlen = hp < hn ? (he ? (size_t)(he - hl) : hn - hp) : 0;
        size_t wlen = wp < wn ? (we ? (size_t)(we - wl) : wn - wp) : 0;
        int hmore = hp < hn, wmore = wp < wn;
        if (!(hmore && wmore && hlen == wlen && memcmp(hl, wl, hlen) == 0)) {
            if (hmore) {
                mi_gen_printf(msgs, "  line %u: - ", line);
                mi_gen_add(msgs, hl, hlen);
                mi_gen_puts(msgs, "\n");
            }
            if (wmore) {
                mi_gen_printf(msgs, "  line %u: + ", line);
                mi_gen_add(msgs, wl, wlen);
                mi_gen_puts(msgs, "\n");
            }
            shown++;
        }
        if (hmore) hp += hlen + 1;
        if (wmore) wp += wlen + 1;
        line++;
    }
    if (shown == 20) mi_gen_puts(msgs, "  ...\n");
}

/* Compares every generated block of `text` with the tables. out (may be NULL)
 * receives the text with every block replaced by the generated one; msgs
 * receives a description of each difference or structural error.
 * Returns the number of blocks that differ, or -1 if the markers are missing,
 * repeated or out of order, or memory ran out. */
static int mi_gen_process(const char *text, size_t n, mi_gen_buf *out, mi_gen_buf *msgs) {
    int differ = 0;
    size_t copied = 0;
    long begins[MI_GEN_NBLOCKS], ends[MI_GEN_NBLOCKS];
    for (int i = 0; i < MI_GEN_NBLOCKS; i++) {
        mi_gen_buf m = {0};
        int cb, ce;
        mi_gen_marker(&m, "BEGIN", i);
        begins[i] = m.oom ? -1 : mi_gen_find_line(text, n, m.p, &cb);
        m.n = 0;
        mi_gen_marker(&m, "END", i);
        ends[i] = m.oom ? -1 : mi_gen_find_line(text, n, m.p, &ce);
        int oom = m.oom;
        mi_gen_buf_free(&m);
        if (oom) return -1;
        if (cb != 1 || ce != 1 || begins[i] < 0 || ends[i] <= begins[i]) {
            mi_gen_printf(msgs, "block \"%s\": need exactly one BEGIN and one later END marker line "
                          "(found %d BEGIN, %d END)\n", mi_gen_block_names[i], cb, ce);
            return -1;
        }
    }
    /* Blocks are rewritten in file order, so sort them by position. */
    int order[MI_GEN_NBLOCKS] = {0, 1, 2};
    for (int i = 1; i < MI_GEN_NBLOCKS; i++)
        for (int j = i; j > 0 && begins[order[j]] < begins[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int k = 0; k < MI_GEN_NBLOCKS; k++) {
        int i = order[k];
        if (k > 0 && begins[i] < ends[order[k - 1]]) {
            mi_gen_printf(msgs, "block \"%s\" overlaps another block\n", mi_gen_block_names[i]);
            return -1;
        }
        const char *nl = memchr(text + begins[i], '\n', n - (size_t)begins[i]);
        size_t body = nl ? (size_t)(nl - text) + 1 : n; /* first byte after the BEGIN line */
        size_t body_end = (size_t)ends[i];
        mi_gen_buf want = {0};
        mi_gen_block(&want, i);
        if (want.oom) {
            mi_gen_buf_free(&want);
            return -1;
        }
        size_t hn = body_end > body ? body_end - body : 0;
        if (hn != want.n || memcmp(text + body, want.p, hn) != 0) {
            differ++;
            mi_gen_diff(msgs, mi_gen_block_names[i], text + body, hn, want.p, want.n);
        }
        if (out != NULL) {
            mi_gen_add(out, text + copied, body - copied);
            mi_gen_add(out, want.p, want.n);
            copied = body_end;
        }
        mi_gen_buf_free(&want);
    }
    if (out != NULL) {
        mi_gen_add(out, text + copied, n - copied);
        if (out->oom) return -1;
    }
    return msgs->oom ? -1 : differ;
}

static int mi_gen_read_file(const char *path, mi_gen_buf *b) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) mi_gen_add(b, tmp, k);
    int bad = ferror(f) || b->oom;
    fclose(f);
    if (b->p == NULL && !bad) mi_gen_add(b, "", 0);
    return bad ? -1 : 0;
}

#ifndef MI_GEN_NO_MAIN
/* Writes through a temporary file and rename(), so an interrupted update never
 * leaves a half-written spec. */
static int mi_gen_write_file(const char *path, const mi_gen_buf *b) {
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (tmp == NULL) return -1;
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *f = fopen(tmp, "wb");
    int bad = f == NULL;
    if (!bad) {
        bad = fwrite(b->p, 1, b->n, f) != b->n;
        bad |= fclose(f) != 0;
    }
    if (!bad) bad = rename(tmp, path) != 0;
    if (bad) remove(tmp);
    free(tmp);
    return bad ? -1 : 0;
}

static int mi_gen_usage(void) {
    fputs("usage: mi_gen_tables [--check FILE | --update FILE]\n", stderr);
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 1) {
        mi_gen_buf b = {0};
        for (int i = 0; i < MI_GEN_NBLOCKS; i++) {
            mi_gen_marker(&b, "BEGIN", i);
            mi_gen_puts(&b, "\n");
            mi_gen_block(&b, i);
            mi_gen_marker(&b, "END", i);
            mi_gen_puts(&b, "\n\n");
        }
        int bad = b.oom || fwrite(b.p, 1, b.n, stdout) != b.n || fflush(stdout) != 0;
        mi_gen_buf_free(&b);
        if (bad) fputs("mi_gen_tables: cannot write the tables\n", stderr);
        return bad ? 1 : 0;
    }
    if (argc != 3) return mi_gen_usage();
    int update = strcmp(argv[1], "--update") == 0;
    if (!update && strcmp(argv[1], "--check") != 0) return mi_gen_usage();

    mi_gen_buf text = {0}, out = {0}, msgs = {0};
    int rc = 2;
    if (mi_gen_read_file(argv[2], &text) != 0) {
        fprintf(stderr, "mi_gen_tables: cannot read %s\n", argv[2]);
        goto cleanup;
    }
    int differ = mi_gen_process(text.p, text.n, update ? &out : NULL, &msgs);
    if (msgs.n > 0 && (!update || differ < 0)) fputs(msgs.p, stderr);
    if (differ < 0) {
        fprintf(stderr, "mi_gen_tables: %s: cannot process the generated blocks\n", argv[2]);
        goto cleanup;
    }
    if (!update) {
        rc = differ > 0;
        if (rc) fprintf(stderr, "mi_gen_tables: %s is out of date; run mi_gen_tables --update %s\n",
                        argv[2], argv[2]);
        goto cleanup;
    }
    rc = 0;
    if (differ > 0 && mi_gen_write_file(argv[2], &out) != 0) {
        fprintf(stderr, "mi_gen_tables: cannot write %s\n", argv[2]);
        rc = 2;
    } else if (differ > 0) {
        printf("mi_gen_tables: updated %d block(s) in %s\n", differ, argv[2]);
    }
cleanup:
    mi_gen_buf_free(&text);
    mi_gen_buf_free(&out);
    mi_gen_buf_free(&msgs);
    return rc;
}
#endif
