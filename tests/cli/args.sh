#!/bin/sh
# Program arguments (ARGC/ARGV), `--` before arguments that look like options, options
# after FILE, and --max-space.
. "$(dirname "$0")/lib.sh" "$@"

cat >"$T/args.mi" <<'MI'
DCL n   BIN(4)
DCL i   BIN(4)  INIT(1)
DCL len BIN(4)
DCL a   CHAR(20)
DCL t   CHAR(8)
        SVC     6, n
        CVTNC   t, n
        SVC     2, t
loop:   CMPN.HI i, n, done
        SVC     7, a, i, len
        SVC     2, a
        ADDN    i, i, 1
        B       loop
done:   RTX
MI
expect_rc plain 0 run "$T/args.mi" one two
printf '2\none\ntwo\n' >"$T/want"
cmp -s "$T/want" "$T/plain.out" || fail "arguments"
expect_rc dashes 0 run "$T/args.mi" --interpret -- -x --y
printf '2\n-x\n--y\n' >"$T/want"
cmp -s "$T/want" "$T/dashes.out" || fail "arguments after --"
expect_rc none 0 run --interpret "$T/args.mi"
printf '0\n' >"$T/want"
cmp -s "$T/want" "$T/none.out" || fail "no arguments"
# after the first program argument everything is an argument
expect_rc later 0 run "$T/args.mi" a --max-space
printf '2\na\n--max-space\n' >"$T/want"
cmp -s "$T/want" "$T/later.out" || fail "options after the first argument"

printf 'DCL s SPCPTR\n        CRTS s, 2000, 2000\n' >"$T/space.mi"
expect_rc space_ok 0 run "$T/space.mi"
expect_rc space_small 3 run --max-space 1K "$T/space.mi"
expect_err space_small "MCH2804"
expect_rc space_eq 3 run "$T/space.mi" --max-space=1999
expect_rc space_big 0 run "$T/space.mi" --max-space=2000
finish
