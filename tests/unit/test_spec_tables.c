/* The spec and the .def tables agree: the generated lists in mi-spec/mi-v1.md
 * are current, every instruction and service has its reference entry (in .def
 * order), every exception id is documented, and the worked template example is
 * self-consistent. The generator's own logic is compiled in (MI_GEN_NO_MAIN), so
 * this test and `mi_gen_tables --check` make the same comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ctype.h>
#include <xxhash.h>

#define MI_GEN_NO_MAIN
#include "gen_tables.c"

#define SPEC_PATH MI_SOURCE_DIR "/mi-spec/mi-v1.md"

static mi_gen_buf spec;

static int load_spec(void **state) {
    (void)state;
    memset(&spec, 0, sizeof spec);
    return mi_gen_read_file(SPEC_PATH, &spec);
}

static int free_spec(void **state) {
    (void)state;
    mi_gen_buf_free(&spec);
    return 0;
}

/* Iterates over the lines of spec.p: *pos is the cursor; returns the start of
 * the next line and its length (without '\n'), or NULL at the end. */
static const char *next_line(size_t *pos, size_t *len) {
    if (*pos >= spec.n) return NULL;
    const char *s = spec.p + *pos;
    const char *nl = memchr(s, '\n', spec.n - *pos);
    *len = nl ? (size_t)(nl - s) : spec.n - *pos;
    *pos += *len + 1;
    return s;
}

static int starts(const char *s, size_t len, const char *prefix) {
    size_t k = strlen(prefix);
    return len >= k && memcmp(s, prefix, k) == 0;
}

/* Is this line a generated-block marker? Updates *inside accordingly. */
static int marker(const char *s, size_t len, int *inside) {
    if (starts(s, len, "<!-- BEGIN GENERATED: ")) {
        *inside = 1;
        return 1;
    }
    if (starts(s, len, "<!-- END GENERATED: ")) {
        *inside = 0;
        return 1;
    }
    return 0;
}

static void test_generated_blocks_are_current(void **state) {
    (void)state;
    mi_gen_buf msgs = {0};
    int differ = mi_gen_process(spec.p, spec.n, NULL, &msgs);
    if (differ != 0) print_error("%s\n(run mi_gen_tables --update mi-spec/mi-v1.md)\n", msgs.p ? msgs.p : "");
    mi_gen_buf_free(&msgs);
    assert_int_equal(differ, 0);
}

/* The level-4 headings ("#### ") of the chapter whose level-2 heading starts
 * with `chapter`, outside generated blocks and code; returns how many were put
 * in heads. */
static size_t chapter_headings(const char *chapter, const char **heads, size_t *lens, size_t max) {
    size_t pos = 0, len, k = 0;
    int in_chapter = 0, inside = 0, fence = 0;
    const char *s;
    while ((s = next_line(&pos, &len)) != NULL) {
        if (starts(s, len, "```")) fence = !fence;
        if (fence || marker(s, len, &inside) || inside) continue;
        if (starts(s, len, "## ")) in_chapter = starts(s, len, chapter);
        else if (in_chapter && starts(s, len, "#### ") && k < max) {
            heads[k] = s + 5;
            lens[k] = len - 5;
            k++;
        }
    }
    return k;
}

/* Does heading text h (length hl) begin with word w followed by a blank or its end? */
static int heading_is(const char *h, size_t hl, const char *w) {
    size_t k = strlen(w);
    return hl >= k && memcmp(h, w, k) == 0 && (hl == k || h[k] == ' ');
}

static void test_every_instruction_has_a_reference_entry_in_def_order(void **state) {
    (void)state;
    const char *heads[200];
    size_t lens[200];
    size_t k = chapter_headings("## 20. ", heads, lens, 200);
    for (size_t i = 0; i < MI_GEN_NOPS && i < k; i++) {
        if (!heading_is(heads[i], lens[i], mi_gen_ops[i].name))
            print_error("instruction reference entry %zu is \"%.*s\", expected %s\n", i + 1,
                        (int)lens[i], heads[i], mi_gen_ops[i].name);
        assert_true(heading_is(heads[i], lens[i], mi_gen_ops[i].name));
    }
    assert_int_equal(k, MI_GEN_NOPS);
}

