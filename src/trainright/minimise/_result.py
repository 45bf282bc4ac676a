"""Values shared by the per-format scrubbers."""

from __future__ import annotations

from typing import NamedTuple


class UnsupportedImage(ValueError):
    """The file is corrupt or not a format the scrubber can rewrite losslessly."""


class Scrubbed(NamedTuple):
    """The stripped file's bytes and the EXIF orientation found before stripping."""

    data: bytes
    orientation: int | None
