/* strings.c - benchmark: building and scanning fixed-length character records; same algorithm
 * as bench/mi/strings.mi: records built by concatenation, padded with '.', scanned for ';' and
 * "..", a field compared, the greatest record kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECLEN 48

static const char *const cities[8] = {"LONDON", "PARIS", "ROME", "OSLO",
                                      "MADRID", "BERLIN", "VIENNA", "PRAGUE"};

/* Decimal text of v >= 0 without leading zeros; returns its length. */
static size_t utoa(char *out, unsigned long long v) {
    char tmp[24];
    size_t k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    return k;
}

/* 1-based position of the first occurrence of pat in s[0..n), 0 if none (MI's SCAN). */
static long scan(const char *s, size_t n, const char *pat, size_t m) {
    if (m > n) return 0;
    for (size_t i = 0; i + m <= n; i++)
        if (s[i] == pat[0] && memcmp(s + i, pat, m) == 0) return (long)i + 1;
    return 0;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 100000;
    long long seed = 42, check = 0;
    long paris = 0;
    char rec[64], line[RECLEN], best[RECLEN];
    memset(best, ' ', RECLEN);
    for (long i = 1; i <= n; i++) {
        seed = seed * 48271 % 2147483647;
        size_t len = 0;
        memcpy(rec, "ID", 2);
        len = 2;
        len += utoa(rec + len, (unsigned long long)i);
        rec[len++] = ';';
        const char *city = cities[seed % 8];
        size_t cl = strlen(city);
        memcpy(rec + len, city, cl);
        len += cl;
        rec[len++] = ';';
        len += utoa(rec + len, (unsigned long long)(seed % 100000));
        memcpy(line, rec, len); /* copy with pad */
        memset(line + len, '.', RECLEN - len);
        long p = scan(line, RECLEN, ";", 1);
        long q = scan(line + p, (size_t)(RECLEN - p), ";", 1);
        if (q - 1 == 5 && memcmp(line + p, "PARIS", 5) == 0) paris++;
        long d = scan(line, RECLEN, "..", 2);
        check += p + q + d;
        if (memcmp(line, best, RECLEN) > 0) memcpy(best, line, RECLEN);
    }
    printf("%ld records, %ld PARIS, checksum %lld\n", n, paris, check);
    printf("%.*s\n", RECLEN, best);
    return 0;
}
