/* Character semantics (mi-spec/mi-v1.md §6), expected values by hand,
 * including receivers that overlap their sources. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "mi_sem.h"

#define U(s) ((const uint8_t *)(s))

static void test_cpybla(void **state) {
    (void)state;
    uint8_t r[8];
    memcpy(r, "ABCDEFGH", 8);
    mi_sem_cpybla(r, 5, U("xy"), 2); /* shorter source: rest of r unchanged */
    assert_memory_equal(r, "xyCDEFGH", 8);
    mi_sem_cpybla(r, 3, U("12345"), 5); /* longer source: truncated */
    assert_memory_equal(r, "123DEFGH", 8);
    mi_sem_cpybla(r, 0, U("Q"), 1);
    assert_memory_equal(r, "123DEFGH", 8);
    mi_sem_cpybla(r + 2, 6, r, 6); /* overlapping, source first */
    assert_memory_equal(r, "12123DEF", 8);
    mi_sem_cpybla(r, 6, r + 2, 6); /* overlapping, receiver first */
    assert_memory_equal(r, "123DEFEF", 8);
}

static void test_cpyblap(void **state) {
    (void)state;
    uint8_t r[8];
    memcpy(r, "ABCDEFGH", 8);
    assert_int_equal(mi_sem_cpyblap(r, 6, U("xy"), 2, U("*-"), 2), MI_EXC_NONE);
    assert_memory_equal(r, "xy****GH", 8);
    assert_int_equal(mi_sem_cpyblap(r, 3, U("12345"), 5, U("*"), 1), MI_EXC_NONE);
    assert_memory_equal(r, "123***GH", 8);
    assert_int_equal(mi_sem_cpyblap(r, 6, U("zz"), 2, U(""), 0), MI_EXC_MCH0603);
    assert_memory_equal(r, "123***GH", 8); /* unchanged */
    /* the pad byte lies inside the receiver and is overwritten by the copy */
    memcpy(r, "ABCDEFGH", 8);
    assert_int_equal(mi_sem_cpyblap(r, 8, U("xy"), 2, r + 1, 1), MI_EXC_NONE);
    assert_memory_equal(r, "xyBBBBBB", 8);
    assert_int_equal(mi_sem_cpyblap(r, 0, U("xy"), 2, U("."), 1), MI_EXC_NONE);
}

static void test_cat(void **state) {
    (void)state;
    uint8_t r[12];
    memset(r, 'Q', sizeof r);
    mi_sem_cat(r, 8, U("ab"), 2, U("cde"), 3);
    assert_memory_equal(r, "abcde   QQQQ", 12);
    mi_sem_cat(r, 4, U("ab"), 2, U("cde"), 3);
    assert_memory_equal(r, "abcd   QQQQ", 4);
    mi_sem_cat(r, 3, U("abcd"), 4, U("e"), 1);
    assert_memory_equal(r, "abcd", 4); /* r = "abc", 'd' was already there */
    mi_sem_cat(r, 2, U(""), 0, U(""), 0);
    assert_memory_equal(r, "  c", 3);
    /* overlaps: r := r[1..2] || r[0..1] (both sources inside r) */
    memcpy(r, "WXYZ", 4);
    mi_sem_cat(r, 4, r + 1, 2, r, 2);
    assert_memory_equal(r, "XYWX", 4);
    /* only b overlaps r */
    memcpy(r, "WXYZ", 4);
    mi_sem_cat(r, 4, U("12"), 2, r, 2);
    assert_memory_equal(r, "12WX", 4);
    /* only a overlaps r */
    memcpy(r, "WXYZ", 4);
    mi_sem_cat(r, 4, r + 2, 2, U("12"), 2);
    assert_memory_equal(r, "YZ12", 4);
    /* r := r || r, truncated */
    memcpy(r, "abcdef", 6);
    mi_sem_cat(r, 6, r, 3, r, 3);
    assert_memory_equal(r, "abcabc", 6);
    /* appending (a is r itself): b from inside a's part, and b overlapping where it goes */
    memcpy(r, "abcdefgh", 8);
    mi_sem_cat(r, 8, r, 4, r + 1, 2);
    assert_memory_equal(r, "abcdbc  ", 8);
    memcpy(r, "abcdefgh", 8);
    mi_sem_cat(r, 8, r, 2, r + 3, 4);
    assert_memory_equal(r, "abdefg  ", 8);
    memcpy(r, "abcdefgh", 8);
    mi_sem_cat(r, 8, r, 3, U("XYZ"), 3);
    assert_memory_equal(r, "abcXYZ  ", 8);
}

/* SCAN by definition (§6): the first 1-based position at which b's bytes occur in a. */
static int64_t scan_naive(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn) {
    if (bn == 0) return 1;
    for (uint32_t i = 0; i + bn <= an; i++) {
        uint32_t k = 0;
        while (k < bn && a[i + k] == b[k]) k++;
        if (k == bn) return (int64_t)i + 1;
    }
    return 0;
}

