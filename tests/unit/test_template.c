/* Template codec: type helpers, encoder output checked against bytes written out by
 * hand from mi-spec §14, decode/encode round trips, and one test per decoder
 * rejection rule (each asserts the status and a key phrase of the message). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "tmpl_fixture.h"

/* ---- an independent raw template writer (header + directory + checksum) ----- */

typedef struct rsec {
    uint32_t id, flags;
    const void *data;
    size_t n;
} rsec;

/* Lays the sections out contiguously after the directory, in the order given. */
static uint8_t *raw_build(const rsec *s, unsigned k, size_t *outn) {
    size_t n = 32 + 16 * (size_t)k;
    for (unsigned i = 0; i < k; i++) n += s[i].n;
    uint8_t *b = calloc(1, n);
    assert_non_null(b);
    static const uint8_t magic[8] = {0x89, 0x4D, 0x49, 0x54, 0x0D, 0x0A, 0x1A, 0x0A};
    memcpy(b, magic, 8);
    b[8] = 1;  /* format version */
    b[10] = 1; /* MI version */
    fx_put32(b + 16, (uint32_t)n);
    fx_put32(b + 20, k);
    size_t off = 32 + 16 * (size_t)k;
    for (unsigned i = 0; i < k; i++) {
        uint8_t *e = b + 32 + 16 * i;
        fx_put32(e, s[i].id);
        fx_put32(e + 4, s[i].flags);
        fx_put32(e + 8, (uint32_t)off);
        fx_put32(e + 12, (uint32_t)s[i].n);
        if (s[i].n) memcpy(b + off, s[i].data, s[i].n);
        off += s[i].n;
    }
    fx_fix_checksum(b, n);
    *outn = n;
    return b;
}

static const uint8_t z4[4], z8[8];

/* The six required sections, any of which a test may replace. */
static uint8_t *raw_with(uint32_t id, const void *data, size_t n, size_t *outn) {
    rsec s[6] = {{1, 1, z4, 4}, {2, 1, z4, 4}, {3, 1, z4, 4}, {4, 1, z4, 4}, {5, 1, z8, 8}, {6, 1, z4, 4}};
    s[id - 1].data = data;
    s[id - 1].n = n;
    return raw_build(s, 6, outn);
}

static void expect_reject(const uint8_t *b, size_t n, mi_status want, const char *phrase) {
    mi_template t;
    mi_diag d = {{0}};
    mi_status st = mi_template_decode(b, n, &t, &d);
    if (st != want || strstr(d.msg, phrase) == NULL)
        fprintf(stderr, "status %d (want %d), message: %s\nexpected phrase: %s\n", st, want, d.msg, phrase);
    assert_int_equal(st, want);
    assert_non_null(strstr(d.msg, phrase));
    /* the template is left freed and reinitialised */
    assert_int_equal(t.nobjs, 0);
    assert_null(t.objs);
    mi_template_free(&t);
}

static void decode_ok(const uint8_t *b, size_t n, mi_template *t) {
    mi_diag d = {{0}};
    mi_status st = mi_template_decode(b, n, t, &d);
    if (st != MI_OK) fprintf(stderr, "decode: %s\n", d.msg);
    assert_int_equal(st, MI_OK);
}

/* ---- type helpers ------------------------------------------------------------ */

