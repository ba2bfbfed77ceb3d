/* The host fingerprint (see mi_host.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif
#include "mi_host.h"
#include "mi_tcc.h"

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#define HOST_BASELINE "x86-64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#define HOST_BASELINE "armv8-a"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#define HOST_BASELINE "rv64gc"
#else
#define HOST_ARCH "unknown"
#define HOST_BASELINE "unknown"
#endif

#ifndef MI_CC_MARCH
#define MI_CC_MARCH HOST_BASELINE
#endif

static void copy(char *dst, size_t n, const char *src) { snprintf(dst, n, "%s", src); }

/* libtcc field: the build-time version, else a measured one. */
static void libtcc_field(char *out, size_t n) {
    const char *v = mi_tcc_version();
    long tinyc;
    if (strcmp(v, "unknown") != 0)
        copy(out, n, v);
    else if (mi_tcc_probe_tinyc(&tinyc, NULL) == MI_OK)
        snprintf(out, n, "unknown-%ld", tinyc);
    else
        copy(out, n, "unknown");
}

mi_status mi_host_fingerprint(const char *tier, mi_host_fp *fp, mi_diag *d) {
    if (fp == NULL)
        return mi_diag_set(d, MI_E_ARG, "mi_host_fingerprint: no result");
    memset(fp, 0, sizeof *fp);
    int cc = tier != NULL && strcmp(tier, "cc-O2") == 0;
    if (!cc && (tier == NULL || strcmp(tier, "tcc") != 0))
        return mi_diag_set(d, MI_E_ARG, "unknown translation tier '%s' (tcc or cc-O2)",
                           tier ? tier : "(null)");
    copy(fp->tier, sizeof fp->tier, tier);
    copy(fp->arch, sizeof fp->arch, HOST_ARCH);
    copy(fp->cpu, sizeof fp->cpu, cc ? MI_CC_MARCH : HOST_BASELINE);
    fp->translator = MI_TRANSLATOR_VERSION;
    fp->rt_abi = MI_RT_ABI_VERSION;
#if defined(__linux__) && defined(__GLIBC__)
    copy(fp->os, sizeof fp->os, "linux-gnu");
    snprintf(fp->libc, sizeof fp->libc, "glibc-%s", gnu_get_libc_version());
    int known_os = 1;
#else
    copy(fp->os, sizeof fp->os, "unknown");
    copy(fp->libc, sizeof fp->libc, "unknown");
    int known_os = 0;
#endif
    const char *salt = getenv("MI_HOST_SALT");
    if (salt != NULL && strlen(salt) >= sizeof fp->salt)
        return mi_diag_set(d, MI_E_ARG, "MI_HOST_SALT is longer than %zu bytes",
                           sizeof fp->salt - 1);
    copy(fp->salt, sizeof fp->salt, salt ? salt : "");
    if (mi_tcc_available())
        libtcc_field(fp->libtcc, sizeof fp->libtcc);
    else
        copy(fp->libtcc, sizeof fp->libtcc, "none");
    if (!known_os || strcmp(fp->arch, "unknown") == 0)
        return mi_diag_set(d, MI_E_UNSUPPORTED, "no native code for this host (%s, %s)", fp->arch,
                           fp->os);
    if (!cc && !mi_tcc_available())
        return mi_diag_set(d, MI_E_UNSUPPORTED, "tier tcc: built without libtcc");
    return MI_OK;
}

/* Append s escaped (see mi_host.h) to out at *k, keeping count of the full
 * length like snprintf. */
static void put_escaped(char *out, size_t n, size_t *k, const char *s) {
    static const char hexd[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char buf[4];
        size_t len = 1;
        unsigned c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("._+:/@,()-", (int)c) != NULL) {
            buf[0] = (char)c;
        } else {
            buf[0] = '%';
            buf[1] = hexd[c >> 4];
            buf[2] = hexd[c & 15];
            len = 3;
        }
        for (size_t i = 0; i < len; i++, (*k)++)
            if (*k + 1 < n)
                out[*k] = buf[i];
    }
    if (n > 0)
        out[*k < n ? *k : n - 1] = '\0';
}

static void put_raw(char *out, size_t n, size_t *k, const char *s) {
    for (; *s; s++, (*k)++)
        if (*k + 1 < n)
            out[*k] = *s;
    if (n > 0)
        out[*k < n ? *k : n - 1] = '\0';
}

size_t mi_host_fingerprint_text(const mi_host_fp *fp, char *out, size_t n) {
    const struct { const char *key, *val; } f[] = {
        {" arch=", fp->arch}, {" os=", fp->os},     {" libc=", fp->libc},
        {" cpu=", fp->cpu},   {" libtcc=", fp->libtcc}, {" tier=", fp->tier},
    };
    char num[48];
    size_t k = 0;
    if (n > 0)
        out[0] = '\0';
    put_raw(out, n, &k, "mi-host/1");
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        put_raw(out, n, &k, f[i].key);
        put_escaped(out, n, &k, f[i].val);
    }
    snprintf(num, sizeof num, " translator=%u rt-abi=%u salt=", fp->translator, fp->rt_abi);
    put_raw(out, n, &k, num);
    put_escaped(out, n, &k, fp->salt);
    return k;
}

void mi_host_key(const mi_host_fp *fp, char key[33]) {
    static const char hexd[] = "0123456789abcdef";
    char text[MI_HOST_TEXT_MAX];
    size_t len = mi_host_fingerprint_text(fp, text, sizeof text);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(text, len));
    for (size_t i = 0; i < sizeof c.digest; i++) {
        key[2 * i] = hexd[c.digest[i] >> 4];
        key[2 * i + 1] = hexd[c.digest[i] & 15];
    }
    key[32] = '\0';
}

static void put_json_string(char *out, size_t n, size_t *k, const char *s) {
    put_raw(out, n, k, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char buf[8];
        if (*p == '"' || *p == '\\')
            snprintf(buf, sizeof buf, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            snprintf(buf, sizeof buf, "\\u%04x", *p);
        else
            snprintf(buf, sizeof buf, "%c", *p);
        put_raw(out, n, k, buf);
    }
    put_raw(out, n, k, "\"");
}

size_t mi_host_describe_json(const mi_host_fp *fp, char *out, size_t n) {
    const struct { const char *key, *val; } f[] = {
        {"{\"arch\":", fp->arch}, {",\"os\":", fp->os},         {",\"libc\":", fp->libc},
        {",\"cpu\":", fp->cpu},   {",\"libtcc\":", fp->libtcc}, {",\"tier\":", fp->tier},
        {",\"salt\":", fp->salt},
    };
    char text[MI_HOST_TEXT_MAX], key[33], num[80];
    size_t k = 0;
    if (n > 0)
        out[0] = '\0';
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        put_raw(out, n, &k, f[i].key);
        put_json_string(out, n, &k, f[i].val);
    }
    snprintf(num, sizeof num, ",\"translator_version\":%u,\"rt_abi_version\":%u,\"fingerprint\":",
             fp->translator, fp->rt_abi);
    put_raw(out, n, &k, num);
    mi_host_fingerprint_text(fp, text, sizeof text);
    put_json_string(out, n, &k, text);
    mi_host_key(fp, key);
    put_raw(out, n, &k, ",\"key\":");
    put_json_string(out, n, &k, key);
    put_raw(out, n, &k, "}");
    return k;
}
