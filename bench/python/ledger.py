# ledger.py - benchmark: n transactions on decimal amounts with rounding, totals per account and
# an edited report; same algorithm as bench/mi/ledger.mi (see bench/README.md). Money is
# decimal.Decimal, every rounding ROUND_HALF_UP (half away from zero; the values rounded are
# never negative).
import sys
from decimal import ROUND_HALF_UP, Decimal, getcontext

NACCT = 50
CENT = Decimal("0.01")


def edit(v, mask):
    """MI's EDIT (spec section 7) of the integer v = value * 10^fp through mask."""
    if mask.endswith("CR"):
        body, sign = mask[:-2], "CR"
    elif mask[-1] in "+-":
        body, sign = mask[:-1], mask[-1]
    else:
        body, sign = mask, ""
    digits = str(abs(v)).rjust(sum(1 for c in body if c in "9Z*"), "0")
    out = []
    di = 0
    suppress, printed, fill, after = True, False, " ", False
    for c in body:
        if c in "9Z*":
            d = digits[di]
            di += 1
            if not after and suppress and d == "0" and c != "9":
                out.append(" " if c == "Z" else "*")
                fill = out[-1]
            else:
                out.append(d)
                suppress, printed = False, True
        elif c == ".":
            out.append(".")
            suppress, after = False, True
        elif c == ",":
            out.append("," if printed else fill)
        else:
            out.append(c)
    neg = v < 0
    if sign == "CR":
        out.append("CR" if neg else "  ")
    elif sign == "-":
        out.append("-" if neg else " ")
    elif sign == "+":
        out.append("-" if neg else "+")
    return "".join(out)


def put(line, col, text):
    return line[: col - 1] + text + line[col - 1 + len(text):]


def main():
    getcontext().prec = 40
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    seed = 42
    rate = []
    for _ in range(NACCT):
        seed = seed * 48271 % 2147483647
        rate.append(Decimal("0.5") + Decimal(seed % 100000) * Decimal("0.00001"))
    bal = [Decimal("0.00")] * NACCT
    fees = [Decimal("0.00")] * NACCT
    cnt = [0] * NACCT
    vol = Decimal("0.00")
    feerate = Decimal("0.0025")
    for _ in range(n):
        seed = seed * 48271 % 2147483647
        a = seed % NACCT
        seed = seed * 48271 % 2147483647
        cents = seed % 1000000
        amt = Decimal(cents) * CENT
        conv = (amt * rate[a]).quantize(CENT, rounding=ROUND_HALF_UP)
        vol += conv
        cnt[a] += 1
        if seed // 1000000 % 2 == 0:  # a debit, with a fee
            fee = (conv * feerate).quantize(CENT, rounding=ROUND_HALF_UP)
            bal[a] = bal[a] - conv - fee
            fees[a] += fee
        else:
            bal[a] += conv
    out = ["ACCT      COUNT            BALANCE            FEES"]
    blank = " " * 60

    def row(label_or_acct, c, b, f):
        line = blank
        if isinstance(label_or_acct, str):
            line = put(line, 1, label_or_acct)
        else:
            line = put(line, 1, edit(label_or_acct, "ZZZ9"))
        line = put(line, 7, edit(c, "Z,ZZZ,ZZ9"))
        line = put(line, 18, edit(int(b * 100), "$ZZZ,ZZZ,ZZ9.99CR"))
        line = put(line, 37, edit(int(f * 100), "$ZZ,ZZZ,ZZ9.99"))
        return line.rstrip()

    for k in range(NACCT):
        out.append(row(k + 1, cnt[k], bal[k], fees[k]))
    out.append(row("TOTAL", sum(cnt), sum(bal), sum(fees)))
    out.append(put(put(blank, 1, "VOLUME"), 18, edit(int(vol * 100), "$ZZ,ZZZ,ZZZ,ZZ9.99")).rstrip())
    print("\n".join(out))


main()
