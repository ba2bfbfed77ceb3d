/* The object store subcommands: crtlib, dltlib, install, ls, show, src, rm, save,
 * restore, verify, gc; and the store side of `mi run LIB/PGM` (cli_store.h).
 * Every command is one store transaction (objstore/mi_store.h). */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include "cli.h"
#include "cli_store.h"
#include "cli_tr.h"
#include "mi_asm.h"
#include "mi_host.h"
#include "mi_store.h"

static const char store_help[] =
    "  --store PATH   the object store (default: $MI_STORE, else\n"
    "                 $XDG_DATA_HOME/mi/store.db, else ~/.local/share/mi/store.db)\n"
    "  --help         show this help\n";

/* ---- options ------------------------------------------------------------------ */

typedef struct opts {
    const char *store, *lib, *name, *out, *older, *libl;
    int json, replace, all, all_hosts, no_translate, opt;
    int npos;
    char **pos;
} opts;

/* allowed: letters of the options this command takes: l --lib, n --name,
 * o -o/--output, t --older-than, j --json, r --replace, a --all, h --all-hosts,
 * N --no-translate, O --opt.
 * --store and --help are always accepted. Returns 0, 1 (help printed) or -1
 * (usage error printed). */
static int parse(const char *cmd, const char *usage, int argc, char **argv, const char *allowed,
                 opts *o) {
    memset(o, 0, sizeof *o);
    o->pos = calloc((size_t)argc + 1, sizeof *o->pos);
    if (o->pos == NULL) {
        mi_cli_error("out of memory");
        return -1;
    }
    static const struct { const char *name; char letter; int value; size_t field; } table[] = {
        {"--store", 'S', 1, offsetof(opts, store)},
        {"--lib", 'l', 1, offsetof(opts, lib)},
        {"--name", 'n', 1, offsetof(opts, name)},
        {"--output", 'o', 1, offsetof(opts, out)},
        {"-o", 'o', 1, offsetof(opts, out)},
        {"--older-than", 't', 1, offsetof(opts, older)},
        {"--json", 'j', 0, offsetof(opts, json)},
        {"--replace", 'r', 0, offsetof(opts, replace)},
        {"--all", 'a', 0, offsetof(opts, all)},
        {"--all-hosts", 'h', 0, offsetof(opts, all_hosts)},
        {"--no-translate", 'N', 0, offsetof(opts, no_translate)},
        {"--opt", 'O', 0, offsetof(opts, opt)},
    };
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            o->pos[o->npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        size_t k = 0, nt = sizeof table / sizeof table[0];
        const char *eq = strchr(a, '=');
        size_t alen = eq != NULL ? (size_t)(eq - a) : strlen(a);
        for (; k < nt; k++)
            if (strlen(table[k].name) == alen && strncmp(a, table[k].name, alen) == 0) break;
        if (k == nt || (table[k].letter != 'S' && strchr(allowed, table[k].letter) == NULL)) {
            mi_cli_usage_error(cmd, "unknown option '%s'", a);
            return -1;
        }
        if (table[k].value) {
            const char *v = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL || v[0] == '\0') {
                mi_cli_usage_error(cmd, "%s needs a value", table[k].name);
                return -1;
            }
            *(const char **)((char *)o + table[k].field) = v;
        } else {
            if (eq != NULL) {
                mi_cli_usage_error(cmd, "%s takes no value", table[k].name);
                return -1;
            }
            *(int *)((char *)o + table[k].field) = 1;
        }
    }
    return 0;
}

static void opts_free(opts *o) { free(o->pos); }

/* A failed write (the disk filled up) must come back as an error, not kill mi. */
static void prepare_signals(void) { signal(SIGXFSZ, SIG_IGN); }

static mi_store *open_store(const char *path_opt, int create) {
    mi_diag d = {{0}};
    char *path = NULL;
    if (path_opt != NULL) {
        path = strdup(path_opt);
        if (path == NULL) {
            mi_cli_error("out of memory");
            return NULL;
        }
    } else if (mi_store_default_path(&path, &d) != MI_OK) {
        mi_cli_error("%s", d.msg);
        return NULL;
    }
    mi_store *s = NULL;
    if (mi_store_open(path, create ? 0 : MI_STORE_OPEN_NOCREATE, &s, &d) != MI_OK) {
        mi_cli_error("%s", d.msg);
        s = NULL;
    }
    free(path);
    return s;
}

static int fail(const mi_diag *d, mi_status st) {
    /* Assembler diagnostics are complete lines already ("file:line:col: error: ..."). */
    if ((st == MI_E_SYNTAX || st == MI_E_VERIFY) && strchr(d->msg, ':') != NULL &&
        strstr(d->msg, ": error: ") != NULL)
        fprintf(stderr, "%s\n", d->msg);
    else
        mi_cli_error("%s", d->msg[0] != '\0' ? d->msg : mi_status_text(st));
    return MI_EXIT_ERROR;
}

static void iso(int64_t t, char *out, size_t n) {
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, n, "%lld", (long long)t);
}

/* JSON string (quotes included) of arbitrary bytes: control characters escaped,
 * other bytes passed through. */
static void json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
        else if (*p == '\n') fputs("\\n", f);
        else if (*p == '\t') fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f) fprintf(f, "\\u%04x", *p);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static int finish_output(int status) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        mi_cli_error("error writing to standard output");
        return MI_EXIT_ERROR;
    }
    return status;
}

/* A malformed name on the command line is a usage error (exit 2). */
static int check_lib_arg(const char *arg, char lib[MI_STORE_NAME_MAX + 1]) {
    mi_diag d = {{0}};
    if (mi_store_check_name(arg, lib, "library", &d) == MI_OK) return 0;
    mi_cli_error("%s", d.msg);
    return -1;
}

/* ---- crtlib / dltlib --------------------------------------------------------------- */

