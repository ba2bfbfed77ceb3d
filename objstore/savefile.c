/* Save files: the archival and migration unit (format in mi-spec/store.md).
 * A save file is an SQLite database in rollback-journal mode with its own
 * application_id and user_version, holding templates (never native code) with
 * their metadata and SHA-256 fixity, plus a sidecar FILE.sha256 in sha256sum
 * format with the digest of the whole file.
 *
 * Save builds the database in memory, serializes it, and writes the bytes to a
 * temporary file renamed into place, so the digest is of exactly the bytes
 * written. Restore reads the whole file into memory (what is checked is what is
 * restored), checks everything, and only then writes to the store in one
 * transaction. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include "mi_template.h"
#include "store_int.h"

#define SAVE_FORMAT_NAME "MI save file"
#define SAVE_DIGEST_PREFIX "MI save content v1\n"

/* ---- collected content ----------------------------------------------------------- */

typedef struct sv_tmpl {
    char sha256[65], hash[33];
    uint64_t size;
    uint32_t mi_version, format_version;
    uint8_t *bytes;
} sv_tmpl;

typedef struct sv_obj {
    char lib[MI_STORE_NAME_MAX + 1], name[MI_STORE_NAME_MAX + 1];
    char tmpl[65];      /* store: xxh3-128 hash; save file: SHA-256 */
    char *source_file;  /* never NULL once collected ("" if none) */
    int64_t created;
} sv_obj;

typedef struct sv_lib {
    char name[MI_STORE_NAME_MAX + 1];
    int64_t created;
} sv_lib;

typedef struct sv_set {
    sv_tmpl *t;
    sv_obj *o;
    sv_lib *l;
    size_t nt, no, nl, capt, capo, capl;
    char host[MI_STORE_HOST_MAX]; /* meta host: the saving host's fingerprint, or "" */
} sv_set;

static void set_free(sv_set *s) {
    for (size_t i = 0; i < s->nt; i++) free(s->t[i].bytes);
    for (size_t i = 0; i < s->no; i++) free(s->o[i].source_file);
    free(s->t);
    free(s->o);
    free(s->l);
    memset(s, 0, sizeof *s);
}

static int grow(void **p, size_t *cap, size_t n, size_t elem) {
    if (n < *cap) return 0;
    size_t nc = *cap != 0 ? *cap * 2 : 16;
    if (nc > SIZE_MAX / elem) return -1;
    void *q = realloc(*p, nc * elem);
    if (q == NULL) return -1;
    memset((char *)q + *cap * elem, 0, (nc - *cap) * elem);
    *p = q;
    *cap = nc;
    return 0;
}

static sv_obj *add_obj(sv_set *s) {
    if (grow((void **)&s->o, &s->capo, s->no, sizeof *s->o) != 0) return NULL;
    return &s->o[s->no++];
}
static sv_tmpl *add_tmpl(sv_set *s) {
    if (grow((void **)&s->t, &s->capt, s->nt, sizeof *s->t) != 0) return NULL;
    return &s->t[s->nt++];
}
static sv_lib *add_lib(sv_set *s) {
    if (grow((void **)&s->l, &s->capl, s->nl, sizeof *s->l) != 0) return NULL;
    return &s->l[s->nl++];
}

static const char *ctext(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t != NULL ? (const char *)t : "";
}

static int cmp_obj(const void *a, const void *b) {
    const sv_obj *x = a, *y = b;
    int c = strcmp(x->lib, y->lib);
    return c != 0 ? c : strcmp(x->name, y->name);
}
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ---- the canonical content digest ------------------------------------------------------ */

static void dg_field(struct sha256_ctx *c, const char *p) {
    size_t n = strlen(p);
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = (uint8_t)((uint64_t)n >> (8 * i));
    sha256_update(c, sizeof len, len);
    if (n > 0) sha256_update(c, n, (const uint8_t *)p);
}

/* SHA-256 over: the prefix, then per row (in the order below) a one-byte tag and
 * each column as field(text) = u64 little-endian byte length + bytes. Integers
 * are in decimal text. The template bytes are covered by their SHA-256 column. */
static mi_status content_digest(sqlite3 *db, char out[65], mi_diag *d) {
    static const struct { char tag; int ncol; const char *sql; } q[4] = {
        {'M', 2, "SELECT key, value FROM meta WHERE key NOT IN ('content_sha256', "
                 "'file_sha256') ORDER BY key"},
        {'L', 2, "SELECT name, created FROM libraries ORDER BY name"},
        {'T', 5, "SELECT sha256, xxh3_128, size, mi_version, format_version FROM templates "
                 "ORDER BY sha256"},
        {'O', 5, "SELECT lib, name, template_sha256, source_file, created FROM objects "
                 "ORDER BY lib, name"},
    };
    struct sha256_ctx c;
    sha256_init(&c);
    sha256_update(&c, strlen(SAVE_DIGEST_PREFIX), (const uint8_t *)SAVE_DIGEST_PREFIX);
    for (int k = 0; k < 4; k++) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, q[k].sql, -1, &st, NULL);
        if (rc != SQLITE_OK) return st_dberr(db, rc, d, "save file");
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            uint8_t tag = (uint8_t)q[k].tag;
            sha256_update(&c, 1, &tag);
            for (int i = 0; i < q[k].ncol; i++) dg_field(&c, ctext(st, i));
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return st_dberr(db, rc, d, "save file");
    }
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_digest(&c, sizeof dg, dg);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(out + 2 * i, 3, "%02x", dg[i]);
    return MI_OK;
}

/* ---- save: collect from the store -------------------------------------------------------- */

typedef struct save_ctx {
    const mi_qname *items;
    size_t nitems;
    sv_set set;
} save_ctx;

