/* Libraries and objects: create/delete libraries, install, list, show, source,
 * remove, and resolution through a library list. Each public function is one
 * transaction run by st_txn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_template.h"
#include "store_int.h"

/* ---- shared row helpers -------------------------------------------------------- */

mi_status st_lib_exists(mi_store *s, const char *lib, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT 1 FROM libraries WHERE name = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, lib);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW) return MI_OK;
    if (rc == SQLITE_DONE) return mi_diag_set(d, MI_E_NOTFOUND, "library %s does not exist", lib);
    return st_sqlerr(s, rc, d, "object store");
}

mi_status st_ensure_lib(mi_store *s, const char *lib, int *created, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "INSERT OR IGNORE INTO libraries(name, created) "
                                  "VALUES (?1, ?2)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, lib);
    sqlite3_bind_int64(st, 2, st_now());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: creating a library");
    if (created != NULL) *created = sqlite3_changes(s->db) > 0;
    return MI_OK;
}

mi_status st_put_template(mi_store *s, const char *hash, const uint8_t *bytes, size_t n,
                          const char *sha256, uint32_t mi_version, uint32_t format_version,
                          const char *origin, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT sha256, size FROM templates WHERE hash = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, hash);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *old = (const char *)sqlite3_column_text(st, 0);
        int same = old != NULL && strcmp(old, sha256) == 0 &&
                   (uint64_t)sqlite3_column_int64(st, 1) == n;
        sqlite3_finalize(st);
        if (!same)
            return mi_diag_set(d, MI_E_STORE, "template %s is already stored with different "
                               "content (damaged row or hash collision); run mi verify", hash);
        return MI_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    r = st_prep(s, &st, "INSERT INTO templates(hash, size, sha256, mi_version, "
                        "format_version, created, bytes, origin) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, hash);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
    st_bind_text(st, 3, sha256);
    sqlite3_bind_int64(st, 4, mi_version);
    sqlite3_bind_int64(st, 5, format_version);
    sqlite3_bind_int64(st, 6, st_now());
    sqlite3_bind_blob64(st, 7, bytes, n, SQLITE_STATIC);
    if (origin != NULL) st_bind_text(st, 8, origin); /* else NULL: installed here */
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: storing a template");
    return MI_OK;
}

/* Delete one template if no object uses it (its translations go by cascade). */
static mi_status drop_template_if_unused(mi_store *s, const char *hash, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "DELETE FROM templates WHERE hash = ?1 AND NOT EXISTS "
                                  "(SELECT 1 FROM objects WHERE tmpl = ?1)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, hash);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: deleting a template");
    return MI_OK;
}

mi_status st_drop_unused_templates(mi_store *s, uint64_t *count, uint64_t *bytes, mi_diag *d) {
    static const char *const where =
        " FROM templates WHERE NOT EXISTS (SELECT 1 FROM objects WHERE tmpl = templates.hash)";
    char sql[200];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT count(*), coalesce(sum(size), 0)%s", where);
    mi_status r = st_prep(s, &st, sql, d);
    if (r != MI_OK) return r;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (count != NULL) *count += (uint64_t)sqlite3_column_int64(st, 0);
        if (bytes != NULL) *bytes += (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) return st_sqlerr(s, rc, d, "object store");
    snprintf(sql, sizeof sql, "DELETE%s", where);
    return st_exec(s, sql, d);
}

#define OBJ_COLUMNS                                                                    \
    "SELECT o.lib, o.name, o.tmpl, t.sha256, t.mi_version, t.format_version, t.size, " \
    "o.created, o.source_file, "                                                       \
    "(SELECT count(*) FROM translations x WHERE x.tmpl = o.tmpl), "                    \
    "(SELECT coalesce(sum(length(x.image)), 0) FROM translations x WHERE x.tmpl = o.tmpl), " \
    "(SELECT count(*) FROM objects y WHERE y.tmpl = o.tmpl) "                          \
    "FROM objects o JOIN templates t ON t.hash = o.tmpl "

