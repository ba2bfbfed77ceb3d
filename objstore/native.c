/* The native translations table: the translator's cache of images keyed by
 * (template hash, host fingerprint hash), and gc. The store never interprets an
 * image; it only keeps it with its hash and provenance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"

static const char *const reason_text[] = {
    "", "first install", "new host", "new translator", "integrity failure", "forced",
};

const char *mi_tr_reason_text(mi_tr_reason r) {
    if ((unsigned)r >= sizeof reason_text / sizeof reason_text[0] || r == 0) return "unknown";
    return reason_text[r];
}

static mi_tr_reason reason_from_text(const char *t) {
    for (unsigned i = 1; i < sizeof reason_text / sizeof reason_text[0]; i++)
        if (t != NULL && strcmp(t, reason_text[i]) == 0) return (mi_tr_reason)i;
    return (mi_tr_reason)0;
}

void mi_store_tr_clear(mi_store_tr *t) {
    if (t == NULL) return;
    free(t->owned_);
    memset(t, 0, sizeof *t);
}

static int hash_ok(const char *h) {
    if (h == NULL || strlen(h) != 32) return 0;
    for (int i = 0; i < 32; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return 0;
    return 1;
}

typedef struct tr_ctx {
    const mi_store_tr *in;
    mi_store_tr *out;
    char tmpl[33], host[33], image_hash[33];
    int64_t now;
    mi_store_tr_cb cb;
    void *cbctx;
} tr_ctx;

static mi_status do_put(mi_store *s, void *ctx, mi_diag *d) {
    tr_ctx *c = ctx;
    const mi_store_tr *t = c->in;
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT 1 FROM templates WHERE hash = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->tmpl);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return mi_diag_set(d, MI_E_NOTFOUND, "template %s is not in the store", c->tmpl);
    if (rc != SQLITE_ROW) return st_sqlerr(s, rc, d, "object store");
    r = st_prep(s, &st, "INSERT OR REPLACE INTO translations(tmpl, host, fingerprint, image, "
                        "image_hash, translator, runtime, translate_ms, created, last_used, "
                        "reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->tmpl);
    st_bind_text(st, 2, c->host);
    st_bind_text(st, 3, t->fingerprint);
    sqlite3_bind_blob64(st, 4, t->image_len > 0 ? (const void *)t->image : "", t->image_len,
                        SQLITE_STATIC);
    st_bind_text(st, 5, c->image_hash);
    st_bind_text(st, 6, t->translator);
    st_bind_text(st, 7, t->runtime);
    sqlite3_bind_int64(st, 8, t->translate_ms);
    sqlite3_bind_int64(st, 9, t->created != 0 ? t->created : c->now);
    sqlite3_bind_int64(st, 10, t->last_used != 0 ? t->last_used : c->now);
    st_bind_text(st, 11, reason_text[t->reason]);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: storing a translation");
    return MI_OK;
}

mi_status mi_store_tr_put(mi_store *s, const mi_store_tr *t, mi_diag *d) {
    tr_ctx c;
    memset(&c, 0, sizeof c);
    if (t == NULL || !hash_ok(t->tmpl))
        return mi_diag_set(d, MI_E_ARG, "translation: malformed template hash");
    if (t->fingerprint == NULL || t->translator == NULL || t->runtime == NULL)
        return mi_diag_set(d, MI_E_ARG, "translation: fingerprint, translator and runtime "
                           "identity are required");
    if (t->image == NULL && t->image_len > 0)
        return mi_diag_set(d, MI_E_ARG, "translation: no image");
    if ((unsigned)t->reason < MI_TR_FIRST_INSTALL || (unsigned)t->reason > MI_TR_FORCED)
        return mi_diag_set(d, MI_E_ARG, "translation: unknown reason %d", (int)t->reason);
    c.in = t;
    memcpy(c.tmpl, t->tmpl, sizeof c.tmpl);
    mi_store_host_key(t->fingerprint, c.host);
    mi_store_xxh128_hex(t->image, t->image_len, c.image_hash);
    c.now = st_now();
    return st_txn(s, 1, do_put, &c, d);
}

/* Strings and image of a translation row copied into one allocation. */
static mi_status row_to_tr(sqlite3_stmt *st, int with_image, mi_store_tr *t, mi_diag *d) {
    memset(t, 0, sizeof *t);
    snprintf(t->tmpl, sizeof t->tmpl, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(t->host, sizeof t->host, "%s", (const char *)sqlite3_column_text(st, 1));
    const char *txt[3];
    size_t len[3], total = 0;
    /* columns: 2 fingerprint, 5 translator, 6 runtime (see TR_COLUMNS) */
    txt[0] = (const char *)sqlite3_column_text(st, 2);
    txt[1] = (const char *)sqlite3_column_text(st, 5);
    txt[2] = (const char *)sqlite3_column_text(st, 6);
    for (int i = 0; i < 3; i++) {
        if (txt[i] == NULL) txt[i] = "";
        len[i] = strlen(txt[i]) + 1;
        total += len[i];
    }
    const void *img = NULL;
    size_t nimg = 0;
    if (with_image) {
        img = sqlite3_column_blob(st, 3);
        nimg = (size_t)sqlite3_column_bytes(st, 3);
    } else {
        t->image_len = (size_t)sqlite3_column_int64(st, 3);
    }
    char *block = malloc(total + nimg + 1);
    if (block == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    t->owned_ = block;
    size_t off = 0;
    const char **dst[3] = {&t->fingerprint, &t->translator, &t->runtime};
    for (int i = 0; i < 3; i++) {
        memcpy(block + off, txt[i], len[i]);
        *dst[i] = block + off;
        off += len[i];
    }
    if (with_image) {
        if (nimg > 0) memcpy(block + off, img, nimg);
        t->image = (const uint8_t *)(block + off);
        t->image_len = nimg;
    }
    snprintf(t->image_hash, sizeof t->image_hash, "%s", (const char *)sqlite3_column_text(st, 4));
    t->translate_ms = sqlite3_column_int64(st, 7);
    t->created = sqlite3_column_int64(st, 8);
    t->last_used = sqlite3_column_int64(st, 9);
    t->reason = reason_from_text((const char *)sqlite3_column_text(st, 10));
    return MI_OK;
}

#define TR_COLUMNS "tmpl, host, fingerprint, %s, image_hash, translator, runtime, " \
                   "translate_ms, created, last_used, reason FROM translations "

static mi_status do_get(mi_store *s, void *ctx, mi_diag *d) {
    tr_ctx *c = ctx;
    sqlite3_stmt *st;
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT " TR_COLUMNS "WHERE tmpl = ?1 AND host = ?2", "image");
    mi_status r = st_prep(s, &st, sql, d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->tmpl);
    st_bind_text(st, 2, c->host);
    int rc = sqlite3_step(st);
    mi_store_tr_clear(c->out);
    if (rc == SQLITE_ROW) r = row_to_tr(st, 1, c->out, d);
    else if (rc == SQLITE_DONE)
        r = mi_diag_set(d, MI_E_NOTFOUND, "no translation of template %s for this host", c->tmpl);
    else r = st_sqlerr(s, rc, d, "object store");
    sqlite3_finalize(st);
    return r;
}

mi_status mi_store_tr_get(mi_store *s, const char *tmpl, const char *fingerprint,
                          mi_store_tr *t, mi_diag *d) {
    memset(t, 0, sizeof *t);
    if (!hash_ok(tmpl) || fingerprint == NULL)
        return mi_diag_set(d, MI_E_ARG, "translation: malformed template hash or fingerprint");
    tr_ctx c;
    memset(&c, 0, sizeof c);
    c.out = t;
    memcpy(c.tmpl, tmpl, sizeof c.tmpl);
    mi_store_host_key(fingerprint, c.host);
    mi_status r = st_txn(s, 0, do_get, &c, d);
    if (r != MI_OK) return r;
    char h[33];
    mi_store_xxh128_hex(t->image, t->image_len, h);
    if (strcmp(h, t->image_hash) != 0) {
        char rec[33];
        memcpy(rec, t->image_hash, sizeof rec);
        mi_store_tr_clear(t);
        return mi_diag_set(d, MI_E_STORE, "native translation of template %s for this host "
                           "is damaged (image hash %s, recorded %s)", tmpl, h, rec);
    }
    return MI_OK;
}

static mi_status do_touch(mi_store *s, void *ctx, mi_diag *d) {
    tr_ctx *c = ctx;
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "UPDATE translations SET last_used = ?3 WHERE tmpl = ?1 AND "
                                  "host = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->tmpl);
    st_bind_text(st, 2, c->host);
    sqlite3_bind_int64(st, 3, c->now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    if (sqlite3_changes(s->db) == 0)
        return mi_diag_set(d, MI_E_NOTFOUND, "no translation of template %s for this host", c->tmpl);
    return MI_OK;
}

static mi_status do_delete(mi_store *s, void *ctx, mi_diag *d) {
    tr_ctx *c = ctx;
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "DELETE FROM translations WHERE tmpl = ?1 AND host = ?2", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->tmpl);
    st_bind_text(st, 2, c->host);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    if (sqlite3_changes(s->db) == 0)
        return mi_diag_set(d, MI_E_NOTFOUND, "no translation of template %s for this host", c->tmpl);
    return MI_OK;
}

static mi_status key_op(mi_store *s, const char *tmpl, const char *fingerprint, int64_t now,
                        st_txn_fn fn, mi_diag *d) {
    if (!hash_ok(tmpl) || fingerprint == NULL)
        return mi_diag_set(d, MI_E_ARG, "translation: malformed template hash or fingerprint");
    tr_ctx c;
    memset(&c, 0, sizeof c);
    memcpy(c.tmpl, tmpl, sizeof c.tmpl);
    mi_store_host_key(fingerprint, c.host);
    c.now = now != 0 ? now : st_now();
    return st_txn(s, 1, fn, &c, d);
}

mi_status mi_store_tr_touch(mi_store *s, const char *tmpl, const char *fingerprint,
                            int64_t now, mi_diag *d) {
    return key_op(s, tmpl, fingerprint, now, do_touch, d);
}

mi_status mi_store_tr_delete(mi_store *s, const char *tmpl, const char *fingerprint,
                             mi_diag *d) {
    return key_op(s, tmpl, fingerprint, 0, do_delete, d);
}

static mi_status do_list(mi_store *s, void *ctx, mi_diag *d) {
    tr_ctx *c = ctx;
    sqlite3_stmt *st;
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT " TR_COLUMNS "%s ORDER BY tmpl, host", "length(image)",
             c->tmpl[0] != '\0' ? "WHERE tmpl = ?1" : "");
    mi_status r = st_prep(s, &st, sql, d);
    if (r != MI_OK) return r;
    if (c->tmpl[0] != '\0') st_bind_text(st, 1, c->tmpl);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        mi_store_tr t;
        r = row_to_tr(st, 0, &t, d);
        int stop = r == MI_OK ? c->cb(c->cbctx, &t) : 1;
        mi_store_tr_clear(&t);
        if (stop) { rc = SQLITE_DONE; break; }
    }
    sqlite3_finalize(st);
    if (r != MI_OK) return r;
    return rc == SQLITE_DONE ? MI_OK : st_sqlerr(s, rc, d, "object store");
}

