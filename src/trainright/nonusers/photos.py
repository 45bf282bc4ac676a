"""SPEC §5: an image is dropped when it matches a photo a person without an account registered.

A registration keeps the photo's 64-bit pHash (`imagehash.phash`: the signs of 64
low-frequency DCT coefficients of a 32x32 grey thumbnail), never the photo. An image in
a post matches when its own pHash is within Hamming distance `MAX_DISTANCE` of a
registered one; docs/non-users.md gives the measured false- and true-match rates that
chose the threshold.

The metadata scrubbers never decode pixels (they rewrite the file losslessly), so the
pHash decodes the image itself, once per image. Both engines call `non_user_photo`, so
one definition decides.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from trainright.nonusers.phash import upright_phash

if TYPE_CHECKING:
    from trainright.nonusers.match import Matcher

#: Bits that may differ between a registered photo and an image that is dropped for it.
MAX_DISTANCE = 8


def phash(data: bytes) -> int | None:
    """The 64-bit pHash of an encoded image, as an integer (the first hex digit highest);
    None for bytes Pillow cannot decode."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(upright_phash(img), 16)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


class PhotoIndex:
    """The photo pHashes registered at the cutoff, searched all at once.

    A lookup is one vectorised XOR and popcount over every registration: at 10,000
    registrations it costs microseconds against the milliseconds of decoding the
    image (bench/nonuser_photos.py), so no multi-index structure is worth its code.
    """

    def __init__(self, hashes: Iterable[int]) -> None:
        self.hashes = np.array(sorted(set(hashes)), np.uint64)

    def __bool__(self) -> bool:
        return bool(len(self.hashes))

    def __len__(self) -> int:
        return len(self.hashes)

    def matches(self, value: int) -> bool:
        """Whether `value` is within `MAX_DISTANCE` bits of a registered pHash."""
        if not len(self.hashes):
            return False
        near = np.bitwise_count(self.hashes ^ np.uint64(value)) <= MAX_DISTANCE
        return bool(near.any())


def non_user_photo(data: bytes, photos: PhotoIndex | None) -> bool:
    """Whether an image (its encoded bytes) matches a registered photo; an image Pillow
    cannot decode matches nothing (the scrubber already decided whether it is kept)."""
    if not photos:
        return False
    value = phash(data)
    return value is not None and photos.matches(value)


def registered_photos(matcher: Matcher | None) -> PhotoIndex | None:
    """The photos of the registrations a build found at its cutoff, or None for none."""
    if matcher is None or not matcher.photos:
        return None
    return PhotoIndex(matcher.photos)
