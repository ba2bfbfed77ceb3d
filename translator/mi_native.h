/* mi_native: load a native image (see mi_elf.h) from memory, find its entry
 * points, unload it. Any process may load an image read back from the store.
 *
 * How: the image is checked with mi_elf_check (an unpatched or damaged image is
 * refused before the dynamic linker sees it), written to an anonymous memfd and
 * opened with dlopen("/proc/self/fd/N", RTLD_NOW | RTLD_LOCAL); the memfd is
 * closed right after dlopen (the mapping keeps the memory). No file is created.
 * Needs Linux with /proc mounted; elsewhere MI_E_UNSUPPORTED.
 *
 * glibc identifies loaded objects by the path string first: once an image has
 * been loaded as /proc/self/fd/N and N is closed, a later dlopen of the same
 * path would return the old object, whatever the new file holds. The loader
 * therefore never reuses a name of a loaded image (and probes with RTLD_NOLOAD
 * for names other code may have loaded); see README.md.
 *
 * Ownership: *out is owned by the caller and released with mi_native_unload,
 * which also unmaps the code: no pointer obtained from mi_native_sym may be used
 * afterwards. Thread-safe. */
#ifndef MI_NATIVE_H
#define MI_NATIVE_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"

typedef struct mi_native mi_native;

/* Check and load image[0..n). Errors: MI_E_FORMAT (refused by mi_elf_check),
 * MI_E_IO (memfd or dlopen failed; dlerror's text in the message),
 * MI_E_UNSUPPORTED, MI_E_NOMEM. The image buffer is not kept. */
mi_status mi_native_load(const uint8_t *image, size_t n, mi_native **out, mi_diag *d);

/* Address of the exported symbol name in the image, NULL if none. Looks only in
 * the image, never in the host program or its libraries. */
void *mi_native_sym(mi_native *m, const char *name);

/* Unload (NULL is a no-op). */
void mi_native_unload(mi_native *m);

#endif
