#!/bin/sh
# Native translations kept in the store (translator/README.md, mi-spec/store.md §4):
# install translates (reason "first install"); a run uses the translation; a salted
# fingerprint is another host ("new host", both rows kept) and mi gc drops the stale
# one; a corrupted image is detected ("integrity failure") and the output stays
# right; two concurrent first runs both succeed and leave one row; stored programs
# run translated and with --interpret give identical results; mi host, mi retranslate.
. "$(dirname "$0")/common.sh"
unset MI_HOST_SALT

if ! "$MI" host 2>/dev/null | grep -q '^mi-host/1 .*libtcc=[0-9]'; then
    echo "SKIP: no libtcc in this build"
    exit 77
fi
command -v sqlite3 >/dev/null || { echo "SKIP: no sqlite3 CLI"; exit 77; }

# rows [WHERE]: number of translation rows
rows() { sqlite3 "$MI_STORE" "SELECT count(*) FROM translations ${1:-}"; }
reasons() { sqlite3 "$MI_STORE" "SELECT reason FROM translations ORDER BY created, reason" | tr '\n' ','; }

# ---- mi host
expect 0 "$MI" host && out_has "mi-host/1 arch=" && out_has "tier=tcc" && out_has "key "
key=$(sed -n 's/^key //p' "$T/out")
expect 0 "$MI" host --json && out_has "\"key\":\"$key\""
MI_HOST_SALT=x "$MI" host | grep -q "salt=x" || fail "MI_HOST_SALT is not in the fingerprint"
[ "$(MI_HOST_SALT=x "$MI" host | sed -n 's/^key //p')" != "$key" ] || fail "salt does not change the key"
expect 0 "$MI" host --opt && out_has "tier=cc-O2"

# ---- install translates; run uses it
mkprog hello.mi HELLO
expect 0 "$MI" install hello.mi && out_has "translated for this host"
[ "$(rows)" = 1 ] || fail "install made $(rows) translations, expected 1"
expect 0 "$MI" show MILIB/HELLO && out_has "1 translation" && out_has "first install" &&
    out_has "fingerprint  mi-host/1" && out_has "last used"
expect 0 "$MI" run HELLO && out_has HELLO
[ -s "$T/err" ] && fail "a translated run wrote to stderr: $(cat "$T/err")"
[ "$(rows)" = 1 ] || fail "a run with a translation added one"
expect 0 "$MI" show MILIB/HELLO --json && out_has '"reason":"first install"' && out_has "\"host\":\"$key\""

# --no-translate: the first run translates, reason "first install"
mkprog lazy.mi LAZY
expect 0 "$MI" install lazy.mi --no-translate
grep -q "translated" "$T/out" && fail "--no-translate translated"
tl=$(sqlite3 "$MI_STORE" "SELECT hash FROM templates t JOIN objects o ON o.tmpl = t.hash WHERE o.name = 'LAZY'")
[ "$(rows "WHERE tmpl = '$tl'")" = 0 ] || fail "--no-translate stored a translation"
expect 0 "$MI" run MILIB/LAZY && out_has LAZY
[ "$(sqlite3 "$MI_STORE" "SELECT reason FROM translations WHERE tmpl = '$tl'")" = "first install" ] ||
    fail "first run of an untranslated program: reason $(reasons)"
expect 0 "$MI" run LAZY --interpret && out_has LAZY

# ---- a new host
th=$(sqlite3 "$MI_STORE" "SELECT tmpl FROM objects WHERE name = 'HELLO'")
MI_HOST_SALT=x expect 0 "$MI" run HELLO && out_has HELLO
[ "$(rows "WHERE tmpl = '$th'")" = 2 ] || fail "new host: $(rows "WHERE tmpl = '$th'") rows, expected 2"
[ "$(rows "WHERE tmpl = '$th' AND reason = 'new host' AND fingerprint LIKE '%salt=x'")" = 1 ] ||
    fail "no 'new host' row for salt=x: $(reasons)"
expect 0 "$MI" show MILIB/HELLO && out_has "2 translations" && out_has "new host" && out_has "first install"
# the salted host finds its own translation now
MI_HOST_SALT=x expect 0 "$MI" run HELLO && out_has HELLO
[ "$(rows "WHERE tmpl = '$th'")" = 2 ] || fail "the salted host translated again"
# a "new translator": a row for this host but another translator version
tv=$("$MI" host | grep -o 'translator=[0-9]*') # this build's field, e.g. translator=2
[ -n "$tv" ] || fail "mi host shows no translator field"
sqlite3 "$MI_STORE" "UPDATE translations SET fingerprint = replace(fingerprint, '$tv', 'translator=0'), host = 'x' || substr(host, 2) WHERE tmpl = '$tl'"
expect 0 "$MI" run LAZY && out_has LAZY
[ "$(rows "WHERE tmpl = '$tl' AND reason = 'new translator'")" = 1 ] || fail "no 'new translator' row: $(reasons)"
sqlite3 "$MI_STORE" "DELETE FROM translations WHERE tmpl = '$tl' AND fingerprint LIKE '%translator=0%'"

