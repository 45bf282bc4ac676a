"""SPEC §2 image reservations: C2PA / CAWG and IPTC DataMining, read before stripping.

The manifests are real: signed through `c2pa-python`'s builder with a test
certificate; the XMP is what Pillow writes for each format.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import time
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from images_fixtures import picture
from PIL import Image

from trainright.minimise import reservations, scrub_bytes, scrub_image
from trainright.minimise.reservations import (
    C2PA_LEGACY,
    C2PA_REMOTE,
    C2PA_UNREADABLE,
    CAWG,
    IPTC,
    IPTC_UNREADABLE,
    Reservation,
    reservation_of,
)
from trainright.synth._reservations import Format, encode, sign, training_mining, xmp_packet

FORMATS: tuple[Format, ...] = ("JPEG", "PNG", "WEBP")
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


def reserved(signal: str) -> Reservation:
    return Reservation("reserved", signal)


def unreadable(signal: str) -> Reservation:
    return Reservation("reservation_unreadable", signal)


def manifest(*assertions: dict[str, Any]) -> Any:
    return lambda fmt: sign(encode(picture(), fmt), fmt, list(assertions), f"test-{fmt}")


def xmp(value: str | None = None, provenance: str | None = None) -> Any:
    return lambda fmt: encode(picture(), fmt, xmp_packet(value, provenance=provenance))


CASES: dict[str, tuple[Any, Reservation | None]] = {
    "cawg notAllowed": (manifest(training_mining("notAllowed")), reserved(CAWG)),
    "cawg constrained is notAllowed": (manifest(training_mining("constrained")), reserved(CAWG)),
    "cawg allowed": (manifest(training_mining("allowed")), None),
    "cawg generative training": (
        manifest(training_mining("notAllowed", entry="ai_generative_training")),
        reserved(CAWG),
    ),
    "cawg data mining": (
        manifest(training_mining("constrained", entry="data_mining")),
        reserved(CAWG),
    ),
    "inference alone reserves nothing for training": (
        manifest(training_mining("notAllowed", entry="ai_inference")),
        None,
    ),
    "older c2pa labels": (
        manifest(training_mining("notAllowed", prefix="c2pa")),
        reserved(C2PA_LEGACY),
    ),
    "a label of the other vocabulary is not read": (
        manifest(
            {
                "label": "cawg.training-mining",
                "data": {"entries": {"c2pa.ai_training": {"use": "notAllowed"}}},
            }
        ),
        None,
    ),
    "a use that is none of the three words": (
        manifest(training_mining("maybe")),
        unreadable(C2PA_UNREADABLE),
    ),
    "a manifest with no training assertion": (manifest(), None),
    "IPTC prohibited for AI/ML training": (xmp("DMI-PROHIBITED-AIMLTRAINING"), reserved(IPTC)),
    "IPTC prohibited for generative training": (
        xmp("DMI-PROHIBITED-GENAIMLTRAINING"),
        reserved(IPTC),
    ),
    "IPTC prohibited except search": (
        xmp("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"),
        reserved(IPTC),
    ),
    "IPTC prohibited, as a vocabulary URI": (
        xmp("http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED"),
        reserved(IPTC),
    ),
    "IPTC allowed": (xmp("DMI-ALLOWED"), None),
    "IPTC unspecified": (xmp("DMI-UNSPECIFIED"), None),
    "XMP without DataMining": (xmp(), None),
    "a remote manifest is not fetched": (
        xmp(provenance="https://manifests.example/abc.c2pa"),
        unreadable(C2PA_REMOTE),
    ),
    "no metadata at all": (lambda fmt: encode(picture(), fmt), None),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES)
def test_each_signal_in_each_format(fmt: Format, case: str) -> None:
    make, expected = CASES[case]
    data = make(fmt)
    suffix, found = scrub_bytes(data)
    assert suffix == SUFFIX[fmt]
    assert reservation_of(data, suffix, found) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_readable_reservation_beats_an_allowance_elsewhere(fmt: Format) -> None:
    img = encode(picture(), fmt, xmp_packet("DMI-PROHIBITED"))
    data = sign(img, fmt, [training_mining("allowed")], "both")
    suffix, found = scrub_bytes(data)
    assert reservation_of(data, suffix, found) == reserved(IPTC)


def _corrupt(data: bytes, fmt: Format) -> bytes:
    """Garble the manifest's CBOR inside the store, keeping the container valid."""
    at = data.index(b"cawg.training-mining") + 25
    bad = data[:at] + b"\xff\xff\xff" + data[at + 3 :]
    if fmt == "PNG":  # the caBX chunk's CRC must still match, or the file is unreadable
        start = bad.index(b"caBX") - 4
        length = int.from_bytes(bad[start : start + 4], "big")
        end = start + 8 + length
        bad = bad[:end] + zlib.crc32(bad[start + 4 : end]).to_bytes(4, "big") + bad[end + 4 :]
    return bad


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_manifest_that_cannot_be_read_fails_closed(fmt: Format) -> None:
    good = sign(encode(picture(), fmt), fmt, [training_mining("allowed")], "corrupt")
    data = _corrupt(good, fmt)
    suffix, found = scrub_bytes(data)
    assert found.c2pa
    assert reservation_of(data, suffix, found) == unreadable(C2PA_UNREADABLE)


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unreadable_manifest_with_a_prohibiting_xmp_is_reserved(fmt: Format) -> None:
    img = encode(picture(), fmt, xmp_packet("DMI-PROHIBITED-AIMLTRAINING"))
    data = _corrupt(sign(img, fmt, [training_mining("allowed")], "corrupt"), fmt)
    suffix, found = scrub_bytes(data)
    assert reservation_of(data, suffix, found) == reserved(IPTC)


