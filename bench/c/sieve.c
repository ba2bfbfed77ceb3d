/* sieve.c - benchmark: sieve of Eratosthenes over a byte array; same algorithm as
 * bench/mi/sieve.mi. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    unsigned char *flag = calloc((size_t)n + 1, 1);
    if (flag == NULL) return 1;
    for (long i = 2; i * i < n; i++) {
        if (flag[i] != 0) continue;
        for (long j = i * i; j < n; j += i) flag[j] = 1;
    }
    long count = 0, largest = 0;
    for (long i = 2; i < n; i++) {
        if (flag[i] == 0) {
            count++;
            largest = i;
        }
    }
    printf("%ld primes below %ld, largest %ld\n", count, n, largest);
    free(flag);
    return 0;
}
