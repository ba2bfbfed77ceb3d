/* The libtcc adapter: compile C to an image, check and patch it, load it, call
 * it. Compile errors come back as messages; C constructs that need libtcc1 are
 * caught by the image checker; compiling is safe from several threads. Prints
 * (does not assert) compile and load times. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mi_elf.h"
#include "mi_native.h"
#include "mi_tcc.h"

#if defined(__has_include)
#if __has_include(<libtcc.h>)
#include <libtcc.h>
#define HAVE_LIBTCC_H 1
/* Weak: this test links without libtcc when MI_WITH_TCC=OFF. */
#pragma weak tcc_new
#pragma weak tcc_set_options
#endif
#endif

static int skip_without_tcc(void) {
    if (!mi_tcc_available()) {
        uint8_t *img = (uint8_t *)1;
        size_t n = 1;
        mi_diag d = {{0}};
        assert_int_equal(mi_tcc_compile_dll("int f;", 6, &img, &n, &d), MI_E_UNSUPPORTED);
        assert_null(img);
        assert_non_null(strstr(d.msg, "libtcc"));
        return 1;
    }
    return 0;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Compile, check+patch and load src; fails the test on any error. */
static mi_native *build(const char *src) {
    uint8_t *img = NULL;
    size_t n = 0;
    mi_native *m = NULL;
    mi_diag d = {{0}};
    mi_status st = mi_tcc_compile_dll(src, strlen(src), &img, &n, &d);
    if (st != MI_OK)
        fprintf(stderr, "compile: %s\n", d.msg);
    assert_int_equal(st, MI_OK);
    st = mi_elf_check_and_patch(&img, &n, &d);
    if (st != MI_OK)
        fprintf(stderr, "check: %s\n", d.msg);
    assert_int_equal(st, MI_OK);
    st = mi_native_load(img, n, &m, &d);
    if (st != MI_OK)
        fprintf(stderr, "load: %s\n", d.msg);
    assert_int_equal(st, MI_OK);
    free(img);
    return m;
}

/* Compile src (must succeed) and return the checker's verdict. */
static mi_status compile_and_check(const char *src, mi_diag *d) {
    uint8_t *img = NULL;
    size_t n = 0;
    mi_status st = mi_tcc_compile_dll(src, strlen(src), &img, &n, d);
    if (st != MI_OK)
        fprintf(stderr, "compile: %s\n", d->msg);
    assert_int_equal(st, MI_OK);
    st = mi_elf_check_and_patch(&img, &n, d);
    free(img);
    return st;
}

static void compile_load_call(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    /* The struct copy and the zeroed local array make tcc call memcpy/memset
     * implicitly; the prelude's static versions must satisfy them. */
    const char *src = "struct big { mi_i64 v[40]; };\n"
                      "static mi_i64 twice(mi_i64 x) { return 2 * x; }\n"
                      "static mi_i64 counter;\n"
                      "mi_i64 mi_calc(mi_i64 a, mi_i64 b) {\n"
                      "    struct big x = {{0}}, y;\n"
                      "    mi_i64 z[50] = {0};\n"
                      "    x.v[39] = a; y = x; z[49] = b;\n"
                      "    return twice(y.v[39]) + z[49] - y.v[0];\n"
                      "}\n"
                      "mi_i64 mi_count(void) { return ++counter; }\n"
                      "void mi_move(mi_u8 *p, mi_size n) { memmove(p + 1, p, n); }\n";
    mi_native *m = build(src);
    long long (*calc)(long long, long long) =
        (long long (*)(long long, long long))mi_native_sym(m, "mi_calc");
    long long (*count)(void) = (long long (*)(void))mi_native_sym(m, "mi_count");
    void (*move)(unsigned char *, unsigned long) =
        (void (*)(unsigned char *, unsigned long))mi_native_sym(m, "mi_move");
    assert_non_null(calc);
    assert_non_null(count);
    assert_non_null(move);
    assert_int_equal(calc(21, 5), 47);        /* 2*21 + 5 - 0 */
    assert_int_equal(calc(-4, 100), 92);      /* 2*(-4) + 100 */
    assert_int_equal(count(), 1);
    assert_int_equal(count(), 2);
    unsigned char buf[6] = {'a', 'b', 'c', 'd', 'e', 'f'};
    move(buf, 4); /* overlapping move one to the right */
    assert_memory_equal(buf, "aabcdf", 6);
    /* static helpers stay invisible; nothing of the host is reachable */
    assert_null(mi_native_sym(m, "twice"));
    assert_null(mi_native_sym(m, "memset"));
    assert_null(mi_native_sym(m, "malloc"));
    assert_null(mi_native_sym(m, "printf"));
    mi_native_unload(m);
}

static void compile_error_message(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    uint8_t *img = (uint8_t *)1;
    size_t n = 7;
    mi_diag d = {{0}};
    const char *src = "int ok(void) { return 0; }\nint f(void) { return 1 }\n";
    assert_int_equal(mi_tcc_compile_dll(src, strlen(src), &img, &n, &d), MI_E_INTERNAL);
    assert_null(img);
    assert_int_equal(n, 0);
    /* the error is on line 2 of the caller's text (the prelude is not counted) */
    assert_non_null(strstr(d.msg, "mi.c:2:"));
    assert_non_null(strstr(d.msg, "error"));

    /* warnings are errors */
    const char *warn = "int f(int x) { char *p = x; return *p; }\n";
    assert_int_equal(mi_tcc_compile_dll(warn, strlen(warn), &img, &n, &d), MI_E_INTERNAL);
    assert_non_null(strstr(d.msg, "pointer from integer"));

    /* no system headers */
    const char *inc = "#include <stdio.h>\nint f(void) { return 0; }\n";
    assert_int_equal(mi_tcc_compile_dll(inc, strlen(inc), &img, &n, &d), MI_E_INTERNAL);
    assert_non_null(strstr(d.msg, "stdio.h"));

    /* the source is a counted string: NUL inside is refused, no terminator needed */
    assert_int_equal(mi_tcc_compile_dll("int a;\0int b;", 13, &img, &n, &d), MI_E_ARG);
    char exact[6] = {'i', 'n', 't', ' ', 'a', ';'};
    assert_int_equal(mi_tcc_compile_dll(exact, sizeof exact, &img, &n, &d), MI_OK);
    assert_non_null(img);
    free(img);
}

static void undefined_symbols_caught(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    mi_diag d = {{0}};
    /* tcc links a DLL with an undefined symbol without complaint */
    assert_int_equal(compile_and_check("extern int mi_nowhere(int);\n"
                                       "int f(int x) { return mi_nowhere(x); }\n",
                                       &d),
                     MI_E_IMAGE);
    assert_non_null(strstr(d.msg, "undefined symbol 'mi_nowhere'"));
    assert_int_equal(compile_and_check("extern int mi_var;\nint f(void) { return mi_var; }\n", &d),
                     MI_E_IMAGE);
    assert_non_null(strstr(d.msg, "undefined symbol 'mi_var'"));
#if defined(__x86_64__)
    /* Constructs that make x86_64 tcc call libtcc1 helpers (measured). */
    static const struct { const char *src, *helper; } h[] = {
        {"unsigned long long f(double d) { return (unsigned long long)d; }", "__fixunsdfdi"},
        {"double f(unsigned long long u) { return (double)u; }", "__floatundidf"},
        {"float f(unsigned long long u) { return (float)u; }", "__floatundisf"},
        {"unsigned long long f(float d) { return (unsigned long long)d; }", "__fixunssfdi"},
        {"unsigned long long f(long double x) { return x; }", "__fixunsxfdi"},
        {"long double f(unsigned long long x) { return x; }", "__floatundixf"},
        {"int f(int n, ...) { __builtin_va_list ap; __builtin_va_start(ap, n);\n"
         " int r = __builtin_va_arg(ap, int); __builtin_va_end(ap); return r; }", "__va_arg"},
    };
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
        char want[80];
        snprintf(want, sizeof want, "undefined symbol '%s'", h[i].helper);
        assert_int_equal(compile_and_check(h[i].src, &d), MI_E_IMAGE);
        if (strstr(d.msg, want) == NULL)
            fprintf(stderr, "%s: %s\n", h[i].helper, d.msg);
        assert_non_null(strstr(d.msg, want));
    }
    /* ...and the signed/32-bit forms that need no helper */
    assert_int_equal(compile_and_check("long long f(double d) { return (long long)d; }\n"
                                       "double g(long long x) { return (double)x; }\n"
                                       "unsigned h(double d) { return (unsigned)d; }\n"
                                       "double k(unsigned x) { return x; }\n",
                                       &d),
                     MI_OK);
#endif
}

