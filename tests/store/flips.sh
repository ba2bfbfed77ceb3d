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
k=0
while [ "$k" -lt "$SAMPLES" ]; do
    # the header bytes, then evenly spread positions, each flipped by a varying mask
    if [ "$k" -lt 20 ]; then pos=$((k * 5)); else pos=$(( (k - 20) * size / (SAMPLES - 20) + k % 7 )); fi
    [ "$pos" -lt "$size" ] || pos=$((size - 1))
    python3 -c "
import sys
d = bytearray(open('good.misav', 'rb').read())
d[$pos] ^= (1 << ($k % 8))
open('bad.misav', 'wb').write(d)
"
    if [ $((k % 2)) -eq 0 ]; then cp good.misav.sha256 bad.misav.sha256; else rm -f bad.misav.sha256; fi
    if "$MI" restore bad.misav --store target.db >out 2>err; then
        fail "flip at byte $pos accepted"
    fi
    grep -q "refused\|not an MI save file\|newer\|damaged" err || fail "flip at $pos: unclear message: $(cat err)"
    k=$((k + 1))
done
[ "$("$MI" ls --json --store target.db)" = "$before" ] || fail "the target store changed"
expect 0 "$MI" restore good.misav --store target.db && out_has "restored 6 objects"
finish
