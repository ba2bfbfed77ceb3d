#!/usr/bin/env python3
"""An independent reader of MI save files, written from mi-spec/store.md alone
(Python standard library only). It checks the sidecar, file_sha256,
content_sha256 and every template's digests, and prints one line per object:
LIB/NAME, then the source file name and the SHA-256 of the source text found in the
template's SOURCE section (mi-v1.md section 14).

usage: reader.py FILE [--extract DIR]   (--extract writes DIR/LIB.NAME.mi sources)
Exit status 0 if every check passes, 1 otherwise."""
import hashlib
import os
import sqlite3
import struct
import sys


def fail(msg):
    print("reader: " + msg, file=sys.stderr)
    sys.exit(1)


def field(b):
    return struct.pack("<Q", len(b)) + b


def main():
    path = sys.argv[1]
    extract = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--extract" else None
    data = open(path, "rb").read()
    side = path + ".sha256"
    if os.path.exists(side):
        rec = open(side).read().split()[0]
        if hashlib.sha256(data).hexdigest() != rec:
            fail("sidecar digest mismatch")
    if data[:16] != b"SQLite format 3\x00" or data[18] != 1 or data[19] != 1:
        fail("not an SQLite file in rollback-journal mode")
    if struct.unpack(">I", data[68:72])[0] != 0x4D495356:
        fail("application_id is not MISV")
    if struct.unpack(">I", data[60:64])[0] != 1:
        fail("save format version is not 1")
    db = sqlite3.connect("file:" + path + "?mode=ro&immutable=1", uri=True)
    db.text_factory = bytes
    meta = dict((k.decode(), v.decode()) for k, v in db.execute("SELECT key, value FROM meta"))
    if meta.get("format") != "MI save file" or meta.get("format_version") != "1":
        fail("meta format")
    # file_sha256: the value's 64 characters replaced by '0'
    fv = meta["file_sha256"].encode()
    if data.count(fv) != 1:
        fail("file_sha256 value does not occur exactly once")
    if hashlib.sha256(data.replace(fv, b"0" * 64)).hexdigest() != meta["file_sha256"]:
        fail("file_sha256 mismatch")
    # content_sha256
    h = hashlib.sha256(b"MI save content v1\n")
    queries = [
        (b"M", "SELECT key, value FROM meta WHERE key NOT IN ('content_sha256', 'file_sha256') ORDER BY key"),
        (b"L", "SELECT name, created FROM libraries ORDER BY name"),
        (b"T", "SELECT sha256, xxh3_128, size, mi_version, format_version FROM templates ORDER BY sha256"),
        (b"O", "SELECT lib, name, template_sha256, source_file, created FROM objects ORDER BY lib, name"),
    ]
    for tag, q in queries:
        for row in db.execute(q):
            h.update(tag)
            for v in row:
                h.update(field(str(v).encode() if isinstance(v, int) else v))
    if h.hexdigest() != meta["content_sha256"]:
        fail("content_sha256 mismatch")
    # templates
    sources = {}
    for sha, size, blob in db.execute("SELECT sha256, size, bytes FROM templates"):
        sha = sha.decode()
        if hashlib.sha256(blob).hexdigest() != sha or len(blob) != size:
            fail("template %s: digest or size mismatch" % sha)
        if blob[:8] != b"\x89MIT\r\n\x1a\n":
            fail("template %s: not a program template" % sha)
        nsect = struct.unpack("<I", blob[20:24])[0]
        src = None
        for i in range(nsect):
            sid, _flags, off, ln = struct.unpack("<IIII", blob[32 + 16 * i:48 + 16 * i])
            if sid == 7:
                s = blob[off:off + ln]
                nl = struct.unpack("<H", s[0:2])[0]
                name = s[2:2 + nl]
                tl = struct.unpack("<I", s[2 + nl:6 + nl])[0]
                src = (name, s[6 + nl:6 + nl + tl])
        sources[sha] = src
    n = 0
    for lib, name, sha, srcfile, _created in db.execute(
            "SELECT lib, name, template_sha256, source_file, created FROM objects ORDER BY lib, name"):
        src = sources.get(sha.decode())
        if src is None:
            print("%s/%s (no source)" % (lib.decode(), name.decode()))
        else:
            print("%s/%s %s %s" % (lib.decode(), name.decode(), src[0].decode(),
                                   hashlib.sha256(src[1]).hexdigest()))
            if extract:
                with open(os.path.join(extract, "%s.%s.mi" % (lib.decode(), name.decode())), "wb") as f:
                    f.write(src[1])
        n += 1
    if str(n) != meta["object_count"]:
        fail("object_count mismatch")


main()
