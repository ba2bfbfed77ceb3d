/* The MI object store: programs as named objects in libraries, kept in one SQLite
 * database, plus save files (the archival and migration unit) and the cache of
 * native translations. The schema and the save-file format are documented in
 * mi-spec/store.md; this header is the only interface to them.
 *
 * Conventions
 * - Every function returns mi_status and, on failure, writes one message to the
 *   caller's mi_diag (which may be NULL). Nothing here ever exits.
 * - Every public operation is one SQLite transaction: it happens entirely or not
 *   at all, also when the process is killed. Writers take the write lock up front
 *   (BEGIN IMMEDIATE) and wait for other writers (busy timeout + retry), so
 *   concurrent processes never see "database is locked".
 * - Names (library and program): [A-Z][A-Z0-9_$#@]{0,9}. Input is
 *   case-insensitive; names are stored and reported upper case. A name buffer is
 *   char[MI_STORE_NAME_MAX + 1].
 * - Hashes are lower-case hex: xxh3-128 (32 digits, the canonical big-endian
 *   byte order of XXH128_canonical_t) and SHA-256 (64 digits).
 * - Times are Unix seconds (UTC).
 *
 * Ownership: an mi_store is created by mi_store_open and released by
 * mi_store_close. Buffers returned through uint8_t ** / char ** out-parameters are
 * malloc'd and belong to the caller (free()). Structs filled by *_get functions
 * own their pointer fields and are released with their *_clear function. Structs
 * passed to list callbacks belong to the store and are valid only during the
 * callback. A callback returning nonzero stops the listing (the function then
 * returns MI_OK). */
#ifndef MI_STORE_H
#define MI_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"
#include "mi_template.h"

/* PRAGMA application_id of a store ("MIOS", MI object store) and of a save file
 * ("MISV"), and the schema versions (PRAGMA user_version) this code writes. */
#define MI_STORE_APP_ID 0x4D494F53u
#define MI_STORE_SCHEMA_VERSION 2
#define MI_SAVE_APP_ID 0x4D495356u
#define MI_SAVE_FORMAT_VERSION 1

#define MI_STORE_NAME_MAX 10
#define MI_STORE_DEFAULT_LIB "MILIB" /* default library of install and default library list */
#define MI_STORE_LIBL_MAX 32
#define MI_STORE_BUSY_MS 30000 /* SQLite busy timeout per attempt */
#define MI_STORE_HOST_MAX 1024 /* a host fingerprint text with its NUL (= MI_HOST_TEXT_MAX) */

typedef struct mi_store mi_store;

/* ---- Opening ------------------------------------------------------------- */

/* The default store path: $MI_STORE if set and non-empty, else
 * $XDG_DATA_HOME/mi/store.db, else $HOME/.local/share/mi/store.db. *out is
 * malloc'd. */
mi_status mi_store_default_path(char **out, mi_diag *d);

enum {
    MI_STORE_OPEN_NOCREATE = 1, /* fail with MI_E_NOTFOUND if the file does not exist */
};

/* Open (and on first use create, with its parent directory) the store at path;
 * ":memory:" gives a private in-memory store (tests). A path that is a directory,
 * not an SQLite database, an SQLite database of another application, or a store
 * written by a newer schema is refused with a message naming the path and
 * nothing in it is changed. An older schema is migrated forward. */
mi_status mi_store_open(const char *path, unsigned flags, mi_store **out, mi_diag *d);
void mi_store_close(mi_store *s);          /* NULL is a no-op */
const char *mi_store_path(const mi_store *s);

/* ---- Names --------------------------------------------------------------- */

/* Check one name and write it upper case to out. what ("library", "program")
 * is used in the message. MI_E_ARG on a malformed name. */
mi_status mi_store_check_name(const char *in, char out[MI_STORE_NAME_MAX + 1],
                              const char *what, mi_diag *d);

/* A qualified name "LIB/PGM", or "PGM" alone (then lib is ""). */
typedef struct mi_qname {
    char lib[MI_STORE_NAME_MAX + 1];
    char pgm[MI_STORE_NAME_MAX + 1];
} mi_qname;
mi_status mi_store_parse_qname(const char *in, mi_qname *q, mi_diag *d);
/* "LIB" or "LIB/PGM" (the form mi save takes): pgm is "" for a whole library. */
mi_status mi_store_parse_libspec(const char *in, mi_qname *q, mi_diag *d);

