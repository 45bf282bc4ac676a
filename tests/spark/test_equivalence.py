"""The Spark build writes what the DuckDB build writes, post by post and byte by byte.

Both engines read the same snapshot and the same ledger position; every file of the
dataset (shards, exclusions, subject sets, images) and every manifest entry but
`engine` must agree.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import typer
from hypothesis import given, settings
from pydantic import SecretStr
from typer.testing import CliRunner

from helpers import SECRET, Scenario, build_scenario, read_dataset
from strategies import RULES, scenarios
from trainright import Ledger, import_events, parse_policy
from trainright.ledger.commands import register
from trainright.pipeline import build
from trainright.synth import DEFAULT_CUTOFF, synthesize

#: Spark builds take seconds each; CI raises this with TRAINRIGHT_SPARK_EXAMPLES.
EXAMPLES = int(os.environ.get("TRAINRIGHT_SPARK_EXAMPLES", "3"))
POLICY = """
notice_days = 30
shards = 8

[regions.EEA]
legal_basis = "consent"

[regions.NL]
redact = ["email", "phone", "iban"]
shards = 4
"""


def files(out: Path) -> dict[str, str]:
    """sha256 of every file in a dataset but the manifest, by relative path."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def same_manifest(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert (a["engine"], b["engine"]) == ("duckdb", "spark")
    assert {k: v for k, v in a.items() if k != "engine"} == {
        k: v for k, v in b.items() if k != "engine"
    }


def spark_build(
    snapshot: Path, policy: str, cutoff: Any, out: Path, **events: Any
) -> dict[str, Any]:
    from trainright.spark import build_on_spark

    manifest, _ = build_on_spark(
        str(snapshot),
        parse_policy(policy),
        cutoff,
        out,
        secret=SecretStr(SECRET),
        spark_master=None,
        progress=None,
        **({"events_parquet": None, "ledger": None} | events),
    )
    return manifest


def both_engines(snapshot: Path, tmp_path: Path) -> dict[str, Any]:
    """Build the synthetic snapshot on both engines with its own events; the same
    manifest and files, or the test fails. Returns the manifest."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    import_events(ledger, snapshot / "events.jsonl")
    policy = parse_policy(POLICY)
    duck = build(snapshot, policy, DEFAULT_CUTOFF, tmp_path / "duck", ledger=ledger, secret=SECRET)
    manifest = spark_build(snapshot, POLICY, DEFAULT_CUTOFF, tmp_path / "spark", ledger=ledger)
    same_manifest(duck.manifest, manifest)
    assert files(tmp_path / "duck") == files(tmp_path / "spark")
    return manifest


def test_synthetic_platform_from_a_ledger_export(spark: Any, tmp_path: Path) -> None:
    """Planted personal data, images, tags and every reason; events read from Parquet."""
    snapshot = tmp_path / "snapshot"
    synthesize(snapshot, accounts=120, posts=600, seed=7, images=20)
    ledger_url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger = Ledger(ledger_url)
    import_events(ledger, snapshot / "events.jsonl")
    export = tmp_path / "events.parquet"
    cutoff = DEFAULT_CUTOFF.strftime("%Y-%m-%dT%H:%M:%SZ")
    app = typer.Typer()
    register(app)
    res = CliRunner().invoke(
        app, ["ledger", "export", str(export), "--as-of", cutoff, "--ledger", ledger_url]
    )
    assert res.exit_code == 0, res.output

    duck = build(
        snapshot,
        parse_policy(POLICY),
        DEFAULT_CUTOFF,
        tmp_path / "duck",
        ledger=ledger,
        secret=SECRET,
    )
    manifest = spark_build(
        snapshot, POLICY, DEFAULT_CUTOFF, tmp_path / "spark", events_parquet=export
    )

    same_manifest(duck.manifest, manifest)
    assert files(tmp_path / "duck") == files(tmp_path / "spark")
    counts = manifest["counts"]
    assert counts["included"] > 50
    assert manifest["media"]["included"] > 0
    assert sum(manifest["redactions"].values()) > 0
    assert {r for r, n in counts["excluded_by_reason"].items() if n} >= {
        "objected",
        "no_consent",
        "under_age",
        "account_status",
    }


def test_corrupt_and_missing_images_are_dropped_alike(spark: Any, tmp_path: Path) -> None:
    """An image that cannot be read or scrubbed is a counted warning on both engines."""
    snapshot = tmp_path / "snapshot"
    synthesize(snapshot, accounts=80, posts=400, seed=3, images=12)
    images = sorted((snapshot / "media").iterdir())
    for i, image in enumerate(images):
        if i % 3 == 0:
            image.write_bytes(image.read_bytes()[:200])  # truncated mid-file
        elif i % 3 == 1:
            image.unlink()
    manifest = both_engines(snapshot, tmp_path)
    assert manifest["warnings"]["media_unreadable"] > 0
    assert manifest["media"]["included"] > 0


@settings(RULES, max_examples=EXAMPLES)
@given(scenarios())
def test_hypothesis_platforms_agree_post_by_post(spark: Any, scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        duck = build_scenario(scenario, work)
        out = work / "spark"
        manifest = spark_build(
            work / "snapshot",
            scenario.policy,
            scenario.cutoff,
            out,
            ledger=Ledger(f"sqlite:///{work / 'ledger.db'}"),
        )
        built = read_dataset(out)
        assert built.excluded == duck.excluded
        assert built.included == duck.included
        same_manifest(duck.manifest, manifest)
        assert files(duck.out) == files(out)


def test_blank_text_means_the_same_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """Blank is Python's whitespace on both engines (Java's `\\s` and RE2's differ): the rules spell it out."""
    from factories import CUTOFF, account, post, write_snapshot

    snapshot = write_snapshot(
        tmp_path / "snap",
        [account(1)],
        [
            post(10, 1, text="\x0b"),
            post(11, 1, text=" \t\n"),
            post(12, 1, text="hi"),
            post(13, 1, text="\xa0\u3000"),
            post(14, 1, text="\xa0x"),
        ],
    )
    policy = "notice_days = 0\nshards = 2\n"
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    duck = build(
        snapshot, parse_policy(policy), CUTOFF, tmp_path / "duck", ledger=ledger, secret=SECRET
    )
    spark_build(snapshot, policy, CUTOFF, tmp_path / "spark", ledger=ledger)
    blank = dict.fromkeys((10, 11, 13), "empty_after_minimisation")
    assert read_dataset(duck.out).excluded == blank
    assert read_dataset(tmp_path / "spark").excluded == blank
    assert pq.read_table(tmp_path / "spark" / "exclusions.parquet").num_rows == 3


