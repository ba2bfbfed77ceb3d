#!/bin/sh
# mi asm / dis / run on files: default output name, -o, --no-source, the disassembly
# assembling back to the same bytes, and the resolver (program directory, MI_PATH, .mi
# before .mit).
. "$(dirname "$0")/lib.sh" "$@"

cat >"$T/hello.mi" <<'MI'
DCL greeting CHAR(13) INIT('Hello, world!')
DCL n        PKD(5,2) INIT(-12.5)
DCL t        CHAR(10)
        SVC     2, greeting
        CVTNC   t, n
        SVC     2, t
MI
expect_rc asm 0 asm "$T/hello.mi"
[ -f "$T/hello.mit" ] || fail "mi asm did not write hello.mit"
expect_rc asmo 0 asm "$T/hello.mi" -o "$T/other.mit" --no-source
[ -f "$T/other.mit" ] || fail "mi asm -o did not write other.mit"
[ "$(wc -c <"$T/other.mit")" -lt "$(wc -c <"$T/hello.mit")" ] || fail "--no-source template is not smaller"
expect_rc run 0 run "$T/hello.mit"
printf 'Hello, world!\n-12.50\n' >"$T/want"
cmp -s "$T/want" "$T/run.out" || fail "run of the template: wrong output"
expect_rc runsrc 0 run "$T/hello.mi"
cmp -s "$T/want" "$T/runsrc.out" || fail "run of the source: wrong output"
# dis | asm gives the identical template
expect_rc dis 0 dis "$T/hello.mit"
cp "$T/dis.out" "$T/again.mi"
expect_rc reasm 0 asm "$T/again.mi" -o "$T/again.mit"
cmp -s "$T/hello.mit" "$T/again.mit" || fail "dis + asm did not reproduce the template"
expect_rc dissrc 0 dis "$T/hello.mi"
expect_out dissrc "SVC"

# resolver: FILE's directory first, then MI_PATH; NAME.mi before NAME.mit
mkdir "$T/a" "$T/b"
printf "DCL p SYSPTR\n        RSLVSP p, 'who'\n        CALLX p\n        RSLVSP p, 'only'\n        CALLX p\n" >"$T/a/main.mi"
printf "        SVC 2, 'who in a'\n" >"$T/a/who.mi"
printf "        SVC 2, 'who in b'\n" >"$T/b/who.mi"
printf "        SVC 2, 'only in b (template)'\n" >"$T/b/onlysrc.mi"
expect_rc mkonly 0 asm "$T/b/onlysrc.mi" -o "$T/b/only.mit"
printf "        SVC 2, 'only in b (source)'\n" >"$T/b/only.mi"
MI_PATH="$T/nonexistent::$T/b" expect_rc resolve 0 run "$T/a/main.mi"
printf 'who in a\nonly in b (source)\n' >"$T/want"
cmp -s "$T/want" "$T/resolve.out" || { fail "resolver order"; cat "$T/resolve.out"; }
rm "$T/b/only.mi"
MI_PATH="$T/b" expect_rc resolve2 0 run "$T/a/main.mi"
printf 'who in a\nonly in b (template)\n' >"$T/want"
cmp -s "$T/want" "$T/resolve2.out" || { fail "resolver: template"; cat "$T/resolve2.out"; }
# a candidate that exists but does not assemble: MIE0007, the search stops there
printf '        FROB\n' >"$T/a/only.mi"
MI_PATH="$T/b" expect_rc broken 3 run "$T/a/main.mi"
expect_err broken "unhandled exception MIE0007 in program main at instruction 3 (line 4)"
# not found anywhere
rm "$T/a/only.mi"
expect_rc notfound 3 run "$T/a/main.mi"
expect_err notfound "unhandled exception MCH3401 in program main at instruction 3 (line 4)"
finish
