/* mi run FILE|LIB/PGM|PGM [--interpret | --translate] [--max-space N] [--store PATH] [--libl L] [--] [ARGS...] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_store.h"
#include "cli_tr.h"
#include "mi_host.h"
#include "mi_store.h"
#include "mi_machine.h"
#include "mi_translate.h"

static const char usage[] =
    "usage: mi run FILE|LIB/PGM|PGM [--interpret | --translate] [--max-space BYTES]\n"
    "              [--store PATH] [--libl LIB,LIB...] [--] [ARGS...]\n\n"
    "Run a program: FILE is MI text (assembled in memory) or a program template\n"
    "(loaded and verified); LIB/PGM or PGM (no such file, no '.') is a program in\n"
    "the object store, PGM found through the library list. ARGS are the program's\n"
    "arguments (services ARGC/ARGV); write -- before the first one if it starts\n"
    "with '-'.\n\n"
    "  --interpret        run with the reference interpreter (the default for FILE)\n"
    "  --translate        run translated native code (the default for a stored\n"
    "                     program, whose translation for this host is kept in the\n"
    "                     store: made on first use, or again when the host, the\n"
    "                     translator or the image's integrity changed; on a host\n"
    "                     that makes no native code, see mi host, the default is\n"
    "                     to interpret)\n"
    "  --max-space BYTES  limit on the total size of all spaces (default 1G);\n"
    "                     a K, M or G suffix multiplies by 1024, 1024^2, 1024^3\n"
    "  --store PATH       the object store (default: $MI_STORE, else\n"
    "                     $XDG_DATA_HOME/mi/store.db or ~/.local/share/mi/store.db)\n"
    "  --libl A,B,C       the library list (default: $MI_LIBL, else MILIB)\n"
    "  --help             show this help\n\n"
    "Programs called with RSLVSP name are found as NAME.mi or NAME.mit in the\n"
    "directory of FILE, then in each directory of MI_PATH (colon-separated); for\n"
    "a stored program, through the library list.\n\n"
    "exit status: the program's (0, or the value given to EXIT); 1 if FILE cannot\n"
    "be read, assembled or verified; 2 for a usage error; 3 when the program ends\n"
    "with an unhandled exception, reported on standard error as\n"
    "  mi: unhandled exception ID in program NAME at instruction N (line L): MESSAGE\n";

/* ---- resolver: NAME -> NAME.mi / NAME.mit in the program's directory, then MI_PATH */

typedef struct resolver_ctx {
    char **dirs;
    size_t ndirs;
} resolver_ctx;

static int add_dir(resolver_ctx *rc, const char *s, size_t n) {
    if (n == 0) return 0; /* empty MI_PATH entries are ignored */
    char **nd = realloc(rc->dirs, (rc->ndirs + 1) * sizeof *nd);
    if (nd == NULL) return -1;
    rc->dirs = nd;
    char *d = malloc(n + 1);
    if (d == NULL) return -1;
    memcpy(d, s, n);
    d[n] = '\0';
    rc->dirs[rc->ndirs++] = d;
    return 0;
}

static int resolver_init(resolver_ctx *rc, const char *file) {
    memset(rc, 0, sizeof *rc);
    const char *slash = strrchr(file, '/');
    int r = slash == NULL ? add_dir(rc, ".", 1)
                          : add_dir(rc, slash == file ? "/" : file, slash == file ? 1 : (size_t)(slash - file));
    const char *p = getenv("MI_PATH");
    while (r == 0 && p != NULL && *p != '\0') {
        const char *c = strchr(p, ':');
        size_t n = c != NULL ? (size_t)(c - p) : strlen(p);
        r = add_dir(rc, p, n);
        p = c != NULL ? c + 1 : NULL;
    }
    return r;
}

static void resolver_free(resolver_ctx *rc) {
    for (size_t i = 0; i < rc->ndirs; i++) free(rc->dirs[i]);
    free(rc->dirs);
}

