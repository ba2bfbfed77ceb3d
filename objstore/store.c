/* Opening the store: checks before any write, schema creation and forward
 * migrations, the transaction runner with its busy retry, error mapping, names,
 * hashes and times. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include <xxhash.h>
#include "store_int.h"

/* ---- errors --------------------------------------------------------------- */

mi_status st_dberr(sqlite3 *db, int rc, mi_diag *d, const char *what) {
    const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_NOMEM:
        return mi_diag_set(d, MI_E_NOMEM, "%s: out of memory", what);
    case SQLITE_FULL:
        return mi_diag_set(d, MI_E_IO, "%s: the disk is full (nothing was changed)", what);
    case SQLITE_IOERR:
        return mi_diag_set(d, MI_E_IO, "%s: input/output error (%s; nothing was changed)",
                           what, msg);
    case SQLITE_NOTADB:
        return mi_diag_set(d, MI_E_STORE, "%s: the file is not an SQLite database", what);
    case SQLITE_CORRUPT:
        return mi_diag_set(d, MI_E_STORE, "%s: the database file is damaged (%s)", what, msg);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return mi_diag_set(d, MI_E_IO, "%s: %s", what, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        /* Only reached after the retry deadline in st_txn. */
        return mi_diag_set(d, MI_E_STORE, "%s: the store stayed in use by another process "
                           "for too long; try again", what);
    default:
        return mi_diag_set(d, MI_E_STORE, "%s: %s", what, msg);
    }
}

mi_status st_sqlerr(mi_store *s, int rc, mi_diag *d, const char *what) {
    s->rc = rc;
    return st_dberr(s->db, rc, d, what);
}

mi_status st_prep(mi_store *s, sqlite3_stmt **st, const char *sql, mi_diag *d) {
    *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) return st_sqlerr(s, rc, d, "object store");
    return MI_OK;
}

int st_bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v == NULL) return sqlite3_bind_null(st, i);
    return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

mi_status st_exec(mi_store *s, const char *sql, mi_diag *d) {
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) return st_sqlerr(s, rc, d, "object store");
    return MI_OK;
}

/* ---- transactions ---------------------------------------------------------- */

#define ST_RETRY_DEADLINE_MS 180000

