/* assemble -> disassemble -> assemble gives identical bytes, with and without
 * the embedded source, for every program of the conformance suite
 * (tests/conformance/NAME.mi and lib/NAME.mi), every example (examples/NAME.mi), and
 * the programs below; and the disassembly is a fixed point. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mi_asm.h"

static void print_diags(const mi_asm_diags *dg) {
    for (unsigned i = 0; i < dg->n; i++) fprintf(stderr, "  %s\n", dg->msgs[i]);
}

static char *dis_bytes(const uint8_t *b, size_t bn, const char *what) {
    mi_template t;
    mi_template_init(&t);
    mi_diag d;
    mi_status st = mi_template_load(b, bn, &t, &d);
    if (st != MI_OK) fprintf(stderr, "%s: load: %s\n", what, d.msg);
    assert_int_equal(st, MI_OK);
    char *text;
    size_t tn;
    st = mi_dis_format(&t, &text, &tn, &d);
    if (st != MI_OK) fprintf(stderr, "%s: dis: %s\n", what, d.msg);
    assert_int_equal(st, MI_OK);
    mi_template_free(&t);
    return text;
}

/* Round trip one program; returns 0 if it does not assemble. */
static int check_program(const char *src, size_t n, const char *name) {
    for (int embed = 0; embed <= 1; embed++) {
        mi_asm_opts o;
        mi_asm_opts_init(&o);
        o.filename = name;
        o.embed_source = embed;
        mi_asm_diags dg;
        mi_asm_diags_init(&dg);
        uint8_t *b1, *b2;
        size_t n1, n2;
        if (mi_asm_assemble(src, n, &o, &b1, &n1, &dg) != MI_OK) {
            assert_int_equal(embed, 0); /* the option never decides whether a program assembles */
            fprintf(stderr, "%s does not assemble:\n", name);
            print_diags(&dg);
            mi_asm_diags_free(&dg);
            return 0;
        }
        char *text = dis_bytes(b1, n1, name);
        o.filename = "disassembly.mi";
        o.embed_source = !embed;
        if (mi_asm_assemble(text, strlen(text), &o, &b2, &n2, &dg) != MI_OK) {
            fprintf(stderr, "%s: the disassembly does not assemble:\n%s\n", name, text);
            print_diags(&dg);
            fail();
        }
        if (n1 != n2 || memcmp(b1, b2, n1) != 0) fprintf(stderr, "%s: round trip differs:\n%s\n", name, text);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        char *text2 = dis_bytes(b2, n2, name);
        assert_string_equal(text, text2);
        free(text);
        free(text2);
        free(b1);
        free(b2);
        mi_asm_diags_free(&dg);
    }
    return 1;
}

static char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        if (k == 0) break;
        len += k;
    }
    fclose(f);
    *n = len;
    return buf;
}

/* Suite files that are deliberately not valid programs (callees whose loading
 * must fail); they must keep failing to assemble. */
static const char *const invalid[] = {"lib/broken.mi"};

static int is_invalid(const char *path) {
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        size_t pn = strlen(path), k = strlen(invalid[i]);
        if (pn > k && path[pn - k - 1] == '/' && strcmp(path + pn - k, invalid[i]) == 0) return 1;
    }
    return 0;
}

static void test_suite_files(void **state) {
    (void)state;
    static const char *const patterns[] = {MI_SOURCE_DIR "/tests/conformance/*.mi",
                                           MI_SOURCE_DIR "/tests/conformance/lib/*.mi",
                                           MI_SOURCE_DIR "/examples/*.mi"};
    unsigned total = 0, failed = 0;
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        glob_t g;
        if (glob(patterns[p], 0, NULL, &g) != 0) continue; /* counted below */
        for (size_t i = 0; i < g.gl_pathc; i++) {
            size_t n;
            char *src = read_file(g.gl_pathv[i], &n);
            const char *name = strrchr(g.gl_pathv[i], '/') + 1;
            total++;
            if (is_invalid(g.gl_pathv[i])) {
                mi_asm_diags dg;
                mi_asm_diags_init(&dg);
                mi_template t;
                assert_int_not_equal(mi_asm_build(src, n, NULL, &t, &dg), MI_OK);
                mi_asm_diags_free(&dg);
            } else if (!check_program(src, n, name)) {
                failed++;
            }
            free(src);
        }
        globfree(&g);
    }
    fprintf(stderr, "round trip: %u program files, %u did not assemble\n", total, failed);
    assert_int_equal(failed, 0);
    assert_true(total >= 100); /* the suite has well over a hundred: a broken glob must fail */
}

