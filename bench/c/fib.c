/* fib.c - benchmark: naive recursive Fibonacci; same algorithm as bench/mi/fib.mi. */
#include <stdio.h>
#include <stdlib.h>

static long long fib(int n) {
    if (n > 1) return fib(n - 1) + fib(n - 2);
    return n;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 30;
    printf("fib(%d) = %lld\n", n, fib(n));
    return 0;
}
