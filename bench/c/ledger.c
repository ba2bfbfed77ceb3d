/* ledger.c - benchmark: n transactions on money, totals per account and an edited report; same
 * algorithm as bench/mi/ledger.mi. Money is a 64-bit integer count of cents, rates are integers
 * scaled by 10^5; a product is rounded half away from zero to cents by adding half of the
 * divisor before dividing (the values rounded are never negative). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NACCT 50

/* MI's EDIT (spec section 7) of v = value * 10^fp through mask, into out (strlen(mask) bytes,
 * plus a NUL). */
static void edit(char *out, int64_t v, const char *mask) {
    size_t ml = strlen(mask), bl = ml;
    const char *sign = "";
    if (ml >= 2 && mask[ml - 2] == 'C' && mask[ml - 1] == 'R') {
        sign = "CR";
        bl = ml - 2;
    } else if (ml >= 1 && (mask[ml - 1] == '-' || mask[ml - 1] == '+')) {
        sign = mask[ml - 1] == '-' ? "-" : "+";
        bl = ml - 1;
    }
    int ndig = 0;
    for (size_t i = 0; i < bl; i++)
        if (mask[i] == '9' || mask[i] == 'Z' || mask[i] == '*') ndig++;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char digits[32];
    for (int i = ndig - 1; i >= 0; i--) {
        digits[i] = (char)('0' + mag % 10);
        mag /= 10;
    }
    int di = 0, suppress = 1, printed = 0, after = 0;
    char fill = ' ';
    size_t o = 0;
    for (size_t i = 0; i < bl; i++) {
        char c = mask[i];
        if (c == '9' || c == 'Z' || c == '*') {
            char d = digits[di++];
            if (!after && suppress && d == '0' && c != '9') {
                out[o++] = fill = c == 'Z' ? ' ' : '*';
            } else {
                out[o++] = d;
                suppress = 0;
                printed = 1;
            }
        } else if (c == '.') {
            out[o++] = '.';
            suppress = 0;
            after = 1;
        } else if (c == ',') {
            out[o++] = printed ? ',' : fill;
        } else {
            out[o++] = c;
        }
    }
    if (strcmp(sign, "CR") == 0) {
        out[o++] = v < 0 ? 'C' : ' ';
        out[o++] = v < 0 ? 'R' : ' ';
    } else if (strcmp(sign, "-") == 0) {
        out[o++] = v < 0 ? '-' : ' ';
    } else if (strcmp(sign, "+") == 0) {
        out[o++] = v < 0 ? '-' : '+';
    }
    out[o] = '\0';
}

static void put(char *line, int col, int64_t v, const char *mask) {
    char buf[64];
    edit(buf, v, mask);
    memcpy(line + col - 1, buf, strlen(buf));
}

/* Prints line[0..60) without its trailing blanks (as MI's SVC OUTLN). */
static void outln(const char *line) {
    int len = 60;
    while (len > 0 && line[len - 1] == ' ') len--;
    printf("%.*s\n", len, line);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int64_t seed = 42, rate[NACCT], bal[NACCT] = {0}, fees[NACCT] = {0}, vol = 0;
    long cnt[NACCT] = {0};
    for (int k = 0; k < NACCT; k++) {
        seed = seed * 48271 % 2147483647;
        rate[k] = 50000 + seed % 100000; /* 0.5 + (seed mod 100000) / 10^5, scaled by 10^5 */
    }
    for (long t = 0; t < n; t++) {
        seed = seed * 48271 % 2147483647;
        int a = (int)(seed % NACCT);
        seed = seed * 48271 % 2147483647;
        int64_t cents = seed % 1000000;
        int64_t conv = (cents * rate[a] + 50000) / 100000;
        vol += conv;
        cnt[a]++;
        if (seed / 1000000 % 2 == 0) { /* a debit, with a fee of 0.25 % */
            int64_t fee = (conv * 25 + 5000) / 10000;
            bal[a] -= conv + fee;
            fees[a] += fee;
        } else {
            bal[a] += conv;
        }
    }
    char line[61];
    puts("ACCT      COUNT            BALANCE            FEES");
    long tcnt = 0;
    int64_t tbal = 0, tfees = 0;
    for (int k = 0; k < NACCT; k++) {
        memset(line, ' ', 60);
        put(line, 1, k + 1, "ZZZ9");
        put(line, 7, cnt[k], "Z,ZZZ,ZZ9");
        put(line, 18, bal[k], "$ZZZ,ZZZ,ZZ9.99CR");
        put(line, 37, fees[k], "$ZZ,ZZZ,ZZ9.99");
        outln(line);
        tcnt += cnt[k];
        tbal += bal[k];
        tfees += fees[k];
    }
    memset(line, ' ', 60);
    memcpy(line, "TOTAL", 5);
    put(line, 7, tcnt, "Z,ZZZ,ZZ9");
    put(line, 18, tbal, "$ZZZ,ZZZ,ZZ9.99CR");
    put(line, 37, tfees, "$ZZ,ZZZ,ZZ9.99");
    outln(line);
    memset(line, ' ', 60);
    memcpy(line, "VOLUME", 6);
    put(line, 18, vol, "$ZZ,ZZZ,ZZZ,ZZ9.99");
    outln(line);
    return 0;
}
