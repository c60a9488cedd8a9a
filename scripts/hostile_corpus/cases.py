"""The hostile corpus: each case's archives and what a correct mount shows.

Every case function builds its zips with zipwriter (byte-exact control) and
records, next to each entry it writes, what layerfs must make of it. The
expectations are written by hand from layerfs' rules rather than computed by
a model of them, so a bug in one place cannot hide the same bug in the other.
See make-hostile-corpus for the expectations.json format.
"""

import dataclasses
import hashlib
import io
import json
import os
import stat
import struct
import zipfile
import zlib

from . import zipwriter as zw
from .zipwriter import (BZIP2, DEFLATED, LZMA, STORED, XZ, ZSTD,
                        DEFAULT_MTIME, dir_member, file_member, symlink_member)

FORMAT_VERSION = 1

# Whether layerfs decodes LZMA (14), xz (95) and zstd (93) entries. Debian
# 12's libzip 1.7.3, which layerfs uses for methods other than stored and
# deflate, is built without liblzma and libzstd, so today these entries are
# listed with their size and give EIO on read. Set this to True when layerfs
# gains its own decoders: the cases then demand the exact bytes.
DECODES_LZMA_XZ_ZSTD = True


def text(*parts):
    return (" ".join(str(p) for p in parts) + "\n").encode("utf-8")


def mixed(seed, size):
    """size bytes of deterministic content that is part text, part noise,
    part zeros, so that every compressor has real work to do."""
    out = bytearray()
    i = 0
    while len(out) < size:
        kind = i % 3
        if kind == 0:
            out += b"".join(b"%s line %d: layer zips are not trusted input\n"
                            % (seed, j) for j in range(i * 7, i * 7 + 40))
        elif kind == 1:
            out += hashlib.shake_256(b"%s/%d" % (seed, i)).digest(3000)
        else:
            out += bytes(2000 + (i * 37) % 1000)
        i += 1
    return bytes(out[:size])


def mode_str(mode):
    return "%04o" % mode


class Case:
    """One mount (of one or several layer zips) and what it must show."""

    def __init__(self, name, note, layers=None, expect="serve", exact=True,
                 reason=None):
        self.name = name
        self.note = note
        self.layers = layers or [name + ".zip"]
        self.expect = expect
        self.exact = exact and expect == "serve"
        self.reason = reason
        self.files = {}
        self.dirs = {}
        self.symlinks = {}
        self.eio = {}
        self.absent = []
        self.raw_files = {}
        self.counts = {}
        self.extra = {}

    def file(self, path, data, mode=0o644, mtime=DEFAULT_MTIME):
        self._claim(path)
        self.files[path] = _file_attrs(data, mode, mtime)

    def dir(self, path, mode=0o755, mtime=None):
        self._claim(path)
        self.dirs[path] = {"mode": mode_str(mode)}
        if mtime is not None:
            self.dirs[path]["mtime"] = mtime

    def link(self, path, target):
        self._claim(path)
        self.symlinks[path] = target

    def eio_file(self, path, size, mode=0o644):
        self._claim(path)
        self.eio[path] = {"mode": mode_str(mode), "size": size}

    def raw_file(self, raw_path, data, mode=0o644, mtime=DEFAULT_MTIME):
        self.raw_files[raw_path.hex()] = _file_attrs(data, mode, mtime)

    def gone(self, *paths):
        self.absent.extend(paths)

    def _claim(self, path):
        assert path and not path.startswith("/") and "//" not in path, path
        for table in (self.files, self.dirs, self.symlinks, self.eio):
            assert path not in table, "%s: %r listed twice" % (self.name, path)

    def check(self):
        """Refuses expectations that contradict themselves."""
        if self.expect == "refuse":
            return
        listed = set(self.files) | set(self.dirs) | set(self.symlinks) | set(self.eio)
        for path in listed:
            parent = path.rpartition("/")[0]
            if parent:
                assert parent in self.dirs, "%s: parent of %r not a dir" % (
                    self.name, path)
        for path in self.absent:
            assert path not in listed, "%s: %r both present and absent" % (
                self.name, path)
        for path in self.counts:
            assert path == "" or path in self.dirs, path

    def to_json(self):
        out = {"name": self.name, "layers": self.layers, "expect": self.expect,
               "note": self.note}
        if self.expect == "refuse":
            out["reason"] = self.reason
            return out
        out["exact"] = self.exact
        out["files"] = self.files
        out["dirs"] = self.dirs
        out["symlinks"] = self.symlinks
        out["eio"] = sorted(self.eio)
        out["eio_stat"] = self.eio
        out["absent"] = self.absent
        if self.raw_files:
            out["raw_files"] = self.raw_files
        if self.counts:
            out["counts"] = self.counts
        out.update(self.extra)
        return out


def _file_attrs(data, mode, mtime):
    attrs = {"mode": mode_str(mode), "size": len(data),
             "sha256": hashlib.sha256(data).hexdigest()}
    if mtime is not None:
        attrs["mtime"] = mtime
    return attrs


class Corpus:
    """Collects archives and cases, then writes them out."""

    def __init__(self):
        self.archives = {}  # file name -> bytes
        self.cases = []
        self.streamed = {}  # file name -> function(path) writing it

    def add(self, filename, data):
        assert filename not in self.archives, filename
        self.archives[filename] = data

    def zip(self, filename, members, **kwargs):
        built = zw.build(members, **kwargs)
        self.add(filename, built.data)
        return built

    def case(self, case):
        case.check()
        for layer in case.layers:
            assert layer in self.archives or layer in self.streamed, layer
        assert all(c.name != case.name for c in self.cases), case.name
        self.cases.append(case)
        return case

    def write(self, outdir, large):
        os.makedirs(outdir, exist_ok=True)
        for filename, data in sorted(self.archives.items()):
            _write_atomically(os.path.join(outdir, filename), data)
        for filename, writer in sorted(self.streamed.items()):
            path = os.path.join(outdir, filename)
            writer(path + ".tmp")
            os.replace(path + ".tmp", path)
        doc = {"format": FORMAT_VERSION, "large": large,
               "default_mtime": DEFAULT_MTIME,
               "cases": [c.to_json() for c in self.cases]}
        _write_atomically(os.path.join(outdir, "expectations.json"),
                          (json.dumps(doc, indent=1, sort_keys=True,
                                      ensure_ascii=True) + "\n").encode())


def _write_atomically(path, data):
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


# ====================================================================== names

def names_dotdot(corpus):
    c = Case("names_dotdot", "Entries with a '..' component are skipped whole "
             "(no implied parent directories either), wherever the '..' is and "
             "whatever it would resolve to; names that merely contain dots are "
             "served.")
    m = []
    def ok(path, name=None):
        data = text("dotdot", path)
        m.append(file_member(name or path, data))
        c.file(path, data)
    def bad(name):
        m.append(file_member(name, text("must not be served", name)))
    ok("ok.txt")
    bad("../escape.txt")
    bad("../../escape-deeper.txt")
    bad("a/../../escape2.txt")
    bad("inner/../inside.txt")
    ok("sub/ok2.txt")
    bad("sub/..")
    m.append(dir_member("../"))
    m.append(dir_member("updir/../"))
    bad("..")
    ok("...")
    ok("..foo")
    ok("foo..")
    ok("sub/...")
    bad("/../abs-escape.txt")
    bad("./../dot-escape.txt")
    bad("sub/../../sub-escape.txt")
    c.dir("sub")
    c.gone("../escape.txt", "escape.txt", "../../escape-deeper.txt",
           "escape-deeper.txt", "escape2.txt", "a", "inner", "inside.txt",
           "updir", "../abs-escape.txt", "abs-escape.txt", "../dot-escape.txt",
           "dot-escape.txt", "../sub-escape.txt", "sub-escape.txt")
    corpus.zip("names_dotdot.zip", m)
    corpus.case(c)


def names_absolute(corpus):
    c = Case("names_absolute", "Leading slashes are stripped, so absolute names "
             "land inside the mount; a name that is only '/' is the root and "
             "adds nothing.")
    m = []
    for name, path in [("/abs.txt", "abs.txt"),
                       ("/etc/layerfs-hostile.conf", "etc/layerfs-hostile.conf"),
                       ("//double-lead.txt", "double-lead.txt"),
                       ("///triple/lead.txt", "triple/lead.txt"),
                       ("/opt/python/x.py", "opt/python/x.py")]:
        data = text("absolute", name)
        m.append(file_member(name, data))
        c.file(path, data)
    m.insert(0, dir_member("/"))
    m.insert(4, dir_member("/opt/", mode=0o750))
    c.dir("etc")
    c.dir("triple")
    c.dir("opt", 0o750)
    c.dir("opt/python")
    c.gone("../abs.txt")
    corpus.zip("names_absolute.zip", m)
    corpus.case(c)


