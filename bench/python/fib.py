# fib.py - benchmark: naive recursive Fibonacci; same algorithm as bench/mi/fib.mi.
import sys


def fib(n):
    if n > 1:
        return fib(n - 1) + fib(n - 2)
    return n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(f"fib({n}) = {fib(n)}")


main()