/* Programs of our own, covering every statement form. */
static const char *const own[] = {
    /* everything at once */
    "; a comment first\n"
    ".section 77, 0, X'0001'\n"
    "DCL greeting CHAR(13) INIT('Hello, world!')\n"
    "DCL counts BIN(2) DIM(10) AUTO INIT(-1)\n"
    "DCL amount PKD(9,2) INIT(1234567.89)\n"
    "DCL zoned ZND(5,3) INIT(-12.5)\n"
    "DCL ratio FLT(8) INIT(0.1)\n"
    "DCL small FLT(4) INIT(1E-40)\n"
    "DCL mask CHAR(12) INIT('$ZZ,ZZ9.99-')\n"
    "DCL line CHAR(80)\n"
    "DCL p SPCPTR AUTO\n"
    "DCL q SPCPTR\n"
    "DCL buf CHAR(16) BASED(p)\n"
    "DCL head CHAR(4) DEFINED(line)\n"
    "DCL tail CHAR(4) DEFINED(line, 76)\n"
    "DCL i BIN(4)\n"
    "DCL u UBIN(8) INIT(18446744073709551615)\n"
    "DCL prog SYSPTR\n"
    "DCL e CHAR(7)\n"
    "DCL d CHAR(256)\n"
    "DCL n BIN(4)\n"
    "        MONITOR MCH1210, start, done, handler\n"
    "        MONITOR MCH0000, start, start, handler\n"
    "        MONITOR *ALL, start, done, handler\n"
    "start:  CPYNV i, 1\n"
    "loop:   ADDN.R amount, amount, 0.005\n"
    "        ADDN counts(i), counts(i), 1\n"
    "        CMPN.LO i, 10, next\n"
    "        B done\n"
    "next:   ADDN i, i, 1\n"
    "        B loop\n"
    "\n"
    "\n"
    "done:   EDIT line, amount, mask\n"
    "        SVC 2, line\n"
    "        CPYBLA line(1:4), 'abcd'\n"
    "        CPYBLA line(i:BIN(2):2), X'0001'\n"
    "        CAT line, greeting, line(2:3)\n"
    "        CRTS p, 16, 64\n"
    "        CPYP q, p\n"
    "        ADDSPP p, q, 4\n"
    "        SUBSPP i, p, q\n"
    "        SETSPSZ p, 32\n"
    "        SPSZ i, p\n"
    "        CPYBLAP buf, 'x', ' '\n"
    "        SCAN i, line, 'a'\n"
    "        TRIMLEN i, line\n"
    "        CVTNC line, ratio\n"
    "        CVTCN.R zoned, '1.2345'\n"
    "        AND u, u, UBIN(8):255\n"
    "        OR i, i, 2\n"
    "        XOR i, i, -1\n"
    "        NOT i, i\n"
    "        SHL i, i, 3\n"
    "        SHR u, u, 1\n"
    "        CMPNI.EQ i, small, FLT(4):1.5\n"
    "        CMPC.NE line, head, done\n"
    "        CMPCI.HI i, line, tail\n"
    "        BX i, start, loop, done\n"
    "        CALLI sub\n"
    "        RSLVSP prog, 'OTHER'\n"
    "        CALLX prog, line, 5, 'abc'\n"
    "        SIGEXC 'USR0001', 'data'\n"
    "handler: RTVEXC e, d, n\n"
    ".line 500\n"
    "        RTX\n"
    "sub:    NOP\n"
    "        RTNI\n",
    /* labels alone, several per instruction, .line pins everywhere */
    "a:\nb:\n\n c:\n NOP\n.line 0\n NOP\n.line 4294967295\nz: NOP\n NOP\n B a\n",
    /* an explicit source that is not this text */
    ".source 'elsewhere.mi'\n.srcdata X'00010203'\n.srcdata X'FF'\n NOP\n",
    ".nosource\n",
    "",
    "DCL only BIN(4)\n",
    /* CRLF line ends, tabs, lower case keywords */
    "dcl x pkd(5,2) init(1.5)\r\n\tcpynv.r x, 2.555\r\n\tcmpn.nl x, 0, l\r\nl:\tnop\r\n",
};

static void test_own_programs(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "own%zu.mi", i);
        assert_int_equal(check_program(own[i], strlen(own[i]), name), 1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_own_programs),
        cmocka_unit_test(test_suite_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