def names_dot(corpus):
    c = Case("names_dot", "Leading './' and inner '.' components are dropped and "
             "repeated slashes collapse; names that become empty ('.', './') are "
             "the root and add nothing; names equal after this are duplicates "
             "(the later wins).")
    m = []
    for name, path in [("./dot.txt", "dot.txt"), ("././a/./b.txt", "a/b.txt"),
                       ("a//c.txt", "a/c.txt"), ("x///y////z.txt", "x/y/z.txt")]:
        data = text("dot", name)
        m.append(file_member(name, data))
        c.file(path, data)
    m.append(file_member(".", text("a file named dot")))
    m.append(dir_member("./", mode=0o700))
    m.append(dir_member("d/./", mode=0o700))
    for i, name in enumerate(["dup.txt", "./dup.txt", ".//dup.txt"]):
        data = text("dup version", i)
        m.append(file_member(name, data))
    c.file("dup.txt", data)
    c.dir("a")
    c.dir("x")
    c.dir("x/y")
    c.dir("d", 0o700)
    corpus.zip("names_dot.zip", m)
    corpus.case(c)


def names_backslash(corpus):
    c = Case("names_backslash_unix", "Made on Unix (create_system 3): a "
             "backslash is an ordinary name character, so these are single "
             "names at the root, and '..\\x' is not a '..' component.")
    m = []
    for name in ["dir\\file.txt", "..\\escape.txt", "a\\..\\b.txt", "trailing\\",
                 "sub/x\\y.txt"]:
        data = text("unix backslash", name)
        m.append(file_member(name, data))
        c.file(name, data)
    c.dir("sub")
    c.gone("dir", "escape.txt", "../escape.txt", "b.txt", "a", "trailing")
    corpus.zip("names_backslash_unix.zip", m)
    corpus.case(c)

    c = Case("names_backslash_dos", "Made on MS-DOS (create_system 0, no Unix "
             "attributes): backslashes are separators, so '..\\' is a '..' "
             "component (skipped) and a leading backslash is an absolute path.")
    m = []
    for name, path in [("dir\\file.txt", "dir/file.txt"), ("\\abs.txt", "abs.txt"),
                       ("sub\\inner\\deep.txt", "sub/inner/deep.txt")]:
        data = text("dos backslash", name)
        m.append(file_member(name, data, system=zw.SYSTEM_DOS))
        c.file(path, data)
    m.insert(2, dir_member("sub\\", system=zw.SYSTEM_DOS))
    m.append(file_member("..\\escape.txt", b"no\n", system=zw.SYSTEM_DOS))
    m.append(file_member("a\\..\\b.txt", b"no\n", system=zw.SYSTEM_DOS))
    c.dir("dir")
    c.dir("sub")
    c.dir("sub/inner")
    c.gone("escape.txt", "../escape.txt", "b.txt", "a", "dir\\file.txt")
    corpus.zip("names_backslash_dos.zip", m)
    corpus.case(c)


def names_control(corpus):
    c = Case("names_control", "Control characters other than NUL are legal in "
             "Linux names and are served unchanged; so are spaces and a "
             "leading '-'.")
    m = []
    for name in ["tab\there.txt", "new\nline.txt", "cr\rreturn.txt",
                 "\x01start.txt", "esc\x1b[31mred.txt", "bell\x07.txt",
                 "del\x7f.txt", "ctl\x02dir/inner.txt", " ",
                 "trailing-space.txt ", "-rf", "\n", "\x1f"]:
        data = text("control", repr(name))
        m.append(file_member(name, data))
        c.file(name, data)
    c.dir("ctl\x02dir")
    corpus.zip("names_control.zip", m)
    corpus.case(c)


def names_nul(corpus):
    c = Case("names_nul", "Entries whose name contains NUL are skipped whole: "
             "not cut at the NUL (a reader that cuts would serve 'evil.txt'). "
             "Note: libzip 1.7.3 turns each NUL in a name into a space, so "
             "'evil.txt .jpg' is what a libzip-based reader would wrongly serve.")
    m = [file_member("ok.txt", text("ok"))]
    c.file("ok.txt", text("ok"))
    for raw in [b"evil.txt\x00.jpg", b"\x00leading.txt", b"nuldir\x00/inner.txt",
                b"sub/a\x00b.txt", b"trailing\x00"]:
        m.append(file_member(raw, text("must not be served", raw.hex())))
    m.append(dir_member(b"nul\x00dir/"))
    m.append(file_member("sub/ok.txt", text("sub ok")))
    c.file("sub/ok.txt", text("sub ok"))
    c.dir("sub")
    c.gone("evil.txt", "evil.txt.jpg", "leading.txt", "nuldir", "sub/a",
           "sub/ab.txt", "trailing", "nul", "nuldir/inner.txt",
           # What libzip's NUL-to-space replacement would produce.
           "evil.txt .jpg", " leading.txt", "nuldir ", "sub/a b.txt",
           "trailing ", "nul dir")
    corpus.zip("names_nul.zip", m)
    corpus.case(c)


def names_long(corpus):
    c = Case("names_long", "A name component of 255 bytes is served; 256 or "
             "more bytes (counted in UTF-8) skips the whole entry, never a "
             "truncated name. Checkers: lstat of a component over 255 bytes "
             "fails with ENAMETOOLONG in the kernel, so 'exact' (readdir) is "
             "what proves these are skipped.")
    m = []
    ok255 = "L" * 251 + ".txt"
    bad256 = "M" * 252 + ".txt"
    bad1024 = "X" * 1020 + ".txt"
    dir255 = "D" * 255
    dir256 = "E" * 256
    utf255 = "\u00e9" * 127 + "x"
    utf256 = "\u00e9" * 128
    for name in [ok255, dir255 + "/f.txt", utf255]:
        data = text("long", len(name.encode()))
        m.append(file_member(name, data))
        c.file(name, data)
    for name in [bad256, bad1024, dir256 + "/f.txt", utf256]:
        m.append(file_member(name, text("too long", len(name.encode()))))
    c.dir(dir255)
    # What a reader that truncates instead of skipping would show.
    c.gone(bad256[:255], bad1024[:255], dir256[:255], "\u00e9" * 127)
    corpus.zip("names_long.zip", m)
    corpus.case(c)

    c = Case("names_long_cp437", "A CP437 name (no UTF-8 flag, not valid "
             "UTF-8) is limited by the length of the UTF-8 name served, not of "
             "the stored bytes: 0x82 (e acute) is one byte stored, two served. "
             "130 stored bytes serve as 255 bytes (kept); 130 stored bytes "
             "that serve as 256 are skipped.")
    m = []
    ok = b"\x82" * 125 + b"x.txt"
    bad = b"\x82" * 126 + b".txt"
    assert len(ok.decode("cp437").encode()) == 255
    assert len(bad.decode("cp437").encode()) == 256
    m.append(file_member(ok, text("cp437 255")))
    m.append(file_member(bad, text("cp437 256")))
    c.file(ok.decode("cp437"), text("cp437 255"))
    corpus.zip("names_long_cp437.zip", m)
    corpus.case(c)

    c = Case("names_long_path", "A path of 18 components of 250 bytes (4.5 KB, "
             "over PATH_MAX) is skipped with a warning, as unzip cannot create "
             "it either; a short name beside it is served. (Unbounded paths let "
             "a small zip imply millions of directories.)")
    parts = ["%02d" % i + "P" * 248 for i in range(18)]
    name = "/".join(parts) + "/end.txt"
    m = [file_member(name, text("end of a long path")),
         file_member("short.txt", text("short"))]
    c.file("short.txt", text("short"))
    corpus.zip("names_long_path.zip", m)
    corpus.case(c)


def names_deep(corpus):
    c = Case("names_deep", "A file 200 directories deep, all implied (0755), "
             "plus one explicit directory entry halfway down.")
    parts = ["d%03d" % i for i in range(200)]
    m = [file_member("/".join(parts) + "/deep.txt", text("deep")),
         dir_member("/".join(parts[:100]) + "/", mode=0o750),
         file_member("/".join(parts[:100]) + "/mid.txt", text("mid"))]
    c.file("/".join(parts) + "/deep.txt", text("deep"))
    c.file("/".join(parts[:100]) + "/mid.txt", text("mid"))
    for i in range(1, 201):
        c.dir("/".join(parts[:i]), 0o750 if i == 100 else 0o755)
    corpus.zip("names_deep.zip", m)
    corpus.case(c)


