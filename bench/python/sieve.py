# sieve.py - benchmark: sieve of Eratosthenes over a byte array; same algorithm as
# bench/mi/sieve.mi (explicit loops, no slice assignment, so the work is the same).
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    flag = bytearray(n)
    i = 2
    while i * i < n:
        if flag[i] == 0:
            j = i * i
            while j < n:
                flag[j] = 1
                j += i
        i += 1
    count = 0
    largest = 0
    for i in range(2, n):
        if flag[i] == 0:
            count += 1
            largest = i
    print(f"{count} primes below {n}, largest {largest}")


main()