/* The library list: text "A,B,C" (blanks around names ignored). NULL or "" gives
 * the default list, MI_STORE_DEFAULT_LIB alone. Duplicates are refused. */
typedef struct mi_store_libl {
    unsigned n;
    char lib[MI_STORE_LIBL_MAX][MI_STORE_NAME_MAX + 1];
} mi_store_libl;
mi_status mi_store_libl_parse(const char *text, mi_store_libl *l, mi_diag *d);

/* A program name derived from a file path: the base name without its extension,
 * upper case ("tests/add_one.mi" -> "ADD_ONE"). MI_E_ARG if that is not a name. */
mi_status mi_store_name_from_path(const char *path, char out[MI_STORE_NAME_MAX + 1],
                                  mi_diag *d);

/* ---- Libraries ----------------------------------------------------------- */

typedef struct mi_store_lib {
    char name[MI_STORE_NAME_MAX + 1];
    int64_t created;
    uint64_t nobjects;
} mi_store_lib;
typedef int (*mi_store_lib_cb)(void *ctx, const mi_store_lib *lib);

/* MI_E_EXISTS if it exists. */
mi_status mi_store_crtlib(mi_store *s, const char *lib, mi_diag *d);
/* Deletes the library, its objects, and templates/translations no other object
 * uses. *nobjects (may be NULL) := objects deleted. MI_E_NOTFOUND if missing. */
mi_status mi_store_dltlib(mi_store *s, const char *lib, uint64_t *nobjects, mi_diag *d);
mi_status mi_store_list_libs(mi_store *s, mi_store_lib_cb cb, void *ctx, mi_diag *d);
/* MI_OK if the library exists, MI_E_NOTFOUND if not. */
mi_status mi_store_lib_exists(mi_store *s, const char *lib, mi_diag *d);

/* ---- Objects ------------------------------------------------------------- */

typedef struct mi_store_obj {
    char lib[MI_STORE_NAME_MAX + 1];
    char name[MI_STORE_NAME_MAX + 1];
    char hash[33];            /* xxh3-128 of the template bytes */
    char sha256[65];          /* SHA-256 of the template bytes */
    uint32_t mi_version;      /* MI version the template requires */
    uint32_t format_version;  /* template format version */
    uint64_t size;            /* template bytes */
    int64_t created;
    char *source_file;        /* file it was installed from, or NULL */
    uint64_t ntranslations;   /* native translations of its template (all hosts) */
    uint64_t native_bytes;    /* their total image size */
    uint64_t nshared;         /* objects (this one included) using the same template */
} mi_store_obj;
typedef int (*mi_store_obj_cb)(void *ctx, const mi_store_obj *obj);
void mi_store_obj_clear(mi_store_obj *o);

enum {
    MI_STORE_REPLACE = 1,    /* install/restore: replace an existing object of that name */
};

/* Install a program template under lib/name. The bytes are decoded and verified
 * first (mi_template_load); nothing is stored if that fails. The library must
 * exist, except MI_STORE_DEFAULT_LIB, which is created on first use. Without
 * MI_STORE_REPLACE an existing lib/name gives MI_E_EXISTS. source_file may be
 * NULL. info (may be NULL) is filled as mi_store_get would; clear it after.
 * loaded (may be NULL) receives, when the install succeeds, that decoded and
 * verified template (so that a caller translating it next need not read and
 * verify it again); the caller frees it with mi_template_free. On failure it is
 * left empty (mi_template_init). */
mi_status mi_store_install(mi_store *s, const char *lib, const char *name,
                           const uint8_t *tmpl, size_t n, const char *source_file,
                           unsigned flags, mi_store_obj *info, mi_template *loaded,
                           mi_diag *d);

/* Install MI assembly source: assembled with the assembler (its diagnostics are
 * returned in d, MI_E_SYNTAX), then as mi_store_install. filename is recorded
 * in the template's SOURCE section and as the object's source file. */
mi_status mi_store_install_source(mi_store *s, const char *lib, const char *name,
                                  const char *text, size_t n, const char *filename,
                                  unsigned flags, mi_store_obj *info, mi_template *loaded,
                                  mi_diag *d);

/* One object; MI_E_NOTFOUND (naming it) if absent. Clear *o afterwards. */
mi_status mi_store_get(mi_store *s, const char *lib, const char *name, mi_store_obj *o,
                       mi_diag *d);