static const char crtlib_usage[] =
    "usage: mi crtlib LIB [--store PATH]\n\n"
    "Create a library in the object store. Names: a letter, then up to 9 letters,\n"
    "digits, _ $ # @ (case-insensitive, kept upper case).\n\n";

int mi_cmd_crtlib(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[1024];
    snprintf(usage, sizeof usage, "%s%s", crtlib_usage, store_help);
    int p = parse("crtlib", usage, argc, argv, "", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("crtlib", "give one library name"); }
    char lib[MI_STORE_NAME_MAX + 1];
    if (check_lib_arg(o.pos[0], lib) != 0) { opts_free(&o); return MI_EXIT_USAGE; }
    mi_store *s = open_store(o.store, 1);
    int status = MI_EXIT_ERROR;
    if (s != NULL) {
        mi_diag d = {{0}};
        mi_status st = mi_store_crtlib(s, lib, &d);
        if (st == MI_OK) {
            printf("created library %s\n", lib);
            status = MI_EXIT_OK;
        } else {
            status = fail(&d, st);
        }
        mi_store_close(s);
    }
    opts_free(&o);
    return finish_output(status);
}

static const char dltlib_usage[] =
    "usage: mi dltlib LIB [--store PATH]\n\n"
    "Delete a library and every object in it (their templates and native\n"
    "translations go too, unless another object uses the same template).\n\n";

int mi_cmd_dltlib(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[1024];
    snprintf(usage, sizeof usage, "%s%s", dltlib_usage, store_help);
    int p = parse("dltlib", usage, argc, argv, "", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("dltlib", "give one library name"); }
    char lib[MI_STORE_NAME_MAX + 1];
    if (check_lib_arg(o.pos[0], lib) != 0) { opts_free(&o); return MI_EXIT_USAGE; }
    mi_store *s = open_store(o.store, 0);
    int status = MI_EXIT_ERROR;
    if (s != NULL) {
        mi_diag d = {{0}};
        uint64_t n = 0;
        mi_status st = mi_store_dltlib(s, lib, &n, &d);
        if (st == MI_OK) {
            printf("deleted library %s (%llu object%s)\n", lib, (unsigned long long)n,
                   n == 1 ? "" : "s");
            status = MI_EXIT_OK;
        } else {
            status = fail(&d, st);
        }
        mi_store_close(s);
    }
    opts_free(&o);
    return finish_output(status);
}

/* ---- install ------------------------------------------------------------------------- */

static const char install_usage[] =
    "usage: mi install FILE [--lib LIB] [--name NAME] [--replace] [--store PATH]\n\n"
    "Install a program into the object store. FILE is MI assembly text (assembled,\n"
    "with its source kept in the template) or a program template (.mit); either is\n"
    "verified before anything is stored.\n\n"
    "  --lib LIB      the library (default MILIB, created on first use; any other\n"
    "                 library must exist: mi crtlib LIB)\n"
    "  --name NAME    the program's name (default: FILE's base name without its\n"
    "                 extension, upper case)\n"
    "  --replace      replace an existing program of that name\n"
    "  --no-translate do not translate it now (mi run translates on first use)\n"
    "  --opt          also make the optimising tier's translation (the system C\n"
    "                 compiler, $MI_CC or cc, at -O2), which mi run then prefers\n\n"
    "The program is translated to native code for this host right after it is\n"
    "stored (reason \"first install\"); if that fails, a warning says why and the\n"
    "program is installed anyway (it runs interpreted).\n";

/* Translate the stored lib/name (template hash) for this host, tier "tcc" or
 * "cc-O2", with reason r. have (may be NULL) is that program's template as the
 * install just decoded and verified it; else it is read from the store. Failures
 * are returned in d, nothing is printed. */
static mi_status translate_stored(mi_store *s, const char *lib, const char *name,
                                  const char *hash, const mi_template *have, const char *tier,
                                  mi_tr_reason r, double *ms, mi_diag *d) {
    mi_cli_trcache *c = NULL;
    mi_status st = mi_cli_trcache_open(s, tier, &c, d);
    if (st != MI_OK) return st;
    if (have != NULL) {
        st = mi_cli_trcache_translate(c, hash, have, name, r, ms, d);
        mi_cli_trcache_close(c);
        return st;
    }
    uint8_t *bytes = NULL;
    size_t n = 0;
    st = mi_store_template(s, lib, name, &bytes, &n, d);
    mi_template t;
    mi_template_init(&t);
    if (st == MI_OK) st = mi_template_load(bytes, n, &t, d);
    if (st == MI_OK) st = mi_cli_trcache_translate(c, hash, &t, name, r, ms, d);
    mi_template_free(&t);
    free(bytes);
    mi_cli_trcache_close(c);
    return st;
}

/* An install is one short process that allocates, fills and frees buffers of
 * megabytes (the assembled template, the C text, libtcc's sections, the image):
 * with glibc's defaults each big one is its own mmap, returned at free and
 * faulted in again page by page for the next. Keeping freed memory in the heap
 * instead: the 10k-instruction install benchmark took 4,842 -> 3,240 page
 * faults and 52.0 -> 50.5 ms CPU (31 interleaved rounds, measured with the same
 * settings through GLIBC_TUNABLES). */
static void install_malloc_tuning(void) {
#ifdef __GLIBC__
    (void)mallopt(M_MMAP_THRESHOLD, 64 << 20);
    (void)mallopt(M_TRIM_THRESHOLD, 128 << 20);
#endif
}

