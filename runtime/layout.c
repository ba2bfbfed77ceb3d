/* Storage layout of a template (see mi_layout.h). */
#include <stdlib.h>
#include <string.h>
#include "mi_layout.h"

void mi_layout_init(mi_layout *l) { memset(l, 0, sizeof *l); }

void mi_layout_free(mi_layout *l) {
    free(l->objs);
    free(l->parm_obj);
    mi_layout_init(l);
}

static int is_pointer(const mi_type *t) { return t->kind == MI_T_SPCPTR || t->kind == MI_T_SYSPTR; }

static uint8_t natural_align(const mi_type *t) {
    switch (t->kind) {
    case MI_T_BIN: case MI_T_UBIN: case MI_T_FLT:
        return t->size >= 8 ? 8 : (t->size == 0 ? 1 : t->size);
    case MI_T_SPCPTR: case MI_T_SYSPTR: return MI_PTR_SLOT;
    default: return 1;
    }
}

/* Appends an object of `size` bytes aligned to `align` to an area whose current
 * end is *end. Areas are bounded by 2^20 objects of at most 2^28 bytes each, so
 * the sum fits in 64 bits with room to spare. */
static uint64_t place(uint64_t *end, uint64_t size, uint8_t align) {
    uint64_t off = (*end + align - 1) & ~(uint64_t)(align - 1);
    *end = off + size;
    return off;
}

mi_status mi_layout_build(const mi_template *t, mi_layout *l, mi_diag *d) {
    mi_layout_init(l);
    if (t->nobjs == 0) return MI_OK;
    l->objs = calloc(t->nobjs, sizeof *l->objs);
    l->parm_obj = calloc(t->nobjs, sizeof *l->parm_obj);
    if (l->objs == NULL || l->parm_obj == NULL) {
        mi_layout_free(l);
        return mi_diag_set(d, MI_E_NOMEM, "out of memory computing the storage layout");
    }
    l->nobjs = t->nobjs;
    for (uint32_t i = 0; i < t->nobjs; i++) {
        const mi_object *o = &t->objs[i];
        mi_objlayout *ol = &l->objs[i];
        uint64_t esize = is_pointer(&o->type) ? MI_PTR_SLOT : mi_type_bytes(&o->type);
        uint64_t total = esize * (o->dim ? o->dim : 1);
        if (esize == 0 || total > MI_MAX_OBJECT_BYTES) {
            mi_layout_free(l);
            return mi_diag_set(d, MI_E_VERIFY, "object %u has an invalid size", i);
        }
        ol->esize = (uint32_t)esize;
        ol->size = (uint32_t)total;
        ol->align = natural_align(&o->type);
        ol->root = MI_NONE;
        switch (o->cls) {
        case MI_C_STATIC:
            ol->area = MI_AREA_STATIC;
            ol->offset = place(&l->static_size, total, ol->align);
            break;
        case MI_C_AUTO:
            ol->area = MI_AREA_AUTO;
            ol->offset = place(&l->auto_size, total, ol->align);
            break;
        case MI_C_PARM:
            ol->area = MI_AREA_PARM;
            ol->root = l->nparms;
            l->parm_obj[l->nparms++] = i;
            break;
        case MI_C_BASED:
            /* The pointer may be declared anywhere in the ODT (§2, O4): a BASED object
             * only names it, it needs none of its layout. */
            if (o->base >= t->nobjs || o->base == i || t->objs[o->base].type.kind != MI_T_SPCPTR)
                goto bad;
            ol->area = MI_AREA_BASED;
            ol->root = o->base;
            ol->root_size = ol->size;
            break;
        case MI_C_DEFINED: {
            if (o->base >= i || is_pointer(&t->objs[o->base].type) || is_pointer(&o->type)) goto bad;
            const mi_objlayout *b = &l->objs[o->base];
            if ((uint64_t)o->offset + total > b->size) goto bad;
            ol->area = b->area;
            ol->root = b->root;
            ol->offset = b->offset + o->offset;
            ol->root_size = b->root_size;
            /* An overlay is only byte-aligned within its base. */
            ol->align = 1;
            break;
        }
        default:
            goto bad;
        }
        continue;
    bad:
        mi_layout_free(l);
        return mi_diag_set(d, MI_E_VERIFY, "object %u has an invalid storage class or base", i);
    }
    return MI_OK;
}
