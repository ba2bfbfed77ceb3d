/* Corruption: for valid templates (built in C, covering every section, operand kind,
 * SOURCE and unknown non-critical sections), every conformance program assembled, and
 * the prepared .mit files in tests/conformance, truncate at every offset and damage
 * every byte (sampled for the suite's files). Without a checksum fix every
 * damaged template must be refused with a message. With the checksum recomputed (so
 * the structural checks are reached) each must be refused with a message or load, and
 * whatever decodes must re-encode to exactly the same bytes. Never a crash or leak
 * (run under -fsanitize=address,undefined too). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glob.h>
#include "tmpl_fixture.h"
#include "mi_asm.h"

#ifndef MI_SOURCE_DIR
#define MI_SOURCE_DIR "."
#endif

typedef struct stats {
    unsigned long loads, refused, loaded, decoded_only;
} stats;

/* Loads b; a refusal must carry a message. Whatever decodes must re-encode to b. */
static void try_bytes(const uint8_t *b, size_t n, int must_fail, stats *s) {
    mi_template t;
    mi_diag d;
    d.msg[0] = '\0';
    s->loads++;
    mi_status st = mi_template_decode(b, n, &t, &d);
    if (st != MI_OK) {
        assert_true(d.msg[0] != '\0');
        assert_null(t.objs); /* left freed */
        s->refused++;
        return;
    }
    if (must_fail) fprintf(stderr, "damaged template of %zu bytes decoded\n", n);
    assert_false(must_fail);
    uint8_t *e;
    size_t en;
    mi_diag d2;
    assert_int_equal(mi_template_encode(&t, &e, &en, &d2), MI_OK);
    assert_int_equal(en, n);
    assert_memory_equal(e, b, n);
    free(e);
    d.msg[0] = '\0';
    st = mi_template_verify(&t, &d);
    if (st == MI_OK) {
        s->loaded++;
    } else {
        assert_int_equal(st, MI_E_VERIFY);
        assert_true(d.msg[0] != '\0');
        s->decoded_only++;
    }
    mi_template_free(&t);
    /* mi_template_load agrees with decode + verify */
    mi_template u;
    assert_int_equal(mi_template_load(b, n, &u, &d) == MI_OK, st == MI_OK);
    mi_template_free(&u);
}

/* budget: 0 to damage every byte offset, else about that many offsets, spread
 * with an odd stride so they fall on every phase of the 4-byte fields. */
static void corrupt_all(const char *what, const uint8_t *b, size_t n, size_t budget) {
    stats raw = {0}, fixed = {0};
    uint8_t *c = malloc(n + 1);
    assert_non_null(c);
    size_t step = budget == 0 || n <= budget ? 1 : (n + budget - 1) / budget;
    if (step > 1 && step % 2 == 0) step++;
    for (size_t k = 0; k < n; k += step) {
        try_bytes(b, k, 1, &raw);
        if (k >= 32) { /* a shorter template with a consistent header */
            memcpy(c, b, k);
            fx_put32(c + 16, (uint32_t)k);
            fx_fix_checksum(c, k);
            try_bytes(c, k, 0, &fixed);
        }
    }
    static const uint8_t masks[2] = {0xFF, 0x01};
    for (size_t i = 0; i < n; i += step)
        for (int m = 0; m < 2; m++) {
            memcpy(c, b, n);
            c[i] ^= masks[m];
            try_bytes(c, n, 1, &raw);
            fx_fix_checksum(c, n);
            try_bytes(c, n, 0, &fixed);
        }
    /* whole little-endian words with values that stress counts and offsets */
    static const uint32_t words[] = {0, 1, 2, 0x7F, 0xFFFFFFFFu, 0x80000000u, MI_MAX_ITEMS, MI_MAX_ITEMS + 1};
    for (size_t i = 32; i + 4 <= n; i += step)
        for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
            memcpy(c, b, n);
            fx_put32(c + i, words[w]);
            fx_fix_checksum(c, n);
            try_bytes(c, n, 0, &fixed);
        }
    free(c);
    /* raw damage never passes; the fixed variants were each refused or round-tripped */
    assert_int_equal(raw.refused, raw.loads);
    printf("%s (%zu bytes): %lu damaged copies refused; with fixed checksum %lu loads: %lu refused, "
           "%lu decoded but failed verification, %lu loaded\n",
           what, n, raw.refused, fixed.loads, fixed.refused, fixed.decoded_only, fixed.loaded);
}