static mi_status collect_objects(mi_store *s, save_ctx *c, const mi_qname *q, mi_diag *d) {
    sqlite3_stmt *st;
    mi_status r = st_lib_exists(s, q->lib, d);
    if (r != MI_OK) return r;
    r = st_prep(s, &st, "SELECT lib, name, tmpl, source_file, created FROM objects "
                        "WHERE lib = ?1 AND (?2 IS NULL OR name = ?2)", d);
    if (r != MI_OK) return r;
    st_bind_text(st, 1, q->lib);
    st_bind_text(st, 2, q->pgm[0] != '\0' ? q->pgm : NULL);
    int rc, found = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sv_obj *o = add_obj(&c->set);
        if (o == NULL || (o->source_file = strdup(ctext(st, 3))) == NULL) {
            sqlite3_finalize(st);
            return mi_diag_set(d, MI_E_NOMEM, "out of memory");
        }
        snprintf(o->lib, sizeof o->lib, "%s", ctext(st, 0));
        snprintf(o->name, sizeof o->name, "%s", ctext(st, 1));
        snprintf(o->tmpl, sizeof o->tmpl, "%s", ctext(st, 2));
        o->created = sqlite3_column_int64(st, 4);
        found++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
    if (q->pgm[0] != '\0' && found == 0)
        return mi_diag_set(d, MI_E_NOTFOUND, "%s/%s not found", q->lib, q->pgm);
    return MI_OK;
}

