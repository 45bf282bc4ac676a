"""SPEC §7: the dataset on disk — layout, manifest, determinism, atomicity, catalog."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partialmethod
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pyroaring import BitMap64
from sqlalchemy import select

from factories import CUTOFF, SECRET, account, post
from trainright import ConfigError, InputError, Ledger, NewEvent, build, parse_policy
from trainright.ledger import schema
from trainright.minimise import text as text_module
from trainright.rules import DuckDBRunner

POLICY = parse_policy("notice_days = 0\nshards = 4\n")


@pytest.fixture
def snap(snapshot_factory: Callable[..., Path]) -> Path:
    accounts = [account(i) for i in range(1, 21)] + [account(99, birth_date=None)]
    posts = [post(100 + i, 1 + i % 20) for i in range(60)] + [
        post(500, 99),
        post(501, 1, deleted=True),
    ]
    return snapshot_factory(accounts, posts)


def test_layout_and_manifest(snap: Path, tmp_path: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(3, "objection", datetime(2026, 1, 1, tzinfo=UTC))])
    result = build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    out, m = result.out, result.manifest
    assert sorted(p.name for p in out.iterdir()) == [
        "data",
        "exclusions.parquet",
        "manifest.json",
        "media",
        "subjects",
    ]
    assert [s["file"] for s in m["shards"]] == [f"data/shard-{i:05d}.parquet" for i in range(4)]
    assert m["cutoff"] == "2026-06-26T00:00:00Z"
    assert m["policy_sha256"] == POLICY.sha256
    assert m["ledger"] == {"seq": 1, "hash": ledger.head().hash}
    assert set(m["inputs"]) == {
        "accounts.parquet",
        "posts.parquet",
        "media (absent)",
        "tags (absent)",
        "persons (absent)",
    }
    assert m["counts"]["included"] == 57
    assert m["counts"]["excluded"] == 5
    assert m["counts"]["excluded_by_reason"]["objected"] == 3
    assert sum(s["rows"] for s in m["shards"]) == 57
    for s in m["shards"]:
        path = out / s["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == s["sha256"]
        table = pq.read_table(path)
        assert table.column_names == [
            "post_id",
            "subject",
            "created_at",
            "lang",
            "text",
            "media",
            "media_orientation",
        ]
        assert table["post_id"].to_pylist() == sorted(table["post_id"].to_pylist())
        # subject is the keyed HMAC, never the account id, and the subject set matches it
        subjects = BitMap64.deserialize((out / s["subjects_file"]).read_bytes())
        assert len(subjects) == s["subjects"]
        expected = {
            hmac.new(SECRET.encode(), str(a).encode(), hashlib.sha256).hexdigest() for a in subjects
        }
        assert set(table["subject"].to_pylist()) == expected
    ex = pq.read_table(out / "exclusions.parquet").to_pylist()
    assert {r["post_id"]: r["reason"] for r in ex}[501] == "post_deleted"
    assert {r["post_id"]: r["reason"] for r in ex}[500] == "age_unknown"


def test_same_inputs_same_bytes(snap: Path, tmp_path: Path, ledger: Ledger) -> None:
    a = build(snap, POLICY, CUTOFF, tmp_path / "a", ledger=ledger, secret=SECRET, workers=1)
    b = build(snap, POLICY, CUTOFF, tmp_path / "b", ledger=ledger, secret=SECRET, workers=2)
    files = sorted(p.relative_to(a.out) for p in a.out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b.out) for p in b.out.rglob("*") if p.is_file())
    for f in files:
        assert (a.out / f).read_bytes() == (b.out / f).read_bytes(), f
    other_key = build(snap, POLICY, CUTOFF, tmp_path / "c", ledger=ledger, secret=SECRET + "x")
    assert other_key.dataset_id != a.dataset_id


def test_the_same_bytes_in_any_batching(
    snap: Path, tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Included posts are gathered across the rules' batches into redaction jobs; where
    the batches and jobs break must not show in the dataset."""
    whole = build(snap, POLICY, CUTOFF, tmp_path / "a", ledger=ledger, secret=SECRET)
    monkeypatch.setattr(DuckDBRunner, "decide", partialmethod(DuckDBRunner.decide, batch_rows=5))
    monkeypatch.setattr(text_module, "BATCH_ROWS", 12)
    jobs: list[int] = []
    gathered = text_module.gathered

    def counted(parts: Iterable[pa.Table], rows: int) -> Iterator[list[pa.Table]]:
        for job in gathered(parts, rows):
            jobs.append(len(job))
            yield job

    monkeypatch.setattr(text_module, "gathered", counted)
    split = build(snap, POLICY, CUTOFF, tmp_path / "b", ledger=ledger, secret=SECRET, workers=2)
    assert len(jobs) > 2  # several jobs,
    assert max(jobs) > 1  # each gathered from several batches
    files = sorted(p.relative_to(whole.out) for p in whole.out.rglob("*") if p.is_file())
    for f in files:
        assert (whole.out / f).read_bytes() == (split.out / f).read_bytes(), f