static int is_busy(int rc) {
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void backoff(unsigned attempt, unsigned *seed) {
    unsigned cap = attempt < 8 ? (2u << attempt) : 250u; /* ms */
    unsigned ms = 1 + (unsigned)rand_r(seed) % cap;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void rollback(mi_store *s) {
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

mi_status st_txn(mi_store *s, int write, st_txn_fn fn, void *ctx, mi_diag *d) {
    int64_t deadline = mono_ms() + ST_RETRY_DEADLINE_MS;
    unsigned seed = (unsigned)getpid() ^ (unsigned)mono_ms();
    for (unsigned attempt = 0;; attempt++) {
        s->rc = SQLITE_OK;
        int rc = sqlite3_exec(s->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
        mi_status st;
        if (rc != SQLITE_OK) {
            st = st_sqlerr(s, rc, d, "object store");
        } else {
            st = fn(s, ctx, d);
            if (st == MI_OK) {
                rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
                if (rc == SQLITE_OK) return MI_OK;
                st = st_sqlerr(s, rc, d, "object store: commit");
            }
        }
        rollback(s);
        if (!is_busy(s->rc) || mono_ms() > deadline) return st;
        backoff(attempt, &seed);
    }
}

/* A statement outside any transaction (pragmas), retried while busy. */
static mi_status exec_retry(mi_store *s, const char *sql, mi_diag *d) {
    int64_t deadline = mono_ms() + ST_RETRY_DEADLINE_MS;
    unsigned seed = (unsigned)getpid() ^ (unsigned)mono_ms();
    for (unsigned attempt = 0;; attempt++) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK) return MI_OK;
        if (!is_busy(rc) || mono_ms() > deadline) return st_sqlerr(s, rc, d, s->path);
        backoff(attempt, &seed);
    }
}

/* ---- schema ------------------------------------------------------------------ */

#define NAME_CHECK(col)                                                              \
    "CHECK(length(" col ") BETWEEN 1 AND 10 AND " col " GLOB '[A-Z]*' AND "          \
    col " NOT GLOB '*[^A-Z0-9_$#@]*')"

/* migrations[k] takes a store from schema version k to k + 1. Version 0 is an
 * empty database. A new version appends an entry; entries are never edited. */
static const char *const migrations[MI_STORE_SCHEMA_VERSION] = {
    "CREATE TABLE libraries("
    "  name TEXT PRIMARY KEY NOT NULL " NAME_CHECK("name") ","
    "  created INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE templates("
    "  hash TEXT PRIMARY KEY NOT NULL CHECK(length(hash) = 32),"
    "  size INTEGER NOT NULL CHECK(size > 0),"
    "  sha256 TEXT NOT NULL CHECK(length(sha256) = 64),"
    "  mi_version INTEGER NOT NULL,"
    "  format_version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL"
    ");"
    "CREATE TABLE objects("
    "  lib TEXT NOT NULL REFERENCES libraries(name),"
    "  name TEXT NOT NULL " NAME_CHECK("name") ","
    "  tmpl TEXT NOT NULL REFERENCES templates(hash),"
    "  source_file TEXT,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY(lib, name)"
    ") WITHOUT ROWID;"
    "CREATE INDEX objects_tmpl ON objects(tmpl);"
    "CREATE TABLE translations("
    "  tmpl TEXT NOT NULL REFERENCES templates(hash) ON DELETE CASCADE,"
    "  host TEXT NOT NULL CHECK(length(host) = 32),"
    "  fingerprint TEXT NOT NULL,"
    "  image BLOB NOT NULL,"
    "  image_hash TEXT NOT NULL CHECK(length(image_hash) = 32),"
    "  translator TEXT NOT NULL,"
    "  runtime TEXT NOT NULL,"
    "  translate_ms INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  last_used INTEGER NOT NULL,"
    "  reason TEXT NOT NULL CHECK(reason IN ('first install', 'new host',"
    "    'new translator', 'integrity failure', 'forced')),"
    "  PRIMARY KEY(tmpl, host)"
    ");",
    /* 1 -> 2: where a template came from (NULL: mi install; else mi restore, with the
     * saving host's fingerprint or ''), for the reason of its first translation. */
    "ALTER TABLE templates ADD COLUMN origin TEXT;",
};

typedef struct header_info {
    int64_t app_id, user_version, ntables;
} header_info;

static mi_status read_header(mi_store *s, void *ctx, mi_diag *d) {
    header_info *h = ctx;
    static const char *const q[3] = {"PRAGMA application_id", "PRAGMA user_version",
                                     "SELECT count(*) FROM sqlite_schema"};
    int64_t *out[3] = {&h->app_id, &h->user_version, &h->ntables};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(s->db, q[i], -1, &st, NULL);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) *out[i] = sqlite3_column_int64(st, 0), rc = SQLITE_OK;
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_OK) return st_sqlerr(s, rc, d, s->path);
    }
    return MI_OK;
}

static mi_status check_header(mi_store *s, const header_info *h, mi_diag *d) {
    if ((uint32_t)h->app_id == MI_STORE_APP_ID) {
        if (h->user_version > MI_STORE_SCHEMA_VERSION)
            return mi_diag_set(d, MI_E_VERSION,
                               "%s: the object store has schema version %lld, newer than "
                               "version %d that this mi understands; use a newer mi",
                               s->path, (long long)h->user_version, MI_STORE_SCHEMA_VERSION);
        if (h->user_version < 0)
            return mi_diag_set(d, MI_E_STORE, "%s: invalid schema version %lld", s->path,
                               (long long)h->user_version);
        return MI_OK;
    }
    if (h->app_id == 0 && h->user_version == 0 && h->ntables == 0) return MI_OK; /* new */
    if ((uint32_t)h->app_id == MI_SAVE_APP_ID)
        return mi_diag_set(d, MI_E_STORE, "%s is an MI save file, not an object store "
                           "(use mi restore to load it)", s->path);
    return mi_diag_set(d, MI_E_STORE, "%s is an SQLite database of another application "
                       "(application_id 0x%08x), not an MI object store",
                       s->path, (unsigned)(uint32_t)h->app_id);
}