static mi_status do_collect(mi_store *s, void *ctx, mi_diag *d) {
    save_ctx *c = ctx;
    set_free(&c->set);
    mi_status r = MI_OK;
    for (size_t i = 0; i < c->nitems && r == MI_OK; i++) r = collect_objects(s, c, &c->items[i], d);
    if (r != MI_OK) return r;
    sv_set *set = &c->set;
    /* The same object named twice (LIB and LIB/PGM) is saved once. */
    if (set->no > 0) qsort(set->o, set->no, sizeof *set->o, cmp_obj);
    size_t k = 0;
    for (size_t i = 0; i < set->no; i++) {
        if (k > 0 && cmp_obj(&set->o[k - 1], &set->o[i]) == 0) {
            free(set->o[i].source_file);
            continue;
        }
        set->o[k++] = set->o[i];
    }
    set->no = k;
    /* Libraries: every library named (a whole empty library is saved too). */
    for (size_t i = 0; i < c->nitems; i++) {
        int dup = 0;
        for (size_t j = 0; j < set->nl; j++) dup |= strcmp(set->l[j].name, c->items[i].lib) == 0;
        if (dup) continue;
        sqlite3_stmt *st;
        r = st_prep(s, &st, "SELECT created FROM libraries WHERE name = ?1", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, c->items[i].lib);
        int rc = sqlite3_step(st);
        sv_lib *l = rc == SQLITE_ROW ? add_lib(set) : NULL;
        if (l != NULL) {
            memcpy(l->name, c->items[i].lib, sizeof l->name);
            l->created = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW) return st_sqlerr(s, rc, d, "object store");
        if (l == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    }
    /* Distinct templates. */
    const char **hashes = malloc((set->no > 0 ? set->no : 1) * sizeof *hashes);
    if (hashes == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    for (size_t i = 0; i < set->no; i++) hashes[i] = set->o[i].tmpl;
    if (set->no > 0) qsort(hashes, set->no, sizeof *hashes, cmp_str);
    for (size_t i = 0; i < set->no && r == MI_OK; i++) {
        if (i > 0 && strcmp(hashes[i], hashes[i - 1]) == 0) continue;
        sqlite3_stmt *st;
        r = st_prep(s, &st, "SELECT sha256, size, mi_version, format_version, bytes FROM "
                            "templates WHERE hash = ?1", d);
        if (r != MI_OK) break;
        st_bind_text(st, 1, hashes[i]);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            sv_tmpl *t = add_tmpl(set);
            size_t n = (size_t)sqlite3_column_bytes(st, 4);
            if (t == NULL || (t->bytes = malloc(n > 0 ? n : 1)) == NULL) {
                r = mi_diag_set(d, MI_E_NOMEM, "out of memory");
            } else {
                if (n > 0) memcpy(t->bytes, sqlite3_column_blob(st, 4), n);
                t->size = n;
                snprintf(t->hash, sizeof t->hash, "%s", hashes[i]);
                snprintf(t->sha256, sizeof t->sha256, "%s", ctext(st, 0));
                t->mi_version = (uint32_t)sqlite3_column_int64(st, 2);
                t->format_version = (uint32_t)sqlite3_column_int64(st, 3);
                if ((uint64_t)sqlite3_column_int64(st, 1) != n)
                    r = mi_diag_set(d, MI_E_STORE, "template %s: stored size does not match "
                                    "its bytes; run mi verify", hashes[i]);
            }
        } else if (rc == SQLITE_DONE) {
            r = mi_diag_set(d, MI_E_STORE, "template %s is missing from the store; run mi verify",
                            hashes[i]);
        } else {
            r = st_sqlerr(s, rc, d, "object store");
        }
        sqlite3_finalize(st);
    }
    free(hashes);
    return r;
}

/* What leaves the store must be restorable: recheck each template as restore will. */
static mi_status check_outgoing(const sv_set *set, mi_diag *d) {
    for (size_t i = 0; i < set->nt; i++) {
        const sv_tmpl *t = &set->t[i];
        char h[65];
        mi_store_xxh128_hex(t->bytes, t->size, h);
        int bad = strcmp(h, t->hash) != 0;
        mi_store_sha256_hex(t->bytes, t->size, h);
        bad |= strcmp(h, t->sha256) != 0;
        mi_template tm;
        mi_template_init(&tm);
        mi_diag sub = {{0}};
        if (!bad && mi_template_load(t->bytes, t->size, &tm, &sub) != MI_OK)
            return mi_diag_set(d, MI_E_STORE, "template %s in the store fails to load (%s); "
                               "nothing was saved; run mi verify", t->hash, sub.msg);
        mi_template_free(&tm);
        if (bad)
            return mi_diag_set(d, MI_E_STORE, "template %s in the store does not match its "
                               "recorded hashes; nothing was saved; run mi verify", t->hash);
    }
    return MI_OK;
}

/* ---- the whole-file digest kept inside the file ------------------------------------------
 * meta file_sha256 is the SHA-256 of the whole file in which the 64 characters of
 * that value are replaced by 64 ASCII '0'. With it a single changed byte anywhere,
 * also in parts SQLite never reads, is found without the sidecar. */

#define ZEROS64 "0000000000000000000000000000000000000000000000000000000000000000"

/* The placeholder written first: a hex string no template can be expected to hold. */
static void file_marker(const char content[65], char marker[65]) {
    char seed[96]; /* "file_sha256 marker " (19) + 64 hex + NUL */
    snprintf(seed, sizeof seed, "file_sha256 marker %s", content);
    mi_store_sha256_hex(seed, strlen(seed), marker);
}

/* Offset of the only occurrence of the 64 bytes h in p, or SIZE_MAX if there is
 * not exactly one. */
static size_t find_once(const uint8_t *p, size_t n, const char *h) {
    size_t at = SIZE_MAX;
    for (size_t i = 0; i + 64 <= n; i++) {
        if (p[i] != (uint8_t)h[0] || memcmp(p + i, h, 64) != 0) continue;
        if (at != SIZE_MAX) return SIZE_MAX;
        at = i;
    }
    return at;
}

/* SHA-256 of p with the 64 bytes at off read as '0'. */
static void sealed_digest(const uint8_t *p, size_t n, size_t off, char out[65]) {
    struct sha256_ctx c;
    uint8_t dg[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, off, p);
    sha256_update(&c, 64, (const uint8_t *)ZEROS64);
    sha256_update(&c, n - off - 64, p + off + 64);
    sha256_digest(&c, sizeof dg, dg);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(out + 2 * i, 3, "%02x", dg[i]);
}

static mi_status seal_file_digest(uint8_t *p, size_t n, const char content[65], mi_diag *d) {
    char marker[65], dg[65];
    file_marker(content, marker);
    size_t off = find_once(p, n, marker);
    if (off == SIZE_MAX)
        return mi_diag_set(d, MI_E_INTERNAL, "save: cannot place the file digest");
    sealed_digest(p, n, off, dg);
    memcpy(p + off, dg, 64);
    return MI_OK;
}

/* ---- save: build and write the file ---------------------------------------------------------- */

static const char save_schema[] =
    "PRAGMA page_size = 4096;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE libraries(name TEXT PRIMARY KEY NOT NULL, created TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE templates(sha256 TEXT PRIMARY KEY NOT NULL, xxh3_128 TEXT NOT NULL UNIQUE,"
    "  size INTEGER NOT NULL, mi_version INTEGER NOT NULL, format_version INTEGER NOT NULL,"
    "  bytes BLOB NOT NULL);"
    "CREATE TABLE objects(lib TEXT NOT NULL REFERENCES libraries(name), name TEXT NOT NULL,"
    "  template_sha256 TEXT NOT NULL REFERENCES templates(sha256), source_file TEXT NOT NULL,"
    "  created TEXT NOT NULL, PRIMARY KEY(lib, name)) WITHOUT ROWID;";

static const char save_description[] =
    "MI save file: an SQLite 3 database (mi-spec/store.md). Table templates holds MI program "
    "templates (format: mi-spec/mi-v1.md section 14) with the SHA-256 of each; objects names "
    "them LIB/PGM; meta content_sha256 is the canonical content digest; FILE.sha256 beside "
    "the file holds the SHA-256 of the whole file. No native code is ever stored here.";

static int bind_run(sqlite3 *db, const char *sql, const char *const *txt, int ntxt,
                    const int64_t *ints, int nints, const sv_tmpl *blob) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK) return rc;
    int i = 1;
    for (int k = 0; k < ntxt; k++) st_bind_text(st, i++, txt[k]);
    for (int k = 0; k < nints; k++) sqlite3_bind_int64(st, i++, ints[k]);
    if (blob != NULL) sqlite3_bind_blob64(st, i++, blob->bytes, blob->size, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int put_meta(sqlite3 *db, const char *key, const char *value) {
    const char *t[2] = {key, value};
    return bind_run(db, "INSERT INTO meta(key, value) VALUES (?1, ?2)", t, 2, NULL, 0, NULL);
}

static mi_status build_save_db(const sv_set *set, sqlite3 **out, char content[65], mi_diag *d) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) { sqlite3_close(db); return st_dberr(NULL, rc, d, "save file"); }
    char sql[128], num[32], iso[32];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %u; PRAGMA user_version = %d;",
             MI_SAVE_APP_ID, MI_SAVE_FORMAT_VERSION);
    rc = sqlite3_exec(db, save_schema, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    uint32_t maxv = 0, maxf = 0;
    for (size_t i = 0; i < set->nl && rc == SQLITE_OK; i++) {
        st_iso_time(set->l[i].created, iso, sizeof iso);
        const char *t[2] = {set->l[i].name, iso};
        rc = bind_run(db, "INSERT INTO libraries(name, created) VALUES (?1, ?2)", t, 2, NULL, 0,
                      NULL);
    }
    for (size_t i = 0; i < set->nt && rc == SQLITE_OK; i++) {
        const sv_tmpl *tp = &set->t[i];
        const char *t[2] = {tp->sha256, tp->hash};
        int64_t v[3] = {(int64_t)tp->size, tp->mi_version, tp->format_version};
        if (tp->mi_version > maxv) maxv = tp->mi_version;
        if (tp->format_version > maxf) maxf = tp->format_version;
        rc = bind_run(db, "INSERT INTO templates(sha256, xxh3_128, size, mi_version, "
                          "format_version, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", t, 2, v, 3, tp);
    }
    for (size_t i = 0; i < set->no && rc == SQLITE_OK; i++) {
        const sv_obj *o = &set->o[i];
        const char *sha = "";
        for (size_t k = 0; k < set->nt; k++)
            if (strcmp(set->t[k].hash, o->tmpl) == 0) sha = set->t[k].sha256;
        st_iso_time(o->created, iso, sizeof iso);
        const char *t[5] = {o->lib, o->name, sha, o->source_file, iso};
        rc = bind_run(db, "INSERT INTO objects(lib, name, template_sha256, source_file, created) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)", t, 5, NULL, 0, NULL);
    }
    st_iso_time(st_now(), iso, sizeof iso);
    if (rc == SQLITE_OK) rc = put_meta(db, "format", SAVE_FORMAT_NAME);
    snprintf(num, sizeof num, "%d", MI_SAVE_FORMAT_VERSION);
    if (rc == SQLITE_OK) rc = put_meta(db, "format_version", num);
    if (rc == SQLITE_OK) rc = put_meta(db, "created", iso);
    if (rc == SQLITE_OK) rc = put_meta(db, "producer", "mi " MI_STORE_PRODUCER);
    if (rc == SQLITE_OK) rc = put_meta(db, "description", save_description);
    /* Optional (a file without it is still format version 1): where the programs were
     * saved from, so that restore can tell a new host from a first install. */
    if (rc == SQLITE_OK && set->host[0] != '\0') rc = put_meta(db, "host", set->host);
    snprintf(num, sizeof num, "%u", (unsigned)maxv);
    if (rc == SQLITE_OK) rc = put_meta(db, "mi_version", num);
    snprintf(num, sizeof num, "%u", (unsigned)maxf);
    if (rc == SQLITE_OK) rc = put_meta(db, "template_format_version", num);
    snprintf(num, sizeof num, "%zu", set->no);
    if (rc == SQLITE_OK) rc = put_meta(db, "object_count", num);
    snprintf(num, sizeof num, "%zu", set->nt);
    if (rc == SQLITE_OK) rc = put_meta(db, "template_count", num);
    snprintf(num, sizeof num, "%zu", set->nl);
    if (rc == SQLITE_OK) rc = put_meta(db, "library_count", num);
    mi_status r = MI_OK;
    if (rc == SQLITE_OK) r = content_digest(db, content, d);
    if (rc == SQLITE_OK && r == MI_OK) rc = put_meta(db, "content_sha256", content);
    /* A placeholder that seal_file_digest finds and overwrites. */
    char marker[65];
    if (rc == SQLITE_OK && r == MI_OK) {
        file_marker(content, marker);
        rc = put_meta(db, "file_sha256", marker);
    }
    if (rc == SQLITE_OK && r == MI_OK) rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) r = st_dberr(db, rc, d, "building the save file");
    if (r != MI_OK) {
        sqlite3_close(db);
        return r;
    }
    *out = db;
    return MI_OK;
}

