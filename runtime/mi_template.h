/* The program template: in-memory form and binary codec (mi-spec/mi-v1.md,
 * "Program template format"). This is the one definition of the format; the
 * assembler builds an mi_template and encodes it, the loader decodes bytes into
 * one and the verifier checks it. Everything downstream of mi_template_verify()
 * may assume a verified template.
 *
 * Ownership: an mi_template owns every array it points to (allocated with
 * malloc); mi_template_free() releases them all. Strings are NUL-terminated
 * copies. */
#ifndef MI_TEMPLATE_H
#define MI_TEMPLATE_H
#include <stddef.h>
#include <stdint.h>
#include "mi_status.h"
#include "mi_opcodes.h"

#define MI_FORMAT_VERSION 1u /* template byte format this code writes */
#define MI_VERSION 1u        /* MI instruction-set version this code implements */
#define MI_HEADER_SIZE 32u
#define MI_SECTDIR_ENTRY 16u

/* Section ids. Required sections must be present; unknown sections without the
 * critical flag are ignored (and carried through by the disassembler). */
enum {
    MI_SECT_ODT = 1,     /* required: object definition table */
    MI_SECT_CONST = 2,   /* required: constant pool */
    MI_SECT_CODE = 3,    /* required: instruction stream */
    MI_SECT_MONITOR = 4, /* required: exception monitors */
    MI_SECT_NAMES = 5,   /* required: object and label names (observability) */
    MI_SECT_LINES = 6,   /* required: source line of every instruction */
    MI_SECT_SOURCE = 7,  /* optional: source file name and text */
};
#define MI_SECT_FLAG_CRITICAL 1u

/* Limits (the verifier enforces them; see the spec's "Limits"). */
#define MI_MAX_TEMPLATE_BYTES (64u * 1024u * 1024u)
#define MI_MAX_ITEMS (1u << 20)     /* objects, constants, instructions, monitors */
#define MI_MAX_CHAR_LEN 65535u      /* CHAR(n): 1 <= n <= this */
#define MI_MAX_DIM (1u << 24)       /* DIM(n): 1 <= n <= this */
#define MI_MAX_OBJECT_BYTES (1u << 28) /* total bytes of one object (elements * size) */
#define MI_MAX_OPERANDS 255u
#define MI_MAX_NAME 64u             /* identifier length in assembly */

typedef enum mi_kind {
    MI_T_BIN = 1, MI_T_UBIN = 2, MI_T_FLT = 3, MI_T_PKD = 4, MI_T_ZND = 5,
    MI_T_CHAR = 6, MI_T_SPCPTR = 7, MI_T_SYSPTR = 8
} mi_kind;

/* A scalar type. size: bytes for BIN/UBIN (1,2,4,8) and FLT (4,8); precision
 * for PKD/ZND (1..31); 0 otherwise. scale: PKD/ZND digits after the point.
 * len: CHAR length; 0 otherwise. Encoded as 8 bytes: kind, size, scale, 0, len(u32). */
typedef struct mi_type {
    uint8_t kind, size, scale;
    uint32_t len;
} mi_type;

/* Bytes one scalar of this type occupies (pointers: 0, they are not bytes). */
uint32_t mi_type_bytes(const mi_type *t);
int mi_type_equal(const mi_type *a, const mi_type *b);
int mi_type_is_numeric(const mi_type *t);
int mi_type_is_integer(const mi_type *t); /* BIN or UBIN */

typedef enum mi_class {
    MI_C_STATIC = 1, MI_C_AUTO = 2, MI_C_PARM = 3, MI_C_BASED = 4, MI_C_DEFINED = 5
} mi_class;

#define MI_OBJ_HAS_INIT 1u
#define MI_NONE UINT32_MAX

/* One ODT entry. Encoded as 28 bytes: type(8) dim(u32) class(u8) flags(u8)
 * reserved(u16 = 0) base(u32) offset(u32) init(u32). */
typedef struct mi_object {
    mi_type type;
    uint32_t dim;    /* 0 = scalar, else number of elements */
    uint8_t cls;     /* mi_class */
    uint8_t flags;   /* MI_OBJ_* */
    uint32_t base;   /* BASED: ODT index of the SPCPTR; DEFINED: ODT index of the base; else MI_NONE */
    uint32_t offset; /* DEFINED: byte offset in the base; else 0 */
    uint32_t init;   /* constant index of the initial value, or MI_NONE */
    char *name;      /* from the NAMES section */
} mi_object;

