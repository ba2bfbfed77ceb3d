/* mi verify: recompute every stored hash, re-verify every template, check names
 * and references, and run SQLite's own integrity checks. Read-only: it reports,
 * it never repairs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_template.h"
#include "store_int.h"

typedef struct verify_ctx {
    const char *lib, *name; /* scope; NULL = all */
    mi_store_report_cb report;
    void *cbctx;
    mi_store_verify_result *r;
} verify_ctx;

static void finding(verify_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void finding(verify_ctx *c, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->r->findings++;
    if (c->report != NULL) c->report(c->cbctx, buf);
}

static const char *col_text(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (const char *)t : "";
}

static mi_status sqlite_checks(mi_store *s, verify_ctx *c, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "PRAGMA integrity_check(100)", d);
    if (r != MI_OK) return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *t = col_text(st, 0);
        if (strcmp(t, "ok") != 0) finding(c, "SQLite integrity check: %s", t);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        /* A damaged file can make the check itself fail: that is a finding too. */
        finding(c, "SQLite integrity check could not complete: %s", sqlite3_errstr(rc));
        return MI_OK;
    }
    r = st_prep(s, &st, "PRAGMA foreign_key_check", d);
    if (r != MI_OK) return r;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        finding(c, "row %lld of table %s refers to a missing row of table %s",
                (long long)sqlite3_column_int64(st, 1), col_text(st, 0), col_text(st, 2));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) finding(c, "foreign key check could not complete: %s",
                                   sqlite3_errstr(rc));
    return MI_OK;
}

