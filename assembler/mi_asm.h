/* The MI assembler and disassembler (mi-spec/mi-v1.md §13, §14).
 *
 * mi_asm_assemble turns MI assembly text into program template bytes; the
 * disassembler prints a template as canonical text that assembles back to the
 * identical bytes: assemble(dis(T)) == T for every template T that passes
 * mi_template_verify.
 *
 * Ownership: every buffer returned through an out-parameter is malloc'd and
 * belongs to the caller (free()); an mi_asm_diags is released with
 * mi_asm_diags_free; a template from mi_asm_build with mi_template_free. Nothing
 * here keeps pointers to the caller's input after returning. */
#ifndef MI_ASM_H
#define MI_ASM_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"
#include "mi_template.h"

typedef struct mi_asm_opts {
    /* Name used in diagnostics ("<input>" when NULL) and, with embed_source, as
     * the file name in the SOURCE section ("" when NULL). */
    const char *filename;
    /* 1: without a .source/.nosource directive, embed the input text itself in
     * a SOURCE section. 0: no SOURCE section unless .source says otherwise. */
    int embed_source;
} mi_asm_opts;

/* The defaults: filename NULL, embed_source 1 (also used when opts is NULL). */
void mi_asm_opts_init(mi_asm_opts *o);

/* Diagnostics of one assembly: each message is "file:line:col: error: text"
 * (line and column are physical, 1-based, in bytes, whatever .line says). At
 * most MI_ASM_MAX_DIAGS errors are reported, then one "too many errors" line. */
#define MI_ASM_MAX_DIAGS 50u
typedef struct mi_asm_diags {
    char **msgs;
    unsigned n;
} mi_asm_diags;

void mi_asm_diags_init(mi_asm_diags *dg);
void mi_asm_diags_free(mi_asm_diags *dg); /* frees the messages; dg may then be reused */

/* Assemble text[0..n) (any bytes; NUL bytes are not terminators) into template
 * bytes (*out, *outn). On success MI_OK. Otherwise *out is NULL and dg (which may
 * be NULL) holds the messages: MI_E_SYNTAX for errors found by the assembler,
 * MI_E_VERIFY when the only errors are the verifier's findings, MI_E_NOMEM. */
mi_status mi_asm_assemble(const char *text, size_t n, const mi_asm_opts *o,
                          uint8_t **out, size_t *outn, mi_asm_diags *dg);

/* As mi_asm_assemble, but leaves the verified template in *t (which must be
 * freshly mi_template_init'ed; it is left freed on failure). */
mi_status mi_asm_build(const char *text, size_t n, const mi_asm_opts *o,
                       mi_template *t, mi_asm_diags *dg);

/* Canonical text of a template (malloc'd, NUL-terminated; *outn excludes the
 * NUL). t should be verified; an unverified template never makes this crash but
 * may be refused with MI_E_FORMAT and a message in d when its text could not
 * assemble back to it. */
mi_status mi_dis_format(const mi_template *t, char **out, size_t *outn, mi_diag *d);

#endif
