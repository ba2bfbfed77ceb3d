/* The object store library: opening and refusing files, names, libraries,
 * install/list/show/source/remove, resolution through a library list, the
 * translations table and gc, verify, concurrency and a full disk.
 * Expected hashes are computed here with xxHash and nettle directly; expected
 * file headers are read with raw SQLite or raw bytes, not through the store. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "store_fixture.h"

typedef struct env {
    char *dir, *path;
    mi_store *s;
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    e->dir = fx_tmpdir();
    e->path = fx_path(e->dir, "sub/dir/store.db"); /* parents are created on first use */
    mi_diag d;
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    *state = e;
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    mi_store_close(e->s);
    free(e->path);
    fx_rmrf(e->dir);
    free(e);
    return 0;
}

/* ---- names ---------------------------------------------------------------------- */

static void test_names(void **state) {
    (void)state;
    char out[MI_STORE_NAME_MAX + 1];
    mi_diag d;
    assert_int_equal(mi_store_check_name("abc", out, "program", &d), MI_OK);
    assert_string_equal(out, "ABC");
    assert_int_equal(mi_store_check_name("A1_$#@z", out, "program", &d), MI_OK);
    assert_string_equal(out, "A1_$#@Z");
    assert_int_equal(mi_store_check_name("ABCDEFGHIJ", out, "program", &d), MI_OK);
    assert_int_equal(mi_store_check_name("ABCDEFGHIJK", out, "program", &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "too long"));
    assert_int_equal(mi_store_check_name("", out, "library", &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "missing library name"));
    assert_int_equal(mi_store_check_name("1ABC", out, "program", &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "must start with a letter"));
    assert_int_equal(mi_store_check_name("_ABC", out, "program", &d), MI_E_ARG);
    assert_int_equal(mi_store_check_name("AB-C", out, "program", &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "'-'"));
    assert_int_equal(mi_store_check_name("AB\x01", out, "program", &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "\\x01"));
    assert_int_equal(mi_store_check_name("A\xc3\xa9", out, "program", &d), MI_E_ARG);
    assert_int_equal(mi_store_check_name("A B", out, "program", &d), MI_E_ARG);
    assert_int_equal(mi_store_check_name(NULL, out, "program", &d), MI_E_ARG);

    mi_qname q;
    assert_int_equal(mi_store_parse_qname("lib1/pgm", &q, &d), MI_OK);
    assert_string_equal(q.lib, "LIB1");
    assert_string_equal(q.pgm, "PGM");
    assert_int_equal(mi_store_parse_qname("pgm", &q, &d), MI_OK);
    assert_string_equal(q.lib, "");
    assert_string_equal(q.pgm, "PGM");
    assert_int_equal(mi_store_parse_qname("/PGM", &q, &d), MI_E_ARG);
    assert_int_equal(mi_store_parse_qname("LIB/", &q, &d), MI_E_ARG);
    assert_int_equal(mi_store_parse_qname("A/B/C", &q, &d), MI_E_ARG);
    assert_int_equal(mi_store_parse_libspec("lib", &q, &d), MI_OK);
    assert_string_equal(q.lib, "LIB");
    assert_string_equal(q.pgm, "");
    assert_int_equal(mi_store_parse_libspec("lib/x", &q, &d), MI_OK);
    assert_string_equal(q.pgm, "X");

    mi_store_libl l;
    assert_int_equal(mi_store_libl_parse(NULL, &l, &d), MI_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.lib[0], "MILIB");
    assert_int_equal(mi_store_libl_parse(" a, b ,c", &l, &d), MI_OK);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.lib[0], "A");
    assert_string_equal(l.lib[1], "B");
    assert_string_equal(l.lib[2], "C");
    assert_int_equal(mi_store_libl_parse("A,a", &l, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "twice"));
    assert_int_equal(mi_store_libl_parse("A,,B", &l, &d), MI_E_ARG);
    char many[400] = "";
    for (int i = 0; i < 33; i++) sprintf(many + strlen(many), "%sL%d", i ? "," : "", i);
    assert_int_equal(mi_store_libl_parse(many, &l, &d), MI_E_ARG);

    assert_int_equal(mi_store_name_from_path("tests/add_one.mi", out, &d), MI_OK);
    assert_string_equal(out, "ADD_ONE");
    assert_int_equal(mi_store_name_from_path("x.mit", out, &d), MI_OK);
    assert_string_equal(out, "X");
    assert_int_equal(mi_store_name_from_path("dir/1abc.mi", out, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "--name"));
    assert_int_equal(mi_store_name_from_path("dir/averyverylongname.mi", out, &d), MI_E_ARG);
}