static void test_type_helpers(void **state) {
    (void)state;
    assert_int_equal(mi_type_bytes(&TY_BIN(2)), 2);
    assert_int_equal(mi_type_bytes(&TY_UBIN(8)), 8);
    assert_int_equal(mi_type_bytes(&TY_FLT(4)), 4);
    assert_int_equal(mi_type_bytes(&TY_PKD(5, 2)), 3);  /* -12.50 is 01 25 0D */
    assert_int_equal(mi_type_bytes(&TY_PKD(4, 0)), 3);  /* +7 is 00 00 7C */
    assert_int_equal(mi_type_bytes(&TY_PKD(1, 0)), 1);
    assert_int_equal(mi_type_bytes(&TY_PKD(31, 0)), 16);
    assert_int_equal(mi_type_bytes(&TY_ZND(3, 0)), 3);
    assert_int_equal(mi_type_bytes(&TY_CHAR(65535)), 65535);
    assert_int_equal(mi_type_bytes(&TY_SPCPTR), 0);
    assert_int_equal(mi_type_bytes(&TY_SYSPTR), 0);
    assert_true(mi_type_equal(&TY_PKD(5, 2), &TY_PKD(5, 2)));
    assert_false(mi_type_equal(&TY_PKD(5, 2), &TY_PKD(5, 1)));
    assert_false(mi_type_equal(&TY_PKD(5, 2), &TY_ZND(5, 2)));
    assert_false(mi_type_equal(&TY_CHAR(3), &TY_CHAR(4)));
    assert_false(mi_type_equal(&TY_BIN(4), &TY_UBIN(4)));
    assert_true(mi_type_is_numeric(&TY_ZND(3, 1)));
    assert_true(mi_type_is_numeric(&TY_FLT(8)));
    assert_false(mi_type_is_numeric(&TY_CHAR(1)));
    assert_false(mi_type_is_numeric(&TY_SPCPTR));
    assert_true(mi_type_is_integer(&TY_UBIN(1)));
    assert_true(mi_type_is_integer(&TY_BIN(8)));
    assert_false(mi_type_is_integer(&TY_PKD(3, 0)));
    assert_false(mi_type_is_integer(&TY_FLT(8)));
}

/* ---- hand-written templates ---------------------------------------------------- */

/* The empty program: 32-byte header, 6 directory entries, 28 bytes of sections. */
static const uint8_t minimal_bytes[156] = {
    0x89, 0x4D, 0x49, 0x54, 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 1, 0, 0, 0, 0, 0,
    156, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* checksum filled in */
    1, 0, 0, 0, 1, 0, 0, 0, 128, 0, 0, 0, 4, 0, 0, 0,
    2, 0, 0, 0, 1, 0, 0, 0, 132, 0, 0, 0, 4, 0, 0, 0,
    3, 0, 0, 0, 1, 0, 0, 0, 136, 0, 0, 0, 4, 0, 0, 0,
    4, 0, 0, 0, 1, 0, 0, 0, 140, 0, 0, 0, 4, 0, 0, 0,
    5, 0, 0, 0, 1, 0, 0, 0, 144, 0, 0, 0, 8, 0, 0, 0,
    6, 0, 0, 0, 1, 0, 0, 0, 152, 0, 0, 0, 4, 0, 0, 0,
    0, 0, 0, 0, /* ODT */ 0, 0, 0, 0, /* CONST */ 0, 0, 0, 0, /* CODE */ 0, 0, 0, 0, /* MONITOR */
    0, 0, 0, 0, 0, 0, 0, 0, /* NAMES */ 0, 0, 0, 0, /* LINES */
};

/* DCL x BIN(4); label top: CPYNV x, BIN(8):7 at source line 3. */
static const uint8_t small_bytes[234] = {
    0x89, 0x4D, 0x49, 0x54, 0x0D, 0x0A, 0x1A, 0x0A, 1, 0, 1, 0, 0, 0, 0, 0,
    234, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0, 0, 0, 1, 0, 0, 0, 128, 0, 0, 0, 32, 0, 0, 0,
    2, 0, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 24, 0, 0, 0,
    3, 0, 0, 0, 1, 0, 0, 0, 184, 0, 0, 0, 18, 0, 0, 0,
    4, 0, 0, 0, 1, 0, 0, 0, 202, 0, 0, 0, 4, 0, 0, 0,
    5, 0, 0, 0, 1, 0, 0, 0, 206, 0, 0, 0, 20, 0, 0, 0,
    6, 0, 0, 0, 1, 0, 0, 0, 226, 0, 0, 0, 8, 0, 0, 0,
    /* 128 ODT */ 1, 0, 0, 0,
    1, 4, 0, 0, 0, 0, 0, 0, /* dim */ 0, 0, 0, 0, /* class, flags, 0 */ 1, 0, 0, 0,
    0xFF, 0xFF, 0xFF, 0xFF, /* offset */ 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    /* 160 CONST */ 1, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0,
    /* 184 CODE */ 1, 0, 0, 0, 0x08, 0x01, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
    /* 202 MONITOR */ 0, 0, 0, 0,
    /* 206 NAMES */ 1, 0, 0, 0, 1, 0, 'x', 1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 't', 'o', 'p',
    /* 226 LINES */ 1, 0, 0, 0, 3, 0, 0, 0,
};

