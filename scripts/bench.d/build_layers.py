#!/usr/bin/python3
"""Assemble the benchmark layer trees and write them as deterministic zips.

Called by scripts/make-bench-layers, which has already unpacked the Debian
packages (one directory per package under PKGROOT) and run `npm ci`
(NODEDIR/node_modules).  Writes L1.zip .. L5.zip, H.zip and big.zip to OUTDIR and
prints a summary.  Stdlib only; run it with Debian's /usr/bin/python3 so the
.pyc files match the interpreter the benchmark uses.

  build_layers.py PKGROOT NODEDIR STAGEDIR OUTDIR

Determinism: entries are sorted, every entry of a layer has the same mtime
(DOS field and an Info-ZIP extended timestamp), modes come from the packages
(directories are 0755), deflate level 6, and the .pyc files are compiled in
timestamp mode against those fixed mtimes, serially, in a fresh interpreter.
"""

import json
import multiprocessing
import os
import shutil
import stat
import struct
import subprocess
import sys
import time
import zipfile

# 2024-01-01T00:00:00Z for L1..L4; the override layer is a day newer.
EPOCH = 1704067200
EPOCH_L5 = EPOCH + 86400
SITE = "python/lib/python3.11/site-packages"
DIST = "usr/lib/python3/dist-packages"

# Layer contents, by Debian package.  L1 is what `import boto3` needs on
# Debian (botocore is unvendored there, so requests and its deps come too);
# L2 repeats pandas' pure dependencies, as a real pandas layer would.
L1_PKGS = ["python3-boto3", "python3-botocore", "python3-s3transfer",
           "python3-jmespath", "python3-dateutil", "python3-urllib3",
           "python3-six", "python3-requests", "python3-certifi",
           "python3-charset-normalizer", "python3-chardet", "python3-idna"]
L2_PKGS = ["python3-numpy", "python3-pandas", "python3-pandas-lib",
           "python3-tz", "python3-dateutil", "python3-six"]
# The heavy ML layer: what `import numba` needs, with libLLVM in lib/ as
# a layer built for Lambda carries it (llvmlite links to libLLVM-14.so.1).
H_PKGS = ["python3-numba", "python3-llvmlite", "python3-numpy"]
H_LIBS = ["libllvm14"]
LIBDIR = "usr/lib/x86_64-linux-gnu"
BIG_SIZE = 120 * 1024 * 1024


def copy_into(src, dst):
    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)


def set_mtimes(root, mtime):
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), (mtime, mtime),
                     follow_symlinks=False)
    os.utime(root, (mtime, mtime))


def compile_pycs(root):
    """Compile .pyc like `pip install -t` does, with /opt paths inside."""
    site = os.path.join(root, SITE)
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)  # it would force checked-hash pycs
    subprocess.run(
        ["/usr/bin/python3", "-m", "compileall", "-q", "-j", "1",
         "--invalidation-mode", "timestamp",
         "-s", root, "-p", "/opt", site],
        check=False, env=env, stdout=subprocess.DEVNULL)
    # A few Debian test files are not valid Python 3.11 on purpose; their
    # missing .pyc is what pip would produce too.


def stage_python(pkgroot, pkgs, dst):
    for pkg in pkgs:
        copy_into(os.path.join(pkgroot, pkg, DIST), os.path.join(dst, SITE))


def stage_l4(pkgroot, dst):
    os.makedirs(os.path.join(dst, "bin"))
    os.makedirs(os.path.join(dst, "lib"))
    shutil.copy2(os.path.join(pkgroot, "jq/usr/bin/jq"),
                 os.path.join(dst, "bin/jq"))
    for pkg in ["libjq1", "libonig5", "libjq-dev", "libonig-dev"]:
        libdir = os.path.join(pkgroot, pkg, "usr/lib/x86_64-linux-gnu")
        for name in sorted(os.listdir(libdir)):
            if name.startswith("lib"):  # .so, .so.N, .so.N.M.K, .a
                shutil.copy2(os.path.join(libdir, name),
                             os.path.join(dst, "lib", name),
                             follow_symlinks=False)
        pc = os.path.join(libdir, "pkgconfig")
        if os.path.isdir(pc):
            copy_into(pc, os.path.join(dst, "lib/pkgconfig"))
        inc = os.path.join(pkgroot, pkg, "usr/include")
        if os.path.isdir(inc):
            copy_into(inc, os.path.join(dst, "include"))
    # Make libfoo.so -> libfoo.so.N -> libfoo.so.N.M.K chains (Debian's -dev
    # links skip the middle step).
    lib = os.path.join(dst, "lib")
    for name in os.listdir(lib):
        path = os.path.join(lib, name)
        if name.endswith(".so") and os.path.islink(path):
            target = os.readlink(path)
            soname = name + "." + target[len(name) + 1:].split(".")[0]
            if os.path.lexists(os.path.join(lib, soname)):
                os.unlink(path)
                os.symlink(soname, path)
    # An absolute symlink into /opt, as layers built for Lambda have.
    os.symlink("/opt/bin/jq", os.path.join(dst, "bin/jq-opt"))


