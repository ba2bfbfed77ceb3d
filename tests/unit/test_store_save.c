/* Save files: the format as written (read back with raw SQLite and an
 * independently computed SHA-256), round trips, refusals that change nothing,
 * and single-byte flips sampled across the whole file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "store_fixture.h"

typedef struct env {
    char *dir, *path, *path2, *sav;
    mi_store *s, *t; /* source and target stores */
    uint8_t *b[3];
    size_t n[3];
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    e->dir = fx_tmpdir();
    e->path = fx_path(e->dir, "src.db");
    e->path2 = fx_path(e->dir, "dst.db");
    e->sav = fx_path(e->dir, "lib.misav");
    mi_diag d;
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    assert_int_equal(mi_store_open(e->path2, 0, &e->t, &d), MI_OK);
    for (int i = 0; i < 3; i++) fx_program(i + 1, &e->b[i], &e->n[i]);
    /* A: ONE, TWO, SAME (same template as ONE); B: X; C: empty */
    assert_int_equal(mi_store_crtlib(e->s, "A", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "B", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "C", &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "A", "ONE", e->b[0], e->n[0], "one.mi", 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "A", "TWO", e->b[1], e->n[1], "two.mi", 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "A", "SAME", e->b[0], e->n[0], NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "B", "X", e->b[2], e->n[2], "x.mi", 0, NULL, NULL, &d), MI_OK);
    *state = e;
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    mi_store_close(e->s);
    mi_store_close(e->t);
    for (int i = 0; i < 3; i++) free(e->b[i]);
    free(e->path);
    free(e->path2);
    free(e->sav);
    fx_rmrf(e->dir);
    free(e);
    return 0;
}

static mi_status save_all(env *e, mi_store_save_result *r) {
    mi_qname items[3];
    mi_diag d;
    mi_store_parse_libspec("a", &items[0], &d);
    mi_store_parse_libspec("b/x", &items[1], &d);
    mi_store_parse_libspec("C", &items[2], &d);
    return mi_store_save(e->s, items, 3, e->sav, r, &d);
}

static void test_format(void **state) {
    env *e = *state;
    mi_store_save_result r;
    assert_int_equal(save_all(e, &r), MI_OK);
    assert_int_equal(r.objects, 4);
    assert_int_equal(r.templates, 3);
    size_t n;
    uint8_t *bytes = fx_read(e->sav, &n);
    assert_int_equal(r.file_bytes, n);
    assert_memory_equal(bytes, "SQLite format 3", 16);
    assert_int_equal(bytes[18], 1); /* rollback journal, not WAL */
    assert_int_equal(bytes[19], 1);
    uint32_t app = (uint32_t)bytes[68] << 24 | (uint32_t)bytes[69] << 16 | (uint32_t)bytes[70] << 8 | bytes[71];
    uint32_t uv = (uint32_t)bytes[60] << 24 | (uint32_t)bytes[61] << 16 | (uint32_t)bytes[62] << 8 | bytes[63];
    assert_int_equal(app, 0x4D495356u); /* "MISV" */
    assert_int_equal(uv, 1);
    char sha[65];
    fx_sha256(bytes, n, sha);
    assert_string_equal(r.sha256, sha);
    free(bytes);
    /* the sidecar, in sha256sum format */
    char *side = fx_path(e->dir, "lib.misav.sha256");
    size_t sn;
    char *line = (char *)fx_read(side, &sn);
    char want[128];
    snprintf(want, sizeof want, "%s  lib.misav\n", sha);
    assert_int_equal(sn, strlen(want));
    assert_memory_equal(line, want, sn);
    free(line);
    free(side);
    /* contents, read with plain SQLite */
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM objects"), 4);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM templates"), 3);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM libraries"), 3);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM pragma_table_info('templates') "
                                "WHERE name IN ('image', 'native')"), 0);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM sqlite_schema WHERE name LIKE "
                                "'%translation%'"), 0);
    char q[300];
    fx_sha256(e->b[0], e->n[0], sha);
    snprintf(q, sizeof q, "SELECT count(*) FROM objects WHERE template_sha256 = '%s'", sha);
    assert_int_equal(fx_sql_int(e->sav, q), 2); /* ONE and SAME share it */
    snprintf(q, sizeof q, "SELECT size FROM templates WHERE sha256 = '%s'", sha);
    assert_int_equal(fx_sql_int(e->sav, q), (long long)e->n[0]);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM meta WHERE key = 'format' AND "
                                "value = 'MI save file'"), 1);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM meta WHERE key = 'content_sha256' "
                                "AND length(value) = 64"), 1);
}