/* Objects of lib (NULL: every library), ordered by library and name. A missing
 * library is MI_E_NOTFOUND. */
mi_status mi_store_list(mi_store *s, const char *lib, mi_store_obj_cb cb, void *ctx,
                        mi_diag *d);
/* The template bytes of lib/name (*bytes malloc'd). */
mi_status mi_store_template(mi_store *s, const char *lib, const char *name,
                            uint8_t **bytes, size_t *n, mi_diag *d);
/* The source kept in the template's SOURCE section. *file and *text are malloc'd;
 * *text is NUL-terminated after *n bytes. MI_E_NOTFOUND if the template has no
 * SOURCE section. */
mi_status mi_store_source(mi_store *s, const char *lib, const char *name, char **file,
                          char **text, size_t *n, mi_diag *d);
/* Remove lib/name; its template and translations go when no other object uses it. */
mi_status mi_store_rm(mi_store *s, const char *lib, const char *name, mi_diag *d);

/* Find a program: name "LIB/PGM" is looked up in LIB; "PGM" in each library of
 * libl in order (libraries in the list that do not exist are skipped). found (may
 * be NULL) := where it was found. *bytes malloc'd. MI_E_NOTFOUND if nowhere; a
 * name that is not a store name is simply not found. */
mi_status mi_store_resolve(mi_store *s, const mi_store_libl *libl, const char *name,
                           mi_qname *found, uint8_t **bytes, size_t *n, mi_diag *d);

/* ---- Native translations (filled by the translator) ---------------------- */

typedef enum mi_tr_reason {
    MI_TR_FIRST_INSTALL = 1, MI_TR_NEW_HOST, MI_TR_NEW_TRANSLATOR, MI_TR_INTEGRITY,
    MI_TR_FORCED
} mi_tr_reason;
const char *mi_tr_reason_text(mi_tr_reason r); /* "first install", ...; never NULL */

typedef struct mi_store_tr {
    char tmpl[33];           /* template hash (xxh3-128) */
    char host[33];           /* xxh3-128 of the fingerprint text */
    const char *fingerprint; /* host fingerprint text */
    const uint8_t *image;    /* native image; NULL in listings */
    size_t image_len;
    char image_hash[33];     /* xxh3-128 of the image */
    const char *translator;  /* translator identity */
    const char *runtime;     /* runtime identity */
    int64_t translate_ms;
    int64_t created, last_used;
    mi_tr_reason reason;
    void *owned_;            /* internal: allocation behind the pointers of a _get result */
} mi_store_tr;
typedef int (*mi_store_tr_cb)(void *ctx, const mi_store_tr *tr);
void mi_store_tr_clear(mi_store_tr *t);

/* host := xxh3-128 hex of the fingerprint text. */
void mi_store_host_key(const char *fingerprint, char host[33]);

/* Insert or replace the translation of t->tmpl for the host of t->fingerprint.
 * t->host and t->image_hash are computed here (inputs ignored); created and
 * last_used of 0 mean now. The template must be in the store (MI_E_NOTFOUND). */
mi_status mi_store_tr_put(mi_store *s, const mi_store_tr *t, mi_diag *d);
/* The translation for (tmpl, host of fingerprint): MI_E_NOTFOUND if none; if its
 * image no longer matches its hash, MI_E_STORE with a message saying so (the
 * caller retranslates with reason MI_TR_INTEGRITY). Clear *t afterwards. */
mi_status mi_store_tr_get(mi_store *s, const char *tmpl, const char *fingerprint,
                          mi_store_tr *t, mi_diag *d);
/* last_used := now (0 = current time). MI_E_NOTFOUND if none. */
mi_status mi_store_tr_touch(mi_store *s, const char *tmpl, const char *fingerprint,
                            int64_t now, mi_diag *d);
mi_status mi_store_tr_delete(mi_store *s, const char *tmpl, const char *fingerprint,
                             mi_diag *d);
/* Translations of one template (tmpl NULL: all), without images. */
mi_status mi_store_tr_list(mi_store *s, const char *tmpl, mi_store_tr_cb cb, void *ctx,
                           mi_diag *d);

