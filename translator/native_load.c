/* Loading native images from memory through a memfd (see mi_native.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "mi_elf.h"
#include "mi_native.h"

struct mi_native {
    void *handle;
    int name_fd; /* N of the /proc/self/fd/N name the image was loaded under */
};

#if defined(__linux__) && defined(MFD_CLOEXEC)

/* Linux >= 6.3 with vm.memfd_noexec = 1 makes memfds non-executable unless
 * MFD_EXEC is given; older kernels reject the flag with EINVAL. */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/* Fd numbers whose /proc/self/fd/N name belongs to an image we have loaded
 * (a bit per number). Guarded by g_mu, which also serialises our dlopen/dlclose
 * so that a name is never chosen twice. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t *g_names;
static size_t g_nwords;

static bool name_taken(int fd) {
    size_t w = (size_t)fd / 64;
    return w < g_nwords && (g_names[w] >> (fd % 64) & 1);
}

static bool name_mark(int fd, bool on) {
    size_t w = (size_t)fd / 64;
    if (w >= g_nwords) {
        if (!on)
            return true;
        size_t nw = w + 1 > 2 * g_nwords ? w + 1 : 2 * g_nwords;
        uint64_t *p = realloc(g_names, nw * sizeof *p);
        if (p == NULL)
            return false;
        memset(p + g_nwords, 0, (nw - g_nwords) * sizeof *p);
        g_names = p;
        g_nwords = nw;
    }
    if (on)
        g_names[w] |= 1ull << (fd % 64);
    else
        g_names[w] &= ~(1ull << (fd % 64));
    return true;
}

static void fd_path(char *buf, size_t n, int fd) { snprintf(buf, n, "/proc/self/fd/%d", fd); }

/* Something (ours or not) is loaded under /proc/self/fd/fd. */
static bool name_loaded(int fd) {
    char path[40];
    if (name_taken(fd))
        return true;
    fd_path(path, sizeof path, fd);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (h != NULL)
        dlclose(h);
    return h != NULL;
}

static mi_status write_all(int fd, const uint8_t *p, size_t n, mi_diag *d) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return mi_diag_set(d, MI_E_IO, "writing a native image to a memfd: %s",
                               k < 0 ? strerror(errno) : "no progress");
        p += k;
        n -= (size_t)k;
    }
    return MI_OK;
}

mi_status mi_native_load(const uint8_t *image, size_t n, mi_native **out, mi_diag *d) {
    if (out == NULL)
        return mi_diag_set(d, MI_E_ARG, "mi_native_load: no result pointer");
    *out = NULL;
    mi_status st = mi_elf_check(image, n, d);
    if (st != MI_OK)
        return st;
    mi_native *m = calloc(1, sizeof *m);
    if (m == NULL)
        return mi_diag_set(d, MI_E_NOMEM, "out of memory loading a native image");
    int fd = memfd_create("mi-native", MFD_CLOEXEC | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = memfd_create("mi-native", MFD_CLOEXEC);
    if (fd < 0) {
        free(m);
        return mi_diag_set(d, errno == ENOSYS ? MI_E_UNSUPPORTED : MI_E_IO,
                           "memfd_create: %s", strerror(errno));
    }
    if ((st = write_all(fd, image, n, d)) != MI_OK) {
        close(fd);
        free(m);
        return st;
    }
    pthread_mutex_lock(&g_mu);
    /* Move the memfd to a number whose name is free. The old descriptor stays
     * open while we look, so F_DUPFD cannot hand the same number back. */
    for (int tries = 0; name_loaded(fd); tries++) {
        int min = fd + 1;
        while (name_taken(min))
            min++;
        int nfd = tries < 1024 ? fcntl(fd, F_DUPFD_CLOEXEC, min) : -1;
        if (nfd < 0) {
            st = mi_diag_set(d, MI_E_IO, "no free /proc/self/fd name to load a native image: %s",
                             tries < 1024 ? strerror(errno) : "too many names in use");
            break;
        }
        close(fd);
        fd = nfd;
    }
    if (st == MI_OK && !name_mark(fd, true))
        st = mi_diag_set(d, MI_E_NOMEM, "out of memory loading a native image");
    if (st == MI_OK) {
        char path[40];
        fd_path(path, sizeof path, fd);
        dlerror();
        m->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (m->handle == NULL) {
            const char *e = dlerror();
            int en = errno;
            name_mark(fd, false);
            if (access("/proc/self/fd", F_OK) != 0)
                st = mi_diag_set(d, MI_E_UNSUPPORTED, "loading a native image needs /proc: %s",
                                 strerror(en));
            else
                st = mi_diag_set(d, MI_E_IO, "dlopen of a native image failed: %s",
                                 e ? e : "unknown error");
        }
        m->name_fd = fd;
    }
    pthread_mutex_unlock(&g_mu);
    close(fd);
    if (st != MI_OK) {
        free(m);
        return st;
    }
    *out = m;
    return MI_OK;
}

void *mi_native_sym(mi_native *m, const char *name) {
    if (m == NULL || name == NULL)
        return NULL;
    return dlsym(m->handle, name);
}

void mi_native_unload(mi_native *m) {
    if (m == NULL)
        return;
    pthread_mutex_lock(&g_mu);
    dlclose(m->handle);
    /* Should glibc keep the object (it never does for these images), the
     * RTLD_NOLOAD probe in mi_native_load still sees the name as taken. */
    name_mark(m->name_fd, false);
    pthread_mutex_unlock(&g_mu);
    free(m);
}

#else /* not Linux */

mi_status mi_native_load(const uint8_t *image, size_t n, mi_native **out, mi_diag *d) {
    (void)image;
    (void)n;
    if (out)
        *out = NULL;
    return mi_diag_set(d, MI_E_UNSUPPORTED, "loading native images needs Linux (memfd, /proc)");
}

void *mi_native_sym(mi_native *m, const char *name) {
    (void)m;
    (void)name;
    return NULL;
}

void mi_native_unload(mi_native *m) { (void)m; }

#endif