def names_encoding(corpus):
    c = Case("names_cp437", "Names without the UTF-8 flag that are not valid "
             "UTF-8 are CP437 and served as UTF-8; unflagged names that are "
             "valid UTF-8 are served as they are.")
    m = []
    for raw in [b"caf\x82.txt", b"\x8e\x99\x9a.txt", b"\xe1eta.txt",
                b"box\xc9\xcd\xbb/inner.txt", b"nbsp\xff.txt",
                b"\x9c\x9d\x9e.txt"]:
        data = text("cp437", raw.hex())
        m.append(file_member(raw, data))
        c.file(raw.decode("cp437"), data)
    c.dir("box\u2554\u2550\u2557")
    data = text("unflagged utf-8")
    m.append(file_member(b"na\xc3\xafve.txt", data))
    c.file("na\u00efve.txt", data)
    c.gone("na\u251c\u00bbve.txt", "caf\u00c3\u00a9.txt")
    corpus.zip("names_cp437.zip", m)
    corpus.case(c)

    c = Case("names_utf8", "Names flagged UTF-8 (bit 11) are served byte for "
             "byte: no Unicode normalisation (NFC and NFD spellings of e-acute "
             "are two files), bidi overrides kept.")
    m = []
    for name in ["\u65e5\u672c\u8a9e/\u30d5\u30a1\u30a4\u30eb.txt",
                 "\U0001f40d.py", "e\u0301.txt", "\u00e9.txt",
                 "\u202etxt.exe", "\u03a9/\u03c9.txt"]:
        data = text("utf8", name)
        m.append(file_member(name, data))
        assert m[-1].flags & zw.FLAG_UTF8
        c.file(name, data)
    c.dir("\u65e5\u672c\u8a9e")
    c.dir("\u03a9")
    corpus.zip("names_utf8.zip", m)
    corpus.case(c)

    c = Case("names_utf8_invalid", "A name flagged UTF-8 that is not valid "
             "UTF-8 is still served as its raw bytes (see raw_files), not "
             "decoded as CP437. Note: libzip 1.7.3 refuses to open an archive "
             "with such a name ('inconsistent').")
    bad = b"bad\xff\xfe.txt"
    data = text("flagged but not utf-8")
    m = [file_member("ok.txt", text("ok")),
         file_member(bad, data, flags=zw.FLAG_UTF8)]
    c.file("ok.txt", text("ok"))
    c.raw_file(bad, data)
    c.gone("bad\u00a0\u25a0.txt")
    corpus.zip("names_utf8_invalid.zip", m)
    corpus.case(c)


# ===================================================================== clashes

def clash_in_archive(corpus):
    c = Case("clash_in_archive", "Within one zip, entries apply in order as if "
             "extracted into an empty directory: a later entry replaces an "
             "earlier one of any type (a file or symlink over a directory "
             "hides its whole subtree; an entry below a file turns the file "
             "into an implied directory). A directory entry over an existing "
             "directory only sets its mode: contents stay. An implied parent "
             "never changes an existing directory.")
    m = []
    def f(name, tag):
        m.append(file_member(name, text("clash", name, tag)))
        return text("clash", name, tag)
    def d(name, mode=0o755):
        m.append(dir_member(name, mode=mode))
    def s(name, target):
        m.append(symlink_member(name, target))

    f("a", "file")
    c.file("a/x.txt", f("a/x.txt", "below a file"))
    c.dir("a")

    d("b/")
    f("b/y.txt", "hidden")
    c.file("b", f("b", "file over dir"))
    c.gone("b/y.txt")

    d("c/")
    f("c/z.txt", "hidden")
    s("c", "nowhere-c")
    c.link("c", "nowhere-c")
    c.gone("c/z.txt")

    s("d", "nowhere-d")
    c.file("d/w.txt", f("d/w.txt", "below a symlink"))
    c.dir("d")

    f("e", "file")
    s("e", "nowhere-e")
    c.link("e", "nowhere-e")

    s("f", "nowhere-f")
    c.file("f", f("f", "file over symlink"))

    f("g/old.txt", "hidden")
    f("g", "file over dir, then replaced")
    c.file("g/new.txt", f("g/new.txt", "dir again"))
    c.dir("g")
    c.gone("g/old.txt")

    d("h/", 0o700)
    c.file("h/x.txt", f("h/x.txt", "under explicit dir"))
    c.dir("h", 0o700)

    c.file("i/x.txt", f("i/x.txt", "kept under later dir entry"))
    d("i/", 0o750)
    c.dir("i", 0o750)

    d("j/", 0o700)
    d("j/", 0o750)
    c.dir("j", 0o750)

    f("k/l/m.txt", "hidden")
    c.file("k/l", f("k/l", "file over dir"))
    c.dir("k")
    c.gone("k/l/m.txt")
    corpus.zip("clash_in_archive.zip", m)
    corpus.case(c)


def dup_names(corpus):
    c = Case("dup_names", "Duplicate names in one zip: the later entry wins, "
             "with its own mode and readability (a later unreadable entry "
             "makes the name EIO; a later good one repairs it).")
    m = []
    for i, mode in enumerate([0o644, 0o600, 0o755]):
        data = text("same version", i)
        m.append(file_member("same.txt", data, mode=mode))
    c.file("same.txt", data, 0o755)
    m.append(file_member("dup_then_bad.txt", text("good first")))
    m.append(zw.Member(name=b"dup_then_bad.txt", payload=b"\x00" * 40, method=77,
                       crc=0, usize=50, external_attr=(zw.S_IFREG | 0o640) << 16,
                       made_version=0x31E))
    c.eio_file("dup_then_bad.txt", 50, 0o640)
    m.append(zw.Member(name=b"bad_then_dup.txt", payload=b"\x00" * 40, method=77,
                       crc=0, usize=50, external_attr=(zw.S_IFREG | 0o640) << 16,
                       made_version=0x31E))
    m.append(file_member("bad_then_dup.txt", text("good second")))
    c.file("bad_then_dup.txt", text("good second"))
    m.append(dir_member("dupdir/", 0o700))
    m.append(dir_member("dupdir/", 0o711))
    c.dir("dupdir", 0o711)
    m.append(symlink_member("link", "first-target"))
    m.append(symlink_member("link", "second-target"))
    c.link("link", "second-target")
    corpus.zip("dup_names.zip", m)
    corpus.case(c)


def implied_dirs(corpus):
    c = Case("implied_dirs", "Directories that only appear as parents exist "
             "with mode 0755; an explicit entry sets the mode whether it comes "
             "before or after the entries below it.")
    m = [file_member("a/b/c.txt", text("c")),
         dir_member("x/y/", 0o700),
         file_member("m/n.txt", text("n")),
         dir_member("m/", 0o750),
         dir_member("p/", 0o700),
         file_member("p/q/r.txt", text("r"))]
    c.file("a/b/c.txt", text("c"))
    c.file("m/n.txt", text("n"))
    c.file("p/q/r.txt", text("r"))
    for path, mode in [("a", 0o755), ("a/b", 0o755), ("x", 0o755),
                       ("x/y", 0o700), ("m", 0o750), ("p", 0o700),
                       ("p/q", 0o755)]:
        c.dir(path, mode)
    corpus.zip("implied_dirs.zip", m)
    corpus.case(c)


