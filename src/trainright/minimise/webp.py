"""WebP: drop the EXIF, XMP and C2PA chunks of the RIFF container, then fix the VP8X flags and sizes."""

from __future__ import annotations

from trainright.minimise._exif import orientation
from trainright.minimise._result import Scrubbed, UnsupportedImage

_KEEP = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"}
_IMAGE = {b"VP8 ", b"VP8L", b"ANMF"}
_ICC, _EXIF, _XMP = 0x20, 0x08, 0x04


def scrub(data: bytes) -> Scrubbed:
    """Strip a WebP; raises UnsupportedImage on a malformed container."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise UnsupportedImage("not a WebP: bad RIFF header")
    riff_end = 8 + int.from_bytes(data[4:8], "little")
    if riff_end > len(data):
        raise UnsupportedImage("truncated WebP: RIFF size exceeds the file")
    chunks: list[bytearray] = []
    found: int | None = None
    xmp: bytes | None = None
    c2pa = False
    pos = 12
    while pos + 8 <= riff_end:
        kind = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > riff_end:
            raise UnsupportedImage(f"WebP chunk {kind!r} runs past the end of the file")
        if kind == b"EXIF" and found is None:
            body = data[pos + 8 : pos + 8 + size]
            found = orientation(body[6:] if body.startswith(b"Exif\0\0") else body)
        elif kind == b"XMP " and xmp is None:
            xmp = data[pos + 8 : pos + 8 + size]
        elif kind == b"C2PA":
            c2pa = True
        if kind in _KEEP:
            chunks.append(bytearray(data[pos : min(end, riff_end)].ljust(end - pos, b"\0")))
        pos = end
    if pos < riff_end or not any(bytes(c[:4]) in _IMAGE for c in chunks):
        raise UnsupportedImage("corrupt WebP: no image data")
    if chunks[0][:4] == b"VP8X":
        if len(chunks[0]) < 18:
            raise UnsupportedImage("corrupt WebP: short VP8X chunk")
        flags = chunks[0][8] & ~(_EXIF | _XMP)
        if not any(c[:4] == b"ICCP" for c in chunks):
            flags &= ~_ICC
        chunks[0][8] = flags
    body = b"WEBP" + b"".join(chunks)
    return Scrubbed(b"RIFF" + len(body).to_bytes(4, "little") + body, found, xmp, c2pa)