static void corrupt_template(const char *what, void (*build)(mi_template *)) {
    mi_template t;
    build(&t);
    uint8_t *b;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &b, &n, &d), MI_OK);
    mi_template_free(&t);
    mi_status st = mi_template_load(b, n, &t, &d);
    if (st != MI_OK) fprintf(stderr, "%s: %s\n", what, d.msg);
    assert_int_equal(st, MI_OK); /* the starting point is valid */
    mi_template_free(&t);
    corrupt_all(what, b, n, 0);
    free(b);
}

/* Minimal program with a source section holding empty text and an empty extra section. */
static void build_tiny(mi_template *t) {
    mi_template_init(t);
    fx_insn(t, MI_OP_RTX, 0, NULL, 0);
    fx_source(t, "", "");
    fx_extra(t, 9, 0, NULL, 0);
}

static void test_sample(void **state) {
    (void)state;
    corrupt_template("fx_sample", fx_sample);
}

static void test_sample2(void **state) {
    (void)state;
    corrupt_template("fx_sample2", fx_sample2);
}

static void test_tiny(void **state) {
    (void)state;
    corrupt_template("tiny", build_tiny);
}

static uint8_t *read_file(const char *path, size_t *np) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = NULL;
    size_t n = 0, cap = 0, r;
    do {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            b = realloc(b, cap);
            assert_non_null(b);
        }
        r = fread(b + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *np = n;
    return b;
}

/* Real templates: every program of the conformance suite, its callees and the examples
 * that assembles (a few are meant not to), plus the prepared .mit files (some of them
 * deliberately invalid). Sampled: every offset of every file would take minutes under
 * ASan. A file that is not itself valid still must never crash anything. */
static void test_conformance_files(void **state) {
    (void)state;
    static const char *const patterns[] = {
        MI_SOURCE_DIR "/tests/conformance/*.mi", MI_SOURCE_DIR "/tests/conformance/lib/*.mi",
        MI_SOURCE_DIR "/examples/*.mi",          MI_SOURCE_DIR "/tests/conformance/*.mit",
        MI_SOURCE_DIR "/tests/conformance/lib/*.mit",
    };
    unsigned assembled = 0, prepared = 0;
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        glob_t g;
        if (glob(patterns[p], 0, NULL, &g) != 0) continue;
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t n = 0;
            uint8_t *b = read_file(g.gl_pathv[i], &n);
            size_t len = strlen(g.gl_pathv[i]);
            if (len > 3 && strcmp(g.gl_pathv[i] + len - 3, ".mi") == 0) {
                uint8_t *t = NULL;
                size_t tn = 0;
                mi_asm_opts o;
                mi_asm_opts_init(&o);
                o.embed_source = (int)(i % 2); /* with and without the source section */
                if (mi_asm_assemble((const char *)b, n, &o, &t, &tn, NULL) == MI_OK) {
                    corrupt_all(g.gl_pathv[i], t, tn, 64);
                    assembled++;
                }
                free(t);
            } else {
                corrupt_all(g.gl_pathv[i], b, n, 64);
                prepared++;
            }
            free(b);
        }
        globfree(&g);
    }
    /* the suite has well over a hundred programs; a broken glob must not pass silently */
    if (assembled < 100) fprintf(stderr, "only %u conformance templates assembled\n", assembled);
    assert_true(assembled >= 100);
    assert_true(prepared >= 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample),
        cmocka_unit_test(test_sample2),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_conformance_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
