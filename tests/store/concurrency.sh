#!/bin/sh
# 8 processes install 100 programs each into one store at the same time: all 800
# are there afterwards, verify is clean, and no error (in particular no "database
# is locked") reaches any of them.
. "$(dirname "$0")/common.sh"

NPROC=${MI_STORE_NPROC:-8}
NPGM=${MI_STORE_NPGM:-100}
# The store is created by the racing processes themselves (first use).
for p in $(seq 1 "$NPROC"); do
    (
        for i in $(seq 1 "$NPGM"); do
            mkprog "p${p}_$i.mi" "P${p}X$i"
            "$MI" install "p${p}_$i.mi" --name "P${p}X$i" >/dev/null 2>>"err.$p" || echo "install P${p}X$i: exit $?" >>"err.$p"
            rm -f "p${p}_$i.mi"
        done
    ) &
done
wait
for p in $(seq 1 "$NPROC"); do
    if [ -s "err.$p" ]; then
        fail "process $p reported errors:"
        head -5 "err.$p"
    fi
done
grep -il "locked" err.* >/dev/null 2>&1 && fail "'locked' reached the user"
count=$("$MI" ls MILIB | wc -l)
[ "$count" -eq $((NPROC * NPGM)) ] || fail "$count programs in MILIB, expected $((NPROC * NPGM))"
expect 0 "$MI" verify && out_has "$((NPROC * NPGM)) objects, $((NPROC * NPGM)) templates" && out_has "clean"
finish