static void self_references_refused(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    mi_diag d = {{0}};
    /* A call to an exported function goes through a symbol relocation, which
     * the dynamic linker would resolve in the host's global scope first. */
    mi_status st = compile_and_check("int g1(int x) { return x + 1; }\n"
                                     "int g2(int x) { return g1(x) * 2; }\n",
                                     &d);
#if defined(__x86_64__)
    assert_int_equal(st, MI_E_IMAGE);
    assert_non_null(strstr(d.msg, "against symbol 'g1'"));
#else
    (void)st;
#endif
    /* The accepted form: a static function and an exported wrapper. */
    mi_native *m = build("static int g1s(int x) { return x + 1; }\n"
                         "int g1(int x) { return g1s(x); }\n"
                         "int g2(int x) { return g1s(x) * 2; }\n");
    int (*g2)(int) = (int (*)(int))mi_native_sym(m, "g2");
    assert_int_equal(g2(20), 42);
    mi_native_unload(m);
}

#if defined(__x86_64__)
/* x86_64 tcc turns static pointer initialisers into R_X86_64_RELATIVE
 * relocations (arm64 tcc emits none: generated code must not rely on this). */
static void static_pointers_x86_64(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    mi_native *m = build("static int x = 3; static int y[4] = {10, 20, 30, 40};\n"
                         "static int *p = &x; static int *tab[2] = {&y[1], &y[3]};\n"
                         "static const char *s = \"hello\";\n"
                         "int get(void) { return *p + *tab[1] + s[1]; }\n");
    int (*get)(void) = (int (*)(void))mi_native_sym(m, "get");
    assert_int_equal(get(), 3 + 40 + 'e');
    mi_native_unload(m);
}
#endif