static void test_every_service_has_a_reference_entry_in_def_order(void **state) {
    (void)state;
    const char *heads[100];
    size_t lens[100];
    size_t k = chapter_headings("## 11. ", heads, lens, 100);
    size_t found = 0;
    for (size_t i = 0; i < k; i++) {
        if (!starts(heads[i], lens[i], "SVC ")) continue;
        assert_true(found < MI_GEN_NSVCS);
        char want[64];
        snprintf(want, sizeof want, "SVC %u: %s", mi_gen_svcs[found].number, mi_gen_svcs[found].name);
        if (!heading_is(heads[i], lens[i], want))
            print_error("service entry \"%.*s\", expected \"%s\"\n", (int)lens[i], heads[i], want);
        assert_true(heading_is(heads[i], lens[i], want));
        found++;
    }
    assert_int_equal(found, MI_GEN_NSVCS);
}

/* Each exception id has a row of its own in the hand-written "raised by" table
 * (a line beginning "| `ID` |" outside the generated blocks). */
static void test_every_exception_is_documented(void **state) {
    (void)state;
    for (size_t i = 0; i < MI_GEN_NEXCS; i++) {
        char row[32];
        snprintf(row, sizeof row, "| `%s` |", mi_gen_excs[i].id);
        size_t pos = 0, len;
        int inside = 0, rows = 0;
        const char *s;
        while ((s = next_line(&pos, &len)) != NULL)
            if (!marker(s, len, &inside) && !inside && starts(s, len, row)) rows++;
        if (rows != 1) print_error("%s: %d hand-written rows, expected 1\n", mi_gen_excs[i].id, rows);
        assert_int_equal(rows, 1);
    }
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The hex dump after "<!-- hexdump: hello.mit -->" is a template whose length,
 * section directory and XXH64 checksum agree with §14. */
static void test_worked_example_is_consistent(void **state) {
    (void)state;
    static uint8_t t[4096];
    size_t nt = 0, pos = 0, len;
    int state_ = 0; /* 0 before marker, 1 before fence, 2 in dump, 3 done */
    const char *s;
    while (state_ < 3 && (s = next_line(&pos, &len)) != NULL) {
        if (state_ == 0 && starts(s, len, "<!-- hexdump: hello.mit -->")) state_ = 1;
        else if (state_ == 1 && starts(s, len, "```")) state_ = 2;
        else if (state_ == 2 && starts(s, len, "```")) state_ = 3;
        else if (state_ == 2) {
            char row[128];
            unsigned off, v;
            int used;
            assert_true(len < sizeof row);
            memcpy(row, s, len);
            row[len] = '\0';
            assert_int_equal(sscanf(row, "%4x%n", &off, &used), 1);
            assert_int_equal(off, nt); /* rows are contiguous */
            for (const char *c = row + used; sscanf(c, " %2x%n", &v, &used) == 1; c += used) {
                assert_true(nt < sizeof t);
                t[nt++] = (uint8_t)v;
            }
        }
    }
    assert_int_equal(state_, 3);
    assert_true(nt >= 32);
    static const uint8_t magic[8] = {0x89, 'M', 'I', 'T', 0x0D, 0x0A, 0x1A, 0x0A};
    assert_memory_equal(t, magic, 8);
    assert_int_equal(le32(t + 16), nt);
    uint32_t nsect = le32(t + 20);
    assert_int_equal(nsect, 6);
    uint32_t expect_off = 32 + 16 * nsect;
    for (uint32_t i = 0; i < nsect; i++) {
        const uint8_t *d = t + 32 + 16 * i;
        assert_int_equal(le32(d), i + 1);
        assert_int_equal(le32(d + 4), 1); /* critical */
        assert_int_equal(le32(d + 8), expect_off);
        expect_off += le32(d + 12);
    }
    assert_int_equal(expect_off, nt);
    uint64_t stored = 0;
    for (int i = 7; i >= 0; i--) stored = stored << 8 | t[24 + i];
    memset(t + 24, 0, 8);
    assert_true(stored == (uint64_t)XXH64(t, nt, 0));
}

/* A small document holding the three blocks, as the generator would write them. */
static void make_doc(mi_gen_buf *d) {
    mi_gen_puts(d, "intro\n");
    for (int i = MI_GEN_NBLOCKS - 1; i >= 0; i--) { /* any order is allowed */
        mi_gen_marker(d, "BEGIN", i);
        mi_gen_puts(d, "\n");
        mi_gen_block(d, i);
        mi_gen_marker(d, "END", i);
        mi_gen_puts(d, "\ntext between\n");
    }
    assert_false(d->oom);
}

static void test_generator_detects_and_repairs_a_stale_block(void **state) {
    (void)state;
    mi_gen_buf doc = {0}, msgs = {0}, out = {0}, out2 = {0};
    make_doc(&doc);
    assert_int_equal(mi_gen_process(doc.p, doc.n, NULL, &msgs), 0);
    assert_int_equal(msgs.n, 0);

    char *row = strstr(doc.p, "| `SHL` |"); /* a stale row in one block */
    assert_non_null(row);
    row[3] = 'X';
    assert_int_equal(mi_gen_process(doc.p, doc.n, &out, &msgs), 1);
    assert_non_null(strstr(msgs.p, "block \"opcodes\" differs"));
    assert_non_null(strstr(msgs.p, "- | `XHL` |"));
    assert_non_null(strstr(msgs.p, "+ | `SHL` |"));

    row[3] = 'S'; /* the update equals the original document... */
    assert_int_equal(out.n, doc.n);
    assert_memory_equal(out.p, doc.p, doc.n);
    mi_gen_buf_free(&msgs);
    assert_int_equal(mi_gen_process(out.p, out.n, &out2, &msgs), 0); /* ...and is a fixed point */
    assert_int_equal(out2.n, out.n);
    assert_memory_equal(out2.p, out.p, out.n);

    mi_gen_buf_free(&doc);
    mi_gen_buf_free(&msgs);
    mi_gen_buf_free(&out);
    mi_gen_buf_free(&out2);
}

static void test_generator_fills_an_empty_block(void **state) {
    (void)state;
    mi_gen_buf doc = {0}, msgs = {0}, out = {0};
    mi_gen_puts(&doc, "a\n<!-- BEGIN GENERATED: services -->\n<!-- END GENERATED: services -->\n"
                      "<!-- BEGIN GENERATED: opcodes -->\nold\n<!-- END GENERATED: opcodes -->\n"
                      "<!-- BEGIN GENERATED: exceptions -->\n<!-- END GENERATED: exceptions -->\nz");
    assert_int_equal(mi_gen_process(doc.p, doc.n, &out, &msgs), 3);
    mi_gen_buf_free(&msgs);
    assert_int_equal(mi_gen_process(out.p, out.n, NULL, &msgs), 0);
    assert_true(out.n > 1 && out.p[out.n - 1] == 'z' && out.p[0] == 'a');
    mi_gen_buf_free(&doc);
    mi_gen_buf_free(&msgs);
    mi_gen_buf_free(&out);
}

static void test_generator_refuses_bad_markers(void **state) {
    (void)state;
    static const char *const docs[] = {
        /* END missing */
        "<!-- BEGIN GENERATED: opcodes -->\n<!-- BEGIN GENERATED: exceptions -->\n"
        "<!-- END GENERATED: exceptions -->\n<!-- BEGIN GENERATED: services -->\n"
        "<!-- END GENERATED: services -->\n",
        /* a block repeated */
        "<!-- BEGIN GENERATED: opcodes -->\n<!-- END GENERATED: opcodes -->\n"
        "<!-- BEGIN GENERATED: opcodes -->\n<!-- END GENERATED: opcodes -->\n"
        "<!-- BEGIN GENERATED: exceptions -->\n<!-- END GENERATED: exceptions -->\n"
        "<!-- BEGIN GENERATED: services -->\n<!-- END GENERATED: services -->\n",
        /* END before BEGIN */
        "<!-- END GENERATED: opcodes -->\n<!-- BEGIN GENERATED: opcodes -->\n"
        "<!-- BEGIN GENERATED: exceptions -->\n<!-- END GENERATED: exceptions -->\n"
        "<!-- BEGIN GENERATED: services -->\n<!-- END GENERATED: services -->\n",
        /* blocks nested */
        "<!-- BEGIN GENERATED: opcodes -->\n<!-- BEGIN GENERATED: exceptions -->\n"
        "<!-- END GENERATED: exceptions -->\n<!-- END GENERATED: opcodes -->\n"
        "<!-- BEGIN GENERATED: services -->\n<!-- END GENERATED: services -->\n",
        /* a marker with text after it on the line is not a marker */
        "<!-- BEGIN GENERATED: opcodes --> x\n<!-- END GENERATED: opcodes -->\n"
        "<!-- BEGIN GENERATED: exceptions -->\n<!-- END GENERATED: exceptions -->\n"
        "<!-- BEGIN GENERATED: services -->\n<!-- END GENERATED: services -->\n",
        "",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        mi_gen_buf msgs = {0}, out = {0};
        assert_int_equal(mi_gen_process(docs[i], strlen(docs[i]), &out, &msgs), -1);
        assert_true(msgs.n > 0);
        mi_gen_buf_free(&msgs);
        mi_gen_buf_free(&out);
    }
}

/* The tables themselves obey the rules the spec states about them. */
static void test_tables_are_well_formed(void **state) {
    (void)state;
    for (size_t i = 0; i < MI_GEN_NOPS; i++) {
        const mi_gen_op *o = &mi_gen_ops[i];
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(o->code, mi_gen_ops[j].code);
            assert_string_not_equal(o->name, mi_gen_ops[j].name);
        }
        assert_true(o->code > 0 && o->code <= 0xFFFF);
        assert_int_equal(o->flags & ~(unsigned)(MI_F_ROUND | MI_F_COND | MI_F_NOFALL), 0);
        assert_false((o->flags & MI_F_ROUND) && (o->flags & MI_F_COND));
        for (size_t k = 0; o->forms[k] != '\0'; k++) {
            char c = o->forms[k];
            if (c == '*' || c == '+') {
                assert_true(k > 0 && o->forms[k + 1] == '\0'); /* repeats the last letter only */
                continue;
            }
            assert_non_null(strchr("nNiIcCpPsSLAVKE", c));
        }
        for (const char *c = o->name; *c; c++) assert_true(isupper((unsigned char)*c));
    }
    for (size_t i = 0; i < MI_GEN_NEXCS; i++) {
        const char *id = mi_gen_excs[i].id;
        assert_int_equal(strlen(id), 7);
        for (int k = 0; k < 3; k++) assert_true(id[k] >= 'A' && id[k] <= 'Z');
        for (int k = 3; k < 7; k++) assert_non_null(strchr("0123456789ABCDEF", id[k]));
        for (size_t j = 0; j < i; j++) assert_string_not_equal(id, mi_gen_excs[j].id);
    }
    for (size_t i = 0; i < MI_GEN_NSVCS; i++) {
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(mi_gen_svcs[i].number, mi_gen_svcs[j].number);
            assert_string_not_equal(mi_gen_svcs[i].name, mi_gen_svcs[j].name);
        }
        for (const char *c = mi_gen_svcs[i].forms; *c; c++) assert_non_null(strchr("nicCI", *c));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_blocks_are_current),
        cmocka_unit_test(test_every_instruction_has_a_reference_entry_in_def_order),
        cmocka_unit_test(test_every_service_has_a_reference_entry_in_def_order),
        cmocka_unit_test(test_every_exception_is_documented),
        cmocka_unit_test(test_worked_example_is_consistent),
        cmocka_unit_test(test_generator_detects_and_repairs_a_stale_block),
        cmocka_unit_test(test_generator_fills_an_empty_block),
        cmocka_unit_test(test_generator_refuses_bad_markers),
        cmocka_unit_test(test_tables_are_well_formed),
    };
    return cmocka_run_group_tests(tests, load_spec, free_spec);
}
