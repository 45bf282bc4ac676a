"""A photo a person without an account uploads, reduced to its pHash in memory.

The one definition of "the pHash of an image file" (SPEC §3: 64-bit, imagehash), for
the rights service and for any other reader of image bytes that must agree with it.

Only the 64-bit pHash (imagehash, 16 hex digits) is kept; the bytes are never
written anywhere and are dropped when the request ends. The EXIF orientation is
applied first, so the hash is that of the photo as people see it.
"""

from __future__ import annotations

import io
import warnings

import imagehash
from PIL import Image, ImageOps, UnidentifiedImageError

#: The largest photo taken, in bytes and in pixels: a phone photo as shared (2-6 MB);
#: five of them bound what one registration holds in memory.
MAX_PHOTO_BYTES = 6 * 1024 * 1024
MAX_PIXELS = 60_000_000


class PhotoError(ValueError):
    """Not an image this service reads, or one too large."""


def upright_phash(img: Image.Image) -> str:
    """The pHash of a decoded image as people see it (EXIF orientation applied), as 16
    lower-case hex digits: the one definition the service and the build both use."""
    return str(imagehash.phash(ImageOps.exif_transpose(img)))


def phash_hex(data: bytes) -> str:
    """The pHash of an image file's bytes, as 16 lower-case hex digits."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoError(f"larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MiB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise PhotoError(f"more than {MAX_PIXELS // 1_000_000} million pixels")
                img.load()
                return upright_phash(img)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
    ) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError("not an image file (JPEG, PNG, WebP, ...)") from None
