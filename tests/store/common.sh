# Sourced by the tests/store/*.sh end-to-end tests: MI (the mi executable) is $1,
# every test works in its own temporary directory with its own store.
set -u
MI=${1:?usage: $0 MI}
case $MI in /*) ;; *) MI=$(pwd)/$MI ;; esac
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/mi-store-sh.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
MI_STORE=$T/store.db
export MI_STORE
unset MI_LIBL XDG_DATA_HOME
failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect STATUS CMD...: run CMD, check its exit status; output in $T/out and $T/err.
expect() {
    want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        fail "exit $got (expected $want): $*"
        sed 's/^/    stdout: /' "$T/out" | head -5
        sed 's/^/    stderr: /' "$T/err" | head -5
        return 1
    fi
    return 0
}

# err_has TEXT: the last command's standard error contains TEXT.
err_has() {
    grep -qF -- "$1" "$T/err" || { fail "stderr lacks '$1': $(head -3 "$T/err")"; return 1; }
}
out_has() {
    grep -qF -- "$1" "$T/out" || { fail "stdout lacks '$1': $(head -3 "$T/out")"; return 1; }
}

# A small program printing its argument text k.
mkprog() {
    printf '; program %s\nDCL msg CHAR(16) INIT(%s)\n        SVC 2, msg\n        RTX\n' "$2" "'$2'" >"$1"
}

# The store's state as text (object names and template hashes), for before/after.
state() {
    "$MI" ls --json "$@" 2>/dev/null
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures failure(s)"
        exit 1
    fi
    echo "PASS"
    exit 0
}