/* ---- opening ---------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_open_creates(void **state) {
    env *e = *state;
    mi_store_close(e->s);
    e->s = NULL;
    size_t n;
    uint8_t *b = fx_read(e->path, &n);
    assert_true(n >= 100);
    assert_memory_equal(b, "SQLite format 3", 16);
    assert_int_equal(be32(b + 68), 0x4D494F53u); /* "MIOS" */
    assert_int_equal(be32(b + 60), MI_STORE_SCHEMA_VERSION); /* user_version */
    assert_int_equal(b[18], 2);                   /* WAL */
    free(b);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM sqlite_schema WHERE name IN "
                                "('libraries','templates','objects','translations')"), 4);
    mi_diag d;
    assert_int_equal(mi_store_open(e->path, MI_STORE_OPEN_NOCREATE, &e->s, &d), MI_OK);
    assert_string_equal(mi_store_path(e->s), e->path);
    /* an older schema of ours (version 0: nothing yet) is migrated forward */
    char *old = fx_path(e->dir, "old.db");
    fx_sql(old, "PRAGMA application_id = 1296650067;");
    assert_int_equal(fx_sql_int(old, "PRAGMA user_version"), 0);
    mi_store *s2;
    assert_int_equal(mi_store_open(old, MI_STORE_OPEN_NOCREATE, &s2, &d), MI_OK);
    assert_int_equal(mi_store_crtlib(s2, "M", &d), MI_OK);
    mi_store_close(s2);
    assert_int_equal(fx_sql_int(old, "PRAGMA user_version"), MI_STORE_SCHEMA_VERSION);
    assert_int_equal(fx_sql_int(old, "SELECT count(*) FROM libraries"), 1);
    /* version 1 (no templates.origin) -> 2: its templates count as installed there */
    uint8_t *b1;
    size_t n1;
    char key[33];
    int restored = -1;
    fx_program(1, &b1, &n1);
    fx_xxh128(b1, n1, key);
    assert_int_equal(mi_store_open(old, 0, &s2, &d), MI_OK);
    assert_int_equal(mi_store_install(s2, "M", "P", b1, n1, NULL, 0, NULL, NULL, &d), MI_OK);
    mi_store_close(s2);
    fx_sql(old, "ALTER TABLE templates DROP COLUMN origin; PRAGMA user_version = 1;");
    assert_int_equal(mi_store_open(old, MI_STORE_OPEN_NOCREATE, &s2, &d), MI_OK);
    assert_int_equal(fx_sql_int(old, "PRAGMA user_version"), 2);
    assert_int_equal(mi_store_tmpl_origin(s2, key, &restored, NULL, 0, &d), MI_OK);
    assert_int_equal(restored, 0);
    mi_store_close(s2);
    free(b1);
    free(old);
}

static void assert_refused(const char *path, mi_status want, const char *msg_part) {
    struct stat before;
    int existed = stat(path, &before) == 0;
    size_t n0 = 0;
    uint8_t *b0 = existed && S_ISREG(before.st_mode) ? fx_read(path, &n0) : NULL;
    mi_store *s = NULL;
    mi_diag d = {{0}};
    assert_int_equal(mi_store_open(path, 0, &s, &d), want);
    assert_null(s);
    if (msg_part != NULL && strstr(d.msg, msg_part) == NULL) fail_msg("message: %s", d.msg);
    if (b0 != NULL) {
        size_t n1;
        uint8_t *b1 = fx_read(path, &n1);
        assert_int_equal(n0, n1);
        assert_memory_equal(b0, b1, n0);
        free(b1);
    }
    free(b0);
}

static void test_open_refuses(void **state) {
    env *e = *state;
    mi_diag d;
    /* a directory */
    assert_refused(e->dir, MI_E_STORE, "is a directory");
    /* random bytes */
    char *rnd = fx_path(e->dir, "random.bin");
    uint8_t junk[3000];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 131u + 7u);
    fx_write(rnd, junk, sizeof junk);
    assert_refused(rnd, MI_E_STORE, "not an SQLite database");
    /* a short file */
    fx_write(rnd, "hello", 5);
    assert_refused(rnd, MI_E_STORE, "not an SQLite database");
    /* another application's database */
    char *other = fx_path(e->dir, "other.db");
    fx_sql(other, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
    assert_refused(other, MI_E_STORE, "not an MI object store");
    fx_sql(other, "PRAGMA application_id = 1234;");
    assert_refused(other, MI_E_STORE, "application_id 0x000004d2");
    /* a newer schema of ours */
    char *newer = fx_path(e->dir, "newer.db");
    fx_sql(newer, "PRAGMA application_id = 1296650067; PRAGMA user_version = 99;"
                  "CREATE TABLE future(x);");
    assert_refused(newer, MI_E_VERSION, "schema version 99");
    /* a save file */
    char *sav = fx_path(e->dir, "s.misav");
    fx_sql(sav, "PRAGMA application_id = 1296651094; CREATE TABLE meta(k);");
    assert_refused(sav, MI_E_STORE, "save file");
    /* missing with NOCREATE: not created */
    char *missing = fx_path(e->dir, "missing.db");
    mi_store *s = NULL;
    assert_int_equal(mi_store_open(missing, MI_STORE_OPEN_NOCREATE, &s, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "no object store"));
    struct stat sb;
    assert_int_equal(stat(missing, &sb), -1);
    /* an empty file is a new store */
    fx_write(missing, "", 0);
    assert_int_equal(mi_store_open(missing, MI_STORE_OPEN_NOCREATE, &s, &d), MI_OK);
    assert_int_equal(mi_store_crtlib(s, "X", &d), MI_OK);
    mi_store_close(s);
    assert_int_equal(mi_store_open("", 0, &s, &d), MI_E_ARG);
    free(rnd);
    free(other);
    free(newer);
    free(sav);
    free(missing);
}

