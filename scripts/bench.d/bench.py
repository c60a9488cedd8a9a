#!/usr/bin/python3
"""Measurements behind scripts/bench (run that, not this: it installs the
tools, builds layerfs and the layer zips first).

  bench.py --layers DIR --out DIR [--runs N] [--layerfs PATH]
           [--layerfs-arg ARG ...] [--only remote]

Contenders, side by side in each run: unzip -o of L1..L5 onto disk and into
a tmpfs, fuse-zip (one mount per layer) under a read-only overlayfs, and
layerfs.  Every figure is the median of the runs.  "Cold" means a fresh
mount for the FUSE contenders and the kernel's caches dropped for everyone;
"warm" is the same command again right after.  Prints a markdown table and
writes OUT/bench.md, OUT/bench.tsv and OUT/bench.svg (gnuplot).  Asserts
nothing; a contender that fails is reported with its command and error.
--only remote measures the remote group alone (unzip on disk and layerfs
against nginx).  Stdlib only; needs root.
"""

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import stat
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

LAYERS = ["L1", "L2", "L3", "L4", "L5"]
# The heavy ML layer, mounted on its own: numba, llvmlite and numpy, with
# libLLVM (about 105 MiB, one deflated entry) in lib/.
HEAVY = "H"
HEAVY_CMD = ["/usr/bin/python3", "-S", "-c",
             "import numba; assert numba.njit(lambda x: x + 1)(1) == 2"]
SITE = "python/lib/python3.11/site-packages"
PY = "/usr/bin/python3"

CMD_TIMEOUT = 120
RANDOM_READS = 5000
BIG_MIB = 120  # the size of big.zip's one entry
LINK_RATE = "100m"  # nginx limit_rate: bytes/s per response, a 100 MB/s link
FLEET = 8  # mounts of one remote layer sharing one --cache-dir
FLEET_LAYER = "L1"
RANDOM_MAX_SECONDS = 10
SEQ_MAX_SECONDS = 20

# (key, label, unit, better): "low" for times and costs, "high" for rates.
FIGURES = [
    ("ready", "ready (mount or extract)", "s", "low"),
    ("find", "`find` walk, cold", "s", "low"),
    ("readall_one", "read every file, cold, one reader", "s", "low"),
    ("readall_cold", "read every file, cold", "s", "low"),
    ("readall_warm", "read every file, warm", "s", "low"),
    ("boto3_cold", "`import boto3` + client, cold", "s", "low"),
    ("boto3_warm", "`import boto3` + client, warm", "s", "low"),
    ("numpy_cold", "`import numpy`, cold", "s", "low"),
    ("numpy_warm", "`import numpy`, warm", "s", "low"),
    ("pandas_cold", "`import pandas`, cold", "s", "low"),
    ("pandas_warm", "`import pandas`, warm", "s", "low"),
    ("node_cold", "Node `require` S3 SDK, cold", "s", "low"),
    ("node_warm", "Node `require` S3 SDK, warm", "s", "low"),
    ("jq_cold", "exec `bin/jq --version`, cold", "s", "low"),
    ("jq_warm", "exec `bin/jq --version`, warm", "s", "low"),
    ("heavy_cold", "ML layer: `import numba` + JIT, cold", "s", "low"),
    ("heavy_warm", "ML layer: `import numba` + JIT, warm", "s", "low"),
    ("heavy_amp", "ML layer: bytes decompressed ÷ bytes served (READ replies + pushes), cold", "×", "low"),
    ("big_seq", "120 MiB entry: open + first sequential read", "MiB/s", "high"),
    ("big_rand", "120 MiB entry: open + 4 KiB random preads", "reads/s", "high"),
    ("big_unzip", "120 MiB entry: `unzip -p` of it, the zlib baseline", "MiB/s", "high"),
    ("remote_ready", "remote stack over HTTP: ready (download + extract, or mount)", "s", "low"),
    ("remote_boto3", "remote stack over HTTP: `import boto3` + client, cold", "s", "low"),
    ("remote_requests", "remote stack over HTTP: requests, ready + import", "", "low"),
    ("remote_mib", "remote stack over HTTP: MiB fetched, ready + import", "MiB", "low"),
    ("remote_amp", "remote stack over HTTP: bytes fetched ÷ bytes of the entries opened, "
     "cold import", "×", "low"),
    ("fleet_requests", f"remote {FLEET_LAYER}, {FLEET} mounts sharing one cache dir, "
     "each reading it all: requests", "", "low"),
    ("fleet_ratio", f"remote {FLEET_LAYER}, {FLEET} mounts sharing one cache dir: "
     "bytes fetched ÷ layer size", "×", "low"),
    ("fleet_twice", f"remote {FLEET_LAYER}, {FLEET} mounts sharing one cache dir: "
     "block bytes fetched more than once", "MiB", "low"),
    ("offline_ready", f"remote {FLEET_LAYER}, remount from the complete cache, "
     "server stopped: ready", "s", "low"),
    ("offline_requests", f"remote {FLEET_LAYER}, remount from the complete cache, "
     "server up: requests, ready + read all", "", "low"),
    ("rss", "daemon peak RSS, layer stack (all daemons)", "MiB", "low"),
    ("rss_heavy", "daemon peak RSS, ML layer", "MiB", "low"),
    ("rss_big", "daemon peak RSS, 120 MiB entry", "MiB", "low"),
    ("disk", "extra storage", "MiB", "low"),
]
SHORT = {  # chart labels
    "ready": "ready", "find": "find cold", "readall_one": "read all 1 reader",
    "readall_cold": "read all cold",
    "readall_warm": "read all warm", "boto3_cold": "boto3 cold",
    "boto3_warm": "boto3 warm", "numpy_cold": "numpy cold",
    "numpy_warm": "numpy warm", "pandas_cold": "pandas cold",
    "pandas_warm": "pandas warm", "node_cold": "node cold",
    "node_warm": "node warm", "jq_cold": "jq cold", "jq_warm": "jq warm",
    "heavy_cold": "ML import cold", "heavy_warm": "ML import warm",
    "big_seq": "big seq read", "big_rand": "big rand reads", "rss": "RSS",
    "rss_heavy": "RSS ML", "rss_big": "RSS big",
}


