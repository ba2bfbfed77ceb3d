/* mandel.c - benchmark: the Mandelbrot set in binary64; same algorithm and the same order of
 * operations as bench/mi/mandel.mi (compile without FMA contraction: -ffp-contract=off). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    const int m = 200;
    double step = 3.0 / n;
    long long total = 0;
    int inside = 0;
    for (int y = 0; y < n; y++) {
        double ci = y * step - 1.5;
        for (int x = 0; x < n; x++) {
            double cr = x * step - 2.0;
            double zr = 0.0, zi = 0.0;
            int k;
            for (k = 0; k < m; k++) {
                double zr2 = zr * zr, zi2 = zi * zi;
                if (zr2 + zi2 > 4.0) break;
                double t = zr * zi;
                zi = t + t + ci;
                zr = zr2 - zi2 + cr;
            }
            if (k == m) inside++;
            total += k;
        }
    }
    printf("mandel %dx%d: %lld iterations, %d inside\n", n, n, total, inside);
    return 0;
}
