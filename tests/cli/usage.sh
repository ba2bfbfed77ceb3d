#!/bin/sh
# Usage errors exit with status 2 and say what is wrong on standard error.
. "$(dirname "$0")/lib.sh" "$@"
printf '        RTX\n' >"$T/p.mi"

expect_rc none 2
expect_err none "usage: mi COMMAND"
expect_rc unknown 2 frobnicate
expect_err unknown "unknown command 'frobnicate'"
expect_rc run0 2 run
expect_err run0 "no program file"
expect_rc asm0 2 asm
expect_err asm0 "no input file"
expect_rc dis0 2 dis
expect_rc asmopt 2 asm -x "$T/p.mi"
expect_err asmopt "unknown option '-x'"
expect_rc asmo 2 asm "$T/p.mi" -o
expect_rc asm2 2 asm "$T/p.mi" "$T/p.mi"
expect_rc dis2 2 dis "$T/p.mi" "$T/p.mi"
expect_rc runopt 2 run --bogus "$T/p.mi"
expect_rc space0 2 run --max-space 0 "$T/p.mi"
expect_rc spacex 2 run --max-space 12x "$T/p.mi"
expect_rc spacen 2 run "$T/p.mi" --max-space
expect_err spacen "--max-space needs"
expect_rc liblempty 2 run --libl 'A,,B' "$T/p.mi"
expect_err liblempty "--libl: missing library name"
expect_rc libldup 2 run --libl 'A,A' "$T/p.mi"
expect_rc helpunk 2 help frobnicate
finish