def stacks(corpus):
    """Three layers applied forward and backward, plus refused stacks."""
    site = "python/lib/python3.12/site-packages/pkg/__init__.py"
    l1 = [file_member("p/one.txt", text("p/one from 1")),
          file_member("q", text("q from 1")),
          file_member("r/deep/x.txt", text("r/deep/x from 1")),
          symlink_member("s", "nowhere-s"),
          file_member("t/t1.txt", text("t1 from 1")),
          file_member("shared/a.txt", text("a from 1")),
          file_member("shared/only1.txt", text("only1 from 1")),
          file_member("bin/tool", text("tool from 1"), mode=0o755),
          file_member(site, text("v1")),
          file_member("u", text("u from 1"))]
    l2 = [file_member("p", text("p from 2")),
          file_member("q/two.txt", text("q/two from 2")),
          symlink_member("r", "nowhere-r"),
          file_member("s/s2.txt", text("s2 from 2")),
          file_member("t/t2.txt", text("t2 from 2")),
          file_member("shared/a.txt", text("a from 2")),
          file_member("shared/b.txt", text("b from 2")),
          file_member("bin/tool", text("tool from 2"), mode=0o644),
          file_member(site, text("v2"))]
    l3 = [file_member("p/three.txt", text("p/three from 3")),
          file_member("shared/c.txt", text("c from 3")),
          dir_member("u/"),
          symlink_member("bin/tool", "tool-real"),
          file_member("bin/tool-real", text("tool-real from 3"), mode=0o755)]
    corpus.zip("stack_1.zip", l1)
    corpus.zip("stack_2.zip", l2)
    corpus.zip("stack_3.zip", l3)
    site_dirs = ["python", "python/lib", "python/lib/python3.12",
                 "python/lib/python3.12/site-packages",
                 "python/lib/python3.12/site-packages/pkg"]

    c = Case("stack_forward", "Layers stack_1, stack_2, stack_3 in that order "
             "(last wins). Across layers a later entry replaces the whole path "
             "whatever the types; directories merge.",
             layers=["stack_1.zip", "stack_2.zip", "stack_3.zip"])
    c.dir("p")
    c.file("p/three.txt", text("p/three from 3"))
    c.dir("q")
    c.file("q/two.txt", text("q/two from 2"))
    c.link("r", "nowhere-r")
    c.dir("s")
    c.file("s/s2.txt", text("s2 from 2"))
    c.dir("t")
    c.file("t/t1.txt", text("t1 from 1"))
    c.file("t/t2.txt", text("t2 from 2"))
    c.dir("shared")
    c.file("shared/a.txt", text("a from 2"))
    c.file("shared/only1.txt", text("only1 from 1"))
    c.file("shared/b.txt", text("b from 2"))
    c.file("shared/c.txt", text("c from 3"))
    c.dir("bin")
    c.link("bin/tool", "tool-real")
    c.file("bin/tool-real", text("tool-real from 3"), 0o755)
    for d in site_dirs:
        c.dir(d)
    c.file(site, text("v2"))
    c.dir("u")
    c.gone("p/one.txt", "r/deep", "r/deep/x.txt")
    corpus.case(c)

    c = Case("stack_reverse", "The same three zips in the opposite order: "
             "stack_3, stack_2, stack_1 (stack_1 wins). Proves order matters.",
             layers=["stack_3.zip", "stack_2.zip", "stack_1.zip"])
    c.dir("p")
    c.file("p/one.txt", text("p/one from 1"))
    c.file("q", text("q from 1"))
    c.dir("r")
    c.dir("r/deep")
    c.file("r/deep/x.txt", text("r/deep/x from 1"))
    c.link("s", "nowhere-s")
    c.dir("t")
    c.file("t/t1.txt", text("t1 from 1"))
    c.file("t/t2.txt", text("t2 from 2"))
    c.dir("shared")
    c.file("shared/a.txt", text("a from 1"))
    c.file("shared/only1.txt", text("only1 from 1"))
    c.file("shared/b.txt", text("b from 2"))
    c.file("shared/c.txt", text("c from 3"))
    c.dir("bin")
    c.file("bin/tool", text("tool from 1"), 0o755)
    c.file("bin/tool-real", text("tool-real from 3"), 0o755)
    for d in site_dirs:
        c.dir(d)
    c.file(site, text("v1"))
    c.file("u", text("u from 1"))
    c.gone("p/three.txt", "q/two.txt", "s/s2.txt")
    corpus.case(c)

    corpus.zip("stack_dirmodes_1.zip", [
        dir_member("m/", 0o700), file_member("m/f1", text("m f1")),
        dir_member("n/", 0o700), file_member("o/f1", text("o f1"))])
    corpus.zip("stack_dirmodes_2.zip", [
        file_member("m/f2", text("m f2")), dir_member("n/", 0o750),
        dir_member("o/", 0o700)])
    c = Case("stack_dir_modes", "Modes of directories merged across layers "
             "follow extraction in order with unzip -o, which leaves an "
             "existing directory alone: the layer that first creates a "
             "directory sets its mode (0755 if it only implies it); a later "
             "explicit entry for it changes nothing.",
             layers=["stack_dirmodes_1.zip", "stack_dirmodes_2.zip"])
    c.dir("m", 0o700)
    c.file("m/f1", text("m f1"))
    c.file("m/f2", text("m f2"))
    c.dir("n", 0o700)
    c.dir("o", 0o755)
    c.file("o/f1", text("o f1"))
    corpus.case(c)


def stacks_refused(corpus):
    """Must run after the archives they name exist."""
    corpus.case(Case("stack_bad_last", "One layer that cannot be opened refuses "
                     "the whole mount, even when the others are fine.",
                     layers=["stack_1.zip", "not_a_zip.zip"], expect="refuse",
                     reason="not a zip"))
    corpus.case(Case("stack_bad_first", "A damaged first layer refuses the "
                     "whole mount.", layers=["trunc_in_cd.zip", "stack_1.zip"],
                     expect="refuse", reason="central directory truncated"))


# ======================================================================= modes

def modes_unix(corpus):
    c = Case("modes_unix", "Permission bits come from external_attr >> 16 with "
             "setuid, setgid and sticky stripped; 0000 stays 0000; FIFOs, "
             "devices and sockets are served as regular files holding the "
             "entry's bytes; Unix attributes without type bits are a file or a "
             "directory by the trailing slash. Checkers: read mode-0000/0400 "
             "files as root.")
    m = []
    for name, ftype, mode, served in [
            ("m0000.txt", zw.S_IFREG, 0o000, 0o000),
            ("m0600.txt", zw.S_IFREG, 0o600, 0o600),
            ("m0777.txt", zw.S_IFREG, 0o777, 0o777),
            ("m0400.txt", zw.S_IFREG, 0o400, 0o400),
            ("m0755.sh", zw.S_IFREG, 0o755, 0o755),
            ("setuid.bin", zw.S_IFREG, 0o4755, 0o755),
            ("setgid.bin", zw.S_IFREG, 0o2755, 0o755),
            ("sticky.txt", zw.S_IFREG, 0o1644, 0o644),
            ("allbits.bin", zw.S_IFREG, 0o7777, 0o777),
            ("fifo", zw.S_IFIFO, 0o644, 0o644),
            ("chardev", zw.S_IFCHR, 0o600, 0o600),
            ("blockdev", zw.S_IFBLK, 0o640, 0o640),
            ("socket", zw.S_IFSOCK, 0o755, 0o755),
            ("notype.txt", 0, 0o644, 0o644)]:
        data = text("mode", name, oct(ftype | mode))
        m.append(file_member(name, data, mode=mode, ftype=ftype))
        c.file(name, data, served)
    for name, mode, served in [("tmpdir/", 0o1777, 0o777),
                               ("sgiddir/", 0o2775, 0o775),
                               ("d0000/", 0o000, 0o000)]:
        m.append(dir_member(name, mode))
        c.dir(name[:-1], served)
    m.append(zw.Member(name=b"notype_dir/", external_attr=(0o755 << 16),
                       made_version=0x31E))
    c.dir("notype_dir", 0o755)
    corpus.zip("modes_unix.zip", m)
    corpus.case(c)

    c = Case("modes_unix_zero_attr", "Made on Unix (create_system 3) but "
             "external_attr is 0: mode 0000, file or directory by the "
             "trailing slash, as Info-ZIP unzip leaves them (never more "
             "permissive than unzip). Checkers: read as root.")
    m = [zw.Member(name=b"zero.txt", payload=text("zero attrs"),
                   crc=zlib.crc32(text("zero attrs")), usize=len(text("zero attrs")),
                   external_attr=0, made_version=0x31E),
         zw.Member(name=b"zerodir/", external_attr=0, made_version=0x31E)]
    c.file("zero.txt", text("zero attrs"), 0o000)
    c.dir("zerodir", 0o000)
    corpus.zip("modes_unix_zero_attr.zip", m)
    corpus.case(c)


