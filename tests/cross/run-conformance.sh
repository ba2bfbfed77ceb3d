#!/bin/sh
# Cross-builds `mi` and the unit tests for ARCH, then runs the unit tests and the whole
# conformance suite under qemu-user (tests/cross/README.md).
#
#   tests/cross/run-conformance.sh ARCH [BUILD_DIR]
#
# ARCH is aarch64 (translator built with libtcc's arm64 back end) or s390x (big-endian,
# interpreter only). BUILD_DIR defaults to build-cross-ARCH in the source tree. Needs what
# .ci/install-cross installs. Environment:
#   MI_CROSS_CMAKE_ARGS  extra cmake arguments (split on blanks), e.g. -DMI_WERROR=OFF
#   MI_CROSS_MODES       conformance modes to run (default: interpret, plus translate on
#                        aarch64 when this build's mi can translate)
#   MI_CROSS_UNIT=0      skip the unit tests (and build only mi)
#   MI_CROSS_TIMEOUT     seconds per conformance program (default 300; RUN-SERIAL ones 900)
# Prints one PASS/FAIL line per program and mode, failure details, and a final
# "N passed, N failed" line; exits 0 only if everything passed.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] && [ $# -le 2 ] || {
    echo "usage: run-conformance.sh aarch64|s390x [BUILD_DIR]" >&2
    exit 2
}
arch=$1
case $arch in
aarch64 | s390x) ;;
*)
    echo "run-conformance.sh: unknown ARCH '$arch' (aarch64 or s390x)" >&2
    exit 2
    ;;
esac
build=${2:-$top/build-cross-$arch}
jobs=$(nproc 2>/dev/null || echo 2)
timeout_s=${MI_CROSS_TIMEOUT:-300}

step() { printf '\n=== %s ===\n' "$*"; }
now() { date +%s; }

t0=$(now)
mkdir -p "$build"
step "configure and build for $arch in $build"
# shellcheck disable=SC2086
cmake -S "$top" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/toolchain-$arch.cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MI_CROSS_CMAKE_ARGS:-} >"$build/cross-configure.log" 2>&1 || {
    cat "$build/cross-configure.log"
    exit 1
}
# Without the unit tests only the mi command is needed.
target=all
[ "${MI_CROSS_UNIT:-1}" != 0 ] || target=mi
cmake --build "$build" -j "$jobs" --target "$target" >"$build/cross-build.log" 2>&1 || {
    grep -E 'error|Error' "$build/cross-build.log" | head -40
    echo "run-conformance.sh: build failed (log: $build/cross-build.log)"
    exit 1
}
mi=$build/mi-emu
[ -x "$mi" ] || {
    echo "run-conformance.sh: $mi was not generated (tests/cross/tests.cmake)" >&2
    exit 1
}
t1=$(now)
echo "built in $((t1 - t0)) s"

unit_failed=0
if [ "${MI_CROSS_UNIT:-1}" != 0 ]; then
    step "unit tests under qemu-$arch"
    ctest --test-dir "$build" -L unit -j "$jobs" --timeout 900 --output-on-failure \
        >"$build/cross-unit.log" 2>&1 || unit_failed=1
    grep -E '^ *[0-9]+/[0-9]+ Test|tests passed|The following|^\s+[0-9]+ - ' "$build/cross-unit.log" || true
    [ $unit_failed -eq 0 ] || echo "(unit test output: $build/cross-unit.log)"
fi
t2=$(now)

step "conformance suite under qemu-$arch"
modes=${MI_CROSS_MODES:-}
if [ -z "$modes" ]; then
    modes=interpret
    if [ "$arch" = aarch64 ]; then
        if "$mi" run --translate "$top/examples/hello.mi" >/dev/null 2>"$build/translate-probe.err" &&
            ! grep -q 'not available in this build' "$build/translate-probe.err"; then
            modes="interpret translate"
        else
            echo "translate mode skipped: $(head -1 "$build/translate-probe.err")"
        fi
    fi
fi
echo "modes: $modes"

# One line per test: "PROGRAM MODE SERIAL"; examples count only with an expectation block.
list=$build/conformance.list
: >"$list"
for mode in $modes; do
    for p in "$top"/tests/conformance/*.mi "$top"/examples/*.mi; do
        grep -q '^; TEST:' "$p" || continue
        serial=0
        grep -q '^; RUN-SERIAL:' "$p" && serial=1
        echo "$p $mode $serial" >>"$list"
    done
done

logs=$build/conformance.logs
rm -rf "$logs"
mkdir -p "$logs"
# run_test PROGRAM MODE TIMEOUT: run_one.sh through the qemu wrapper; result in $logs.
# In translate mode run_one.sh itself fails a program that fell back to the interpreter
# (the aarch64 translator must have made native code).
cat >"$logs/run_test.sh" <<'EOF'
p=$1 mode=$2 t=$3 logs=$4 mi=$5 top=$6
case $p in "$top"/examples/*) tag=examples.$(basename "$p" .mi) ;; *) tag=$(basename "$p" .mi) ;; esac
log=$logs/$tag.$mode
timeout -k 10 "$t" sh "$top/tests/conformance/run_one.sh" "$p" "$mode" "$mi" >"$log" 2>&1
rc=$?
[ $rc -eq 124 ] && echo "FAIL $p ($mode): timed out after $t s" >>"$log"
echo $rc >"$log.rc"
head -1 "$log"
EOF
awk '$3 == 0 { print $1, $2 }' "$list" |
    xargs -P "$jobs" -n 2 sh -c 'sh "$4/run_test.sh" "$5" "$6" "$1" "$4" "$2" "$3"' \
        _ "$timeout_s" "$mi" "$top" "$logs" | sort
# Programs that need much memory or time run alone, like ctest's RUN_SERIAL.
awk '$3 == 1 { print $1, $2 }' "$list" | while read -r p mode; do
    sh "$logs/run_test.sh" "$p" "$mode" $((timeout_s * 3)) "$logs" "$mi" "$top"
done
t3=$(now)

pass=0 fail=0
for rcf in "$logs"/*.rc; do
    if [ "$(cat "$rcf")" = 0 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
    fi
done
if [ $fail -ne 0 ]; then
    step "failures"
    for rcf in "$logs"/*.rc; do
        [ "$(cat "$rcf")" = 0 ] || cat "${rcf%.rc}"
    done
fi
step "summary for $arch"
echo "build $((t1 - t0)) s, unit tests $((t2 - t1)) s, conformance $((t3 - t2)) s"
[ $unit_failed -eq 0 ] || echo "unit tests: FAILED (see $build/cross-unit.log)"
echo "conformance: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $unit_failed -eq 0 ]
