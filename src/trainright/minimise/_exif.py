"""Read the one EXIF value the dataset keeps: the orientation tag (0x0112) of IFD0."""

from __future__ import annotations

import struct

_ORIENTATION = 0x0112


def orientation(tiff: bytes) -> int | None:
    """The orientation (1..8) in a TIFF-structured EXIF block, or None when absent or unreadable."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    end = "<" if tiff[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(end + "I", tiff, 4)
    if ifd + 2 > len(tiff):
        return None
    (count,) = struct.unpack_from(end + "H", tiff, ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if entry + 12 > len(tiff):
            return None
        tag, kind, n = struct.unpack_from(end + "HHI", tiff, entry)
        if tag == _ORIENTATION and kind == 3 and n == 1:
            (value,) = struct.unpack_from(end + "H", tiff, entry + 8)
            return value if 1 <= value <= 8 else None
    return None
