/* Installing MI assembly source: assemble with the assembler, then install the
 * template like any other (it is decoded and verified again there). */
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"
#include "store_int.h"

mi_status mi_store_install_source(mi_store *s, const char *lib, const char *name,
                                  const char *text, size_t n, const char *filename,
                                  unsigned flags, mi_store_obj *info, mi_template *loaded,
                                  mi_diag *d) {
    if (info != NULL) memset(info, 0, sizeof *info);
    if (loaded != NULL) mi_template_init(loaded);
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = filename;
    o.embed_source = 1;
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    uint8_t *bytes = NULL;
    size_t nb = 0;
    mi_status r = mi_asm_assemble(text != NULL ? text : "", text != NULL ? n : 0, &o, &bytes,
                                  &nb, &dg);
    if (r != MI_OK) {
        /* Every message that fits, one per line. */
        if (d != NULL) {
            size_t used = 0;
            d->msg[0] = '\0';
            for (unsigned i = 0; i < dg.n; i++) {
                size_t len = strlen(dg.msgs[i]);
                if (used + len + 2 >= sizeof d->msg) {
                    if (used + 5 < sizeof d->msg) memcpy(d->msg + used, "\n...", 5);
                    break;
                }
                if (used > 0) d->msg[used++] = '\n';
                memcpy(d->msg + used, dg.msgs[i], len + 1);
                used += len;
            }
            if (dg.n == 0) mi_diag_set(d, r, "%s: %s", filename != NULL ? filename : "<input>",
                                       mi_status_text(r));
        }
        mi_asm_diags_free(&dg);
        return r;
    }
    mi_asm_diags_free(&dg);
    r = mi_store_install(s, lib, name, bytes, nb, filename, flags, info, loaded, d);
    free(bytes);
    return r;
}
