"""SPEC §6 images: remove all metadata without re-encoding, so the pixels stay identical.

The format is read from the file's magic bytes, not its name, and decides the extension
written. Anything corrupt or unsupported becomes a warning for the build to count, never an
exception: one bad upload must not stop a dataset.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trainright.minimise import jpeg, png, webp
from trainright.minimise._result import Scrubbed, UnsupportedImage
from trainright.minimise.reservations import Reservation, reservation_of
from trainright.nonusers.photos import PhotoIndex, non_user_photo


@dataclass(frozen=True)
class ScrubResult:
    """Where the scrubbed image went (or None and why it was dropped).

    `orientation` is the EXIF orientation (1..8) the source declared: the EXIF block is
    removed with everything else, so the dataset records it for consumers to apply.
    `reservation` says why a reserved image was not written (its path is then None);
    `non_user_photo` that it matched a photo a person without an account registered.
    """

    path: Path | None
    warning: str | None = None
    orientation: int | None = None
    reservation: Reservation | None = None
    non_user_photo: bool = False


_FORMATS: tuple[tuple[Callable[[bytes], bool], str, Callable[[bytes], Scrubbed]], ...] = (
    (lambda b: b.startswith(b"\xff\xd8\xff"), ".jpg", jpeg.scrub),
    (lambda b: b.startswith(png.SIGNATURE), ".png", png.scrub),
    (lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP", ".webp", webp.scrub),
)


def scrub_bytes(data: bytes) -> tuple[str, Scrubbed]:
    """The image without metadata, and the extension of its real format.

    Raises UnsupportedImage for a corrupt file or a format other than JPEG, PNG, WebP.
    """
    for matches, suffix, scrub in _FORMATS:
        if matches(data):
            return suffix, scrub(data)
    raise UnsupportedImage("unsupported image format (JPEG, PNG and WebP are)")


def scrub_image(
    src: Path,
    dst_stem: Path,
    check_reservations: bool = False,
    photos: PhotoIndex | None = None,
) -> ScrubResult:
    """Write `src` without metadata to `dst_stem` + the extension of its real format.

    With `check_reservations`, an image whose metadata reserves it against training
    (or whose C2PA manifest cannot be read) is not written: its result says why. An
    image matching one of `photos` (registered by people without an account) is not
    written either; a reservation is reported first, as it needs no decoding.
    """
    try:
        data = src.read_bytes()
    except OSError as exc:
        return ScrubResult(None, f"{src}: unreadable image: {exc.strerror}")
    try:
        suffix, scrubbed = scrub_bytes(data)
    except UnsupportedImage as exc:
        return ScrubResult(None, f"{src}: {exc}")
    if check_reservations and (reserved := reservation_of(data, suffix, scrubbed)):
        return ScrubResult(None, None, scrubbed.orientation, reserved)
    if non_user_photo(data, photos):
        return ScrubResult(None, None, scrubbed.orientation, non_user_photo=True)
    dst = dst_stem.with_name(dst_stem.name + suffix)
    tmp = dst.with_name(dst.name + ".part")
    try:
        tmp.write_bytes(scrubbed.data)
        os.replace(tmp, dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        return ScrubResult(None, f"{dst}: cannot write scrubbed image: {exc.strerror}")
    return ScrubResult(dst, None, scrubbed.orientation)