static uint8_t *copy_fixed(const uint8_t *src, size_t n) {
    uint8_t *b = malloc(n);
    assert_non_null(b);
    memcpy(b, src, n);
    fx_fix_checksum(b, n);
    return b;
}

static void build_small(mi_template *t) {
    mi_template_init(t);
    uint32_t x = fx_static(t, "x", TY_BIN(4));
    uint32_t c = fx_int(t, 8, 7);
    FX_INSN(t, MI_OP_CPYNV, 0, fx_o(x), fx_c(c));
    t->insns[0].line = 3;
    fx_label(t, "top", 0);
}

static void test_encode_minimal(void **state) {
    (void)state;
    mi_template t;
    mi_template_init(&t);
    uint8_t *out;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_OK);
    uint8_t *want = copy_fixed(minimal_bytes, sizeof minimal_bytes);
    assert_int_equal(n, sizeof minimal_bytes);
    assert_memory_equal(out, want, n);
    mi_template u;
    decode_ok(want, n, &u);
    assert_true(fx_equal(&t, &u));
    assert_int_equal(u.has_source, 0);
    assert_int_equal(u.nextra, 0);
    assert_int_equal(mi_template_load(want, n, &u, &d), MI_OK); /* the empty program is valid */
    mi_template_free(&u);
    free(out);
    free(want);
    mi_template_free(&t);
}

static void test_encode_small(void **state) {
    (void)state;
    mi_template t;
    build_small(&t);
    uint8_t *out;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_OK);
    uint8_t *want = copy_fixed(small_bytes, sizeof small_bytes);
    assert_int_equal(n, sizeof small_bytes);
    assert_memory_equal(out, want, n);
    mi_template u;
    decode_ok(want, n, &u);
    assert_true(fx_equal(&t, &u));
    assert_int_equal(u.insns[0].op, MI_OP_CPYNV);
    assert_int_equal(u.insns[0].line, 3);
    assert_int_equal(u.opnds[1].kind, MI_O_CONST);
    assert_string_equal(u.objs[0].name, "x");
    assert_string_equal(u.labels[0].name, "top");
    assert_int_equal(u.constbytes[u.consts[0].offset], 7);
    mi_template_free(&u);
    assert_int_equal(mi_template_load(want, n, &u, &d), MI_OK);
    mi_template_free(&u);
    free(out);
    free(want);
    mi_template_free(&t);
}

static void roundtrip(void (*build)(mi_template *)) {
    mi_template t, u;
    build(&t);
    uint8_t *a, *b, *c;
    size_t na, nb, nc;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &a, &na, &d), MI_OK);
    assert_int_equal(mi_template_encode(&t, &c, &nc, &d), MI_OK); /* deterministic */
    assert_int_equal(na, nc);
    assert_memory_equal(a, c, na);
    decode_ok(a, na, &u);
    assert_true(fx_equal(&t, &u));
    assert_int_equal(mi_template_encode(&u, &b, &nb, &d), MI_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    mi_template_free(&u);
    mi_status st = mi_template_load(a, na, &u, &d);
    if (st != MI_OK) fprintf(stderr, "load: %s\n", d.msg);
    assert_int_equal(st, MI_OK);
    mi_template_free(&u);
    free(a);
    free(b);
    free(c);
    mi_template_free(&t);
}

