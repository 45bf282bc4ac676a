"""PNG: keep only the chunks that decode and colour the pixels; drop text, time and EXIF.

A whitelist rather than a blacklist, so private ancillary chunks (which may carry
anything) go too. Dropped among others: tEXt, zTXt, iTXt (XMP lives there), eXIf, tIME.
"""

from __future__ import annotations

import zlib

from trainright.minimise._exif import orientation
from trainright.minimise._result import Scrubbed, UnsupportedImage

SIGNATURE = b"\x89PNG\r\n\x1a\n"
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
        if kind in _KEEP:
            out += data[pos:end]
        elif kind[:1].isupper():
            raise UnsupportedImage(f"PNG has an unknown critical chunk {kind!r}")
        pos = end
        if kind == b"IEND":
            return Scrubbed(bytes(out), found)
    raise UnsupportedImage("truncated PNG: no IEND chunk")
