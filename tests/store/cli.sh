#!/bin/sh
# mi's object store commands end to end: the happy path, --help everywhere, and bad
# input (malformed names, missing libraries, a directory or random bytes as a store
# or a save file): each gives a clear error, a non-zero status, and loses nothing.
. "$(dirname "$0")/common.sh"

for c in crtlib dltlib install ls show src rm save restore verify gc; do
    expect 0 "$MI" "$c" --help && out_has "usage: mi $c" && out_has "--store PATH"
done

mkprog hello.mi HELLO
mkprog other.mi OTHER

# first use creates the store at $MI_STORE; the default library MILIB is created by install
expect 1 "$MI" ls && err_has "no object store at $MI_STORE"
expect 0 "$MI" install hello.mi && out_has "installed MILIB/HELLO"
[ -f "$MI_STORE" ] || fail "store not created at \$MI_STORE"
expect 0 "$MI" crtlib Demo && out_has "created library DEMO"
expect 0 "$MI" install hello.mi --lib demo --name h2
expect 0 "$MI" install other.mi --lib DEMO
expect 0 "$MI" ls DEMO && out_has "H2" && out_has "OTHER"
expect 0 "$MI" show demo/h2 && out_has "DEMO/H2" && out_has "sha256" && out_has "source file  hello.mi"
expect 0 "$MI" show demo/h2 --json && out_has '"name":"H2"'
expect 0 "$MI" src DEMO/H2
cmp -s "$T/out" hello.mi || fail "mi src does not give the source back"
expect 0 "$MI" verify && out_has "clean"
expect 0 "$MI" verify DEMO/H2 && out_has "1 object, 1 template"

# a template file installs too
expect 0 "$MI" asm hello.mi -o hello.mit || true
if [ -f hello.mit ]; then
    expect 0 "$MI" install hello.mit --lib DEMO --name FROMMIT && out_has "DEMO/FROMMIT"
fi
# a template without its source is still listed: as MI text that assembles to it
expect 0 "$MI" asm other.mi --no-source -o nosrc.mit
expect 0 "$MI" install nosrc.mit --lib DEMO --name NOSRC
expect 0 "$MI" src DEMO/NOSRC && err_has "keeps no source in its template; printing its disassembly"
cp "$T/out" nosrc_dis.mi
expect 0 "$MI" asm nosrc_dis.mi -o nosrc_again.mit
cmp -s nosrc.mit nosrc_again.mit || fail "mi src of a template without source does not assemble back to it"
expect 1 "$MI" src DEMO/NOSUCH && err_has "not found"
expect 0 "$MI" rm DEMO/NOSRC

before=$(state)
# malformed names
expect 2 "$MI" crtlib 9LIB && err_has "must start with a letter"
expect 2 "$MI" crtlib ABCDEFGHIJK && err_has "too long"
expect 2 "$MI" crtlib 'A-B' && err_has "contains '-'"
expect 2 "$MI" install hello.mi --name 'bad name' && err_has "contains ' '"
expect 2 "$MI" install hello.mi --lib '' && err_has "needs a value"
expect 2 "$MI" show NOSLASH && err_has "LIB/PGM"
expect 2 "$MI" rm 'A/B/C'
expect 2 "$MI" save 'LIB/' -o x.misav
expect 2 "$MI" install 1bad.mi 2>/dev/null || true
# missing things
expect 1 "$MI" install hello.mi --lib NOLIB && err_has "library NOLIB does not exist (create it with mi crtlib NOLIB)"
expect 1 "$MI" show DEMO/NOPE && err_has "DEMO/NOPE not found"
expect 1 "$MI" rm NOLIB/X && err_has "library NOLIB does not exist"
expect 1 "$MI" dltlib NOLIB && err_has "library NOLIB does not exist"
expect 1 "$MI" ls NOLIB && err_has "library NOLIB does not exist"
expect 1 "$MI" install missing.mi && err_has "missing.mi"
expect 1 "$MI" install hello.mi --lib DEMO --name H2 && err_has "DEMO/H2 already exists (use --replace"
expect 1 "$MI" crtlib DEMO && err_has "library DEMO already exists"
printf 'DCL x BIN(4)\n        FROB x\n' >bad.mi
expect 1 "$MI" install bad.mi --lib DEMO && err_has "bad.mi:2"
expect 1 "$MI" save DEMO/NOPE -o x.misav && err_has "DEMO/NOPE not found"
[ -e x.misav ] && fail "a failed save left x.misav"
# usage errors
expect 2 "$MI" save DEMO && err_has "-o FILE"
expect 2 "$MI" verify DEMO --all
expect 2 "$MI" ls --bogus && err_has "unknown option '--bogus'"
expect 2 "$MI" gc --older-than x && err_has "not a number of days"
[ "$(state)" = "$before" ] || fail "bad input changed the store"

