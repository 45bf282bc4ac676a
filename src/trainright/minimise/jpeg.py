"""JPEG: walk the marker segments, keep what decoding needs, copy the scan data verbatim.

Kept: SOF/DHT/DQT/DRI/DAC/DNL/SOS and the entropy-coded data, APP0 JFIF (without its
thumbnail), APP2 ICC_PROFILE (colour fidelity, see docs/minimisation.md) and APP14 Adobe
(its transform flag decides the colour conversion). Dropped: every other APPn (EXIF with
GPS and maker notes, XMP, IPTC/Photoshop, MPF secondary images, JFXX thumbnails), COM,
and anything after EOI (vendor trailers).
"""

from __future__ import annotations

from trainright.minimise._exif import orientation
from trainright.minimise._result import Scrubbed, UnsupportedImage

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_APP0, _APP1, _APP2, _APP11, _APP14, _APP15 = 0xE0, 0xE1, 0xE2, 0xEB, 0xEE, 0xEF
_XMP = b"http://ns.adobe.com/xap/1.0/\0"
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn carry no length


def _keep(marker: int, body: bytes) -> bytes | None:
    """The segment body to write, or None to drop the segment."""
    if marker == _COM or _APP1 <= marker <= _APP15:
        if marker == _APP2 and body.startswith(b"ICC_PROFILE\0"):
            return body
        if marker == _APP14 and body.startswith(b"Adobe"):
            return body
        return None
    if marker == _APP0:
        if body.startswith(b"JFIF\0") and len(body) >= 14:
            return body[:12] + b"\0\0"  # version, units, density; thumbnail size 0x0
        return None
    return body


def scrub(data: bytes) -> Scrubbed:
    """Strip a JPEG; raises UnsupportedImage on a malformed stream."""
    if not data.startswith(b"\xff\xd8"):
        raise UnsupportedImage("not a JPEG: no SOI marker")
    out = bytearray(b"\xff\xd8")
    found: int | None = None
    xmp: bytes | None = None
    c2pa = False
    pos, n = 2, len(data)
    while True:
        while pos < n and data[pos] == 0xFF and pos + 1 < n and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes before a marker
        if pos + 2 > n or data[pos] != 0xFF:
            raise UnsupportedImage(f"truncated or corrupt JPEG at byte {pos}")
        marker = data[pos + 1]
        if marker == _EOI:
            out += b"\xff\xd9"
            return Scrubbed(bytes(out), found, xmp, c2pa)
        if marker in _STANDALONE or marker == _SOI:
            raise UnsupportedImage(f"unexpected JPEG marker 0x{marker:02X} at byte {pos}")
        if pos + 4 > n:
            raise UnsupportedImage("truncated JPEG segment header")
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > n:
            raise UnsupportedImage(f"JPEG segment 0x{marker:02X} runs past the end of the file")
        body = data[pos + 4 : end]
        if marker == _APP1 and found is None and body.startswith(b"Exif\0\0"):
            found = orientation(body[6:])
        elif marker == _APP1 and xmp is None and body.startswith(_XMP):
            xmp = body[len(_XMP) :]
        elif marker == _APP11 and body[:2] == b"JP" and body[12:16] == b"jumb":
            c2pa = True  # JPEG XT box segments: "JP", instance, sequence, then the JUMBF box
        kept = _keep(marker, body)
        if kept is not None:
            out += bytes((0xFF, marker)) + (len(kept) + 2).to_bytes(2, "big") + kept
        pos = end
        if marker == _SOS:
            scan_end = _scan_end(data, pos)
            out += data[pos:scan_end]
            pos = scan_end


def _scan_end(data: bytes, pos: int) -> int:
    """Offset of the first marker after entropy-coded data (stuffed 0xFF00 and RSTn belong to it)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            raise UnsupportedImage("JPEG scan data has no end marker (truncated file)")
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            pos += 1 if following == 0xFF else 2
            continue
        return pos