mi_status mi_store_tr_list(mi_store *s, const char *tmpl, mi_store_tr_cb cb, void *ctx,
                           mi_diag *d) {
    tr_ctx c;
    memset(&c, 0, sizeof c);
    if (tmpl != NULL) {
        if (!hash_ok(tmpl)) return mi_diag_set(d, MI_E_ARG, "malformed template hash");
        memcpy(c.tmpl, tmpl, sizeof c.tmpl);
    }
    c.cb = cb;
    c.cbctx = ctx;
    return st_txn(s, 0, do_list, &c, d);
}

typedef struct origin_ctx {
    const char *key;
    int *restored;
    char *origin;
    size_t n;
} origin_ctx;

static mi_status do_origin(mi_store *s, void *ctx, mi_diag *d) {
    origin_ctx *c = ctx;
    sqlite3_stmt *st;
    mi_status r = st_prep(s, &st, "SELECT origin FROM templates WHERE hash = ?1", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, c->key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *o = (const char *)sqlite3_column_text(st, 0);
        *c->restored = o != NULL;
        if (c->n > 0) snprintf(c->origin, c->n, "%s", o != NULL ? o : "");
        r = MI_OK;
    } else if (rc == SQLITE_DONE) {
        r = mi_diag_set(d, MI_E_NOTFOUND, "template %s is not in the store", c->key);
    } else {
        r = st_sqlerr(s, rc, d, "object store");
    }
    sqlite3_finalize(st);
    return r;
}

