#!/usr/bin/env python3
"""The MI benchmark runner (started by bench/run; see bench/README.md).

For each workload: build what needs building, run every available implementation once and
check that all of them print exactly what the first one (C, gcc -O2) prints, then time them
interleaved (A B C ... A B C ..., several rounds) and report medians, spread and ratios. MI modes
and peers that are not available are skipped with a note. Exit status: 0 when every output
agreed, 1 when an output differed or an implementation failed, 2 for a usage or build error.
"""
import argparse
import datetime
import difflib
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(BENCH)

# name: (argument of the full run, argument of --quick, repetitions per sample full/quick)
WORKLOADS = {
    "fib": ("32", "20", 1, 1),
    "sieve": ("10000000", "100000", 1, 1),
    "mandel": ("600", "40", 1, 1),
    "ledger": ("1000000", "20000", 1, 1),
    "strings": ("1000000", "20000", 1, 1),
    "hello": (None, None, 20, 3),
}
# Workloads whose geometric mean the targets of issue 5 use.
CORE = ["fib", "sieve", "mandel", "strings"]
INSTALL_SIZES = {"full": [1000, 10000, 100000], "quick": [1000, 10000]}
STORE_SIZES = {"full": [10, 10000, 100000], "quick": [10, 100]}

REF = "C gcc -O2"
INSTALL_TCC = "mi install (asm + verify + tcc + store)"
MI_TCC = "MI translated (tcc)"


def note(msg):
    print(f"note: {msg}", flush=True)


def die(msg, status=2):
    print(f"bench/run: {msg}", file=sys.stderr, flush=True)
    sys.exit(status)


def sh(cmd, **kw):
    """Runs cmd (a list), capturing output; never raises for a failing command."""
    try:
        return subprocess.run(cmd, capture_output=True, timeout=kw.pop("timeout", 3600), **kw)
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess(cmd, 127, b"", str(e).encode())


def last_line(b):
    lines = b.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


# ---------------------------------------------------------------------------------------------
# Timing


def run_timed(cmd, reps=1):
    """Runs cmd reps times with its output thrown away; returns the mean wall and CPU seconds
    per run and the exit statuses. CPU time is user + system time of the child from wait4
    (Linux keeps their sum exact even where it samples the split between them)."""
    wall = cpu = 0.0
    statuses = []
    fd = os.open(os.devnull, os.O_WRONLY)
    try:
        for _ in range(reps):
            t0 = time.perf_counter()
            pid = os.posix_spawnp(cmd[0], cmd, os.environ,
                                  file_actions=[(os.POSIX_SPAWN_DUP2, fd, 1),
                                                (os.POSIX_SPAWN_DUP2, fd, 2)])
            _, status, ru = os.wait4(pid, 0)
            t1 = time.perf_counter()
            wall += t1 - t0
            cpu += ru.ru_utime + ru.ru_stime
            statuses.append(os.waitstatus_to_exitcode(status))
    finally:
        os.close(fd)
    return wall / reps, cpu / reps, statuses


class Stat:
    def __init__(self, samples):
        self.wall = sorted(s[0] for s in samples)
        self.cpu = sorted(s[1] for s in samples)

    def median(self, metric):
        return statistics.median(self.wall if metric == "wall" else self.cpu)

    def spread(self, metric):
        v = self.wall if metric == "wall" else self.cpu
        m = statistics.median(v)
        return (v[-1] - v[0]) / m if m > 0 else 0.0


def fmt_time(s):
    if s is None:
        return "-"
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 0.001:
        return f"{s * 1000:.1f} ms"
    return f"{s * 1e6:.0f} us"


def fmt_ratio(r):
    if r is None:
        return "-"
    if r >= 100:
        return f"{r:.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    return f"{r:.2f}x"


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    if not xs:
        return None
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


# ---------------------------------------------------------------------------------------------
# The environment: mi, compilers, interpreters


class Env:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build_dir)
        self.work = os.path.join(self.build, "bench")
        os.makedirs(self.work, exist_ok=True)
        self.notes = []  # (topic, text) for the report
        self.mi = None
        self.python = None

    def add_note(self, text):
        self.notes.append(text)
        note(text)

    # -- mi

    def build_mi(self):
        if self.args.mi:
            self.mi = os.path.abspath(self.args.mi)
            if not os.access(self.mi, os.X_OK):
                die(f"--mi {self.args.mi}: not an executable")
            return
        if os.environ.get("MI"):
            self.mi = os.path.abspath(os.environ["MI"])
            return
        print(f"building mi in {self.build} (RelWithDebInfo) ...", flush=True)
        if not os.path.exists(os.path.join(self.build, "CMakeCache.txt")):
            r = sh(["cmake", "-S", TOP, "-B", self.build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    "-DMI_WERROR=OFF"])
            if r.returncode != 0:
                die("cmake configure failed:\n" + (r.stdout + r.stderr).decode(errors="replace"))
        r = sh(["cmake", "--build", self.build, "-j", str(os.cpu_count() or 2), "--target", "mi"])
        if r.returncode != 0:
            die("building mi failed:\n" + (r.stdout + r.stderr).decode(errors="replace")[-4000:])
        self.mi = os.path.join(self.build, "mi")

    def mi_help(self, *cmd):
        r = sh([self.mi, *cmd, "--help"])
        return (r.stdout + r.stderr).decode(errors="replace")

    # -- peers

    def find_python(self):
        # Debian's python3 rather than a version manager's shim (which adds its own start-up).
        for p in ("/usr/bin/python3", shutil.which("python3")):
            if p and os.access(p, os.X_OK):
                self.python = p
                return


def tool_version(cmd):
    r = sh(cmd)
    out = (r.stdout + r.stderr).decode(errors="replace").strip().splitlines()
    if r.returncode not in (0, 1) or not out:
        return None
    return re.split(r"\s+(?:--\s+)?Copyright", out[0])[0].strip()


# ---------------------------------------------------------------------------------------------
# Implementations