# a directory, random bytes, another database, a save file given as the store
mkdir adir
expect 1 "$MI" ls --store adir && err_has "adir is a directory, not an MI object store"
head -c 5000 /dev/urandom >random.bin
cp random.bin random.copy
expect 1 "$MI" install hello.mi --store random.bin && err_has "not an MI object store"
cmp -s random.bin random.copy || fail "the random file was changed"
python3 -c "import sqlite3; c=sqlite3.connect('other.db'); c.execute('create table t(x)'); c.commit()"
cp other.db other.copy
expect 1 "$MI" crtlib X --store other.db && err_has "SQLite database of another application"
cmp -s other.db other.copy || fail "another application's database was changed"
expect 0 "$MI" save DEMO -o demo.misav
expect 1 "$MI" ls --store demo.misav && err_has "is an MI save file, not an object store"
# a directory, random bytes, the store itself, an empty file given as a save file
expect 1 "$MI" restore adir && err_has "is a directory"
expect 1 "$MI" restore random.bin && err_has "not an MI save file"
: >empty.misav
expect 1 "$MI" restore empty.misav && err_has "not an MI save file"
expect 1 "$MI" restore nosuch.misav && err_has "nosuch.misav"
expect 1 "$MI" restore other.db && err_has "not an MI save file"
[ "$(state)" = "$before" ] || fail "bad save files changed the store"

# save / restore round trip through the CLI, sha256sum-compatible sidecar
(cd "$T" && sha256sum -c demo.misav.sha256 >/dev/null) || fail "sha256sum -c rejects the sidecar"
expect 1 "$MI" restore demo.misav && err_has "already exist" && err_has "nothing was restored"
expect 0 "$MI" restore demo.misav --store fresh.db && out_has "FILE.sha256 matches"
expect 0 "$MI" verify --store fresh.db && out_has "clean"
# native translations are never saved: the restored store has none yet
strip() { sed -e 's/"store":"[^"]*"//' -e 's/"shared":[0-9]*//g' -e 's/"translations":[0-9]*,"native_bytes":[0-9]*//g'; }
[ "$(state --store fresh.db | strip)" = "$(state DEMO | strip)" ] ||
    fail "restored library differs"
expect 0 "$MI" restore demo.misav --lib COPY && out_has "restored"
expect 0 "$MI" restore demo.misav --replace && out_has "replaced"
expect 0 "$MI" ls COPY && out_has "OTHER"

# rm and dltlib
expect 0 "$MI" rm DEMO/OTHER && out_has "removed DEMO/OTHER"
expect 1 "$MI" rm DEMO/OTHER && err_has "DEMO/OTHER not found"
expect 0 "$MI" dltlib COPY && out_has "deleted library COPY"
expect 0 "$MI" gc && out_has "freed 0 native translations"
expect 0 "$MI" verify --all && out_has "clean"

# damage behind the store's back is found by verify
python3 - "$MI_STORE" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
h = c.execute("select tmpl from objects where lib='DEMO' and name='H2'").fetchone()[0]
c.execute("update templates set bytes = substr(bytes,1,60) || x'00' || substr(bytes,62) where hash=?", (h,))
c.commit()
PY
expect 1 "$MI" verify && out_has "FINDING:" && out_has "DEMO/H2"
finish
