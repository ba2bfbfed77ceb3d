/* Expansions of the mi-spec tables shared by every layer (see mi_opcodes.h). */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include "mi_opcodes.h"
#include "mi_status.h"

const mi_opinfo mi_opinfo_table[MI_OP_COUNT] = {
#define X(name, code, forms, flags, sem) {#name, code, forms, flags, sem},
#include "opcodes.def"
#undef X
};

/* Stored codes must be unique; checked once by the unit tests over the table. */
mi_op mi_op_from_code(uint16_t code) {
    switch (code) {
#define X(name, c, forms, flags, sem) case c: return MI_OP_##name;
#include "opcodes.def"
#undef X
    default: return MI_OP_COUNT;
    }
}

mi_op mi_op_from_name(const char *s, size_t n) {
    for (int i = 0; i < MI_OP_COUNT; i++) {
        const char *m = mi_opinfo_table[i].name;
        size_t k = 0;
        while (m[k] != '\0') k++;
        if (k == n && strncasecmp(m, s, n) == 0) return (mi_op)i;
    }
    return MI_OP_COUNT;
}

const char *const mi_cond_names[7] = {"", "HI", "LO", "EQ", "NE", "NH", "NL"};

const char *const mi_exc_ids[MI_EXC_COUNT] = {
    "",
#define X(e, id, msg) id,
#include "exceptions.def"
#undef X
    "",
};
const char *const mi_exc_msgs[MI_EXC_COUNT] = {
    "",
#define X(e, id, msg) msg,
#include "exceptions.def"
#undef X
    "exception signalled by the program",
};

const mi_svcinfo mi_svcinfo_table[MI_SVC_COUNT] = {
#define X(e, num, forms, sem) {#e, num, forms, sem},
#include "services.def"
#undef X
};

mi_svc mi_svc_from_number(int64_t number) {
    switch (number) {
#define X(e, num, forms, sem) case num: return MI_SVC_##e;
#include "services.def"
#undef X
    default: return MI_SVC_COUNT;
    }
}

static const char *const status_text[] = {
#define X(e, m) m,
    MI_STATUS_LIST(X)
#undef X
};

const char *mi_status_text(mi_status s) {
    if ((unsigned)s >= sizeof status_text / sizeof status_text[0]) return "unknown status";
    return status_text[s];
}

mi_status mi_diag_set(mi_diag *d, mi_status st, const char *fmt, ...) {
    if (d != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->msg, sizeof d->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}