typedef struct job {
    int id;
    int ok;
} job;

static void *compile_many(void *arg) {
    job *j = arg;
    j->ok = 1;
    for (int k = 0; k < 8; k++) {
        char src[256];
        int v = j->id * 100 + k;
        snprintf(src, sizeof src,
                 "static int helper%d(int x) { return x * %d; }\n"
                 "int entry(int x) { return helper%d(x) + %d; }\n",
                 v, v, v, v);
        uint8_t *img = NULL;
        size_t n = 0;
        mi_native *m = NULL;
        mi_diag d = {{0}};
        if (mi_tcc_compile_dll(src, strlen(src), &img, &n, &d) != MI_OK ||
            mi_elf_check_and_patch(&img, &n, &d) != MI_OK || mi_native_load(img, n, &m, &d) != MI_OK) {
            fprintf(stderr, "thread %d: %s\n", j->id, d.msg);
            j->ok = 0;
            free(img);
            return NULL;
        }
        free(img);
        int (*entry)(int) = (int (*)(int))mi_native_sym(m, "entry");
        if (entry == NULL || entry(3) != 3 * v + v)
            j->ok = 0;
        mi_native_unload(m);
    }
    return NULL;
}

static void parallel_compiles(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    enum { NT = 6 };
    pthread_t t[NT];
    job j[NT];
    for (int i = 0; i < NT; i++) {
        j[i].id = i + 1;
        assert_int_equal(pthread_create(&t[i], NULL, compile_many, &j[i]), 0);
    }
    for (int i = 0; i < NT; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_true(j[i].ok);
    }
}

