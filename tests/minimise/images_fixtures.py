"""Images carrying every kind of metadata the scrubber must remove, made with Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b"dc:creator='Kari Nordmann'/></rdf:RDF></x:xmpmeta>"
)
COMMENT = b"shot at Kari Nordmann's cabin"


def picture(mode: str = "RGB", size: tuple[int, int] = (37, 23)) -> Image.Image:
    """A small image with distinct pixels, so a changed pixel would show."""
    img = Image.new(mode, size)
    bands = len(mode)
    img.putdata(
        [
            tuple((x * 7 + y * 13 + b * 61) % 256 for b in range(bands))
            if bands > 1
            else (x * 7 + y * 13) % 256
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return img


def exif(orientation: int = 6) -> Image.Exif:
    """EXIF with a camera, an orientation and a GPS position."""
    data = Image.Exif()
    data[0x010F] = "PhoneMaker"  # Make
    data[0x0110] = "Phone 12"  # Model
    data[0x0112] = orientation
    data[0x0131] = "Editor 1.0"  # Software
    gps = {1: "N", 2: (59.0, 54.0, 50.0), 3: "E", 4: (10.0, 45.0, 8.0)}
    data[0x8825] = gps
    return data


def srgb_icc() -> bytes:
    """An ICC profile, which the scrubber keeps for colour fidelity."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    return bytes(profile.tobytes())


def _segment(marker: int, body: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(body) + 2) + body


IPTC = _segment(
    0xED, b"Photoshop 3.0\0" + b"8BIM\x04\x04\0\0\0\0\0\x10\x1c\x02\x50\0\x0cKari Nordman"
)


def with_segments(jpeg: bytes, *segments: bytes) -> bytes:
    """Insert raw segments right after SOI (IPTC, a JFXX thumbnail, a second APP1...)."""
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def jpeg_full(**save: object) -> bytes:
    """A JPEG with EXIF (GPS, orientation 6), XMP, a comment, ICC and IPTC, plus a trailer."""
    out = io.BytesIO()
    picture().save(
        out,
        "JPEG",
        exif=exif(),
        xmp=XMP,
        comment=COMMENT,
        icc_profile=srgb_icc(),
        quality=90,
        **save,
    )
    return with_segments(out.getvalue(), IPTC) + b"SEFT vendor trailer: lat 59.9"


def jpeg_cmyk() -> bytes:
    """A CMYK JPEG: Pillow writes an Adobe APP14 segment, which must survive."""
    out = io.BytesIO()
    picture("CMYK").save(out, "JPEG", exif=exif(1), comment=COMMENT)
    return out.getvalue()


def png_full() -> bytes:
    """A PNG with tEXt, zTXt, iTXt XMP, eXIf, tIME and an ICC profile."""
    info = PngInfo()
    info.add_text("Author", "Kari Nordmann")
    info.add_text("Comment", COMMENT.decode(), zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    picture("RGBA").save(out, "PNG", pnginfo=info, exif=exif(3), icc_profile=srgb_icc())
    data = out.getvalue()
    body = b"tIME" + struct.pack(">HBBBBB", 2024, 6, 1, 12, 0, 0)
    time_chunk = struct.pack(">I", 7) + body + struct.pack(">I", zlib.crc32(body))
    return data[:33] + time_chunk + data[33:]


def webp_full(lossless: bool = True) -> bytes:
    """A WebP (VP8X container) with EXIF, XMP and an ICC profile."""
    out = io.BytesIO()
    picture("RGBA").save(
        out, "WEBP", lossless=lossless, exif=exif(8), xmp=XMP, icc_profile=srgb_icc()
    )
    return out.getvalue()