static void test_default_path(void **state) {
    (void)state;
    char *p;
    mi_diag d;
    char *old_store = getenv("MI_STORE") ? strdup(getenv("MI_STORE")) : NULL;
    setenv("MI_STORE", "/x/y.db", 1);
    assert_int_equal(mi_store_default_path(&p, &d), MI_OK);
    assert_string_equal(p, "/x/y.db");
    free(p);
    unsetenv("MI_STORE");
    setenv("XDG_DATA_HOME", "/data", 1);
    assert_int_equal(mi_store_default_path(&p, &d), MI_OK);
    assert_string_equal(p, "/data/mi/store.db");
    free(p);
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/u", 1);
    assert_int_equal(mi_store_default_path(&p, &d), MI_OK);
    assert_string_equal(p, "/home/u/.local/share/mi/store.db");
    free(p);
    if (old_store != NULL) setenv("MI_STORE", old_store, 1);
    free(old_store);
}

/* ---- libraries and objects ---------------------------------------------------------- */

static int count_libs(void *ctx, const mi_store_lib *l) {
    char *acc = ctx;
    sprintf(acc + strlen(acc), "%s:%llu ", l->name, (unsigned long long)l->nobjects);
    return 0;
}

static void test_libraries(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(mi_store_crtlib(e->s, "beta", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "ALPHA", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "Beta", &d), MI_E_EXISTS);
    assert_non_null(strstr(d.msg, "BETA already exists"));
    assert_int_equal(mi_store_crtlib(e->s, "bad-name", &d), MI_E_ARG);
    assert_int_equal(mi_store_lib_exists(e->s, "alpha", &d), MI_OK);
    assert_int_equal(mi_store_lib_exists(e->s, "GAMMA", &d), MI_E_NOTFOUND);
    uint8_t *b;
    size_t n;
    fx_program(1, &b, &n);
    assert_int_equal(mi_store_install(e->s, "BETA", "P1", b, n, NULL, 0, NULL, NULL, &d), MI_OK);
    char acc[200] = "";
    assert_int_equal(mi_store_list_libs(e->s, count_libs, acc, &d), MI_OK);
    assert_string_equal(acc, "ALPHA:0 BETA:1 ");
    uint64_t gone = 0;
    assert_int_equal(mi_store_dltlib(e->s, "beta", &gone, &d), MI_OK);
    assert_int_equal(gone, 1);
    assert_int_equal(mi_store_dltlib(e->s, "beta", &gone, &d), MI_E_NOTFOUND);
    acc[0] = '\0';
    assert_int_equal(mi_store_list_libs(e->s, count_libs, acc, &d), MI_OK);
    assert_string_equal(acc, "ALPHA:0 ");
    /* its template went with it */
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 0);
    free(b);
}