class Impl:
    """One way of running a workload: a name, and cmd(workload, arg) -> argv list."""

    def __init__(self, name, cmd, workloads=None):
        self.name = name
        self.cmd = cmd
        self.workloads = workloads  # None: every workload that has a file for it

    def argv(self, w, arg):
        if self.workloads is not None and w not in self.workloads:
            return None
        c = self.cmd(w)
        if c is None:
            return None
        return c + ([arg] if arg is not None else [])


def build_c(env):
    """Compiles bench/c/*.c with each available C compiler; returns the C Impls."""
    compilers = []
    if shutil.which("gcc"):
        compilers += [("C gcc -O2", ["gcc", "-O2"], "gcc-O2"),
                      ("C gcc -O0", ["gcc", "-O0"], "gcc-O0")]
    else:
        env.add_note("gcc not found: no C rows, and ratios are to the first implementation")
    if shutil.which("tcc"):
        compilers.append(("C tcc", ["tcc"], "tcc"))
    else:
        env.add_note("tcc not found: row 'C tcc' skipped (Debian package tcc)")
    impls = []
    for name, cc, tag in compilers:
        outdir = os.path.join(env.work, "c", tag)
        os.makedirs(outdir, exist_ok=True)
        built = {}
        for w in WORKLOADS:
            src = os.path.join(BENCH, "c", w + ".c")
            exe = os.path.join(outdir, w)
            flags = ["-ffp-contract=off"] if cc[0] == "gcc" else []
            r = sh(cc + flags + ["-o", exe, src])
            if r.returncode != 0:
                die(f"{' '.join(cc)} {src} failed:\n{r.stderr.decode(errors='replace')}")
            built[w] = exe
        impls.append(Impl(name, lambda w, b=built: [b[w]] if w in b else None))
    return impls


def lua_impls(env):
    impls = []
    for name, exe, pkg in (("Lua 5.4", "lua5.4", "lua5.4"), ("LuaJIT", "luajit", "luajit")):
        path = shutil.which(exe)
        if path:
            impls.append(Impl(name, lambda w, p=path: [p, os.path.join(BENCH, "lua", w + ".lua")]))
        else:
            env.add_note(f"{exe} not found: row '{name}' skipped (Debian package {pkg})")
    return impls


def python_impl(env):
    if env.python is None:
        env.add_note("python3 not found: row 'Python 3' skipped")
        return []
    return [Impl("Python 3", lambda w: [env.python, os.path.join(BENCH, "python", w + ".py")])]


def cobol_impl(env):
    cobc = shutil.which("cobc")
    if not cobc:
        env.add_note("cobc not found: row 'COBOL (GnuCOBOL -O2)' skipped "
                     "(Debian package gnucobol3)")
        return []
    outdir = os.path.join(env.work, "cobol")
    os.makedirs(outdir, exist_ok=True)
    exe = os.path.join(outdir, "ledger")
    r = sh([cobc, "-x", "-O2", "-o", exe, os.path.join(BENCH, "cobol", "ledger.cob")], cwd=outdir)
    if r.returncode != 0:
        env.add_note("cobc -x -O2 ledger.cob failed, COBOL row skipped: "
                     + last_line(r.stderr + r.stdout))
        return []
    return [Impl("COBOL (GnuCOBOL -O2)", lambda w: [exe], workloads={"ledger"})]


