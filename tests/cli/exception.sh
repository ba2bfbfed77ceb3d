#!/bin/sh
# An unhandled exception: standard output flushed, exactly one line on standard error in the
# format of spec §10.6, status 3. Also EXIT statuses and MCH0802 at start.
. "$(dirname "$0")/lib.sh" "$@"

cat >"$T/divide.mi" <<'MI'
; divide by zero at instruction 3, line 7
DCL a BIN(4) INIT(7)
DCL z BIN(4)

        SVC     2, 'before'
        NOP
        DIVN    a, a, z
MI
expect_rc div 3 run "$T/divide.mi"
[ "$(cat "$T/div.out")" = "before" ] || fail "divide: stdout not flushed"
printf 'mi: unhandled exception MCH1211 in program divide at instruction 3 (line 7): attempt to divide by zero\n' >"$T/want"
cmp -s "$T/want" "$T/div.err" || { fail "divide: stderr differs"; cat "$T/div.err"; }

# SIGEXC: the message is the data without trailing blanks
printf "        SIGEXC 'USR0001', 'it broke   '\n" >"$T/sig.mi"
expect_rc sig 3 run "$T/sig.mi"
printf 'mi: unhandled exception USR0001 in program sig at instruction 1 (line 1): it broke\n' >"$T/want"
cmp -s "$T/want" "$T/sig.err" || { fail "sig: stderr differs"; cat "$T/sig.err"; }

# percolated from a called program: reported where it was raised
mkdir "$T/lib"
printf 'DCL z BIN(1)\n        CPYNV z, 300\n' >"$T/lib/callee.mi"
printf "DCL p SYSPTR\n        RSLVSP p, 'callee'\n        CALLX p\n" >"$T/caller.mi"
MI_PATH="$T/lib" expect_rc perc 3 run "$T/caller.mi"
expect_err perc "mi: unhandled exception MCH1210 in program callee at instruction 1 (line 2): receiver value too small to hold result"

# the first program must not have PARMs: instruction 0, line 0
printf 'DCL x BIN(4) PARM\n        RTX\n' >"$T/parm.mi"
expect_rc parm 3 run "$T/parm.mi"
expect_err parm "mi: unhandled exception MCH0802 in program parm at instruction 0 (line 0): arguments do not match"

# the same through a template
expect_rc asm 0 asm "$T/divide.mi" -o "$T/d.mit"
expect_rc divt 3 run "$T/d.mit"
expect_err divt "in program d at instruction 3 (line 7)"

# EXIT: the program's status; normal end: 0
printf "        SVC 2, 'x'\n        SVC 8, 42\n        SVC 2, 'y'\n" >"$T/exit.mi"
expect_rc exit 42 run "$T/exit.mi"
[ "$(cat "$T/exit.out")" = "x" ] || fail "exit: output"
printf "        SVC 8, 0\n" >"$T/exit0.mi"
expect_rc exit0 0 run "$T/exit0.mi"
printf "        RTX\n" >"$T/rtx.mi"
expect_rc rtx 0 run "$T/rtx.mi"
finish
