/* The libtcc adapter (see mi_tcc.h). libtcc has no output-to-memory call for
 * shared objects, so tcc_output_file writes to /proc/self/fd/N of a memfd and
 * the bytes are read back; no file is created (tcc's unlink of that path fails
 * harmlessly with EPERM). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "mi_elf.h"
#include "mi_native.h"
#include "mi_tcc.h"

#ifndef MI_LIBTCC_VERSION
#define MI_LIBTCC_VERSION "unknown"
#endif

#if defined(MI_HAVE_LIBTCC) && defined(__linux__)
#include <sys/mman.h>
#include <libtcc.h>

#define MAX_SOURCE ((size_t)1 << 30)
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

/* Types and the three functions tcc may call implicitly. Kept static: an image
 * refers only to itself. The loops are plain on purpose (tcc does not turn
 * them back into calls). */
static const char prelude[] =
    "typedef signed char mi_i8;\n"
    "typedef unsigned char mi_u8;\n"
    "typedef short mi_i16;\n"
    "typedef unsigned short mi_u16;\n"
    "typedef int mi_i32;\n"
    "typedef unsigned int mi_u32;\n"
    "typedef long long mi_i64;\n"
    "typedef unsigned long long mi_u64;\n"
    "typedef unsigned long mi_size;\n"
    "typedef long mi_ptrdiff;\n"
    "typedef unsigned long mi_uptr;\n"
    "_Static_assert(sizeof(mi_i16) == 2 && sizeof(mi_i32) == 4 && sizeof(mi_i64) == 8, \"widths\");\n"
    "_Static_assert(sizeof(mi_size) == sizeof(void *) && sizeof(void *) == 8, \"LP64\");\n"
    "#define NULL ((void *)0)\n"
    "static void *memcpy(void *d, const void *s, mi_size n) {\n"
    "    mi_u8 *p = d; const mi_u8 *q = s;\n"
    "    while (n--) *p++ = *q++;\n"
    "    return d;\n"
    "}\n"
    "static void *memmove(void *d, const void *s, mi_size n) {\n"
    "    mi_u8 *p = d; const mi_u8 *q = s;\n"
    "    if ((mi_uptr)p - (mi_uptr)q >= n) { while (n--) *p++ = *q++; }\n"
    "    else { p += n; q += n; while (n--) *--p = *--q; }\n"
    "    return d;\n"
    "}\n"
    "static void *memset(void *d, int c, mi_size n) {\n"
    "    mi_u8 *p = d;\n"
    "    while (n--) *p++ = (mi_u8)c;\n"
    "    return d;\n"
    "}\n"
    "#line 1 \"mi.c\"\n";

static pthread_mutex_t g_tcc_mu = PTHREAD_MUTEX_INITIALIZER;

/* The first messages tcc reports, joined with "; ". */
typedef struct errbuf {
    char text[sizeof(((mi_diag *)0)->msg) - 16];
    size_t len;
    int count;
} errbuf;

static void on_error(void *opaque, const char *msg) {
    errbuf *e = opaque;
    if (e->count++ >= 4 || e->len + 3 >= sizeof e->text)
        return;
    int k = snprintf(e->text + e->len, sizeof e->text - e->len, "%s%s", e->len ? "; " : "", msg);
    if (k > 0)
        e->len += (size_t)k < sizeof e->text - e->len ? (size_t)k : sizeof e->text - e->len - 1;
}

int mi_tcc_available(void) { return 1; }
const char *mi_tcc_version(void) { return MI_LIBTCC_VERSION; }
const char *mi_tcc_prelude(void) { return prelude; }

