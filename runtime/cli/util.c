/* Helpers shared by the `mi` subcommands (cli.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "mi_asm.h"

void mi_cli_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("mi: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int mi_cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mi %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see mi %s --help)\n", cmd);
    va_end(ap);
    return MI_EXIT_USAGE;
}

/* MI text is at most a few times the largest template. */
#define MAX_INPUT ((size_t)MI_MAX_TEMPLATE_BYTES * 4u)

mi_status mi_cli_read_file(const char *path, uint8_t **buf, size_t *n, mi_diag *d) {
    *buf = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return mi_diag_set(d, e == ENOENT || e == ENOTDIR ? MI_E_NOTFOUND : MI_E_IO, "cannot read %s: %s",
                           path, strerror(e));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return mi_diag_set(d, MI_E_IO, "cannot read %s: %s", path, strerror(EISDIR));
    }
    size_t cap = 4096, len = 0;
    uint8_t *b = malloc(cap + 1);
    if (b == NULL) {
        fclose(f);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory reading %s", path);
    }
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_INPUT) {
                free(b);
                fclose(f);
                return mi_diag_set(d, MI_E_IO, "cannot read %s: larger than %zu bytes", path, MAX_INPUT);
            }
            cap *= 2;
            uint8_t *nb = realloc(b, cap + 1);
            if (nb == NULL) {
                free(b);
                fclose(f);
                return mi_diag_set(d, MI_E_NOMEM, "out of memory reading %s", path);
            }
            b = nb;
        }
        size_t k = fread(b + len, 1, cap - len, f);
        len += k;
        if (k == 0) break;
    }
    int bad = ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        free(b);
        return mi_diag_set(d, MI_E_IO, "cannot read %s: %s", path, strerror(e));
    }
    b[len] = '\0';
    *buf = b;
    *n = len;
    return MI_OK;
}

mi_status mi_cli_write_file(const char *path, const uint8_t *buf, size_t n, mi_diag *d) {
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 32);
    if (tmp == NULL) return mi_diag_set(d, MI_E_NOMEM, "out of memory");
    snprintf(tmp, pl + 32, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        int e = errno;
        free(tmp);
        return mi_diag_set(d, MI_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    int ok = fwrite(buf, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        remove(tmp);
        free(tmp);
        return mi_diag_set(d, MI_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    free(tmp);
    return MI_OK;
}

int mi_cli_is_template(const uint8_t *buf, size_t n) {
    static const uint8_t magic[8] = {0x89, 'M', 'I', 'T', '\r', '\n', 0x1a, '\n'};
    return n >= 4 && memcmp(buf, magic, n < 8 ? n : 8) == 0;
}

mi_status mi_cli_load_program(const char *path, const uint8_t *buf, size_t n, mi_template *t) {
    if (mi_cli_is_template(buf, n)) {
        mi_diag d = {{0}};
        mi_status st = mi_template_load(buf, n, t, &d);
        if (st != MI_OK) mi_cli_error("%s: %s", path, d.msg[0] ? d.msg : mi_status_text(st));
        return st;
    }
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = path;
    o.embed_source = 0;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_build((const char *)buf, n, &o, t, &dg);
    if (st != MI_OK) {
        for (unsigned i = 0; i < dg.n; i++) fprintf(stderr, "%s\n", dg.msgs[i]);
        if (dg.n == 0) mi_cli_error("%s: %s", path, mi_status_text(st));
    }
    mi_asm_diags_free(&dg);
    return st;
}

mi_status mi_cli_assemble_quiet(const char *path, const uint8_t *buf, size_t n, uint8_t **out,
                                size_t *outn, mi_diag *d) {
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = path;
    o.embed_source = 0;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    mi_status st = mi_asm_assemble((const char *)buf, n, &o, out, outn, &dg);
    if (st != MI_OK) {
        if (dg.n > 0) mi_diag_set(d, st, "%s%s", dg.msgs[0], dg.n > 1 ? " (and more errors)" : "");
        else mi_diag_set(d, st, "%s: %s", path, mi_status_text(st));
    }
    mi_asm_diags_free(&dg);
    return st;
}
