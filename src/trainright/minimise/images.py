"""Image scrubbing (interface; the lossless scrubber arrives with the minimisation work)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScrubResult:
    """Where the scrubbed image went, or why it was dropped."""

    path: Path | None
    warning: str | None = None


def scrub_image(src: Path, dst_stem: Path) -> ScrubResult:
    """Copy `src` to `dst_stem` + its extension with all metadata removed, pixels unchanged."""
    dst = dst_stem.with_suffix(src.suffix.lower())
    try:
        shutil.copyfile(src, dst)
    except OSError as exc:
        return ScrubResult(None, f"unreadable image: {exc.strerror}")
    return ScrubResult(dst)