typedef struct mi_store_gc_result {
    uint64_t translations;   /* translations dropped */
    uint64_t native_bytes;   /* their image bytes */
    uint64_t templates;      /* templates no object used, dropped */
    uint64_t template_bytes;
} mi_store_gc_result;
/* Drop translations made for hosts other than the nkeep fingerprints in keep
 * (nkeep 0: keep every host), and translations not used for older_than seconds
 * before now (negative: no age limit; now 0 = current time); also templates no
 * object uses. */
mi_status mi_store_gc(mi_store *s, const char *const *keep, size_t nkeep, int64_t older_than,
                      int64_t now, mi_store_gc_result *r, mi_diag *d);

/* ---- Fixity -------------------------------------------------------------- */

typedef struct mi_store_verify_result {
    uint64_t objects, templates, translations; /* checked */
    uint64_t findings;                         /* problems reported */
} mi_store_verify_result;
/* One finding, a complete sentence naming the object or row. */
typedef void (*mi_store_report_cb)(void *ctx, const char *finding);

/* Recompute every hash (xxh3-128 and SHA-256 of templates, image hashes of
 * translations), re-verify every template, check names and references, and run
 * PRAGMA integrity_check and foreign_key_check. lib (NULL: whole store) and name
 * (NULL: whole library) narrow the object checks; the SQLite checks always cover
 * the whole file. MI_OK if there was no finding, else MI_E_STORE. */
mi_status mi_store_verify(mi_store *s, const char *lib, const char *name,
                          mi_store_report_cb report, void *ctx,
                          mi_store_verify_result *r, mi_diag *d);

/* ---- Save files ---------------------------------------------------------- */

typedef struct mi_store_save_result {
    uint64_t objects, templates;
    uint64_t file_bytes;
    char sha256[65];           /* of the whole save file (also in PATH.sha256) */
    char content_sha256[65];   /* canonical content digest (meta content_sha256) */
} mi_store_save_result;

/* Write the objects named by items (pgm "" = every object of that library) to a
 * save file at path, atomically (a temporary file renamed into place), and the
 * sidecar path.sha256 in sha256sum format. Templates only: never native code. */
mi_status mi_store_save(mi_store *s, const mi_qname *items, size_t nitems, const char *path,
                        mi_store_save_result *r, mi_diag *d);

typedef struct mi_store_restore_result {
    uint64_t objects, templates, replaced, libraries_created;
    int sidecar_checked;       /* 1 if path.sha256 was present and matched */
} mi_store_restore_result;
/* Restore every object of the save file at path, into lib (NULL: each object's
 * own library; created if missing). Everything is checked first (sidecar SHA-256
 * if present, SQLite integrity, application id and versions, every template's
 * SHA-256, xxh3-128, size, decode and verification, the content digest, names);
 * a bad file changes nothing and d names the bad object and why. Without
 * MI_STORE_REPLACE, any existing object of a restored name fails the whole restore. */
mi_status mi_store_restore(mi_store *s, const char *path, const char *lib, unsigned flags,
                           mi_store_restore_result *r, mi_diag *d);
/* The same from a save file held in memory (no sidecar check); name labels it in
 * messages. */
mi_status mi_store_restore_mem(mi_store *s, const uint8_t *bytes, size_t n, const char *name,
                               const char *lib, unsigned flags, mi_store_restore_result *r,
                               mi_diag *d);

/* The fingerprint text (`mi host`) of the host this process runs on, or NULL. mi_store_save
 * records it in the save file (meta "host"), and mi_store_restore keeps the saving host
 * of each template it adds, so that the first translation of a restored program on
 * another host is recorded as "new host" rather than "first install" (mi-spec/store.md
 * §4). The objstore layer cannot compute it (the fingerprint belongs to the translator
 * layer above), hence the setter. Longer than MI_STORE_HOST_MAX - 1 bytes: ignored. */
void mi_store_set_host(mi_store *s, const char *fingerprint);

/* Where the template with xxh3-128 key came from: *restored := 0 if it was added by
 * mi install, 1 if by mi restore; then origin[0..n) := the fingerprint of the host that
 * wrote the save file, "" if the file did not say (save files of mi before store
 * schema 2). MI_E_NOTFOUND if no such template. */
mi_status mi_store_tmpl_origin(mi_store *s, const char *key, int *restored, char *origin,
                               size_t n, mi_diag *d);

/* Hash helpers shared with the CLI and tests. */
void mi_store_xxh128_hex(const void *p, size_t n, char out[33]);
void mi_store_sha256_hex(const void *p, size_t n, char out[65]);

#endif