static void test_install_and_show(void **state) {
    env *e = *state;
    mi_diag d;
    uint8_t *b;
    size_t n;
    fx_program(7, &b, &n);
    char xh[33], sh[65];
    fx_xxh128(b, n, xh);
    fx_sha256(b, n, sh);
    /* missing library: a clear error, nothing stored */
    assert_int_equal(mi_store_install(e->s, "NOLIB", "P", b, n, NULL, 0, NULL, NULL, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "library NOLIB does not exist"));
    assert_non_null(strstr(d.msg, "mi crtlib NOLIB"));
    /* default library is created on first use */
    mi_store_obj o;
    assert_int_equal(mi_store_install(e->s, NULL, "seven", b, n, "seven.mi", 0, &o, NULL, &d), MI_OK);
    assert_string_equal(o.lib, "MILIB");
    assert_string_equal(o.name, "SEVEN");
    assert_string_equal(o.hash, xh);
    assert_string_equal(o.sha256, sh);
    assert_int_equal(o.size, n);
    assert_int_equal(o.mi_version, 1);
    assert_int_equal(o.format_version, 1);
    assert_string_equal(o.source_file, "seven.mi");
    assert_int_equal(o.nshared, 1);
    assert_true(o.created > 1700000000);
    mi_store_obj_clear(&o);
    /* same template under a second name: stored once */
    mi_template got_t, want_t;
    assert_int_equal(mi_store_install(e->s, "MILIB", "SEVEN2", b, n, NULL, 0, &o, &got_t, &d), MI_OK);
    assert_int_equal(o.nshared, 2);
    assert_null(o.source_file);
    mi_store_obj_clear(&o);
    /* the template it hands back is the one those bytes decode to */
    mi_template_init(&want_t);
    assert_int_equal(mi_template_load(b, n, &want_t, &d), MI_OK);
    assert_int_equal(got_t.ninsns, want_t.ninsns);
    assert_true(got_t.ninsns > 0);
    assert_int_equal(got_t.nobjs, want_t.nobjs);
    assert_int_equal(got_t.nconstbytes, want_t.nconstbytes);
    for (uint32_t i = 0; i < want_t.ninsns; i++) {
        assert_int_equal(got_t.insns[i].op, want_t.insns[i].op);
        assert_int_equal(got_t.insns[i].nopnds, want_t.insns[i].nopnds);
        assert_int_equal(got_t.insns[i].first, want_t.insns[i].first);
    }
    mi_template_free(&got_t);
    mi_template_free(&want_t);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 1);
    /* existing name */
    memset(&got_t, 0xA5, sizeof got_t); /* a failed install leaves it empty */
    assert_int_equal(mi_store_install(e->s, "milib", "seven", b, n, NULL, 0, NULL, &got_t, &d), MI_E_EXISTS);
    assert_int_equal(got_t.ninsns, 0);
    assert_null(got_t.insns);
    mi_template_free(&got_t);
    assert_non_null(strstr(d.msg, "MILIB/SEVEN already exists"));
    assert_non_null(strstr(d.msg, "--replace"));
    /* replace with another template: the old one stays (SEVEN2 uses it) */
    uint8_t *b8;
    size_t n8;
    fx_program(8, &b8, &n8);
    assert_int_equal(mi_store_install(e->s, "MILIB", "SEVEN", b8, n8, NULL, MI_STORE_REPLACE,
                                      NULL, NULL, &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 2);
    /* replacing SEVEN2 too drops the now unused template */
    assert_int_equal(mi_store_install(e->s, "MILIB", "SEVEN2", b8, n8, NULL, MI_STORE_REPLACE,
                                      NULL, NULL, &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 1);
    /* bad templates are refused and nothing is stored */
    uint8_t bad[64];
    memcpy(bad, b, sizeof bad);
    assert_int_not_equal(mi_store_install(e->s, "MILIB", "BAD", bad, sizeof bad, NULL, 0, NULL, NULL,
                                          &d), MI_OK);
    assert_non_null(strstr(d.msg, "MILIB/BAD not installed"));
    b[n - 1] ^= 0x40; /* breaks the checksum */
    assert_int_not_equal(mi_store_install(e->s, "MILIB", "BAD", b, n, NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "MILIB", "BAD", NULL, 0, NULL, 0, NULL, NULL, &d), MI_E_FORMAT);
    assert_int_equal(mi_store_get(e->s, "MILIB", "BAD", &o, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "MILIB/BAD not found"));
    /* bad names */
    assert_int_equal(mi_store_install(e->s, "MILIB", "9X", b8, n8, NULL, 0, NULL, NULL, &d), MI_E_ARG);
    assert_int_equal(mi_store_install(e->s, "MI LIB", "X", b8, n8, NULL, 0, NULL, NULL, &d), MI_E_ARG);
    /* the template comes back byte for byte */
    uint8_t *got;
    size_t ng;
    assert_int_equal(mi_store_template(e->s, "milib", "seven", &got, &ng, &d), MI_OK);
    assert_int_equal(ng, n8);
    assert_memory_equal(got, b8, n8);
    free(got);
    assert_int_equal(mi_store_template(e->s, "milib", "nope", &got, &ng, &d), MI_E_NOTFOUND);
    free(b);
    free(b8);
}

static int list_cb(void *ctx, const mi_store_obj *o) {
    char *acc = ctx;
    sprintf(acc + strlen(acc), "%s/%s ", o->lib, o->name);
    return 0;
}
static int stop_cb(void *ctx, const mi_store_obj *o) {
    (void)o;
    (*(int *)ctx)++;
    return 1;
}

static void test_list_source_rm(void **state) {
    env *e = *state;
    mi_diag d;
    assert_int_equal(mi_store_crtlib(e->s, "B", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "A", &d), MI_OK);
    const char *src = "; hello\nDCL m CHAR(5) INIT('hello')\n        SVC 2, m\n        RTX\n";
    assert_int_equal(mi_store_install_source(e->s, "B", "Z", src, strlen(src), "dir/hello.mi", 0,
                                             NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install_source(e->s, "B", "Y", src, strlen(src), "hello.mi", 0,
                                             NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install_source(e->s, "A", "X", src, strlen(src), "hello.mi", 0,
                                             NULL, NULL, &d), MI_OK);
    const char *broken = "DCL m CHAR(5)\n        FROB m\n";
    assert_int_equal(mi_store_install_source(e->s, "A", "BROKEN", broken, strlen(broken), "b.mi",
                                             0, NULL, NULL, &d), MI_E_SYNTAX);
    assert_non_null(strstr(d.msg, "b.mi:2"));
    char acc[200] = "";
    assert_int_equal(mi_store_list(e->s, NULL, list_cb, acc, &d), MI_OK);
    assert_string_equal(acc, "A/X B/Y B/Z ");
    acc[0] = '\0';
    assert_int_equal(mi_store_list(e->s, "b", list_cb, acc, &d), MI_OK);
    assert_string_equal(acc, "B/Y B/Z ");
    assert_int_equal(mi_store_list(e->s, "C", list_cb, acc, &d), MI_E_NOTFOUND);
    int calls = 0;
    assert_int_equal(mi_store_list(e->s, NULL, stop_cb, &calls, &d), MI_OK);
    assert_int_equal(calls, 1);

    char *file, *text;
    size_t n;
    assert_int_equal(mi_store_source(e->s, "B", "Z", &file, &text, &n, &d), MI_OK);
    assert_string_equal(file, "dir/hello.mi");
    assert_int_equal(n, strlen(src));
    assert_memory_equal(text, src, n);
    assert_int_equal(text[n], '\0');
    free(file);
    free(text);
    /* a template without a SOURCE section */
    const char *nosrc = ".nosource\nDCL m CHAR(2) INIT('no')\n        RTX\n";
    assert_int_equal(mi_store_install_source(e->s, "A", "NOSRC", nosrc, strlen(nosrc), "n.mi", 0,
                                             NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_source(e->s, "A", "NOSRC", &file, &text, &n, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "no source"));

    /* rm: B/Y and A/X share a template (same text, same file name), B/Z has its own
     * (the file name is part of the SOURCE section); it stays until its last object goes */
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 3);
    assert_int_equal(mi_store_rm(e->s, "B", "Z", &d), MI_OK);
    assert_int_equal(mi_store_rm(e->s, "B", "Z", &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "B/Z not found"));
    assert_int_equal(mi_store_rm(e->s, "NOLIB", "Z", &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "library NOLIB does not exist"));
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 2);
    assert_int_equal(mi_store_rm(e->s, "B", "Y", &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 2);
    assert_int_equal(mi_store_rm(e->s, "A", "NOSRC", &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM templates"), 1);
    assert_int_equal(mi_store_install_source(e->s, "B", "Y", src, strlen(src), "hello.mi", 0,
                                             NULL, NULL, &d), MI_OK);
    mi_store_verify_result vr;
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, NULL, NULL, &vr, &d), MI_OK);
    assert_int_equal(vr.objects, 2);
    assert_int_equal(vr.templates, 1);
}

static void test_resolve(void **state) {
    env *e = *state;
    mi_diag d;
    uint8_t *b1, *b2, *got;
    size_t n1, n2, ng;
    fx_program(1, &b1, &n1);
    fx_program(2, &b2, &n2);
    assert_int_equal(mi_store_crtlib(e->s, "A", &d), MI_OK);
    assert_int_equal(mi_store_crtlib(e->s, "B", &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "A", "BOTH", b1, n1, NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "B", "BOTH", b2, n2, NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "B", "ONLYB", b2, n2, NULL, 0, NULL, NULL, &d), MI_OK);
    mi_store_libl l;
    assert_int_equal(mi_store_libl_parse("NOSUCH,A,B", &l, &d), MI_OK);
    mi_qname f;
    assert_int_equal(mi_store_resolve(e->s, &l, "both", &f, &got, &ng, &d), MI_OK);
    assert_string_equal(f.lib, "A");
    assert_int_equal(ng, n1);
    assert_memory_equal(got, b1, n1);
    free(got);
    assert_int_equal(mi_store_resolve(e->s, &l, "ONLYB", &f, &got, &ng, &d), MI_OK);
    assert_string_equal(f.lib, "B");
    free(got);
    assert_int_equal(mi_store_resolve(e->s, &l, "b/both", &f, &got, &ng, &d), MI_OK);
    assert_memory_equal(got, b2, n2);
    free(got);
    assert_int_equal(mi_store_libl_parse("B,A", &l, &d), MI_OK);
    assert_int_equal(mi_store_resolve(e->s, &l, "BOTH", &f, &got, &ng, &d), MI_OK);
    assert_string_equal(f.lib, "B");
    free(got);
    assert_int_equal(mi_store_resolve(e->s, &l, "MISSING", &f, &got, &ng, &d), MI_E_NOTFOUND);
    assert_non_null(strstr(d.msg, "MISSING not found in the library list (B,A)"));
    assert_null(got);
    /* names the store cannot hold are simply not found */
    char longname[65];
    memset(longname, 'X', 64);
    longname[64] = '\0';
    assert_int_equal(mi_store_resolve(e->s, &l, longname, &f, &got, &ng, &d), MI_E_NOTFOUND);
    /* the default list is MILIB */
    assert_int_equal(mi_store_install(e->s, NULL, "DEF", b1, n1, NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_resolve(e->s, NULL, "def", &f, &got, &ng, &d), MI_OK);
    assert_string_equal(f.lib, "MILIB");
    free(got);
    free(b1);
    free(b2);
}

/* ---- translations ---------------------------------------------------------------------- */

static int tr_cb(void *ctx, const mi_store_tr *t) {
    char *acc = ctx;
    sprintf(acc + strlen(acc), "%s:%zu:%s ", t->fingerprint, t->image_len,
            mi_tr_reason_text(t->reason));
    assert_null(t->image);
    return 0;
}

static void test_translations(void **state) {
    env *e = *state;
    mi_diag d;
    uint8_t *b;
    size_t n;
    fx_program(3, &b, &n);
    mi_store_obj o;
    assert_int_equal(mi_store_install(e->s, NULL, "T", b, n, NULL, 0, &o, NULL, &d), MI_OK);
    char tmpl[33];
    memcpy(tmpl, o.hash, sizeof tmpl);
    mi_store_obj_clear(&o);

    static const uint8_t img[5] = {1, 2, 3, 4, 5};
    mi_store_tr t;
    memset(&t, 0, sizeof t);
    memcpy(t.tmpl, tmpl, sizeof t.tmpl);
    t.fingerprint = "x86_64-linux-gnu tcc 0.9.27";
    t.image = img;
    t.image_len = sizeof img;
    t.translator = "mi-tcc 1";
    t.runtime = "mi-rt 1";
    t.translate_ms = 12;
    t.created = 1000;
    t.last_used = 1000;
    t.reason = MI_TR_FIRST_INSTALL;
    assert_int_equal(mi_store_tr_put(e->s, &t, &d), MI_OK);
    t.fingerprint = "aarch64-linux-gnu";
    t.image_len = 3;
    t.created = t.last_used = 5000;
    t.reason = MI_TR_NEW_HOST;
    assert_int_equal(mi_store_tr_put(e->s, &t, &d), MI_OK);
    /* unknown template, bad reason */
    mi_store_tr bad = t;
    memset(bad.tmpl, 'a', 32);
    assert_int_equal(mi_store_tr_put(e->s, &bad, &d), MI_E_NOTFOUND);
    bad = t;
    bad.reason = (mi_tr_reason)9;
    assert_int_equal(mi_store_tr_put(e->s, &bad, &d), MI_E_ARG);
    bad = t;
    memcpy(bad.tmpl, "not-hex", 8);
    assert_int_equal(mi_store_tr_put(e->s, &bad, &d), MI_E_ARG);

    mi_store_tr g;
    assert_int_equal(mi_store_tr_get(e->s, tmpl, "x86_64-linux-gnu tcc 0.9.27", &g, &d), MI_OK);
    assert_int_equal(g.image_len, 5);
    assert_memory_equal(g.image, img, 5);
    char ih[33], hk[33];
    fx_xxh128(img, 5, ih);
    assert_string_equal(g.image_hash, ih);
    fx_xxh128("x86_64-linux-gnu tcc 0.9.27", strlen("x86_64-linux-gnu tcc 0.9.27"), hk);
    assert_string_equal(g.host, hk);
    assert_string_equal(g.translator, "mi-tcc 1");
    assert_string_equal(g.runtime, "mi-rt 1");
    assert_int_equal(g.translate_ms, 12);
    assert_int_equal(g.created, 1000);
    assert_int_equal(g.reason, MI_TR_FIRST_INSTALL);
    mi_store_tr_clear(&g);
    assert_int_equal(mi_store_tr_get(e->s, tmpl, "other host", &g, &d), MI_E_NOTFOUND);

    char acc[300] = "";
    assert_int_equal(mi_store_tr_list(e->s, tmpl, tr_cb, acc, &d), MI_OK);
    /* ordered by host hash: compare as a set */
    assert_non_null(strstr(acc, "x86_64-linux-gnu tcc 0.9.27:5:first install "));
    assert_non_null(strstr(acc, "aarch64-linux-gnu:3:new host "));
    /* shown with the object */
    assert_int_equal(mi_store_get(e->s, "MILIB", "T", &o, &d), MI_OK);
    assert_int_equal(o.ntranslations, 2);
    assert_int_equal(o.native_bytes, 8);
    mi_store_obj_clear(&o);

    /* touch, then gc by age: the aarch64 one (last used 5000) is older than 2000 at 7000 */
    assert_int_equal(mi_store_tr_touch(e->s, tmpl, "x86_64-linux-gnu tcc 0.9.27", 6500, &d), MI_OK);
    assert_int_equal(mi_store_tr_touch(e->s, tmpl, "nohost", 6500, &d), MI_E_NOTFOUND);
    mi_store_gc_result r;
    assert_int_equal(mi_store_gc(e->s, NULL, 0, 2000, 7000, &r, &d), MI_OK);
    assert_int_equal(r.translations, 1);
    assert_int_equal(r.native_bytes, 3);
    assert_int_equal(r.templates, 0);
    acc[0] = '\0';
    assert_int_equal(mi_store_tr_list(e->s, NULL, tr_cb, acc, &d), MI_OK);
    assert_string_equal(acc, "x86_64-linux-gnu tcc 0.9.27:5:first install ");
    /* gc keeping another host drops the rest */
    const char *keep[2] = {"aarch64-linux-gnu", "riscv"};
    assert_int_equal(mi_store_gc(e->s, keep, 2, -1, 0, &r, &d), MI_OK);
    assert_int_equal(r.translations, 1);
    assert_int_equal(r.native_bytes, 5);

    /* a damaged image is reported by get, and by verify */
    t.fingerprint = "h";
    t.image_len = 5;
    t.reason = MI_TR_FORCED;
    assert_int_equal(mi_store_tr_put(e->s, &t, &d), MI_OK);
    mi_store_close(e->s);
    fx_sql(e->path, "UPDATE translations SET image = x'0102030406'");
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    assert_int_equal(mi_store_tr_get(e->s, tmpl, "h", &g, &d), MI_E_STORE);
    assert_non_null(strstr(d.msg, "damaged"));
    mi_store_verify_result vr;
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, NULL, NULL, &vr, &d), MI_E_STORE);
    assert_int_equal(vr.findings, 1);
    assert_int_equal(mi_store_tr_delete(e->s, tmpl, "h", &d), MI_OK);
    assert_int_equal(mi_store_tr_delete(e->s, tmpl, "h", &d), MI_E_NOTFOUND);
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, NULL, NULL, &vr, &d), MI_OK);

    /* removing the object removes its translations */
    assert_int_equal(mi_store_tr_put(e->s, &t, &d), MI_OK);
    assert_int_equal(mi_store_rm(e->s, "MILIB", "T", &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM translations"), 0);
    free(b);
}

/* ---- verify ---------------------------------------------------------------------------------- */

typedef struct findings { int n; char text[2048]; } findings;
static void report_cb(void *ctx, const char *msg) {
    findings *f = ctx;
    f->n++;
    snprintf(f->text + strlen(f->text), sizeof f->text - strlen(f->text), "%s\n", msg);
}

static void test_verify(void **state) {
    env *e = *state;
    mi_diag d;
    uint8_t *b1, *b2;
    size_t n1, n2;
    fx_program(1, &b1, &n1);
    fx_program(2, &b2, &n2);
    assert_int_equal(mi_store_crtlib(e->s, "L", &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "L", "ONE", b1, n1, NULL, 0, NULL, NULL, &d), MI_OK);
    assert_int_equal(mi_store_install(e->s, "L", "TWO", b2, n2, NULL, 0, NULL, NULL, &d), MI_OK);
    findings f = {0, ""};
    mi_store_verify_result vr;
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, report_cb, &f, &vr, &d), MI_OK);
    assert_int_equal(f.n, 0);
    assert_int_equal(vr.objects, 2);
    assert_int_equal(vr.templates, 2);
    assert_int_equal(mi_store_verify(e->s, "L", "ONE", report_cb, &f, &vr, &d), MI_OK);
    assert_int_equal(vr.objects, 1);
    assert_int_equal(vr.templates, 1);
    assert_int_equal(mi_store_verify(e->s, "L", "NONE", report_cb, &f, &vr, &d), MI_E_NOTFOUND);
    assert_int_equal(mi_store_verify(e->s, "NOLIB", NULL, report_cb, &f, &vr, &d), MI_E_NOTFOUND);

    char xh[33];
    fx_xxh128(b1, n1, xh);
    char sql[300];
    /* flip one byte of ONE's template (substr keeps the length) */
    snprintf(sql, sizeof sql, "UPDATE templates SET bytes = substr(bytes, 1, 40) || "
             "x'ff' || substr(bytes, 42) WHERE hash = '%s'", xh);
    mi_store_close(e->s);
    fx_sql(e->path, sql);
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    f.n = 0;
    f.text[0] = '\0';
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, report_cb, &f, &vr, &d), MI_E_STORE);
    /* xxh3 mismatch, sha256 mismatch, and the template no longer loads */
    assert_int_equal(f.n, 3);
    assert_non_null(strstr(f.text, "L/ONE"));
    assert_non_null(strstr(f.text, "xxh3-128"));
    assert_non_null(strstr(f.text, "SHA-256"));
    assert_non_null(strstr(f.text, "fails to load"));
    assert_non_null(strstr(d.msg, "3 findings"));
    /* narrowed to TWO: clean */
    assert_int_equal(mi_store_verify(e->s, "L", "TWO", report_cb, &f, &vr, &d), MI_OK);
    /* an orphan template and a recorded size that lies */
    mi_store_close(e->s);
    snprintf(sql, sizeof sql, "DELETE FROM objects WHERE name = 'ONE';"
             "UPDATE templates SET size = size + 1 WHERE hash <> '%s'", xh);
    fx_sql(e->path, sql);
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    f.n = 0;
    f.text[0] = '\0';
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, report_cb, &f, &vr, &d), MI_E_STORE);
    assert_non_null(strstr(f.text, "not used by any object"));
    assert_non_null(strstr(f.text, "recorded size"));
    /* gc removes the orphan */
    mi_store_gc_result r;
    assert_int_equal(mi_store_gc(e->s, NULL, 0, -1, 0, &r, &d), MI_OK);
    assert_int_equal(r.templates, 1);
    assert_int_equal(r.template_bytes, n1);
    free(b1);
    free(b2);
}