int mi_cmd_install(int argc, char **argv) {
    prepare_signals();
    install_malloc_tuning();
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", install_usage, store_help);
    int p = parse("install", usage, argc, argv, "lnrNO", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("install", "give one FILE"); }
    const char *file = o.pos[0];
    mi_diag d = {{0}};
    char lib[MI_STORE_NAME_MAX + 1], name[MI_STORE_NAME_MAX + 1];
    mi_status st = mi_store_check_name(o.lib != NULL ? o.lib : MI_STORE_DEFAULT_LIB, lib,
                                       "library", &d);
    if (st == MI_OK) {
        if (o.name != NULL) st = mi_store_check_name(o.name, name, "program", &d);
        else st = mi_store_name_from_path(file, name, &d);
    }
    if (st != MI_OK) {
        opts_free(&o);
        mi_cli_error("install: %s", d.msg);
        return MI_EXIT_USAGE;
    }
    uint8_t *buf;
    size_t n;
    if ((st = mi_cli_read_file(file, &buf, &n, &d)) != MI_OK) {
        opts_free(&o);
        return fail(&d, st);
    }
    int status = MI_EXIT_ERROR;
    mi_store *s = open_store(o.store, 1);
    if (s != NULL) {
        mi_store_obj info;
        mi_template t; /* decoded and verified by the install: translated from here */
        unsigned flags = o.replace ? MI_STORE_REPLACE : 0;
        if (mi_cli_is_template(buf, n))
            st = mi_store_install(s, lib, name, buf, n, file, flags, &info, &t, &d);
        else
            st = mi_store_install_source(s, lib, name, (const char *)buf, n, file, flags, &info,
                                         &t, &d);
        if (st == MI_OK) {
            printf("installed %s/%s (template %s, %llu bytes)\n", info.lib, info.name, info.hash,
                   (unsigned long long)info.size);
            for (int k = 0; k < 2 && !o.no_translate; k++) {
                if (k == 1 && !o.opt) break;
                const char *tier = k == 0 ? "tcc" : "cc-O2";
                double ms = 0;
                mi_diag td = {{0}};
                mi_status ts = translate_stored(s, info.lib, info.name, info.hash, &t, tier,
                                                MI_TR_FIRST_INSTALL, &ms, &td);
                if (ts == MI_OK)
                    printf("translated for this host (tier %s, %.0f ms)\n", tier, ms);
                else if (k == 0)
                    fprintf(stderr, "mi: warning: %s/%s not translated (%s); it will be "
                            "interpreted\n", info.lib, info.name, td.msg);
                else
                    fprintf(stderr, "mi: warning: no optimised translation of %s/%s (%s); "
                            "keeping the tcc translation\n", info.lib, info.name, td.msg);
            }
            mi_store_obj_clear(&info);
            mi_template_free(&t);
            status = MI_EXIT_OK;
        } else {
            status = fail(&d, st);
        }
        mi_store_close(s);
    }
    free(buf);
    opts_free(&o);
    return finish_output(status);
}

/* ---- ls / show / src / rm -------------------------------------------------------------- */

static void obj_json(FILE *f, const mi_store_obj *ob) {
    char t[32];
    iso(ob->created, t, sizeof t);
    fprintf(f, "{\"library\":");
    json_str(f, ob->lib);
    fprintf(f, ",\"name\":");
    json_str(f, ob->name);
    fprintf(f, ",\"template\":\"%s\",\"sha256\":\"%s\",\"size\":%llu,\"mi_version\":%u,"
               "\"format_version\":%u,\"created\":\"%s\",\"source_file\":",
            ob->hash, ob->sha256, (unsigned long long)ob->size, (unsigned)ob->mi_version,
            (unsigned)ob->format_version, t);
    if (ob->source_file != NULL) json_str(f, ob->source_file);
    else fputs("null", f);
    fprintf(f, ",\"translations\":%llu,\"native_bytes\":%llu,\"shared\":%llu}",
            (unsigned long long)ob->ntranslations, (unsigned long long)ob->native_bytes,
            (unsigned long long)ob->nshared);
}

typedef struct ls_ctx {
    int json, first;
    const char *lib;
} ls_ctx;

static int ls_obj(void *ctx, const mi_store_obj *ob) {
    ls_ctx *c = ctx;
    if (c->json) {
        /* Objects of one library only (the caller lists library by library). */
        if (!c->first) fputc(',', stdout);
        c->first = 0;
        obj_json(stdout, ob);
        return 0;
    }
    char t[32];
    iso(ob->created, t, sizeof t);
    printf("%-10s %8llu  %s  %.16s  %s\n", ob->name, (unsigned long long)ob->size, t, ob->hash,
           ob->source_file != NULL ? ob->source_file : "-");
    return 0;
}

typedef struct libs_acc {
    mi_store_lib *v;
    size_t n, cap;
} libs_acc;

static int collect_lib(void *ctx, const mi_store_lib *l) {
    libs_acc *a = ctx;
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        mi_store_lib *nv = realloc(a->v, nc * sizeof *nv);
        if (nv == NULL) return 1;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = *l;
    return 0;
}

static const char ls_usage[] =
    "usage: mi ls [LIB] [--json] [--store PATH]\n\n"
    "Without LIB: every library with its number of objects. With LIB: the\n"
    "objects in it (name, template size, created, template hash, source file).\n"
    "--json prints one JSON object instead (without LIB: every library with its\n"
    "objects).\n\n"
    "  --json         machine-readable output\n";