def modes_dos(corpus):
    c = Case("modes_dos", "No Unix attributes (create_system 0), modes as "
             "unzip gives them under umask 022: files 0644, read-only files "
             "0444 (exec bits lost, as on AWS, so a bootstrap made this way is "
             "not executable), directories 0755; the hidden bit is ignored.")
    m = []
    dos = zw.SYSTEM_DOS
    for name, attr, mode in [("bootstrap", zw.DOS_ARCHIVE, 0o644),
                             ("bin/tool.exe", zw.DOS_ARCHIVE, 0o644),
                             ("readonly.txt", zw.DOS_READONLY | zw.DOS_ARCHIVE, 0o444),
                             ("hidden.txt", zw.DOS_HIDDEN | zw.DOS_ARCHIVE, 0o644),
                             ("implied/inner.txt", 0, 0o644)]:
        data = text("dos", name)
        m.append(file_member(name, data, system=dos, dos_attr=attr))
        c.file(name, data, mode)
    m.insert(1, dir_member("bin/", system=dos))
    c.dir("bin")
    c.dir("implied")
    corpus.zip("modes_dos.zip", m)
    corpus.case(c)

    c = Case("modes_dos_unix_bits", "Made on MS-DOS/FAT (create_system 0) "
             "with Unix mode bits in the high word of external_attr, as some "
             "Windows tools write: unzip keeps them when their owner part "
             "agrees with the DOS flags (rw- for a writable file, r-- for a "
             "read-only one), else gives its defaults. Never more permissive "
             "than unzip.")
    m = []
    for name, st_mode, attr, served in [
            ("m0600.txt", 0o600, zw.DOS_ARCHIVE, 0o600),
            ("m0640.txt", 0o640, zw.DOS_ARCHIVE, 0o640),
            ("m0660.txt", 0o660, zw.DOS_ARCHIVE, 0o660),
            ("m0664.txt", 0o664, zw.DOS_ARCHIVE, 0o664),
            ("m0755.txt", 0o755, zw.DOS_ARCHIVE, 0o644),
            ("m0777.txt", 0o777, zw.DOS_ARCHIVE, 0o644),
            ("m0444.txt", 0o444, zw.DOS_ARCHIVE, 0o644),
            ("ro0600.txt", 0o600, zw.DOS_READONLY | zw.DOS_ARCHIVE, 0o444),
            ("ro0440.txt", 0o440, zw.DOS_READONLY | zw.DOS_ARCHIVE, 0o440)]:
        data = text("dos unix bits", name)
        member = file_member(name, data, system=dos)
        member.external_attr = ((zw.S_IFREG | st_mode) << 16) | attr
        m.append(member)
        c.file(name, data, served)
    corpus.zip("modes_dos_unix_bits.zip", m)
    corpus.case(c)

    c = Case("dir_type_no_slash", "Entries typed as directories (S_IFDIR in "
             "the Unix attributes, or the DOS directory attribute 0x10) whose "
             "names lack the trailing '/': unzip makes them empty files, with "
             "the mode of the attributes (0755 from the DOS flag's search "
             "bits).")
    m = []
    unix_dir = file_member("unix-dir", b"", method=STORED)
    unix_dir.external_attr = ((zw.S_IFDIR | 0o700) << 16) | zw.DOS_DIRECTORY
    m.append(unix_dir)
    c.file("unix-dir", b"", 0o700)
    dos_dir = file_member("dos-dir", b"", method=STORED, system=dos)
    dos_dir.external_attr = zw.DOS_DIRECTORY
    m.append(dos_dir)
    c.file("dos-dir", b"", 0o755)
    m.append(dir_member("real-dir/"))
    c.dir("real-dir")
    corpus.zip("dir_type_no_slash.zip", m)
    corpus.case(c)


# ==================================================================== symlinks

def symlinks(corpus):
    c = Case("symlinks", "Symlinks are served with the stored target byte for "
             "byte, never followed or checked: absolute, out of the tree, "
             "dangling, looping, to '.', with a trailing newline, stored "
             "deflated.")
    m = [file_member("target.txt", text("target")),
         file_member("sub/inner.txt", text("inner"))]
    c.file("target.txt", text("target"))
    c.file("sub/inner.txt", text("inner"))
    c.dir("sub")
    long_target = "/".join(["segment%03d" % i for i in range(100)])
    for name, target, method in [
            ("abs", "/etc/passwd", STORED),
            ("abs_opt", "/opt/python/lib", STORED),
            ("rel", "target.txt", STORED),
            ("rel_dir", "sub", STORED),
            ("sub/up", "../target.txt", STORED),
            ("escape", "../../../../etc/shadow", STORED),
            ("dangling", "does/not/exist", STORED),
            ("loop_a", "loop_b", STORED),
            ("loop_b", "loop_a", STORED),
            ("self", "self", STORED),
            ("dot", ".", STORED),
            ("dotdot", "..", STORED),
            ("newline", "target.txt\n", STORED),
            ("deflated", "sub/inner.txt", DEFLATED),
            ("long", long_target, DEFLATED),
            ("unicode", "\u30d5\u30a1\u30a4\u30eb", STORED)]:
        m.append(symlink_member(name, target, method=method))
        c.link(name, target)
    m.append(symlink_member("mode0000", "target.txt", mode=0))
    c.link("mode0000", "target.txt")
    # No target at all: unzip leaves an empty file with the entry's mode.
    m.append(symlink_member("empty-target", ""))
    c.file("empty-target", b"", 0o777)
    m.append(symlink_member("empty-target-0700", "", mode=0o700))
    c.file("empty-target-0700", b"", 0o700)
    corpus.zip("symlinks.zip", m)
    corpus.case(c)

    c = Case("symlink_slip", "Zip-slip through a symlink: 'esc' -> '..' then "
             "an entry 'esc/escape.txt'. The later entry turns 'esc' into a "
             "directory inside the mount; nothing appears beside the mount.")
    m = []
    for link, target, below in [("esc", "..", "esc/escape.txt"),
                                ("abs", "/tmp", "abs/pwned.txt"),
                                ("deep", "../../..", "deep/a/b.txt")]:
        m.append(symlink_member(link, target))
        m.append(file_member(below, text("slip", below)))
        c.file(below, text("slip", below))
        c.dir(link)
    c.dir("deep/a")
    c.gone("../escape.txt", "../pwned.txt", "../a")
    corpus.zip("symlink_slip.zip", m)
    corpus.case(c)


# ===================================================================== methods

def methods(corpus):
    c = Case("methods", "Stored, deflated (levels 0, 1 and 9) and bzip2 "
             "entries, empty and not, all read back exactly.")
    m = []
    for name, method, data in [
            ("stored.bin", STORED, mixed(b"stored", 100000)),
            ("deflate.bin", DEFLATED, mixed(b"deflate", 100000)),
            ("bzip2.bin", BZIP2, mixed(b"bzip2", 100000)),
            ("empty-stored", STORED, b""),
            ("empty-deflate", DEFLATED, b""),
            ("empty-bzip2", BZIP2, b"")]:
        m.append(file_member(name, data, method=method))
        c.file(name, data)
    for level in (0, 1):
        data = mixed(b"level%d" % level, 100000)
        member = file_member("deflate-level%d.bin" % level, data)
        member.payload = zw.deflate(data, level)
        m.append(member)
        c.file("deflate-level%d.bin" % level, data)
    corpus.zip("methods.zip", m)
    corpus.case(c)

    for method, name, label in [(LZMA, "lzma", "LZMA (method 14, with EOS "
                                 "marker)"), (XZ, "xz", "xz (method 95)")]:
        c = Case("method_" + name, "%s entries are read back exactly%s. "
                 "Empty entries need no decoding and serve as empty files."
                 % (label, _UNTIL_DECODED))
        data = mixed(name.encode(), 200000)
        m = [file_member(name + ".bin", data, method=method),
             file_member("empty-" + name, b"", method=method),
             file_member("ok.txt", text("ok"), method=STORED)]
        _decoded_file(c, name + ".bin", data)
        c.file("empty-" + name, b"")
        c.file("ok.txt", text("ok"))
        corpus.zip("method_%s.zip" % name, m)
        corpus.case(c)

    c = Case("method_zstd", "zstd (method 93) entries are read back exactly%s. "
             "The frames use raw and RLE blocks only (no entropy-coded blocks: "
             "the standard library cannot make them) and span several 128 KiB "
             "blocks. Empty entries need no decoding and serve as empty "
             "files." % _UNTIL_DECODED)
    m = []
    for name, segments in [
            ("zstd.bin", [mixed(b"zstd", 150000), (0, 200000), b"tail\n",
                          (0x41, 5)]),
            ("empty-zstd", [])]:
        frame, data = zw.zstd_frame(segments)
        m.append(zw.Member(name=name.encode(), payload=frame, method=ZSTD,
                           crc=zlib.crc32(data), usize=len(data),
                           extract_version=63,
                           external_attr=(zw.S_IFREG | 0o644) << 16,
                           made_version=0x31E))
        if data:
            _decoded_file(c, name, data)
        else:
            c.file(name, data)
    m.append(file_member("ok.txt", text("ok"), method=STORED))
    c.file("ok.txt", text("ok"))
    corpus.zip("method_zstd.zip", m)
    corpus.case(c)

    junk = hashlib.shake_256(b"junk").digest(500)
    for name, note, entries in [
            ("method_unsupported", "Entries in methods layerfs does not read "
             "are listed with their size but read() fails with EIO: a made-up "
             "method 77, implode (6), and deflate64 (9, here a valid stream). "
             "The rest serve.",
             [("m77.bin", 77, junk, 1000),
              ("m06-implode.bin", 6, junk, 1000),
              ("m09-deflate64.bin", 9, zw.deflate(mixed(b"d64", 3000), 0), 3000)]),
            ("method_99_no_aes", "Method 99 (AES) without the 0x9901 extra "
             "field that says how: unreadable, so EIO; the rest serve. Note: "
             "libzip 1.7.3 refuses to open the whole archive over this entry.",
             [("m99-no-aes.bin", 99, junk, 1000)])]:
        c = Case(name, note)
        m = [file_member("ok.txt", text("ok"))]
        c.file("ok.txt", text("ok"))
        for entry, method, payload, usize in entries:
            m.append(zw.Member(
                name=entry.encode(), payload=payload, method=method,
                crc=zlib.crc32(mixed(b"d64", 3000)) if method == 9 else 0,
                usize=usize, external_attr=(zw.S_IFREG | 0o644) << 16,
                made_version=0x31E))
            c.eio_file(entry, usize)
        m.append(file_member("after.txt", text("after")))
        c.file("after.txt", text("after"))
        corpus.zip(name + ".zip", m)
        corpus.case(c)


