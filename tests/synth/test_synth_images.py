"""The JPEGs: real images carrying the metadata minimisation has to strip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from trainright.synth import SynthSummary

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ORIENTATION, DATETIME_ORIGINAL = 0x010F, 0x0110, 0x0112, 0x9003


@pytest.fixture(scope="module")
def jpegs(platform: SynthSummary) -> list[Path]:
    return sorted((platform.out / "media").glob("*.jpg"))


def test_images_are_small_real_jpegs_with_content(jpegs: list[Path]) -> None:
    assert len(jpegs) == 40
    for path in jpegs:
        with Image.open(path) as im:
            assert im.format == "JPEG"
            assert 64 <= im.width <= 160
            assert 48 <= im.height <= 120
            pixels = np.asarray(im.convert("L"), dtype=float)
        assert pixels.std() > 5, path


def test_every_image_names_its_camera_and_time(jpegs: list[Path]) -> None:
    for path in jpegs:
        with Image.open(path) as im:
            exif = im.getexif()
        assert exif.get(MAKE)
        assert exif.get(MODEL)
        assert len(exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL]) == 19


def test_most_images_carry_gps_and_some_an_orientation(jpegs: list[Path]) -> None:
    with_gps = with_orientation = 0
    for path in jpegs:
        with Image.open(path) as im:
            exif = im.getexif()
        gps = exif.get_ifd(GPS_IFD)
        if gps:
            with_gps += 1
            assert (gps[1], gps[3]) in {("N", "E"), ("N", "W"), ("S", "E"), ("S", "W")}
            assert (len(gps[2]), len(gps[4])) == (3, 3)
        with_orientation += ORIENTATION in exif
    assert with_gps > len(jpegs) / 2
    assert 0 < with_orientation < len(jpegs)


def test_some_images_carry_an_email_comment_and_xmp(jpegs: list[Path]) -> None:
    comments, xmps = [], []
    for path in jpegs:
        with Image.open(path) as im:
            comments.append(im.info.get("comment"))
            xmps.append(im.info.get("xmp"))
    emails = [c for c in comments if c]
    assert emails
    assert all(b"@" in c for c in emails)
    assert len(emails) < len(jpegs)
    packets = [x for x in xmps if x]
    assert packets
    assert all(b"<x:xmpmeta" in x for x in packets)
    assert any(b"dc:creator" in x for x in packets)
    raw = jpegs[xmps.index(packets[0])].read_bytes()
    assert b"http://ns.adobe.com/xap/1.0/\x00" in raw


def test_reservations_in_images_read_as_their_ground_truth_says(
    platform: SynthSummary, jpegs: list[Path]
) -> None:
    import pyarrow.parquet as pq

    from trainright.minimise import scrub_bytes
    from trainright.minimise.reservations import reservation_of

    truth = {
        r["path"]: r for r in pq.read_table(platform.out / "image_reservations.parquet").to_pylist()
    }
    assert {r["cause"] for r in truth.values()} == {"reserved", "reservation_unreadable", None}
    assert {(r["signal"], r["cause"]) for r in truth.values()} >= {
        ("iptc.DataMining", "reserved"),
        ("cawg.training-mining", "reserved"),
        ("c2pa.training-mining", "reserved"),
        ("c2pa.unreadable", "reservation_unreadable"),
    }
    for path in jpegs:
        data = path.read_bytes()
        found = reservation_of(data, *scrub_bytes(data))
        row = truth.get(f"media/{path.name}")
        if row is None or row["cause"] is None:
            assert found is None, path
        else:
            assert (found.cause, found.signal) == (row["cause"], row["signal"]), path
