#!/bin/sh
# The migration test (tests/cross/README.md, "Moving programs to another CPU"):
#
#  1. x86_64 (this host): install the conformance suite, its callees and the examples into
#     a fresh store, run every test program from the store (translated when this build
#     can, else interpreted) recording standard output, standard error and exit status,
#     and `mi save` the libraries.
#  2. aarch64 under qemu: `mi restore` the save file into a fresh store and run everything
#     again, translated (each program is translated for aarch64 on its first run, reason
#     "new host"); every result must equal x86_64's byte for byte.
#  3. s390x (big-endian) under qemu: the same, interpreted.
#  4. aarch64 again, on a copy of the x86_64 store file itself (not a save file): the
#     x86_64 translations are not used (other fingerprint), new ones are made; same results.
#
#   tests/cross/migrate.sh [WORK_DIR]
#
# WORK_DIR (default: a temporary folder, removed afterwards) keeps the stores, the save file
# and every result. Builds the mi command for the three hosts when needed, in
# MI_NATIVE_BUILD, MI_AARCH64_BUILD, MI_S390X_BUILD (default build-cross-native,
# build-cross-aarch64, build-cross-s390x in the source tree). Environment:
#   MI_CROSS_CMAKE_ARGS   extra cmake arguments for the three builds, e.g. -DMI_WERROR=OFF
#   MI_MIGRATE_TIMEOUT    seconds per program run (default 300)
#   MI_MIGRATE_TRANSLATE  auto (default: translate where the build can), 0 (never), 1 (must)
# Needs what .ci/install-cross installs. Prints a final "N passed, N failed" line (one
# check per program per step); exits 0 only when every check passed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
native=${MI_NATIVE_BUILD:-$top/build-cross-native}
a64b=${MI_AARCH64_BUILD:-$top/build-cross-aarch64}
s390b=${MI_S390X_BUILD:-$top/build-cross-s390x}
jobs=$(nproc 2>/dev/null || echo 2)
tmo=${MI_MIGRATE_TIMEOUT:-300}
want_tr=${MI_MIGRATE_TRANSLATE:-auto}

if [ $# -ge 1 ]; then
    W=$1
    mkdir -p "$W" || exit 2
    W=$(cd "$W" && pwd)
else
    W=$(mktemp -d "${TMPDIR:-/tmp}/mi-migrate.XXXXXX") || exit 2
    trap 'rm -rf "$W"' EXIT
fi
trap 'exit 2' INT TERM HUP
unset MI_STORE MI_LIBL MI_PATH MI_HOST_SALT XDG_DATA_HOME

step() { printf '\n=== %s ===\n' "$*"; }
now() { date +%s; }
die() {
    echo "migrate.sh: $*" >&2
    exit 1
}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}
t_start=$(now)

# ---- builds ------------------------------------------------------------------------------
build() { # DIR [TOOLCHAIN]
    mkdir -p "$1"
    if [ ! -f "$1/CMakeCache.txt" ]; then
        tc=
        [ -n "${2:-}" ] && tc=-DCMAKE_TOOLCHAIN_FILE=$top/cmake/toolchain-$2.cmake
        # shellcheck disable=SC2086
        cmake -S "$top" -B "$1" $tc -DCMAKE_BUILD_TYPE=RelWithDebInfo ${MI_CROSS_CMAKE_ARGS:-} \
            >"$1/cross-configure.log" 2>&1 || {
            cat "$1/cross-configure.log"
            die "cannot configure $1"
        }
    fi
    cmake --build "$1" -j "$jobs" --target mi >"$1/cross-build.log" 2>&1 || {
        grep -E 'error|Error' "$1/cross-build.log" | head -30
        die "cannot build mi in $1 (log: $1/cross-build.log)"
    }
}
step "build mi for x86_64, aarch64, s390x"
build "$native"
build "$a64b" aarch64
build "$s390b" s390x
X86=$native/mi
A64=$a64b/mi-emu
S390=$s390b/mi-emu
for m in "$X86" "$A64" "$S390"; do [ -x "$m" ] || die "$m missing"; done
t_built=$(now)
echo "built in $((t_built - t_start)) s"