static unsigned count_entries(const char *dir) {
    unsigned k = 0;
    DIR *dp = opendir(dir);
    if (dp == NULL)
        return 0;
    for (struct dirent *e; (e = readdir(dp)) != NULL;)
        k += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(dp);
    return k;
}

/* Compile and load with the working directory and TMPDIR in fresh private
 * directories (so other tests running in parallel cannot disturb the count):
 * both stay empty and no descriptor is left open. */
static void no_files_left(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    char cwd[4096], work[] = "/tmp/mi-tcc-test-XXXXXX", tmp[] = "/tmp/mi-tcc-tmp-XXXXXX";
    const char *old_tmp = getenv("TMPDIR");
    char *saved_tmp = old_tmp ? strdup(old_tmp) : NULL;
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_non_null(mkdtemp(work));
    assert_non_null(mkdtemp(tmp));
    assert_int_equal(chdir(work), 0);
    setenv("TMPDIR", tmp, 1);
    int fds_before = (int)count_entries("/proc/self/fd");
    mi_native *m = build("int f(void) { return 7; }");
    int (*f)(void) = (int (*)(void))mi_native_sym(m, "f");
    assert_int_equal(f(), 7);
    mi_native_unload(m);
    assert_int_equal(count_entries("."), 0);
    assert_int_equal(count_entries(tmp), 0);
    assert_int_equal((int)count_entries("/proc/self/fd"), fds_before);
    assert_int_equal(chdir(cwd), 0);
    if (saved_tmp)
        setenv("TMPDIR", saved_tmp, 1);
    else
        unsetenv("TMPDIR");
    free(saved_tmp);
    assert_int_equal(rmdir(work), 0);
    assert_int_equal(rmdir(tmp), 0);
}

static void version_matches_library(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    const char *v = mi_tcc_version();
    long tinyc = 0;
    mi_diag d = {{0}};
    assert_int_equal(mi_tcc_probe_tinyc(&tinyc, &d), MI_OK);
    int a, b, c;
    fprintf(stderr, "libtcc version %s, __TINYC__ %ld\n", v, tinyc);
    if (sscanf(v, "%d.%d.%d", &a, &b, &c) == 3)
        assert_int_equal(tinyc, a * 10000 + b * 100 + c); /* 0.9.27 -> 927 */
    else
        assert_string_equal(v, "unknown");
}

/* An option libtcc rejects ends the whole process (exit(1) inside
 * tcc_set_options): why only MI_TCC_OPTIONS is ever used. Shown in a child. */
static void bad_option_exits_process(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
#if defined(HAVE_LIBTCC_H)
    if (tcc_new == NULL || tcc_set_options == NULL)
        return;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        TCCState *s = tcc_new();
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 2);
        tcc_set_options(s, "-bogus-option");
        _exit(42); /* reached only if libtcc returned */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_not_equal(WEXITSTATUS(status), 42);
    /* and the fixed option string is accepted by this libtcc */
    mi_native *m = build("int f(void) { return 1; }");
    mi_native_unload(m);
#endif
}

