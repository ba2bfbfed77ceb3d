#!/bin/sh
# The cross-CPU stage of tests/run-all (tests/cross/README.md): the whole conformance suite
# and the unit tests on aarch64 (interpreted and translated) and s390x (big-endian,
# interpreted) under qemu-user, then the migration test (x86_64 store -> save file ->
# aarch64 and s390x, and the x86_64 store file itself on aarch64).
#
#   tests/cross/ci.sh BUILD_ROOT
#
# Cross builds go to BUILD_ROOT/cross-aarch64 and BUILD_ROOT/cross-s390x; the migration
# test's x86_64 mi is BUILD_ROOT/plain/mi, which run-all has just built (so nothing is
# built twice: the migration test reuses the cross builds the conformance runs made).
# Without the cross toolchain (.ci/install-cross) it prints one line and exits 0, except
# with CI=true, where a missing toolchain fails: CI must not skip this silently.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
root=${1:?usage: tests/cross/ci.sh BUILD_ROOT}
croot=${MI_CROSS_ROOT:-/opt/mi-cross}

missing=
for c in qemu-aarch64 qemu-s390x aarch64-linux-gnu-gcc s390x-linux-gnu-gcc; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
for a in arm64 s390x; do
    [ -f "$croot/$a/.packages" ] || missing="$missing $croot/$a"
done
if [ -n "$missing" ]; then
    if [ "${CI:-}" = true ]; then
        echo "cross tests: toolchain missing ($missing ); CI runs .ci/install-cross first" >&2
        exit 1
    fi
    echo "cross tests skipped: no cross toolchain ($missing ); run .ci/install-cross as root to add them"
    exit 0
fi

now() { date +%s; }
rc=0
t0=$(now)
for arch in s390x aarch64; do
    ta=$(now)
    sh "$top/tests/cross/run-conformance.sh" "$arch" "$root/cross-$arch" >"$root/cross-$arch.log" 2>&1
    r=$?
    # the failures and the summary (the full log stays beside the build)
    sed -n '/^=== failures ===$/,$p' "$root/cross-$arch.log"
    grep -q '^=== failures ===$' "$root/cross-$arch.log" ||
        sed -n '/^=== summary for /,$p' "$root/cross-$arch.log"
    grep -E '^ *[0-9]+ - |tests passed' "$root/cross-$arch.log" | sed 's/^/  unit: /'
    echo "$arch: $(($(now) - ta)) s, exit $r (log: $root/cross-$arch.log)"
    [ $r -eq 0 ] || rc=1
done
tm=$(now)
MI_NATIVE_BUILD=$root/plain MI_AARCH64_BUILD=$root/cross-aarch64 MI_S390X_BUILD=$root/cross-s390x \
    MI_MIGRATE_TRANSLATE=1 sh "$top/tests/cross/migrate.sh" "$root/migrate" >"$root/migrate.log" 2>&1
r=$?
grep -E '^FAIL|identical to x86_64|translations for|^modes:|^total|passed, [0-9]+ failed' \
    "$root/migrate.log" | head -60
echo "migration test: $(($(now) - tm)) s, exit $r (log: $root/migrate.log)"
[ $r -eq 0 ] || rc=1
echo "cross tests: $(($(now) - t0)) s in all"
exit $rc