int mi_cmd_ls(int argc, char **argv) {
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", ls_usage, store_help);
    int p = parse("ls", usage, argc, argv, "j", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos > 1) { opts_free(&o); return mi_cli_usage_error("ls", "give at most one library"); }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    mi_diag d = {{0}};
    mi_status st = MI_OK;
    libs_acc libs = {NULL, 0, 0};
    if (o.npos == 1) {
        mi_store_lib one;
        memset(&one, 0, sizeof one);
        if (check_lib_arg(o.pos[0], one.name) != 0) {
            mi_store_close(s);
            opts_free(&o);
            return MI_EXIT_USAGE;
        }
        st = mi_store_lib_exists(s, one.name, &d);
        if (st == MI_OK && collect_lib(&libs, &one) != 0) st = mi_diag_set(&d, MI_E_NOMEM, "out of memory");
    } else {
        st = mi_store_list_libs(s, collect_lib, &libs, &d);
    }
    if (st == MI_OK && o.json) {
        printf("{\"store\":");
        json_str(stdout, mi_store_path(s));
        printf(",\"libraries\":[");
        for (size_t i = 0; i < libs.n && st == MI_OK; i++) {
            char t[32];
            iso(libs.v[i].created, t, sizeof t);
            printf("%s{\"name\":\"%s\",\"objects\":[", i ? "," : "", libs.v[i].name);
            ls_ctx c = {1, 1, libs.v[i].name};
            st = mi_store_list(s, libs.v[i].name, ls_obj, &c, &d);
            printf("]}");
        }
        printf("]}\n");
    } else if (st == MI_OK && o.npos == 0) {
        for (size_t i = 0; i < libs.n; i++) {
            char t[32];
            iso(libs.v[i].created, t, sizeof t);
            printf("%-10s %6llu object%s  created %s\n", libs.v[i].name,
                   (unsigned long long)libs.v[i].nobjects, libs.v[i].nobjects == 1 ? " " : "s", t);
        }
    } else if (st == MI_OK) {
        ls_ctx c = {0, 1, libs.v[0].name};
        st = mi_store_list(s, libs.v[0].name, ls_obj, &c, &d);
    }
    free(libs.v);
    mi_store_close(s);
    opts_free(&o);
    return finish_output(st == MI_OK ? MI_EXIT_OK : fail(&d, st));
}

typedef struct show_ctx {
    int json, first;
} show_ctx;

static int show_tr(void *ctx, const mi_store_tr *t) {
    show_ctx *c = ctx;
    char cr[32], lu[32];
    iso(t->created, cr, sizeof cr);
    iso(t->last_used, lu, sizeof lu);
    if (c->json) {
        if (!c->first) fputc(',', stdout);
        c->first = 0;
        printf("{\"host\":\"%s\",\"fingerprint\":", t->host);
        json_str(stdout, t->fingerprint);
        printf(",\"image_bytes\":%zu,\"image_hash\":\"%s\",\"translator\":", t->image_len,
               t->image_hash);
        json_str(stdout, t->translator);
        printf(",\"runtime\":");
        json_str(stdout, t->runtime);
        printf(",\"translate_ms\":%lld,\"created\":\"%s\",\"last_used\":\"%s\",\"reason\":\"%s\"}",
               (long long)t->translate_ms, cr, lu, mi_tr_reason_text(t->reason));
        return 0;
    }
    printf("    host %s: %zu bytes, %lld ms to translate, %s\n", t->host, t->image_len,
           (long long)t->translate_ms, mi_tr_reason_text(t->reason));
    printf("      fingerprint  %s\n", t->fingerprint);
    printf("      translator   %s; runtime %s\n", t->translator, t->runtime);
    printf("      created %s, last used %s\n", cr, lu);
    return 0;
}

static const char show_usage[] =
    "usage: mi show LIB/PGM [--json] [--store PATH]\n\n"
    "Describe a stored program: template hash (xxh3-128) and SHA-256, MI version,\n"
    "size, created, source file, and its native translations per host.\n\n"
    "  --json         machine-readable output\n";

int mi_cmd_show(int argc, char **argv) {
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", show_usage, store_help);
    int p = parse("show", usage, argc, argv, "j", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("show", "give one LIB/PGM"); }
    mi_diag d = {{0}};
    mi_qname q;
    mi_status st = mi_store_parse_qname(o.pos[0], &q, &d);
    if (st == MI_OK && q.lib[0] == '\0')
        st = mi_diag_set(&d, MI_E_ARG, "show: give the program as LIB/PGM");
    if (st != MI_OK) { opts_free(&o); mi_cli_error("%s", d.msg); return MI_EXIT_USAGE; }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    mi_store_obj ob;
    st = mi_store_get(s, q.lib, q.pgm, &ob, &d);
    if (st == MI_OK) {
        show_ctx c = {o.json, 1};
        if (o.json) {
            printf("{\"object\":");
            obj_json(stdout, &ob);
            printf(",\"native\":[");
            st = mi_store_tr_list(s, ob.hash, show_tr, &c, &d);
            printf("]}\n");
        } else {
            char t[32];
            iso(ob.created, t, sizeof t);
            printf("%s/%s\n", ob.lib, ob.name);
            printf("  template     %s (xxh3-128)\n", ob.hash);
            printf("  sha256       %s\n", ob.sha256);
            printf("  size         %llu bytes\n", (unsigned long long)ob.size);
            printf("  MI version   %u (template format %u)\n", (unsigned)ob.mi_version,
                   (unsigned)ob.format_version);
            printf("  created      %s\n", t);
            printf("  source file  %s\n", ob.source_file != NULL ? ob.source_file : "(none)");
            if (ob.nshared > 1)
                printf("  shared       the same template is used by %llu objects\n",
                       (unsigned long long)ob.nshared);
            printf("  native       %llu translation%s (%llu bytes)\n",
                   (unsigned long long)ob.ntranslations, ob.ntranslations == 1 ? "" : "s",
                   (unsigned long long)ob.native_bytes);
            st = mi_store_tr_list(s, ob.hash, show_tr, &c, &d);
        }
        mi_store_obj_clear(&ob);
    }
    mi_store_close(s);
    opts_free(&o);
    return finish_output(st == MI_OK ? MI_EXIT_OK : fail(&d, st));
}

