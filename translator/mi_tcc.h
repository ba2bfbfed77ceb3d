/* mi_tcc: the libtcc adapter. Compiles one C translation unit into a
 * position-independent shared object image held in memory. The only file this
 * layer calls libtcc through; libtcc's API changes between releases (0.9.28
 * changes tcc_relocate, for one) stay behind these functions.
 *
 * The source is compiled as the prelude (mi_tcc_prelude()), `#line 1 "mi.c"`, and the
 * caller's text, with the fixed options MI_TCC_OPTIONS: no system headers, no
 * libc, no libtcc1, warnings are errors. The prelude is self-contained: fixed
 * width typedefs and static memcpy/memmove/memset (tcc emits implicit calls to
 * them for struct copies and initialisers). Rules for the C given here, checked
 * by mi_elf_check_and_patch after compiling (see translator/README.md):
 *   - everything static except the entry points, and entry points never called
 *     or referenced from inside the unit (the image may refer only to itself);
 *   - no conversions between 64-bit unsigned integers and float/double, no long
 *     double, no varargs, no __int128: tcc turns these into calls to libtcc1
 *     helpers, which are not linked;
 *   - no static data holding pointers (arm64 tcc emits no relocation for them).
 *
 * libtcc is not re-entrant: every call here runs under one process-wide mutex.
 * Compile diagnostics never reach stdout/stderr: the first few come back in d.
 *
 * Without libtcc (MI_WITH_TCC=OFF or not found) every function returns
 * MI_E_UNSUPPORTED and mi_tcc_available() is 0. */
#ifndef MI_TCC_H
#define MI_TCC_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"

/* The one option string ever given to tcc_set_options (an option libtcc
 * rejects makes it call exit() in this process, so none other is used). */
#define MI_TCC_OPTIONS "-nostdinc -nostdlib -Werror"

/* 1 if this build can compile (libtcc linked), else 0. */
int mi_tcc_available(void);

/* Version of the linked libtcc, fixed at build time (the Debian package version
 * of the libtcc found by CMake, e.g. "0.9.27+git20200814.62c30a4a-1"); "unknown"
 * if CMake could not tell; "none" without libtcc. Never NULL. */
const char *mi_tcc_version(void);

/* The text compiled before every unit; NULL without libtcc. */
const char *mi_tcc_prelude(void);

/* Compile csrc[0..n) (no NUL bytes inside; need not be NUL-terminated) into a
 * shared object image: *image is malloc'd (caller frees), *imagen its size.
 * The image is as libtcc made it: run mi_elf_check_and_patch before storing or
 * loading it. A compile error returns MI_E_INTERNAL (C handed to this function
 * is generated, so an error is a translator bug) with tcc's first messages,
 * e.g. "tcc: mi.c:3: error: ';' expected (got \"}\")". On failure *image is
 * NULL and *imagen 0. */
mi_status mi_tcc_compile_dll(const char *csrc, size_t n, uint8_t **image, size_t *imagen,
                             mi_diag *d);

/* __TINYC__ of the linked libtcc (927 for 0.9.27), measured by compiling,
 * loading and calling a one-line function. */
mi_status mi_tcc_probe_tinyc(long *v, mi_diag *d);

#endif