# ---- gc drops the other host's translation and says so
expect 0 "$MI" gc && out_has "freed 1 native translation"
[ "$(rows "WHERE tmpl = '$th'")" = 1 ] || fail "gc left $(rows "WHERE tmpl = '$th'") rows"
[ "$(rows "WHERE fingerprint LIKE '%salt=x'")" = 0 ] || fail "gc kept the stale row"

# ---- a damaged image
sqlite3 "$MI_STORE" "UPDATE translations SET image = CAST(substr(image, 1, 200) || x'ff' || substr(image, 202) AS BLOB) WHERE tmpl = '$th'"
expect 0 "$MI" run HELLO && out_has HELLO
[ "$(sqlite3 "$MI_STORE" "SELECT reason FROM translations WHERE tmpl = '$th'")" = "integrity failure" ] ||
    fail "damaged image: reason $(reasons)"
expect 0 "$MI" verify && out_has clean
# damaged AND its hash updated to match: the loader's checks refuse it, or it still runs
sqlite3 "$MI_STORE" "UPDATE translations SET image = zeroblob(length(image)) WHERE tmpl = '$th'"
expect 0 "$MI" run HELLO && out_has HELLO
[ "$(sqlite3 "$MI_STORE" "SELECT reason FROM translations WHERE tmpl = '$th'")" = "integrity failure" ] ||
    fail "zeroed image: reason $(reasons)"

# ---- two concurrent first runs
mkprog twice.mi TWICE
expect 0 "$MI" install twice.mi --no-translate
tt=$(sqlite3 "$MI_STORE" "SELECT tmpl FROM objects WHERE name = 'TWICE'")
for k in 1 2 3 4; do
    "$MI" run TWICE >"$T/c$k.out" 2>"$T/c$k.err" &
done
wait
for k in 1 2 3 4; do
    [ "$(cat "$T/c$k.out")" = "TWICE" ] || fail "concurrent run $k: $(cat "$T/c$k.out" "$T/c$k.err")"
    [ -s "$T/c$k.err" ] && fail "concurrent run $k stderr: $(cat "$T/c$k.err")"
done
[ "$(rows "WHERE tmpl = '$tt'")" = 1 ] || fail "concurrent runs left $(rows "WHERE tmpl = '$tt'") rows"

# ---- retranslate
expect 0 "$MI" retranslate MILIB/HELLO && out_has "retranslated 1 program"
[ "$(sqlite3 "$MI_STORE" "SELECT reason FROM translations WHERE tmpl = '$th'")" = "forced" ] ||
    fail "retranslate: reason $(reasons)"
grep -q '\[1/1\]' "$T/err" && fail "progress line without a terminal"
expect 0 "$MI" retranslate --all && out_has "retranslated 3 programs"
[ "$(rows "WHERE reason = 'forced'")" = 3 ] || fail "retranslate --all: $(reasons)"
expect 2 "$MI" retranslate MILIB --all
expect 1 "$MI" retranslate NOLIB/X
expect 0 "$MI" run HELLO && out_has HELLO

# ---- restored programs (mi-spec/store.md §4): mi save records its host (meta host) and
# the first translation of a restored program says "new host" when that host was another
# one, "first install" when it was this one, "new translator" when only translator fields
# differ; a file from an mi that recorded no host counts as made elsewhere.
mkprog moved.mi MOVED
S1=$T/from.db
expect 0 "$MI" install moved.mi --store "$S1" --no-translate
MI_HOST_SALT=elsewhere expect 0 "$MI" save MILIB -o "$T/moved.misav" --store "$S1"
sqlite3 "$T/moved.misav" "SELECT value FROM meta WHERE key = 'host'" | grep -q '^mi-host/1 .* salt=elsewhere$' ||
    fail "mi save did not record its host"
expect 0 "$MI" save MILIB -o "$T/same.misav" --store "$S1"
# restored_reason SAVEFILE STORE [SQL]: the reason of the first translation of MILIB/MOVED
# restored from SAVEFILE into a new STORE (SQL run on STORE after the restore)
restored_reason() {
    expect 0 "$MI" restore "$1" --store "$2" || return
    [ -n "${3:-}" ] && sqlite3 "$2" "$3"
    expect 0 "$MI" run MILIB/MOVED --store "$2" && out_has MOVED
    [ -s "$T/err" ] && fail "restored run wrote to stderr: $(cat "$T/err")"
    sqlite3 "$2" "SELECT reason FROM translations" | tr '\n' ','
}
r=$(restored_reason "$T/moved.misav" "$T/to1.db")
[ "$r" = "new host," ] || fail "restored from another host: reasons '$r', expected new host"
expect 0 "$MI" show MILIB/MOVED --store "$T/to1.db" && out_has "new host"
r=$(restored_reason "$T/same.misav" "$T/to2.db")
[ "$r" = "first install," ] || fail "restored from this host: reasons '$r', expected first install"
r=$(restored_reason "$T/same.misav" "$T/to3.db" \
    "UPDATE templates SET origin = replace(origin, '$tv', 'translator=0')")