static mi_status resolve(void *ctx, const char *name, uint8_t **bytes, size_t *n, mi_diag *d) {
    const resolver_ctx *rc = ctx;
    static const char *const exts[] = {".mi", ".mit"};
    for (size_t i = 0; i < rc->ndirs; i++) {
        for (size_t k = 0; k < 2; k++) {
            size_t len = strlen(rc->dirs[i]) + strlen(name) + 8;
            char *path = malloc(len);
            if (path == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
            snprintf(path, len, "%s/%s%s", rc->dirs[i], name, exts[k]);
            uint8_t *buf;
            size_t blen;
            mi_status st = mi_cli_read_file(path, &buf, &blen, d);
            if (st == MI_E_NOTFOUND) {
                free(path);
                continue;
            }
            if (st == MI_OK && !mi_cli_is_template(buf, blen)) {
                uint8_t *out = NULL;
                size_t outn = 0;
                st = mi_cli_assemble_quiet(path, buf, blen, &out, &outn, d);
                free(buf);
                buf = out;
                blen = outn;
            }
            free(path);
            if (st != MI_OK) return st;
            *bytes = buf;
            *n = blen;
            return MI_OK;
        }
    }
    return MI_E_NOTFOUND;
}

/* ---- the command ----------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *v) {
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    char *end;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno != 0) return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10;
    else if (*end == 'M' || *end == 'm') shift = 20;
    else if (*end == 'G' || *end == 'g') shift = 30;
    if (shift != 0) end++;
    if (*end != '\0' || x == 0 || x > (UINT64_MAX >> shift)) return -1;
    *v = (uint64_t)x << shift;
    return 0;
}

/* The program's name (§12.1): FILE's last path component without a final .mi or
 * .mit extension. */
static char *program_name(const char *file) {
    const char *b = strrchr(file, '/');
    b = b != NULL ? b + 1 : file;
    size_t n = strlen(b);
    if (n > 3 && strcmp(b + n - 3, ".mi") == 0) n -= 3;
    else if (n > 4 && strcmp(b + n - 4, ".mit") == 0) n -= 4;
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, b, n);
        s[n] = '\0';
    }
    return s;
}