static mi_status write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return MI_E_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return MI_OK;
}

/* Write bytes to path through a temporary file in the same directory, renamed
 * into place once complete and synced: path is either the old or the new file. */
static mi_status write_atomic(const char *path, const uint8_t *p, size_t n, mi_diag *d) {
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (tmp == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    snprintf(tmp, len, "%s.tmp-%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        mi_status r = mi_diag_set(d, MI_E_IO, "cannot write %s: %s", path, strerror(errno));
        free(tmp);
        return r;
    }
    int err = 0;
    if (write_all(fd, p, n) != MI_OK || fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp, path) != 0) err = errno;
    if (err != 0) {
        unlink(tmp);
        free(tmp);
        return mi_diag_set(d, MI_E_IO, "cannot write %s: %s (nothing was written)", path,
                           strerror(err));
    }
    free(tmp);
    return MI_OK;
}

static const char *base_name(const char *path) {
    const char *b = strrchr(path, '/');
    return b != NULL ? b + 1 : path;
}

mi_status mi_store_save(mi_store *s, const mi_qname *items, size_t nitems, const char *path,
                        mi_store_save_result *res, mi_diag *d) {
    mi_store_save_result dummy;
    if (res == NULL) res = &dummy;
    memset(res, 0, sizeof *res);
    if (nitems == 0) return mi_diag_set(d, MI_E_ARG, "save: nothing to save (name a library "
                                        "or LIB/PGM)");
    if (path == NULL || path[0] == '\0') return mi_diag_set(d, MI_E_ARG, "save: no output file");
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return mi_diag_set(d, MI_E_ARG, "save: %s is a directory", path);
    mi_qname *norm = calloc(nitems, sizeof *norm);
    if (norm == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    mi_status r = MI_OK;
    for (size_t i = 0; i < nitems && r == MI_OK; i++) {
        r = mi_store_check_name(items[i].lib, norm[i].lib, "library", d);
        if (r == MI_OK && items[i].pgm[0] != '\0')
            r = mi_store_check_name(items[i].pgm, norm[i].pgm, "program", d);
    }
    save_ctx c;
    memset(&c, 0, sizeof c);
    c.items = norm;
    c.nitems = nitems;
    if (r == MI_OK) r = st_txn(s, 0, do_collect, &c, d);
    if (r == MI_OK) r = check_outgoing(&c.set, d);
    memcpy(c.set.host, s->host, sizeof c.set.host);
    sqlite3 *db = NULL;
    if (r == MI_OK) r = build_save_db(&c.set, &db, res->content_sha256, d);
    if (r == MI_OK) {
        sqlite3_int64 sz = 0;
        unsigned char *bytes = sqlite3_serialize(db, "main", &sz, 0);
        if (bytes == NULL || sz < 100) {
            r = mi_diag_set(d, MI_E_NOMEM, "save: cannot serialize the save file");
        } else if (bytes[18] != 1 || bytes[19] != 1) {
            r = mi_diag_set(d, MI_E_INTERNAL, "save: serialized file is not in rollback-journal "
                            "mode");
        } else if ((r = seal_file_digest(bytes, (size_t)sz, res->content_sha256, d)) == MI_OK) {
            mi_store_sha256_hex(bytes, (size_t)sz, res->sha256);
            r = write_atomic(path, bytes, (size_t)sz, d);
            if (r == MI_OK) {
                size_t len = strlen(path) + 8;
                char *side = malloc(len);
                char line[600];
                int ln = snprintf(line, sizeof line, "%s  %.500s\n", res->sha256,
                                  base_name(path));
                if (side == NULL) {
                    r = mi_diag_set(d, MI_E_NOMEM, "out of memory");
                } else {
                    snprintf(side, len, "%s.sha256", path);
                    r = write_atomic(side, (const uint8_t *)line, (size_t)ln, d);
                    free(side);
                }
            }
            res->file_bytes = (uint64_t)sz;
            res->objects = c.set.no;
            res->templates = c.set.nt;
        }
        sqlite3_free(bytes);
    }
    sqlite3_close(db);
    set_free(&c.set);
    free(norm);
    return r;
}

/* ---- restore: read and check the file --------------------------------------------------------- */

static int hex_ok(const char *h, size_t n) {
    if (strlen(h) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return 0;
    return 1;
}

/* The objects using template sha (for messages): "LIB/PGM, ..." */
static void users_of(const sv_set *set, const char *sha, char *out, size_t cap) {
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < set->no && o + 24 < cap; i++) {
        if (strcmp(set->o[i].tmpl, sha) != 0) continue;
        o += (size_t)snprintf(out + o, cap - o, "%s%s/%s", o > 0 ? ", " : "", set->o[i].lib,
                              set->o[i].name);
    }
    if (o == 0) snprintf(out, cap, "no object");
}

static mi_status bad(const char *name, mi_diag *d, const char *why, const char *detail) {
    return mi_diag_set(d, MI_E_FORMAT, "save file %s refused, nothing was restored: %s%s",
                       name, why, detail);
}

static mi_status read_meta(sqlite3 *db, const char *name, char content[65], char file[65],
                           uint64_t counts[3], mi_diag *d) {
    static const char *const keys[] = {"format", "format_version", "content_sha256",
                                       "object_count", "template_count", "library_count",
                                       "file_sha256"};
    char val[7][80];
    for (int i = 0; i < 7; i++) {
        sqlite3_stmt *st;
        int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL);
        if (rc != SQLITE_OK) return bad(name, d, "it has no meta table", "");
        st_bind_text(st, 1, keys[i]);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) snprintf(val[i], sizeof val[i], "%s", ctext(st, 0));
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW) {
            char det[80];
            snprintf(det, sizeof det, " (meta key %s)", keys[i]);
            return bad(name, d, "a required meta entry is missing", det);
        }
    }
    if (strcmp(val[0], SAVE_FORMAT_NAME) != 0) return bad(name, d, "meta format is not '"
                                                          SAVE_FORMAT_NAME "'", "");
    char *end;
    unsigned long fv = strtoul(val[1], &end, 10);
    if (*end != '\0' || val[1][0] == '\0') return bad(name, d, "malformed meta format_version", "");
    if (fv > MI_SAVE_FORMAT_VERSION)
        return mi_diag_set(d, MI_E_VERSION, "save file %s has format version %lu, newer than "
                           "version %d that this mi reads; use a newer mi", name, fv,
                           MI_SAVE_FORMAT_VERSION);
    if (!hex_ok(val[2], 64)) return bad(name, d, "malformed meta content_sha256", "");
    memcpy(content, val[2], 65);
    if (!hex_ok(val[6], 64)) return bad(name, d, "malformed meta file_sha256", "");
    memcpy(file, val[6], 65);
    for (int i = 0; i < 3; i++) {
        errno = 0;
        counts[i] = strtoull(val[3 + i], &end, 10);
        if (*end != '\0' || val[3 + i][0] == '\0' || errno != 0)
            return bad(name, d, "malformed meta count", "");
    }
    return MI_OK;
}