class Failed(Exception):
    """A command a contender needs did not work; carries what to report."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, *, cwd=None, env=None, timeout=CMD_TIMEOUT, shell=False, check=True):
    """Runs cmd in its own process group, returns (seconds, stdout).  Output
    goes to files, not pipes, so a daemon that keeps them open cannot block
    us.  Raises Failed on error or timeout (after killing the group)."""
    shown = cmd if shell else " ".join(cmd)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(cmd, cwd=cwd, env=env, shell=shell, stdout=out,
                                 stderr=err, stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        except OSError as e:
            raise Failed(f"`{shown}`: {e}")
        # p.wait(timeout=...) polls with sleeps of up to 50 ms, which would
        # round every figure up to the next 50 ms: wait blocking instead,
        # with a timer that kills the group on timeout.
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            os.killpg(p.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            rc = p.wait()
        except BaseException:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            raise
        finally:
            timer.cancel()
        dt = time.perf_counter() - t0
        if timed_out.is_set():
            raise Failed(f"`{shown}` timed out after {timeout} s")
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    if check and rc != 0:
        raise Failed(f"`{shown}` exited {rc}: {(stderr or stdout).strip()[-600:]}")
    return dt, stdout


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def force_unmount(path):
    for cmd in (["umount", path], ["umount", "-l", path],
                ["fusermount3", "-uz", path]):
        if not is_mounted(path):
            return
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        pids = [p for p in pids if alive(p)]
        if not pids:
            return True
        time.sleep(0.02)
    return False


def procs_with_exe(exe):
    exe = os.path.realpath(exe)
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            e = os.readlink(f"/proc/{pid}/exe").removesuffix(" (deleted)")
            if e == exe:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    out[int(pid)] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    return out


def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def du_mib(path):
    _, out = run(["du", "-sk", path])
    return int(out.split()[0]) / 1024


class RemoteServer:
    """nginx on loopback serving the layer zips, every response sent at
    LINK_RATE (a 100 MB/s link), with a log of status, bytes sent and Range
    from which the bench counts requests and bytes."""

    def __init__(self, work, root):
        self.dir = os.path.join(work, "nginx")
        os.makedirs(self.dir)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log_path = os.path.join(self.dir, "access.log")
        self.conf = conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 256; }}
http {{
  log_format counts '$status $bytes_sent "$http_range"';
  access_log {self.log_path} counts;
  server {{
    listen 127.0.0.1:{self.port};
    root {os.path.abspath(root)};
    limit_rate {LINK_RATE};
  }}
}}
""")
        self.start()

    def start(self):
        """Starts nginx (again, after stop(): same port and log)."""
        self.proc = subprocess.Popen(["nginx", "-p", self.dir, "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise Failed(f"nginx did not start on port {self.port} (see {self.dir}/error.log)")

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def mark(self):
        return os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0

    def lines_since(self, mark):
        time.sleep(0.1)  # nginx writes its log line after the response
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path, "rb") as f:
            f.seek(mark)
            return f.read().decode(errors="replace").splitlines()

    def since(self, mark):
        """(requests, bytes sent) logged after mark."""
        lines = self.lines_since(mark)
        return len(lines), sum(int(l.split()[1]) for l in lines if len(l.split()) > 1)

    def refetched_bytes(self, mark):
        """Bytes of explicit ranges (blocks, not the tail suffixes) logged
        after mark that an earlier range of the same log already covered."""
        ranges = []
        for l in self.lines_since(mark):
            m = re.search(r'"bytes=(\d+)-(\d+)"', l)
            if m:
                ranges.append((int(m.group(1)), int(m.group(2)) + 1))
        ranges.sort()
        total = sum(b - a for a, b in ranges)
        union, end = 0, 0
        for a, b in ranges:
            if b > end:
                union += b - max(a, end)
                end = b
        return total - union

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


# ---------------------------------------------------------------- contenders

class Contender:
    """One way to present L1..L5 as a tree.  setup() is timed as "ready"."""
    name = ""
    is_fuse = False

    def __init__(self, work, layers):
        self.work = work
        self.layers = layers
        self.root = None
        self.pids = []

    def prepare(self):
        pass

    def setup(self):
        raise NotImplementedError

    def teardown(self):
        pass

    def refresh(self):
        """Makes the next figure cold: a fresh mount for FUSE contenders."""
        if self.is_fuse:
            self.teardown()
            self.setup()

    def rss_mib(self):
        return sum(vm_hwm_kib(p) for p in self.pids) / 1024

    def extra_storage(self):
        return 0.0

    def layer_tree(self, key):
        """Presents the one zip self.layers[key] on its own; returns (root,
        cleanup) and leaves the daemons serving it in self.single_pids."""
        raise NotImplementedError

    def amplification(self, root):
        """Bytes decompressed ÷ bytes served by the daemon of root, for the
        contenders that count them."""
        return None


def resolve_clashes(zip_path, dest):
    """Removes what unzip cannot replace: an existing directory where the
    layer has a file or symlink, and an existing non-directory where the
    layer has a directory (explicit or implied).  Later layers win."""
    checked = set()

    def real_dir(p):
        try:
            return stat.S_ISDIR(os.lstat(p).st_mode)
        except FileNotFoundError:
            return None

    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
    for zi in infos:
        name = zi.filename.rstrip("/")
        parts = name.split("/")
        mode = zi.external_attr >> 16
        is_dir = zi.filename.endswith("/") or stat.S_ISDIR(mode)
        for i in range(1, len(parts) + (1 if is_dir else 0)):
            rel = "/".join(parts[:i])
            if rel in checked:
                continue
            checked.add(rel)
            p = os.path.join(dest, rel)
            if real_dir(p) is False:
                os.unlink(p)
        if not is_dir:
            p = os.path.join(dest, name)
            kind = real_dir(p)
            if kind:
                shutil.rmtree(p)
            elif kind is False and os.path.islink(p):
                os.unlink(p)


class UnzipContender(Contender):
    def extract(self, zips, dest):
        for z in zips:
            resolve_clashes(z, dest)
            run(["unzip", "-o", "-q", z, "-d", dest])

    def setup(self):
        if os.path.lexists(self.root):
            shutil.rmtree(self.root)
        os.makedirs(self.root)
        t0 = time.perf_counter()
        self.extract([self.layers[n] for n in LAYERS], self.root)
        return time.perf_counter() - t0

    def extra_storage(self):
        return du_mib(self.root)

    def layer_tree(self, key):
        dest = os.path.join(os.path.dirname(self.root), "single-" + key)
        if os.path.lexists(dest):
            shutil.rmtree(dest)
        os.makedirs(dest)
        self.single_pids = []
        run(["unzip", "-o", "-q", self.layers[key], "-d", dest])
        return dest, lambda: shutil.rmtree(dest)


class UnzipDisk(UnzipContender):
    name = "unzip → disk"

    def prepare(self):
        os.makedirs(os.path.join(self.work, "disk"))
        self.root = os.path.join(self.work, "disk/tree")


class UnzipTmpfs(UnzipContender):
    name = "unzip → tmpfs"

    def prepare(self):
        base = os.path.join(self.work, "tmpfs")
        os.makedirs(base)
        run(["mount", "-t", "tmpfs", "-o", "size=2g,mode=0755", "tmpfs", base])
        self.root = os.path.join(base, "tree")


class FuseZipOverlay(Contender):
    name = "fuse-zip + overlayfs"
    is_fuse = True

    def prepare(self):
        self.base = os.path.join(self.work, "fz")
        for n in LAYERS:
            os.makedirs(os.path.join(self.base, n))
        self.root = os.path.join(self.base, "union")
        os.makedirs(self.root)

    def mount_zip(self, zip_path, mnt):
        before = set(procs_with_exe("/usr/bin/fuse-zip"))
        run(["fuse-zip", "-r", zip_path, mnt])
        new = [p for p, cmd in procs_with_exe("/usr/bin/fuse-zip").items()
               if p not in before and mnt in cmd]
        self.pids += new

    def setup(self):
        self.pids = []
        t0 = time.perf_counter()
        for n in LAYERS:
            self.mount_zip(self.layers[n], os.path.join(self.base, n))
        lower = ":".join(os.path.join(self.base, n) for n in reversed(LAYERS))
        run(["mount", "-t", "overlay", "overlay", "-o", f"ro,lowerdir={lower}",
             self.root])
        return time.perf_counter() - t0

    def teardown(self):
        force_unmount(self.root)
        for n in LAYERS:
            force_unmount(os.path.join(self.base, n))
        wait_gone(self.pids)
        self.pids = []

    def layer_tree(self, key):
        mnt = os.path.join(self.work, "fz-" + key)
        os.makedirs(mnt, exist_ok=True)
        saved, self.pids = self.pids, []
        self.mount_zip(self.layers[key], mnt)
        self.single_pids, self.pids = self.pids, saved
        pids = self.single_pids

        def cleanup():
            force_unmount(mnt)
            wait_gone(pids)
        return mnt, cleanup


class Layerfs(Contender):
    name = "layerfs"
    is_fuse = True

    def __init__(self, work, layers, binary, extra_args):
        super().__init__(work, layers)
        self.binary = os.path.realpath(binary)
        self.extra_args = extra_args

    def prepare(self):
        self.root = os.path.join(self.work, "layerfs")
        os.makedirs(self.root)

    def has_option(self, option):
        """Whether this build of layerfs documents `option` in --help."""
        if not hasattr(self, "help_text"):
            try:
                self.help_text = run([self.binary, "--help"], check=False)[1]
            except Failed:
                self.help_text = ""
        return option in self.help_text

    def mount(self, zips, mnt):
        before = set(procs_with_exe(self.binary))
        cmd = [self.binary, "mount", *self.extra_args, *zips, mnt]
        run(cmd)
        if not is_mounted(mnt):
            raise Failed(f"`{' '.join(cmd)}` returned 0 but {mnt} is not mounted")
        new = {p: c for p, c in procs_with_exe(self.binary).items() if p not in before}
        return [p for p, c in new.items() if mnt in c] or list(new)

    def unmount(self, mnt, pids):
        if is_mounted(mnt):
            try:
                run([self.binary, "unmount", mnt], timeout=30)
            finally:
                force_unmount(mnt)
        if not wait_gone(pids):
            log(f"layerfs daemon(s) {pids} still running 10 s after unmount of {mnt}")

    def setup(self):
        t0 = time.perf_counter()
        self.pids = self.mount([self.layers[n] for n in LAYERS], self.root)
        return time.perf_counter() - t0

    def teardown(self):
        self.unmount(self.root, self.pids)
        self.pids = []

    def layer_tree(self, key):
        mnt = os.path.join(self.work, "layerfs-" + key)
        os.makedirs(mnt, exist_ok=True)
        pids = self.mount([self.layers[key]], mnt)
        self.single_pids = pids
        return mnt, lambda: self.unmount(mnt, pids)

    def amplification(self, root):
        _, out = run([self.binary, "stats", "--json", root])
        doc = json.loads(out)
        # Bytes handed to the kernel: READ replies, and files pushed into
        # its page cache ahead of reads (which then need no READ).
        served = (doc.get("bytes_served") or 0) + (doc.get("bytes_pushed") or 0)
        return doc.get("bytes_decompressed", 0) / served if served else None


# ---------------------------------------------------------------- figures

class Bench:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.empty = os.path.join(work, "cwd")  # no node_modules, no packages
        os.makedirs(self.empty)
        self.layers = {n: os.path.join(args.layers, n + ".zip")
                       for n in LAYERS + [HEAVY, "big"]}
        self.reader = os.path.join(work, "randread")
        run(["cc", "-O2", "-o", self.reader,
             os.path.join(os.path.dirname(os.path.abspath(__file__)), "randread.c")])
        self.contenders = [UnzipDisk(work, self.layers)]
        if args.only != "remote":
            self.contenders += [UnzipTmpfs(work, self.layers), FuseZipOverlay(work, self.layers)]
        self.layerfs_note = None
        if args.layerfs:
            self.contenders.append(Layerfs(work, self.layers, args.layerfs,
                                           args.layerfs_arg))
        # results[contender][figure] = list of values, one per run
        self.results = {c.name: {f[0]: [] for f in FIGURES} for c in self.contenders}
        self.errors = {c.name: [] for c in self.contenders}
        self.checks = {c.name: [] for c in self.contenders}
        self.peak = {}
        self.started = time.time()
        self.ref_tree = None  # describe() of the unzip -o tree on disk
        self.merged = set()
        self.server = RemoteServer(work, args.layers)  # last: nothing may fail after it

    def env(self, root, stem):
        """The environment of a timed command: the runtimes' search paths
        point into the tree; LD_LIBRARY_PATH only for jq and the ML layer
        (whose libLLVM is in its lib/), so that python and node do not look
        for libc and friends in the tree first."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": self.empty, "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": os.path.join(root, SITE),
               "NODE_PATH": os.path.join(root, "nodejs/node_modules")}
        if stem in ("jq", "heavy"):
            env["LD_LIBRARY_PATH"] = os.path.join(root, "lib")
        return env

    @staticmethod
    def commands(root):
        """The timed commands, by figure stem."""
        return {
            "boto3": [PY, "-S", "-c",
                      'import boto3; boto3.client("s3", region_name="us-east-1")'],
            "numpy": [PY, "-S", "-c", "import numpy"],
            "pandas": [PY, "-S", "-c", "import pandas"],
            "node": ["node", "-e", 'require("@aws-sdk/client-s3")'],
            "jq": [root + "/bin/jq", "--version"],
        }

    def fail(self, c, run_no, what, err):
        self.errors[c.name].append(f"run {run_no + 1}, {what}: {err}")

    def guarded(self, c, run_no, what, fn):
        """Calls fn(); a Failed becomes a reported problem, not an abort."""
        try:
            return fn()
        except Failed as e:
            self.fail(c, run_no, what, e)
            return None

    def figure(self, live, run_no, stem, fn, warm=True, fresh=True):
        """Measures one figure for every live contender in turn: cold (fresh
        mount, caches dropped), then warm (the same again at once)."""
        log(f"bench: run {run_no + 1}: {stem} ({time.time() - self.started:.0f} s)")
        for c in live:
            cold_key, warm_key = (stem + "_cold", stem + "_warm") if warm else (stem, None)
            values = [None, None]
            try:
                self.peak[c.name] = max(self.peak[c.name], c.rss_mib())
                if fresh:
                    c.refresh()
                drop_caches()
                values[0] = fn(c)
                if warm:
                    values[1] = fn(c)
            except Failed as e:
                self.fail(c, run_no, stem, e)
            self.results[c.name][cold_key].append(values[0])
            if warm:
                self.results[c.name][warm_key].append(values[1])

    def measure_run(self, run_no):
        if self.args.only == "remote":
            for c in self.contenders:
                self.measure_remote(c, run_no)
                if isinstance(c, Layerfs):
                    self.measure_fleet(c, run_no)
            return
        live = []
        for c in self.contenders:
            try:
                self.results[c.name]["ready"].append(c.setup())
                live.append(c)
            except Failed as e:
                self.fail(c, run_no, "ready", e)
                self.guarded(c, run_no, "teardown", c.teardown)
        self.peak = {c.name: 0.0 for c in live}
        self.figure(live, run_no, "find",
                    lambda c: run(["find", c.root], cwd=self.empty)[0],
                    warm=False, fresh=False)
        # One reader, then two (the figures below): how reads scale over
        # the two cores (decompression runs in the readers' requests).
        readall_one = "find . -type f -print0 | xargs -0 -P 1 -n 200 cat >/dev/null"
        self.figure(live, run_no, "readall_one",
                    lambda c: run(readall_one, shell=True, cwd=c.root)[0], warm=False)
        readall = "find . -type f -print0 | xargs -0 -P 2 -n 200 cat >/dev/null"
        self.figure(live, run_no, "readall",
                    lambda c: run(readall, shell=True, cwd=c.root)[0])
        for stem in self.commands(""):
            self.figure(live, run_no, stem, lambda c, stem=stem: run(
                self.commands(c.root)[stem], env=self.env(c.root, stem),
                cwd=self.empty)[0])
        for c in live:
            if c.is_fuse:
                self.results[c.name]["rss"].append(max(self.peak[c.name], c.rss_mib()))
            if run_no == 0:
                self.verify(c)
            self.results[c.name]["disk"].append(
                self.guarded(c, run_no, "extra storage", c.extra_storage))
        for c in live:
            if c.is_fuse:
                self.guarded(c, run_no, "teardown", c.teardown)
        for c in self.contenders:
            self.measure_heavy(c, run_no)
            self.measure_big(c, run_no)
            if isinstance(c, (UnzipDisk, Layerfs)):
                self.measure_remote(c, run_no)
            if isinstance(c, Layerfs):
                self.measure_fleet(c, run_no)

    def measure_remote(self, c, run_no):
        """The stack served by nginx on loopback at a link's speed: for unzip,
        download every zip with curl and extract them; for layerfs, mount the
        URLs (a fresh --cache-dir each run, so nothing is cached). Then a
        cold `import boto3`; the server's log counts requests and bytes."""
        res = self.results[c.name]
        server = self.server
        root = os.path.join(self.work, "remote-" + ("layerfs" if c.is_fuse else "disk"))
        mark = server.mark()
        cleanup = None
        try:
            if os.path.lexists(root) and not c.is_fuse:
                shutil.rmtree(root)
            os.makedirs(root, exist_ok=True)
            drop_caches()
            t0 = time.perf_counter()
            access = os.path.join(self.work, "remote-access.log")
            if c.is_fuse:
                cache = tempfile.mkdtemp(dir=self.work, prefix="remote-cache.")
                extra = ["--cache-dir", cache] if c.has_option("--cache-dir") else []
                if c.has_option("--access-log"):
                    extra += ["--access-log", access]
                pids = c.mount([*extra, *[server.url(n + ".zip") for n in LAYERS]], root)
                cleanup = lambda: c.unmount(root, pids)
            else:
                zips = []
                for n in LAYERS:
                    z = os.path.join(self.work, "download-" + n + ".zip")
                    run(["curl", "-sSf", "-o", z, server.url(n + ".zip")])
                    zips.append(z)
                c.extract(zips, root)
                cleanup = lambda: [shutil.rmtree(root)] + [os.unlink(z) for z in zips]
            res["remote_ready"].append(time.perf_counter() - t0)
            drop_caches()
            import_mark = server.mark()
            res["remote_boto3"].append(run(self.commands(root)["boto3"],
                                           env=self.env(root, "boto3"), cwd=self.empty)[0])
            requests, sent = server.since(mark)
            res["remote_requests"].append(requests)
            res["remote_mib"].append(sent / 2**20)
            if c.is_fuse and os.path.exists(access):
                opened = self.opened_zip_bytes(access)
                fetched = server.since(import_mark)[1]
                res["remote_amp"].append(fetched / opened if opened else None)
        except Failed as e:
            self.fail(c, run_no, "remote stack", e)
        finally:
            if cleanup:
                self.guarded(c, run_no, "remote stack cleanup", cleanup)

    def opened_zip_bytes(self, access_log):
        """Bytes the entries named in a layerfs access log (path, layer URL)
        take in their zips: local header, name, extra field and data."""
        sizes = {}
        total = 0
        with open(access_log, errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 2:
                    continue
                name = parts[1].rsplit("/", 1)[-1]
                if name not in sizes:
                    with zipfile.ZipFile(os.path.join(self.args.layers, name)) as zf:
                        sizes[name] = {i.filename: 30 + len(i.filename.encode()) +
                                       len(i.extra) + i.compress_size
                                       for i in zf.infolist()}
                total += sizes[name].get(parts[0], 0)
        return total

    def measure_fleet(self, c, run_no):
        """FLEET mounts of one remote layer (URL#sha256=, as Lambda gives its
        CodeSha256) sharing one fresh --cache-dir, all reading the whole tree
        at once: nginx's log counts requests, bytes and block bytes fetched
        twice. Then, with nginx stopped, a remount from the (now complete)
        cache: time to ready, and every file read; and once more with nginx
        up, counting the requests it gets (none expected)."""
        res = self.results[c.name]
        server = self.server
        if not c.has_option("--cache-dir"):
            return
        zip_path = self.layers[FLEET_LAYER]
        with open(zip_path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        url = server.url(FLEET_LAYER + ".zip") + "#sha256=" + sha
        cache = tempfile.mkdtemp(dir=self.work, prefix="fleet-cache.")
        mounts = []
        readall = "find . -type f -print0 | xargs -0 -n 200 cat >/dev/null"
        try:
            drop_caches()
            mark = server.mark()
            for i in range(FLEET):
                mnt = os.path.join(self.work, f"fleet-{i}")
                os.makedirs(mnt, exist_ok=True)
                mounts.append((mnt, c.mount(["--cache-dir", cache, url], mnt)))
            readers = [subprocess.Popen(readall, shell=True, cwd=m,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                       for m, _ in mounts]
            for p in readers:
                _, err = p.communicate(timeout=CMD_TIMEOUT)
                if p.returncode != 0:
                    raise Failed(f"reading a fleet mount failed: {err.decode()[-300:]}")
            requests, sent = server.since(mark)
            res["fleet_requests"].append(requests)
            res["fleet_ratio"].append(sent / os.path.getsize(zip_path))
            res["fleet_twice"].append(server.refetched_bytes(mark) / 2**20)
        except (Failed, subprocess.TimeoutExpired) as e:
            self.fail(c, run_no, "remote fleet", e)
            return
        finally:
            for mnt, pids in mounts:
                self.guarded(c, run_no, "remote fleet cleanup", lambda: c.unmount(mnt, pids))
        mnt = os.path.join(self.work, "fleet-offline")
        os.makedirs(mnt, exist_ok=True)
        pids = None
        try:
            server.stop()
            mark = server.mark()
            drop_caches()
            t0 = time.perf_counter()
            pids = c.mount(["--cache-dir", cache, url], mnt)
            res["offline_ready"].append(time.perf_counter() - t0)
            run(readall, shell=True, cwd=mnt)
            c.unmount(mnt, pids)
            pids = None
            server.start()
            mark = server.mark()
            pids = c.mount(["--cache-dir", cache, url], mnt)
            run(readall, shell=True, cwd=mnt)
            res["offline_requests"].append(server.since(mark)[0])
        except Failed as e:
            self.fail(c, run_no, "remount from the complete cache", e)
        finally:
            if pids is not None:
                self.guarded(c, run_no, "offline cleanup", lambda: c.unmount(mnt, pids))
            if server.proc.poll() is not None:
                server.start()
            shutil.rmtree(cache, ignore_errors=True)

    def single(self, c, run_no, what, key, fn):
        """Presents layer `key` alone for contender c, caches dropped (a
        fresh mount for FUSE contenders), and calls fn(root); then takes it
        down.  Returns the daemons' peak RSS (MiB) or None."""
        cleanup = None
        try:
            drop_caches()
            root, cleanup = c.layer_tree(key)
            drop_caches()
            fn(root)
            return sum(vm_hwm_kib(p) for p in c.single_pids) / 1024 if c.is_fuse else None
        except Failed as e:
            self.fail(c, run_no, what, e)
            return None
        finally:
            if cleanup:
                self.guarded(c, run_no, what + " cleanup", cleanup)

    def measure_big(self, c, run_no):
        """The 120 MiB entry: a sequential read and random reads, each on a
        fresh mount and timed from open()."""
        res = self.results[c.name]
        what = "120 MiB entry"

        def sequential(root):
            path = os.path.join(root, "big/blob.bin")
            _, out = run([self.reader, "seq", path, str(SEQ_MAX_SECONDS)])
            got, secs = out.split()
            res["big_seq"].append(int(got) / 2**20 / float(secs))
            if int(got) < os.path.getsize(path):
                self.fail(c, run_no, what, f"sequential read stopped after "
                          f"{SEQ_MAX_SECONDS} s at {int(got) / 2**20:.1f} MiB")

        def random_reads(root):
            _, out = run([self.reader, "rand", os.path.join(root, "big/blob.bin"),
                          str(RANDOM_READS), str(RANDOM_MAX_SECONDS)])
            done, secs = out.split()
            res["big_rand"].append(int(done) / float(secs))
            if int(done) < RANDOM_READS:
                self.fail(c, run_no, what, f"random reads stopped after "
                          f"{RANDOM_MAX_SECONDS} s ({done} of {RANDOM_READS} done)")

        rss = [self.single(c, run_no, what, "big", sequential),
               self.single(c, run_no, what, "big", random_reads)]
        if isinstance(c, UnzipDisk):
            # What inflating the entry costs unzip itself (zlib), zip cold.
            drop_caches()
            secs, _ = run(f"unzip -p '{self.layers['big']}' big/blob.bin >/dev/null",
                          shell=True)
            res["big_unzip"].append(BIG_MIB / secs)
        if c.is_fuse:
            res["rss_big"].append(max((r for r in rss if r is not None), default=None))

    def measure_heavy(self, c, run_no):
        """The ML layer alone: `import numba` and one JIT compile, cold then
        warm, and what the cold import cost in decompression."""
        res = self.results[c.name]
        values = {}

        def imports(root):
            env = self.env(root, "heavy")
            values["heavy_cold"] = run(HEAVY_CMD, env=env, cwd=self.empty)[0]
            values["heavy_amp"] = c.amplification(root)
            values["heavy_warm"] = run(HEAVY_CMD, env=env, cwd=self.empty)[0]
            if run_no == 0:
                self.verify_heavy(c, root)

        rss = self.single(c, run_no, "ML layer", HEAVY, imports)
        for key in ("heavy_cold", "heavy_warm", "heavy_amp"):
            res[key].append(values.get(key))
        if c.is_fuse:
            res["rss_heavy"].append(rss)

    def verify_heavy(self, c, root):
        """Checks that numba and libLLVM come from the tree under test."""
        probe = ("import sys, numba, llvmlite.binding\n"
                 "llvm = [l.split()[-1] for l in open('/proc/self/maps') if 'libLLVM' in l]\n"
                 "bad = [p for p in [numba.__file__, *llvm[:1]] if not p.startswith(sys.argv[1])]\n"
                 "print('ML layer: ok' if llvm and not bad else "
                 "'ML layer: NOT FROM TREE ' + ' '.join(bad or ['libLLVM not loaded']))\n")
        try:
            out = run([PY, "-S", "-c", probe, root], env=self.env(root, "heavy"),
                      cwd=self.empty)[1]
            self.checks[c.name].append(out.strip())
        except Failed as e:
            self.checks[c.name].append(f"ML layer: FAILED {e}")

    def verify(self, c):
        """Checks that imports and the loader really use the tree under test."""
        env = self.env(c.root, "python")
        probe = ("import sys, boto3, numpy, pandas, dateutil, layer5_marker\n"
                 "bad = [m for m in (boto3, numpy, pandas, dateutil, layer5_marker)"
                 " if not m.__file__.startswith(sys.argv[1])]\n"
                 "print('python: ok' if not bad else 'python: NOT FROM TREE ' + "
                 "' '.join(m.__file__ for m in bad))\n")
        for argv, what in [
            ([PY, "-S", "-c", probe, c.root], "python"),
            (["node", "-e", 'const p = require.resolve("@aws-sdk/client-s3"); '
              'console.log(p.startsWith(process.argv[1]) ? "node: ok" : '
              '"node: NOT FROM TREE " + p)', c.root], "node"),
        ]:
            try:
                self.checks[c.name].append(run(argv, env=env, cwd=self.empty)[1].strip())
            except Failed as e:
                self.checks[c.name].append(f"{what}: FAILED {e}")
        try:
            _, out = run(["ldd", os.path.join(c.root, "bin/jq")],
                         env=self.env(c.root, "jq"))
            libs = [l.split("=>")[1].split()[0] for l in out.splitlines()
                    if "libjq" in l or "libonig" in l]
            ok = len(libs) == 2 and all(l.startswith(c.root) for l in libs)
            self.checks[c.name].append("jq libs: ok" if ok else f"jq libs: NOT FROM TREE {libs}")
        except Failed as e:
            self.checks[c.name].append(f"jq libs: FAILED {e}")
        ref = self.contenders[0]
        if c is not ref and ref.root and os.path.isdir(ref.root):
            try:
                if self.ref_tree is None:
                    self.ref_tree = describe(ref.root)
                    self.merged = merged_dirs([self.layers[n] for n in LAYERS])
                self.checks[c.name].append(compare_trees(self.ref_tree, c.root, self.merged))
            except OSError as e:
                self.checks[c.name].append(f"correctness: FAILED reading the reference: {e}")

    def run_all(self):
        for c in self.contenders:
            c.prepare()
        for r in range(self.args.runs):
            t0 = time.time()
            self.measure_run(r)
            log(f"bench: run {r + 1}/{self.args.runs} took {time.time() - t0:.0f} s "
                f"(load average {os.getloadavg()[0]:.2f})")


# ---------------------------------------------------------------- correctness

def describe(root):
    """relpath -> (type, mode, size, mtime, target or sha256)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                # unzip does not restore symlink times: not compared.
                out[rel] = ("symlink", mode, st.st_size, None, os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", mode, None, int(st.st_mtime), None)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    while chunk := f.read(1 << 20):
                        h.update(chunk)
                out[rel] = ("file", mode, st.st_size, int(st.st_mtime), h.hexdigest())
            else:
                out[rel] = ("other", mode, None, None, None)
    return out


def merged_dirs(zips):
    """Directories that more than one layer has (explicitly or implied).
    unzip -o leaves such a directory with the time of the first layer that
    created it (or of the last file written into it), so its mtime is not a
    reference; union filesystems take the topmost layer's."""
    seen = {}
    for z in zips:
        dirs = set()
        with zipfile.ZipFile(z) as zf:
            for zi in zf.infolist():
                parts = zi.filename.rstrip("/").split("/")
                is_dir = zi.filename.endswith("/") or stat.S_ISDIR(zi.external_attr >> 16)
                for i in range(1, len(parts) + (1 if is_dir else 0)):
                    dirs.add("/".join(parts[:i]))
        for d in dirs:
            seen[d] = seen.get(d, 0) + 1
    return {d for d, n in seen.items() if n > 1}


def compare_trees(ref, root, skip_mtime=frozenset()):
    """ref: describe() of the reference tree."""
    try:
        got = describe(root)
    except OSError as e:
        return f"correctness: FAILED walking the tree: {e}"
    kinds = {"missing": 0, "extra": 0, "type": 0, "mode": 0, "size": 0,
             "mtime": 0, "symlink target": 0, "sha256": 0}
    examples = []
    bad = set()
    fields = ["type", "mode", "size", "mtime", None]
    for rel in sorted(set(ref) | set(got)):
        a, b = ref.get(rel), got.get(rel)
        if a is None or b is None:
            k = "extra" if a is None else "missing"
            kinds[k] += 1
            examples.append(f"{k}: {rel}")
            bad.add(rel)
            continue
        if a[0] != b[0]:
            kinds["type"] += 1
            examples.append(f"type: {rel} {a[0]} vs {b[0]}")
            bad.add(rel)
            continue
        for i, f in enumerate(fields):
            if f == "mtime" and a[0] == "dir" and rel in skip_mtime:
                continue
            if a[i] != b[i]:
                f = f or ("symlink target" if a[0] == "symlink" else "sha256")
                kinds[f] += 1
                va, vb = a[i], b[i]
                if f == "mode":
                    va, vb = oct(va), oct(vb)
                examples.append(f"{f}: {rel} {va} vs {vb}")
                bad.add(rel)
    total = len(bad)
    detail = ", ".join(f"{k} {v}" for k, v in kinds.items() if v)
    line = (f"correctness vs unzip -o on disk: {len(ref)} entries compared "
            f"(type, mode, size, mtime, symlink target, sha256; mtime not compared "
            f"for symlinks and for the {len(skip_mtime)} directories several layers "
            f"share), {total} mismatching" + (f" ({detail})" if detail else ""))
    if examples:
        line += "; e.g. " + "; ".join(examples[:6])
    return line


# ---------------------------------------------------------------- report

def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "reads/s":
        return f"{v:,.0f}"
    if unit == "MiB/s":
        return f"{v:.1f}"
    if unit == "MiB":
        return f"{v:.0f}"
    if unit == "":
        return f"{v:.0f}"
    if unit == "×":
        return f"{v:.2f}"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def spread(vs):
    """" ±P%": half the range of the runs' values, in percent of their
    median; empty for fewer than two runs."""
    if len(vs) < 2:
        return ""
    m = statistics.median(vs)
    if m == 0:
        return ""
    return f" ±{(max(vs) - min(vs)) / 2 / abs(m) * 100:.0f}%"


def ratio(subject, other, better):
    if subject is None or other is None:
        return None
    if better == "low":
        return other / subject if subject > 0 else None
    return subject / other if other > 0 else None


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) / 1024 / 1024
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
            f"kernel {platform.release()}, {platform.platform(terse=True)}")


def report(bench, args, started):
    names = [c.name for c in bench.contenders]
    have_layerfs = "layerfs" in names and any(  # --only remote has no "ready"
        v is not None for k in ("ready", "remote_ready") for v in bench.results["layerfs"][k])
    subject = ("layerfs" if have_layerfs else
               "fuse-zip + overlayfs" if "fuse-zip + overlayfs" in names else names[0])
    others = [n for n in names if n != subject and n != "layerfs"]
    values = {n: {k: [x for x in bench.results[n][k] if x is not None]
                  for k, *_ in FIGURES} for n in names}
    med = {n: {k: statistics.median(v) if v else None for k, v in values[n].items()}
           for n in names}
    short = {"unzip → disk": "disk", "unzip → tmpfs": "tmpfs",
             "fuse-zip + overlayfs": "fuse-zip", "layerfs": "layerfs"}
    lines = ["# layerfs benchmark", "",
             f"Machine: {machine()}  ",
             f"Stack: {layer_summary(args.layers)}  ",
             f"Runs: {args.runs}; each cell is the median of the runs and ±P% "
             "half their range (max − min) in percent of it; total bench time "
             f"{time.time() - started:.0f} s; {time.strftime('%Y-%m-%d %H:%M:%S %Z')}  ",
             f"Load average (1 min): {bench.load_start:.2f} at start, "
             f"{os.getloadavg()[0]:.2f} at end"
             + (" — other work was running, the figures are noisy"
                if max(bench.load_start, os.getloadavg()[0]) > 0.7 else ""), ""]
    head = ["figure", *[f"{n}" for n in names]]
    head += [f"{short[o]} ÷ {short[subject]}" for o in others]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    chart = []
    for key, label, unit, better in FIGURES:
        row = [f"{label} ({unit})" if unit else label]
        row += [fmt(med[n][key], unit) + spread(values[n][key]) for n in names]
        rs = [ratio(med[subject][key], med[o][key], better) for o in others]
        row += ["–" if r is None else f"{r:.2g}×" if r < 0.1 else f"{r:.2f}×" for r in rs]
        lines.append("| " + " | ".join(row) + " |")
        if key in SHORT and any(r is not None for r in rs):
            chart.append((SHORT[key], rs))
    lines += ["",
              f"Ratios: how many times better {subject} is than each other contender "
              "(cost of the other ÷ its cost; for reads/s its rate ÷ the other's), "
              "so above 1 means {} wins.".format(subject)]
    if not have_layerfs:
        lines.append("layerfs was not measured (see below); ratios are against "
                     "fuse-zip + overlayfs.")
    lines += [
        "Cold: fresh mount (FUSE contenders) and `echo 3 > drop_caches` before the "
        "command; warm: the same command again right after. Ready for unzip includes "
        "removing what unzip cannot overwrite (file vs directory clashes in L5). "
        "Imports run /usr/bin/python3 -S with PYTHONPATH into the tree, node with "
        "NODE_PATH, jq with LD_LIBRARY_PATH=tree/lib (checked below); read every "
        "file is `find -type f -print0 | xargs -0 -P 2 -n 200 cat` (two readers; "
        "`-P 1` for one reader, whose time over the two readers' shows how reads "
        "scale over two cores). The ML layer (H.zip: numba, llvmlite, numpy and "
        "libLLVM) and the 120 MiB entry (big.zip) are each presented alone (one "
        "fuse-zip mount, no overlay; unzip into a fresh directory): `import numba` "
        "plus one JIT compile with LD_LIBRARY_PATH=tree/lib, cold then warm; the "
        "120 MiB entry read once sequentially with 1 MiB reads, then, on a fresh "
        f"mount with caches dropped, {RANDOM_READS} preads of 4 KiB at random "
        "offsets; both timed from open(), where fuse-zip inflates the whole "
        "entry. Decompressed ÷ served is layerfs's own count (`layerfs stats`) "
        "after the cold import. RSS is VmHWM summed over the contender's "
        "daemons, highest of the run. The remote stack is L1..L5 served by nginx "
        f"on loopback at {LINK_RATE}B/s per response: unzip's ready is `curl` of "
        "each zip then `unzip -o`, layerfs's a mount of the five URLs with an "
        "empty cache directory; requests and bytes are counted in nginx's log "
        "from the start of ready to the end of the cold import; bytes fetched ÷ "
        "bytes of the entries opened divides what nginx sent during the cold "
        "import by what the files it opened (layerfs's --access-log) take in "
        "their zips, local headers included. The fleet is "
        f"{FLEET} mounts of {FLEET_LAYER} (URL#sha256=, as Lambda's CodeSha256) "
        "sharing one empty --cache-dir, all reading every file at once; bytes "
        "fetched more than once are the overlap of the block ranges in nginx's "
        "log. Then a remount of it from the now complete cache with nginx "
        "stopped (ready, then every file read), and one with nginx up whose "
        "requests are counted through a read of every file.", ""]
    lines.append("## Checks")
    for n in names:
        for chk in bench.checks[n]:
            lines.append(f"- {n}: {chk}")
    errs = [(n, e) for n in names for e in bench.errors[n]]
    if bench.layerfs_note:
        errs.insert(0, ("layerfs", bench.layerfs_note))
    if errs:
        lines += ["", "## Problems"]
        lines += [f"- {n}: {e}" for n, e in errs]
    text = "\n".join(lines) + "\n"
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, "bench.tsv"), "w") as f:
        f.write("figure\tunit\t" + "\t".join(names) + "\n")
        for key, label, unit, _ in FIGURES:
            f.write(f"{key}\t{unit}\t" + "\t".join(
                "" if med[n][key] is None else f"{med[n][key]:.6g}" for n in names) + "\n")
    print(text)
    draw_chart(chart, [f"{short[o]} ÷ {short[subject]}" for o in others], subject,
               os.path.join(args.out, "bench.svg"))


