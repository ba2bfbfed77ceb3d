# strings.py - benchmark: building and scanning fixed-length character records; same algorithm as
# bench/mi/strings.mi (see there and bench/README.md).
import sys

CITIES = ["LONDON", "PARIS", "ROME", "OSLO", "MADRID", "BERLIN", "VIENNA", "PRAGUE"]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    seed = 42
    paris = 0
    check = 0
    best = ""
    for i in range(1, n + 1):
        seed = seed * 48271 % 2147483647
        rec = "ID" + str(i) + ";" + CITIES[seed % 8] + ";" + str(seed % 100000)
        line = rec.ljust(48, ".")
        p = line.find(";") + 1
        q = line.find(";", p) + 1 - p
        if line[p: p + q - 1] == "PARIS":
            paris += 1
        d = line.find("..") + 1
        check += p + q + d
        if line > best:
            best = line
    print(f"{n} records, {paris} PARIS, checksum {check}")
    print(best)


main()