# can MI translate? (the build has a translator and this host has a back end)
can_translate() {
    "$1" run --translate "$top/examples/hello.mi" >"$W/probe.out" 2>"$W/probe.err" &&
        [ ! -s "$W/probe.err" ] && grep -qx 'Hello, world!' "$W/probe.out"
}
mode_for() { # MI -> interpret|translate, as MI_MIGRATE_TRANSLATE says
    case $want_tr in
    0) echo interpret ;;
    1) echo translate ;;
    *) if can_translate "$1"; then echo translate; else echo interpret; fi ;;
    esac
}
x86_mode=$(mode_for "$X86")
a64_mode=$(mode_for "$A64")
echo "x86_64 runs: $x86_mode; aarch64 runs: $a64_mode; s390x runs: interpret"
[ "$a64_mode" = translate ] || echo "NOTE: aarch64 cannot translate with this build: $(head -1 "$W/probe.err")"

# ---- the programs ------------------------------------------------------------------------
# Libraries mirror where `mi run FILE` looks (tests/store/roundtrip.sh does the same):
# CONF = tests/conformance, CONFLIB = its lib/ (callees), EXAMPLES = examples. A program
# keeps its name when that is a valid store name, else gets T001...; a test is run as
# LIB/NAME with the library list of its folder. One line per installed file in
# $W/installed: "LIB/NAME LIBL FILE KEY TEST" (TEST 1 for programs with an expectation
# block, which are the ones run; KEY names its result files).
cd "$W" || exit 2
rm -rf x86.db x86.db-* a64.db a64.db-* s390x.db s390x.db-* a64-x86file.db* conf.misav* \
    res in refused
mkdir -p res in
X86_STORE=$W/x86.db
step "x86_64: install, run, save"
for l in CONF CONFLIB EXAMPLES; do
    "$X86" crtlib $l --store "$X86_STORE" >/dev/null || die "crtlib $l failed"