static void copy_text(char *dst, size_t cap, const unsigned char *src) {
    snprintf(dst, cap, "%s", src != NULL ? (const char *)src : "");
}

/* Fill *o from a row of OBJ_COLUMNS. source_file is malloc'd. */
static mi_status row_to_obj(sqlite3_stmt *st, mi_store_obj *o, mi_diag *d) {
    memset(o, 0, sizeof *o);
    copy_text(o->lib, sizeof o->lib, sqlite3_column_text(st, 0));
    copy_text(o->name, sizeof o->name, sqlite3_column_text(st, 1));
    copy_text(o->hash, sizeof o->hash, sqlite3_column_text(st, 2));
    copy_text(o->sha256, sizeof o->sha256, sqlite3_column_text(st, 3));
    o->mi_version = (uint32_t)sqlite3_column_int64(st, 4);
    o->format_version = (uint32_t)sqlite3_column_int64(st, 5);
    o->size = (uint64_t)sqlite3_column_int64(st, 6);
    o->created = sqlite3_column_int64(st, 7);
    const unsigned char *src = sqlite3_column_text(st, 8);
    if (src != NULL && (o->source_file = strdup((const char *)src)) == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    o->ntranslations = (uint64_t)sqlite3_column_int64(st, 9);
    o->native_bytes = (uint64_t)sqlite3_column_int64(st, 10);
    o->nshared = (uint64_t)sqlite3_column_int64(st, 11);
    return MI_OK;
}

void mi_store_obj_clear(mi_store_obj *o) {
    if (o == NULL) return;
    free(o->source_file);
    memset(o, 0, sizeof *o);
}

static mi_status get_obj(mi_store *s, const char *lib, const char *name, mi_store_obj *o,
                         mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, OBJ_COLUMNS "WHERE o.lib = ?1 AND o.name = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, lib);
    st_bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) r = row_to_obj(st, o, d);
    else if (rc == SQLITE_DONE) r = mi_diag_set(d, MI_E_NOTFOUND, "%s/%s not found", lib, name);
    else r = st_sqlerr(s, rc, d, "object store");
    sqlite3_finalize(st);
    return r;
}

/* ---- libraries ---------------------------------------------------------------------- */

typedef struct lib_ctx {
    char lib[MI_STORE_NAME_MAX + 1];
    uint64_t *count;
    mi_store_lib_cb cb;
    void *cbctx;
} lib_ctx;

static mi_status do_crtlib(mi_store *s, void *ctx, mi_diag *d) {
    lib_ctx *c = ctx;
    int created = 0;
    mi_status r = st_ensure_lib(s, c->lib, &created, d);
    if (r == MI_OK && !created) r = mi_diag_set(d, MI_E_EXISTS, "library %s already exists", c->lib);
    return r;
}

mi_status mi_store_crtlib(mi_store *s, const char *lib, mi_diag *d) {
    lib_ctx c = {{0}, NULL, NULL, NULL};
    mi_status r = mi_store_check_name(lib, c.lib, "library", d);
    return r != MI_OK ? r : st_txn(s, 1, do_crtlib, &c, d);
}

static mi_status do_dltlib(mi_store *s, void *ctx, mi_diag *d) {
    lib_ctx *c = ctx;
    mi_status r = st_lib_exists(s, c->lib, d);
    if (r != MI_OK) return r;
    sqlite3_stmt *st;
    r = st_prep(s, &st, "DELETE FROM objects WHERE lib = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: deleting objects");
    if (c->count != NULL) *c->count = (uint64_t)sqlite3_changes(s->db);
    r = st_prep(s, &st, "DELETE FROM libraries WHERE name = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: deleting a library");
    return st_drop_unused_templates(s, NULL, NULL, d);
}