static mi_status migrate(mi_store *s, void *ctx, mi_diag *d) {
    (void)ctx;
    header_info h = {0, 0, 0};
    mi_status st = read_header(s, &h, d);
    if (st == MI_OK) st = check_header(s, &h, d); /* another process may have got here first */
    if (st != MI_OK) return st;
    for (int64_t v = h.user_version; v < MI_STORE_SCHEMA_VERSION; v++) {
        st = st_exec(s, migrations[v], d);
        if (st != MI_OK) return st;
    }
    if (h.user_version < MI_STORE_SCHEMA_VERSION) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %u; PRAGMA user_version = %d",
                 MI_STORE_APP_ID, MI_STORE_SCHEMA_VERSION);
        st = st_exec(s, sql, d);
    }
    return st;
}

/* ---- opening ------------------------------------------------------------------ */

mi_status mi_store_default_path(char **out, mi_diag *d) {
    *out = NULL;
    const char *env = getenv("MI_STORE");
    const char *base, *suffix;
    if (env != NULL && env[0] != '\0') base = env, suffix = "";
    else if ((base = getenv("XDG_DATA_HOME")) != NULL && base[0] == '/') suffix = "/mi/store.db";
    else if ((base = getenv("HOME")) != NULL && base[0] != '\0') suffix = "/.local/share/mi/store.db";
    else return mi_diag_set(d, MI_E_ARG, "no object store location: set MI_STORE or HOME, "
                            "or give --store PATH");
    size_t n = strlen(base) + strlen(suffix) + 1;
    *out = malloc(n);
    if (*out == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    snprintf(*out, n, "%s%s", base, suffix);
    return MI_OK;
}

static int mkdir_parents(const char *path) {
    char *p = strdup(path);
    if (p == NULL) return -1;
    char *slash = strrchr(p, '/');
    if (slash == NULL || slash == p) { free(p); return 0; }
    *slash = '\0';
    for (char *q = p + 1; *q != '\0'; q++) {
        if (*q != '/') continue;
        *q = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) { free(p); return -1; }
        *q = '/';
    }
    int r = (mkdir(p, 0777) != 0 && errno != EEXIST) ? -1 : 0;
    free(p);
    return r;
}

/* Look at the file before SQLite does, so that nothing is written to a file that
 * is not ours. The application id in the header is decisive only when it is not
 * zero: a store in WAL mode may still have a zero id in the main file while its
 * first transaction is only in the -wal file. */
static mi_status precheck(const char *path, unsigned flags, mi_diag *d) {
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return mi_diag_set(d, MI_E_IO, "%s: %s", path, strerror(errno));
        if (flags & MI_STORE_OPEN_NOCREATE)
            return mi_diag_set(d, MI_E_NOTFOUND, "no object store at %s (one is created by "
                               "the first mi crtlib or mi install)", path);
        if (mkdir_parents(path) != 0)
            return mi_diag_set(d, MI_E_IO, "cannot create the directory of %s: %s", path,
                               strerror(errno));
        return MI_OK;
    }
    if (S_ISDIR(sb.st_mode))
        return mi_diag_set(d, MI_E_STORE, "%s is a directory, not an MI object store", path);
    if (!S_ISREG(sb.st_mode))
        return mi_diag_set(d, MI_E_STORE, "%s is not a regular file, not an MI object store",
                           path);
    if (sb.st_size == 0) return MI_OK; /* being created by another process, or touched */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return mi_diag_set(d, MI_E_IO, "%s: %s", path, strerror(errno));
    unsigned char h[100];
    ssize_t got = read(fd, h, sizeof h);
    close(fd);
    if (got < 0) return mi_diag_set(d, MI_E_IO, "%s: %s", path, strerror(errno));
    if (got < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return mi_diag_set(d, MI_E_STORE, "%s is not an MI object store (not an SQLite "
                           "database)", path);
    uint32_t app = (uint32_t)h[68] << 24 | (uint32_t)h[69] << 16 | (uint32_t)h[70] << 8 | h[71];
    if (app == MI_SAVE_APP_ID)
        return mi_diag_set(d, MI_E_STORE, "%s is an MI save file, not an object store (use "
                           "mi restore to load it)", path);
    if (app != 0 && app != MI_STORE_APP_ID)
        return mi_diag_set(d, MI_E_STORE, "%s is an SQLite database of another application "
                           "(application_id 0x%08x), not an MI object store", path, app);
    return MI_OK;
}