/* ---- concurrency and a full disk --------------------------------------------------------------- */

/* Four processes, 25 installs each, into one store at once (the shell test does 8 x 100). */
static void test_concurrent_writers(void **state) {
    env *e = *state;
    mi_store_close(e->s);
    e->s = NULL;
    pid_t kids[4];
    for (int k = 0; k < 4; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            mi_store *s;
            mi_diag d;
            int bad = 0;
            if (mi_store_open(e->path, 0, &s, &d) != MI_OK) _exit(10);
            for (int i = 0; i < 25; i++) {
                uint8_t *b;
                size_t n;
                fx_program(k * 100 + i, &b, &n);
                char name[16];
                snprintf(name, sizeof name, "P%d_%d", k, i);
                if (mi_store_install(s, NULL, name, b, n, NULL, 0, NULL, NULL, &d) != MI_OK) {
                    fprintf(stderr, "child %d: %s\n", k, d.msg);
                    bad = 1;
                }
                free(b);
            }
            mi_store_close(s);
            _exit(bad);
        }
    }
    for (int k = 0; k < 4; k++) {
        int ws;
        assert_int_equal(waitpid(kids[k], &ws, 0), kids[k]);
        assert_true(WIFEXITED(ws));
        assert_int_equal(WEXITSTATUS(ws), 0);
    }
    mi_diag d;
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    assert_int_equal(fx_sql_int(e->path, "SELECT count(*) FROM objects"), 100);
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, NULL, NULL, NULL, &d), MI_OK);
}

