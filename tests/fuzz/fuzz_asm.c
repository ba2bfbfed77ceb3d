/* libFuzzer target: assemble arbitrary bytes. Whatever assembles must load
 * (decode + verify), disassemble, and assemble again to the identical bytes,
 * and its disassembly must be a fixed point; anything else aborts.
 * Seed it with tests/conformance and examples programs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"

static void die(const char *what, const char *detail) {
    fprintf(stderr, "fuzz_asm: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

static char *dis_bytes(const uint8_t *b, size_t n) {
    mi_template t;
    mi_template_init(&t);
    mi_diag d;
    if (mi_template_load(b, n, &t, &d) != MI_OK) die("assembled template does not load", d.msg);
    char *text;
    size_t tn;
    if (mi_dis_format(&t, &text, &tn, &d) != MI_OK) die("disassembly refused", d.msg);
    mi_template_free(&t);
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mi_asm_opts o;
    mi_asm_opts_init(&o);
    o.filename = "fuzz.mi";
    o.embed_source = size % 2; /* both ways, decided by the input */
    mi_asm_diags dg;
    mi_asm_diags_init(&dg);
    uint8_t *b1 = NULL, *b2 = NULL;
    size_t n1, n2;
    mi_status st = mi_asm_assemble((const char *)data, size, &o, &b1, &n1, &dg);
    if (st != MI_OK) {
        if (dg.n == 0 || dg.n > MI_ASM_MAX_DIAGS + 1) die("failure without a sane number of diagnostics", NULL);
        mi_asm_diags_free(&dg);
        return 0;
    }
    char *text = dis_bytes(b1, n1);
    o.filename = "dis.mi";
    o.embed_source = !o.embed_source;
    if (mi_asm_assemble(text, strlen(text), &o, &b2, &n2, &dg) != MI_OK)
        die("disassembly does not assemble", dg.n ? dg.msgs[0] : NULL);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0) die("round trip changed the bytes", text);
    char *text2 = dis_bytes(b2, n2);
    if (strcmp(text, text2) != 0) die("disassembly is not a fixed point", text2);
    free(text);
    free(text2);
    free(b1);
    free(b2);
    mi_asm_diags_free(&dg);
    return 0;
}