/* One constant: type(8) then u32 byte length then the bytes. */
typedef struct mi_const {
    mi_type type;
    uint32_t nbytes;
    uint32_t offset; /* into mi_template.constbytes */
} mi_const;

typedef enum mi_okind {
    MI_O_OBJ = 0,    /* ref = ODT index */
    MI_O_CONST = 1,  /* ref = constant index */
    MI_O_ELEM = 2,   /* ref = ODT index of an array; sub[0] = index operand */
    MI_O_SUBSTR = 3, /* ref = ODT index of a CHAR scalar; sub[0] = start, sub[1] = length */
    MI_O_LABEL = 4,  /* ref = instruction index (0-based) */
} mi_okind;

/* A simple operand used as an index/start/length: kind MI_O_OBJ or MI_O_CONST. */
typedef struct mi_subref {
    uint8_t kind;
    uint32_t ref;
} mi_subref;

typedef struct mi_operand {
    uint8_t kind; /* mi_okind */
    uint32_t ref;
    mi_subref sub[2];
} mi_operand;

typedef struct mi_insn {
    mi_op op;          /* dense enum */
    uint8_t mods;      /* MI_MOD_* */
    uint8_t nopnds;
    uint32_t first;    /* index of the first operand in mi_template.opnds */
    uint32_t line;     /* source line (LINES section) */
} mi_insn;

/* Exception monitor: id is 7 characters + NUL ("MCH1210", "MCH1200", "*ALL"). */
typedef struct mi_monitor {
    char id[8];
    uint32_t from, to, handler; /* instruction indices, from <= to */
} mi_monitor;

typedef struct mi_label {
    uint32_t insn;
    char *name;
} mi_label;

/* An unknown (non-critical or otherwise) section carried through verbatim. */
typedef struct mi_extra_section {
    uint32_t id, flags, nbytes;
    uint8_t *bytes;
} mi_extra_section;

typedef struct mi_template {
    uint16_t format_version, mi_version;
    uint32_t nobjs, nconsts, ninsns, nopnds, nmons, nlabels, nextra;
    mi_object *objs;
    mi_const *consts;
    uint8_t *constbytes;
    uint32_t nconstbytes;
    mi_insn *insns;
    mi_operand *opnds;
    mi_monitor *mons;
    mi_label *labels;      /* in definition order */
    mi_extra_section *extra;
    int has_source;
    char *source_file;     /* NULL unless has_source */
    uint8_t *source_text;  /* not NUL-terminated */
    uint32_t source_len;
} mi_template;

void mi_template_init(mi_template *t);
void mi_template_free(mi_template *t);

/* Decode bytes into *t (which must be freshly initialised). Checks the header,
 * checksum, section directory and the structure of every section; semantic
 * checks are mi_template_verify's job. On failure *t is left freed and d says
 * precisely what is wrong and at which byte offset. */
mi_status mi_template_decode(const uint8_t *bytes, size_t n, mi_template *t, mi_diag *d);

/* Encode *t into a malloc'd buffer (*out, *outn; caller frees). Deterministic:
 * the same template always gives the same bytes. */
mi_status mi_template_encode(const mi_template *t, uint8_t **out, size_t *outn, mi_diag *d);

/* Verify a decoded template against every rule of the spec's "Verification"
 * chapter. MI_OK or MI_E_VERIFY with a message naming the instruction/object. */
mi_status mi_template_verify(const mi_template *t, mi_diag *d);

/* Like mi_template_verify, but reports every violation found (at most max) to
 * report(ctx, insn, obj, msg): insn is the 0-based instruction index the finding is
 * about or MI_NONE, obj likewise an ODT index or MI_NONE. Used by the assembler to
 * print several diagnostics per run at the right source lines. Returns MI_OK if
 * there was no finding, else MI_E_VERIFY. */
typedef void (*mi_verify_report)(void *ctx, uint32_t insn, uint32_t obj, const char *msg);
mi_status mi_template_verify_each(const mi_template *t, mi_verify_report report, void *ctx,
                                  unsigned max);

/* decode + verify */
mi_status mi_template_load(const uint8_t *bytes, size_t n, mi_template *t, mi_diag *d);

#endif