class MiModes:
    """Which ways of running MI programs this mi offers (detected, never assumed)."""

    def __init__(self, env):
        self.env = env
        mi = env.mi
        self.hello = os.path.join(BENCH, "mi", "hello.mi")
        run_help = env.mi_help("run")
        self.has_translate_opt = "--translate" in run_help
        self.interp_ok, why = probe([mi, "run", "--interpret", self.hello])
        if not self.interp_ok:
            die(f"mi cannot run {self.hello} with the interpreter: {why}")
        self.tcc_ok, self.tcc_why = (False, "mi run has no --translate option")
        if self.has_translate_opt:
            self.tcc_ok, self.tcc_why = probe([mi, "run", "--translate", self.hello])
        # Running programs from the object store: mi run --store DB PGM.
        self.store_ok, self.store_why = False, "mi run has no --store option (mi run LIB/PGM)"
        self.db = os.path.join(env.work, "programs.db")
        self.db_opt = os.path.join(env.work, "programs-opt.db")
        if "--store" in run_help:
            ok, why = self.install_all(self.db, [])
            if ok:
                self.store_ok, self.store_why = probe(self.stored("HELLO", []))
            else:
                self.store_why = why
        self.stored_tcc_ok, self.stored_tcc_why = False, "needs the translator and mi run --store"
        self.stored_tcc_cached = False
        if self.store_ok and self.tcc_ok:
            cmd = self.stored("HELLO", ["--translate"])
            probe(cmd)  # the first run may translate and keep the image
            self.stored_tcc_ok, self.stored_tcc_why = probe(cmd)
            shown = sh([mi, "show", "--store", self.db, "MILIB/HELLO"]).stdout
            m = re.search(rb"native\s+(\d+)\s+translation", shown)
            self.stored_tcc_cached = bool(m and int(m.group(1)) > 0)
            if self.stored_tcc_ok and not self.stored_tcc_cached:
                env.add_note("the object store keeps no native translation after "
                             "`mi run --store DB --translate` (mi show: 0 translations), so every "
                             "translated run from the store translates its programs again")
        # The optimising tier: mi install --opt (cc -O2), run from the store.
        self.opt_ok, self.opt_why = False, "mi install has no --opt option"
        if "--opt" in env.mi_help("install"):
            if not self.store_ok:
                self.opt_why = "mi install --opt exists, but programs cannot be run from the store"
            else:
                ok, why = self.install_all(self.db_opt, ["--opt"])
                self.opt_ok, self.opt_why = probe(self.stored("HELLO", self.opt_run_flags(),
                                                              self.db_opt)) if ok else (False, why)
                # mi install --opt keeps the program (with the tcc tier only) when the C
                # compiler fails: then this row would time the tcc tier under another name.
                shown = sh([mi, "show", "--store", self.db_opt, "MILIB/FIB"]).stdout
                if self.opt_ok and b"tier=cc-O2" not in shown:
                    self.opt_ok = False
                    self.opt_why = ("mi install --opt stored no cc -O2 translation (see mi show "
                                    "--store " + self.db_opt + " MILIB/FIB)")

    def opt_run_flags(self):
        return ["--translate"] if self.has_translate_opt else []

    def stored(self, name, flags, db=None):
        return [self.env.mi, "run", "--store", db or self.db, *flags, name]

    def install_all(self, db, flags):
        """Installs every bench/mi program into a fresh store (library MILIB)."""
        for f in (db, db + "-wal", db + "-shm", db + "-journal"):
            if os.path.exists(f):
                os.remove(f)
        for f in sorted(os.listdir(os.path.join(BENCH, "mi"))):
            if not f.endswith(".mi"):
                continue
            r = sh([self.env.mi, "install", *flags, "--store", db, os.path.join(BENCH, "mi", f)])
            if r.returncode != 0:
                return False, f"mi install {' '.join(flags)} {f}: " + last_line(r.stderr + r.stdout)
        return True, ""

    def impls(self):
        mi = self.env.mi
        src = lambda w: os.path.join(BENCH, "mi", w + ".mi")
        stored_name = lambda w: w.upper()
        out = [Impl("MI interpreted", lambda w: [mi, "run", "--interpret", src(w), "--"])]
        if self.stored_tcc_ok and self.stored_tcc_cached:
            out.append(Impl(MI_TCC,
                            lambda w: self.stored(stored_name(w), ["--translate"]) + ["--"]))
        elif self.tcc_ok:
            out.append(Impl(MI_TCC, lambda w: [mi, "run", "--translate", src(w), "--"]))
        else:
            self.env.add_note(f"row '{MI_TCC}' skipped: {self.tcc_why}")
        if self.opt_ok:
            out.append(Impl("MI translated (cc -O2)",
                            lambda w: self.stored(stored_name(w), self.opt_run_flags(),
                                                  self.db_opt) + ["--"]))
        else:
            self.env.add_note(f"row 'MI translated (cc -O2)' skipped: {self.opt_why}")
        # Start-up from the object store is what 'hello' is about.
        if self.store_ok:
            out.append(Impl("MI stored, interpreted",
                            lambda w: self.stored(stored_name(w), ["--interpret"]), {"hello"}))
        else:
            self.env.add_note(f"hello rows from the object store skipped: {self.store_why}")
        if self.stored_tcc_ok:
            out.append(Impl("MI stored, translated (tcc)",
                            lambda w: self.stored(stored_name(w), ["--translate"]), {"hello"}))
        return out

    def describe(self):
        mi = "mi"
        rows = [("MI interpreted", f"{mi} run --interpret bench/mi/W.mi N")]
        if self.stored_tcc_ok and self.stored_tcc_cached:
            rows.append((MI_TCC, f"{mi} install bench/mi/W.mi (into a bench store), then "
                                 f"{mi} run --store DB --translate W N"))
        elif self.tcc_ok:
            rows.append((MI_TCC, f"{mi} run --translate bench/mi/W.mi N (translates at every run)"))
        if self.opt_ok:
            rows.append(("MI translated (cc -O2)",
                         f"{mi} install --opt ..., then {mi} run --store DB "
                         + " ".join(self.opt_run_flags()) + " W N"))
        if self.store_ok:
            rows.append(("MI stored, interpreted", f"{mi} run --store DB --interpret HELLO"))
        if self.stored_tcc_ok:
            rows.append(("MI stored, translated (tcc)", f"{mi} run --store DB --translate HELLO"
                         + ("" if self.stored_tcc_cached else " (translates at every run)")))
        return rows


def probe(cmd, expect=b"Hello, world!\n"):
    r = sh(cmd, timeout=120)
    if r.returncode == 0 and r.stdout == expect:
        return True, ""
    why = last_line(r.stderr) or last_line(r.stdout) or f"exit status {r.returncode}"
    return False, why


# ---------------------------------------------------------------------------------------------
# Checking and timing the workloads


def check_outputs(env, w, arg, impls):
    """Runs each implementation once; returns the list of those that printed the reference
    output, and whether all did. Differences are shown as a unified diff."""
    ref_name, ref_out, ok, good = None, None, True, []
    for im in impls:
        argv = im.argv(w, arg)
        if argv is None:
            continue
        r = sh(argv)
        if r.returncode != 0:
            print(f"FAIL {w}: {im.name} exited with status {r.returncode}: {' '.join(argv)}")
            print("  " + (r.stderr.decode(errors='replace').strip() or "(no message)")[-2000:])
            ok = False
            continue
        if r.stderr.strip():
            env.add_note(f"{w}: {im.name} wrote to standard error: {last_line(r.stderr)}")
        if ref_out is None:
            ref_name, ref_out = im.name, r.stdout
            good.append(im)
            continue
        if r.stdout != ref_out:
            ok = False
            print(f"FAIL {w}: the output of {im.name} differs from {ref_name}'s:")
            a = ref_out.decode(errors="replace").splitlines(keepends=True)
            b = r.stdout.decode(errors="replace").splitlines(keepends=True)
            diff = list(difflib.unified_diff(a, b, ref_name, im.name))
            sys.stdout.writelines(diff[:60])
            if len(diff) > 60:
                print(f"... ({len(diff) - 60} more diff lines)")
            print(f"  command: {' '.join(argv)}")
            continue
        good.append(im)
    return good, ok, (ref_out or b"").decode(errors="replace")


def time_workload(w, arg, impls, rounds, reps):
    samples = {im.name: [] for im in impls}
    for _ in range(rounds):
        for im in impls:  # interleaved: A B C ... A B C ...
            wall, cpu, st = run_timed(im.argv(w, arg), reps)
            if any(s != 0 for s in st):
                raise RuntimeError(f"{im.name} failed while being timed on {w}")
            samples[im.name].append((wall, cpu))
    return {k: Stat(v) for k, v in samples.items()}


