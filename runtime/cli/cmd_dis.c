/* mi dis FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "mi_asm.h"

static const char usage[] =
    "usage: mi dis FILE\n\n"
    "Print a program template as canonical MI text on standard output. FILE is a\n"
    "template (.mit), or MI text, which is assembled first. The template is verified;\n"
    "the text printed assembles back to the identical template.\n\n"
    "  --help  show this help\n";

int mi_cmd_dis(int argc, char **argv) {
    const char *in = NULL;
    int opts_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return MI_EXIT_OK;
        } else if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            return mi_cli_usage_error("dis", "unknown option '%s'", a);
        } else if (in == NULL) {
            in = a;
        } else {
            return mi_cli_usage_error("dis", "more than one input file ('%s')", a);
        }
    }
    if (in == NULL) return mi_cli_usage_error("dis", "no input file");

    mi_diag d = {{0}};
    uint8_t *buf;
    size_t n;
    if (mi_cli_read_file(in, &buf, &n, &d) != MI_OK) {
        mi_cli_error("%s", d.msg);
        return MI_EXIT_ERROR;
    }
    mi_template t;
    mi_template_init(&t);
    mi_status st = mi_cli_load_program(in, buf, n, &t);
    free(buf);
    if (st != MI_OK) return MI_EXIT_ERROR;
    char *text = NULL;
    size_t tn = 0;
    st = mi_dis_format(&t, &text, &tn, &d);
    mi_template_free(&t);
    if (st != MI_OK) {
        mi_cli_error("%s: %s", in, d.msg[0] ? d.msg : mi_status_text(st));
        return MI_EXIT_ERROR;
    }
    int ok = fwrite(text, 1, tn, stdout) == tn;
    free(text);
    if (fflush(stdout) != 0 || !ok) {
        mi_cli_error("error writing standard output");
        return MI_EXIT_ERROR;
    }
    return MI_EXIT_OK;
}