static void test_roundtrip_sample(void **state) {
    (void)state;
    roundtrip(fx_sample);
    roundtrip(fx_sample2);
    roundtrip(build_small);
    mi_template t, u;
    fx_sample(&t);
    uint8_t *a;
    size_t na;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &a, &na, &d), MI_OK);
    assert_int_equal(mi_template_load(a, na, &u, &d), MI_OK);
    /* directory: extra 0 first, then 1..7, then extra 100; flags as specified */
    static const uint32_t ids[9] = {0, 1, 2, 3, 4, 5, 6, 7, 100};
    static const uint32_t flags[9] = {0, 1, 1, 1, 1, 1, 1, 0, 0};
    assert_int_equal(fx_get32(a + 20), 9);
    for (int i = 0; i < 9; i++) {
        assert_int_equal(fx_get32(a + 32 + 16 * i), ids[i]);
        assert_int_equal(fx_get32(a + 36 + 16 * i), flags[i]);
    }
    /* the decoder keeps extra sections in id order */
    assert_int_equal(u.nextra, 2);
    assert_int_equal(u.extra[0].id, 0);
    assert_int_equal(u.extra[1].id, 100);
    assert_memory_equal(u.extra[1].bytes, "xyz", 3);
    assert_string_equal(u.source_file, "sample.mi");
    mi_template_free(&u);
    /* the encoder sorts extra sections given out of order */
    mi_extra_section x = t.extra[0];
    t.extra[0] = t.extra[1];
    t.extra[1] = x;
    uint8_t *b;
    size_t nb;
    assert_int_equal(mi_template_encode(&t, &b, &nb, &d), MI_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(b);
    free(a);
    mi_template_free(&t);
}

static void test_encode_rejects(void **state) {
    (void)state;
    mi_template t;
    uint8_t *out = (uint8_t *)&t;
    size_t n;
    mi_diag d;
    fx_sample(&t);
    free(t.objs[1].name);
    t.objs[1].name = NULL;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    assert_null(out);
    assert_non_null(strstr(d.msg, "object 1: name"));
    mi_template_free(&t);

    fx_sample(&t);
    t.extra[0].id = 3;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "built-in section"));
    mi_template_free(&t);

    fx_sample(&t);
    t.extra[0].id = 0;
    t.extra[1].id = 0;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "two extra sections have id 0"));
    mi_template_free(&t);

    fx_sample(&t);
    t.opnds[3].kind = 9;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "kind 9 not valid"));
    mi_template_free(&t);

    fx_sample(&t);
    t.insns[2].first = t.nopnds;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "instruction 3: operands outside"));
    mi_template_free(&t);

    fx_sample(&t);
    t.mi_version = 2;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_E_ARG);
    mi_template_free(&t);

    /* a critical extra section encodes (so tests can produce one) but never decodes */
    fx_sample(&t);
    t.extra[1].flags = 1;
    assert_int_equal(mi_template_encode(&t, &out, &n, &d), MI_OK);
    expect_reject(out, n, MI_E_FORMAT, "unknown critical section 100");
    free(out);
    mi_template_free(&t);
}

/* ---- decoder rejections: header ----------------------------------------------- */

static uint8_t *small_copy(size_t *n) {
    *n = sizeof small_bytes;
    return copy_fixed(small_bytes, sizeof small_bytes);
}

static void test_reject_header(void **state) {
    (void)state;
    size_t n;
    uint8_t *b = small_copy(&n);
    expect_reject(b, 0, MI_E_FORMAT, "the header alone needs 32");
    expect_reject(b, 31, MI_E_FORMAT, "template truncated: 31 bytes");

    b[3] = 'X';
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "offset 0: bad magic");
    free(b);

    /* versions are checked right after the magic (§15, §16 D2): before the length,
     * the checksum or anything else, which a newer format may define differently */
    b = small_copy(&n);
    b[8] = 2;
    b[12] = 0xFF;
    expect_reject(b, n - 5, MI_E_VERSION,
                  "template format version 2; this runtime reads template format versions up to 1");
    b[8] = 0;
    expect_reject(b, n, MI_E_FORMAT, "offset 8: template format version 0 is not valid");
    free(b);

    b = small_copy(&n);
    b[10] = 2;
    b[12] = 0xFF;
    expect_reject(b, n - 5, MI_E_VERSION, "requires MI version 2; this runtime implements MI version 1");
    b[11] = 1;
    expect_reject(b, n, MI_E_VERSION, "requires MI version 258; this runtime implements MI version 1");
    b[10] = 0;
    b[11] = 0;
    expect_reject(b, n, MI_E_FORMAT, "offset 10: MI version 0 is not valid");
    b[8] = 2; /* the format version is checked first */
    expect_reject(b, n, MI_E_VERSION, "template format version 2");
    free(b);

    b = small_copy(&n);
    b[13] = 1;
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "offset 12: header flags are 0x00000100, must be 0");
    free(b);

    b = small_copy(&n);
    expect_reject(b, n - 1, MI_E_FORMAT, "header says the template is 234 bytes long but it is 233");
    fx_put32(b + 16, MI_MAX_TEMPLATE_BYTES + 1);
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "total length 67108865 exceeds the limit");
    free(b);

    b = small_copy(&n);
    b[200] ^= 1;
    expect_reject(b, n, MI_E_FORMAT, "offset 24: checksum mismatch");
    free(b);
}