/* ~100k lines: measured and printed, not asserted. */
static void timing(void **state) {
    (void)state;
    if (skip_without_tcc())
        return;
    enum { NF = 2000, NL = 48 };
    size_t cap = (size_t)NF * (NL + 4) * 64, len = 0;
    char *src = malloc(cap);
    assert_non_null(src);
    for (int f = 0; f < NF; f++) {
        len += (size_t)snprintf(src + len, cap - len, "static mi_u64 f%d(mi_u64 x) {\n", f);
        for (int l = 0; l < NL; l++)
            len += (size_t)snprintf(src + len, cap - len, "    x = x * %du + %du;\n", 3 + l % 5, f + l);
        len += (size_t)snprintf(src + len, cap - len, "    return x;\n}\n");
    }
    len += (size_t)snprintf(src + len, cap - len, "mi_u64 entry(int k, mi_u64 x) {\n    switch (k) {\n");
    for (int f = 0; f < NF; f++)
        len += (size_t)snprintf(src + len, cap - len, "    case %d: return f%d(x);\n", f, f);
    len += (size_t)snprintf(src + len, cap - len, "    }\n    return 0;\n}\n");
    unsigned lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += src[i] == '\n';

    uint8_t *img = NULL;
    size_t n = 0;
    mi_diag d = {{0}};
    double t0 = now_s();
    assert_int_equal(mi_tcc_compile_dll(src, len, &img, &n, &d), MI_OK);
    double t1 = now_s();
    assert_int_equal(mi_elf_check_and_patch(&img, &n, &d), MI_OK);
    double t2 = now_s();
    enum { NLOAD = 50 };
    mi_native *m = NULL;
    for (int i = 0; i < NLOAD; i++) {
        mi_native_unload(m);
        assert_int_equal(mi_native_load(img, n, &m, &d), MI_OK);
    }
    double t3 = now_s();
    unsigned long long (*entry)(int, unsigned long long) =
        (unsigned long long (*)(int, unsigned long long))mi_native_sym(m, "entry");
    /* the same arithmetic done natively, modulo 2^64 */
    for (int f = 0; f < NF; f += 397) {
        unsigned long long x = 12345;
        for (int l = 0; l < NL; l++)
            x = x * (unsigned long long)(3 + l % 5) + (unsigned long long)(f + l);
        assert_true(entry(f, 12345) == x);
    }
    mi_native_unload(m);
    /* a small image: the usual case */
    uint8_t *small = NULL;
    size_t sn = 0;
    const char *ssrc = "static int h(int x) { return x + 1; }\nint f(int x) { return h(x); }\n";
    double s0 = now_s();
    for (int i = 0; i < NLOAD; i++) {
        free(small);
        assert_int_equal(mi_tcc_compile_dll(ssrc, strlen(ssrc), &small, &sn, &d), MI_OK);
    }
    double s1 = now_s();
    assert_int_equal(mi_elf_check_and_patch(&small, &sn, &d), MI_OK);
    double s2 = now_s();
    for (int i = 0; i < NLOAD; i++) {
        assert_int_equal(mi_native_load(small, sn, &m, &d), MI_OK);
        mi_native_unload(m);
    }
    double s3 = now_s();
    fprintf(stderr, "timing: small image (%zu bytes): compile %.3f ms, load+unload %.3f ms avg\n",
            sn, (s1 - s0) * 1e3 / NLOAD, (s3 - s2) * 1e3 / NLOAD);
    free(small);
    fprintf(stderr,
            "timing: %u lines (%zu bytes) compiled in %.1f ms (%.0f lines/s); image %zu bytes; "
            "check+patch %.3f ms; load (check+memfd+dlopen) %.3f ms avg over %d\n",
            lines, len, (t1 - t0) * 1e3, lines / (t1 - t0), n, (t2 - t1) * 1e3,
            (t3 - t2) * 1e3 / NLOAD, NLOAD);
    free(img);
    free(src);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compile_load_call),
        cmocka_unit_test(compile_error_message),
        cmocka_unit_test(undefined_symbols_caught),
        cmocka_unit_test(self_references_refused),
#if defined(__x86_64__)
        cmocka_unit_test(static_pointers_x86_64),
#endif
        cmocka_unit_test(parallel_compiles),
        cmocka_unit_test(no_files_left),
        cmocka_unit_test(version_matches_library),
        cmocka_unit_test(bad_option_exits_process),
        cmocka_unit_test(timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