static const char src_usage[] =
    "usage: mi src LIB/PGM [--store PATH]\n\n"
    "Print a stored program's source, kept in its template (SOURCE section). A\n"
    "template assembled without its source is printed as its disassembly (MI text\n"
    "that assembles to the same template), with a note on standard error.\n\n";

/* The disassembly of lib/name, for a template that keeps no source: the template
 * is the program, so it can always be listed. *text malloc'd. */
static mi_status src_disassembly(mi_store *s, const char *lib, const char *name, char **text,
                                 size_t *n, mi_diag *d) {
    uint8_t *bytes = NULL;
    size_t nb = 0;
    mi_status st = mi_store_template(s, lib, name, &bytes, &nb, d);
    if (st != MI_OK) return st;
    mi_template t;
    mi_template_init(&t);
    mi_diag sub = {{0}};
    st = mi_template_load(bytes, nb, &t, &sub);
    free(bytes);
    if (st != MI_OK)
        return mi_diag_set(d, st, "%s/%s: stored template cannot be loaded (%s); run mi verify", lib,
                           name, sub.msg);
    st = mi_dis_format(&t, text, n, d);
    mi_template_free(&t);
    return st;
}

int mi_cmd_src(int argc, char **argv) {
    opts o;
    char usage[1024];
    snprintf(usage, sizeof usage, "%s%s", src_usage, store_help);
    int p = parse("src", usage, argc, argv, "", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("src", "give one LIB/PGM"); }
    mi_diag d = {{0}};
    mi_qname q;
    mi_status st = mi_store_parse_qname(o.pos[0], &q, &d);
    if (st == MI_OK && q.lib[0] == '\0')
        st = mi_diag_set(&d, MI_E_ARG, "src: give the program as LIB/PGM");
    if (st != MI_OK) { opts_free(&o); mi_cli_error("%s", d.msg); return MI_EXIT_USAGE; }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    char *file, *text;
    size_t n;
    st = mi_store_source(s, q.lib, q.pgm, &file, &text, &n, &d);
    if (st == MI_E_NOTFOUND) { /* no such program (said again below), or no source */
        file = NULL;
        st = src_disassembly(s, q.lib, q.pgm, &text, &n, &d);
        if (st == MI_OK)
            fprintf(stderr, "mi: %s/%s keeps no source in its template; printing its disassembly\n",
                    q.lib, q.pgm);
    }
    if (st == MI_OK) {
        fwrite(text, 1, n, stdout);
        free(file);
        free(text);
    }
    mi_store_close(s);
    opts_free(&o);
    return finish_output(st == MI_OK ? MI_EXIT_OK : fail(&d, st));
}

static const char rm_usage[] =
    "usage: mi rm LIB/PGM [--store PATH]\n\n"
    "Remove a program. Its template and native translations go too unless another\n"
    "object uses the same template.\n\n";

int mi_cmd_rm(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[1024];
    snprintf(usage, sizeof usage, "%s%s", rm_usage, store_help);
    int p = parse("rm", usage, argc, argv, "", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("rm", "give one LIB/PGM"); }
    mi_diag d = {{0}};
    mi_qname q;
    mi_status st = mi_store_parse_qname(o.pos[0], &q, &d);
    if (st == MI_OK && q.lib[0] == '\0')
        st = mi_diag_set(&d, MI_E_ARG, "rm: give the program as LIB/PGM");
    if (st != MI_OK) { opts_free(&o); mi_cli_error("%s", d.msg); return MI_EXIT_USAGE; }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    st = mi_store_rm(s, q.lib, q.pgm, &d);
    if (st == MI_OK) printf("removed %s/%s\n", q.lib, q.pgm);
    mi_store_close(s);
    opts_free(&o);
    return finish_output(st == MI_OK ? MI_EXIT_OK : fail(&d, st));
}

/* ---- save / restore ------------------------------------------------------------------------ */

static const char save_usage[] =
    "usage: mi save LIB[/PGM] ... -o FILE [--store PATH]\n\n"
    "Write programs to a save file: an SQLite database (format: mi-spec/store.md)\n"
    "holding their templates, source and metadata with SHA-256 fixity, and never\n"
    "native code. LIB saves the whole library. FILE.sha256 is written beside it\n"
    "(check it with: sha256sum -c FILE.sha256).\n\n"
    "  -o, --output FILE   the save file (replaced atomically if it exists)\n";

int mi_cmd_save(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", save_usage, store_help);
    int p = parse("save", usage, argc, argv, "o", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos < 1) { opts_free(&o); return mi_cli_usage_error("save", "name LIB or LIB/PGM to save"); }
    if (o.out == NULL) { opts_free(&o); return mi_cli_usage_error("save", "give the save file with -o FILE"); }
    mi_diag d = {{0}};
    mi_qname *items = calloc((size_t)o.npos, sizeof *items);
    mi_status st = items != NULL ? MI_OK : mi_diag_set(&d, MI_E_NOMEM, "out of memory");
    for (int i = 0; i < o.npos && st == MI_OK; i++) st = mi_store_parse_libspec(o.pos[i], &items[i], &d);
    if (st != MI_OK) {
        free(items);
        opts_free(&o);
        mi_cli_error("%s", d.msg);
        return st == MI_E_ARG ? MI_EXIT_USAGE : MI_EXIT_ERROR;
    }
    int status = MI_EXIT_ERROR;
    mi_store *s = open_store(o.store, 0);
    if (s != NULL) {
        /* The file records the host it was made on (meta host): restored on another
         * CPU, the first translations there are then recorded as "new host". A host MI
         * makes no native code for (s390x) still has a fingerprint that describes it. */
        mi_host_fp fp;
        char fptext[MI_HOST_TEXT_MAX];
        mi_status hs = mi_host_fingerprint("tcc", &fp, NULL);
        if (hs == MI_OK || hs == MI_E_UNSUPPORTED) {
            mi_host_fingerprint_text(&fp, fptext, sizeof fptext);
            mi_store_set_host(s, fptext);
        }
        mi_store_save_result r;
        st = mi_store_save(s, items, (size_t)o.npos, o.out, &r, &d);
        if (st == MI_OK) {
            printf("saved %llu object%s (%llu template%s, %llu bytes) to %s\n",
                   (unsigned long long)r.objects, r.objects == 1 ? "" : "s",
                   (unsigned long long)r.templates, r.templates == 1 ? "" : "s",
                   (unsigned long long)r.file_bytes, o.out);
            printf("SHA-256 %s (in %s.sha256)\n", r.sha256, o.out);
            status = MI_EXIT_OK;
        } else {
            status = fail(&d, st);
        }
        mi_store_close(s);
    }
    free(items);
    opts_free(&o);
    return finish_output(status);
}