/* ---- decoder rejections: directory ----------------------------------------- */

static void test_reject_directory(void **state) {
    (void)state;
    size_t n;
    uint8_t *b = small_copy(&n);
    fx_put32(b + 20, 14); /* 14 entries need 224 bytes; 202 follow the header */
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "section directory truncated: 14 sections need 224 bytes, 202 are left");
    fx_put32(b + 20, 0xFFFFFFFFu);
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "4294967295 sections need 68719476720 bytes, 202 are left");
    free(b);

    b = small_copy(&n);
    fx_put32(b + 48, 1); /* entry 1 has id 1 again */
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "offset 48: directory entry 1: duplicate section id 1");
    fx_put32(b + 48, 0);
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "must be sorted by id");
    free(b);

    b = small_copy(&n);
    fx_put32(b + 32 + 16 * 2 + 8, 185); /* CODE at 185 instead of 184 */
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "data at offset 185 but it must start at 184 (gap");
    fx_put32(b + 32 + 16 * 2 + 8, 180);
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "(overlaps");
    free(b);

    b = small_copy(&n);
    fx_put32(b + 32 + 16 * 5 + 12, 9); /* LINES 9 bytes from 226: past 234 */
    fx_fix_checksum(b, n);
    expect_reject(b, n, MI_E_FORMAT, "run past the end of the template");
    free(b);

    /* a byte after the last section */
    uint8_t *c = malloc(sizeof small_bytes + 1);
    memcpy(c, small_bytes, sizeof small_bytes);
    c[sizeof small_bytes] = 0;
    fx_put32(c + 16, sizeof small_bytes + 1);
    fx_fix_checksum(c, sizeof small_bytes + 1);
    expect_reject(c, sizeof small_bytes + 1, MI_E_FORMAT, "offset 234: 1 bytes after the last section");
    free(c);

    /* missing required sections */
    rsec s[6] = {{1, 1, z4, 4}, {2, 1, z4, 4}, {3, 1, z4, 4}, {5, 1, z8, 8}, {6, 1, z4, 4}, {9, 0, "ab", 2}};
    b = raw_build(s, 6, &n);
    expect_reject(b, n, MI_E_FORMAT, "required section 4 (MONITOR) is missing");
    free(b);
    b = raw_build(s + 1, 5, &n);
    expect_reject(b, n, MI_E_FORMAT, "required section 1 (ODT) is missing");
    free(b);

    /* unknown critical section; flags of known sections */
    rsec u[7] = {{1, 1, z4, 4}, {2, 1, z4, 4}, {3, 1, z4, 4}, {4, 1, z4, 4}, {5, 1, z8, 8}, {6, 1, z4, 4},
                 {42, 1, "x", 1}};
    b = raw_build(u, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "unknown critical section 42");
    free(b);
    u[6].flags = 0x80000002; /* only bit 0 may be set, on any section (§14, D7) */
    b = raw_build(u, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 132: section 42 (unknown) has flags 0x80000002; only bit 0 (critical) may be set");
    free(b);
    u[6].flags = 0; /* non-critical: carried through verbatim */
    b = raw_build(u, 7, &n);
    mi_template t;
    decode_ok(b, n, &t);
    assert_int_equal(t.nextra, 1);
    assert_int_equal(t.extra[0].id, 42);
    assert_int_equal(t.extra[0].flags, 0);
    assert_int_equal(t.extra[0].nbytes, 1);
    assert_int_equal(t.extra[0].bytes[0], 'x');
    uint8_t *e;
    size_t en;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &e, &en, &d), MI_OK);
    assert_int_equal(en, n);
    assert_memory_equal(e, b, n);
    free(e);
    mi_template_free(&t);
    free(b);
    u[2].flags = 0;
    b = raw_build(u, 6, &n);
    expect_reject(b, n, MI_E_FORMAT, "section 3 (CODE) has flags 0x0; a required section must have flags 0x1");
    free(b);
    u[2].flags = 3;
    b = raw_build(u, 6, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 68: section 3 (CODE) has flags 0x3; only bit 0");
    free(b);
    u[2].flags = 1;
    u[6] = (rsec){7, 1, "\0\0\0\0\0\0", 6};
    b = raw_build(u, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "section 7 (SOURCE) has flags 0x1, must be 0");
    free(b);
}