/* The optional meta host into host ("" when absent: files of mi before store schema 2).
 * Fingerprint texts are printable ASCII, fields separated by single blanks. */
static mi_status read_meta_host(sqlite3 *db, const char *name, char host[MI_STORE_HOST_MAX],
                                mi_diag *d) {
    host[0] = '\0';
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'host'", -1, &st, NULL);
    if (rc != SQLITE_OK) return bad(name, d, "it has no meta table", "");
    rc = sqlite3_step(st);
    mi_status r = MI_OK;
    if (rc == SQLITE_ROW) {
        const char *v = ctext(st, 0);
        size_t n = strlen(v);
        int ok = n > 0 && n < MI_STORE_HOST_MAX && sqlite3_column_bytes(st, 0) == (int)n;
        for (size_t i = 0; ok && i < n; i++) ok = v[i] >= 0x20 && v[i] <= 0x7e;
        if (ok) memcpy(host, v, n + 1);
        else r = bad(name, d, "malformed meta host", "");
    } else if (rc != SQLITE_DONE) {
        r = st_dberr(db, rc, d, name);
    }
    sqlite3_finalize(st);
    return r;
}

static mi_status read_file_content(sqlite3 *db, const char *name, sv_set *set, mi_diag *d) {
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, "SELECT name, created FROM libraries ORDER BY name", -1,
                                &st, NULL);
    if (rc != SQLITE_OK) return bad(name, d, "it has no libraries table", "");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sv_lib *l = add_lib(set);
        if (l == NULL) { sqlite3_finalize(st); return mi_diag_set(d, MI_E_NOMEM, "out of memory"); }
        const char *nm = ctext(st, 0);
        if (!st_name_ok(nm) || st_parse_iso_time(ctext(st, 1), &l->created) != 0) {
            sqlite3_finalize(st);
            return bad(name, d, "a libraries row is malformed", "");
        }
        memcpy(l->name, nm, strlen(nm) + 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_dberr(db, rc, d, name);

    rc = sqlite3_prepare_v2(db, "SELECT lib, name, template_sha256, source_file, created, "
                                "typeof(source_file) FROM objects ORDER BY lib, name", -1, &st, NULL);
    if (rc != SQLITE_OK) return bad(name, d, "it has no objects table", "");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        sv_obj *o = add_obj(set);
        if (o == NULL || (o->source_file = strdup(ctext(st, 3))) == NULL) {
            sqlite3_finalize(st);
            return mi_diag_set(d, MI_E_NOMEM, "out of memory");
        }
        const char *lib = ctext(st, 0), *nm = ctext(st, 1), *sha = ctext(st, 2);
        char det[120];
        snprintf(det, sizeof det, " (object %.12s/%.12s)", lib, nm);
        if (!st_name_ok(lib) || !st_name_ok(nm) || !hex_ok(sha, 64) ||
            st_parse_iso_time(ctext(st, 4), &o->created) != 0 ||
            strcmp(ctext(st, 5), "text") != 0) {
            sqlite3_finalize(st);
            return bad(name, d, "an objects row is malformed", det);
        }
        memcpy(o->lib, lib, strlen(lib) + 1);
        memcpy(o->name, nm, strlen(nm) + 1);
        memcpy(o->tmpl, sha, 65);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return st_dberr(db, rc, d, name);

    rc = sqlite3_prepare_v2(db, "SELECT sha256, xxh3_128, size, mi_version, format_version, bytes, "
                                "typeof(size), typeof(mi_version), typeof(format_version), "
                                "typeof(bytes) FROM templates ORDER BY sha256", -1, &st, NULL);
    if (rc != SQLITE_OK) return bad(name, d, "it has no templates table", "");
    mi_status r = MI_OK;
    while (r == MI_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sha = ctext(st, 0), *xh = ctext(st, 1);
        char who[400], det[560], h[65];
        users_of(set, hex_ok(sha, 64) ? sha : "-", who, sizeof who);
        snprintf(det, sizeof det, " (template %.16s..., used by %s)", sha, who);
        if (!hex_ok(sha, 64) || !hex_ok(xh, 32) || strcmp(ctext(st, 6), "integer") != 0 ||
            strcmp(ctext(st, 7), "integer") != 0 || strcmp(ctext(st, 8), "integer") != 0 ||
            strcmp(ctext(st, 9), "blob") != 0) {
            r = bad(name, d, "a templates row is malformed", det);
            break;
        }
        const uint8_t *bytes = sqlite3_column_blob(st, 5);
        size_t n = (size_t)sqlite3_column_bytes(st, 5);
        mi_store_sha256_hex(bytes, n, h);
        if (strcmp(h, sha) != 0) { r = bad(name, d, "template bytes do not match their SHA-256", det); break; }
        mi_store_xxh128_hex(bytes, n, h);
        if (strcmp(h, xh) != 0) { r = bad(name, d, "template bytes do not match their xxh3-128", det); break; }
        if ((uint64_t)sqlite3_column_int64(st, 2) != n) { r = bad(name, d, "template size does not match", det); break; }
        mi_template t;
        mi_template_init(&t);
        mi_diag sub = {{0}};
        mi_status lr = mi_template_load(bytes, n, &t, &sub);
        if (lr != MI_OK) {
            r = mi_diag_set(d, lr, "save file %s refused, nothing was restored: %s does not load: "
                            "%s", name, who, sub.msg);
            break;
        }
        int vok = t.mi_version == sqlite3_column_int64(st, 3) &&
                  t.format_version == sqlite3_column_int64(st, 4);
        sv_tmpl *tp = add_tmpl(set);
        if (tp != NULL) {
            tp->mi_version = t.mi_version;
            tp->format_version = t.format_version;
        }
        mi_template_free(&t);
        if (!vok) { r = bad(name, d, "template versions do not match its header", det); break; }
        if (tp == NULL || (tp->bytes = malloc(n)) == NULL) {
            r = mi_diag_set(d, MI_E_NOMEM, "out of memory");
            break;
        }
        memcpy(tp->bytes, bytes, n);
        tp->size = n;
        memcpy(tp->sha256, sha, 65);
        memcpy(tp->hash, xh, 33);
    }
    sqlite3_finalize(st);
    if (r != MI_OK) return r;
    if (rc != SQLITE_DONE) return st_dberr(db, rc, d, name);

    /* Every object's template and library are in the file; every template is used. */
    for (size_t i = 0; i < set->no; i++) {
        int tf = 0, lf = 0;
        for (size_t k = 0; k < set->nt && !tf; k++) tf = strcmp(set->t[k].sha256, set->o[i].tmpl) == 0;
        for (size_t k = 0; k < set->nl && !lf; k++) lf = strcmp(set->l[k].name, set->o[i].lib) == 0;
        char det[80];
        snprintf(det, sizeof det, " (object %s/%s)", set->o[i].lib, set->o[i].name);
        if (!tf) return bad(name, d, "an object's template is missing", det);
        if (!lf) return bad(name, d, "an object's library is missing", det);
    }
    for (size_t k = 0; k < set->nt; k++) {
        int used = 0;
        for (size_t i = 0; i < set->no && !used; i++) used = strcmp(set->t[k].sha256, set->o[i].tmpl) == 0;
        if (!used) return bad(name, d, "a template is used by no object", "");
    }
    return MI_OK;
}