mi_status mi_store_open(const char *path, unsigned flags, mi_store **out, mi_diag *d) {
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return mi_diag_set(d, MI_E_ARG, "no object store path given");
    int mem = strcmp(path, ":memory:") == 0;
    mi_status st = mem ? MI_OK : precheck(path, flags, d);
    if (st != MI_OK) return st;
    mi_store *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    }
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE;
    if (!(flags & MI_STORE_OPEN_NOCREATE)) oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
    if (rc != SQLITE_OK) {
        st = st_sqlerr(s, rc, d, path);
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, MI_STORE_BUSY_MS);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);

    header_info h = {0, 0, 0};
    st = st_txn(s, 0, read_header, &h, d);
    if (st == MI_OK) st = check_header(s, &h, d);
    if (st != MI_OK) goto fail;
    /* Ours (or empty): from here on we may write. */
    if (!mem) st = exec_retry(s, "PRAGMA journal_mode = WAL", d);
    if (st == MI_OK) st = exec_retry(s, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON", d);
    if (st == MI_OK && h.user_version < MI_STORE_SCHEMA_VERSION) st = st_txn(s, 1, migrate, NULL, d);
    if (st != MI_OK) goto fail;
    *out = s;
    return MI_OK;
fail:
    mi_store_close(s);
    return st;
}

void mi_store_close(mi_store *s) {
    if (s == NULL) return;
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}

const char *mi_store_path(const mi_store *s) { return s->path; }

void mi_store_set_host(mi_store *s, const char *fingerprint) {
    size_t n = fingerprint != NULL ? strlen(fingerprint) : 0;
    if (n >= sizeof s->host) n = 0;
    memcpy(s->host, fingerprint != NULL ? fingerprint : "", n);
    s->host[n] = '\0';
}

/* ---- names ----------------------------------------------------------------------- */

static int name_char(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           c == '#' || c == '@';
}

int st_name_ok(const char *in) {
    size_t n = strlen(in);
    if (n < 1 || n > MI_STORE_NAME_MAX || !(in[0] >= 'A' && in[0] <= 'Z')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!name_char((unsigned char)in[i])) return 0;
    return 1;
}

/* A printable, bounded rendering of untrusted text for messages. */
static void quote(const char *in, size_t n, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)in[i];
        if (i >= 40) { memcpy(out + o, "...", 3); o += 3; break; }
        if (c >= 0x20 && c < 0x7f) out[o++] = (char)c;
        else o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
    }
    out[o] = '\0';
}

static mi_status check_name_n(const char *in, size_t n, char *out, const char *what,
                              mi_diag *d) {
    char q[200];
    quote(in, n, q, sizeof q);
    if (n == 0) return mi_diag_set(d, MI_E_ARG, "missing %s name", what);
    if (n > MI_STORE_NAME_MAX)
        return mi_diag_set(d, MI_E_ARG, "%s name '%s' is too long (at most %d characters)",
                           what, q, MI_STORE_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 'a' && c <= 'z') c = (unsigned char)(c - 'a' + 'A');
        if (i == 0 && !(c >= 'A' && c <= 'Z'))
            return mi_diag_set(d, MI_E_ARG, "%s name '%s' must start with a letter", what, q);
        if (!name_char(c)) {
            char cq[16];
            quote(in + i, 1, cq, sizeof cq);
            return mi_diag_set(d, MI_E_ARG, "%s name '%s' contains '%s'; names are a letter "
                               "then letters, digits, _ $ # @", what, q, cq);
        }
        out[i] = (char)c;
    }
    out[n] = '\0';
    return MI_OK;
}

mi_status mi_store_check_name(const char *in, char out[MI_STORE_NAME_MAX + 1],
                              const char *what, mi_diag *d) {
    out[0] = '\0';
    if (in == NULL) return mi_diag_set(d, MI_E_ARG, "missing %s name", what);
    return check_name_n(in, strlen(in), out, what, d);
}

