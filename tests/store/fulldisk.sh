#!/bin/sh
# A full disk: a store on a 1 MiB tmpfs (when this user may mount one) and, always,
# a file size limit (ulimit -f). Installing, restoring and saving then fail with a
# clear error, and nothing already stored is lost.
. "$(dirname "$0")/common.sh"

python3 - <<'PY'
import random
random.seed(3)
for k in range(6):
    with open(f"big{k}.mi", "w") as f:
        for i in range(4):
            data = bytes(random.randrange(256) for _ in range(60000)).hex()
            f.write(f"DCL c{i} CHAR(60000) INIT(X'{data}')\n")
        f.write("        RTX\n")
PY
mkprog small.mi SMALL

# check_full STORE: fill the store until an install fails; the failure must be clear
# and the programs installed before must all still be there.
check_full() {
    store=$1
    expect 0 "$MI" install small.mi --replace --store "$store" || return
    ok=0
    for k in 0 1 2 3 4 5; do
        if "$MI" install "big$k.mi" --store "$store" >"$T/out" 2>"$T/err"; then
            ok=$((ok + 1))
        else
            grep -Eq "disk is full|input/output error|No space|File too large" "$T/err" ||
                fail "unclear error on a full disk: $(cat "$T/err")"
            grep -q "locked\|malformed\|corrupt" "$T/err" && fail "misleading error: $(cat "$T/err")"
            break
        fi
    done
    [ "$ok" -lt 6 ] && echo "full after $ok big installs" || fail "the disk never filled"
    "$MI" show MILIB/SMALL --store "$store" >/dev/null 2>&1 || fail "MILIB/SMALL lost"
    i=0
    while [ "$i" -lt "$ok" ]; do
        "$MI" show "MILIB/BIG$i" --store "$store" >/dev/null 2>&1 || fail "MILIB/BIG$i lost"
        i=$((i + 1))
    done
    # restoring programs that do not fit fails cleanly too
    before=$("$MI" ls --json --store "$store")
    expect 1 "$MI" restore "$T/others.misav" --store "$store"
    [ "$("$MI" ls --json --store "$store")" = "$before" ] || fail "a failed restore changed the store"
    "$MI" verify --store "$store" >"$T/v" 2>&1 || { fail "verify after a full disk"; cat "$T/v"; }
}

# programs the full stores do not have yet, in a save file
for k in 3 4 5; do "$MI" install "big$k.mi" --name "OTHER$k" --store "$T/scratch.db" >/dev/null; done
expect 0 "$MI" save MILIB -o "$T/others.misav" --store "$T/scratch.db" || exit 1

mnt=$T/mnt
mkdir "$mnt"
if mount -t tmpfs -o size=1m tmpfs "$mnt" 2>/dev/null; then
    trap 'umount "$mnt" 2>/dev/null; rm -rf "$T"' EXIT
    echo "tmpfs of 1 MiB"
    check_full "$mnt/store.db"
    # a save file that does not fit leaves nothing behind
    expect 1 "$MI" save MILIB -o "$mnt/x.misav" --store "$T/scratch.db"
    ls "$mnt" | grep -q 'misav' && fail "a failed save left a file: $(ls "$mnt")"
    umount "$mnt"
else
    echo "cannot mount a tmpfs here: file size limit only"
fi

echo "ulimit -f"
expect 0 "$MI" install small.mi --store "$T/lim.db"
size=$(($(stat -c %s "$T/lim.db") / 1024 + 600))
(ulimit -f "$size"; check_full "$T/lim.db"; exit "$failures") || failures=$((failures + 1))
finish
