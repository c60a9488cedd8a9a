"""A zip writer that sets every field by hand, for building hostile archives.

Python's zipfile cleans names (it cuts them at NUL, always flags non-ASCII
names as UTF-8), picks version and attribute fields itself, and cannot write
xz, zstd, AES headers, overlapping central-directory records or lies about
sizes. This module writes local headers, central-directory records and end
records straight from the fields of a Member, so a case can say exactly what
bytes it wants. Everything is deterministic: no clock, no randomness.

Only the standard library is used. Compressors for the methods layerfs reads
live here too, including hand-built xz-in-zip and a minimal zstd frame.
"""

import bz2
import dataclasses
import hashlib
import lzma
import struct
import zlib

# Compression methods (APPNOTE 4.4.5).
STORED = 0
IMPLODED = 6
DEFLATED = 8
DEFLATE64 = 9
BZIP2 = 12
LZMA = 14
ZSTD = 93
XZ = 95
AES = 99

# "Version made by" high byte.
SYSTEM_DOS = 0
SYSTEM_UNIX = 3

# File-type bits of a Unix mode, as stored in external_attr >> 16.
S_IFIFO = 0o010000
S_IFCHR = 0o020000
S_IFDIR = 0o040000
S_IFBLK = 0o060000
S_IFREG = 0o100000
S_IFLNK = 0o120000
S_IFSOCK = 0o140000

# MS-DOS attribute bits, the low byte of external_attr.
DOS_READONLY = 0x01
DOS_HIDDEN = 0x02
DOS_DIRECTORY = 0x10
DOS_ARCHIVE = 0x20

FLAG_ENCRYPTED = 0x0001
FLAG_LZMA_EOS = 0x0002
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800

# Every entry carries this time unless a case says otherwise; read as UTC it
# is DEFAULT_MTIME.
DEFAULT_TIME = (2020, 1, 2, 3, 4, 6)
DEFAULT_MTIME = 1577934246

_LOCAL_SIG = 0x04034B50
_CENTRAL_SIG = 0x02014B50
_EOCD_SIG = 0x06054B50
_EOCD64_SIG = 0x06064B50
_EOCD64_LOCATOR_SIG = 0x07064B50
_DESCRIPTOR_SIG = 0x08074B50
_U32_MAX = 0xFFFFFFFF
_U16_MAX = 0xFFFF


def dos_date_time(date_time):
    """Packs (y, mo, d, h, mi, s) as the (date, time) words of a zip header."""
    year, month, day, hour, minute, second = date_time
    date = ((year - 1980) << 9) | (month << 5) | day
    time = (hour << 11) | (minute << 5) | (second // 2)
    return date, time


def extended_timestamp(mtime):
    """Extra field 0x5455 holding only a modification time (local and CD alike)."""
    return struct.pack("<HHBi", 0x5455, 5, 1, mtime)


def aes_extra(strength=3, actual_method=DEFLATED, vendor_version=2):
    """WinZip AES extra field 0x9901 (AE-1 or AE-2; strength 1/2/3 = 128/192/256)."""
    return struct.pack("<HHH2sBH", 0x9901, 7, vendor_version, b"AE", strength,
                       actual_method)


def zip64_extra(*values):
    """Zip64 extra field 0x0001 holding the given 64-bit values in order."""
    return struct.pack("<HH", 0x0001, 8 * len(values)) + struct.pack(
        "<%dQ" % len(values), *values)


# ---------------------------------------------------------------- compressors

def deflate(data, level=9):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return compressor.compress(data) + compressor.flush()


def bzip2(data):
    return bz2.compress(data, 9)


def lzma_zip(data):
    """LZMA as zip method 14 wants it: SDK version, properties, raw LZMA1 with
    an end marker (the entry must also set FLAG_LZMA_EOS)."""
    lc, lp, pb, dict_size = 3, 0, 2, 1 << 20
    filters = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb,
                "dict_size": dict_size}]
    raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    props = struct.pack("<BI", (pb * 5 + lp) * 9 + lc, dict_size)
    return struct.pack("<BBH", 9, 20, len(props)) + props + raw