[ "$r" = "new translator," ] || fail "restored from an older translator: reasons '$r'"
r=$(restored_reason "$T/same.misav" "$T/to4.db" "UPDATE templates SET origin = ''")
[ "$r" = "new host," ] || fail "restored from an unknown host: reasons '$r', expected new host"

# ---- translated and interpreted runs from the store agree (a few conformance programs)
CONF=$TOP/tests/conformance
expect 0 "$MI" crtlib CONF
n=0
for p in addn divn callx cat percolate edit elements strings scan callx_plan float_fast \
    based_elements; do
    f=$CONF/$p.mi
    [ -f "$f" ] || { fail "$p.mi is not in the conformance suite any more: update this list"; continue; }
    name=$(echo "$p" | tr a-z A-Z | tr -d _ | cut -c1-10)
    "$MI" install "$f" --lib CONF --name "$name" >/dev/null 2>&1 || { fail "$p: install"; continue; }
    MI_PATH=$CONF/lib timeout 120 "$MI" run "CONF/$name" --libl CONF </dev/null >"$T/tr.out" 2>"$T/tr.err"
    echo $? >"$T/tr.rc"
    MI_PATH=$CONF/lib timeout 120 "$MI" run "CONF/$name" --libl CONF --interpret </dev/null >"$T/in.out" 2>"$T/in.err"
    echo $? >"$T/in.rc"
    for x in out err rc; do
        cmp -s "$T/tr.$x" "$T/in.$x" || fail "$p: translated and interpreted $x differ"
    done
    n=$((n + 1))
done
for f in "$CONF"/*.mi; do # and the first few others, whatever they are
    [ "$n" -ge 20 ] && break
    b=$(basename "$f" .mi); name=$(echo "$b" | tr a-z A-Z)
    echo "$name" | grep -Eq '^[A-Z][A-Z0-9_]{0,9}$' || continue
    "$MI" install "$f" --lib CONF --name "$name" >/dev/null 2>&1 || continue
    timeout 120 "$MI" run "CONF/$name" --libl CONF </dev/null >"$T/tr.out" 2>"$T/tr.err"; echo $? >"$T/tr.rc"
    timeout 120 "$MI" run "CONF/$name" --libl CONF --interpret </dev/null >"$T/in.out" 2>"$T/in.err"; echo $? >"$T/in.rc"
    for x in out err rc; do
        cmp -s "$T/tr.$x" "$T/in.$x" || fail "$b: translated and interpreted $x differ"
    done
    n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "only $n conformance programs compared"

# ---- the optimising tier (cc -O2): preferred by mi run, same results
if command -v "${MI_CC:-cc}" >/dev/null; then
    expect 0 "$MI" install "$CONF/addn.mi" --lib CONF --name OPTADDN --opt && out_has "tier cc-O2"
    to=$(sqlite3 "$MI_STORE" "SELECT tmpl FROM objects WHERE name = 'OPTADDN'")
    [ "$(rows "WHERE tmpl = '$to' AND fingerprint LIKE '%tier=cc-O2%'")" = 1 ] || fail "no cc-O2 row"
    sqlite3 "$MI_STORE" "DELETE FROM translations WHERE tmpl = '$to' AND fingerprint LIKE '%tier=tcc%'"
    "$MI" run CONF/OPTADDN >"$T/o.out" 2>&1; echo $? >>"$T/o.out"
    "$MI" run CONF/OPTADDN --interpret >"$T/i.out" 2>&1; echo $? >>"$T/i.out"
    cmp -s "$T/o.out" "$T/i.out" || fail "cc-O2 and interpreted runs differ"
    [ "$(rows "WHERE tmpl = '$to'")" = 1 ] || fail "a run made a tcc translation although cc-O2 was there"
    MI_CC=/nonexistent/cc expect 1 "$MI" retranslate CONF/OPTADDN --opt && err_has "no C compiler"
else
    echo "no C compiler: optimising tier not tested"
fi
MI_CC=/nonexistent/cc expect 0 "$MI" install "$CONF/addn.mi" --lib CONF --name NOCC --opt &&
    err_has "no C compiler" && err_has "keeping the tcc translation" && out_has "tier tcc"
echo "$n conformance programs: translated = interpreted"
finish