int mi_cmd_run(int argc, char **argv) {
    const char *file = NULL, *store_opt = NULL, *libl_opt = NULL;
    uint64_t max_space = 0;
    int translate = -1, i = 1; /* -1: the default (stored: translate; FILE: interpret) */
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return MI_EXIT_OK;
        } else if (strcmp(a, "--interpret") == 0) {
            translate = 0;
        } else if (strcmp(a, "--translate") == 0) {
            translate = 1;
        } else if (strcmp(a, "--max-space") == 0 || strncmp(a, "--max-space=", 12) == 0) {
            const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL) return mi_cli_usage_error("run", "--max-space needs a number of bytes");
            if (parse_size(v, &max_space) != 0)
                return mi_cli_usage_error("run", "--max-space: '%s' is not a positive number of bytes", v);
        } else if (strcmp(a, "--store") == 0 || strcmp(a, "--libl") == 0) {
            if (i + 1 >= argc) return mi_cli_usage_error("run", "%s needs a value", a);
            if (a[2] == 's') {
                store_opt = argv[++i];
            } else {
                /* a malformed list is a usage error, found before anything is opened */
                mi_store_libl l;
                mi_diag ld = {{0}};
                libl_opt = argv[++i];
                if (mi_store_libl_parse(libl_opt, &l, &ld) != MI_OK)
                    return mi_cli_usage_error("run", "--libl: %s", ld.msg);
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            return mi_cli_usage_error("run", "unknown option '%s'", a);
        } else if (file == NULL) {
            file = a;
        } else {
            break; /* the first program argument */
        }
    }
    if (file == NULL) {
        if (i < argc) file = argv[i++];
        else return mi_cli_usage_error("run", "no program file");
    }

    mi_diag d = {{0}};
    uint8_t *buf;
    size_t n;
    mi_cli_store_run *sr = NULL;
    char stored_name[16];
    char stored_hash[33] = "";
    int from_store = mi_cli_store_is_target(file);
    /* A stored program runs translated by default, but only where this build can make
     * native code (libtcc, a known CPU): a build without a translator (s390x) just
     * interprets, rather than saying on every run that translation is unavailable. An
     * explicit --translate still says why it interprets. */
    if (translate < 0) {
        mi_host_fp fp;
        translate = from_store && mi_host_fingerprint("tcc", &fp, NULL) == MI_OK;
    }
    if (from_store) {
        if (mi_cli_store_run_open(store_opt, libl_opt, &sr, &d) != MI_OK ||
            mi_cli_store_run_find(sr, file, &buf, &n, stored_name, &d) != MI_OK) {
            mi_cli_error("%s", d.msg);
            mi_cli_store_run_close(sr);
            return MI_EXIT_ERROR;
        }
        mi_store_xxh128_hex(buf, n, stored_hash);
    } else if (mi_cli_read_file(file, &buf, &n, &d) != MI_OK) {
        mi_cli_error("%s", d.msg);
        return MI_EXIT_ERROR;
    }
    mi_template t;
    mi_template_init(&t);
    mi_status st = mi_cli_load_program(file, buf, n, &t);
    free(buf);
    if (st != MI_OK) {
        mi_cli_store_run_close(sr);
        return MI_EXIT_ERROR;
    }

    char *name = from_store ? strdup(stored_name) : program_name(file);
    resolver_ctx rc;
    if (name == NULL || resolver_init(&rc, file) != 0) {
        free(name);
        mi_template_free(&t);
        mi_cli_store_run_close(sr);
        mi_cli_error("out of memory");
        return MI_EXIT_ERROR;
    }
    mi_resolver resolver = {resolve, &rc, 0};
    if (from_store) resolver = *mi_cli_store_run_resolver(sr);
    mi_run_opts o;
    mi_run_opts_init(&o);
    o.argc = argc - i;
    o.argv = argv + i;
    o.max_space = max_space;
    o.resolver = &resolver;
    mi_translate_opts topts;
    mi_exec_hook hook;
    mi_cli_trcache *tc = NULL, *tc_opt = NULL;
    if (translate) {
        mi_translate_opts_init(&topts); /* fallback: one line on stderr, then interpret */
        if (from_store) {
            /* The store keeps the translations (mi-spec/store.md): without libtcc
             * there is no cache, and the hook says why it interprets. */
            mi_store *s = mi_cli_store_run_store(sr);
            if (mi_cli_trcache_open(s, "tcc", &tc, NULL) == MI_OK) {
                mi_cli_trcache_set_first(tc, stored_hash);
                if (mi_cli_trcache_open(s, "cc-O2", &tc_opt, NULL) == MI_OK)
                    mi_cli_trcache_prefer(tc, tc_opt);
                mi_cli_trcache_hook_opts(tc, &topts);
            }
        }
        mi_translate_hook_init(&hook, &topts);
        o.hook = &hook;
    }
    mi_run_result *res = malloc(sizeof *res);
    if (res == NULL) {
        resolver_free(&rc);
        free(name);
        mi_template_free(&t);
        mi_cli_trcache_close(tc);
        mi_cli_trcache_close(tc_opt);
        mi_cli_store_run_close(sr);
        mi_cli_error("out of memory");
        return MI_EXIT_ERROR;
    }
    st = mi_run(&t, name, &o, res);
    int status;
    if (st == MI_OK) {
        status = res->exit_status;
    } else if (st == MI_E_EXCEPTION) {
        char line[1024];
        mi_run_result_format(res, line, sizeof line);
        /* exactly this one line (§10.6); res->diag's detail is not printed */
        mi_cli_error("%s", line);
        status = MI_EXIT_EXCEPTION;
    } else {
        mi_cli_error("%s: %s", file, res->diag.msg[0] ? res->diag.msg : mi_status_text(st));
        status = MI_EXIT_ERROR;
    }
    if (res->output_error && status != MI_EXIT_EXCEPTION) {
        mi_cli_error("error writing the program's output");
        status = MI_EXIT_ERROR;
    }
    free(res);
    mi_cli_trcache_close(tc);
    mi_cli_trcache_close(tc_opt);
    mi_cli_store_run_close(sr);
    resolver_free(&rc);
    free(name);
    mi_template_free(&t);
    return status;
}