def xz(data):
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)


def zstd_frame(segments):
    """A zstd frame built from raw and RLE blocks only (no entropy coding).

    segments is a list of bytes (emitted as raw blocks) and (byte, count)
    tuples (emitted as RLE blocks). The frame is single-segment with the
    content size in the header and no checksum, which any conforming decoder
    must accept. Returns (frame, decoded bytes).
    """
    content = b"".join(s if isinstance(s, bytes) else bytes([s[0]]) * s[1]
                       for s in segments)
    size = len(content)
    if size < 256:
        fcs_flag, fcs = 0, struct.pack("<B", size)
    elif size < 65536 + 256:
        fcs_flag, fcs = 1, struct.pack("<H", size - 256)
    elif size < 1 << 32:
        fcs_flag, fcs = 2, struct.pack("<I", size)
    else:
        fcs_flag, fcs = 3, struct.pack("<Q", size)
    out = bytearray(struct.pack("<I", 0xFD2FB528))
    out.append((fcs_flag << 6) | 0x20)  # Single_Segment_flag
    out += fcs
    # A block regenerates at most min(window, 128 KiB) bytes; the window of
    # a single-segment frame is the content size.
    max_block = min(size, 128 * 1024)
    blocks = []
    for seg in segments:
        if isinstance(seg, bytes):
            for i in range(0, len(seg), max_block):
                blocks.append((0, seg[i:i + max_block]))
        else:
            byte, count = seg
            while count:
                n = min(count, max_block)
                blocks.append((1, bytes([byte]), n))
                count -= n
    if not blocks:
        blocks.append((0, b""))
    for i, block in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        if block[0] == 0:
            header = last | (0 << 1) | (len(block[1]) << 3)
        else:
            header = last | (1 << 1) | (block[2] << 3)
        out += struct.pack("<I", header)[:3] + block[1]
    return bytes(out), content


def compress(method, data):
    if method == STORED:
        return data
    if method == DEFLATED:
        return deflate(data)
    if method == BZIP2:
        return bzip2(data)
    if method == LZMA:
        return lzma_zip(data)
    if method == XZ:
        return xz(data)
    raise ValueError("no compressor for method %d" % method)


_EXTRACT_VERSION = {STORED: 20, DEFLATED: 20, BZIP2: 46, LZMA: 63, XZ: 63,
                    ZSTD: 63, AES: 51}


# ------------------------------------------------------------- ZipCrypto