_UNTIL_DECODED = "" if DECODES_LZMA_XZ_ZSTD else (
    " once layerfs decodes the method itself; until then (Debian 12's libzip "
    "1.7.3 is built without liblzma and libzstd) they give EIO on read")


def _decoded_file(case, path, data):
    """An entry in a method only some builds decode: see DECODES_LZMA_XZ_ZSTD."""
    if DECODES_LZMA_XZ_ZSTD:
        case.file(path, data)
    else:
        case.eio_file(path, len(data))


def encrypted(corpus):
    c = Case("encrypted", "Encrypted entries (ZipCrypto with password "
             "'layerfs', really encrypted; WinZip AES AE-1 and AE-2, method 99 "
             "with extra 0x9901, not real ciphertext) are listed with their "
             "size, read() fails with EIO. The plain entries serve.")
    m = [file_member("ok.txt", text("ok"))]
    c.file("ok.txt", text("ok"))
    password = b"layerfs"
    for name, method in [("zipcrypto-deflate.txt", DEFLATED),
                         ("zipcrypto-stored.txt", STORED)]:
        data = mixed(name.encode(), 5000)
        member = file_member(name, data, method=method)
        member.payload = zw.zipcrypto_encrypt(member.payload, password,
                                              member.crc >> 24)
        member.flags |= zw.FLAG_ENCRYPTED
        m.append(member)
        c.eio_file(name, len(data))
    for name, version, strength, salt_len in [("aes256-ae2.txt", 2, 3, 16),
                                              ("aes128-ae1.txt", 1, 1, 8)]:
        data = mixed(name.encode(), 5000)
        fake = hashlib.shake_256(name.encode()).digest(salt_len + 2 + len(data) + 10)
        extra = zw.aes_extra(strength, STORED, version)
        m.append(zw.Member(name=name.encode(), payload=fake, method=zw.AES,
                           crc=0 if version == 2 else zlib.crc32(data),
                           usize=len(data), flags=zw.FLAG_ENCRYPTED,
                           extract_version=51, local_extra=extra,
                           central_extra=extra,
                           external_attr=(zw.S_IFREG | 0o644) << 16,
                           made_version=0x31E))
        c.eio_file(name, len(data))
    # Zero-length and encrypted: nothing to decrypt, so an empty file
    # (decided; unzip without the password skips it, with it writes it empty).
    empty = file_member("zipcrypto-empty.txt", b"", method=STORED)
    empty.payload = zw.zipcrypto_encrypt(b"", password, empty.crc >> 24)
    empty.flags |= zw.FLAG_ENCRYPTED
    m.append(empty)
    c.file("zipcrypto-empty.txt", b"")
    m.append(file_member("after.txt", text("after")))
    c.file("after.txt", text("after"))
    corpus.zip("encrypted.zip", m)
    corpus.case(c)


def data_descriptors(corpus):
    c = Case("data_descriptor", "Entries written with flag bit 3 (zeros in the "
             "local header, a data descriptor after the data, with and without "
             "its optional signature) read back exactly: the central directory "
             "has the real sizes.")
    m = []
    for name, method, desc in [("dd-sig-deflate.txt", DEFLATED, "sig"),
                               ("dd-nosig-deflate.txt", DEFLATED, "nosig"),
                               ("dd-sig-stored.txt", STORED, "sig"),
                               ("plain.txt", DEFLATED, None)]:
        data = mixed(name.encode(), 20000)
        member = file_member(name, data, method=method, descriptor=desc)
        if desc:
            member.flags |= zw.FLAG_DATA_DESCRIPTOR
        m.append(member)
        c.file(name, data)
    corpus.zip("data_descriptor.zip", m)
    corpus.case(c)


def comments(corpus):
    c = Case("comments", "An archive comment and entry comments (one of the "
             "maximum 65,535 bytes) change nothing that is served.")
    m = [file_member("a.txt", text("a"), comment=b"a short entry comment"),
         file_member("b.txt", text("b"), comment=(b"0123456789abcdef" * 4096)[:65535]),
         dir_member("d/", comment=b"a directory comment")]
    c.file("a.txt", text("a"))
    c.file("b.txt", text("b"))
    c.dir("d")
    corpus.zip("comments.zip", m, comment=b"layerfs hostile corpus: archive comment")
    corpus.case(c)

    c = Case("comment_fake_eocd", "The archive comment contains a fake "
             "end-of-central-directory record (pointing at offset 0). The real "
             "record is the one whose comment runs exactly to the end of the "
             "file; a reader must not be fooled by the first signature it "
             "finds scanning backwards.")
    fake = b"PK\x05\x06" + bytes(4) + b"\x01\x00\x01\x00" + b"\x2e\x00\x00\x00" \
        + bytes(4) + b"\x00\x00"
    m = [file_member("real.txt", text("real"))]
    c.file("real.txt", text("real"))
    corpus.zip("comment_fake_eocd.zip", m, comment=b"before " + fake + b" after")
    corpus.case(c)


def prefix_stub(corpus):
    stub = b"#!/bin/sh\necho 'self-extracting layer'\nexit 0\n"
    stub += b"PK\x03\x04 not a real local header\n"
    stub += hashlib.shake_256(b"stub").digest(4096 - len(stub))
    assert len(stub) == 4096
    members = [file_member("a.txt", text("a")),
               file_member("dir/b.txt", mixed(b"b", 10000))]
    for name, adjusted, note in [
            ("prefix_stub", False, "4 KiB of junk before the zip, offsets NOT "
             "adjusted (as 'cat stub a.zip > sfx.zip' makes): served normally, "
             "offsets found relative to where the central directory really is."),
            ("prefix_stub_adjusted", True, "4 KiB of junk before the zip with "
             "offsets adjusted to count it (as 'zip -A' makes): served "
             "normally.")]:
        built = zw.build(members, base_offset=len(stub) if adjusted else 0)
        corpus.add(name + ".zip", stub + built.data)
        c = Case(name, note)
        c.file("a.txt", text("a"))
        c.file("dir/b.txt", mixed(b"b", 10000))
        c.dir("dir")
        corpus.case(c)


# ================================================================ broken files

