/* Host fingerprint: the fields, the canonical text (rebuilt here by hand from
 * the documented format), the key (xxh3-128 of the text, as the store computes
 * it), MI_HOST_SALT, tiers and the JSON description. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <gnu/libc-version.h>
#include "mi_host.h"
#include "mi_store.h"
#include "mi_tcc.h"

#if defined(__x86_64__)
#define ARCH "x86_64"
#define BASE "x86-64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#define BASE "armv8-a"
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH "riscv64"
#define BASE "rv64gc"
#else
/* A CPU MI makes no native code for (s390x): the fingerprint still describes the host
 * (`mi host`, the host a save file records), but every tier is unsupported. */
#define ARCH "unknown"
#define BASE "unknown"
#define NO_NATIVE 1
#endif

static void fingerprint(const char *tier, mi_host_fp *fp) {
    mi_diag d = {{0}};
    mi_status st = mi_host_fingerprint(tier, fp, &d);
    if (st != MI_OK)
        fprintf(stderr, "%s\n", d.msg);
#ifdef NO_NATIVE
    (void)tier;
    assert_int_equal(st, MI_E_UNSUPPORTED);
#else
    if (strcmp(tier, "tcc") == 0 && !mi_tcc_available())
        assert_int_equal(st, MI_E_UNSUPPORTED);
    else
        assert_int_equal(st, MI_OK);
#endif
}

static void fields_and_text(void **state) {
    (void)state;
    unsetenv("MI_HOST_SALT");
    mi_host_fp fp;
    fingerprint("tcc", &fp);
    char libc[64];
    snprintf(libc, sizeof libc, "glibc-%s", gnu_get_libc_version());
    assert_string_equal(fp.arch, ARCH);
    assert_string_equal(fp.os, "linux-gnu");
    assert_string_equal(fp.libc, libc);
    assert_string_equal(fp.cpu, BASE);
    assert_string_equal(fp.libtcc, mi_tcc_version());
    assert_string_equal(fp.tier, "tcc");
    assert_int_equal(fp.translator, MI_TRANSLATOR_VERSION);
    assert_int_equal(fp.rt_abi, MI_RT_ABI_VERSION);
    assert_string_equal(fp.salt, "");

    char want[MI_HOST_TEXT_MAX], text[MI_HOST_TEXT_MAX];
    snprintf(want, sizeof want,
             "mi-host/1 arch=" ARCH " os=linux-gnu libc=%s cpu=" BASE
             " libtcc=%s tier=tcc translator=%u rt-abi=%u salt=",
             libc, mi_tcc_version(), MI_TRANSLATOR_VERSION, MI_RT_ABI_VERSION);
    size_t len = mi_host_fingerprint_text(&fp, text, sizeof text);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    fprintf(stderr, "fingerprint: %s\n", text);

    /* truncation behaves like snprintf */
    char small[10];
    assert_int_equal(mi_host_fingerprint_text(&fp, small, sizeof small), len);
    assert_string_equal(small, "mi-host/1");

    /* key: xxh3-128, canonical byte order, lower-case hex; the store agrees */
    char key[33], store_key[33], hexd[33];
    mi_host_key(&fp, key);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(want, strlen(want)));
    for (int i = 0; i < 16; i++)
        snprintf(hexd + 2 * i, 3, "%02x", c.digest[i]);
    assert_string_equal(key, hexd);
    mi_store_host_key(text, store_key);
    assert_string_equal(key, store_key);

    /* stable */
    mi_host_fp fp2;
    fingerprint("tcc", &fp2);
    char key2[33];
    mi_host_key(&fp2, key2);
    assert_string_equal(key, key2);
}

static void salt_changes_host(void **state) {
    (void)state;
    unsetenv("MI_HOST_SALT");
    mi_host_fp a, b, e;
    char ka[33], kb[33], ke[33], text[MI_HOST_TEXT_MAX];
    fingerprint("tcc", &a);
    setenv("MI_HOST_SALT", "test-host-2", 1);
    fingerprint("tcc", &b);
    setenv("MI_HOST_SALT", "", 1);
    fingerprint("tcc", &e);
    mi_host_key(&a, ka);
    mi_host_key(&b, kb);
    mi_host_key(&e, ke);
    assert_string_not_equal(ka, kb);
    assert_string_equal(ka, ke); /* empty salt = no salt */
    mi_host_fingerprint_text(&b, text, sizeof text);
    assert_non_null(strstr(text, " salt=test-host-2"));

    /* escaping: space, '%', '=', newline and a non-ASCII byte */
    setenv("MI_HOST_SALT", "a b%c=d\n\xc3\xa9", 1);
    fingerprint("tcc", &b);
    mi_host_fingerprint_text(&b, text, sizeof text);
    const char *s = strstr(text, " salt=");
    assert_non_null(s);
    assert_string_equal(s, " salt=a%20b%25c%3Dd%0A%C3%A9");
    assert_null(strchr(text, '\n'));

    /* too long */
    char longsalt[100];
    memset(longsalt, 'x', 64);
    longsalt[64] = '\0';
    setenv("MI_HOST_SALT", longsalt, 1);
    mi_diag d = {{0}};
    assert_int_equal(mi_host_fingerprint("tcc", &b, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "MI_HOST_SALT"));
    longsalt[63] = '\0';
    setenv("MI_HOST_SALT", longsalt, 1);
    fingerprint("tcc", &b);
    assert_int_equal(strlen(b.salt), 63);
    unsetenv("MI_HOST_SALT");
}

static void tiers(void **state) {
    (void)state;
    unsetenv("MI_HOST_SALT");
    mi_host_fp t, c;
    char kt[33], kc[33];
    fingerprint("tcc", &t);
    fingerprint("cc-O2", &c);
    assert_string_equal(c.tier, "cc-O2");
    mi_host_key(&t, kt);
    mi_host_key(&c, kc);
    assert_string_not_equal(kt, kc);
    mi_diag d = {{0}};
    assert_int_equal(mi_host_fingerprint("O3", &t, &d), MI_E_ARG);
    assert_non_null(strstr(d.msg, "O3"));
    assert_int_equal(mi_host_fingerprint(NULL, &t, &d), MI_E_ARG);
    assert_int_equal(mi_host_fingerprint("tcc", NULL, &d), MI_E_ARG);
}

static void json(void **state) {
    (void)state;
    setenv("MI_HOST_SALT", "q\"\\", 1);
    mi_host_fp fp;
    fingerprint("tcc", &fp);
    unsetenv("MI_HOST_SALT");
    char out[MI_HOST_JSON_MAX], key[33], text[MI_HOST_TEXT_MAX], want[300];
    size_t len = mi_host_describe_json(&fp, out, sizeof out);
    assert_int_equal(len, strlen(out));
    mi_host_key(&fp, key);
    mi_host_fingerprint_text(&fp, text, sizeof text);
    assert_true(out[0] == '{' && out[len - 1] == '}');
    assert_non_null(strstr(out, "\"arch\":\"" ARCH "\""));
    assert_non_null(strstr(out, "\"tier\":\"tcc\""));
    assert_non_null(strstr(out, "\"salt\":\"q\\\"\\\\\""));
    snprintf(want, sizeof want, "\"translator_version\":%u,\"rt_abi_version\":%u",
             MI_TRANSLATOR_VERSION, MI_RT_ABI_VERSION);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "\"key\":\"%s\"", key);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, text)); /* the text needs no JSON escaping */
    fprintf(stderr, "json: %s\n", out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_text),
        cmocka_unit_test(salt_changes_host),
        cmocka_unit_test(tiers),
        cmocka_unit_test(json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
