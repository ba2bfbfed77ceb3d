#!/bin/sh
# A missing or unreadable file is an error before the program: status 1 and a message.
. "$(dirname "$0")/lib.sh" "$@"

for c in run asm dis; do
    expect_rc "m_$c" 1 "$c" "$T/nosuch.mi"
    expect_err "m_$c" "cannot read $T/nosuch.mi"
done
mkdir "$T/dir.mi"
expect_rc dir 1 run "$T/dir.mi"
expect_err dir "cannot read"
printf '        RTX\n' >"$T/p.mi"
expect_rc outdir 1 asm "$T/p.mi" -o "$T/no/such/dir/p.mit"
expect_err outdir "cannot write"
finish