static void test_scan(void **state) {
    (void)state;
    assert_int_equal(mi_sem_scan(U("hello world"), 11, U("o"), 1), 5);
    assert_int_equal(mi_sem_scan(U("hello world"), 11, U("world"), 5), 7);
    assert_int_equal(mi_sem_scan(U("hello world"), 11, U("worlds"), 6), 0);
    assert_int_equal(mi_sem_scan(U("hello"), 5, U(""), 0), 1);
    assert_int_equal(mi_sem_scan(U(""), 0, U(""), 0), 1);
    assert_int_equal(mi_sem_scan(U(""), 0, U("a"), 1), 0);
    assert_int_equal(mi_sem_scan(U("a\0b\xFF"), 4, U("\xFF"), 1), 4);
    assert_int_equal(mi_sem_scan(U("aaab"), 4, U("aab"), 3), 2);
    /* short patterns (memchr and compare) at the edges: last possible start, a partial
     * match running off the end, the first byte everywhere */
    assert_int_equal(mi_sem_scan(U("xxxab"), 5, U("ab"), 2), 4);
    assert_int_equal(mi_sem_scan(U("xxxxa"), 5, U("ab"), 2), 0);
    assert_int_equal(mi_sem_scan(U("ab"), 2, U("ab"), 2), 1);
    assert_int_equal(mi_sem_scan(U("aaaaaaaaab"), 10, U("aab"), 3), 8);
    assert_int_equal(mi_sem_scan(U("ID12;PARIS;4......."), 19, U(".."), 2), 13);
    /* against the definition: random bytes from a 3-letter alphabet, patterns of 1 to 10
     * bytes (both sides of the short-pattern limit), every length of a up to 40 */
    uint32_t x = 12345;
    uint8_t a[40], b[10];
    for (int round = 0; round < 4000; round++) {
        uint32_t an = (uint32_t)round % 41u, bn = 1u + (uint32_t)round % 10u;
        for (uint32_t i = 0; i < an; i++) a[i] = (uint8_t)('a' + (x = x * 1103515245u + 12345u) % 3u);
        for (uint32_t i = 0; i < bn; i++) b[i] = (uint8_t)('a' + (x = x * 1103515245u + 12345u) % 3u);
        assert_int_equal(mi_sem_scan(a, an, b, bn), scan_naive(a, an, b, bn));
    }
}

static void test_trimlen(void **state) {
    (void)state;
    assert_int_equal(mi_sem_trimlen(U("ab  "), 4), 2);
    assert_int_equal(mi_sem_trimlen(U("    "), 4), 0);
    assert_int_equal(mi_sem_trimlen(U(""), 0), 0);
    assert_int_equal(mi_sem_trimlen(U(" a\t"), 3), 3); /* only 0x20 is a blank */
    assert_int_equal(mi_sem_trimlen(U("a \0"), 3), 3);
    /* runs of blanks longer than 8 (compared 8 at a time), and blanks around a non-blank */
    assert_int_equal(mi_sem_trimlen(U("x        "), 9), 1);
    assert_int_equal(mi_sem_trimlen(U("        "), 8), 0);
    assert_int_equal(mi_sem_trimlen(U("ab                 "), 19), 2);
    assert_int_equal(mi_sem_trimlen(U("   y            "), 16), 4);
    assert_int_equal(mi_sem_trimlen(U("               z"), 16), 16);
}

static void test_cmpc(void **state) {
    (void)state;
    assert_int_equal(mi_sem_cmpc(U("abc"), 3, U("abc"), 3), 0);
    assert_int_equal(mi_sem_cmpc(U("abc"), 3, U("abc   "), 6), 0);
    assert_int_equal(mi_sem_cmpc(U("abc   "), 6, U("abc"), 3), 0);
    assert_int_equal(mi_sem_cmpc(U("abc"), 3, U("abd"), 3), -1);
    assert_int_equal(mi_sem_cmpc(U("abd"), 3, U("abc"), 3), 1);
    assert_int_equal(mi_sem_cmpc(U("\xFF"), 1, U("\x01"), 1), 1); /* unsigned bytes */
    /* the shorter operand is padded with blanks: 'abc' vs 'abc!' is 0x20 vs 0x21 */
    assert_int_equal(mi_sem_cmpc(U("abc"), 3, U("abc!"), 4), -1);
    assert_int_equal(mi_sem_cmpc(U("abc"), 3, U("abc\x1F"), 4), 1);
    assert_int_equal(mi_sem_cmpc(U("abc\x1F"), 4, U("abc"), 3), -1);
    assert_int_equal(mi_sem_cmpc(U("abc!"), 4, U("abc"), 3), 1);
    assert_int_equal(mi_sem_cmpc(U(""), 0, U("   "), 3), 0);
    assert_int_equal(mi_sem_cmpc(U(""), 0, U(""), 0), 0);
    assert_int_equal(mi_sem_cmpc(U("ab"), 2, U("b"), 1), -1);
}

/* zero-length operands may come with NULL pointers */
static void test_empty_null(void **state) {
    (void)state;
    uint8_t r[2] = {'a', 'b'};
    mi_sem_cpybla(NULL, 0, NULL, 0);
    mi_sem_cpybla(r, 2, NULL, 0);
    assert_int_equal(mi_sem_cpyblap(r, 2, NULL, 0, U("*"), 1), MI_EXC_NONE);
    assert_memory_equal(r, "**", 2);
    mi_sem_cat(NULL, 0, NULL, 0, NULL, 0);
    mi_sem_cat(r, 2, NULL, 0, NULL, 0);
    assert_memory_equal(r, "  ", 2);
    assert_int_equal(mi_sem_scan(NULL, 0, NULL, 0), 1);
    assert_int_equal(mi_sem_scan(NULL, 0, U("a"), 1), 0);
    assert_int_equal(mi_sem_trimlen(NULL, 0), 0);
    assert_int_equal(mi_sem_cmpc(NULL, 0, NULL, 0), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpybla),  cmocka_unit_test(test_cpyblap), cmocka_unit_test(test_cat),
        cmocka_unit_test(test_scan),    cmocka_unit_test(test_trimlen), cmocka_unit_test(test_cmpc),
        cmocka_unit_test(test_empty_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
