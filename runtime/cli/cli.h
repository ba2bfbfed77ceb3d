/* Shared helpers of the `mi` command (runtime/cli/). Exit statuses: */
#ifndef MI_CLI_H
#define MI_CLI_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"
#include "mi_template.h"

enum {
    MI_EXIT_OK = 0,
    MI_EXIT_ERROR = 1,     /* error before or outside the program */
    MI_EXIT_USAGE = 2,     /* bad command line */
    MI_EXIT_EXCEPTION = 3, /* the program ended with an unhandled MI exception */
};

#define X(name, fn, help) int fn(int argc, char **argv);
#include "commands.def"
#undef X

/* "mi: <message>\n" on stderr. */
void mi_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "mi NAME: <message>\n" plus a hint to run `mi NAME --help`; returns MI_EXIT_USAGE. */
int mi_cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reads a whole file (at most MI_MAX_TEMPLATE_BYTES * 4 bytes) into a malloc'd
 * buffer with a NUL after the last byte. MI_E_NOTFOUND if it does not exist,
 * MI_E_IO otherwise, with a message naming the file in d. */
mi_status mi_cli_read_file(const char *path, uint8_t **buf, size_t *n, mi_diag *d);
/* Writes via a temporary file in the same directory and rename(). */
mi_status mi_cli_write_file(const char *path, const uint8_t *buf, size_t n, mi_diag *d);

/* Does buf start with the template magic? */
int mi_cli_is_template(const uint8_t *buf, size_t n);

/* Turns file bytes (a template, or MI text that is assembled) into a verified
 * template in *t (freshly initialised). Errors are printed on stderr (assembly
 * diagnostics as file:line:col); returns MI_OK or the failing status. */
mi_status mi_cli_load_program(const char *path, const uint8_t *buf, size_t n, mi_template *t);

/* Assembles text into template bytes; on failure prints nothing but leaves the
 * first diagnostic in d. Used by the resolver of `mi run`. */
mi_status mi_cli_assemble_quiet(const char *path, const uint8_t *buf, size_t n, uint8_t **out,
                                size_t *outn, mi_diag *d);

#endif