def test_image_reservations_are_read_in_the_executors_alike(spark: Any, tmp_path: Path) -> None:
    """Real C2PA manifests (CAWG and older labels, one garbled) and IPTC DataMining in
    XMP: both engines drop the same images, for the same causes and signals."""
    from PIL import Image

    from trainright.synth._reservations import sign, training_mining, xmp_packet

    snapshot = tmp_path / "snapshot"
    synthesize(snapshot, accounts=80, posts=400, seed=5, images=12)
    marks = [
        [training_mining("notAllowed")],
        [training_mining("constrained", prefix="c2pa")],
        [training_mining("allowed")],
        None,  # XMP DataMining
    ]
    for i, image in enumerate(sorted((snapshot / "media").iterdir())[:8]):
        mark = marks[i % 4]
        if mark is None:
            with Image.open(image) as img:
                img.save(image, "JPEG", xmp=xmp_packet("DMI-PROHIBITED-AIMLTRAINING"))
            continue
        signed = sign(image.read_bytes(), "JPEG", mark, f"spark-{i}")
        if i == 6:  # an 'allowed' manifest, garbled: unreadable, so not allowed
            at = signed.index(b"cawg.training-mining") + 25
            signed = signed[:at] + b"\xff\xff\xff" + signed[at + 3 :]
        image.write_bytes(signed)
    manifest = both_engines(snapshot, tmp_path)
    dropped = manifest["counts"]["media_dropped"]
    assert dropped["reserved"] > 0
    assert dropped["reservation_unreadable"] > 0
    assert set(manifest["media"]["reserved_by"]) >= {
        "cawg.training-mining",
        "c2pa.training-mining",
        "iptc.DataMining",
        "c2pa.unreadable",
    }