static mi_status read_back(int fd, uint8_t **image, size_t *imagen, mi_diag *d) {
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return mi_diag_set(d, MI_E_IO, "reading the compiled image: %s", strerror(errno));
    if (sb.st_size <= 0 || (uint64_t)sb.st_size > MI_ELF_MAX_IMAGE)
        return mi_diag_set(d, MI_E_INTERNAL, "tcc wrote an image of %lld bytes",
                           (long long)sb.st_size);
    size_t n = (size_t)sb.st_size, got = 0;
    uint8_t *p = malloc(n);
    if (p == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory reading the compiled image");
    while (got < n) {
        ssize_t k = pread(fd, p + got, n - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            free(p);
            return mi_diag_set(d, MI_E_IO, "reading the compiled image: %s",
                               k < 0 ? strerror(errno) : "short read");
        }
        got += (size_t)k;
    }
    *image = p;
    *imagen = n;
    return MI_OK;
}

/* Compile text (NUL-terminated) into a DLL written to fd. Caller holds g_tcc_mu. */
static mi_status compile_locked(const char *text, int fd, mi_diag *d) {
    errbuf e = {.len = 0, .count = 0};
    char path[40];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    TCCState *s = tcc_new();
    if (s == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "tcc_new failed");
    tcc_set_error_func(s, &e, on_error);
    tcc_set_options(s, MI_TCC_OPTIONS); /* before the output type: it sets up paths */
    mi_status st = MI_OK;
    if (tcc_set_output_type(s, TCC_OUTPUT_DLL) != 0 || tcc_compile_string(s, text) != 0)
        st = MI_E_INTERNAL;
    else if (tcc_output_file(s, path) != 0)
        st = MI_E_IO;
    tcc_delete(s);
    if (st != MI_OK)
        mi_diag_set(d, st, "tcc: %s", e.count ? e.text : "failed without a message");
    return st;
}

mi_status mi_tcc_compile_dll(const char *csrc, size_t n, uint8_t **image, size_t *imagen,
                             mi_diag *d) {
    if (image == NULL || imagen == NULL || (csrc == NULL && n != 0))
        return mi_diag_set(d, MI_E_ARG, "mi_tcc_compile_dll: missing argument");
    *image = NULL;
    *imagen = 0;
    if (n > MAX_SOURCE)
        return mi_diag_set(d, MI_E_ARG, "C source of %zu bytes is too large", n);
    if (n > 0 && memchr(csrc, 0, n) != NULL)
        return mi_diag_set(d, MI_E_ARG, "C source contains a NUL byte");
    size_t np = sizeof prelude - 1;
    char *text = malloc(np + n + 2);
    if (text == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory compiling C source");
    memcpy(text, prelude, np);
    if (n > 0)
        memcpy(text + np, csrc, n);
    text[np + n] = '\n';
    text[np + n + 1] = '\0';
    /* Never executed: say so, which also keeps Linux >= 6.3 from warning. */
    int fd = memfd_create("mi-tcc-out", MFD_CLOEXEC | MFD_NOEXEC_SEAL);
    if (fd < 0 && errno == EINVAL) /* kernel older than 6.3 */
        fd = memfd_create("mi-tcc-out", MFD_CLOEXEC);
    if (fd < 0) {
        free(text);
        return mi_diag_set(d, errno == ENOSYS ? MI_E_UNSUPPORTED : MI_E_IO, "memfd_create: %s",
                           strerror(errno));
    }
    pthread_mutex_lock(&g_tcc_mu);
    mi_status st = compile_locked(text, fd, d);
    pthread_mutex_unlock(&g_tcc_mu);
    free(text);
    if (st == MI_OK)
        st = read_back(fd, image, imagen, d);
    close(fd);
    return st;
}

mi_status mi_tcc_probe_tinyc(long *v, mi_diag *d) {
    static const char src[] = "long mi_tinyc(void) { return __TINYC__; }";
    uint8_t *img = NULL;
    size_t n = 0;
    mi_native *m = NULL;
    mi_status st = mi_tcc_compile_dll(src, sizeof src - 1, &img, &n, d);
    if (st == MI_OK)
        st = mi_elf_check_and_patch(&img, &n, d);
    if (st == MI_OK)
        st = mi_native_load(img, n, &m, d);
    free(img);
    if (st != MI_OK)
        return st;
    long (*f)(void) = (long (*)(void))mi_native_sym(m, "mi_tinyc");
    if (f == NULL)
        st = mi_diag_set(d, MI_E_INTERNAL, "probe image lacks its entry point");
    else
        *v = f();
    mi_native_unload(m);
    return st;
}

#else /* no libtcc */

static mi_status no_tcc(mi_diag *d) {
    return mi_diag_set(d, MI_E_UNSUPPORTED,
                       "built without libtcc (MI_WITH_TCC=OFF, libtcc not found, or not Linux)");
}

int mi_tcc_available(void) { return 0; }
const char *mi_tcc_version(void) { return "none"; }
const char *mi_tcc_prelude(void) { return NULL; }

mi_status mi_tcc_compile_dll(const char *csrc, size_t n, uint8_t **image, size_t *imagen,
                             mi_diag *d) {
    (void)csrc;
    (void)n;
    if (image)
        *image = NULL;
    if (imagen)
        *imagen = 0;
    return no_tcc(d);
}

mi_status mi_tcc_probe_tinyc(long *v, mi_diag *d) {
    (void)v;
    return no_tcc(d);
}

#endif