static void test_round_trip(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(save_all(e, NULL), MI_OK);
    mi_store_restore_result rr;
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, 0, &rr, &d), MI_OK);
    assert_int_equal(rr.objects, 4);
    assert_int_equal(rr.templates, 3);
    assert_int_equal(rr.libraries_created, 3);
    assert_int_equal(rr.sidecar_checked, 1);
    char *a = fx_dump(e->s), *b = fx_dump(e->t);
    assert_string_equal(a, b); /* names, hashes, created times and source files */
    free(a);
    free(b);
    assert_int_equal(mi_store_lib_exists(e->t, "C", &d), MI_OK); /* the empty library too */
    assert_int_equal(fx_sql_int(e->path2, "SELECT count(*) FROM templates"), 3);
    uint8_t *got;
    size_t ng;
    assert_int_equal(mi_store_template(e->t, "A", "TWO", &got, &ng, &d), MI_OK);
    assert_int_equal(ng, e->n[1]);
    assert_memory_equal(got, e->b[1], ng);
    free(got);
    assert_int_equal(mi_store_verify(e->t, NULL, NULL, NULL, NULL, NULL, &d), MI_OK);

    /* again without --replace: refused, store unchanged */
    a = fx_dump(e->t);
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, 0, &rr, &d), MI_E_EXISTS);
    assert_non_null(strstr(d.msg, "A/ONE and other objects already exist"));
    assert_non_null(strstr(d.msg, "--replace"));
    assert_non_null(strstr(d.msg, "nothing was restored"));
    b = fx_dump(e->t);
    assert_string_equal(a, b);
    free(b);
    /* with replace */
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, MI_STORE_REPLACE, &rr, &d), MI_OK);
    assert_int_equal(rr.replaced, 4);
    b = fx_dump(e->t);
    assert_string_equal(a, b);
    free(a);
    free(b);

    /* into another library */
    assert_int_equal(mi_store_restore(e->t, e->sav, "newlib", 0, &rr, &d), MI_OK);
    assert_int_equal(rr.objects, 4);
    assert_int_equal(rr.libraries_created, 1);
    assert_int_equal(mi_store_lib_exists(e->t, "NEWLIB", &d), MI_OK);
    mi_qname one;
    mi_store_parse_libspec("A", &one, &d);
    char *sav2 = fx_path(e->dir, "a.misav");
    assert_int_equal(mi_store_save(e->s, &one, 1, sav2, NULL, &d), MI_OK);
    assert_int_equal(mi_store_restore(e->t, sav2, "LIB2", 0, &rr, &d), MI_OK);
    assert_int_equal(rr.objects, 3);
    mi_store_obj o;
    assert_int_equal(mi_store_get(e->t, "LIB2", "SAME", &o, &d), MI_OK);
    mi_store_obj_clear(&o);
    free(sav2);
}

