/* Private to objstore/: the store handle, SQLite helpers, the transaction runner.
 * Not included outside objstore/. */
#ifndef MI_STORE_INT_H
#define MI_STORE_INT_H
#include <sqlite3.h>
#include "mi_store.h"

#define MI_STORE_PRODUCER "0.1.0" /* recorded as meta producer in save files */

struct mi_store {
    sqlite3 *db;
    char *path;
    int rc;          /* last failing SQLite rc seen by st_sqlerr (for the retry loop) */
    char host[MI_STORE_HOST_MAX]; /* mi_store_set_host; "" if not set */
};

/* Map a failing SQLite rc to mi_status with a message "what: sqlite text".
 * Records rc in s->rc so st_txn can tell a busy store from a real error. */
mi_status st_sqlerr(mi_store *s, int rc, mi_diag *d, const char *what);
/* The same for a bare connection (save files): db may be NULL. */
mi_status st_dberr(sqlite3 *db, int rc, mi_diag *d, const char *what);

/* Prepare one statement; on failure map the error. */
mi_status st_prep(mi_store *s, sqlite3_stmt **st, const char *sql, mi_diag *d);
/* Bind helpers return the SQLite rc. */
int st_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Run fn inside one transaction (write: BEGIN IMMEDIATE, else BEGIN), committing
 * if it returns MI_OK and rolling back otherwise. A busy/locked store (SQLITE_BUSY
 * or SQLITE_LOCKED at any step) is retried with a growing randomized pause until
 * a deadline, so it never reaches the caller as "database is locked". fn must be
 * restartable: it may run more than once. */
typedef mi_status (*st_txn_fn)(mi_store *s, void *ctx, mi_diag *d);
mi_status st_txn(mi_store *s, int write, st_txn_fn fn, void *ctx, mi_diag *d);
/* Execute SQL text without data (schema, pragmas). */
mi_status st_exec(mi_store *s, const char *sql, mi_diag *d);

int64_t st_now(void);
/* ISO 8601 UTC, "2025-01-31T12:00:00Z" (out: at least 32 bytes). */
void st_iso_time(int64_t t, char *out, size_t n);
/* Parse the form above; returns 0 on success. */
int st_parse_iso_time(const char *s, int64_t *t);

/* Within a write transaction: delete templates (and so their translations) that
 * no object uses; counts what went. */
mi_status st_drop_unused_templates(mi_store *s, uint64_t *count, uint64_t *bytes, mi_diag *d);

/* Within a write transaction: insert the template row if missing; if present,
 * its bytes must be the same (else MI_E_STORE: hash collision or damaged row).
 * origin: NULL when installing; when restoring, the saving host's fingerprint ("" if
 * unknown). It is written only with a new row: a template already here keeps its own
 * origin (one installed here stays "installed here"). */
mi_status st_put_template(mi_store *s, const char *hash, const uint8_t *bytes, size_t n,
                          const char *sha256, uint32_t mi_version, uint32_t format_version,
                          const char *origin, mi_diag *d);
/* Within a transaction: the library row exists -> MI_OK, else MI_E_NOTFOUND. */
mi_status st_lib_exists(mi_store *s, const char *lib, mi_diag *d);
/* Within a write transaction: create the library row if it does not exist;
 * *created := 1 if it did not. */
mi_status st_ensure_lib(mi_store *s, const char *lib, int *created, mi_diag *d);

/* Equivalent to the grammar check without a message: 1 if in is a valid
 * upper-case name already. */
int st_name_ok(const char *in);

#endif
