# mandel.py - benchmark: the Mandelbrot set in binary64; same algorithm as bench/mi/mandel.mi.
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    m = 200
    step = 3.0 / n
    total = 0
    inside = 0
    for y in range(n):
        ci = y * step - 1.5
        for x in range(n):
            cr = x * step - 2.0
            zr = 0.0
            zi = 0.0
            k = 0
            while k < m:
                zr2 = zr * zr
                zi2 = zi * zi
                if zr2 + zi2 > 4.0:
                    break
                t = zr * zi
                zi = t + t + ci
                zr = zr2 - zi2 + cr
                k += 1
            if k == m:
                inside += 1
            total += k
    print(f"mandel {n}x{n}: {total} iterations, {inside} inside")


main()