static void test_restore_collision_in_target(void **state) {
    env *e = *state;
    mi_diag d;
    /* A/X and B/X would both become T/X */
    assert_int_equal(mi_store_install(e->s, "A", "X", e->b[1], e->n[1], NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(save_all(e, NULL), MI_OK);
    assert_int_equal(mi_store_restore(e->t, e->sav, "T", 0, NULL, &d), MI_E_EXISTS);
    assert_non_null(strstr(d.msg, "would both become T/X"));
    char *a = fx_dump(e->t);
    assert_string_equal(a, "");
    free(a);
    assert_int_equal(mi_store_lib_exists(e->t, "T", &d), MI_E_NOTFOUND);
}

static void test_save_errors(void **state) {
    env *e = *state;
    mi_diag d;
    mi_qname q;
    mi_store_parse_libspec("A/NOPE", &q, &d);
    assert_int_equal(mi_store_save(e->s, &q, 1, e->sav, NULL, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "A/NOPE not found"));
    struct stat sb;
    assert_int_equal(stat(e->sav, &sb), -1); /* nothing written */
    mi_store_parse_libspec("NOLIB", &q, &d);
    assert_int_equal(mi_store_save(e->s, &q, 1, e->sav, NULL, &d), MI_E_NOTFOUND);
    assert_int_equal(mi_store_save(e->s, &q, 0, e->sav, NULL, &d), MI_E_ARG);
    mi_store_parse_libspec("A", &q, &d);
    assert_int_equal(mi_store_save(e->s, &q, 1, e->dir, NULL, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "is a directory"));
    char *nodir = fx_path(e->dir, "no/such/dir/x.misav");
    assert_int_equal(mi_store_save(e->s, &q, 1, nodir, NULL, &d), MI_E_IO);
    free(nodir);
    /* a store whose template is damaged is not saved */
    char xh[33], sql[200];
    fx_xxh128(e->b[1], e->n[1], xh);
    snprintf(sql, sizeof sql, "UPDATE templates SET bytes = substr(bytes, 1, 40) || x'ff' || "
             "substr(bytes, 42) WHERE hash = '%s'", xh);
    mi_store_close(e->s);
    fx_sql(e->path, sql);
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    assert_int_equal(mi_store_save(e->s, &q, 1, e->sav, NULL, &d), MI_E_STORE);
    assert_non_null(strstr(d.msg, "nothing was saved"));
    assert_int_equal(stat(e->sav, &sb), -1);
}

static void expect_refused(env *e, const char *path, mi_status want, const char *part) {
    char *before = fx_dump(e->t);
    mi_diag d = {{0}};
    mi_status st = mi_store_restore(e->t, path, NULL, MI_STORE_REPLACE, NULL, &d);
    if (want != MI_OK) assert_int_equal(st, want);
    else assert_int_not_equal(st, MI_OK);
    if (part != NULL && strstr(d.msg, part) == NULL) fail_msg("message: %s", d.msg);
    char *after = fx_dump(e->t);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_bad_files(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(mi_store_install(e->t, NULL, "KEEP", e->b[0], e->n[0], NULL, 0, NULL, NULL, &d), MI_OK);
    expect_refused(e, e->dir, MI_E_FORMAT, "is a directory");
    char *p = fx_path(e->dir, "junk.misav");
    uint8_t junk[5000];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 97u + 3u);
    fx_write(p, junk, sizeof junk);
    expect_refused(e, p, MI_E_FORMAT, "not an MI save file");
    fx_write(p, "", 0);
    expect_refused(e, p, MI_E_FORMAT, "not an MI save file");
    expect_refused(e, e->path, MI_E_FORMAT, "not an MI save file");
    char *missing = fx_path(e->dir, "missing.misav");
    expect_refused(e, missing, MI_E_NOTFOUND, "missing.misav");
    /* another SQLite database */
    char *other = fx_path(e->dir, "other.db");
    fx_sql(other, "CREATE TABLE t(x)");
    expect_refused(e, other, MI_E_FORMAT, "application_id");
    /* a newer save format */
    assert_int_equal(save_all(e, NULL), MI_OK);
    char *side = fx_path(e->dir, "lib.misav.sha256");
    unlink(side);
    fx_sql(e->sav, "PRAGMA user_version = 2");
    expect_refused(e, e->sav, MI_E_VERSION, "newer");
    free(p);
    free(missing);
    free(other);
    free(side);
}

/* Damage that keeps the file a valid SQLite database: each is found by a content
 * check, and the message names the object. The sidecar is removed so that these
 * checks, not the whole-file digest, must find it. */
static void test_tampered_content(void **state) {
    env *e = *state;
    char *side = fx_path(e->dir, "lib.misav.sha256");
    char sha[65], sql[400];
    fx_sha256(e->b[1], e->n[1], sha);
    static const struct { const char *sql; const char *part; } cases[] = {
        {"UPDATE templates SET bytes = CAST(substr(bytes, 1, 50) || x'ee' || substr(bytes, 52) "
         "AS BLOB) WHERE sha256 = '%s'", "do not match their SHA-256 (template"},
        {"UPDATE templates SET bytes = CAST(bytes || x'00' AS BLOB) WHERE sha256 = '%s'", "A/TWO"},
        {"UPDATE templates SET bytes = 'text' WHERE sha256 = '%s'", "A/TWO"},
        {"UPDATE meta SET value = '%s' WHERE key = 'file_sha256'", "file_sha256"},
        {"UPDATE meta SET value = 'someone' WHERE key = 'producer' AND '%s' <> ''",
         "content does not match"},
        {"UPDATE objects SET source_file = 'evil.mi' WHERE template_sha256 = '%s'",
         "content does not match"},
        {"UPDATE objects SET name = 'TWO2' WHERE template_sha256 = '%s'", "content does not match"},
        {"UPDATE objects SET name = 'bad name' WHERE template_sha256 = '%s'", "objects row is malformed"},
        {"DELETE FROM templates WHERE sha256 = '%s'", "template is missing"},
        {"UPDATE meta SET value = '5' WHERE key = 'object_count' AND '%s' <> ''", "content does not match"},
        {"DELETE FROM meta WHERE key = 'content_sha256' AND '%s' <> ''", "missing"},
        {"UPDATE meta SET value = 'MI save file 2' WHERE key = 'format' AND '%s' <> ''", "format"},
        {"INSERT INTO templates SELECT '%s0', xxh3_128 || 'x', size, mi_version, format_version, bytes "
         "FROM templates LIMIT 1", "malformed"},
        {"DROP TABLE objects; SELECT '%s'", "not those of a save file"},
        {"CREATE VIEW v AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
         "SELECT x FROM c WHERE '%s' <> ''", "not those of a save file"},
        {"CREATE TRIGGER tr AFTER INSERT ON meta BEGIN DELETE FROM meta; END; SELECT '%s'",
         "not those of a save file"},
        {"ALTER TABLE meta RENAME TO meta2; CREATE VIEW meta AS SELECT * FROM meta2 "
         "WHERE '%s' <> ''", "not those of a save file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(save_all(e, NULL), MI_OK);
        unlink(side);
        snprintf(sql, sizeof sql, cases[i].sql, sha);
        fx_sql(e->sav, sql);
        expect_refused(e, e->sav, MI_OK, cases[i].part);
    }
    free(side);
}

/* Every sampled single-byte flip: refused, target unchanged. */
static void test_byte_flips(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(mi_store_install(e->t, NULL, "KEEP", e->b[0], e->n[0], NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(save_all(e, NULL), MI_OK);
    size_t n;
    uint8_t *orig = fx_read(e->sav, &n);
    char *before = fx_dump(e->t);
    size_t step = n / 300 + 1, tried = 0;
    for (size_t pos = 0; pos < n; pos += (pos < 128 ? 1 : step)) {
        static const uint8_t masks[3] = {0x01, 0x80, 0xff};
        uint8_t mask = masks[pos % 3];
        orig[pos] ^= mask;
        fx_write(e->sav, orig, n);
        mi_status st = mi_store_restore(e->t, e->sav, NULL, MI_STORE_REPLACE, NULL, &d);
        if (st == MI_OK) fail_msg("flip at byte %zu (mask %02x) was accepted", pos, mask);
        /* Without the sidecar (in memory) too: meta file_sha256 covers every byte. */
        mi_store *m;
        assert_int_equal(mi_store_open(":memory:", 0, &m, &d), MI_OK);
        if (mi_store_restore_mem(m, orig, n, "flipped", NULL, 0, NULL, &d) == MI_OK)
            fail_msg("flip at byte %zu (mask %02x) was accepted from memory", pos, mask);
        mi_store_close(m);
        orig[pos] ^= mask;
        tried++;
    }
    assert_true(tried >= 300);
    char *after = fx_dump(e->t);
    assert_string_equal(before, after);
    free(after);
    free(before);
    /* the unflipped file still restores */
    fx_write(e->sav, orig, n);
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, MI_STORE_REPLACE, NULL, &d), MI_OK);
    free(orig);
}

static void test_sidecar(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(save_all(e, NULL), MI_OK);
    char *side = fx_path(e->dir, "lib.misav.sha256");
    fx_write(side, "not a checksum\n", 15);
    expect_refused(e, e->sav, MI_E_FORMAT, "sha256sum format");
    fx_write(side, "0000000000000000000000000000000000000000000000000000000000000000  lib.misav\n", 77);
    expect_refused(e, e->sav, MI_E_FORMAT, "damaged");
    unlink(side);
    mi_store_restore_result rr;
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, 0, &rr, &d), MI_OK);
    assert_int_equal(rr.sidecar_checked, 0);
    free(side);
}

/* Where a template came from (mi-spec/store.md §4 and §5): mi save records the saving
 * host (meta host), mi restore keeps it for each template it adds, a template installed
 * here stays "installed"; a file without meta host (older mi) restores as "restored,
 * host unknown". The CLI turns this into the reason of the first translation
 * (tests/store/translate.sh checks that end to end). */
static void test_origin(void **state) {
    env *e = *state;
    mi_diag d;
    static const char host[] = "mi-host/1 arch=x86_64 os=linux-gnu libc=glibc-2.36 cpu=x86-64 "
                               "libtcc=0.9.27 tier=tcc translator=1 rt-abi=1 salt=";
    char k0[33], k1[33], origin[MI_STORE_HOST_MAX];
    int restored = -1;
    fx_xxh128(e->b[0], e->n[0], k0);
    fx_xxh128(e->b[1], e->n[1], k1);
    assert_int_equal(mi_store_tmpl_origin(e->s, k0, &restored, origin, sizeof origin, &d), MI_OK);
    assert_int_equal(restored, 0);
    assert_string_equal(origin, "");
    assert_int_equal(mi_store_tmpl_origin(e->s, "nothex", &restored, origin, sizeof origin, &d),
                     MI_E_ARG);
    assert_int_equal(mi_store_tmpl_origin(e->s, "0123456789abcdef0123456789abcdef", &restored,
                                          origin, sizeof origin, &d), MI_E_NOTFOUND);

    mi_store_set_host(e->s, host);
    assert_int_equal(save_all(e, NULL), MI_OK);
    char q[400];
    snprintf(q, sizeof q, "SELECT count(*) FROM meta WHERE key = 'host' AND value = '%s'", host);
    assert_int_equal(fx_sql_int(e->sav, q), 1);
    /* the target already holds ONE's template, installed there: it stays installed */
    assert_int_equal(mi_store_crtlib(e->t, "PRE", &d), MI_OK);
    assert_int_equal(mi_store_install(e->t, "PRE", "P", e->b[0], e->n[0], NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, 0, NULL, &d), MI_OK);
    assert_int_equal(mi_store_tmpl_origin(e->t, k0, &restored, origin, sizeof origin, &d), MI_OK);
    assert_int_equal(restored, 0);
    assert_int_equal(mi_store_tmpl_origin(e->t, k1, &restored, origin, sizeof origin, &d), MI_OK);
    assert_int_equal(restored, 1);
    assert_string_equal(origin, host);
    /* a later restore of the same template from elsewhere keeps the first origin */
    mi_store_set_host(e->s, "mi-host/1 arch=aarch64");
    assert_int_equal(save_all(e, NULL), MI_OK);
    assert_int_equal(mi_store_restore(e->t, e->sav, NULL, MI_STORE_REPLACE, NULL, &d), MI_OK);
    assert_int_equal(mi_store_tmpl_origin(e->t, k1, &restored, origin, sizeof origin, &d), MI_OK);
    assert_string_equal(origin, host);

    /* no host set: no meta host, as in the files of mi before store schema 2; such a file
     * restores with its origin unknown */
    mi_store_set_host(e->s, NULL);
    assert_int_equal(save_all(e, NULL), MI_OK);
    assert_int_equal(fx_sql_int(e->sav, "SELECT count(*) FROM meta WHERE key = 'host'"), 0);
    char *p3 = fx_path(e->dir, "third.db");
    mi_store *s3;
    assert_int_equal(mi_store_open(p3, 0, &s3, &d), MI_OK);
    assert_int_equal(mi_store_restore(s3, e->sav, NULL, 0, NULL, &d), MI_OK);
    assert_int_equal(mi_store_tmpl_origin(s3, k1, &restored, origin, sizeof origin, &d), MI_OK);
    assert_int_equal(restored, 1);
    assert_string_equal(origin, "");
    mi_store_close(s3);
    free(p3);

    /* a malformed meta host refuses the file (before its content digest is checked) */
    mi_store_set_host(e->s, host);
    assert_int_equal(save_all(e, NULL), MI_OK);
    char *side = fx_path(e->dir, "lib.misav.sha256");
    unlink(side);
    free(side);
    fx_sql(e->sav, "UPDATE meta SET value = 'x' || char(10) WHERE key = 'host'");
    expect_refused(e, e->sav, MI_E_FORMAT, "malformed meta host");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_collision_in_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sidecar, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_flips, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