/* The file's schema must be exactly the one save writes: no views, triggers or
 * other tables, whose evaluation a crafted file could use to make restore run
 * for ever or read something else than the tables below. */
static mi_status schema_text(sqlite3 *db, char **out, mi_diag *d) {
    sqlite3_stmt *st;
    *out = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM "
                                    "sqlite_schema ORDER BY type, name", -1, &st, NULL);
    if (rc != SQLITE_OK) return st_dberr(db, rc, d, "save file");
    size_t n = 0, cap = 1024;
    char *buf = malloc(cap);
    if (buf == NULL) { sqlite3_finalize(st); return mi_diag_set(d, MI_E_NOMEM, "out of memory"); }
    buf[0] = '\0';
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < 4; i++) {
            const char *t = ctext(st, i);
            size_t len = strlen(t);
            if (n + len + 2 > cap) {
                while (n + len + 2 > cap) cap *= 2;
                char *nb = realloc(buf, cap);
                if (nb == NULL) {
                    free(buf);
                    sqlite3_finalize(st);
                    return mi_diag_set(d, MI_E_NOMEM, "out of memory");
                }
                buf = nb;
            }
            memcpy(buf + n, t, len);
            n += len;
            buf[n++] = i < 3 ? '\t' : '\n';
            buf[n] = '\0';
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(buf);
        return st_dberr(db, rc, d, "save file");
    }
    *out = buf;
    return MI_OK;
}

static mi_status check_schema(sqlite3 *db, const char *name, mi_diag *d) {
    sqlite3 *ref = NULL;
    char *want = NULL, *got = NULL;
    int rc = sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL);
    mi_status r = rc == SQLITE_OK ? MI_OK : st_dberr(NULL, rc, d, "save file");
    if (r == MI_OK && (rc = sqlite3_exec(ref, save_schema, NULL, NULL, NULL)) != SQLITE_OK)
        r = st_dberr(ref, rc, d, "save file");
    if (r == MI_OK) r = schema_text(ref, &want, d);
    sqlite3_close(ref);
    if (r == MI_OK && schema_text(db, &got, d) != MI_OK)
        r = bad(name, d, "SQLite cannot read its schema: ", sqlite3_errmsg(db));
    if (r == MI_OK && strcmp(want, got) != 0)
        r = bad(name, d, "its tables are not those of a save file (format version 1)", "");
    free(want);
    free(got);
    return r;
}

/* Everything that can be checked without the store. On success *set holds the
 * validated content. */
