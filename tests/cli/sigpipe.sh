#!/bin/sh
# A closed pipe must not kill mi with SIGPIPE: the write fails with MIE0005, which the
# program can handle or which ends the run with status 3.
. "$(dirname "$0")/lib.sh" "$@"

cat >"$T/yes.mi" <<'MI'
DCL line CHAR(100) INIT('y')
loop:   SVC 2, line
        B   loop
MI
# the reader exits at once; mi must end by itself with status 3 (not 141 = killed)
( "$MI" run "$T/yes.mi" 2>"$T/yes.err"; echo $? >"$T/yes.rc" ) | head -n 1 >/dev/null
rc=$(cat "$T/yes.rc")
[ "$rc" = 3 ] || fail "status $rc after the pipe closed, expected 3"
grep -q 'unhandled exception MIE0005' "$T/yes.err" || fail "no MIE0005 report"

cat >"$T/handled.mi" <<'MI'
DCL line CHAR(100) INIT('y')
        MONITOR MIE0005, loop, loop, gone
loop:   SVC 2, line
        B   loop
gone:   SVC 4, 'reader gone'
        SVC 8, 7
MI
( "$MI" run "$T/handled.mi" 2>"$T/h.err"; echo $? >"$T/h.rc" ) | head -n 1 >/dev/null
[ "$(cat "$T/h.rc")" = 7 ] || fail "handled: status $(cat "$T/h.rc"), expected 7"
grep -q 'reader gone' "$T/h.err" || fail "handled: no message"
finish
