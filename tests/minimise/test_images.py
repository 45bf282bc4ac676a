"""SPEC §6 images: metadata gone (Pillow and exiftool agree), pixels byte-identical."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from images_fixtures import (
    COMMENT,
    jpeg_cmyk,
    jpeg_full,
    picture,
    png_full,
    webp_full,
    with_segments,
)
from PIL import Image

from trainright.minimise import ScrubResult, scrub_image

SOURCES: dict[str, tuple[Callable[[], bytes], str, int]] = {
    "jpeg": (jpeg_full, ".jpg", 6),
    "jpeg-progressive": (lambda: jpeg_full(progressive=True), ".jpg", 6),
    "jpeg-cmyk-adobe": (jpeg_cmyk, ".jpg", 1),
    "png": (png_full, ".png", 3),
    "webp-lossless": (webp_full, ".webp", 8),
    "webp-lossy": (lambda: webp_full(lossless=False), ".webp", 8),
}
# exiftool groups that would mean metadata survived (with -G1).
LEAKY_GROUPS = ("IFD0", "IFD1", "ExifIFD", "GPS", "InteropIFD", "MakerNotes", "XMP", "IPTC",
                "Photoshop", "MPF", "JFXX", "Samsung", "Trailer")  # fmt: skip
LEAKY_TAGS = {"Comment", "Author", "Description", "Software", "Make", "Model", "ModifyDate",
              "Orientation", "GPSPosition", "Creator", "Title", "Copyright"}  # fmt: skip


def _scrub(tmp_path: Path, name: str) -> tuple[Path, ScrubResult]:
    make, suffix, _ = SOURCES[name]
    src = tmp_path / f"src{suffix}"
    src.write_bytes(make())
    return src, scrub_image(src, tmp_path / "00000001")


def _pixels(path: Path) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(path) as img:
        img.load()
        return img.mode, img.size, img.tobytes()


@pytest.mark.parametrize("name", SOURCES)
def test_pixels_are_byte_identical(tmp_path: Path, name: str) -> None:
    src, res = _scrub(tmp_path, name)
    assert res.path is not None
    assert res.warning is None
    assert _pixels(res.path) == _pixels(src)


@pytest.mark.parametrize("name", SOURCES)
def test_written_with_the_extension_of_the_real_format(tmp_path: Path, name: str) -> None:
    _, res = _scrub(tmp_path, name)
    assert res.path == tmp_path / f"00000001{SOURCES[name][1]}"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("name", SOURCES)
def test_orientation_is_recorded_before_the_exif_goes(tmp_path: Path, name: str) -> None:
    _, res = _scrub(tmp_path, name)
    assert res.orientation == SOURCES[name][2]


@pytest.mark.parametrize("name", SOURCES)
def test_pillow_sees_no_metadata(tmp_path: Path, name: str) -> None:
    src, res = _scrub(tmp_path, name)
    assert res.path is not None
    with Image.open(src) as before:
        assert before.getexif()  # the fixture really carries metadata
    with Image.open(res.path) as img:
        assert not img.getexif()
        leaked = set(img.info) - {"icc_profile", "jfif", "jfif_version", "jfif_unit",
                                  "jfif_density", "dpi", "adobe", "adobe_transform",
                                  "progressive", "progression", "loop", "background",
                                  "duration", "transparency", "timestamp"}  # fmt: skip
        assert leaked == set()
    raw = res.path.read_bytes()
    for secret in (b"Kari", COMMENT, b"PhoneMaker", b"Exif\0\0", b"xmpmeta", b"vendor trailer"):
        assert secret not in raw


@pytest.mark.parametrize("name", SOURCES)
def test_icc_profile_is_kept_for_colour(tmp_path: Path, name: str) -> None:
    src, res = _scrub(tmp_path, name)
    assert res.path is not None
    with Image.open(src) as before, Image.open(res.path) as after:
        assert after.info.get("icc_profile") == before.info.get("icc_profile")


def test_adobe_segment_survives_in_cmyk_jpeg(tmp_path: Path) -> None:
    _, res = _scrub(tmp_path, "jpeg-cmyk-adobe")
    assert res.path is not None
    with Image.open(res.path) as img:
        assert img.mode == "CMYK"
        assert "adobe" in img.info


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool not installed "
                    "(apt-get install libimage-exiftool-perl); CI installs it")  # fmt: skip
@pytest.mark.parametrize("name", SOURCES)
def test_exiftool_finds_no_metadata(tmp_path: Path, name: str) -> None:
    src, res = _scrub(tmp_path, name)
    assert res.path is not None

    def tags(path: Path) -> dict[str, object]:
        out = subprocess.run(["exiftool", "-j", "-a", "-G1", "-u", str(path)],
                             capture_output=True, check=True, text=True)  # fmt: skip
        return dict(json.loads(out.stdout)[0])

    before = tags(src)
    assert any(key.startswith("GPS:") for key in before)  # exiftool does see the fixture's GPS
    after = tags(res.path)
    leaked = [key for key in after
              if key.split(":")[0].startswith(LEAKY_GROUPS) or key.split(":")[-1] in LEAKY_TAGS]  # fmt: skip
    assert leaked == []
    assert not any("Warning" in key for key in after)


def _jpeg_plain() -> bytes:
    out = io.BytesIO()
    picture().save(out, "JPEG", quality=95)
    return out.getvalue()


BROKEN: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "unsupported image format"),
    "text file": (b"hello, not an image", "unsupported image format"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "unsupported image format"),
    "jpeg truncated in scan": (_jpeg_plain()[:-10], "truncated"),
    "jpeg truncated in header": (_jpeg_plain()[:30], "past the end"),
    "jpeg segment too long": (with_segments(_jpeg_plain(), b"\xff\xe1\xff\xff"), "past the end"),
    "png bad crc": (png_full()[:40] + b"X" + png_full()[41:], "CRC"),
    "png truncated": (png_full()[:100], "past the end"),
    "webp riff too long": (webp_full()[:60], "RIFF size"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_corrupt_image_is_a_warning_not_a_crash(tmp_path: Path, name: str) -> None:
    data, reason = BROKEN[name]
    src = tmp_path / "broken.jpg"
    src.write_bytes(data)
    res = scrub_image(src, tmp_path / "00000001")
    assert res.path is None
    assert res.warning is not None
    assert reason in res.warning
    assert str(src) in res.warning
    assert list(tmp_path.iterdir()) == [src]


def test_missing_file_is_a_warning(tmp_path: Path) -> None:
    res = scrub_image(tmp_path / "gone.jpg", tmp_path / "00000001")
    assert res.path is None
    assert res.warning is not None
    assert "unreadable" in res.warning


FUZZ_SOURCES = (jpeg_full(), png_full(), webp_full())


@settings(max_examples=60, deadline=None)
@given(
    cut=st.integers(min_value=0, max_value=4000),
    flip=st.integers(0, 4000),
    byte=st.integers(0, 255),
)
def test_damaged_bytes_never_raise(tmp_path_factory: pytest.TempPathFactory, cut: int,
                                   flip: int, byte: int) -> None:  # fmt: skip
    tmp = tmp_path_factory.mktemp("fuzz")
    for source in FUZZ_SOURCES:
        data = bytearray(source)
        if flip < len(data):
            data[flip] = byte
        src = tmp / "x"
        src.write_bytes(bytes(data[: len(data) - cut % max(len(data), 1)]))
        res = scrub_image(src, tmp / "out")
        assert (res.path is None) == (res.warning is not None)
