"""Values shared by the per-format scrubbers."""

from __future__ import annotations

from typing import NamedTuple


class UnsupportedImage(ValueError):
    """The file is corrupt or not a format the scrubber can rewrite losslessly."""


class Scrubbed(NamedTuple):
    """The stripped file's bytes, and what its metadata said before it was stripped.

    `xmp` is the (first) XMP packet and `c2pa` whether a C2PA manifest store (a JUMBF
    box) was embedded: the walk that drops them notes them, so reading an image's
    reservations (`trainright.minimise.reservations`) needs no second pass over it.
    """

    data: bytes
    orientation: int | None
    xmp: bytes | None = None
    c2pa: bool = False
