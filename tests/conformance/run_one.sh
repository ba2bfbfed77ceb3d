#!/bin/sh
# Run one conformance program and check it against the expectations written in its
# leading comment block (format: tests/conformance/README.md).
#
#   run_one.sh FILE MODE [MI]
#
# FILE  the .mi program;  MODE  interpret | translate | translate-exec (translated in
# the exec form, MI_TRANSLATE_EXEC_MIN=0: translator/mi_translate.h);  MI  the `mi` executable
# (default: $MI, else `mi` from PATH). Exit status: 0 pass, 1 fail, 2 bad usage or
# a malformed expectation block. POSIX sh, awk, sed and diff only.
set -u

usage() {
    echo "usage: run_one.sh FILE interpret|translate|translate-exec [MI]" >&2
    exit 2
}

[ $# -ge 2 ] || usage
file=$1
mode=$2
mi=${3:-${MI:-mi}}
case $mode in
interpret | translate) runmode=$mode ;;
translate-exec)
    runmode=translate
    MI_TRANSLATE_EXEC_MIN=0
    export MI_TRANSLATE_EXEC_MIN
    ;;
*) usage ;;
esac
[ -r "$file" ] || {
    echo "run_one.sh: cannot read $file" >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
excdef="$here/../../mi-spec/exceptions.def"
base=$(basename "$file")
name=${base%.*}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mi-conformance.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 2' INT TERM HUP
: >"$tmp/expected"
: >"$tmp/stdin"
: >"$tmp/expected_stderr"

# Parse the expectation block: the leading lines of the file that are comments or
# blank. Each directive is "; KEY:" followed by one optional space, then the value,
# kept byte for byte (trailing blanks included). A misspelt EXPECT/STDIN/ARGS
# directive is an error rather than being silently ignored.
awk -v dir="$tmp" '
function val(key,    s) {
    s = substr($0, length("; " key ":") + 1)
    if (substr(s, 1, 1) == " ") s = substr(s, 2)
    return s
}
function bad(msg) {
    print "run_one.sh: line " NR ": " msg > "/dev/stderr"
    err = 1
    exit 2
}
/^[ \t\r]*$/ { next }
!/^;/ { exit }
partial && /^; STDIN/ { bad("STDIN after STDIN-PARTIAL") }
/^; TEST:/ { havetest = 1; next }
/^; RUN-SERIAL:/ { next }
/^; ARGS:/ { if (nargs++) bad("more than one ARGS"); print val("ARGS") > (dir "/args"); next }
/^; STDIN:/ { print val("STDIN") > (dir "/stdin"); next }
/^; STDIN-FILE:/ { print val("STDIN-FILE") > (dir "/stdin_file"); next }
/^; STDOUT-FILE:/ { print val("STDOUT-FILE") > (dir "/stdout_file"); next }
/^; STDIN-PARTIAL:/ { printf "%s", val("STDIN-PARTIAL") > (dir "/stdin"); partial = 1; next }
/^; EXPECT:/ { print val("EXPECT") > (dir "/expected"); next }
/^; EXPECT-STDERR:/ { print val("EXPECT-STDERR") > (dir "/expected_stderr"); nerr++; next }
/^; EXPECT-EXIT:/ {
    if (nexit++) bad("more than one EXPECT-EXIT")
    v = val("EXPECT-EXIT")
    if (v !~ /^[0-9]+$/) bad("EXPECT-EXIT needs a number")
    print v > (dir "/exit"); next
}
/^; EXPECT-EXCEPTION:/ {
    if (nexc++) bad("more than one EXPECT-EXCEPTION")
    v = val("EXPECT-EXCEPTION")
    if (v !~ /^[A-Za-z*][A-Za-z0-9]* +[0-9]+( +[A-Za-z_$#@][A-Za-z0-9_$#@]*)?$/)
        bad("EXPECT-EXCEPTION needs: ID INSTRUCTION [PROGRAM]")
    print v > (dir "/exception"); next
}
/^; EXPECT-MESSAGE:/ {
    if (nmsg++) bad("more than one EXPECT-MESSAGE")
    printf "%s", val("EXPECT-MESSAGE") > (dir "/message"); next
}
/^; *(EXPECT|STDIN|STDOUT|ARGS|TEST|RUN)[A-Za-z-]*:/ { bad("unknown directive: " $0) }
END {
    if (err) exit 2
    if (!havetest) { print "run_one.sh: no \"; TEST:\" line" > "/dev/stderr"; exit 2 }
    if (nexit && nexc) { print "run_one.sh: EXPECT-EXIT and EXPECT-EXCEPTION together" > "/dev/stderr"; exit 2 }
    if (nmsg && !nexc) { print "run_one.sh: EXPECT-MESSAGE without EXPECT-EXCEPTION" > "/dev/stderr"; exit 2 }
    if (nerr) print "" > (dir "/has_stderr")
}
' "$file" || exit 2

want_exit=0
[ -f "$tmp/exit" ] && want_exit=$(cat "$tmp/exit")
exc_id= exc_insn= exc_prog=
if [ -f "$tmp/exception" ]; then
    read -r exc_id exc_insn exc_prog <"$tmp/exception"
    [ -n "$exc_prog" ] || exc_prog=$name
    want_exit=3
fi

args=
[ -f "$tmp/args" ] && args=$(cat "$tmp/args")
set -f # arguments are split on blanks, never globbed
# shellcheck disable=SC2086
set -- $args
set +f

MI_PATH="$here/lib"
export MI_PATH
stdin_path="$tmp/stdin"
[ -f "$tmp/stdin_file" ] && stdin_path=$(cat "$tmp/stdin_file")
stdout_path="$tmp/stdout"
[ -f "$tmp/stdout_file" ] && stdout_path=$(cat "$tmp/stdout_file")
"$mi" run --"$runmode" "$file" -- "$@" <"$stdin_path" >"$stdout_path" 2>"$tmp/stderr"
rc=$?
[ -f "$tmp/stdout_file" ] && : >"$tmp/stdout" # output went elsewhere: nothing to compare

fail=0
report() {
    if [ $fail -eq 0 ]; then
        echo "FAIL $file ($mode)"
    fi
    fail=1
    echo "  $*"
}

if [ "$rc" -ne "$want_exit" ]; then
    report "exit status $rc, expected $want_exit"
fi

if ! cmp -s "$tmp/expected" "$tmp/stdout"; then
    report "standard output differs (--- expected, +++ actual):"
    diff -u "$tmp/expected" "$tmp/stdout" | sed -e '1,2d' -e 's/^/    /' -e '80q'
fi

# The report of an unhandled exception is one line on standard error (spec §10.6):
#   mi: unhandled exception ID in program NAME at instruction N (line L): MESSAGE
# MESSAGE is EXPECT-MESSAGE if given, else for a machine exception id its text in
# exceptions.def, else (an id signalled by SIGEXC) not checked. L is checked when the
# exception's program is this file: it is the source line of instruction N, found by
# counting instructions below (0 when N is 0: raised before the first instruction).
# The comparison is literal: no character of the line is a pattern.
grep '^mi: unhandled exception ' "$tmp/stderr" >"$tmp/exc_lines"
nexc_lines=$(wc -l <"$tmp/exc_lines" | tr -d ' ')
if [ -n "$exc_id" ]; then
    if [ -f "$tmp/message" ]; then
        msg=$(cat "$tmp/message")
        check_msg=1
    else
        msg=$(awk -v id="$exc_id" -F'"' '$0 ~ "^X\\(" && $2 == id { print $4 }' "$excdef" 2>/dev/null)
        check_msg=0
        [ -n "$msg" ] && check_msg=1
    fi
    line=
    if [ "$exc_insn" -eq 0 ]; then
        line=0
    elif [ "$exc_prog" = "$name" ]; then
        # Instruction lines: a statement, after an optional label, that is not a
        # declaration (DCL), a monitor (MONITOR) or a directive (.xxx). A ';' inside
        # a quoted string does not start a comment. With a .line directive the
        # numbering is not followed: the line is then not checked.
        line=$(awk -v want="$exc_insn" '
            { s = ""; q = 0
              for (i = 1; i <= length($0); i++) {
                  c = substr($0, i, 1)
                  if (c == "\047") q = !q
                  else if (c == ";" && !q) break
                  s = s c
              }
              sub(/^[ \t\r]+/, "", s)
              sub(/^[A-Za-z_$#@][A-Za-z0-9_$#@]*[ \t]*:/, "", s)
              sub(/^[ \t\r]+/, "", s); sub(/[ \t\r]+$/, "", s)
              if (s == "") next
              w = toupper(s); sub(/[ \t.].*$/, "", w)
              if (substr(s, 1, 1) == ".") { if (tolower(substr(s, 1, 5)) == ".line") noline = 1; next }
              if (w == "DCL" || w == "MONITOR") next
              if (++n == want + 0) found = NR
            }
            END { if (found && !noline) print found }' "$file")
    fi
    prefix="mi: unhandled exception $exc_id in program $exc_prog at instruction $exc_insn (line "
    ok=0
    if [ "$nexc_lines" -eq 1 ]; then
        # split the actual line at "(line L): " without using patterns
        ok=$(awk -v pre="$prefix" -v line="$line" -v msg="$msg" -v cm="$check_msg" '
            { if (substr($0, 1, length(pre)) != pre) { print 0; exit }
              rest = substr($0, length(pre) + 1)
              k = index(rest, "): ")
              if (k == 0) { print 0; exit }
              l = substr(rest, 1, k - 1)
              if (l !~ /^[0-9]+$/ || (line != "" && l != line)) { print 0; exit }
              if (cm == 1 && substr(rest, k + 3) != msg) { print 0; exit }
              print 1 }' "$tmp/exc_lines")
    fi
    if [ "$ok" != 1 ]; then
        report "unhandled-exception report differs"
        want_msg=$msg
        [ "$check_msg" -eq 1 ] || want_msg='(any)'
        echo "    expected: $prefix${line:-L}): $want_msg"
        if [ "$nexc_lines" -eq 0 ]; then
            echo "    actual:   (none)"
        else
            sed 's/^/    actual:   /' "$tmp/exc_lines"
        fi
    fi
elif [ "$nexc_lines" -ne 0 ]; then
    report "unexpected unhandled exception:"
    sed 's/^/    /' "$tmp/exc_lines"
fi

if [ -f "$tmp/has_stderr" ]; then
    grep -v '^mi: unhandled exception ' "$tmp/stderr" >"$tmp/stderr_rest"
    if ! cmp -s "$tmp/expected_stderr" "$tmp/stderr_rest"; then
        report "standard error differs (--- expected, +++ actual):"
        diff -u "$tmp/expected_stderr" "$tmp/stderr_rest" | sed -e '1,2d' -e 's/^/    /' -e '80q'
    fi
fi

# In translate mode the point is to run native code: a fallback to the interpreter
# (translator/translate.c's one line on standard error) fails the program even when its
# results are right, whether or not standard error is otherwise compared.
if [ "$runmode" = translate ] && grep -q '^mi: .*: translation unavailable (.*); interpreting$' "$tmp/stderr"; then
    report "translate mode fell back to the interpreter:"
    grep '^mi: .*: translation unavailable' "$tmp/stderr" | sed 's/^/    /'
fi

if [ $fail -ne 0 ]; then
    if [ -s "$tmp/stderr" ] && [ ! -f "$tmp/has_stderr" ]; then
        echo "  standard error was:"
        head -n 20 "$tmp/stderr" | sed 's/^/    /'
    fi
    exit 1
fi
echo "PASS $file ($mode)"
exit 0