/* ---- decoder rejections: sections ---------------------------------------------- */

static void test_reject_counts(void **state) {
    (void)state;
    size_t n;
    uint8_t *b;
    static const uint8_t big[4] = {0x01, 0x00, 0x10, 0x00}; /* 1048577 */
    b = raw_with(1, big, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "object count 1048577 exceeds the limit of 1048576");
    free(b);
    b = raw_with(2, big, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "constant count 1048577 exceeds");
    free(b);
    b = raw_with(3, big, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "instruction count 1048577 exceeds");
    free(b);
    b = raw_with(4, big, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "monitor count 1048577 exceeds");
    free(b);
    /* a huge count that is within the limit but not backed by bytes */
    static const uint8_t many[4] = {0x00, 0x00, 0x10, 0x00}; /* 1048576 */
    b = raw_with(1, many, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 128, section 1 (ODT): object count 1048576 needs at least 29360128 bytes");
    free(b);
    b = raw_with(3, many, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "instruction count 1048576 needs at least 4194304 bytes but only 0 are left");
    free(b);
    static const uint8_t lab[8] = {0, 0, 0, 0, 0, 0, 0x10, 0};
    b = raw_with(5, lab, 8, &n);
    expect_reject(b, n, MI_E_FORMAT, "label count 1048576 needs at least 6291456 bytes");
    free(b);
    b = raw_with(1, many, 3, &n);
    expect_reject(b, n, MI_E_FORMAT, "object count truncated: 4 bytes needed, 3 left");
    free(b);
    /* NAMES and LINES counts must match the ODT and CODE */
    static const uint8_t one[4] = {1, 0, 0, 0};
    b = raw_with(5, (const uint8_t[8]){1, 0, 0, 0, 0, 0, 0, 0}, 8, &n);
    expect_reject(b, n, MI_E_FORMAT, "1 object names but the ODT has 0 objects");
    free(b);
    b = raw_with(6, one, 4, &n);
    expect_reject(b, n, MI_E_FORMAT, "1 source lines but the CODE section has 0 instructions");
    free(b);
}

/* Copies small_bytes with one section's data patched at a relative offset. */
static uint8_t *small_patch(size_t at, const void *bytes, size_t k, size_t *n) {
    uint8_t *b = small_copy(n);
    memcpy(b + at, bytes, k);
    fx_fix_checksum(b, *n);
    return b;
}

static void test_reject_items(void **state) {
    (void)state;
    size_t n;
    uint8_t *b;
    b = small_patch(128 + 4 + 3, "\x01", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 135, section 1 (ODT): object 0: reserved type byte is 0x01");
    free(b);
    b = small_patch(128 + 4 + 14, "\x00\x01", 2, &n);
    expect_reject(b, n, MI_E_FORMAT, "object 0: reserved bytes are 0x0100");
    free(b);
    b = small_patch(160 + 4 + 3, "\x05", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "constant 0: reserved type byte is 0x05");
    free(b);
    b = small_patch(160 + 4 + 8, "\x09", 1, &n); /* nbytes 9, only 8 left */
    expect_reject(b, n, MI_E_FORMAT, "offset 172, section 2 (CONST): constant 0: 9 data bytes but only 8 are left");
    free(b);
    b = small_patch(160 + 4 + 8, "\x07", 1, &n); /* nbytes 7: one byte left over */
    expect_reject(b, n, MI_E_FORMAT, "offset 183, section 2 (CONST): 1 unexpected bytes at the end");
    free(b);
    b = small_patch(188, "\x99\x99", 2, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 188, section 3 (CODE): instruction 1: unknown opcode 0x9999");
    free(b);
    b = small_patch(192, "\x07", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 192, section 3 (CODE): instruction 1 (CPYNV): operand 1: operand kind 7 not valid");
    free(b);
    b = small_patch(191, "\x03", 1, &n); /* three operands, only two present */
    expect_reject(b, n, MI_E_FORMAT, "instruction 1 (CPYNV): operand 3 truncated");
    free(b);
    b = small_patch(197, "\x02", 1, &n); /* operand 2 becomes ELEM: needs 10 bytes, 5 left */
    expect_reject(b, n, MI_E_FORMAT, "operand 2 truncated: 10 bytes needed, 5 left");
    free(b);
    b = small_patch(191, "\x01", 1, &n); /* one operand: five bytes left over */
    expect_reject(b, n, MI_E_FORMAT, "offset 197, section 3 (CODE): 5 unexpected bytes");
    free(b);
    /* simple operand kinds of ELEM/SUBSTR */
    static const uint8_t code_elem[] = {1, 0, 0, 0, 0x08, 0x01, 0, 2, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0,
                                        1, 0, 0, 0, 0};
    b = raw_with(3, code_elem, sizeof code_elem, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 149, section 3 (CODE): instruction 1 (CPYNV): operand 1: index operand kind 2 not valid");
    free(b);
    static const uint8_t code_sub[] = {1, 0, 0, 0, 0x01, 0x03, 0, 1, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5, 0, 0, 0, 0};
    b = raw_with(3, code_sub, sizeof code_sub, &n);
    expect_reject(b, n, MI_E_FORMAT, "operand 1: length operand kind 5 not valid");
    free(b);
    static const uint8_t code_trunc[] = {2, 0, 0, 0, 0x05, 0x05, 0, 1, 4, 0, 0, 0, 0, 0x02, 0x09};
    b = raw_with(3, code_trunc, sizeof code_trunc, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 149, section 3 (CODE): instruction 2 truncated: 4 bytes needed, 2 left");
    free(b);
    /* monitors */
    static const uint8_t mon[24] = {1, 0, 0, 0, 'M', 'C', 'H', '1', '2', '1', '0', 'X'};
    b = raw_with(4, mon, sizeof mon, &n);
    expect_reject(b, n, MI_E_FORMAT, "monitor 0: the 8th byte of the exception id is 0x58");
    free(b);
    b = raw_with(4, mon, sizeof mon - 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "monitor count 1 needs at least 20 bytes but only 19 are left");
    free(b);
    /* names */
    b = small_patch(210, "\x00", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 210, section 5 (NAMES): object 0: name is empty");
    free(b);
    b = small_patch(212, "\0", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "offset 212, section 5 (NAMES): object 0: name contains a NUL byte");
    free(b);
    b = small_patch(210, "\x41", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "object 0: name is 65 bytes long, the limit is 64");
    free(b);
    b = small_patch(210, "\x02", 1, &n); /* 2-byte name: the label count shifts to 214..217 and reads 0 */
    expect_reject(b, n, MI_E_FORMAT, "offset 218, section 5 (NAMES): 8 unexpected bytes");
    free(b);
    b = small_patch(221, "\x04", 1, &n);
    expect_reject(b, n, MI_E_FORMAT, "label 0: name truncated: 4 bytes needed, 3 left");
    free(b);
    b = small_patch(233, "\x01", 1, &n); /* line value: anything is fine */
    mi_template t;
    decode_ok(b, n, &t);
    assert_int_equal(t.insns[0].line, 0x01000003u);
    mi_template_free(&t);
    free(b);
}

static void test_source_and_extra(void **state) {
    (void)state;
    size_t n;
    uint8_t *b;
    rsec s[8] = {{1, 1, z4, 4}, {2, 1, z4, 4}, {3, 1, z4, 4}, {4, 1, z4, 4}, {5, 1, z8, 8}, {6, 1, z4, 4},
                 {7, 0, "\x03\0a.m\x02\0\0\0hi", 11}, {8, 0, "", 0}};
    b = raw_build(s, 8, &n);
    mi_template t;
    decode_ok(b, n, &t);
    assert_int_equal(t.has_source, 1);
    assert_string_equal(t.source_file, "a.m");
    assert_int_equal(t.source_len, 2);
    assert_memory_equal(t.source_text, "hi", 2);
    assert_int_equal(t.nextra, 1);
    assert_int_equal(t.extra[0].id, 8);
    assert_int_equal(t.extra[0].nbytes, 0);
    uint8_t *e;
    size_t en;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &e, &en, &d), MI_OK);
    assert_int_equal(en, n);
    assert_memory_equal(e, b, n);
    free(e);
    mi_template_free(&t);
    free(b);
    s[6].n = 10;
    b = raw_build(s, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "section 7 (SOURCE): source text truncated: 2 bytes needed, 1 left");
    free(b);
    s[6] = (rsec){7, 0, "\x03\0a.m\x00\0\0\0!", 10};
    b = raw_build(s, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "section 7 (SOURCE): 1 unexpected bytes");
    free(b);
    s[6] = (rsec){7, 0, "\x03\0a\0m\x00\0\0\0", 9};
    b = raw_build(s, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "file name contains a NUL byte");
    free(b);
    s[6] = (rsec){7, 0, "\x05\0a.m", 5};
    b = raw_build(s, 7, &n);
    expect_reject(b, n, MI_E_FORMAT, "file name truncated");
    free(b);
}

/* ---- the worked example of mi-spec §14.2, transcribed from the spec's hexdump ------ */

static const uint8_t hello_mit[219] = {
    0x89, 0x4d, 0x49, 0x54, 0x0d, 0x0a, 0x1a, 0x0a, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xdb, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x98, 0x9e, 0x05, 0x72, 0x6d, 0x6d, 0xf5, 0x58,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x84, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00,
    0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xb5, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xc7, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xcb, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd3, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00,
    0x0d, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x2c, 0x20, 0x77,
    0x6f, 0x72, 0x6c, 0x64, 0x21, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00, 0x02, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
};

static void test_spec_example(void **state) {
    (void)state;
    /* the xxHash test values quoted in §14.1 */
    assert_true(XXH64("", 0, 0) == 0xEF46DB3751D8E999ull);
    assert_true(XXH64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
    /* .nosource / SVC 2, 'Hello, world!' built through the struct API */
    mi_template t;
    mi_template_init(&t);
    uint32_t c2 = fx_int(&t, 8, 2), ch = fx_str(&t, "Hello, world!");
    FX_INSN(&t, MI_OP_SVC, 0, fx_c(c2), fx_c(ch));
    t.insns[0].line = 2;
    uint8_t *b;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &b, &n, &d), MI_OK);
    assert_int_equal(n, sizeof hello_mit);
    assert_memory_equal(b, hello_mit, n);
    free(b);
    mi_template u;
    assert_int_equal(mi_template_load(hello_mit, sizeof hello_mit, &u, &d), MI_OK);
    assert_true(fx_equal(&t, &u));
    mi_template_free(&u);
    mi_template_free(&t);
}

static void test_load_verifies(void **state) {
    (void)state;
    mi_template t;
    build_small(&t);
    t.objs[0].type.size = 3; /* BIN(3) decodes but does not verify */
    uint8_t *b;
    size_t n;
    mi_diag d;
    assert_int_equal(mi_template_encode(&t, &b, &n, &d), MI_OK);
    mi_template_free(&t);
    mi_template u;
    decode_ok(b, n, &u);
    mi_template_free(&u);
    assert_int_equal(mi_template_load(b, n, &u, &d), MI_E_VERIFY);
    assert_non_null(strstr(d.msg, "object 0 'x': BIN size 3 not valid"));
    assert_null(u.objs);
    mi_template_free(&u);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_helpers),      cmocka_unit_test(test_encode_minimal),
        cmocka_unit_test(test_encode_small),      cmocka_unit_test(test_roundtrip_sample),
        cmocka_unit_test(test_encode_rejects),    cmocka_unit_test(test_reject_header),
        cmocka_unit_test(test_reject_directory),  cmocka_unit_test(test_reject_counts),
        cmocka_unit_test(test_reject_items),      cmocka_unit_test(test_source_and_extra),
        cmocka_unit_test(test_load_verifies),     cmocka_unit_test(test_spec_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
