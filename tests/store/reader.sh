#!/bin/sh
# A save file read by an independent implementation of mi-spec/store.md
# (reader.py, Python's standard library only): every digest checks out and the
# sources read back from the templates are the files that were installed. It also
# refuses a file with one byte changed.
. "$(dirname "$0")/common.sh"

mkprog one.mi ONE
mkprog two.mi TWO
printf '; a comment with \303\251 UTF-8\n' >>two.mi
expect 0 "$MI" crtlib LIB1 || exit 1
expect 0 "$MI" install one.mi --lib LIB1
expect 0 "$MI" install two.mi --lib LIB1
expect 0 "$MI" install one.mi --name SAME
expect 0 "$MI" save LIB1 MILIB/SAME -o s.misav || exit 1
mkdir x
python3 "$TOP/tests/store/reader.py" s.misav --extract x >listing || fail "reader refused the file"
cat listing
grep -q "^LIB1/ONE one.mi $(sha256sum <one.mi | cut -d' ' -f1)\$" listing || fail "LIB1/ONE"
grep -q "^LIB1/TWO two.mi $(sha256sum <two.mi | cut -d' ' -f1)\$" listing || fail "LIB1/TWO"
grep -q "^MILIB/SAME one.mi " listing || fail "MILIB/SAME"
cmp -s x/LIB1.TWO.mi two.mi || fail "extracted source differs"
# without the sidecar, with one byte changed: refused by the reader and by mi
rm s.misav.sha256
python3 - <<'PY'
d = bytearray(open("s.misav", "rb").read())
d[len(d) // 2] ^= 0x20
open("t.misav", "wb").write(d)
PY
python3 "$TOP/tests/store/reader.py" t.misav >/dev/null 2>&1 && fail "reader accepted a changed file"
expect 1 "$MI" restore t.misav --store fresh.db
expect 0 "$MI" restore s.misav --store fresh.db
finish