static const char restore_usage[] =
    "usage: mi restore FILE [--lib LIB] [--replace] [--store PATH]\n\n"
    "Restore the programs of a save file. Everything is checked before anything\n"
    "is stored: FILE.sha256 if present, the digests recorded in the file, SQLite's\n"
    "integrity check, and every template (decoded and verified). A bad file changes\n"
    "nothing and the message says which object is bad and why.\n\n"
    "  --lib LIB      restore every program into LIB (default: each one's own\n"
    "                 library); libraries are created as needed\n"
    "  --replace      replace existing programs of the same names (without it, an\n"
    "                 existing name refuses the whole restore)\n";

int mi_cmd_restore(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", restore_usage, store_help);
    int p = parse("restore", usage, argc, argv, "lr", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 1) { opts_free(&o); return mi_cli_usage_error("restore", "give one save FILE"); }
    mi_diag d = {{0}};
    char lib[MI_STORE_NAME_MAX + 1];
    if (o.lib != NULL && mi_store_check_name(o.lib, lib, "library", &d) != MI_OK) {
        opts_free(&o);
        mi_cli_error("restore: %s", d.msg);
        return MI_EXIT_USAGE;
    }
    int status = MI_EXIT_ERROR;
    mi_store *s = open_store(o.store, 1);
    if (s != NULL) {
        mi_store_restore_result r;
        mi_status st = mi_store_restore(s, o.pos[0], o.lib != NULL ? lib : NULL,
                                        o.replace ? MI_STORE_REPLACE : 0, &r, &d);
        if (st == MI_OK) {
            printf("restored %llu object%s (%llu template%s) from %s\n",
                   (unsigned long long)r.objects, r.objects == 1 ? "" : "s",
                   (unsigned long long)r.templates, r.templates == 1 ? "" : "s", o.pos[0]);
            if (r.replaced > 0) printf("replaced %llu existing object%s\n",
                                       (unsigned long long)r.replaced, r.replaced == 1 ? "" : "s");
            printf("fixity: every template's SHA-256 and the file's recorded SHA-256 checked%s\n",
                   r.sidecar_checked ? "; FILE.sha256 matches" : " (no FILE.sha256 beside it)");
            status = MI_EXIT_OK;
        } else {
            status = fail(&d, st);
        }
        mi_store_close(s);
    }
    opts_free(&o);
    return finish_output(status);
}

/* ---- verify / gc --------------------------------------------------------------------------- */

static void print_finding(void *ctx, const char *msg) {
    (void)ctx;
    printf("FINDING: %s\n", msg);
}

static const char verify_usage[] =
    "usage: mi verify [LIB[/PGM] | --all] [--store PATH]\n\n"
    "Check the store: recompute every hash (xxh3-128 and SHA-256 of templates, the\n"
    "image hashes of native translations), verify every template again, check\n"
    "names and references, and run SQLite's integrity and foreign key checks.\n"
    "Each problem is printed as a FINDING line; the exit status is 1 if there is\n"
    "any. LIB or LIB/PGM narrows the object checks (the SQLite checks always cover\n"
    "the whole file); --all, the default, checks everything.\n\n";

int mi_cmd_verify(int argc, char **argv) {
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", verify_usage, store_help);
    int p = parse("verify", usage, argc, argv, "a", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos > 1 || (o.npos == 1 && o.all)) {
        opts_free(&o);
        return mi_cli_usage_error("verify", "give LIB, LIB/PGM or --all");
    }
    mi_diag d = {{0}};
    mi_qname q = {"", ""};
    if (o.npos == 1 && mi_store_parse_libspec(o.pos[0], &q, &d) != MI_OK) {
        opts_free(&o);
        mi_cli_error("verify: %s", d.msg);
        return MI_EXIT_USAGE;
    }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    mi_store_verify_result r;
    mi_status st = mi_store_verify(s, q.lib[0] ? q.lib : NULL, q.pgm[0] ? q.pgm : NULL,
                                   print_finding, NULL, &r, &d);
    int status;
    if (st == MI_OK || (st == MI_E_STORE && r.findings > 0)) {
        printf("%s: %llu object%s, %llu template%s, %llu native translation%s checked: ",
               mi_store_path(s), (unsigned long long)r.objects, r.objects == 1 ? "" : "s",
               (unsigned long long)r.templates, r.templates == 1 ? "" : "s",
               (unsigned long long)r.translations, r.translations == 1 ? "" : "s");
        if (st == MI_OK) printf("clean\n");
        else printf("%llu finding%s\n", (unsigned long long)r.findings, r.findings == 1 ? "" : "s");
        status = st == MI_OK ? MI_EXIT_OK : MI_EXIT_ERROR;
    } else {
        status = fail(&d, st);
    }
    mi_store_close(s);
    opts_free(&o);
    return finish_output(status);
}