mi_status mi_store_tmpl_origin(mi_store *s, const char *key, int *restored, char *origin,
                               size_t n, mi_diag *d) {
    *restored = 0;
    if (n > 0) origin[0] = '\0';
    if (!hash_ok(key)) return mi_diag_set(d, MI_E_ARG, "malformed template hash");
    origin_ctx c = {key, restored, origin, n};
    return st_txn(s, 0, do_origin, &c, d);
}

typedef struct gc_ctx {
    size_t nkeep;
    char (*hosts)[33];
    int64_t older_than, now;
    mi_store_gc_result *r;
} gc_ctx;

static mi_status do_gc(mi_store *s, void *ctx, mi_diag *d) {
    gc_ctx *c = ctx;
    memset(c->r, 0, sizeof *c->r);
    /* Placeholders only: the host keys themselves are bound. */
    size_t cap = 200 + c->nkeep * 4;
    char *sql = malloc(cap);
    if (sql == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    for (int pass = 0; pass < 2; pass++) {
        size_t k = (size_t)snprintf(sql, cap, "%s FROM translations WHERE (?1 AND last_used <= ?2)",
                                    pass == 0 ? "SELECT count(*), coalesce(sum(length(image)), 0)"
                                              : "DELETE");
        if (c->nkeep > 0) {
            k += (size_t)snprintf(sql + k, cap - k, " OR host NOT IN (");
            for (size_t i = 0; i < c->nkeep; i++)
                k += (size_t)snprintf(sql + k, cap - k, "%s?", i > 0 ? "," : "");
            snprintf(sql + k, cap - k, ")");
        }
        sqlite3_stmt *st;
        mi_status r = st_prep(s, &st, sql, d);
        if (r != MI_OK) { free(sql); return r; }
        sqlite3_bind_int(st, 1, c->older_than >= 0);
        /* now - older_than, computed unsigned to stay defined for any input */
        sqlite3_bind_int64(st, 2, (int64_t)((uint64_t)c->now -
                                            (uint64_t)(c->older_than >= 0 ? c->older_than : 0)));
        for (size_t i = 0; i < c->nkeep; i++) st_bind_text(st, 3 + (int)i, c->hosts[i]);
        int rc = sqlite3_step(st);
        if (pass == 0 && rc == SQLITE_ROW) {
            c->r->translations = (uint64_t)sqlite3_column_int64(st, 0);
            c->r->native_bytes = (uint64_t)sqlite3_column_int64(st, 1);
            rc = SQLITE_DONE;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) { free(sql); return st_sqlerr(s, rc, d, "object store: gc"); }
    }
    free(sql);
    return st_drop_unused_templates(s, &c->r->templates, &c->r->template_bytes, d);
}

mi_status mi_store_gc(mi_store *s, const char *const *keep, size_t nkeep, int64_t older_than,
                      int64_t now, mi_store_gc_result *r, mi_diag *d) {
    mi_store_gc_result dummy;
    if (nkeep > 100) return mi_diag_set(d, MI_E_ARG, "gc: too many hosts to keep");
    char hosts[100][33];
    for (size_t i = 0; i < nkeep; i++) mi_store_host_key(keep[i], hosts[i]);
    gc_ctx c;
    memset(&c, 0, sizeof c);
    c.nkeep = nkeep;
    c.hosts = hosts;
    c.older_than = older_than;
    c.now = now != 0 ? now : st_now();
    c.r = r != NULL ? r : &dummy;
    return st_txn(s, 1, do_gc, &c, d);
}
