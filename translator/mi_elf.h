/* mi_elf: checks and patches a native image (an ELF64 shared object made by
 * libtcc, see mi_tcc.h) before it is stored, and again before it is loaded.
 *
 * An image is accepted only if loading it can neither pull in anything from
 * outside nor run anything while loading, whatever bytes it holds:
 *   - ELF64, little-endian, ET_DYN, for this host's machine (x86_64, aarch64 or
 *     riscv64); every header, table and string lies inside the image;
 *   - program headers: PT_LOAD (ascending, non-overlapping, no segment both
 *     writable and executable), one PT_DYNAMIC inside a writable PT_LOAD, at
 *     most one PT_GNU_STACK (never executable), PT_PHDR matching the table, and
 *     PT_NULL/NOTE/GNU_RELRO/GNU_EH_FRAME/GNU_PROPERTY lying inside a PT_LOAD;
 *     nothing else (no PT_INTERP, no PT_TLS);
 *   - dynamic section: only the tags of a self-contained object. Refused: DT_NEEDED
 *     (a library dependency), DT_TEXTREL and DF_TEXTREL, DT_INIT/DT_FINI and
 *     non-empty init/fini arrays (code run by the loader), symbol versioning,
 *     DT_GNU_HASH (a SysV DT_HASH is required), DT_REL, duplicated tags;
 *   - symbols: none undefined (except the null symbol 0), no TLS or IFUNC
 *     symbols, every name NUL-terminated inside DT_STRTAB, the DT_HASH chains
 *     in range and free of loops (a loop would hang dlsym);
 *   - relocations: only R_*_RELATIVE (and R_*_NONE), each writing inside a
 *     writable PT_LOAD. A relocation naming a symbol is refused even when the
 *     symbol is defined in the image: the dynamic linker would look the name up
 *     in the process's global scope first and could bind it to a same-named
 *     symbol of the host program. Generated code therefore references only
 *     static functions and objects; entry points are exported but never
 *     referenced from inside the image.
 * Images larger than MI_ELF_MAX_IMAGE are refused.
 *
 * Patch: libtcc's DLLs have no PT_GNU_STACK, which makes glibc (<= 2.40) turn
 * the process stack executable on dlopen and makes glibc >= 2.41 refuse the
 * object. mi_elf_check_and_patch appends a new program header table at the end
 * of the image holding the old entries plus PT_PHDR, a read-only PT_LOAD that
 * maps the new table (so the loader's view of the headers, e.g. through
 * dl_iterate_phdr, is correct) and PT_GNU_STACK with flags RW. See README.md.
 *
 * Rejections return MI_E_FORMAT with a message starting "native image: ".
 * Never crashes, never reads outside [image, image+n), whatever the bytes. */
#ifndef MI_ELF_H
#define MI_ELF_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"

#define MI_ELF_MAX_IMAGE (256u * 1024u * 1024u)

/* Check *image (malloc'd, *n bytes) and add PT_GNU_STACK if it is missing:
 * *image is then realloc'd larger and *n updated. An image that already has
 * PT_GNU_STACK is left untouched. On failure *n and the image bytes are
 * unchanged, though *image may point to a realloc'd buffer; it stays the
 * caller's to free. Idempotent: patching a patched image changes nothing. */
mi_status mi_elf_check_and_patch(uint8_t **image, size_t *n, mi_diag *d);

/* Check without patching; an image without PT_GNU_STACK is refused. This is the
 * check for images read back from the store (mi_native_load runs it). */
mi_status mi_elf_check(const uint8_t *image, size_t n, mi_diag *d);

#endif