def test_people_without_an_account_are_found_alike(spark: Any, tmp_path: Path) -> None:
    """Names, addresses and numbers of registered non-users, searched in the executors:
    the posts they name are the DuckDB build's, reason by reason."""
    from reference import Account, Event, Platform, Post
    from test_non_users_rule import PHONES, ROWS, T, register

    adult = Account(1, "personal", None, "US", "active", "Ada", T, None, 30, T)
    texts = [r.text for r in ROWS] + [text for _, text, _ in PHONES]
    posts = tuple(Post(100 + i, 1, T, "public", "en", t, False) for i, t in enumerate(texts))
    people = (
        register("Hope", "José Ñúñez", ref="nu-a"),
        register("Grete Hansen", emails=("grete@example.org",), ref="nu-b"),
    )
    scenario = Scenario(
        Platform((adult,), posts),
        (Event(1, "notice_sent", T - timedelta(days=40)), *people),
        "",
        T,
    )
    duck = build_scenario(scenario, tmp_path)
    out = tmp_path / "spark"
    spark_build(
        tmp_path / "snapshot", "", T, out, ledger=Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    )
    built = read_dataset(out)
    assert built.excluded == duck.excluded
    assert built.included == duck.included
    assert set(duck.excluded.values()) == {"names_non_user"}
    assert len(duck.excluded) > 5


def test_registered_photos_are_dropped_in_the_executors_alike(spark: Any, tmp_path: Path) -> None:
    """Test pictures and their resized copies, some registered by people without an
    account: both engines drop the same images and empty the same posts."""
    from pictures import PICTURES, phash_hex
    from reference import Account, Event, Media, Platform, Post
    from test_non_user_photos import T, register

    adult = Account(1, "personal", None, "US", "active", "Ada", T, None, 30, T)
    posts = tuple(
        Post(100 + i, 1, T, "public", "en", None if i % 3 == 0 else "Sommer", False)
        for i in range(2 * PICTURES)
    )
    media = tuple(
        Media(500 + i, 100 + i, f"images/{500 + i}.jpg", False, None, i % PICTURES, i >= PICTURES)
        for i in range(2 * PICTURES)
    )
    people = (register(phash_hex(0), phash_hex(3, copy=True)), register(phash_hex(4), ref="nu-2"))
    # the posts repeat one caption; with dedup they would be duplicates and their
    # images never reach the photo check this test is about
    policy = 'dedup = "off"\n'
    scenario = Scenario(
        Platform((adult,), posts, media),
        (Event(1, "notice_sent", T - timedelta(days=40)), *people),
        policy,
        T,
    )
    duck = build_scenario(scenario, tmp_path)
    out = tmp_path / "spark"
    manifest = spark_build(
        tmp_path / "snapshot", policy, T, out, ledger=Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    )
    built = read_dataset(out)
    assert built.excluded == duck.excluded
    assert built.included == duck.included
    same_manifest(duck.manifest, manifest)
    assert files(duck.out) == files(out)
    assert manifest["counts"]["media_dropped"]["non_user_photo"] == 6
    assert "empty_after_minimisation" in set(duck.excluded.values())


@pytest.mark.parametrize("dedup_only", [False, True], ids=["all rows", "repeats only"])
def test_copies_and_duplicates_are_found_alike(
    spark: Any, tmp_path: Path, dedup_only: bool
) -> None:
    """The rows of the copies table side by side (all of them: the objector's texts make
    copies everywhere; or only those without one, for the repeats); both engines agree."""
    from reference import Platform, Post
    from test_copies_rule import ACCOUNTS, DAY, EVENTS, POLICY, ROWS, T

    def moved(post_id: int | None, row: int) -> int | None:
        return None if post_id is None else post_id + 1000 * row

    rows = [r for r in ROWS if not dedup_only or all(p.author in (1, 3) for p in r.posts)]
    posts = tuple(
        Post(
            1000 * i + p.post_id,
            p.author,
            T - p.days * DAY,
            "public",
            "en",
            p.text,
            p.deleted,
            moved(p.reshare_of, i),
            moved(p.quote_of, i),
            p.content_usage,
        )
        for i, row in enumerate(rows)
        for p in row.posts
    )
    scenario = Scenario(Platform(ACCOUNTS, posts), EVENTS, POLICY, T)
    duck = build_scenario(scenario, tmp_path)
    out = tmp_path / "spark"
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    spark_build(tmp_path / "snapshot", POLICY, T, out, ledger=ledger)
    built = read_dataset(out)
    assert built.excluded == duck.excluded
    assert built.included == duck.included
    expected = {"duplicate"} if dedup_only else {"copy_of_excluded", "shares_excluded"}
    assert expected <= set(duck.excluded.values())
