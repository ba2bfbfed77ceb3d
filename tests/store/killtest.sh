#!/bin/sh
# kill -9 at random points during install, restore and delete (at least 50 times):
# afterwards mi verify is clean and no object is half there: a big program is either
# installed completely or absent, a restore of N programs left 0 or N, a deleted
# library of N programs is either whole or gone.
. "$(dirname "$0")/common.sh"

KILLS=${MI_STORE_KILLS:-55} # kills that must land while an operation runs
MAXROUNDS=$((KILLS * 10)) # enough rounds for KILLS landings on a loaded machine
N=150 # programs in the save file

rand() { # 0 .. $1-1
    echo $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1 ))
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# a big program: installing it writes a few MB in one transaction
python3 - <<'PY'
import random
random.seed(7)
with open("big.mi", "w") as f:
    f.write("; big\n")
    for i in range(24):
        data = bytes(random.randrange(256) for _ in range(60000)).hex()
        f.write(f"DCL c{i} CHAR(60000) INIT(X'{data}')\n")
    f.write("        SVC 2, c0(1:4)\n        RTX\n")
PY
mkdir src
for i in $(seq 1 $N); do mkprog "src/q$i.mi" "Q$i"; done
expect 0 "$MI" crtlib SRC || exit 1
for i in $(seq 1 $N); do "$MI" install "src/q$i.mi" --lib SRC >/dev/null || fail "setup install q$i"; done
expect 0 "$MI" save SRC -o set.misav || exit 1
expect 0 "$MI" restore set.misav --lib DEL || exit 1

# how long each operation takes, to aim the kills inside it
t0=$(now_us); "$MI" install big.mi --lib SRC >/dev/null; t1=$(now_us)
"$MI" rm SRC/BIG >/dev/null
t_install=$((t1 - t0))
t0=$(now_us); "$MI" restore set.misav --lib RST >/dev/null; t1=$(now_us)
"$MI" dltlib RST >/dev/null
t_restore=$((t1 - t0))
t0=$(now_us); "$MI" dltlib DEL >/dev/null; t1=$(now_us)
"$MI" restore set.misav --lib DEL >/dev/null
t_delete=$((t1 - t0))
echo "durations (us): install $t_install, restore $t_restore, delete $t_delete"

count_in() { # objects in library $1 (0 if it does not exist)
    "$MI" ls "$1" 2>/dev/null | wc -l
}

killed=0
inside=0
round=0
while [ "$killed" -lt "$KILLS" ] && [ "$round" -lt "$MAXROUNDS" ]; do
    round=$((round + 1))
    op=$(rand 3)
    case $op in
    0) dur=$t_install; "$MI" install big.mi --lib SRC >/dev/null 2>&1 & ;;
    1) dur=$t_restore; "$MI" restore set.misav --lib RST >/dev/null 2>&1 & ;;
    2) dur=$t_delete; "$MI" dltlib DEL >/dev/null 2>&1 & ;;
    esac
    pid=$!
    # anywhere in the first half of the operation's measured duration: a busy machine
    # makes operations slower and faster than the measurement, and a kill that comes
    # too late proves nothing, so aim early and count only the kills that landed
    us=$(rand $((dur / 2 + 1)))
    sleep "$(printf '%d.%06d' $((us / 1000000)) $((us % 1000000)))"
    # The -wal file exists from the moment a connection opens the store until the last
    # one closes it (each round's mi verify below removes a stale one): a kill while it
    # exists hit a process inside the store, not one still starting up.
    open_at_kill=0
    [ -f "$MI_STORE-wal" ] && open_at_kill=1
    if kill -9 "$pid" 2>/dev/null; then
        killed=$((killed + 1))
        inside=$((inside + open_at_kill))
    fi
    wait "$pid" 2>/dev/null
    "$MI" verify >"$T/v" 2>&1 || { fail "round $round (op $op): verify not clean"; cat "$T/v"; }
    case $op in
    0)
        if "$MI" show SRC/BIG >/dev/null 2>&1; then
            "$MI" src SRC/BIG | cmp -s - big.mi || fail "round $round: SRC/BIG is there but its source differs"
            "$MI" rm SRC/BIG >/dev/null || fail "round $round: cannot remove SRC/BIG"
        fi ;;
    1)
        c=$(count_in RST)
        [ "$c" -eq 0 ] || [ "$c" -eq $N ] || fail "round $round: restore left $c of $N programs"
        [ "$c" -eq 0 ] || "$MI" dltlib RST >/dev/null ;;
    2)
        c=$(count_in DEL)
        [ "$c" -eq 0 ] || [ "$c" -eq $N ] || fail "round $round: delete left $c of $N programs"
        [ "$c" -eq $N ] || "$MI" restore set.misav --lib DEL >/dev/null || fail "round $round: re-restore" ;;
    esac
done
echo "$killed of $round operations were killed while running, $inside of them with the store open"
[ "$killed" -ge "$KILLS" ] || fail "only $killed kills landed during an operation"
# most kills must hit a process working in the store, or the test proves little
[ $((inside * 2)) -ge "$killed" ] || fail "only $inside of $killed kills hit a process with the store open"
expect 0 "$MI" verify && out_has "clean"
ls "$T" | grep -q 'misav.tmp' && fail "a temporary save file was left behind"
finish
