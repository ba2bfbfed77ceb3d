/* Expansions of mi-spec/opcodes.def, exceptions.def and services.def that every
 * layer shares: enums, names, operand forms, flags. No other list of opcodes,
 * exception ids or services exists in the code. */
#ifndef MI_OPCODES_H
#define MI_OPCODES_H
#include <stddef.h>
#include <stdint.h>

enum { MI_F_ROUND = 1, MI_F_COND = 2, MI_F_NOFALL = 4 };

/* Dense enum (index into the tables below), not the stored 16-bit code. */
typedef enum mi_op {
#define X(name, code, forms, flags, sem) MI_OP_##name,
#include "opcodes.def"
#undef X
    MI_OP_COUNT
} mi_op;

typedef struct mi_opinfo {
    const char *name;  /* mnemonic, upper case */
    uint16_t code;     /* stored opcode */
    const char *forms; /* operand forms, see opcodes.def */
    unsigned flags;    /* MI_F_* */
    const char *sem;   /* one-line semantics */
} mi_opinfo;

extern const mi_opinfo mi_opinfo_table[MI_OP_COUNT];

/* Stored code -> dense enum; returns MI_OP_COUNT if unknown. */
mi_op mi_op_from_code(uint16_t code);
/* Mnemonic (case-insensitive, length-delimited) -> dense enum or MI_OP_COUNT. */
mi_op mi_op_from_name(const char *s, size_t n);

/* Condition modifiers for MI_F_COND instructions (low 3 bits of mods). */
typedef enum mi_cond { MI_COND_NONE = 0, MI_COND_HI, MI_COND_LO, MI_COND_EQ,
                       MI_COND_NE, MI_COND_NH, MI_COND_NL } mi_cond;
#define MI_MOD_COND_MASK 0x07u
#define MI_MOD_ROUND 0x08u
extern const char *const mi_cond_names[7]; /* [0] = "" */

/* Exception ids. MI_EXC_NONE = 0 means "no exception"; MI_EXC_USER marks an
 * exception signalled by SIGEXC whose id is carried as text. */
typedef enum mi_exc {
    MI_EXC_NONE = 0,
#define X(e, id, msg) MI_EXC_##e,
#include "exceptions.def"
#undef X
    MI_EXC_USER,
    MI_EXC_COUNT
} mi_exc;
extern const char *const mi_exc_ids[MI_EXC_COUNT];  /* "MCH1210"; [0] = "" */
extern const char *const mi_exc_msgs[MI_EXC_COUNT];

/* Environment services. */
typedef enum mi_svc {
#define X(e, num, forms, sem) MI_SVC_##e,
#include "services.def"
#undef X
    MI_SVC_COUNT
} mi_svc;
typedef struct mi_svcinfo {
    const char *name;
    uint32_t number;
    const char *forms;
    const char *sem;
} mi_svcinfo;
extern const mi_svcinfo mi_svcinfo_table[MI_SVC_COUNT];
/* Service number -> dense enum or MI_SVC_COUNT if unknown. */
mi_svc mi_svc_from_number(int64_t number);

#endif