static const char gc_usage[] =
    "usage: mi gc [--older-than DAYS] [--all-hosts] [--store PATH]\n\n"
    "Drop native translations made for other hosts (any fingerprint but this\n"
    "host's, see mi host) and, with --older-than, those not used for DAYS days;\n"
    "also templates no object uses. Reports what it freed. Native code is always\n"
    "made again from the template when needed.\n\n"
    "  --older-than DAYS  also drop translations unused for DAYS days (may be 0)\n"
    "  --all-hosts        keep translations of every host (only --older-than applies)\n";

int mi_cmd_gc(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", gc_usage, store_help);
    int p = parse("gc", usage, argc, argv, "th", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 0) { opts_free(&o); return mi_cli_usage_error("gc", "takes no operands"); }
    int64_t older = -1;
    if (o.older != NULL) {
        char *end;
        errno = 0;
        long long days = strtoll(o.older, &end, 10);
        if (*end != '\0' || errno != 0 || days < 0 || days > 1000000) {
            opts_free(&o);
            return mi_cli_usage_error("gc", "--older-than: '%s' is not a number of days", o.older);
        }
        older = (int64_t)days * 86400;
    }
    /* This host's fingerprints, one per translation tier. */
    static const char *const tiers[2] = {"tcc", "cc-O2"};
    char texts[2][MI_HOST_TEXT_MAX];
    const char *keep[2];
    size_t nkeep = 0;
    mi_diag d = {{0}};
    if (!o.all_hosts) {
        for (int i = 0; i < 2; i++) {
            mi_host_fp fp;
            mi_status hs = mi_host_fingerprint(tiers[i], &fp, &d);
            if (hs != MI_OK && hs != MI_E_UNSUPPORTED) {
                opts_free(&o);
                mi_cli_error("gc: %s", d.msg);
                return MI_EXIT_ERROR;
            }
            mi_host_fingerprint_text(&fp, texts[i], sizeof texts[i]);
            keep[nkeep++] = texts[i];
        }
    }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    mi_store_gc_result r;
    mi_status st = mi_store_gc(s, keep, nkeep, older, 0, &r, &d);
    if (st == MI_OK)
        printf("freed %llu native translation%s (%llu bytes) and %llu unused template%s "
               "(%llu bytes)\n", (unsigned long long)r.translations,
               r.translations == 1 ? "" : "s", (unsigned long long)r.native_bytes,
               (unsigned long long)r.templates, r.templates == 1 ? "" : "s",
               (unsigned long long)r.template_bytes);
    mi_store_close(s);
    opts_free(&o);
    return finish_output(st == MI_OK ? MI_EXIT_OK : fail(&d, st));
}

/* ---- the store side of mi run ------------------------------------------------------------- */

struct mi_cli_store_run {
    mi_store *s;
    mi_store_libl libl;
    mi_resolver resolver;
};

static mi_status run_find(void *ctx, const char *name, uint8_t **bytes, size_t *n, mi_diag *d) {
    mi_cli_store_run *r = ctx;
    return mi_store_resolve(r->s, &r->libl, name, NULL, bytes, n, d);
}

int mi_cli_store_is_target(const char *arg) {
    struct stat sb;
    if (arg == NULL || strchr(arg, '.') != NULL || stat(arg, &sb) == 0) return 0;
    mi_qname q;
    return mi_store_parse_qname(arg, &q, NULL) == MI_OK;
}

mi_status mi_cli_store_run_open(const char *store, const char *libl, mi_cli_store_run **out,
                                mi_diag *d) {
    *out = NULL;
    mi_cli_store_run *r = calloc(1, sizeof *r);
    if (r == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    if (libl == NULL) libl = getenv("MI_LIBL");
    mi_status st = mi_store_libl_parse(libl, &r->libl, d);
    char *path = NULL;
    if (st == MI_OK) {
        if (store != NULL) {
            path = strdup(store);
            if (path == NULL) st = mi_diag_set(d, MI_E_NOMEM, "out of memory");
        } else {
            st = mi_store_default_path(&path, d);
        }
    }
    if (st == MI_OK) st = mi_store_open(path, MI_STORE_OPEN_NOCREATE, &r->s, d);
    free(path);
    if (st != MI_OK) {
        free(r);
        return st;
    }
    r->resolver.find = run_find;
    r->resolver.ctx = r;
    r->resolver.fold_case = 1; /* store names are case-insensitive (mi-spec/store.md) */
    *out = r;
    return MI_OK;
}

mi_status mi_cli_store_run_find(mi_cli_store_run *r, const char *target, uint8_t **bytes,
                                size_t *n, char *name, mi_diag *d) {
    mi_qname found;
    mi_status st = mi_store_resolve(r->s, &r->libl, target, &found, bytes, n, d);
    if (st == MI_OK) memcpy(name, found.pgm, sizeof found.pgm);
    return st;
}

const mi_resolver *mi_cli_store_run_resolver(mi_cli_store_run *r) { return &r->resolver; }

mi_store *mi_cli_store_run_store(mi_cli_store_run *r) { return r->s; }

void mi_cli_store_run_close(mi_cli_store_run *r) {
    if (r == NULL) return;
    mi_store_close(r->s);
    free(r);
}

/* ---- host / retranslate ------------------------------------------------------------------- */

static const char host_usage[] =
    "usage: mi host [--json] [--opt]\n\n"
    "Print this host's fingerprint: the text that native translations are kept\n"
    "under (architecture, OS and C library, the CPU features generated code may\n"
    "use, libtcc, tier, translator and runtime-table versions, and the value of\n"
    "MI_HOST_SALT, which makes a process act as another host), then its key\n"
    "(xxh3-128 of the text). --opt: the optimising tier's (cc-O2) fingerprint.\n\n"
    "  --json         one JSON object with every field, the text and the key\n"
    "  --opt          the cc-O2 tier instead of tcc\n"
    "  --help         show this help\n";

int mi_cmd_host(int argc, char **argv) {
    opts o;
    int p = parse("host", host_usage, argc, argv, "jO", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos != 0 || o.store != NULL) {
        opts_free(&o);
        return mi_cli_usage_error("host", "takes no operands");
    }
    mi_host_fp fp;
    mi_diag d = {{0}};
    mi_status st = mi_host_fingerprint(o.opt ? "cc-O2" : "tcc", &fp, &d);
    if (st != MI_OK && st != MI_E_UNSUPPORTED) {
        opts_free(&o);
        return fail(&d, st);
    }
    if (o.json) {
        char json[MI_HOST_JSON_MAX];
        mi_host_describe_json(&fp, json, sizeof json);
        printf("%s\n", json);
    } else {
        char text[MI_HOST_TEXT_MAX], key[33];
        mi_host_fingerprint_text(&fp, text, sizeof text);
        mi_host_key(&fp, key);
        printf("%s\nkey %s\n", text, key);
        if (st == MI_E_UNSUPPORTED) printf("(no native code on this host: %s)\n", d.msg);
    }
    opts_free(&o);
    return finish_output(MI_EXIT_OK);
}

typedef struct rt_item {
    char lib[MI_STORE_NAME_MAX + 1], name[MI_STORE_NAME_MAX + 1], hash[33];
} rt_item;
typedef struct rt_acc {
    rt_item *v;
    size_t n, cap;
} rt_acc;

static int collect_obj(void *ctx, const mi_store_obj *ob) {
    rt_acc *a = ctx;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].hash, ob->hash) == 0) return 0; /* one translation per template */
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 16;
        rt_item *nv = realloc(a->v, nc * sizeof *nv);
        if (nv == NULL) return 1;
        a->v = nv;
        a->cap = nc;
    }
    rt_item *it = &a->v[a->n++];
    memcpy(it->lib, ob->lib, sizeof it->lib);
    memcpy(it->name, ob->name, sizeof it->name);
    memcpy(it->hash, ob->hash, sizeof it->hash);
    return 0;
}

