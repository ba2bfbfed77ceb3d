/* mi_status: status codes returned by every library function of the project.
 * Library code never exits; it returns one of these and, where a message helps,
 * fills a caller-owned mi_diag. */
#ifndef MI_STATUS_H
#define MI_STATUS_H
#include <stddef.h>

#define MI_STATUS_LIST(X)                                                      \
    X(MI_OK, "ok")                                                             \
    X(MI_E_NOMEM, "out of memory")                                             \
    X(MI_E_IO, "input/output error")                                           \
    X(MI_E_FORMAT, "malformed program template")                              \
    X(MI_E_VERSION, "unsupported version")                                     \
    X(MI_E_VERIFY, "program template failed verification")                    \
    X(MI_E_SYNTAX, "assembly error")                                           \
    X(MI_E_ARG, "invalid argument")                                            \
    X(MI_E_NOTFOUND, "not found")                                              \
    X(MI_E_EXISTS, "already exists")                                           \
    X(MI_E_STORE, "object store error")                                        \
    X(MI_E_UNSUPPORTED, "not supported on this host")                         \
    X(MI_E_EXCEPTION, "unhandled MI exception")                               \
    X(MI_E_IMAGE, "invalid native image")                               \
    X(MI_E_INTERNAL, "internal error")

typedef enum mi_status {
#define X(e, m) e,
    MI_STATUS_LIST(X)
#undef X
} mi_status;

/* Human-readable text for a status; never NULL. */
const char *mi_status_text(mi_status s);

/* A diagnostic message buffer owned by the caller. Functions that fail write one
 * precise message here (truncated to fit); they never allocate it. */
typedef struct mi_diag {
    char msg[512];
} mi_diag;

/* printf into d->msg (no-op if d is NULL). Returns st, so callers can write
 * `return mi_diag_set(d, MI_E_FORMAT, "...", ...);` */
mi_status mi_diag_set(mi_diag *d, mi_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
