"""Test photos for matching registered pHashes: a few distinct pictures, each also as a
re-encoded, resized copy (what a person's own upload of the same photo looks like)."""

from __future__ import annotations

import io
from functools import cache

import imagehash
import numpy as np
from PIL import Image, ImageDraw

#: Distinct pictures the tests draw from.
PICTURES = 6


@cache
def _pixels(k: int) -> Image.Image:
    rng = np.random.default_rng([k, 77])
    w, h = 120, 90
    a, b = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    ramp = np.linspace(0.0, 1.0, w)[None, :, None]
    base = a + (b - a) * ramp + rng.normal(0, 10, (h, w, 3))
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(5):
        x0, y0 = int(rng.integers(0, w - 30)), int(rng.integers(0, h - 30))
        box = (x0, y0, x0 + int(rng.integers(15, 60)), y0 + int(rng.integers(15, 45)))
        fill = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    return img


@cache
def picture(k: int, copy: bool = False, xmp: bytes | None = None) -> bytes:
    """Picture `k` as a JPEG; `copy`: resized to two thirds and re-encoded at lower quality."""
    img = _pixels(k)
    if copy:
        img = img.resize((80, 60), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=70 if copy else 92, **({"xmp": xmp} if xmp else {}))
    return buf.getvalue()


@cache
def phash_hex(k: int, copy: bool = False) -> str:
    """The pHash a person registering picture `k` (or its copy) gets, as 16 hex digits."""
    with Image.open(io.BytesIO(picture(k, copy))) as img:
        return str(imagehash.phash(img))


def hamming(a: str, b: str) -> int:
    """Bits that differ between two pHashes in hex."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")
