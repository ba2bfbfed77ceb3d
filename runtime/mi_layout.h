/* Storage layout of a program template: where every ODT object lives when the
 * program runs (mi-spec/mi-v1.md §2, §5). The interpreter and the translator
 * both address storage through this one layout, so an invocation created by the
 * machine can be executed by either.
 *
 * Areas of an invocation (see mi_invocation.base in mi_machine.h):
 *   STATIC  one block per program per run, objects at fixed offsets
 *   AUTO    one block per invocation, objects at fixed offsets
 *   PARM    the k-th argument's bytes (bound by CALLX); DEFINED overlays of a
 *           parameter use an offset into it
 *   BASED   bytes in a space at the position of a SPCPTR (checked per access)
 * Pointer objects (SPCPTR, SYSPTR) occupy an MI_PTR_SLOT-byte slot, aligned to
 * MI_PTR_SLOT, in the STATIC or AUTO area (or are a PARM bound to the caller's
 * slot); they are never overlaid, so the slot's host representation
 * (mi_spcptr / mi_sysptr in mi_machine.h) is private to the machine.
 * Numeric objects are aligned to min(size, 8) bytes; CHAR, PKD and ZND to 1.
 *
 * Ownership: mi_layout_build fills a caller-owned mi_layout whose arrays are
 * malloc'd; mi_layout_free releases them. The template must be verified. */
#ifndef MI_LAYOUT_H
#define MI_LAYOUT_H
#include <stdint.h>
#include "mi_template.h"

#define MI_PTR_SLOT 16u

typedef enum mi_area {
    MI_AREA_STATIC = 0,
    MI_AREA_AUTO = 1,
    MI_AREA_CONST = 2, /* the constant pool (operands only, never an object) */
    MI_AREA_PARM = 3,
    MI_AREA_BASED = 4,
} mi_area;

typedef struct mi_objlayout {
    uint8_t area;    /* mi_area of the object (DEFINED: of its ultimate base) */
    uint8_t align;   /* alignment used (1, 2, 4, 8 or MI_PTR_SLOT) */
    uint32_t root;   /* PARM: parameter number (0-based); BASED: ODT index of the SPCPTR;
                        otherwise MI_NONE */
    uint64_t offset; /* STATIC/AUTO: offset in the area; PARM/BASED: offset in the
                        argument / from the pointer's position (non-zero only for DEFINED) */
    uint32_t esize;  /* bytes of one element (a scalar: its size); pointers: MI_PTR_SLOT */
    uint32_t size;   /* total bytes: esize * max(dim, 1) */
    uint32_t root_size; /* BASED: total bytes of the BASED root object (the object itself, or
                           the BASED object a DEFINED chain ends at): every access checks
                           position + root_size <= the space's size (§5); otherwise 0 */
} mi_objlayout;

typedef struct mi_layout {
    uint32_t nobjs;
    mi_objlayout *objs;    /* one per ODT entry */
    uint64_t static_size;  /* bytes of the STATIC area (0 if none) */
    uint64_t auto_size;    /* bytes of the AUTO area */
    uint32_t nparms;       /* number of PARM objects */
    uint32_t *parm_obj;    /* ODT index of the k-th PARM object, k = 0 .. nparms-1 */
} mi_layout;

void mi_layout_init(mi_layout *l);
/* Computes the layout of a verified template. MI_E_NOMEM, or MI_E_VERIFY if the
 * template breaks a rule the layout depends on (a defensive check only). */
mi_status mi_layout_build(const mi_template *t, mi_layout *l, mi_diag *d);
void mi_layout_free(mi_layout *l);

#endif