def stage_heavy(pkgroot, dst):
    stage_python(pkgroot, H_PKGS, dst)
    os.makedirs(os.path.join(dst, "lib"))
    for pkg in H_LIBS:
        libdir = os.path.join(pkgroot, pkg, LIBDIR)
        for name in sorted(os.listdir(libdir)):
            if name.startswith("lib") and ".so" in name:
                shutil.copy2(os.path.join(libdir, name), os.path.join(dst, "lib", name),
                             follow_symlinks=False)


def write_file(path, data, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


def stage_l5(stage, dst):
    """The override layer: replaced files and type clashes with L1..L4."""
    site = SITE
    # 1. Replaced files: same meaning, different bytes.
    src = os.path.join(stage, "L1", site, "botocore/data/s3/2006-03-01/service-2.json")
    with open(src, "rb") as f:
        model = json.load(f)
    write_file(os.path.join(dst, site, "botocore/data/s3/2006-03-01/service-2.json"),
               json.dumps(model, indent=1, sort_keys=True).encode() + b"\n")
    src = os.path.join(stage, "L3", "nodejs/node_modules/lodash/lodash.js")
    with open(src, "rb") as f:
        body = f.read()
    write_file(os.path.join(dst, "nodejs/node_modules/lodash/lodash.js"),
               b"/* lodash as patched by the override layer L5 */\n" + body)
    # 2. A file where earlier layers have a directory nothing imports from.
    write_file(os.path.join(dst, site, "botocore/data/sdb"),
               b"SimpleDB model removed by layer L5\n")
    write_file(os.path.join(dst, "nodejs/node_modules/lodash/fp"),
               b"lodash/fp removed by layer L5\n")
    # 3. A directory where earlier layers have a file.
    write_file(os.path.join(dst, site, "boto3/examples/s3.rst/README.txt"),
               b"The S3 examples moved into this directory in layer L5.\n")
    write_file(os.path.join(dst, "nodejs/node_modules/axios/README.md/index.md"),
               b"# axios\nREADME moved by layer L5.\n")
    # 4. A symlink where earlier layers have a directory.
    os.makedirs(os.path.join(dst, "nodejs/node_modules/axios/dist"))
    os.symlink("browser", os.path.join(dst, "nodejs/node_modules/axios/dist/esm"))
    # 5. New content: an executable and a marker module.
    write_file(os.path.join(dst, "bin/layer-info"),
               b"#!/bin/sh\necho 'layerfs bench stack: L1 boto3, L2 pandas, "
               b"L3 node SDK, L4 jq, L5 overrides'\n", 0o755)
    write_file(os.path.join(dst, site, "layer5_marker.py"),
               b"LAYER = 5\n")


def tree_entries(root):
    """(arcname, lstat) for everything under root, sorted, dirs with '/'."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            arc = name if rel == "." else rel + "/" + name
            if stat.S_ISDIR(st.st_mode) and not os.path.islink(path):
                arc += "/"
            out.append((arc, path, st))
    out.sort(key=lambda e: e[0])
    return out


def zipinfo(arcname, mode, mtime):
    zi = zipfile.ZipInfo(arcname, time.gmtime(mtime)[:6])
    zi.create_system = 3  # Unix: external_attr carries st_mode
    zi.external_attr = mode << 16
    # Info-ZIP extended timestamp (UT), mtime only, so unzip and libzip read
    # the same UTC time whatever the local time zone.
    zi.extra = struct.pack("<HHBl", 0x5455, 5, 1, mtime)
    return zi


def write_zip(root, out, mtime):
    entries = tree_entries(root)
    tmp = out + ".tmp"
    stats = {"entries": 0, "files": 0, "dirs": 0, "symlinks": 0, "bytes": 0}
    with zipfile.ZipFile(tmp, "w") as zf:
        for arc, path, st in entries:
            stats["entries"] += 1
            if arc.endswith("/"):
                zi = zipinfo(arc, stat.S_IFDIR | 0o755, mtime)
                zi.external_attr |= 0x10  # MS-DOS directory flag
                zi.compress_type = zipfile.ZIP_STORED
                zi.CRC = zi.compress_size = zi.file_size = 0
                zf.mkdir(zi)
                stats["dirs"] += 1
            elif stat.S_ISLNK(st.st_mode):
                zi = zipinfo(arc, stat.S_IFLNK | 0o777, mtime)
                zf.writestr(zi, os.readlink(path), zipfile.ZIP_STORED)
                stats["symlinks"] += 1
            else:
                zi = zipinfo(arc, stat.S_IFREG | stat.S_IMODE(st.st_mode), mtime)
                with open(path, "rb") as f:
                    data = f.read()
                zf.writestr(zi, data, zipfile.ZIP_DEFLATED, 6)
                stats["files"] += 1
                stats["bytes"] += len(data)
    os.replace(tmp, out)
    stats["zip"] = os.path.getsize(out)
    return stats


def write_big_zip(stage, out):
    """One ~120 MiB deflated entry: the layers' .so and .py bytes, repeated,
    so it compresses like real code but not trivially."""
    sources = []
    for layer in ["L2", "L1"]:
        for arc, path, st in tree_entries(os.path.join(stage, layer)):
            if stat.S_ISREG(st.st_mode) and arc.endswith((".so", ".py")):
                sources.append(path)
    tmp = out + ".tmp"
    zi = zipinfo("big/blob.bin", stat.S_IFREG | 0o644, EPOCH)
    zi.compress_type = zipfile.ZIP_DEFLATED
    zi._compresslevel = 6
    written = 0
    with zipfile.ZipFile(tmp, "w") as zf, zf.open(zi, "w") as dst:
        while written < BIG_SIZE:
            for path in sources:
                with open(path, "rb") as f:
                    data = f.read(BIG_SIZE - written)
                dst.write(data)
                written += len(data)
                if written >= BIG_SIZE:
                    break
    os.replace(tmp, out)
    return {"entries": 1, "files": 1, "dirs": 0, "symlinks": 0,
            "bytes": written, "zip": os.path.getsize(out)}


def zip_job(args):
    name, root, out, mtime = args
    if name == "big":
        return name, write_big_zip(root, out)
    return name, write_zip(root, out, mtime)


def main():
    pkgroot, nodedir, stage, outdir = sys.argv[1:5]
    os.environ["TZ"] = "UTC"
    shutil.rmtree(stage, ignore_errors=True)
    layers = {n: os.path.join(stage, n) for n in ["L1", "L2", "L3", "L4", "L5", "H"]}
    stage_python(pkgroot, L1_PKGS, layers["L1"])
    stage_python(pkgroot, L2_PKGS, layers["L2"])
    os.makedirs(os.path.join(layers["L3"], "nodejs"))
    copy_into(os.path.join(nodedir, "node_modules"),
              os.path.join(layers["L3"], "nodejs/node_modules"))
    for f in ["package.json", "package-lock.json"]:
        shutil.copy2(os.path.join(nodedir, f), os.path.join(layers["L3"], "nodejs", f))
    stage_l4(pkgroot, layers["L4"])
    stage_l5(stage, layers["L5"])
    stage_heavy(pkgroot, layers["H"])
    for name, root in layers.items():
        set_mtimes(root, EPOCH_L5 if name == "L5" else EPOCH)
    for name in ["L1", "L2", "L5", "H"]:
        compile_pycs(layers[name])
        set_mtimes(layers[name], EPOCH_L5 if name == "L5" else EPOCH)

    jobs = [("big", stage, os.path.join(outdir, "big.zip"), EPOCH)]
    jobs += [(n, r, os.path.join(outdir, n + ".zip"),
              EPOCH_L5 if n == "L5" else EPOCH) for n, r in layers.items()]
    with multiprocessing.Pool(min(2, os.cpu_count() or 1)) as pool:
        results = dict(pool.map(zip_job, jobs))

    mib = 1024 * 1024
    lines = ["| zip | entries | files | dirs | symlinks | zipped MiB | unzipped MiB |",
             "|---|---|---|---|---|---|---|"]
    total = {k: 0 for k in ["entries", "files", "dirs", "symlinks", "bytes", "zip"]}
    for name in ["L1", "L2", "L3", "L4", "L5", "H", "big"]:
        s = results[name]
        if name not in ("H", "big"):
            for k in total:
                total[k] += s[k]
        lines.append(f"| {name}.zip | {s['entries']} | {s['files']} | {s['dirs']} | "
                     f"{s['symlinks']} | {s['zip'] / mib:.1f} | {s['bytes'] / mib:.1f} |")
        if name == "L5":
            s = total
            lines.append(f"| **L1..L5** | {s['entries']} | {s['files']} | {s['dirs']} | "
                         f"{s['symlinks']} | {s['zip'] / mib:.1f} | {s['bytes'] / mib:.1f} |")
    summary = "\n".join(lines) + "\n"
    with open(os.path.join(outdir, "layers.md"), "w") as f:
        f.write(summary)
    sys.stdout.write(summary)


if __name__ == "__main__":
    main()