static mi_status check_names(mi_store *s, verify_ctx *c, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT name, 'library', '' FROM libraries WHERE ?1 IS NULL "
                                  "OR name = ?1 UNION ALL SELECT name, 'program', lib FROM objects "
                                  "WHERE (?1 IS NULL OR lib = ?1) AND (?2 IS NULL OR name = ?2)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = col_text(st, 1);
        if (kind[0] == 'p') c->r->objects++;
        if (!st_name_ok(col_text(st, 0)))
            finding(c, "%s name '%.40s%s%.40s' is malformed", kind, col_text(st, 2),
                    kind[0] == 'p' ? "/" : "", col_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    /* Objects whose template row is missing (foreign_key_check says so too, but
     * this names the object). */
    r = st_prep(s, &st, "SELECT lib, name, tmpl FROM objects o WHERE (?1 IS NULL OR lib = ?1) "
                        "AND (?2 IS NULL OR name = ?2) AND NOT EXISTS (SELECT 1 FROM templates "
                        "t WHERE t.hash = o.tmpl)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        finding(c, "%s/%s: its template %s is missing", col_text(st, 0), col_text(st, 1),
                col_text(st, 2));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

static mi_status check_templates(mi_store *s, verify_ctx *c, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st,
        "SELECT t.hash, t.size, t.sha256, t.mi_version, t.format_version, t.bytes, "
        "(SELECT group_concat(o.lib || '/' || o.name, ', ') FROM objects o WHERE o.tmpl = t.hash) "
        "FROM templates t WHERE ?1 IS NULL OR t.hash IN (SELECT tmpl FROM objects WHERE "
        "lib = ?1 AND (?2 IS NULL OR name = ?2)) ORDER BY t.hash", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->r->templates++;
        const char *hash = col_text(st, 0);
        const uint8_t *bytes = sqlite3_column_blob(st, 5);
        size_t n = (size_t)sqlite3_column_bytes(st, 5);
        const char *users = col_text(st, 6);
        char who[300];
        if (users[0] != '\0') snprintf(who, sizeof who, "template %s (%.200s)", hash, users);
        else snprintf(who, sizeof who, "template %s", hash);
        if (users[0] == '\0' && c->lib == NULL)
            finding(c, "%s is not used by any object (mi gc removes it)", who);
        char h[65];
        mi_store_xxh128_hex(bytes, n, h);
        if (strcmp(h, hash) != 0) finding(c, "%s: its bytes hash to %s (xxh3-128)", who, h);
        mi_store_sha256_hex(bytes, n, h);
        if (strcmp(h, col_text(st, 2)) != 0)
            finding(c, "%s: SHA-256 of its bytes is %s, recorded %s", who, h, col_text(st, 2));
        if ((uint64_t)sqlite3_column_int64(st, 1) != n)
            finding(c, "%s: %zu bytes, recorded size %lld", who, n,
                    (long long)sqlite3_column_int64(st, 1));
        mi_template t;
        mi_template_init(&t);
        mi_diag sub = {{0}};
        if (mi_template_load(bytes, n, &t, &sub) != MI_OK) {
            finding(c, "%s fails to load: %s", who, sub.msg);
        } else {
            if (t.mi_version != sqlite3_column_int64(st, 3) ||
                t.format_version != sqlite3_column_int64(st, 4))
                finding(c, "%s: recorded MI version %lld / format %lld, template says %u / %u",
                        who, (long long)sqlite3_column_int64(st, 3),
                        (long long)sqlite3_column_int64(st, 4), (unsigned)t.mi_version,
                        (unsigned)t.format_version);
            mi_template_free(&t);
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

static mi_status check_translations(mi_store *s, verify_ctx *c, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st,
        "SELECT tmpl, host, fingerprint, image, image_hash, reason FROM translations x "
        "WHERE ?1 IS NULL OR x.tmpl IN (SELECT tmpl FROM objects WHERE lib = ?1 AND "
        "(?2 IS NULL OR name = ?2)) ORDER BY tmpl, host", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        c->r->translations++;
        const char *tmpl = col_text(st, 0), *host = col_text(st, 1);
        char h[33];
        const char *fp = col_text(st, 2);
        mi_store_host_key(fp, h);
        if (strcmp(h, host) != 0)
            finding(c, "translation of template %s for host %s: the fingerprint hashes to %s",
                    tmpl, host, h);
        mi_store_xxh128_hex(sqlite3_column_blob(st, 3), (size_t)sqlite3_column_bytes(st, 3), h);
        if (strcmp(h, col_text(st, 4)) != 0)
            finding(c, "translation of template %s for host %s: image hashes to %s, recorded %s "
                    "(it will be retranslated)", tmpl, host, h, col_text(st, 4));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

static mi_status do_verify(mi_store *s, void *ctx, mi_diag *d) {
    verify_ctx *c = ctx;
    memset(c->r, 0, sizeof *c->r);
    mi_status r;
    if (c->lib != NULL) {
        r = st_lib_exists(s, c->lib, d);
        if (r != MI_OK) return r;
    }
    if (c->name != NULL) {
        sqlite3_stmt *st;
        r = st_prep(s, &st, "SELECT 1 FROM objects WHERE lib = ?1 AND name = ?2", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, c->lib);
        st_bind_text(st, 2, c->name);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_DONE) return mi_diag_set(d, MI_E_NOTFOUND, "%s/%s not found", c->lib, c->name);
        if (rc != SQLITE_ROW) return st_sqlerr(s, rc, d, "object store");
    }
    r = sqlite_checks(s, c, d);
    if (r == MI_OK) r = check_names(s, c, d);
    if (r == MI_OK) r = check_templates(s, c, d);
    if (r == MI_OK) r = check_translations(s, c, d);
    return r;
}

mi_status mi_store_verify(mi_store *s, const char *lib, const char *name,
                          mi_store_report_cb report, void *ctx,
                          mi_store_verify_result *r, mi_diag *d) {
    mi_store_verify_result dummy;
    char l[MI_STORE_NAME_MAX + 1], n[MI_STORE_NAME_MAX + 1];
    verify_ctx c = {NULL, NULL, report, ctx, r != NULL ? r : &dummy};
    memset(c.r, 0, sizeof *c.r);
    mi_status st;
    if (lib != NULL) {
        if ((st = mi_store_check_name(lib, l, "library", d)) != MI_OK) return st;
        c.lib = l;
    }
    if (name != NULL) {
        if (lib == NULL) return mi_diag_set(d, MI_E_ARG, "verify: a program needs its library");
        if ((st = mi_store_check_name(name, n, "program", d)) != MI_OK) return st;
        c.name = n;
    }
    st = st_txn(s, 0, do_verify, &c, d);
    if (st != MI_OK) {
        /* A store too damaged to read is itself a finding. */
        if (st == MI_E_STORE && report != NULL) report(ctx, d != NULL ? d->msg : "store unreadable");
        return st;
    }
    if (c.r->findings > 0)
        return mi_diag_set(d, MI_E_STORE, "%s: %llu finding%s", s->path,
                           (unsigned long long)c.r->findings, c.r->findings == 1 ? "" : "s");
    return MI_OK;
}
