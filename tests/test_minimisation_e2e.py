"""SPEC §6 end to end: everything synth plants in posts is gone from the built
dataset, every look-alike decoy is still there, and no image keeps its metadata."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from factories import SECRET
from trainright import Ledger, build, import_events
from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
from trainright.synth import DEFAULT_CUTOFF, synthesize


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("e2e")
    snap = root / "snap"
    synthesize(snap, accounts=400, posts=6000, seed=11)
    ledger = Ledger(f"sqlite:///{root / 'ledger.db'}")
    import_events(ledger, snap / "events.jsonl")
    build(
        snap,
        parse_policy(DEFAULT_POLICY_TOML),
        DEFAULT_CUTOFF,
        root / "ds",
        ledger=ledger,
        secret=SECRET,
    )
    return snap, root / "ds"


def test_planted_personal_data_is_gone_and_decoys_survive(dataset: tuple[Path, Path]) -> None:
    snap, ds = dataset
    text_of = {
        r["post_id"]: r["text"] or ""
        for r in pq.read_table(ds / "data").select(["post_id", "text"]).to_pylist()
    }
    planted = [
        r for r in pq.read_table(snap / "planted.parquet").to_pylist() if r["post_id"] in text_of
    ]
    checked: Counter[tuple[str, bool]] = Counter()
    leaks, lost = [], []
    for row in planted:
        present = row["value"] in text_of[row["post_id"]]
        checked[(row["category"], row["decoy"])] += 1
        if row["decoy"] and not present:
            lost.append(row)
        if not row["decoy"] and present:
            leaks.append(row)
    assert not leaks, f"{len(leaks)} planted values leaked, e.g. {leaks[:3]}"
    assert not lost, f"{len(lost)} decoys were redacted, e.g. {lost[:3]}"
    # the check covered every category, planted and decoy alike
    for category in (
        "email",
        "phone",
        "national_id",
        "iban",
        "payment_card",
        "ip",
        "gps",
        "person_name",
    ):
        assert checked[(category, False)] > 0, category
    assert sum(n for (_, decoy), n in checked.items() if decoy) > 50


def test_redaction_counts_are_in_the_manifest(dataset: tuple[Path, Path]) -> None:
    import json

    _, ds = dataset
    redactions = json.loads((ds / "manifest.json").read_text())["redactions"]
    assert set(redactions) == {
        "email",
        "phone",
        "national_id",
        "iban",
        "payment_card",
        "ip",
        "gps",
        "person_name",
    }
    assert all(n > 0 for n in redactions.values())


def test_no_image_keeps_metadata(dataset: tuple[Path, Path]) -> None:
    _, ds = dataset
    images = sorted((ds / "media").iterdir())
    assert images
    for path in images:
        with Image.open(path) as img:
            assert not img.getexif(), path
            assert "comment" not in img.info, path
            assert "xmp" not in img.info, path
        assert b"Exif\x00\x00" not in path.read_bytes()
        assert b"http://ns.adobe.com/xap/1.0/" not in path.read_bytes()