mi_status mi_store_parse_qname(const char *in, mi_qname *q, mi_diag *d) {
    q->lib[0] = q->pgm[0] = '\0';
    if (in == NULL) return mi_diag_set(d, MI_E_ARG, "missing program name");
    const char *slash = strchr(in, '/');
    if (slash == NULL) return check_name_n(in, strlen(in), q->pgm, "program", d);
    mi_status st = check_name_n(in, (size_t)(slash - in), q->lib, "library", d);
    if (st == MI_OK) st = check_name_n(slash + 1, strlen(slash + 1), q->pgm, "program", d);
    return st;
}

mi_status mi_store_parse_libspec(const char *in, mi_qname *q, mi_diag *d) {
    q->lib[0] = q->pgm[0] = '\0';
    if (in == NULL) return mi_diag_set(d, MI_E_ARG, "missing library name");
    const char *slash = strchr(in, '/');
    if (slash == NULL) return check_name_n(in, strlen(in), q->lib, "library", d);
    return mi_store_parse_qname(in, q, d);
}

mi_status mi_store_libl_parse(const char *text, mi_store_libl *l, mi_diag *d) {
    l->n = 0;
    if (text == NULL || text[0] == '\0') {
        memcpy(l->lib[0], MI_STORE_DEFAULT_LIB, sizeof MI_STORE_DEFAULT_LIB);
        l->n = 1;
        return MI_OK;
    }
    const char *p = text;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
        while (n > 0 && *p == ' ') p++, n--;
        while (n > 0 && p[n - 1] == ' ') n--;
        if (l->n == MI_STORE_LIBL_MAX)
            return mi_diag_set(d, MI_E_ARG, "library list has more than %d libraries",
                               MI_STORE_LIBL_MAX);
        char *dst = l->lib[l->n];
        mi_status st = check_name_n(p, n, dst, "library", d);
        if (st != MI_OK) return st;
        for (unsigned i = 0; i < l->n; i++)
            if (strcmp(l->lib[i], dst) == 0)
                return mi_diag_set(d, MI_E_ARG, "library %s appears twice in the library list",
                                   dst);
        l->n++;
        if (e == NULL) return MI_OK;
        p = e + 1;
    }
}

mi_status mi_store_name_from_path(const char *path, char out[MI_STORE_NAME_MAX + 1],
                                  mi_diag *d) {
    out[0] = '\0';
    const char *b = strrchr(path, '/');
    b = b != NULL ? b + 1 : path;
    const char *dot = strrchr(b, '.');
    size_t n = (dot != NULL && dot != b) ? (size_t)(dot - b) : strlen(b);
    mi_diag sub;
    if (check_name_n(b, n, out, "program", &sub) != MI_OK)
        return mi_diag_set(d, MI_E_ARG, "cannot derive a program name from %s (%s); give "
                           "--name NAME", path, sub.msg);
    return MI_OK;
}

/* ---- hashes and times ---------------------------------------------------------------- */

static void hex(const unsigned char *p, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void mi_store_xxh128_hex(const void *p, size_t n, char out[33]) {
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(n > 0 ? p : "", n));
    hex(c.digest, sizeof c.digest, out);
}

void mi_store_sha256_hex(const void *p, size_t n, char out[65]) {
    struct sha256_ctx c;
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, n, n > 0 ? p : (const void *)"");
    sha256_digest(&c, sizeof dg, dg);
    hex(dg, sizeof dg, out);
}

void mi_store_host_key(const char *fingerprint, char host[33]) {
    mi_store_xxh128_hex(fingerprint, strlen(fingerprint), host);
}

int64_t st_now(void) { return (int64_t)time(NULL); }

void st_iso_time(int64_t t, char *out, size_t n) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, n, "%lld", (long long)t);
}

int st_parse_iso_time(const char *s, int64_t *t) {
    int Y, M, D, h, m, sec;
    char z;
    int used = 0;
    if (strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &Y, &M, &D, &h, &m, &sec, &z, &used) != 7 ||
        used != 20 || z != 'Z' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 ||
        sec > 60 || Y < 1970)
        return -1;
    /* days from civil (Howard Hinnant's algorithm), no timegm/TZ dependence */
    int64_t y = Y - (M <= 2);
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (M + (M > 2 ? -3 : 9)) + 2) / 5 + D - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    *t = days * 86400 + h * 3600 + m * 60 + sec;
    return 0;
}