mi_status mi_store_dltlib(mi_store *s, const char *lib, uint64_t *nobjects, mi_diag *d) {
    uint64_t dummy = 0;
    lib_ctx c = {{0}, nobjects != NULL ? nobjects : &dummy, NULL, NULL};
    mi_status r = mi_store_check_name(lib, c.lib, "library", d);
    return r != MI_OK ? r : st_txn(s, 1, do_dltlib, &c, d);
}

static mi_status do_list_libs(mi_store *s, void *ctx, mi_diag *d) {
    lib_ctx *c = ctx;
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT l.name, l.created, (SELECT count(*) FROM objects o "
                                  "WHERE o.lib = l.name) FROM libraries l ORDER BY l.name", d);
    if (r != MI_OK) return r;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mi_store_lib l;
        copy_text(l.name, sizeof l.name, sqlite3_column_text(st, 0));
        l.created = sqlite3_column_int64(st, 1);
        l.nobjects = (uint64_t)sqlite3_column_int64(st, 2);
        if (c->cb(c->cbctx, &l) != 0) { rc = SQLITE_DONE; break; }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

mi_status mi_store_list_libs(mi_store *s, mi_store_lib_cb cb, void *ctx, mi_diag *d) {
    lib_ctx c = {{0}, NULL, cb, ctx};
    return st_txn(s, 0, do_list_libs, &c, d);
}

static mi_status do_lib_exists(mi_store *s, void *ctx, mi_diag *d) {
    return st_lib_exists(s, ((lib_ctx *)ctx)->lib, d);
}

mi_status mi_store_lib_exists(mi_store *s, const char *lib, mi_diag *d) {
    lib_ctx c = {{0}, NULL, NULL, NULL};
    mi_status r = mi_store_check_name(lib, c.lib, "library", d);
    return r != MI_OK ? r : st_txn(s, 0, do_lib_exists, &c, d);
}

/* ---- install ------------------------------------------------------------------------- */

typedef struct install_ctx {
    char lib[MI_STORE_NAME_MAX + 1], name[MI_STORE_NAME_MAX + 1];
    const uint8_t *bytes;
    size_t n;
    const char *source_file;
    unsigned flags;
    char hash[33], sha256[65];
    uint32_t mi_version, format_version;
    mi_store_obj *info;
} install_ctx;

static mi_status do_install(mi_store *s, void *ctx, mi_diag *d) {
    install_ctx *c = ctx;
    mi_status r;
    if (strcmp(c->lib, MI_STORE_DEFAULT_LIB) == 0) {
        r = st_ensure_lib(s, c->lib, NULL, d);
    } else {
        r = st_lib_exists(s, c->lib, d);
        if (r == MI_E_NOTFOUND)
            r = mi_diag_set(d, MI_E_NOTFOUND, "library %s does not exist (create it with "
                            "mi crtlib %s)", c->lib, c->lib);
    }
    if (r != MI_OK) return r;

    sqlite3_stmt *st;
    char old[33] = "";
    r = st_prep(s, &st, "SELECT tmpl FROM objects WHERE lib = ?1 AND name = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) copy_text(old, sizeof old, sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    if (rc == SQLITE_ROW) {
        if (!(c->flags & MI_STORE_REPLACE))
            return mi_diag_set(d, MI_E_EXISTS, "%s/%s already exists (use --replace to "
                               "replace it)", c->lib, c->name);
        r = st_prep(s, &st, "DELETE FROM objects WHERE lib = ?1 AND name = ?2", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, c->lib);
        st_bind_text(st, 2, c->name);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: replacing");
    }
    r = st_put_template(s, c->hash, c->bytes, c->n, c->sha256, c->mi_version,
                        c->format_version, NULL, d);
    if (r != MI_OK) return r;
    r = st_prep(s, &st, "INSERT INTO objects(lib, name, tmpl, source_file, created) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    st_bind_text(st, 3, c->hash);
    st_bind_text(st, 4, c->source_file);
    sqlite3_bind_int64(st, 5, st_now());
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: storing an object");
    if (old[0] != '\0' && strcmp(old, c->hash) != 0) {
        r = drop_template_if_unused(s, old, d);
        if (r != MI_OK) return r;
    }
    if (c->info != NULL) {
        mi_store_obj_clear(c->info);
        r = get_obj(s, c->lib, c->name, c->info, d);
    }
    return r;
}

mi_status mi_store_install(mi_store *s, const char *lib, const char *name,
                           const uint8_t *tmpl, size_t n, const char *source_file,
                           unsigned flags, mi_store_obj *info, mi_template *loaded,
                           mi_diag *d) {
    install_ctx c;
    memset(&c, 0, sizeof c);
    if (info != NULL) memset(info, 0, sizeof *info);
    if (loaded != NULL) mi_template_init(loaded);
    mi_status r = mi_store_check_name(lib != NULL ? lib : MI_STORE_DEFAULT_LIB, c.lib,
                                      "library", d);
    if (r == MI_OK) r = mi_store_check_name(name, c.name, "program", d);
    if (r != MI_OK) return r;
    if (tmpl == NULL || n == 0)
        return mi_diag_set(d, MI_E_FORMAT, "%s/%s: empty program template", c.lib, c.name);
    mi_template t;
    mi_template_init(&t);
    mi_diag sub = {{0}};
    r = mi_template_load(tmpl, n, &t, &sub);
    if (r != MI_OK)
        return mi_diag_set(d, r, "%s/%s not installed: %s", c.lib, c.name, sub.msg);
    c.mi_version = t.mi_version;
    c.format_version = t.format_version;
    c.bytes = tmpl;
    c.n = n;
    c.source_file = source_file;
    c.flags = flags;
    c.info = info;
    mi_store_xxh128_hex(tmpl, n, c.hash);
    mi_store_sha256_hex(tmpl, n, c.sha256);
    r = st_txn(s, 1, do_install, &c, d);
    if (r == MI_OK && loaded != NULL) *loaded = t; /* ownership passes to the caller */
    else mi_template_free(&t);
    return r;
}

/* ---- queries ---------------------------------------------------------------------------- */

typedef struct obj_ctx {
    char lib[MI_STORE_NAME_MAX + 1], name[MI_STORE_NAME_MAX + 1];
    mi_store_obj *o;
    mi_store_obj_cb cb;
    void *cbctx;
    uint8_t **bytes;
    size_t *n;
} obj_ctx;

static mi_status do_get(mi_store *s, void *ctx, mi_diag *d) {
    obj_ctx *c = ctx;
    mi_store_obj_clear(c->o);
    return get_obj(s, c->lib, c->name, c->o, d);
}

static mi_status qualify(const char *lib, const char *name, obj_ctx *c, mi_diag *d) {
    mi_status r = mi_store_check_name(lib, c->lib, "library", d);
    return r != MI_OK ? r : mi_store_check_name(name, c->name, "program", d);
}

mi_status mi_store_get(mi_store *s, const char *lib, const char *name, mi_store_obj *o,
                       mi_diag *d) {
    obj_ctx c;
    memset(&c, 0, sizeof c);
    memset(o, 0, sizeof *o);
    c.o = o;
    mi_status r = qualify(lib, name, &c, d);
    return r != MI_OK ? r : st_txn(s, 0, do_get, &c, d);
}

static mi_status do_list(mi_store *s, void *ctx, mi_diag *d) {
    obj_ctx *c = ctx;
    sqlite3_stmt *st;
    mi_status r;
    if (c->lib[0] != '\0') {
        r = st_lib_exists(s, c->lib, d);
        if (r == MI_OK) r = st_prep(s, &st, OBJ_COLUMNS "WHERE o.lib = ?1 ORDER BY o.name", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, c->lib);
    } else {
        r = st_prep(s, &st, OBJ_COLUMNS "ORDER BY o.lib, o.name", d);
        if (r != MI_OK) return r;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mi_store_obj o;
        r = row_to_obj(st, &o, d);
        int stop = r == MI_OK ? c->cb(c->cbctx, &o) : 1;
        mi_store_obj_clear(&o);
        if (stop) { rc = SQLITE_DONE; break; }
    }
    sqlite3_finalize(st);
    if (r != MI_OK) return r;
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

mi_status mi_store_list(mi_store *s, const char *lib, mi_store_obj_cb cb, void *ctx,
                        mi_diag *d) {
    obj_ctx c;
    memset(&c, 0, sizeof c);
    c.cb = cb;
    c.cbctx = ctx;
    if (lib != NULL) {
        mi_status r = mi_store_check_name(lib, c.lib, "library", d);
        if (r != MI_OK) return r;
    }
    return st_txn(s, 0, do_list, &c, d);
}

/* Template bytes of lib/name into *c->bytes; MI_E_NOTFOUND (with a message) if absent. */
static mi_status read_template(mi_store *s, const char *lib, const char *name, uint8_t **bytes,
                               size_t *n, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT t.bytes FROM objects o JOIN templates t ON "
                                  "t.hash = o.tmpl WHERE o.lib = ?1 AND o.name = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, lib);
    st_bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 0);
        size_t len = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *copy = malloc(len > 0 ? len : 1);
        if (copy == NULL) r = mi_diag_set(d, MI_E_NOMEM, "out of memory");
        else {
            if (len > 0) memcpy(copy, p, len);
            *bytes = copy;
            *n = len;
        }
    } else if (rc == SQLITE_DONE) {
        r = mi_diag_set(d, MI_E_NOTFOUND, "%s/%s not found", lib, name);
    } else {
        r = st_sqlerr(s, rc, d, "object store");
    }
    sqlite3_finalize(st);
    return r;
}

static mi_status do_template(mi_store *s, void *ctx, mi_diag *d) {
    obj_ctx *c = ctx;
    return read_template(s, c->lib, c->name, c->bytes, c->n, d);
}

mi_status mi_store_template(mi_store *s, const char *lib, const char *name,
                            uint8_t **bytes, size_t *n, mi_diag *d) {
    *bytes = NULL;
    *n = 0;
    obj_ctx c;
    memset(&c, 0, sizeof c);
    c.bytes = bytes;
    c.n = n;
    mi_status r = qualify(lib, name, &c, d);
    return r != MI_OK ? r : st_txn(s, 0, do_template, &c, d);
}

mi_status mi_store_source(mi_store *s, const char *lib, const char *name, char **file,
                          char **text, size_t *n, mi_diag *d) {
    *file = NULL;
    *text = NULL;
    *n = 0;
    uint8_t *bytes;
    size_t nb;
    mi_status r = mi_store_template(s, lib, name, &bytes, &nb, d);
    if (r != MI_OK) return r;
    mi_template t;
    mi_template_init(&t);
    mi_diag sub = {{0}};
    r = mi_template_decode(bytes, nb, &t, &sub);
    free(bytes);
    if (r != MI_OK)
        return mi_diag_set(d, r, "%s/%s: stored template cannot be decoded (%s); run mi verify",
                           lib, name, sub.msg);
    if (!t.has_source) {
        mi_template_free(&t);
        return mi_diag_set(d, MI_E_NOTFOUND, "%s/%s has no source in its template (it was "
                           "assembled without source)", lib, name);
    }
    *file = strdup(t.source_file != NULL ? t.source_file : "");
    *text = malloc((size_t)t.source_len + 1);
    if (*file == NULL || *text == NULL) {
        free(*file);
        free(*text);
        *file = *text = NULL;
        mi_template_free(&t);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    }
    if (t.source_len > 0) memcpy(*text, t.source_text, t.source_len);
    (*text)[t.source_len] = '\0';
    *n = t.source_len;
    mi_template_free(&t);
    return MI_OK;
}

static mi_status do_rm(mi_store *s, void *ctx, mi_diag *d) {
    obj_ctx *c = ctx;
    sqlite3_stmt *st;
    char tmpl[33] = "";
    mi_status r = st_prep(s, &st, "SELECT tmpl FROM objects WHERE lib = ?1 AND name = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) copy_text(tmpl, sizeof tmpl, sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) {
        r = st_lib_exists(s, c->lib, d);
        if (r != MI_OK) return r;
        return mi_diag_set(d, MI_E_NOTFOUND, "%s/%s not found", c->lib, c->name);
    }
    if (rc != SQLITE_ROW) return st_sqlerr(s, rc, d, "object store");
    r = st_prep(s, &st, "DELETE FROM objects WHERE lib = ?1 AND name = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->lib);
    st_bind_text(st, 2, c->name);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: removing");
    return drop_template_if_unused(s, tmpl, d);
}

mi_status mi_store_rm(mi_store *s, const char *lib, const char *name, mi_diag *d) {
    obj_ctx c;
    memset(&c, 0, sizeof c);
    mi_status r = qualify(lib, name, &c, d);
    return r != MI_OK ? r : st_txn(s, 1, do_rm, &c, d);
}

/* ---- resolution ---------------------------------------------------------------------------- */

typedef struct resolve_ctx {
    const mi_store_libl *libl;
    mi_qname q;
    mi_qname *found;
    uint8_t **bytes;
    size_t *n;
} resolve_ctx;

static mi_status do_resolve(mi_store *s, void *ctx, mi_diag *d) {
    resolve_ctx *c = ctx;
    if (c->q.lib[0] != '\0') {
        mi_status r = read_template(s, c->q.lib, c->q.pgm, c->bytes, c->n, d);
        if (r == MI_OK && c->found != NULL) *c->found = c->q;
        return r;
    }
    for (unsigned i = 0; i < c->libl->n; i++) {
        mi_status r = read_template(s, c->libl->lib[i], c->q.pgm, c->bytes, c->n, d);
        if (r == MI_OK) {
            if (c->found != NULL) {
                *c->found = c->q;
                memcpy(c->found->lib, c->libl->lib[i], sizeof c->found->lib);
            }
            return MI_OK;
        }
        if (r != MI_E_NOTFOUND) return r;
    }
    char list[MI_STORE_LIBL_MAX * (MI_STORE_NAME_MAX + 1) + 1] = "";
    for (unsigned i = 0; i < c->libl->n; i++) {
        if (i > 0) strcat(list, ",");
        strcat(list, c->libl->lib[i]);
    }
    return mi_diag_set(d, MI_E_NOTFOUND, "program %s not found in the library list (%s)",
                       c->q.pgm, list);
}

mi_status mi_store_resolve(mi_store *s, const mi_store_libl *libl, const char *name,
                           mi_qname *found, uint8_t **bytes, size_t *n, mi_diag *d) {
    *bytes = NULL;
    *n = 0;
    resolve_ctx c;
    memset(&c, 0, sizeof c);
    mi_store_libl deflt;
    if (libl == NULL) {
        mi_store_libl_parse(NULL, &deflt, NULL);
        libl = &deflt;
    }
    c.libl = libl;
    c.found = found;
    c.bytes = bytes;
    c.n = n;
    mi_diag sub;
    if (mi_store_parse_qname(name, &c.q, &sub) != MI_OK) {
        /* A name the store cannot hold (RSLVSP allows 64 characters) is just absent. */
        return mi_diag_set(d, MI_E_NOTFOUND, "program %.80s not found (%s)",
                           name != NULL ? name : "", sub.msg);
    }
    return st_txn(s, 0, do_resolve, &c, d);
}