/* A file size limit stands in for a full disk: writes fail with a clear error and
 * everything stored before is still there. */
static void test_full_disk(void **state) {
    env *e = *state;
    mi_diag d;
    uint8_t *b;
    size_t n;
    fx_program(1, &b, &n);
    assert_int_equal(mi_store_install(e->s, NULL, "KEEP", b, n, NULL, 0, NULL, NULL, &d), MI_OK);
    free(b);
    mi_store_close(e->s);
    e->s = NULL;
    struct stat sb;
    assert_int_equal(stat(e->path, &sb), 0);
    pid_t kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {(rlim_t)sb.st_size + 8192, (rlim_t)sb.st_size + 8192};
        setrlimit(RLIMIT_FSIZE, &rl);
        mi_store *s;
        if (mi_store_open(e->path, 0, &s, &d) != MI_OK) _exit(10);
        /* A big program: one large CHAR constant per template. */
        int failed = 0;
        for (int i = 0; i < 40 && !failed; i++) {
            size_t cap2 = 130000; /* 60000 bytes are 120000 hex digits */
            char *s2 = malloc(cap2);
            int m = snprintf(s2, cap2, "DCL m CHAR(60000) INIT(X'");
            for (int j = 0; j < 60000; j++) m += snprintf(s2 + m, cap2 - (size_t)m, "%02x",
                                                          (unsigned)((j * 7 + i) & 0xff));
            m += snprintf(s2 + m, cap2 - (size_t)m, "')\n        SVC 2, m\n        RTX\n");
            char name[16];
            snprintf(name, sizeof name, "BIG%d", i);
            mi_status st = mi_store_install_source(s, NULL, name, s2, (size_t)m, "big.mi", 0,
                                                   NULL, NULL, &d);
            free(s2);
            if (st != MI_OK) {
                failed = 1;
                if (st != MI_E_IO || strstr(d.msg, "nothing was changed") == NULL) {
                    fprintf(stderr, "unexpected: %d %s\n", st, d.msg);
                    _exit(11);
                }
            }
        }
        mi_store_close(s);
        _exit(failed ? 0 : 12);
    }
    int ws;
    assert_int_equal(waitpid(kid, &ws, 0), kid);
    assert_true(WIFEXITED(ws));
    assert_int_equal(WEXITSTATUS(ws), 0);
    assert_int_equal(mi_store_open(e->path, 0, &e->s, &d), MI_OK);
    mi_store_obj o;
    assert_int_equal(mi_store_get(e->s, "MILIB", "KEEP", &o, &d), MI_OK);
    mi_store_obj_clear(&o);
    assert_int_equal(mi_store_verify(e->s, NULL, NULL, NULL, NULL, NULL, &d), MI_OK);
}

static void test_memory_store(void **state) {
    (void)state;
    mi_store *s;
    mi_diag d;
    assert_int_equal(mi_store_open(":memory:", 0, &s, &d), MI_OK);
    assert_int_equal(mi_store_crtlib(s, "M", &d), MI_OK);
    assert_int_equal(mi_store_verify(s, NULL, NULL, NULL, NULL, NULL, &d), MI_OK);
    mi_store_close(s);
    mi_store_close(NULL);
    assert_string_equal(mi_tr_reason_text(MI_TR_INTEGRITY), "integrity failure");
    assert_string_equal(mi_tr_reason_text((mi_tr_reason)0), "unknown");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_default_path),
        cmocka_unit_test(test_memory_store),
        cmocka_unit_test_setup_teardown(test_open_creates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_libraries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_install_and_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_source_rm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