# ---------------------------------------------------------------------------------------------
# install: assemble + verify (+ translate) + store of generated programs


def gen_program(k):
    """MI text of a generated program of exactly k instructions (k >= 20): blocks of ten
    instructions on k/40 sets of variables (BIN(4), PKD(15,2), FLT(8), CHAR(16)), each block
    ending in a forward compare-and-branch; values stay bounded; it prints two checksums."""
    nv = max(8, k // 40)
    out = [f"; generated by bench/runner.py: {k} instructions, {4 * nv + 3} objects"]
    for v in range(nv):
        out.append(f"DCL i{v} BIN(4) INIT({v})")
        out.append(f"DCL p{v} PKD(15,2)")
        out.append(f"DCL f{v} FLT(8)")
        out.append(f"DCL c{v} CHAR(16)")
    out += ["DCL acc BIN(8)", "DCL pacc PKD(21,2)", "DCL txt CHAR(24)"]
    epilogue = ["CVTNC   txt, acc", "SVC     2, txt", "CVTNC   txt, pacc", "SVC     2, txt"]
    blocks = (k - len(epilogue)) // 10
    pad = k - len(epilogue) - 10 * blocks
    for j in range(blocks):
        a, b = j % nv, (7 * j + 3) % nv
        nxt = f"L{j + 1}" if j + 1 < blocks else "LEND"
        out += [
            f"L{j}: ADDN i{a}, i{b}, {j % 97}",
            f"        REMN    i{a}, i{a}, 10007",
            f"        MULN.R  p{a}, i{a}, 0.37",
            f"        ADDN    p{a}, p{a}, {j % 50}.25",
            f"        CMPN.HI i{a}, i{b}, {nxt}",
            f"        CPYNV   f{a}, p{a}",
            f"        MULN    f{a}, f{a}, 0.5E0",
            f"        EDIT    c{a}, p{a}, 'ZZZ,ZZZ,ZZ9.99-'",
            f"        ADDN    pacc, pacc, p{a}",
            f"        ADDN    acc, acc, i{a}",
        ]
    first = True
    for _ in range(pad):
        out.append(("LEND: " if first else "        ") + "ADDN acc, acc, 1")
        first = False
    out.append(("LEND: " if first else "        ") + epilogue[0])
    out += ["        " + e for e in epilogue[1:]]
    return "\n".join(out) + "\n"


def emit_c(env, src, out):
    """Writes the C unit the translator generates for src (the prelude and the program, as the
    optimising tier compiles it) to out; returns a description of how, or None if this mi
    offers no way. MI_EMIT_C='CMD ... {}' (printing the C for file {}) overrides. Otherwise
    `mi install --opt` runs with MI_CC set to a stand-in compiler that keeps a copy of its C
    input and fails (so mi installs the program without that tier)."""
    mi = env.mi
    if os.environ.get("MI_EMIT_C"):
        r = sh([src if a == "{}" else a for a in os.environ["MI_EMIT_C"].split()])
        if r.returncode == 0 and r.stdout:
            with open(out, "wb") as fh:
                fh.write(r.stdout)
            return "MI_EMIT_C"
        return None
    if "--opt" not in env.mi_help("install"):
        return None
    wrapper = os.path.join(env.work, "install", "keep-c.sh")
    with open(wrapper, "w") as fh:
        fh.write('#!/bin/sh\n# stand-in for cc: keep the C unit, compile nothing\n'
                 'for a; do case $a in *.c) cp "$a" "$MI_BENCH_C_OUT" ;; esac; done\nexit 1\n')
    os.chmod(wrapper, 0o755)
    db = os.path.join(env.work, "install", "emit.db")
    for x in (db, db + "-wal", db + "-shm", db + "-journal", out):
        if os.path.exists(x):
            os.remove(x)
    envv = dict(os.environ, MI_CC=wrapper, MI_BENCH_C_OUT=out)
    try:
        subprocess.run([mi, "install", "--opt", "--store", db, src],
                       capture_output=True, env=envv, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if os.path.exists(out) and os.path.getsize(out) > 0:
        return "mi install --opt with MI_CC set to a stand-in that keeps the C"
    return None


# The options the optimising tier gives cc (runtime/cli/tr_cache.c), without the link step.
CC_FLAGS = ["-fPIC", "-nostdlib", "-nostdinc", "-ffreestanding", "-ffp-contract=off",
            "-fno-strict-aliasing", "-fwrapv", "-fno-stack-protector", "-w", "-c"]


def bench_install(env, modes, sizes, rounds):
    """Returns (rows, notes): rows[name][size] = Stat."""
    gdir = os.path.join(env.work, "install")
    os.makedirs(gdir, exist_ok=True)
    files, ok = {}, True
    for k in sizes:
        f = os.path.join(gdir, f"GEN{k // 1000}K.mi")
        with open(f, "w") as fh:
            fh.write(gen_program(k))
        files[k] = f
    mi = env.mi
    db = os.path.join(gdir, "install.db")
    for x in (db, db + "-wal", db + "-shm", db + "-journal"):
        if os.path.exists(x):
            os.remove(x)
    install_help = env.mi_help("install")
    cmds = {"mi asm (assemble + verify)": lambda k: [mi, "asm", files[k], "-o", files[k] + "t"]}
    if "--no-translate" in install_help:
        # mi install translates (tcc tier) as it stores; --no-translate only stores.
        cmds["mi install --no-translate (asm + verify + store)"] = \
            lambda k: [mi, "install", "--no-translate", "--replace", "--store", db, files[k]]
        cmds[INSTALL_TCC] = lambda k: [mi, "install", "--replace", "--store", db, files[k]]
    else:
        cmds["mi install (asm + verify + store)"] = \
            lambda k: [mi, "install", "--replace", "--store", db, files[k]]
    if modes.tcc_ok:
        cmds["mi run --translate (asm + verify + tcc + run)"] = \
            lambda k: [mi, "run", "--translate", files[k]]
    else:
        env.add_note(f"install: translation rows skipped: {modes.tcc_why}")
    if "--opt" in install_help:
        cmds["mi install --opt (+ tcc + cc -O2 + store)"] = \
            lambda k: [mi, "install", "--opt", "--replace", "--store", db, files[k]]
    # Correctness of the generated programs: the interpreter (and translator) agree.
    for k in sizes:
        r = sh([mi, "run", "--interpret", files[k]])
        if r.returncode != 0:
            print(f"FAIL install: generated program of {k} instructions does not run: "
                  + last_line(r.stderr))
            ok = False
            continue
        if modes.tcc_ok:
            t = sh([mi, "run", "--translate", files[k]])
            if t.stdout != r.stdout or t.returncode != 0:
                print("FAIL install: translated and interpreted "
                      f"{os.path.basename(files[k])} differ")
                ok = False
    how = None
    for k in sizes[:1] if env.args.quick else sizes:
        how = emit_c(env, files[k], files[k][:-3] + ".c")
        if how is None:
            break
    if how is None:
        env.add_note("install: gcc -O0/-O2 and tcc compiling the translator's C skipped: this mi "
                     "offers no way to get the generated C (mi install --opt, or "
                     "MI_EMIT_C='CMD {}')")
    else:
        for name, cc in (("tcc -c (translator's C)", ["tcc"]),
                         ("gcc -O0 -c (translator's C)", ["gcc", "-O0"]),
                         ("gcc -O2 -c (translator's C)", ["gcc", "-O2"])):
            if shutil.which(cc[0]):
                flags = ["-nostdlib", "-nostdinc", "-c"] if cc[0] == "tcc" else CC_FLAGS
                cmds[name] = lambda k, cc=cc, flags=flags: cc + flags + [
                    "-o", files[k][:-3] + ".o", files[k][:-3] + ".c"]
    # Prime the store so that every timed install replaces.
    for k in sizes:
        sh([mi, "install", "--replace", "--store", db, files[k]])
    # Each step's time at the next size is projected linearly from the size before: beyond
    # SLOW seconds it is timed once, beyond TOO_SLOW not at all (gcc -O2 on the C of 100k
    # generated instructions takes many minutes); a note says so.
    slow, too_slow = (2.0, 2.0) if env.args.quick else (5.0, 120.0)
    rows = {name: {} for name in cmds}
    for k in sizes:
        active = {}
        for name in cmds:
            if env.args.quick and k != sizes[0] and ("--opt" in name or "(translator's C)" in name):
                continue  # C compilers on big units: not for CI
            prev = [(j, rows[name][j]) for j in sizes if j < k and j in rows[name]]
            proj = prev[-1][1].median("wall") * k / prev[-1][0] if prev else 0.0
            if proj > too_slow:
                env.add_note(f"install: '{name}' not timed at {k:,} instructions: it took "
                             f"{fmt_time(prev[-1][1].median('wall'))} at {prev[-1][0]:,}")
                continue
            active[name] = 1 if proj > slow else rounds
        samples = {name: [] for name in active}
        for r in range(rounds):
            for name, n in active.items():
                if r >= n:
                    continue
                c = cmds[name]
                wall, cpu, st = run_timed(c(k), 1)
                if any(x != 0 for x in st):
                    print(f"FAIL install: {name} failed on {k} instructions: {' '.join(c(k))}")
                    ok = False
                samples[name].append((wall, cpu))
        for name in active:
            rows[name][k] = Stat(samples[name])
    return rows, ok


# ---------------------------------------------------------------------------------------------
# store: mi run latency with many objects in the store


def populate_store(env, size):
    """A store with HELLO in MILIB and `size` other programs (in libraries of 100 restored from
    one save file, or installed one by one below 100). Cached in the work directory."""
    mi = env.mi
    sdir = os.path.join(env.work, "store")
    os.makedirs(sdir, exist_ok=True)
    db = os.path.join(sdir, f"store-{size}.db")
    hello = os.path.join(BENCH, "mi", "hello.mi")
    if os.path.exists(db):
        r = sh([mi, "run", "--store", db, "HELLO"])
        if r.returncode == 0 and r.stdout == b"Hello, world!\n":
            return db
        os.remove(db)
    tmp = db + ".tmp"
    for x in (tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"):
        if os.path.exists(x):
            os.remove(x)

    def must(cmd):
        r = sh(cmd)
        if r.returncode != 0:
            raise RuntimeError(" ".join(cmd) + ": " + last_line(r.stderr + r.stdout))

    print(f"  populating a store with {size} programs ...", flush=True)
    must([mi, "install", "--store", tmp, hello])
    # The other programs are only there to be many: no need to translate them.
    quiet = ["--no-translate"] if "--no-translate" in env.mi_help("install") else []
    if size < 100:
        for i in range(size):
            p = os.path.join(sdir, f"P{i:04d}.mi")
            with open(p, "w") as fh:
                fh.write(f"        SVC 2, 'program {i}'\n")
            must([mi, "install", *quiet, "--store", tmp, "--lib", "MILIB", p])
    else:
        sav = os.path.join(sdir, "base100.sav")
        if not os.path.exists(sav):
            base = os.path.join(sdir, "base.db")
            if os.path.exists(base):
                os.remove(base)
            must([mi, "crtlib", "--store", base, "BASE"])
            for i in range(100):
                p = os.path.join(sdir, f"P{i:04d}.mi")
                with open(p, "w") as fh:
                    fh.write(f"        SVC 2, 'program {i}'\n")
                must([mi, "install", *quiet, "--store", base, "--lib", "BASE", p])
            for x in (sav, sav + ".sha256"):
                if os.path.exists(x):
                    os.remove(x)
            must([mi, "save", "--store", base, "BASE", "-o", sav])
        for lib in range(size // 100):
            must([mi, "restore", "--store", tmp, "--lib", f"L{lib:05d}", sav])
    os.rename(tmp, db)
    return db


def bench_store(env, modes, sizes, rounds, reps):
    if not modes.store_ok:
        env.add_note(f"store: skipped: {modes.store_why}")
        return None, True
    rows = {"mi run --store DB HELLO (interpreted)": []}
    if modes.stored_tcc_ok:
        rows["mi run --store DB --translate HELLO"] = []
    dbs = {}
    try:
        for s in sizes:
            dbs[s] = populate_store(env, s)
    except RuntimeError as e:
        print(f"FAIL store: populating the store failed: {e}")
        return None, False
    cmds = {"mi run --store DB HELLO (interpreted)": lambda db: [env.mi, "run", "--store", db,
                                                                   "--interpret", "HELLO"]}
    if modes.stored_tcc_ok:
        cmds["mi run --store DB --translate HELLO"] = lambda db: [env.mi, "run", "--store", db,
                                                                   "--translate", "HELLO"]
        for db in dbs.values():
            sh(cmds["mi run --store DB --translate HELLO"](db))  # keep the translation
    out, ok = {n: {} for n in cmds}, True
    for s in sizes:
        samples = {n: [] for n in cmds}
        for _ in range(rounds):
            for n, c in cmds.items():
                wall, cpu, st = run_timed(c(dbs[s]), reps)
                if any(x != 0 for x in st):
                    print(f"FAIL store: {' '.join(c(dbs[s]))} failed")
                    ok = False
                samples[n].append((wall, cpu))
        for n in cmds:
            out[n][s] = Stat(samples[n])
    return out, ok


# ---------------------------------------------------------------------------------------------
# Reporting


def machine_info():
    model, cores = "unknown CPU", 0
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("processor"):
                    cores += 1
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            mem = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    u = platform.uname()
    return f"{model}, {cores} logical CPUs{mem}; {u.system} {u.release} {u.machine}"


def loadavg():
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "?"


def git_commit():
    r = sh(["git", "-C", TOP, "rev-parse", "--short=12", "HEAD"])
    if r.returncode != 0:
        return "unknown"
    c = r.stdout.decode().strip()
    d = sh(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no"])
    return c + (" (with uncommitted changes)" if d.stdout.strip() else "")


class Report:
    def __init__(self, metric):
        self.metric = metric
        self.text = []  # plain lines for the terminal
        self.md = []  # markdown


def workload_table(rep, w, arg, stats, order):
    m = rep.metric
    ref = stats.get(REF)
    tr = stats.get(MI_TCC)
    ref_v = ref.median(m) if ref else None
    tr_v = tr.median(m) if tr else None
    title = f"{w}" + (f" (n = {arg})" if arg else " (per run)")
    hdr = ["implementation", "wall", "CPU", "spread", "x gcc -O2", "x MI tcc"]
    rows = []
    for name in order:
        if name not in stats:
            continue
        s = stats[name]
        v = s.median(m)
        rows.append([name, fmt_time(s.median("wall")), fmt_time(s.median("cpu")),
                     f"{s.spread(m) * 100:.0f}%",
                     fmt_ratio(v / ref_v) if ref_v else "-",
                     fmt_ratio(v / tr_v) if tr_v else "-"])
    widths = [max(len(r[i]) for r in rows + [hdr]) for i in range(len(hdr))]
    rep.text.append("")
    rep.text.append(title)
    rep.text.append("  " + "  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                                     for i, h in enumerate(hdr)))
    for r in rows:
        rep.text.append("  " + "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                         for i, c in enumerate(r)))
    rep.md.append("")
    rep.md.append(f"### {title}")
    rep.md.append("")
    rep.md.append("| " + " | ".join(hdr) + " |")
    rep.md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
    for r in rows:
        rep.md.append("| " + " | ".join(r) + " |")


def summary_table(rep, results, order):
    """Ratios to gcc -O2 per workload, and the geometric mean over the core workloads."""
    m = rep.metric
    ws = [w for w in results if w != "hello"]
    hdr = ["implementation"] + ws + ["geomean " + "/".join(CORE)]
    rows = []
    for name in order:
        cells, core = [name], []
        present = False
        for w in ws:
            st = results[w]
            if name in st and REF in st:
                r = st[name].median(m) / st[REF].median(m)
                cells.append(fmt_ratio(r))
                present = True
                if w in CORE:
                    core.append(r)
            else:
                cells.append("-")
        g = geomean(core) if len(core) == len(CORE) else None
        cells.append(fmt_ratio(g))
        if present:
            rows.append(cells)
    if not rows:
        return
    widths = [max(len(r[i]) for r in rows + [hdr]) for i in range(len(hdr))]
    rep.text.append("")
    rep.text.append(f"Ratios to C gcc -O2 ({m} time; lower is better)")
    rep.text.append("  " + "  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                                     for i, h in enumerate(hdr)))
    for r in rows:
        rep.text.append("  " + "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                         for i, c in enumerate(r)))
    rep.md.append("")
    rep.md.append(f"### Ratios to C gcc -O2 ({m} time; lower is better)")
    rep.md.append("")
    rep.md.append("| " + " | ".join(hdr) + " |")
    rep.md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
    for r in rows:
        rep.md.append("| " + " | ".join(r) + " |")


def short(n):
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def scale_table(rep, title, rows, sizes, unit):
    """rows[name][size] = Stat: medians per size and the growth factor between sizes."""
    m = rep.metric
    hdr = ["step"] + [f"{s:,} {unit}" for s in sizes] + \
          [f"{short(sizes[i])} -> {short(sizes[i + 1])}" for i in range(len(sizes) - 1)]
    body = []
    for name, per in rows.items():
        cells = [name] + [fmt_time(per[s].median(m)) if s in per else "-" for s in sizes]
        for i in range(len(sizes) - 1):
            a, b = per.get(sizes[i]), per.get(sizes[i + 1])
            cells.append(fmt_ratio(b.median(m) / a.median(m)) if a and b and a.median(m) > 0
                         else "-")
        body.append(cells)
    widths = [max(len(r[i]) for r in body + [hdr]) for i in range(len(hdr))]
    rep.text.append("")
    rep.text.append(f"{title} ({m} time, median; growth = time at the larger size / smaller)")
    rep.text.append("  " + "  ".join(h.ljust(widths[0]) if i == 0 else h.rjust(widths[i])
                                     for i, h in enumerate(hdr)))
    for r in body:
        rep.text.append("  " + "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i])
                                         for i, c in enumerate(r)))
    rep.md.append("")
    rep.md.append(f"### {title} ({m} time, median; growth = time at the larger size / smaller)")
    rep.md.append("")
    rep.md.append("| " + " | ".join(hdr) + " |")
    rep.md.append("|" + "|".join(["---"] + ["---:"] * (len(hdr) - 1)) + "|")
    for r in body:
        rep.md.append("| " + " | ".join(r) + " |")


def targets(rep, results, install_rows, store_rows):
    """The targets of issues 4 and 5, where this run measured what they need (issue 4's
    are the tcc tier vs the same C through tcc, the cc -O2 tier vs gcc -O2, translated vs
    interpreted, install of 10k instructions and warm hello; the rest are issue 5's)."""
    m = rep.metric
    lines = []

    def med(w, name, metric=m):
        st = results.get(w, {})
        return st[name].median(metric) if name in st else None

    def verdict(ok):
        return "met" if ok else "MISSED"

    tr = [med(w, MI_TCC) for w in CORE]
    c2 = [med(w, REF) for w in CORE]
    tc = [med(w, "C tcc") for w in CORE]
    if all(tr) and all(c2):
        g = geomean([a / b for a, b in zip(tr, c2)])
        lines.append(f"translated (tcc) geomean vs gcc -O2 over {'/'.join(CORE)}: "
                     f"{fmt_ratio(g)} (target <= 2.0x): {verdict(g <= 2.0)}")
        if all(tc):
            g2 = geomean([a / b for a, b in zip(tr, tc)])
            lines.append(f"translated (tcc) geomean vs the same C through tcc: {fmt_ratio(g2)} "
                         f"(target <= 1.2x): {verdict(g2 <= 1.2)}")
        it = [med(w, "MI interpreted") for w in CORE]
        if all(it):
            g3 = geomean([a / b for a, b in zip(it, tr)])
            lines.append(f"issue 4: interpreter / translated (tcc) geomean: {fmt_ratio(g3)} "
                         f"(translated at least 20x faster): {verdict(g3 >= 20)}")
    else:
        lines.append("translated (tcc) vs gcc -O2: not measured (no translated row)")
    op = [med(w, "MI translated (cc -O2)") for w in CORE]
    if all(op) and all(c2):
        g = geomean([a / b for a, b in zip(op, c2)])
        lines.append(f"translated (cc -O2) geomean vs gcc -O2: {fmt_ratio(g)} (target <= 1.3x): "
                     f"{verdict(g <= 1.3)}")
    for w in ("fib", "sieve", "mandel"):
        a, b = med(w, "MI interpreted"), med(w, "Lua 5.4")
        if a and b:
            lines.append(f"interpreter vs Lua 5.4 on {w}: {fmt_ratio(a / b)} (target <= 1x): "
                         f"{verdict(a <= b)}")
    lc, lt, lco = med("ledger", REF), med("ledger", MI_TCC), med("ledger", "COBOL (GnuCOBOL -O2)")
    li = med("ledger", "MI interpreted")
    if lc and lt:
        lines.append(f"ledger, MI translated vs C gcc -O2: {fmt_ratio(lt / lc)} (target <= 5x): "
                     f"{verdict(lt / lc <= 5)}")
    if lco and lt:
        lines.append(f"ledger, GnuCOBOL / MI translated: {fmt_ratio(lco / lt)} (target >= 20x): "
                     f"{verdict(lco / lt >= 20)}")
    if lco and li:
        lines.append(f"ledger, GnuCOBOL / MI interpreted: {fmt_ratio(lco / li)} (for reference)")
    if lc and lco:
        lines.append(f"ledger, GnuCOBOL vs C gcc -O2: {fmt_ratio(lco / lc)}; Python decimal vs C: "
                     + (fmt_ratio(med('ledger', 'Python 3') / lc) if med('ledger', 'Python 3')
                        else "-"))
    hs = [n for n in ("MI stored, translated (tcc)", "MI stored, interpreted", "MI interpreted")
          if med("hello", n, "wall")]
    lua = med("hello", "Lua 5.4", "wall")
    for n in hs:
        h = med("hello", n, "wall")
        s = f"hello, {n}: {fmt_time(h)} wall (target <= 3 ms): {verdict(h <= 0.003)}"
        if lua:
            s += f"; vs lua5.4 hello.lua {fmt_time(lua)}: {fmt_ratio(h / lua)} (target <= 2x): " \
                 f"{verdict(h <= 2 * lua)}"
        lines.append(s)
    if install_rows:
        for name, per in install_rows.items():
            if name.startswith("mi install") and "--opt" not in name and 10000 in per:
                t = per[10000].median("wall")
                lines.append(f"install of 10k instructions ({name}): {fmt_time(t)} wall "
                             f"(target <= 50 ms): {verdict(t <= 0.05)}")
    if store_rows:
        for name, per in store_rows.items():
            if 10 in per and 100000 in per:
                r = per[100000].median("wall") / per[10].median("wall")
                lines.append(f"store, {name}: 100k objects / 10 objects = {fmt_ratio(r)} "
                             f"(target <= 1.2x): {verdict(r <= 1.2)}")
    rep.text.append("")
    rep.text.append("Targets of issues 4 and 5 (informational; never fails the run)")
    rep.text += ["  " + x for x in lines]
    rep.md.append("")
    rep.md.append("### Targets of issues 4 and 5")
    rep.md.append("")
    rep.md += ["- " + x for x in lines]


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, one round: for CI (checks outputs; asserts no timing)")
    ap.add_argument("--rounds", type=int,
                    help="timed rounds per implementation (default 5; quick 1; 0: only check "
                         "outputs)")
    ap.add_argument("--only", help="comma-separated workloads: " + ",".join(WORKLOADS)
                    + ",install,store")
    ap.add_argument("--metric", choices=["cpu", "wall"], default="cpu",
                    help="time the ratios use: cpu (user+system of the process, default) or wall")
    ap.add_argument("--mi", help="the mi binary to use (default: $MI, else build it)")
    ap.add_argument("--build-dir", default=os.path.join(TOP, "build-bench"),
                    help="where mi is built and the benchmark's files go (default build-bench)")
    ap.add_argument("--results", help="Markdown file for the results (default bench/RESULTS.md; "
                                      "with --quick: none)")
    ap.add_argument("--no-install", action="store_true",
                    help="never install missing peers (handled by bench/run)")
    args = ap.parse_args()
    mode = "quick" if args.quick else "full"
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 5)
    if rounds < 0:
        die("--rounds must be 0 (check outputs only) or more")
    only = set(args.only.split(",")) if args.only else None
    if only:
        unknown = only - set(WORKLOADS) - {"install", "store"}
        if unknown:
            die("unknown workload(s): " + ", ".join(sorted(unknown)))
    results_path = args.results or (None if args.quick else os.path.join(BENCH, "RESULTS.md"))

    started = datetime.datetime.now(datetime.timezone.utc)
    load0 = loadavg()
    env = Env(args)
    env.build_mi()
    env.find_python()
    print(f"mi: {env.mi}", flush=True)

    impls = build_c(env)
    impls += lua_impls(env) + python_impl(env) + cobol_impl(env)
    modes = MiModes(env)
    impls += modes.impls()
    order = [im.name for im in impls]

    all_ok = True
    results = {}
    outputs = {}
    for w, (full_arg, quick_arg, reps_full, reps_quick) in WORKLOADS.items():
        if only and w not in only:
            continue
        arg = quick_arg if args.quick else full_arg
        reps = reps_quick if args.quick else reps_full
        print(f"\n== {w}" + (f" {arg}" if arg else "") + ": checking outputs", flush=True)
        good, ok, ref_out = check_outputs(env, w, arg, impls)
        all_ok &= ok
        outputs[w] = ref_out
        names = [im.name for im in good]
        print(f"   {len(good)} implementations agree: {', '.join(names)}", flush=True)
        if rounds == 0:
            continue
        print(f"   timing {rounds} round(s) x {reps} run(s) ...", flush=True)
        try:
            results[w] = time_workload(w, arg, good, rounds, reps)
        except RuntimeError as e:
            print(f"FAIL {w}: {e}")
            all_ok = False

    install_rows = store_rows = None
    if not only or "install" in only:
        print("\n== install: generated programs of " +
              ", ".join(f"{k:,}" for k in INSTALL_SIZES[mode]) + " instructions", flush=True)
        install_rows, ok = bench_install(env, modes, INSTALL_SIZES[mode], rounds)
        all_ok &= ok
    if not only or "store" in only:
        print("\n== store: mi run latency with " +
              ", ".join(f"{k:,}" for k in STORE_SIZES[mode]) + " objects", flush=True)
        store_rows, ok = bench_store(env, modes, STORE_SIZES[mode], rounds,
                                     3 if args.quick else 10)
        all_ok &= ok

    rep = Report(args.metric)
    for w in results:
        workload_table(rep, w, WORKLOADS[w][1 if args.quick else 0], results[w], order)
    summary_table(rep, results, order)
    if install_rows:
        scale_table(rep, "install: generated programs", install_rows, INSTALL_SIZES[mode],
                    "instr.")
    if store_rows:
        scale_table(rep, "store: mi run HELLO (per run)", store_rows, STORE_SIZES[mode],
                    "objects")
    if args.quick:
        rep.text += ["", "Targets of issues 4 and 5: not evaluated with --quick (sizes too small)"]
    else:
        targets(rep, results, install_rows, store_rows)
    print("\n".join(rep.text))
    if env.notes:
        print("\nNotes:")
        for n in env.notes:
            print("  - " + n)

    if results_path:
        cmd = "bench/run " + " ".join(sys.argv[1:])
        versions = []
        for label, c in (("gcc", ["gcc", "--version"]), ("tcc", ["tcc", "-v"]),
                         ("Lua", ["lua5.4", "-v"]), ("LuaJIT", ["luajit", "-v"]),
                         ("Python", [env.python or "python3", "--version"]),
                         ("GnuCOBOL", ["cobc", "--version"])):
            v = tool_version(c) if shutil.which(c[0]) else None
            if v:
                versions.append(f"{label}: {v}")
        md = ["# MI benchmark results", "",
              "Written by `bench/run` (see [README.md](README.md) for what each workload does and "
              "how the ratios are computed). Do not edit by hand: run it again.", "",
              f"- Command: `{cmd.strip()}` ({rounds} rounds, interleaved; "
              f"ratios use {args.metric} time)",
              f"- Date: {started.strftime('%Y-%m-%d %H:%M UTC')}",
              f"- Commit: {git_commit()}",
              f"- Machine: {machine_info()}",
              f"- Load average at start / end: {load0} / {loadavg()}",
              f"- mi: {env.mi} (" + ", ".join(f"{a}: {b}" for a, b in modes.describe()) + ")",
              "- Peers: " + "; ".join(versions), ""]
        md += ["Wall is elapsed time; CPU is user + system time of the process (from wait4); "
               "spread is (max - min) / median over the rounds; each ratio divides the "
               f"median {args.metric} time of a row by that of C gcc -O2 or of MI translated "
               "(tcc) for the same workload."]
        md += rep.md
        if env.notes:
            md += ["", "### Notes", ""] + ["- " + n for n in env.notes]
        with open(results_path, "w") as fh:
            fh.write("\n".join(md) + "\n")
        print(f"\nwrote {os.path.relpath(results_path, os.getcwd())}")

    if not all_ok:
        print("\nbench/run: FAILED: some implementation's output differed or it failed (above)")
        return 1
    print("\nbench/run: all outputs agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