def truncations(corpus):
    a, b, cc = mixed(b"ta", 1000), mixed(b"tb", 20000), mixed(b"tc", 1000)
    members = [file_member("a.txt", a, method=STORED),
               file_member("b.txt", b, method=DEFLATED),
               file_member("c.txt", cc, method=STORED)]
    base = zw.build(members)
    data = base.data

    for name, cut, reason, note in [
            ("trunc_half", len(data) // 2, "end of central directory missing",
             "Cut in the middle of the local data: no end record, so nothing "
             "can be trusted. Refused."),
            ("trunc_at_cd", base.cd_offset, "end of central directory missing",
             "Cut exactly where the central directory starts (only local "
             "entries remain). Refused: layerfs does not scan local headers."),
            ("trunc_in_cd", base.cd_offset + 30, "central directory truncated",
             "Cut inside the first central-directory record. Refused."),
            ("trunc_in_eocd", len(data) - 10, "end of central directory truncated",
             "Cut inside the end record (its last 10 bytes are missing). "
             "Refused."),
            ("trunc_last_byte", len(data) - 1, "end of central directory truncated",
             "Only the last byte of the end record (its comment length) is "
             "missing. Refused.")]:
        corpus.add(name + ".zip", data[:cut])
        corpus.case(Case(name, note, expect="refuse", reason=reason))

    # A 200-byte archive comment of which only 100 bytes are present.
    with_comment = zw.build(members, comment=bytes(range(65, 65 + 25)) * 8)
    corpus.add("trunc_comment.zip", with_comment.data[:-100])
    c = Case("trunc_comment", "Only the archive comment is cut short (the "
             "end record says 200 bytes, 100 are there). The central directory "
             "is whole: served, with a warning, as unzip, libzip and Python "
             "open it.")
    c.file("a.txt", a)
    c.file("b.txt", b)
    c.file("c.txt", cc)
    corpus.case(c)

    # b.txt loses the second half of its data; c.txt and the central
    # directory move up and are written with correct offsets, but the
    # central record of b.txt still claims the full compressed size.
    short = file_member("b.txt", b, method=DEFLATED)
    short.cd_csize = len(short.payload)
    short.payload = short.payload[:len(short.payload) // 2]
    corpus.zip("trunc_local_data.zip", [members[0], short, members[2]])
    c = Case("trunc_local_data", "The second half of b.txt's compressed data "
             "is missing but the central directory (rewritten to match where "
             "everything now is) is whole: served; b.txt, whose recorded size "
             "now runs into c.txt and the central directory, gives EIO.")
    c.file("a.txt", a)
    c.eio_file("b.txt", len(b))
    c.file("c.txt", cc)
    corpus.case(c)

    # The end record's central-directory offset points past the end.
    eocd = bytearray(data)
    cd_offset_field = base.eocd_offset + 16
    eocd[cd_offset_field:cd_offset_field + 4] = (len(data) + 1000).to_bytes(4, "little")
    corpus.add("cd_offset_past_eof.zip", bytes(eocd))
    corpus.case(Case("cd_offset_past_eof", "The end record says the central "
                     "directory starts past the end of the file. Refused.",
                     expect="refuse", reason="central directory past end of file"))

    last = file_member("c.txt", cc, method=STORED, cd_offset=0x7FFFFFF0)
    corpus.zip("cd_record_past_eof.zip", [members[0], members[1], last])
    corpus.case(Case("cd_record_past_eof", "A central-directory record points "
                     "at a local header past the end of the file. Refused (the "
                     "central directory contradicts the file).",
                     expect="refuse", reason="entry offset past end of file"))

    # A stored entry has no end marker: its recorded size is the only way
    # to know where it ends, so this one really cannot be read.
    claimed = 1 << 30
    last = file_member("c.txt", cc, method=STORED, usize=claimed,
                       cd_csize=claimed, local_csize=claimed)
    corpus.zip("data_past_eof.zip", [members[0], members[1], last])
    c = Case("data_past_eof", "The last entry (stored) has its local header in "
             "the file but claims 1 GiB of data, which runs past the end of the "
             "file: served, that entry is listed with 1 GiB and gives EIO.")
    c.file("a.txt", a)
    c.file("b.txt", b)
    c.eio_file("c.txt", claimed)
    corpus.case(c)

    corpus.add("empty_file.zip", b"")
    corpus.case(Case("empty_file", "A zero-byte file. Refused.",
                     expect="refuse", reason="not a zip (empty)"))
    corpus.add("not_a_zip.zip", b"This is a text file, not a zip.\n" * 20)
    corpus.case(Case("not_a_zip", "Plain text with a .zip name. Refused.",
                     expect="refuse", reason="not a zip"))

    corpus.zip("empty_archive.zip", [])
    corpus.case(Case("empty_archive", "A valid zip with no entries (only the "
                     "22-byte end record): served, the mount root is empty."))


def bad_data(corpus):
    c = Case("bad_crc", "Entries whose data is intact but whose recorded CRC "
             "is wrong (in the local header and the central directory alike): "
             "reading them to the end fails with EIO.")
    m = [file_member("ok.txt", text("ok"))]
    c.file("ok.txt", text("ok"))
    for name, method in [("badcrc-stored.txt", STORED),
                         ("badcrc-deflate.txt", DEFLATED)]:
        data = mixed(name.encode(), 3000)
        member = file_member(name, data, method=method)
        member.crc ^= 0x80000001
        m.append(member)
        c.eio_file(name, len(data))
    corpus.zip("bad_crc.zip", m)
    corpus.case(c)

    c = Case("corrupt_streams", "Compressed data that cannot be decoded, or "
             "that decodes to other than the recorded size: EIO for each, the "
             "rest serve.")
    m = [file_member("ok.txt", text("ok"))]
    c.file("ok.txt", text("ok"))
    def lie(name, data, payload, usize, method=DEFLATED):
        m.append(zw.Member(name=name.encode(), payload=payload, method=method,
                           crc=zlib.crc32(data), usize=usize,
                           extract_version=46 if method == BZIP2 else 20,
                           external_attr=(zw.S_IFREG | 0o644) << 16,
                           made_version=0x31E))
        c.eio_file(name, usize)
    data = mixed(b"corrupt", 2000)
    # BFINAL=1, BTYPE=11: a reserved block type, invalid in any deflate stream.
    lie("reserved-block.bin", data, b"\x07" + bytes(50), 2000)
    whole = zw.deflate(data)
    lie("cut-deflate.bin", data, whole[:len(whole) // 2], 2000)
    lie("size-short.bin", data, whole, 1000)
    lie("size-long.bin", data, whole, 4000)
    lie("corrupt-bzip2.bin", data, b"BZh91AY&SY" + bytes(40), 2000, BZIP2)
    m.append(file_member("after.txt", text("after")))
    c.file("after.txt", text("after"))
    corpus.zip("corrupt_streams.zip", m)
    corpus.case(c)

    c = Case("local_cd_mismatch", "The local header names differ from the "
             "central directory's ('../../evil.txt'; a 300-byte name). The "
             "central directory is authoritative for names; the local header "
             "only says where the data starts.")
    m = [file_member("innocent.txt", text("innocent"), local_name=b"../../evil.txt"),
         file_member("second.txt", mixed(b"second", 5000), local_name=b"x" * 300)]
    c.file("innocent.txt", text("innocent"))
    c.file("second.txt", mixed(b"second", 5000))
    c.gone("../evil.txt", "../../evil.txt", "evil.txt")
    corpus.zip("local_cd_mismatch.zip", m)
    corpus.case(c)


# ================================================================ times, sizes

def mtimes(corpus):
    c = Case("mtime", "Modification times: the 0x5455 extended timestamp when "
             "present (it wins over the DOS time), else the DOS date and time "
             "read as UTC (2-second resolution).")
    m = []
    def at(name, date_time, ext, expected):
        data = text("mtime", name)
        m.append(file_member(name, data, date_time=date_time, mtime=ext))
        c.file(name, data, mtime=expected)
    at("dos-only.txt", (2021, 6, 15, 12, 34, 56), None, 1623760496)
    at("dos-odd-second.txt", (2021, 6, 15, 12, 34, 57), None, 1623760496)
    at("dos-1980.txt", (1980, 1, 1, 0, 0, 0), None, 315532800)
    at("dos-2107.txt", (2107, 12, 31, 23, 59, 58), None, 4354819198)
    at("ext.txt", zw.DEFAULT_TIME, 1700000000, 1700000000)
    at("ext-pre1980.txt", zw.DEFAULT_TIME, 315532799, 315532799)
    at("ext-1971.txt", zw.DEFAULT_TIME, 31536000, 31536000)
    m.append(dir_member("dir-ext/", date_time=(2000, 1, 1, 0, 0, 0),
                        local_extra=zw.extended_timestamp(1600000000),
                        central_extra=zw.extended_timestamp(1600000000)))
    c.dir("dir-ext", mtime=1600000000)
    m.append(dir_member("dir-dos/", date_time=(2000, 1, 1, 0, 0, 0)))
    c.dir("dir-dos", mtime=946684800)
    # A DOS date field of 0: unzip reads month 0 as January and day 0 as
    # the day before the 1st.
    at("dos-date-zero.txt", (1980, 0, 0, 0, 0, 0), None, 315446400)
    # The PKWARE Unix extra field (0x000d: atime, mtime, uid, gid) gives the
    # mtime when no 0x5455 field does; the last Unix field met wins.
    pk = struct.pack("<HHIIHH", 0x000d, 12, 1000000000, 1234567890, 0, 0)
    for name, ext, extra, expected in [
            ("pkware-unix.txt", None, pk, 1234567890),
            ("pkware-and-ut.txt", 1500000000, pk, 1500000000),
            ("ux-then-pkware.txt", None,
             struct.pack("<HHII", 0x5855, 8, 0, 1400000000) + pk, 1234567890)]:
        data = text("mtime", name)
        member = file_member(name, data, mtime=ext)
        member.local_extra = member.central_extra = extra + member.central_extra
        m.append(member)
        c.file(name, data, mtime=expected)
    corpus.zip("mtime.zip", m)
    corpus.case(c)


def many_entries(corpus):
    count = 70000
    c = Case("many_entries", "70,000 files in one directory: more than 65,535 "
             "entries, so the count is only in the zip64 end record (the "
             "classic record says 0xFFFF). 'counts' gives the readdir count.",
             exact=False)
    m = []
    for i in range(count):
        data = b"%05d\n" % i
        m.append(zw.Member(name=b"many/f%05d.txt" % i, payload=data, crc=zlib.crc32(data),
                           usize=len(data), external_attr=(zw.S_IFREG | 0o644) << 16,
                           made_version=0x31E, extract_version=10))
    m.append(file_member("after.txt", text("after")))
    for i in (0, 1, 65534, 65535, 65536, 69999):
        c.file("many/f%05d.txt" % i, b"%05d\n" % i)
    c.file("after.txt", text("after"))
    c.dir("many")
    c.counts = {"many": count, "": 2}
    corpus.zip("many_entries.zip", m)
    corpus.case(c)


def entry_counts(corpus):
    count = 65540
    c = Case("count_wrapped", "65,540 files and no zip64 records: the end "
             "record's 16-bit count has wrapped to 4. Every record in the "
             "central directory's byte range is served (as unzip, libzip and "
             "Python read them), with a warning. 'counts' gives the readdir "
             "count.", exact=False)
    m = []
    for i in range(count):
        data = b"%05d\n" % i
        m.append(zw.Member(name=b"w/f%05d.txt" % i, payload=data, crc=zlib.crc32(data),
                           usize=len(data), external_attr=(zw.S_IFREG | 0o644) << 16,
                           made_version=0x31E, extract_version=10))
    for i in (0, 3, 4, 65535, 65536, 65539):
        c.file("w/f%05d.txt" % i, b"%05d\n" % i)
    c.dir("w")
    c.counts = {"w": count, "": 1}
    corpus.zip("count_wrapped.zip", m, entry_count=count)
    corpus.case(c)

    c = Case("count_low", "Three entries, but the end record counts one: "
             "all three are served, with a warning.")
    m = []
    for name in ("a.txt", "b.txt", "c.txt"):
        m.append(file_member(name, text("count", name)))
        c.file(name, text("count", name))
    corpus.zip("count_low.zip", m, entry_count=1)
    corpus.case(c)

    c = Case("multi_disk_single", "The end record says disk 1 of a "
             "multi-disk set, but this file holds the whole archive: unzip "
             "warns and extracts, and so layerfs serves it, with a warning "
             "(every offset is still checked against this one file).")
    m = [file_member("a.txt", text("disk")), file_member("d/b.txt", mixed(b"disk", 5000))]
    c.file("a.txt", text("disk"))
    c.file("d/b.txt", mixed(b"disk", 5000))
    c.dir("d")
    corpus.zip("multi_disk_single.zip", m, disk=1)
    corpus.case(c)


def zip64_huge_size(corpus):
    c = Case("zip64_huge_size", "A zip64 uncompressed size of 2^63 (more "
             "than off_t holds): the entry lists with its compressed size "
             "(16 bytes) and reads fail with EIO; stat, statfs and the other "
             "entries are unharmed.")
    huge = zw.Member(name=b"huge.bin", payload=b"0123456789abcdef", crc=0,
                     usize=1 << 63, external_attr=(zw.S_IFREG | 0o644) << 16,
                     made_version=0x31E, zip64=True)
    m = [huge, file_member("ok.txt", text("ok"))]
    c.eio_file("huge.bin", 16)
    c.file("ok.txt", text("ok"))
    corpus.zip("zip64_huge_size.zip", m)
    corpus.case(c)


def zip64_small(corpus):
    c = Case("zip64_small", "Small entries written with zip64 extra fields "
             "(0xFFFFFFFF sizes in the headers) and a zip64 end record that "
             "every field of the classic one defers to, as streaming writers "
             "do: served normally.")
    m = [file_member("a.txt", mixed(b"z64a", 3000), zip64=True),
         file_member("b.txt", text("b"), method=STORED, zip64=True),
         dir_member("d/", zip64=True)]
    c.file("a.txt", mixed(b"z64a", 3000))
    c.file("b.txt", text("b"))
    c.dir("d")
    corpus.zip("zip64_small.zip", m, force_zip64_eocd=True)
    corpus.case(c)


def overlap_bomb(corpus):
    names = 64
    data = mixed(b"bomb", 8 << 20)
    c = Case("overlap_bomb", "64 central-directory records share one local "
             "entry (8 MiB of mixed content, deflated), zip-bomb style: served; "
             "every name reads the same bytes; memory stays bounded (the "
             "daemon must not hold an inflated copy per name: reading all 64 "
             "names, concurrently or not, must not grow its RSS by anything "
             "near 64 x 8 MiB).")
    m = [file_member("bomb/00.bin", data)]
    for i in range(1, names):
        member = dataclasses.replace(m[0], name=b"bomb/%02d.bin" % i,
                                     share_local_of=0)
        m.append(member)
    m.append(file_member("ok.txt", text("ok")))
    for i in range(names):
        c.file("bomb/%02d.bin" % i, data)
    c.file("ok.txt", text("ok"))
    c.dir("bomb")
    c.extra["max_rss_growth_mib"] = 256
    corpus.zip("overlap_bomb.zip", m)
    corpus.case(c)


def baseline_zipfile(corpus):
    """A plain, Lambda-shaped layer written by Python's own zipfile, so the
    corpus does not depend on zipwriter alone being right."""
    buf = io.BytesIO()
    c = Case("baseline_zipfile", "An ordinary Lambda-shaped layer written by "
             "Python's zipfile module (not by the hand-rolled writer): served "
             "as is.")
    entries = [
        ("python/", None, 0o755),
        ("python/lib/python3.12/site-packages/hello/__init__.py", b"print('hi')\n", 0o644),
        ("python/lib/python3.12/site-packages/hello/data.json", b'{"a": 1}\n', 0o644),
        ("nodejs/node_modules/greet/index.js", b"module.exports = 1;\n", 0o644),
        ("bin/", None, 0o755),
        ("bin/tool", b"#!/bin/sh\necho tool\n", 0o755),
        ("bootstrap", b"#!/bin/sh\nexec /opt/bin/tool\n", 0o755),
        ("lib/libfoo.so.1", mixed(b"so", 50000), 0o644),
    ]
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=zw.DEFAULT_TIME)
            info.create_system = 3
            if data is None:
                info.external_attr = ((stat.S_IFDIR | mode) << 16) | 0x10
                zf.writestr(info, b"")
                c.dir(name[:-1], mode)
            else:
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                c.file(name, data, mode)
        info = zipfile.ZipInfo("lib/libfoo.so", date_time=zw.DEFAULT_TIME)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, b"libfoo.so.1")
        c.link("lib/libfoo.so", "libfoo.so.1")
    for d in ["python/lib", "python/lib/python3.12",
              "python/lib/python3.12/site-packages",
              "python/lib/python3.12/site-packages/hello", "nodejs",
              "nodejs/node_modules", "nodejs/node_modules/greet", "lib"]:
        c.dir(d)
    corpus.add("baseline_zipfile.zip", buf.getvalue())
    corpus.case(c)


# ======================================================================= large

LARGE_SIZE = (4 << 30) + (1 << 20) + 7  # over 4 GiB; mod 2^32 is 1 MiB + 7


def large_entry(corpus):
    c = Case("large_4g", "One entry of 4 GiB + 1 MiB + 7 bytes of zeros "
             "(deflated, zip64 sizes; its size mod 2^32 is 1 MiB + 7, which a "
             "32-bit reader would show), then a small file. Generated only "
             "with --large.")
    chunk = bytes(1 << 20)
    sha = hashlib.sha256()
    full, rest = divmod(LARGE_SIZE, len(chunk))
    for _ in range(full):
        sha.update(chunk)
    sha.update(chunk[:rest])
    c.files["big.bin"] = {"mode": "0644", "size": LARGE_SIZE,
                          "sha256": sha.hexdigest(), "mtime": DEFAULT_MTIME}
    c.file("after.txt", text("after the big one"))

    def write(path):
        with zipfile.ZipFile(path, "w") as zf:
            info = zipfile.ZipInfo("big.bin", date_time=zw.DEFAULT_TIME)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as out:
                for _ in range(full):
                    out.write(chunk)
                out.write(chunk[:rest])
            info = zipfile.ZipInfo("after.txt", date_time=zw.DEFAULT_TIME)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, text("after the big one"))

    corpus.streamed["large_4g.zip"] = write
    corpus.case(c)


# ======================================================================== all

def build_corpus(large):
    corpus = Corpus()
    for make in [baseline_zipfile, names_dotdot, names_absolute, names_dot,
                 names_backslash, names_control, names_nul, names_long,
                 names_deep, names_encoding, clash_in_archive, dup_names,
                 implied_dirs, stacks, modes_unix, modes_dos, symlinks,
                 methods, encrypted, data_descriptors, comments, prefix_stub,
                 truncations, stacks_refused, bad_data, mtimes, zip64_small,
                 many_entries, entry_counts, zip64_huge_size, overlap_bomb]:
        make(corpus)
    if large:
        large_entry(corpus)
    return corpus