done
: >installed
: >refused
i=0
install_dir() { # LIB LIBL DIR
    for f in "$3"/*.mi "$3"/*.mit; do
        [ -f "$f" ] || continue
        i=$((i + 1))
        base=$(basename "$f")
        base=${base%.*}
        n=$(echo "$base" | tr a-z A-Z)
        echo "$n" | grep -Eq '^[A-Z][A-Z0-9_$#@]{0,9}$' || n=$(printf 'T%03d' "$i")
        t=0
        case $f in *.mi) grep -q '^; TEST:' "$f" && t=1 ;; esac
        if "$X86" install "$f" --lib "$1" --name "$n" --store "$X86_STORE" >/dev/null 2>"$W/err"; then
            echo "$1/$n $2 $f $1.$n $t" >>installed
        else
            # lib/broken.mi and shadowbad.mit are not valid MI on purpose
            echo "$f: $(head -1 "$W/err")" >>refused
        fi
    done
}
t_i=$(now)
install_dir CONF CONF,CONFLIB "$top/tests/conformance"
install_dir CONFLIB CONFLIB "$top/tests/conformance/lib"
install_dir EXAMPLES EXAMPLES,CONFLIB "$top/examples"
echo "installed in $(($(now) - t_i)) s: $(wc -l <installed) programs ($(awk '$5 == 1' installed | wc -l) tests), $(wc -l <refused) refused:"
sed 's/^/  /' refused

# Each test's arguments and standard input, as in its expectation block
# (tests/conformance/README.md): ARGS, STDIN, STDIN-PARTIAL, STDIN-FILE, STDOUT-FILE.
awk '$5 == 1 { print $3, $4 }' installed | while read -r f key; do
    awk -v d="$W/in/$key" '
        function val(k,    s) { s = substr($0, length("; " k ":") + 1); if (substr(s, 1, 1) == " ") s = substr(s, 2); return s }
        BEGIN { printf "" > (d ".stdin") }
        /^[ \t\r]*$/ { next }
        !/^;/ { exit }
        /^; ARGS:/ { print val("ARGS") > (d ".args"); next }
        /^; STDIN:/ { print val("STDIN") > (d ".stdin"); next }
        /^; STDIN-PARTIAL:/ { printf "%s", val("STDIN-PARTIAL") > (d ".stdin"); next }
        /^; STDIN-FILE:/ { print val("STDIN-FILE") > (d ".stdin_file"); next }
        /^; STDOUT-FILE:/ { print val("STDOUT-FILE") > (d ".stdout_file"); next }
    ' "$f"
done

# run1.sh MI STORE MODE TAG W TMO LIB/NAME LIBL KEY: run one stored program (the last three
# arguments are appended by xargs); results in res/TAG/KEY.{out,err,rc}.
cat >run1.sh <<'EOF'
mi=$1 store=$2 mode=$3 tag=$4 W=$5 tmo=$6 pgm=$7 libl=$8 key=$9
in=$W/in/$key out=$W/res/$tag/$key
args=
[ -f "$in.args" ] && args=$(cat "$in.args")
stdin=$in.stdin
[ -f "$in.stdin_file" ] && stdin=$(cat "$in.stdin_file")
stdout=$out.out
[ -f "$in.stdout_file" ] && stdout=$(cat "$in.stdout_file")
set -f
# shellcheck disable=SC2086
set -- $args
set +f
timeout -k 10 "$tmo" "$mi" run "$pgm" --"$mode" --store "$store" --libl "$libl" -- "$@" \
    <"$stdin" >"$stdout" 2>"$out.err"
echo $? >"$out.rc"
[ -f "$in.stdout_file" ] && : >"$out.out"
exit 0
EOF
run_all() { # TAG MI STORE MODE
    mkdir -p "res/$1"
    awk '$5 == 1 { print $1, $2, $4 }' installed |
        xargs -P "$jobs" -n 3 sh "$W/run1.sh" "$2" "$3" "$4" "$1" "$W" "$tmo"
}

t0=$(now)
run_all x86 "$X86" "$X86_STORE" "$x86_mode"
t1=$(now)
echo "ran $(awk '$5 == 1' installed | wc -l) programs in $((t1 - t0)) s"
grep -l '^124$' res/x86/*.rc 2>/dev/null | sed 's/^/timed out on x86_64: /'
# Sanity check of the reference, for information: standard output and exit status against
# the expectation blocks. A few programs legitimately differ when run from a store: those
# that resolve .mit files the store refused or names it cannot hold (templates, loadfail).
agree=0
: >disagree
while read -r f key; do
    awk '/^[ \t\r]*$/ { next } !/^;/ { exit }
        /^; EXPECT:/ { s = substr($0, 10); if (substr(s, 1, 1) == " ") s = substr(s, 2); print s }' \
        "$f" >expect.out
    [ -f "in/$key.stdout_file" ] && : >expect.out
    e=$(sed -n 's/^; EXPECT-EXIT: *//p' "$f")
    grep -q '^; EXPECT-EXCEPTION:' "$f" && e=3
    if cmp -s expect.out "res/x86/$key.out" && [ "$(cat "res/x86/$key.rc")" = "${e:-0}" ]; then
        agree=$((agree + 1))
    else
        echo "$(basename "$f")" >>disagree
    fi
done <<LIST
$(awk '$5 == 1 { print $3, $4 }' installed)
LIST
echo "x86_64 reference: $agree programs agree with their expectation blocks; others:" $(cat disagree)
"$X86" save CONF CONFLIB EXAMPLES -o conf.misav --store "$X86_STORE" >/dev/null || die "mi save failed"
[ -f conf.misav.sha256 ] || die "mi save wrote no conf.misav.sha256"
echo "save file: $(wc -c <conf.misav) bytes"

# compare TAG WHAT: every result of TAG equals x86's byte for byte
compare() {
    n_ok=0 n_bad=0
    for rc in res/x86/*.rc; do
        key=$(basename "$rc" .rc)
        d=
        for ext in out err rc; do
            cmp -s "res/x86/$key.$ext" "res/$1/$key.$ext" || d="$d $ext"
        done
        if [ -z "$d" ]; then
            ok
            n_ok=$((n_ok + 1))
        else
            bad "$2: $key differs from x86_64 in:$d"
            for ext in out err rc; do
                cmp -s "res/x86/$key.$ext" "res/$1/$key.$ext" ||
                    diff -u "res/x86/$key.$ext" "res/$1/$key.$ext" | sed -e '1,2d' -e 's/^/    /' -e '12q'
            done
            n_bad=$((n_bad + 1))
        fi
    done
    echo "$2: $n_ok programs identical to x86_64, $n_bad differ"
}

# translations STORE ARCH=REASONS...: `mi show --json` of every test program lists a
# translation whose fingerprint has arch=ARCH, made for one of the |-separated REASONS
# (mi-spec/store.md: "first install", "new host", ...). Prints how often each arch and
# reason occurred. (The store file is the same on every host: the x86_64 mi reads it,
# which is quicker than qemu; each step also shows one program with the target's mi.)
translations() {
    s=$1
    shift
    rm -rf "$W/show"
    mkdir "$W/show"
    for pgm in $(awk '$5 == 1 { print $1 }' installed); do
        f=$W/show/$(echo "$pgm" | tr / .)
        "$X86" show "$pgm" --json --store "$s" >"$f.json" 2>"$f.err" ||
            bad "mi show $pgm failed: $(head -1 "$f.err")"
    done
    python3 -c '
import glob, json, os, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    pgm = os.path.basename(f)[:-5]
    try:
        rows = json.load(open(f))["native"]
    except (ValueError, KeyError, TypeError):
        print(pgm + "\t?\tunreadable mi show --json")
        continue
    print(pgm + "\t-\t-")
    for t in rows:
        arch = [x[5:] for x in t["fingerprint"].split() if x.startswith("arch=")]
        print(pgm + "\t" + (arch[0] if arch else "?") + "\t" + t["reason"])
' "$W/show" >"$W/reasons" || bad "mi show --json: not the expected JSON"
    awk -F'\t' '$2 != "-" { n[$2 " (" $3 ")"]++ } END { for (k in n) print "  translations for " k ": " n[k] }' \
        "$W/reasons" | sort
    for spec in "$@"; do
        a=${spec%%=*} reasons=${spec#*=}
        miss=$(awk -F'\t' -v a="$a" -v r="|$reasons|" '
            $2 == a && index(r, "|" $3 "|") { ok[$1] = 1 }
            { all[$1] = 1 }
            END { for (p in all) if (!(p in ok)) print p }' "$W/reasons" | sort)
        if [ -z "$miss" ]; then
            ok
        else
            bad "$(echo "$miss" | wc -l) programs have no $a translation with reason $reasons:" \
                $(echo "$miss" | head -5)
        fi
    done
}

restore_run() { # TAG MI MODE WHAT
    st=$W/$1.db
    t0=$(now)
    "$2" restore "$W/conf.misav" --store "$st" >"$W/restore.$1.txt" 2>&1 ||
        { bad "$4: mi restore failed: $(head -3 "$W/restore.$1.txt")"; return 1; }
    "$2" verify --store "$st" >"$W/verify.$1.txt" 2>&1 ||
        bad "$4: mi verify on the restored store failed: $(head -3 "$W/verify.$1.txt")"
    run_all "$1" "$2" "$st" "$3"
    t1=$(now)
    echo "$4: restored and ran in $((t1 - t0)) s"
    compare "$1" "$4"
}

step "aarch64 (qemu, $a64_mode): restore the save file, run, compare"
restore_run a64 "$A64" "$a64_mode" "aarch64 $a64_mode"
if [ "$a64_mode" = translate ]; then
    translations "$W/a64.db" "aarch64=new host"
    "$A64" show EXAMPLES/PAYROLL --store "$W/a64.db" 2>&1 | sed 's/^/  | /'
fi

step "s390x (qemu, interpreted): restore the save file, run, compare"
restore_run s390x "$S390" interpret "s390x interpret"
# What a user types: a stored program runs translated by default where there is a
# translator; a build without one just interprets, and says nothing about it.
"$S390" run EXAMPLES/HELLO --store "$W/s390x.db" >"$W/default.out" 2>"$W/default.err"
if [ $? -eq 0 ] && [ "$(cat "$W/default.out")" = "Hello, world!" ] && [ ! -s "$W/default.err" ]; then
    ok
else
    bad "s390x: mi run EXAMPLES/HELLO (no --interpret) wrote more than the program's output:" \
        "$(head -2 "$W/default.err")"
fi
"$S390" host >"$W/host.s390x" 2>&1
sed 's/^/  mi host on s390x: /' "$W/host.s390x"

step "aarch64 (qemu, $a64_mode): the x86_64 store file itself"
cp "$X86_STORE" "$W/a64-x86file.db"
t0=$(now)
run_all a64file "$A64" "$W/a64-x86file.db" "$a64_mode"
t1=$(now)
echo "ran in $((t1 - t0)) s"
compare a64file "aarch64 on the x86_64 store file"
if [ "$a64_mode" = translate ]; then
    if [ "$x86_mode" = translate ]; then
        translations "$W/a64-x86file.db" "x86_64=first install" "aarch64=new host"
    else
        # installed into this very store and never translated: a first install
        translations "$W/a64-x86file.db" "aarch64=first install"
    fi
    "$A64" show EXAMPLES/PAYROLL --store "$W/a64-x86file.db" 2>&1 | sed 's/^/  | /'
fi
"$A64" verify --store "$W/a64-x86file.db" >"$W/verify.a64file.txt" 2>&1 && ok ||
    bad "mi verify on the x86_64 store file under aarch64: $(head -3 "$W/verify.a64file.txt")"

step "summary"
echo "modes: x86_64 $x86_mode, aarch64 $a64_mode, s390x interpret"
echo "total $(($(now) - t_start)) s (builds $((t_built - t_start)) s)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