def layer_summary(layers):
    entries = zipped = unzipped = 0
    for n in LAYERS:
        p = os.path.join(layers, n + ".zip")
        with zipfile.ZipFile(p) as zf:
            infos = zf.infolist()
        entries += len(infos)
        zipped += os.path.getsize(p)
        unzipped += sum(i.file_size for i in infos)
    return (f"L1..L5, {entries:,} entries, {zipped / 2**20:.1f} MiB zipped, "
            f"{unzipped / 2**20:.1f} MiB unzipped")


def draw_chart(rows, series, subject, out):
    if not rows:
        log("bench: no complete ratio rows; chart skipped")
        return
    if not shutil.which("gnuplot"):
        log("bench: gnuplot missing; chart skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "ratios.dat")
        with open(data, "w") as f:
            f.write("figure\t" + "\t".join(f'"{s}"' for s in series) + "\n")
            for label, rs in rows:
                f.write(f'"{label}"\t' + "\t".join(
                    "NaN" if r is None else f"{max(r, 1e-6):.6g}" for r in rs) + "\n")
        # Bars grow from 1 (up: subject wins, down: it loses) on a log2 axis.
        logs = [math.log2(max(r, 1e-6)) for _, rs in rows for r in rs if r is not None]
        lo, hi = min(0, math.floor(min(logs))), max(1, math.ceil(max(logs)))
        step = max(1, math.ceil((hi - lo) / 12))
        tics = ", ".join(
            f'"{2 ** n:g}×" {n}' if n >= 0 else f'"1/{2 ** -n:g}" {n}'
            for n in range(lo - lo % step, hi + 1, step))
        plots = ", ".join(
            f"'{data}' using (log(${i + 2})/log(2)):xtic(1) title columnhead({i + 2})"
            for i in range(len(series)))
        terminal = ("set terminal pngcairo size 1100,540 font 'sans,10'"
                    if out.endswith(".png") else
                    "set terminal svg size 1100,540 dynamic enhanced font 'sans,11' "
                    "background '#ffffff'")
        script = f"""
{terminal}
set output '{out}'
set title "How many times better {subject} is than each contender (log scale; above 1: {subject} wins)" noenhanced
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [{lo - 0.2}:{hi + 0.2}]
set ytics ({tics})
set grid ytics
set key outside top center horizontal noenhanced
set xtics rotate by -40 noenhanced
set ylabel 'ratio'
set xzeroaxis lt -1 lw 2
plot {plots}
"""
        p = subprocess.run(["gnuplot"], input=script, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if p.returncode != 0:
            log(f"bench: gnuplot failed: {p.stderr.strip()}")
        else:
            log(f"bench: chart written to {out}")


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--layerfs", default="")
    ap.add_argument("--layerfs-note", default="",
                    help="why layerfs is not measured, for the report")
    ap.add_argument("--layerfs-arg", action="append", default=[],
                    help="extra argument for `layerfs mount` (repeatable)")
    ap.add_argument("--only", choices=["all", "remote"], default="all",
                    help="remote: only the remote group (unzip on disk and layerfs)")
    args = ap.parse_args()
    started = time.time()

    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    work = tempfile.mkdtemp(prefix="layerfs-bench.", dir="/var/tmp")
    os.chmod(work, 0o755)
    bench = None
    interrupted = False
    try:
        load_start = os.getloadavg()[0]
        bench = Bench(args, work)
        bench.load_start = load_start
        bench.layerfs_note = args.layerfs_note or None
        bench.run_all()
    except KeyboardInterrupt as e:
        log(f"bench: interrupted ({e or 'SIGINT'}); unmounting everything")
        interrupted = True
    finally:
        if bench is not None:
            bench.server.stop()
        # Every mount under the work dir, newest first, whatever happened.
        with open("/proc/self/mountinfo") as f:
            mounts = [l.split()[4] for l in f if l.split()[4].startswith(work + "/")]
        for m in reversed(mounts):
            force_unmount(m)
        leftover = [m for m in mounts if is_mounted(m)]
        if leftover:
            log(f"bench: could not unmount {leftover}; leaving {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if interrupted:
        sys.exit(130)
    report(bench, args, started)


if __name__ == "__main__":
    main()
