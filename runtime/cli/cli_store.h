/* What `mi run` needs from the object store (defined in cmd_store.c): running a
 * stored program (`mi run LIB/PGM`, `mi run PGM` through a library list) and a
 * resolver that finds CALLX targets through the same library list.
 *
 * Ownership: a mi_cli_store_run owns its open store and library list; close it
 * after the run. Bytes returned are malloc'd and belong to the caller. */
#ifndef MI_CLI_STORE_H
#define MI_CLI_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "mi_machine.h"
#include "mi_status.h"

typedef struct mi_cli_store_run mi_cli_store_run;

/* 1 if a `mi run` operand names a stored program rather than a file: no file of
 * that name exists, it has no '.', and it is PGM or LIB/PGM in the store's name
 * grammar (mi-spec/store.md). */
int mi_cli_store_is_target(const char *arg);

/* Open the store (store: the --store value, or NULL for $MI_STORE or the default
 * location) read-only in spirit (never created), with the library list libl
 * (the --libl value "A,B,C", or NULL for $MI_LIBL, else the default "MILIB"). */
mi_status mi_cli_store_run_open(const char *store, const char *libl, mi_cli_store_run **out,
                                mi_diag *d);

/* The program to run: target is "LIB/PGM" or "PGM" (through the library list).
 * name (at least 11 bytes) := the program's name, for the run. */
mi_status mi_cli_store_run_find(mi_cli_store_run *r, const char *target, uint8_t **bytes,
                                size_t *n, char *name, mi_diag *d);

/* The resolver RSLVSP uses: the same library list. Valid until close. */
const mi_resolver *mi_cli_store_run_resolver(mi_cli_store_run *r);

/* The open store (for the translation cache). Valid until close. */
struct mi_store *mi_cli_store_run_store(mi_cli_store_run *r);

void mi_cli_store_run_close(mi_cli_store_run *r); /* NULL is a no-op */

#endif