def _crc_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def zipcrypto_encrypt(payload, password, check_byte):
    """Traditional PKWARE encryption of payload, with its 12-byte header.

    The header's first 11 bytes are fixed (derived from the password) so the
    output is deterministic; the last is check_byte (the CRC's high byte).
    """
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte):
        keys[0] = _CRC_TABLE[(keys[0] ^ byte) & 0xFF] ^ (keys[0] >> 8)
        keys[1] = (keys[1] + (keys[0] & 0xFF)) & 0xFFFFFFFF
        keys[1] = (keys[1] * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = _CRC_TABLE[(keys[2] ^ (keys[1] >> 24)) & 0xFF] ^ (keys[2] >> 8)

    for byte in password:
        update(byte)
    header = hashlib.sha256(b"zipcrypto-header" + password).digest()[:11]
    out = bytearray()
    for byte in header + bytes([check_byte]) + payload:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(byte)
    return bytes(out)


# ------------------------------------------------------------------ members

@dataclasses.dataclass
class Member:
    """One entry: what its local header, data and central record say.

    payload is the bytes stored after the local header, exactly (already
    compressed, encrypted or corrupted as the case wants). crc and usize are
    what the headers claim.
    """
    name: bytes
    payload: bytes = b""
    method: int = STORED
    crc: int = 0
    usize: int = 0
    flags: int = 0
    system: int = SYSTEM_UNIX
    made_version: int = 30
    extract_version: int = 20
    external_attr: int = 0
    date_time: tuple = DEFAULT_TIME
    local_extra: bytes = b""
    central_extra: bytes = b""
    comment: bytes = b""
    # None, "sig" or "nosig": write a data descriptor after the data (with
    # or without its signature) and zeros in the local header's crc/sizes.
    descriptor: str = None
    # The name the local header shows, when it must differ from the CD's.
    local_name: bytes = None
    # Write zip64 extra fields (and 0xFFFFFFFF sizes) even if not needed.
    zip64: bool = False
    # Write no local entry; the central record points at the local entry of
    # the member with this index (overlapping records, zip-bomb style).
    share_local_of: int = None
    # Central-record overrides, to make it lie about the local entry.
    cd_csize: int = None
    cd_offset: int = None
    # Local-header override of the compressed size.
    local_csize: int = None


def _encode_name(name, utf8_flag):
    if isinstance(name, bytes):
        return name, 0
    raw = name.encode("utf-8")
    if utf8_flag and not name.isascii():
        return raw, FLAG_UTF8
    return raw, 0


def file_member(name, data, mode=0o644, method=DEFLATED, ftype=S_IFREG,
                utf8_flag=True, system=SYSTEM_UNIX, dos_attr=0, mtime=None,
                **fields):
    """A regular file (or, with ftype, another non-directory type)."""
    raw, flags = _encode_name(name, utf8_flag)
    if system == SYSTEM_UNIX:
        attr = ((ftype | mode) << 16) | dos_attr
        made = (SYSTEM_UNIX << 8) | 30
    else:
        attr = dos_attr or DOS_ARCHIVE
        made = (SYSTEM_DOS << 8) | 20
    member = Member(name=raw, payload=compress(method, data), method=method,
                    crc=zlib.crc32(data), usize=len(data),
                    flags=flags | (FLAG_LZMA_EOS if method == LZMA else 0),
                    system=system, made_version=made,
                    extract_version=_EXTRACT_VERSION.get(method, 20),
                    external_attr=attr)
    if mtime is not None:
        member.local_extra = member.central_extra = extended_timestamp(mtime)
    for key, value in fields.items():
        setattr(member, key, value)
    return member


def dir_member(name, mode=0o755, utf8_flag=True, system=SYSTEM_UNIX,
               **fields):
    raw, flags = _encode_name(name, utf8_flag)
    if system == SYSTEM_UNIX:
        attr = ((S_IFDIR | mode) << 16) | DOS_DIRECTORY
        made = (SYSTEM_UNIX << 8) | 30
    else:
        attr = DOS_DIRECTORY
        made = (SYSTEM_DOS << 8) | 20
    member = Member(name=raw, flags=flags, system=system, made_version=made,
                    external_attr=attr)
    for key, value in fields.items():
        setattr(member, key, value)
    return member


def symlink_member(name, target, method=STORED, mode=0o777, **fields):
    data = target.encode("utf-8") if isinstance(target, str) else target
    return file_member(name, data, mode=mode, method=method, ftype=S_IFLNK,
                       **fields)


def with_system(member, system):
    """Marks a member as made on another system (attributes left as they are)."""
    member.system = system
    member.made_version = (system << 8) | (member.made_version & 0xFF)
    return member


# ------------------------------------------------------------------ archive

@dataclasses.dataclass
class Built:
    """A finished archive and where its parts start (for later mutilation)."""
    data: bytes
    local_offsets: list
    data_offsets: list
    cd_offset: int
    cd_size: int
    eocd_offset: int


def build(members, comment=b"", base_offset=0, force_zip64_eocd=False,
          entry_count=None, disk=0):
    """Writes members as one archive.

    base_offset is added to every offset written (as `zip -A` does after a
    self-extractor stub is prepended); the stub itself is not included.
    entry_count, when given, is what the end record claims (wrapped to 16
    bits, with no zip64 records, as some writers do past 65,535 entries);
    disk is written as both disk numbers of the end record.
    """
    out = bytearray()
    local_offsets = []
    data_offsets = []
    for member in members:
        if member.share_local_of is not None:
            local_offsets.append(local_offsets[member.share_local_of])
            data_offsets.append(data_offsets[member.share_local_of])
            continue
        local_offsets.append(len(out))
        out += _local_header(member)
        data_offsets.append(len(out))
        out += member.payload
        if member.descriptor:
            out += _descriptor(member)

    cd_offset = len(out)
    for member, offset in zip(members, local_offsets):
        out += _central_record(member, offset + base_offset)
    cd_size = len(out) - cd_offset

    count = len(members)
    if entry_count is not None:
        count = entry_count & _U16_MAX
    elif force_zip64_eocd or count > _U16_MAX:
        eocd64_offset = len(out)
        out += struct.pack("<IQHHIIQQQQ", _EOCD64_SIG, 44, (SYSTEM_UNIX << 8) | 45,
                           45, 0, 0, count, count, cd_size,
                           cd_offset + base_offset)
        out += struct.pack("<IIQI", _EOCD64_LOCATOR_SIG, 0,
                           eocd64_offset + base_offset, 1)
        count = min(count, _U16_MAX)
    classic_size, classic_offset = cd_size, cd_offset + base_offset
    if force_zip64_eocd:
        # Every field says "see the zip64 record", as streaming writers do.
        count, classic_size, classic_offset = _U16_MAX, _U32_MAX, _U32_MAX
    eocd_offset = len(out)
    out += struct.pack("<IHHHHIIH", _EOCD_SIG, disk, disk, count, count, classic_size,
                       classic_offset, len(comment))
    out += comment
    return Built(bytes(out), local_offsets, data_offsets, cd_offset, cd_size,
                 eocd_offset)


def _local_header(member):
    name = member.local_name if member.local_name is not None else member.name
    crc, csize, usize = member.crc, len(member.payload), member.usize
    if member.local_csize is not None:
        csize = member.local_csize
    extra = member.local_extra
    if member.zip64:
        extra = zip64_extra(usize, csize) + extra
        csize = usize = _U32_MAX
    if member.descriptor:
        crc = 0
        if not member.zip64:
            csize = usize = 0
    date, time = dos_date_time(member.date_time)
    version = 45 if member.zip64 and member.extract_version < 45 else \
        member.extract_version
    return struct.pack("<IHHHHHIIIHH", _LOCAL_SIG, version, member.flags,
                       member.method, time, date, crc, csize, usize,
                       len(name), len(extra)) + name + extra


def _descriptor(member):
    sig = struct.pack("<I", _DESCRIPTOR_SIG) if member.descriptor == "sig" else b""
    if member.zip64:
        return sig + struct.pack("<IQQ", member.crc, len(member.payload),
                                 member.usize)
    return sig + struct.pack("<III", member.crc, len(member.payload),
                             member.usize)


def _central_record(member, offset):
    csize = member.cd_csize if member.cd_csize is not None else len(member.payload)
    usize = member.usize
    if member.cd_offset is not None:
        offset = member.cd_offset
    extra = member.central_extra
    if member.zip64 or usize >= _U32_MAX or csize >= _U32_MAX or offset >= _U32_MAX:
        values = [usize, csize]
        if offset >= _U32_MAX:
            values.append(offset)
            offset = _U32_MAX
        extra = zip64_extra(*values) + extra
        usize = csize = _U32_MAX
    date, time = dos_date_time(member.date_time)
    version = 45 if member.zip64 and member.extract_version < 45 else \
        member.extract_version
    return struct.pack("<IHHHHHHIIIHHHHHII", _CENTRAL_SIG, member.made_version,
                       version, member.flags, member.method, time, date,
                       member.crc, csize, usize, len(member.name), len(extra),
                       len(member.comment), 0, 0, member.external_attr,
                       offset) + member.name + extra + member.comment
