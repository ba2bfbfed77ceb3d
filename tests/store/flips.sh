#!/bin/sh
# A save file with any single byte changed (positions sampled across the whole
# file, with and without FILE.sha256 beside it) is refused by mi restore, and the
# target store is unchanged.
. "$(dirname "$0")/common.sh"

SAMPLES=${MI_STORE_FLIPS:-80}
expect 0 "$MI" crtlib SRC || exit 1
for i in 1 2 3 4 5 6; do
    mkprog "p$i.mi" "P$i"
    "$MI" install "p$i.mi" --lib SRC >/dev/null || fail "install p$i"
done
expect 0 "$MI" save SRC -o good.misav || exit 1
mkprog keep.mi KEEP
expect 0 "$MI" install keep.mi --store target.db
before=$("$MI" ls --json --store target.db)
size=$(stat -c %s good.misav)
# the header bytes, then evenly spread positions, each flipped by a varying mask
python3 - "$SAMPLES" <<'PY'
import sys
n = int(sys.argv[1])
d = open("good.misav", "rb").read()
for k in range(n):
    pos = k * 5 if k < 20 else (k - 20) * len(d) // (n - 20) + k % 7
    pos = min(pos, len(d) - 1)
    b = bytearray(d)
    b[pos] ^= 1 << (k % 8)
    open("bad%d.misav" % k, "wb").write(b)
    open("bad%d.pos" % k, "w").write(str(pos))
PY
k=0
while [ "$k" -lt "$SAMPLES" ]; do
    pos=$(cat "bad$k.pos")
    # with FILE.sha256 beside it for even k, without for odd k
    [ $((k % 2)) -eq 0 ] && sed "s/good.misav/bad$k.misav/" good.misav.sha256 >"bad$k.misav.sha256"
    if "$MI" restore "bad$k.misav" --store target.db >out 2>err; then
        fail "flip at byte $pos accepted"
    fi
    grep -q "refused\|not an MI save file\|newer\|damaged" err || fail "flip at $pos: unclear message: $(cat err)"
    rm -f "bad$k.misav" "bad$k.misav.sha256"
    k=$((k + 1))
done
[ "$("$MI" ls --json --store target.db)" = "$before" ] || fail "the target store changed"
expect 0 "$MI" restore good.misav --store target.db && out_has "restored 6 objects"
finish