static mi_status check_save(const uint8_t *bytes, size_t n, const char *name, sv_set *set,
                            mi_diag *d) {
    if (n < 100 || memcmp(bytes, "SQLite format 3", 16) != 0)
        return mi_diag_set(d, MI_E_FORMAT, "%s is not an MI save file (not an SQLite database)",
                           name);
    uint32_t app = (uint32_t)bytes[68] << 24 | (uint32_t)bytes[69] << 16 |
                   (uint32_t)bytes[70] << 8 | bytes[71];
    uint32_t uv = (uint32_t)bytes[60] << 24 | (uint32_t)bytes[61] << 16 |
                  (uint32_t)bytes[62] << 8 | bytes[63];
    if (app == MI_STORE_APP_ID)
        return mi_diag_set(d, MI_E_FORMAT, "%s is an MI object store, not a save file", name);
    if (app != MI_SAVE_APP_ID)
        return mi_diag_set(d, MI_E_FORMAT, "%s is not an MI save file (SQLite application_id "
                           "0x%08x)", name, app);
    if (uv > MI_SAVE_FORMAT_VERSION)
        return mi_diag_set(d, MI_E_VERSION, "save file %s has format version %u, newer than "
                           "version %d that this mi reads; use a newer mi", name, uv,
                           MI_SAVE_FORMAT_VERSION);
    if (uv == 0) return bad(name, d, "its format version (user_version) is 0", "");
    if (bytes[18] != 1 || bytes[19] != 1)
        return bad(name, d, "it is not in rollback-journal mode", "");
    if (n > (size_t)INT64_MAX) return bad(name, d, "it is too large", "");

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) { sqlite3_close(db); return st_dberr(NULL, rc, d, name); }
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)(MI_MAX_TEMPLATE_BYTES + 4096u));
    /* READONLY without FREEONCLOSE: SQLite reads our buffer and never writes it. */
    rc = sqlite3_deserialize(db, "main", (unsigned char *)(uintptr_t)bytes, (sqlite3_int64)n,
                             (sqlite3_int64)n, SQLITE_DESERIALIZE_READONLY);
    mi_status r = MI_OK;
    if (rc != SQLITE_OK) r = st_dberr(db, rc, d, name);
    sqlite3_stmt *st = NULL;
    if (r == MI_OK) r = check_schema(db, name, d);
    if (r == MI_OK) {
        rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &st, NULL);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        if (rc != SQLITE_ROW) r = bad(name, d, "SQLite cannot read it: ", sqlite3_errmsg(db));
        else if (strcmp(ctext(st, 0), "ok") != 0) r = bad(name, d, "SQLite integrity check: ", ctext(st, 0));
        sqlite3_finalize(st);
    }
    char content[65], digest[65], file[65];
    uint64_t counts[3];
    if (r == MI_OK) r = read_meta(db, name, content, file, counts, d);
    if (r == MI_OK) r = read_meta_host(db, name, set->host, d);
    if (r == MI_OK) r = read_file_content(db, name, set, d);
    if (r == MI_OK) r = content_digest(db, digest, d);
    if (r == MI_OK && strcmp(digest, content) != 0)
        r = bad(name, d, "its content does not match meta content_sha256", "");
    if (r == MI_OK && (counts[0] != set->no || counts[1] != set->nt || counts[2] != set->nl))
        r = bad(name, d, "its object, template or library count does not match meta", "");
    sqlite3_close(db);
    /* Last, so that damage to a template is reported naming its objects. */
    if (r == MI_OK) {
        size_t off = find_once(bytes, n, file);
        if (off != SIZE_MAX) sealed_digest(bytes, n, off, digest);
        if (off == SIZE_MAX || strcmp(digest, file) != 0)
            r = bad(name, d, "the file does not match its recorded SHA-256 (meta file_sha256); "
                    "the file is damaged", "");
    }
    return r;
}

/* ---- restore: write ---------------------------------------------------------------------------- */

typedef struct restore_ctx {
    const sv_set *set;
    const char *lib; /* target override or NULL */
    unsigned flags;
    const char *name;
    mi_store_restore_result *res;
} restore_ctx;

static const char *target_lib(const restore_ctx *c, const sv_obj *o) {
    return c->lib != NULL ? c->lib : o->lib;
}

static mi_status do_restore(mi_store *s, void *ctx, mi_diag *d) {
    restore_ctx *c = ctx;
    const sv_set *set = c->set;
    mi_store_restore_result *res = c->res;
    memset(res, 0, sizeof *res);
    sqlite3_stmt *st;
    mi_status r;
    /* Conflicts first, so that a refused restore names them all at once. */
    uint64_t conflicts = 0;
    char first[32] = "";
    for (size_t i = 0; i < set->no; i++) {
        r = st_prep(s, &st, "SELECT 1 FROM objects WHERE lib = ?1 AND name = ?2", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, target_lib(c, &set->o[i]));
        st_bind_text(st, 2, set->o[i].name);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
        if (rc == SQLITE_ROW) {
            if (conflicts++ == 0)
                snprintf(first, sizeof first, "%s/%s", target_lib(c, &set->o[i]), set->o[i].name);
        }
    }
    if (conflicts > 0 && !(c->flags & MI_STORE_REPLACE))
        return mi_diag_set(d, MI_E_EXISTS, "restore %s: %s%s already exist%s (use --replace "
                           "to replace); nothing was restored", c->name, first,
                           conflicts > 1 ? " and other objects" : "", conflicts > 1 ? "" : "s");
    res->replaced = conflicts;
    if (c->lib != NULL) {
        int created = 0;
        r = st_ensure_lib(s, c->lib, &created, d);
        if (r != MI_OK) return r;
        res->libraries_created += (uint64_t)created;
    } else {
        for (size_t i = 0; i < set->nl; i++) {
            int created = 0;
            r = st_ensure_lib(s, set->l[i].name, &created, d);
            if (r != MI_OK) return r;
            res->libraries_created += (uint64_t)created;
        }
    }
    for (size_t i = 0; i < set->nt; i++) {
        const sv_tmpl *t = &set->t[i];
        r = st_put_template(s, t->hash, t->bytes, t->size, t->sha256, t->mi_version,
                            t->format_version, set->host, d);
        if (r != MI_OK) return r;
    }
    res->templates = set->nt;
    for (size_t i = 0; i < set->no; i++) {
        const sv_obj *o = &set->o[i];
        const char *hash = NULL;
        for (size_t k = 0; k < set->nt && hash == NULL; k++)
            if (strcmp(set->t[k].sha256, o->tmpl) == 0) hash = set->t[k].hash;
        r = st_prep(s, &st, "DELETE FROM objects WHERE lib = ?1 AND name = ?2", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, target_lib(c, o));
        st_bind_text(st, 2, o->name);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store");
        r = st_prep(s, &st, "INSERT INTO objects(lib, name, tmpl, source_file, created) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)", d);
        if (r != MI_OK) return r;
        st_bind_text(st, 1, target_lib(c, o));
        st_bind_text(st, 2, o->name);
        st_bind_text(st, 3, hash);
        st_bind_text(st, 4, o->source_file[0] != '\0' ? o->source_file : NULL);
        sqlite3_bind_int64(st, 5, o->created);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
            return mi_diag_set(d, MI_E_EXISTS, "restore %s: two objects of the save file would "
                               "both become %s/%s; nothing was restored", c->name,
                               target_lib(c, o), o->name);
        if (rc != SQLITE_DONE) return st_sqlerr(s, rc, d, "object store: restoring");
    }
    res->objects = set->no;
    /* Templates of replaced objects that nothing uses any more. */
    return st_drop_unused_templates(s, NULL, NULL, d);
}

