/* Test-side helpers for test_store*.c: temporary directories, assembling small
 * programs, independent hashing (XXH3-128 and SHA-256 computed here, not through
 * the store), and raw SQLite access to inspect or damage files behind the store's
 * back. Include after <cmocka.h>. */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include <sqlite3.h>
#include <xxhash.h>
#include "mi_asm.h"
#include "mi_store.h"

static inline char *fx_tmpdir(void) {
    char tmpl[] = "/tmp/mi-store-test.XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *r = strdup(d);
    assert_non_null(r);
    return r;
}

static inline void fx_rmrf(char *dir) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static inline char *fx_path(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A small valid program whose template differs with k: prints "<k>". */
static inline void fx_program(int k, uint8_t **bytes, size_t *n) {
    char src[256];
    snprintf(src, sizeof src,
             "; test program %d\n"
             "DCL msg CHAR(12) INIT('P%d')\n"
             "        SVC 2, msg\n"
             "        RTX\n", k, k);
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "prog.mi";
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_assemble(src, strlen(src), &o, bytes, n, &dg);
    if (st != MI_OK && dg.n > 0) fprintf(stderr, "fixture: %s\n", dg.msgs[0]);
    mi_asm_diags_free(&dg);
    assert_int_equal(st, MI_OK);
}

static inline void fx_hex(const uint8_t *p, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", p[i]);
}

static inline void fx_xxh128(const void *p, size_t n, char out[33]) {
    XXH128_hash_t h = XXH3_128bits(p, n);
    uint8_t be[16];
    for (int i = 0; i < 8; i++) {
        be[i] = (uint8_t)(h.high64 >> (56 - 8 * i));
        be[8 + i] = (uint8_t)(h.low64 >> (56 - 8 * i));
    }
    fx_hex(be, 16, out);
}

static inline void fx_sha256(const void *p, size_t n, char out[65]) {
    struct sha256_ctx c;
    uint8_t dg[32];
    sha256_init(&c);
    sha256_update(&c, n, p);
    sha256_digest(&c, 32, dg);
    fx_hex(dg, 32, out);
}

static inline uint8_t *fx_read(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static inline void fx_write(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Run SQL on a file directly (no store code). */
static inline void fx_sql(const char *path, const char *sql) {
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) fprintf(stderr, "fx_sql: %s\n", err);
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* One integer from SQL on a file. */
static inline long long fx_sql_int(const char *path, const char *sql) {
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* A textual dump of a store's objects ("LIB/PGM hash\n"...) for before/after
 * comparisons. Caller frees. */
typedef struct fx_buf { char *p; size_t n, cap; } fx_buf;
static inline int fx_dump_cb(void *ctx, const mi_store_obj *o) {
    fx_buf *b = ctx;
    char line[128];
    int k = snprintf(line, sizeof line, "%s/%s %s %lld %s\n", o->lib, o->name, o->hash,
                     (long long)o->created, o->source_file != NULL ? o->source_file : "-");
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, line, (size_t)k + 1);
    b->n += (size_t)k;
    return 0;
}
static inline char *fx_dump(mi_store *s) {
    fx_buf b = {NULL, 0, 0};
    b.p = calloc(1, 1);
    b.cap = 1;
    mi_diag d;
    assert_int_equal(mi_store_list(s, NULL, fx_dump_cb, &b, &d), MI_OK);
    return b.p;
}

#endif
