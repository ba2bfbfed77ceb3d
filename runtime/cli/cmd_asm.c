/* mi asm FILE.mi [-o OUT] [--no-source] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "mi_asm.h"

static const char usage[] =
    "usage: mi asm FILE.mi [-o OUT] [--no-source]\n\n"
    "Assemble MI text into a program template.\n\n"
    "  -o OUT       write the template to OUT (default: FILE with .mi replaced by .mit)\n"
    "  --no-source  do not embed the source text in the template (a .source or\n"
    "               .nosource directive in the text still decides)\n"
    "  --help       show this help\n\n"
    "Assembly errors are printed as FILE:LINE:COL: error: MESSAGE; exit status 1.\n";

/* FILE.mi -> FILE.mit; any other name gets .mit appended. */
static char *default_out(const char *in) {
    size_t n = strlen(in);
    char *out = malloc(n + 5);
    if (out == NULL) return NULL;
    memcpy(out, in, n + 1);
    if (n >= 3 && strcmp(in + n - 3, ".mi") == 0) strcpy(out + n - 3, ".mit");
    else strcpy(out + n, ".mit");
    return out;
}

int mi_cmd_asm(int argc, char **argv) {
    const char *in = NULL, *out = NULL;
    int no_source = 0, opts_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return MI_EXIT_OK;
        } else if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && strcmp(a, "-o") == 0) {
            if (i + 1 >= argc) return mi_cli_usage_error("asm", "-o needs a file name");
            out = argv[++i];
        } else if (!opts_done && strcmp(a, "--no-source") == 0) {
            no_source = 1;
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            return mi_cli_usage_error("asm", "unknown option '%s'", a);
        } else if (in == NULL) {
            in = a;
        } else {
            return mi_cli_usage_error("asm", "more than one input file ('%s')", a);
        }
    }
    if (in == NULL) return mi_cli_usage_error("asm", "no input file");

    mi_diag d = {{0}};
    uint8_t *text;
    size_t n;
    if (mi_cli_read_file(in, &text, &n, &d) != MI_OK) {
        mi_cli_error("%s", d.msg);
        return MI_EXIT_ERROR;
    }
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = in;
    o.embed_source = !no_source;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    uint8_t *bytes = NULL;
    size_t nbytes = 0;
    mi_status st = mi_asm_assemble((const char *)text, n, &o, &bytes, &nbytes, &dg);
    free(text);
    if (st != MI_OK) {
        for (unsigned i = 0; i < dg.n; i++) fprintf(stderr, "%s\n", dg.msgs[i]);
        if (dg.n == 0) mi_cli_error("%s: %s", in, mi_status_text(st));
        mi_asm_diags_free(&dg);
        return MI_EXIT_ERROR;
    }
    mi_asm_diags_free(&dg);
    char *dflt = out == NULL ? default_out(in) : NULL;
    if (out == NULL && dflt == NULL) {
        free(bytes);
        mi_cli_error("out of memory");
        return MI_EXIT_ERROR;
    }
    st = mi_cli_write_file(out != NULL ? out : dflt, bytes, nbytes, &d);
    free(bytes);
    free(dflt);
    if (st != MI_OK) {
        mi_cli_error("%s", d.msg);
        return MI_EXIT_ERROR;
    }
    return MI_EXIT_OK;
}