/* With a target library, two objects of one name from different libraries
 * would land on the same name. */
static mi_status check_collisions(const sv_set *set, const char *name, const char *lib,
                                  mi_diag *d) {
    if (set->no < 2) return MI_OK;
    const char **names = malloc(set->no * sizeof *names);
    if (names == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    for (size_t i = 0; i < set->no; i++) names[i] = set->o[i].name;
    qsort(names, set->no, sizeof *names, cmp_str);
    mi_status r = MI_OK;
    for (size_t i = 1; i < set->no && r == MI_OK; i++)
        if (strcmp(names[i], names[i - 1]) == 0)
            r = mi_diag_set(d, MI_E_EXISTS, "restore %s: two objects of the save file would both "
                            "become %s/%s; nothing was restored", name, lib, names[i]);
    free(names);
    return r;
}

/* pending: a sidecar failure found before, reported only if the content checks
 * pass (their messages are more precise: they name the object). */
static mi_status restore_impl(mi_store *s, const uint8_t *bytes, size_t n, const char *name,
                              const char *lib, unsigned flags, mi_store_restore_result *res,
                              const mi_diag *pending, mi_status pending_st, mi_diag *d) {
    mi_store_restore_result dummy;
    if (res == NULL) res = &dummy;
    memset(res, 0, sizeof *res);
    if (name == NULL) name = "(save file)";
    char target[MI_STORE_NAME_MAX + 1];
    if (lib != NULL) {
        mi_status r = mi_store_check_name(lib, target, "library", d);
        if (r != MI_OK) return r;
    }
    sv_set set;
    memset(&set, 0, sizeof set);
    mi_status r = check_save(bytes, n, name, &set, d);
    if (r == MI_OK && pending_st != MI_OK) r = mi_diag_set(d, pending_st, "%s", pending->msg);
    if (r == MI_OK && lib != NULL) r = check_collisions(&set, name, target, d);
    if (r == MI_OK) {
        restore_ctx c = {&set, lib != NULL ? target : NULL, flags, name, res};
        r = st_txn(s, 1, do_restore, &c, d);
        if (r != MI_OK) memset(res, 0, sizeof *res);
    }
    set_free(&set);
    return r;
}

mi_status mi_store_restore_mem(mi_store *s, const uint8_t *bytes, size_t n, const char *name,
                               const char *lib, unsigned flags, mi_store_restore_result *res,
                               mi_diag *d) {
    return restore_impl(s, bytes, n, name, lib, flags, res, NULL, MI_OK, d);
}

/* The whole file, read once (size limited to what a save file can sensibly be). */
static mi_status read_whole(const char *path, const char *what, uint8_t **out, size_t *n,
                            mi_diag *d) {
    *out = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mi_diag_set(d, errno == ENOENT ? MI_E_NOTFOUND : MI_E_IO, "%s %s: %s", what, path,
                           strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return mi_diag_set(d, MI_E_FORMAT, "%s %s is not a regular file", what, path);
    }
    if ((uint64_t)sb.st_size > (uint64_t)1 << 36) {
        close(fd);
        return mi_diag_set(d, MI_E_FORMAT, "%s %s is too large", what, path);
    }
    size_t cap = (size_t)sb.st_size, got = 0;
    uint8_t *buf = malloc(cap > 0 ? cap : 1);
    if (buf == NULL) { close(fd); return mi_diag_set(d, MI_E_NOMEM, "out of memory"); }
    while (got < cap) {
        ssize_t k = read(fd, buf + got, cap - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    int err = got < cap ? errno : 0;
    close(fd);
    if (got < cap) {
        free(buf);
        return mi_diag_set(d, MI_E_IO, "%s %s: read error%s%s", what, path, err ? ": " : "",
                           err ? strerror(err) : " (file shrank while reading)");
    }
    *out = buf;
    *n = got;
    return MI_OK;
}

mi_status mi_store_restore(mi_store *s, const char *path, const char *lib, unsigned flags,
                           mi_store_restore_result *res, mi_diag *d) {
    mi_store_restore_result dummy;
    if (res == NULL) res = &dummy;
    memset(res, 0, sizeof *res);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return mi_diag_set(d, MI_E_FORMAT, "%s is a directory, not a save file", path);
    uint8_t *bytes;
    size_t n;
    mi_status r = read_whole(path, "save file", &bytes, &n, d);
    if (r != MI_OK) return r;
    /* The sidecar digest, when present, must match: it is what catches damage in
     * bytes that SQLite never reads (free space inside pages). */
    size_t plen = strlen(path) + 8;
    char *side = malloc(plen);
    int checked = 0;
    mi_status pst = MI_OK;
    if (side == NULL) { free(bytes); return mi_diag_set(d, MI_E_NOMEM, "out of memory"); }
    snprintf(side, plen, "%s.sha256", path);
    uint8_t *sb_bytes;
    size_t sn;
    mi_diag sub, pending = {{0}};
    mi_status sr = read_whole(side, "checksum file", &sb_bytes, &sn, &sub);
    if (sr == MI_OK) {
        char rec[65] = "";
        if (sn >= 66 && (sb_bytes[64] == ' ' || sb_bytes[64] == '\t')) {
            for (int i = 0; i < 64; i++) {
                char ch = (char)sb_bytes[i];
                rec[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
            }
            rec[64] = '\0';
        }
        char got[65];
        mi_store_sha256_hex(bytes, n, got);
        if (!hex_ok(rec, 64))
            r = mi_diag_set(d, MI_E_FORMAT, "save file %s refused, nothing was restored: %s is "
                            "not in sha256sum format", path, side);
        else if (strcmp(rec, got) != 0)
            pst = mi_diag_set(&pending, MI_E_FORMAT, "save file %s refused, nothing was "
                              "restored: its SHA-256 is %s but %s records %s; the file is "
                              "damaged", path, got, side, rec);
        checked = 1;
        free(sb_bytes);
    } else if (sr != MI_E_NOTFOUND) {
        r = mi_diag_set(d, sr, "%s", sub.msg);
    }
    free(side);
    if (r == MI_OK) r = restore_impl(s, bytes, n, path, lib, flags, res, &pending, pst, d);
    if (r == MI_OK) res->sidecar_checked = checked;
    free(bytes);
    return r;
}
