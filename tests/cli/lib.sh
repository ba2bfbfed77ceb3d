# Shared helpers of the CLI tests (sourced). Usage in a test: . "$(dirname "$0")/lib.sh" "$@"
# $1 of the test is the `mi` executable. POSIX sh.
set -u
MI=${1:?usage: TEST.sh MI}
case $MI in /*) ;; *) MI=$(pwd)/$MI ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/mi-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
FAILED=0
unset MI_PATH

fail() {
    echo "FAIL: $*"
    FAILED=1
}

# run_mi NAME ARGS...: runs mi with stdout/stderr in $T/NAME.out/.err, status in $RC
run_mi() {
    name=$1
    shift
    "$MI" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    RC=$?
}

# expect_rc NAME WANT ARGS...
expect_rc() {
    name=$1
    want=$2
    shift 2
    run_mi "$name" "$@"
    if [ "$RC" -ne "$want" ]; then
        fail "mi $* -> status $RC, expected $want"
        sed 's/^/    stderr: /' "$T/$name.err" | head -5
    fi
}

# expect_err NAME TEXT: stderr of NAME contains TEXT (fixed string)
expect_err() {
    grep -F -q -e "$2" "$T/$1.err" || {
        fail "$1: stderr does not contain '$2'"
        sed 's/^/    stderr: /' "$T/$1.err" | head -5
    }
}

# expect_out NAME TEXT: stdout of NAME contains TEXT
expect_out() {
    grep -F -q -e "$2" "$T/$1.out" || fail "$1: stdout does not contain '$2'"
}

finish() {
    [ "$FAILED" -eq 0 ] && echo PASS
    exit "$FAILED"
}