@pytest.mark.parametrize("workers", [1, 2])
def test_each_country_is_redacted_by_its_own_regions_list(
    snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger, workers: int
) -> None:
    """SPEC §4: a region may override `redact`; posts of both lists share one batch."""
    text = "Call 07700 900123 or mail kari@example.no"
    snap = snapshot_factory(
        [account(1), account(2, country="GB")],
        [post(10 + i, 1 + i % 2, text=text) for i in range(6)],
    )
    # the same text six times: five would be duplicates (SPEC §5) with dedup on
    policy = parse_policy(
        'notice_days = 0\nshards = 4\ndedup = "off"\n[regions.GB]\nredact = ["email"]\n'
    )
    result = build(
        snap, policy, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET, workers=workers
    )
    rows = pq.read_table(result.out / "data").to_pylist()
    by_post = {r["post_id"]: r["text"] for r in rows}
    assert by_post == {
        10 + i: "Call [PHONE] or mail [EMAIL]"
        if i % 2 == 0
        else "Call 07700 900123 or mail [EMAIL]"
        for i in range(6)
    }
    assert result.manifest["redactions"] == {"email": 6, "phone": 3}


def test_existing_out_is_refused(snap: Path, tmp_path: Path, ledger: Ledger) -> None:
    (tmp_path / "ds").mkdir()
    with pytest.raises(InputError, match="already exists") as info:
        build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    assert info.value.exit_code == 2
    assert list((tmp_path / "ds").iterdir()) == []


def test_no_secret_no_build(
    snap: Path, tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAINRIGHT_SECRET", raising=False)
    with pytest.raises(ConfigError, match="TRAINRIGHT_SECRET"):
        build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger)
    assert not (tmp_path / "ds").exists()


@pytest.mark.parametrize("cutoff", ["2026-06-26", "yesterday", "2026-02-30T00:00:00Z"])
def test_malformed_cutoff(snap: Path, tmp_path: Path, ledger: Ledger, cutoff: str) -> None:
    with pytest.raises(InputError) as info:
        build(snap, POLICY, cutoff, tmp_path / "ds", ledger=ledger, secret=SECRET)
    assert info.value.field == "--cutoff"


def test_a_failed_build_leaves_nothing(snap: Path, tmp_path: Path, ledger: Ledger) -> None:
    def fail_while_writing(stage: str, advance: int, total: int | None) -> None:
        if stage == "write":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        build(
            snap,
            POLICY,
            CUTOFF,
            tmp_path / "ds",
            ledger=ledger,
            secret=SECRET,
            progress=fail_while_writing,
        )
    assert not (tmp_path / "ds").exists()
    assert not any(p.name.startswith(".ds") for p in tmp_path.iterdir())
    with ledger.read() as conn:
        assert conn.execute(select(schema.datasets)).all() == []


def test_build_is_registered_in_the_catalog(snap: Path, tmp_path: Path, ledger: Ledger) -> None:
    result = build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    with ledger.read() as conn:
        rows = conn.execute(select(schema.datasets)).all()
    assert len(rows) == 1
    row = rows[0]
    assert row.dataset_id == result.dataset_id
    assert row.path == str((tmp_path / "ds").resolve())
    assert row.included == 60
    assert row.shards == 4
    assert (
        hashlib.sha256((tmp_path / "ds" / "manifest.json").read_bytes()).hexdigest()
        == row.manifest_sha256
    )
