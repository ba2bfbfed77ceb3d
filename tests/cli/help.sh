#!/bin/sh
# `mi --help`, `mi --version` and `COMMAND --help` for every command succeed and print usage.
. "$(dirname "$0")/lib.sh" "$@"

expect_rc help 0 --help
for word in asm dis run "exit status" "unhandled exception"; do expect_out help "$word"; done
expect_rc version 0 --version
expect_out version "MI version 1"
# every command listed by mi --help answers --help with its usage
cmds=$(sed -n '/^commands:/,/^$/p' "$T/help.out" | awk 'NF && $1 != "commands:" { print $1 }')
[ -n "$cmds" ] || fail "mi --help lists no commands"
for c in $cmds; do
    expect_rc "h_$c" 0 "$c" --help
    expect_out "h_$c" "usage: mi $c"
done
expect_rc helpcmd 0 help run
expect_out helpcmd "usage: mi run"
finish
