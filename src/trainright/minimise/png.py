"""PNG: keep only the chunks that decode and colour the pixels; drop text, time and EXIF.

A whitelist rather than a blacklist, so private ancillary chunks (which may carry
anything) go too. Dropped among others: tEXt, zTXt, iTXt (XMP lives there), eXIf, tIME.
"""

from __future__ import annotations

import zlib

from trainright.minimise._exif import orientation
from trainright.minimise._result import Scrubbed, UnsupportedImage

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP = b"XML:com.adobe.xmp\0"
_KEEP = {
    # critical
    b"IHDR", b"PLTE", b"IDAT", b"IEND",
    # transparency, colour space, gamma, significant bits, background, histogram, density
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI",
    b"bKGD", b"hIST", b"sPLT", b"pHYs",
    # animation (APNG)
    b"acTL", b"fcTL", b"fdAT",
}  # fmt: skip


def scrub(data: bytes) -> Scrubbed:
    """Strip a PNG; raises UnsupportedImage on a malformed stream or bad checksum."""
    if not data.startswith(SIGNATURE):
        raise UnsupportedImage("not a PNG: bad signature")
    out = bytearray(SIGNATURE)
    found: int | None = None
    xmp: bytes | None = None
    c2pa = False
    pos, n = len(SIGNATURE), len(data)
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > n:
            raise UnsupportedImage(f"PNG chunk {kind!r} runs past the end of the file")
        if zlib.crc32(data[pos + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            raise UnsupportedImage(f"PNG chunk {kind!r} has a bad CRC (corrupt file)")
        if kind == b"eXIf" and found is None:
            found = orientation(data[pos + 8 : end - 4])
        elif kind == b"iTXt" and xmp is None and data.startswith(_XMP, pos + 8):
            xmp = _itxt_text(data[pos + 8 + len(_XMP) : end - 4])
        elif kind == b"caBX":
            c2pa = True
        if kind in _KEEP:
            out += data[pos:end]
        elif kind[:1].isupper():
            raise UnsupportedImage(f"PNG has an unknown critical chunk {kind!r}")
        pos = end
        if kind == b"IEND":
            return Scrubbed(bytes(out), found, xmp, c2pa)
    raise UnsupportedImage("truncated PNG: no IEND chunk")


def _itxt_text(rest: bytes) -> bytes | None:
    """The text of an iTXt chunk after its keyword: flag, method, language, translated
    keyword, then the (possibly deflated) text; None if it is malformed."""
    if len(rest) < 2:
        return None
    compressed, body = rest[0], rest[2:]
    parts = body.split(b"\0", 2)
    if len(parts) < 3:
        return None
    if not compressed:
        return parts[2]
    try:
        return zlib.decompress(parts[2])
    except zlib.error:
        return None
