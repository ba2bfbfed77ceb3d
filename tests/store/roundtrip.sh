#!/bin/sh
# Round trip: install the whole conformance suite (and its callees) into a store,
# save it, restore into a fresh store, run every program from both stores (and from
# its file): identical results; mi verify clean on both.
. "$(dirname "$0")/common.sh"

if ! "$MI" run --help 2>/dev/null | grep -q -- '--libl'; then
    echo "SKIP: mi run cannot run stored programs yet (no --libl)"
    exit 77
fi
CONF=$TOP/tests/conformance
A=$T/a.db
B=$T/b.db
expect 0 "$MI" crtlib CONF --store "$A" || exit 1
# Callees keep their names (programs find them by name); programs are T001... (file
# names may be longer than the 10 characters of a store name).
: >names
skipped=0
for f in "$CONF"/lib/*.mi; do
    if ! "$MI" install "$f" --lib CONF --store "$A" >/dev/null 2>"$T/err"; then
        echo "not installed (does not assemble or verify, as it may be meant to): $(basename "$f")"
        skipped=$((skipped + 1))
    fi
done
i=0
for f in "$CONF"/*.mi "$TOP"/examples/*.mi; do
    [ -f "$f" ] || continue
    i=$((i + 1))
    n=$(printf 'T%03d' "$i")
    if "$MI" install "$f" --lib CONF --name "$n" --store "$A" >/dev/null 2>"$T/err"; then
        echo "$n $f" >>names
    else
        echo "not installed: $(basename "$f"): $(head -1 "$T/err")"
        skipped=$((skipped + 1))
    fi
done
echo "$(wc -l <names) programs installed ($skipped files refused)"
expect 0 "$MI" save CONF -o conf.misav --store "$A" || exit 1
expect 0 "$MI" restore conf.misav --store "$B" || exit 1
expect 0 "$MI" verify --store "$A" && out_has clean
expect 0 "$MI" verify --store "$B" && out_has clean

run() { # where(file|a|b) name file -> out.where, err.where, rc.where
    case $1 in
    file) MI_PATH=$CONF/lib "$MI" run "$3" </dev/null >"out.$1" 2>"err.$1" ;;
    a) "$MI" run "CONF/$2" --store "$A" --libl CONF </dev/null >"out.$1" 2>"err.$1" ;;
    b) MI_LIBL=CONF "$MI" run "$2" --store "$B" </dev/null >"out.$1" 2>"err.$1" ;;
    esac
    echo $? >"rc.$1"
}
compared=0
while read -r n f; do
    run a "$n" "$f"
    run b "$n" "$f"
    if ! cmp -s out.a out.b || ! cmp -s err.a err.b || ! cmp -s rc.a rc.b; then
        fail "$n ($(basename "$f")): results differ between the store and its restored copy"
        diff out.a out.b | head -5
        diff err.a err.b | head -5
    fi
    # the same as running the file itself, when that is deterministic
    run file "$n" "$f"
    cp out.file out.file1
    run file "$n" "$f"
    if cmp -s out.file out.file1; then
        if ! cmp -s out.file out.a || ! cmp -s rc.file rc.a; then
            fail "$n ($(basename "$f")): output or status differs from mi run FILE"
            diff out.file out.a | head -5
        fi
    fi
    compared=$((compared + 1))
done <names
echo "$compared programs compared"
[ "$compared" -gt 0 ] || fail "nothing was compared"
finish