static const char retranslate_usage[] =
    "usage: mi retranslate [LIB[/PGM] | --all] [--opt] [--store PATH]\n\n"
    "Translate stored programs for this host again, replacing their translations\n"
    "(reason \"forced\"): one program, every program of LIB, or with --all (the\n"
    "default) every program in the store. A program whose template is shared is\n"
    "translated once. On a terminal, a progress line is shown on standard error.\n\n"
    "  --opt          the optimising tier (system C compiler at -O2) instead of tcc\n";

int mi_cmd_retranslate(int argc, char **argv) {
    prepare_signals();
    opts o;
    char usage[2048];
    snprintf(usage, sizeof usage, "%s%s", retranslate_usage, store_help);
    int p = parse("retranslate", usage, argc, argv, "aO", &o);
    if (p != 0) { opts_free(&o); return p > 0 ? MI_EXIT_OK : MI_EXIT_USAGE; }
    if (o.npos > 1 || (o.npos == 1 && o.all)) {
        opts_free(&o);
        return mi_cli_usage_error("retranslate", "give LIB, LIB/PGM or --all");
    }
    mi_diag d = {{0}};
    mi_qname q = {"", ""};
    if (o.npos == 1 && mi_store_parse_libspec(o.pos[0], &q, &d) != MI_OK) {
        opts_free(&o);
        mi_cli_error("retranslate: %s", d.msg);
        return MI_EXIT_USAGE;
    }
    mi_store *s = open_store(o.store, 0);
    if (s == NULL) { opts_free(&o); return MI_EXIT_ERROR; }
    rt_acc acc = {NULL, 0, 0};
    mi_status st;
    if (q.pgm[0] != '\0') {
        mi_store_obj ob;
        st = mi_store_get(s, q.lib, q.pgm, &ob, &d);
        if (st == MI_OK) {
            if (collect_obj(&acc, &ob) != 0) st = mi_diag_set(&d, MI_E_NOMEM, "out of memory");
            mi_store_obj_clear(&ob);
        }
    } else {
        st = mi_store_list(s, q.lib[0] ? q.lib : NULL, collect_obj, &acc, &d);
    }
    const char *tier = o.opt ? "cc-O2" : "tcc";
    int tty = isatty(STDERR_FILENO);
    uint64_t done = 0, failed = 0;
    for (size_t i = 0; i < acc.n && st == MI_OK; i++) {
        if (tty) {
            fprintf(stderr, "\r[%zu/%zu] %s/%-10s", i + 1, acc.n, acc.v[i].lib, acc.v[i].name);
            fflush(stderr);
        }
        mi_diag td = {{0}};
        mi_status ts = translate_stored(s, acc.v[i].lib, acc.v[i].name, acc.v[i].hash, NULL, tier,
                                        MI_TR_FORCED, NULL, &td);
        if (ts == MI_OK) {
            done++;
        } else {
            if (tty) fputc('\n', stderr);
            fprintf(stderr, "mi: %s/%s not translated: %s\n", acc.v[i].lib, acc.v[i].name,
                    td.msg);
            failed++;
            if (ts == MI_E_UNSUPPORTED && i == 0 && acc.n > 1) {
                /* the tier itself is missing (no libtcc, no compiler): stop here */
                failed = acc.n - done;
                break;
            }
        }
    }
    if (tty && acc.n > 0) fputc('\n', stderr);
    if (st == MI_OK)
        printf("retranslated %llu program%s for this host (tier %s)%s\n",
               (unsigned long long)done, done == 1 ? "" : "s", tier,
               failed > 0 ? "; some failed" : "");
    free(acc.v);
    mi_store_close(s);
    opts_free(&o);
    if (st != MI_OK) return finish_output(fail(&d, st));
    return finish_output(failed > 0 ? MI_EXIT_ERROR : MI_EXIT_OK);
}