@pytest.mark.parametrize(
    "packet",
    [
        b'<!DOCTYPE x [<!ENTITY e "DMI-PROHIBITED">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&e;'
        b"</x:xmpmeta>",
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><unclosed></x:xmpmeta>",
        b"\x00\x01 not xml at all",
    ],
    ids=["entities", "malformed", "binary"],
)
def test_xmp_that_is_not_plain_xml_states_nothing_and_never_raises(packet: bytes) -> None:
    data = encode(picture(), "PNG", packet)
    suffix, found = scrub_bytes(data)
    assert found.xmp is not None
    assert reservation_of(data, suffix, found) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_reserved_images_are_not_written_and_survivors_are_clean(
    tmp_path: Path, fmt: Format
) -> None:
    pic = picture()
    kinds = {
        "reserved": sign(encode(pic, fmt), fmt, [training_mining("notAllowed")], "r"),
        "allowed": sign(
            encode(pic, fmt, xmp_packet("DMI-ALLOWED")), fmt, [training_mining("allowed")], "a"
        ),
    }
    results = {}
    for name, data in kinds.items():
        src = tmp_path / f"{name}{SUFFIX[fmt]}"
        src.write_bytes(data)
        results[name] = (src, scrub_image(src, tmp_path / f"out-{name}", check_reservations=True))
    src, res = results["reserved"]
    assert res.path is None
    assert res.warning is None
    assert res.reservation == reserved(CAWG)
    assert not list(tmp_path.glob("out-reserved*"))
    src, res = results["allowed"]
    assert res.path is not None
    assert res.reservation is None
    out = res.path.read_bytes()
    assert b"jumb" not in out
    assert b"c2pa" not in out
    assert b"useplus" not in out
    with Image.open(src) as a, Image.open(res.path) as b:
        assert a.tobytes() == b.tobytes()
        assert "xmp" not in b.info
        assert "XML:com.adobe.xmp" not in b.info
    if shutil.which("exiftool"):
        tags = json.loads(
            subprocess.run(
                ["exiftool", "-j", "-a", "-G1", "-u", str(res.path)],
                capture_output=True,
                check=True,
                text=True,
            ).stdout
        )[0]
        assert not [k for k in tags if k.split(":")[0] in ("XMP", "XMP-plus", "JUMBF", "C2PA")]


def test_without_the_check_a_reserved_image_is_scrubbed_like_any(tmp_path: Path) -> None:
    src = tmp_path / "r.jpg"
    src.write_bytes(sign(encode(picture(), "JPEG"), "JPEG", [training_mining("notAllowed")], "r"))
    res = scrub_image(src, tmp_path / "out")
    assert res.path is not None
    assert res.reservation is None


def test_xmp_naming_data_mining_that_does_not_parse_fails_closed() -> None:
    packet = xmp_packet("DMI-PROHIBITED").replace(b"</rdf:RDF>", b"</rdf:RDF")
    data = encode(picture(), "JPEG", packet)
    suffix, found = scrub_bytes(data)
    assert reservation_of(data, suffix, found) == unreadable(IPTC_UNREADABLE)


class _InterruptedRead(io.BytesIO):
    """A stream that receives Ctrl-C (a real SIGINT) during c2pa's first read of it."""

    def readinto(self, buffer: Any) -> int:
        if not getattr(self, "sent", False):
            self.sent = True
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler runs here, inside c2pa's read callback
        return super().readinto(buffer)


def test_ctrl_c_while_c2pa_reads_stops_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """c2pa reads through a ctypes callback, and ctypes swallows an exception raised in
    one: without deferring SIGINT over the read, Ctrl-C became an unreadable manifest and
    the build went on."""
    data = sign(encode(picture(), "JPEG"), "JPEG", [training_mining("allowed")], "ctrl-c")
    suffix, found = scrub_bytes(data)
    monkeypatch.setattr(reservations, "io", SimpleNamespace(BytesIO=_InterruptedRead))
    with pytest.raises(KeyboardInterrupt):
        reservation_of(data, suffix, found)
    monkeypatch.undo()
    assert reservation_of(data, suffix, found) is None, "and the next read is unaffected"
