"""Small real JPEGs carrying the metadata a dataset must not: EXIF, GPS, XMP, comments;
some with a reservation against training (IPTC DataMining, a C2PA manifest).

Pixels are gradients, shapes and noise so scrubbing can be checked to leave
them unchanged. Each image depends only on the seed and its index.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from trainright.minimise.reservations import C2PA_UNREADABLE, IPTC
from trainright.synth import _values as val
from trainright.synth._reservations import FIXTURES, SIGNED, garbled, xmp_packet

_CAMERAS = (
    ("Apple", "iPhone 13"), ("Apple", "iPhone 15 Pro"), ("samsung", "SM-G991B"),
    ("Google", "Pixel 7"), ("Canon", "Canon EOS 80D"), ("SONY", "ILCE-7M3"),
    ("FUJIFILM", "X-T30"), ("HUAWEI", "ELE-L29"),
)  # fmt: skip
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION, _DATETIME_ORIGINAL = 0x010F, 0x0110, 0x0112, 0x9003


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    return float(deg), float(minutes), round((value - deg - minutes / 60) * 3600, 2)


def _xmp(creator: str, lat: float, lon: float) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/">'
        f"<dc:creator><rdf:Seq><rdf:li>{creator}</rdf:li></rdf:Seq></dc:creator>"
        f"<exif:GPSLatitude>{lat:.5f}</exif:GPSLatitude>"
        f"<exif:GPSLongitude>{lon:.5f}</exif:GPSLongitude>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def _pixels(rng: np.random.Generator) -> Image.Image:
    w = int(rng.integers(64, 161))
    h = max(48, min(120, w * 3 // 4 + int(rng.integers(-8, 9))))
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    ramp = np.linspace(0.0, 1.0, w)[None, :, None]
    base = a + (b - a) * ramp + rng.normal(0, 12, (h, w, 3))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = int(rng.integers(0, w - 8)), int(rng.integers(0, h - 8))
        box = (x0, y0, x0 + int(rng.integers(6, w // 2)), y0 + int(rng.integers(6, h // 2)))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    return img


def jpeg(seed: int, index: int) -> bytes:
    """Image number `index`: EXIF camera and time always, GPS on most, comment and XMP on some."""
    rng = np.random.default_rng([seed, 4, index])
    pr = random.Random(f"{seed}:image:{index}")
    img = _pixels(rng)
    exif = Image.Exif()
    exif[_MAKE], exif[_MODEL] = pr.choice(_CAMERAS)
    if pr.random() < 0.3:
        exif[_ORIENTATION] = pr.choice((1, 3, 6, 8))
    taken = f"{pr.randrange(2016, 2026)}:{pr.randrange(1, 13):02d}:{pr.randrange(1, 29):02d}"
    exif.get_ifd(_EXIF_IFD)[_DATETIME_ORIGINAL] = (
        f"{taken} {pr.randrange(24):02d}:{pr.randrange(60):02d}:{pr.randrange(60):02d}"
    )
    _, lat, lon = pr.choice(val.PLACES)
    lat, lon = lat + pr.uniform(-0.02, 0.02), lon + pr.uniform(-0.02, 0.02)
    if pr.random() < 0.85:
        gps = exif.get_ifd(_GPS_IFD)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    extra: dict[str, bytes] = {}
    lang = pr.choice(("en", "nb", "nl"))
    if pr.random() < 0.35:
        extra["comment"] = f"Photo: {val.email(pr, lang)}".encode()
    if pr.random() < 0.3:
        extra["xmp"] = _xmp(val.person(pr, lang), lat, lon)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85, exif=exif.tobytes(), **extra)
    return out.getvalue()


#: Every twentieth image from slot 3 on carries IPTC DataMining; from 7 on, a signed
#: C2PA manifest (the shipped fixtures in turn); from 11 on, a manifest that is garbled.
_DATA_MINING = {3: ("DMI-PROHIBITED-AIMLTRAINING", "reserved"), 13: ("DMI-ALLOWED", None)}


def _reserving(seed: int, index: int) -> tuple[bytes, str, str | None] | None:
    """Image `index` with a reservation in its metadata, its signal and the build's
    cause (None: an allowance), or None for an image without one."""
    slot = index % 20
    if slot in _DATA_MINING:
        value, cause = _DATA_MINING[slot]
        with Image.open(io.BytesIO(jpeg(seed, index))) as img:
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, exif=img.info["exif"], xmp=xmp_packet(value))
        return out.getvalue(), IPTC, cause
    if slot in (7, 11, 17):
        names = sorted(SIGNED)
        name = names[(index // 10) % len(names)]
        data = (FIXTURES / name).read_bytes()
        if slot == 11:
            return garbled(data), C2PA_UNREADABLE, "reservation_unreadable"
        _, _, signal, cause = SIGNED[name]
        return data, signal, cause
    return None


def write(directory: Path, count: int, seed: int) -> list[dict[str, str | None]]:
    """`count` JPEG files named `00000000.jpg`, `00000001.jpg`, ... in `directory`; the
    ground truth of those with a reservation in their metadata (path, signal, cause)."""
    directory.mkdir()
    truth: list[dict[str, str | None]] = []
    for i in range(count):
        name = f"{i:08d}.jpg"
        found = _reserving(seed, i)
        if found is None:
            data = jpeg(seed, i)
        else:
            data, signal, cause = found
            truth.append({"path": f"{directory.name}/{name}", "signal": signal, "cause": cause})
        (directory / name).write_bytes(data)
    return truth
