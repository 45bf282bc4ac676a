"""The Spark build reads what the embedded build reads, and refuses what it refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr

from factories import CUTOFF, SECRET, account, post, write_snapshot
from trainright import InputError, Ledger, SnapshotError, parse_policy
from trainright.pipeline import build

from .test_equivalence import files, same_manifest

POLICY = "notice_days = 0\nshards = 2\n"


def spark_build(snapshot: Path, out: Path, **kw: Any) -> dict[str, Any]:
    from trainright.spark import build_on_spark

    args: dict[str, Any] = {"events_parquet": None, "ledger": None} | kw
    manifest, _ = build_on_spark(
        str(snapshot),
        parse_policy(POLICY),
        CUTOFF,
        out,
        secret=SecretStr(SECRET),
        spark_master=None,
        progress=None,
        **args,
    )
    return manifest


def test_text_formats_agree(spark: Any, tmp_path: Path) -> None:
    """Accounts as JSON Lines, posts as CSV (offsets, empty fields); via `build(engine=...)`."""
    snap = tmp_path / "snap"
    snap.mkdir()
    accounts = [
        {**account(1), "birth_date": "1990-05-17", "created_at": "2020-01-01T00:00:00Z"},
        {**account(2), "birth_date": "", "created_at": "2020-01-01T02:00:00+02:00"},
        {**account(3), "country": "NO", "created_at": "2020-01-01 00:00:00"},
    ]
    with (snap / "accounts.jsonl").open("w") as fh:
        for a in accounts:
            fh.write(json.dumps(a, default=str) + "\n")
    (snap / "posts.csv").write_text(
        "post_id,author_id,created_at,visibility,lang,text,deleted\n"
        "10,1,2025-01-01T00:00:00Z,public,en,Mail me at kari@example.com,false\n"
        "11,2,2025-01-01T00:00:00Z,public,,hello,0\n"
        "12,3,2026-06-26T02:00:00+02:00,public,nb,Hei fra Kari Nordmann,false\n"
        "13,1,2026-06-26T00:00:01Z,public,en,too late,false\n"
        "14,1,2025-02-01T00:00:00Z,friends,en,only friends,true\n"
    )
    policy = parse_policy(POLICY)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    duck = build(snap, policy, CUTOFF, tmp_path / "duck", ledger=ledger, secret=SECRET)
    spark_ledger = Ledger(f"sqlite:///{tmp_path / 'spark-ledger.db'}")
    on_spark = build(
        snap, policy, CUTOFF, tmp_path / "spark", ledger=spark_ledger, secret=SECRET, engine="spark"
    )
    manifest = on_spark.manifest
    same_manifest(duck.manifest, manifest)
    assert on_spark.dataset_id == duck.dataset_id
    assert files(duck.out) == files(tmp_path / "spark")
    assert manifest["counts"]["included"] == 2
    assert manifest["warnings"]["posts_after_cutoff"] == 1


def test_duplicate_ids_are_refused_as_on_duckdb(spark: Any, tmp_path: Path) -> None:
    snap = write_snapshot(tmp_path / "snap", [account(1)], [post(10, 1), post(10, 1)])
    with pytest.raises(SnapshotError) as err:
        spark_build(snap, tmp_path / "out", ledger=Ledger(f"sqlite:///{tmp_path / 'l.db'}"))
    assert err.value.field == "post_id"
    assert err.value.value == 10
    assert "duplicate post_id 10" in err.value.message
    assert not (tmp_path / "out").exists()


def test_an_events_file_without_its_ledger_position_is_refused(tmp_path: Path) -> None:
    from trainright.spark.build import export_head

    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"ord": [1], "seq": [1]}), path)
    with pytest.raises(InputError) as err:
        export_head(str(path), CUTOFF)
    assert "ledger position" in err.value.message
    assert err.value.file == str(path)


def _export_as_of(tmp_path: Path, as_of: bytes) -> str:
    """A ledger export file whose metadata records the cutoff `as_of`."""
    path = tmp_path / "events.parquet"
    meta = {
        b"trainright.ledger_seq": b"7",
        b"trainright.ledger_hash": b"ab" * 32,
        b"trainright.as_of": as_of,
    }
    pq.write_table(pa.table({"ord": [1]}).replace_schema_metadata(meta), path)
    return str(path)


def test_an_export_made_for_an_earlier_cutoff_is_refused(tmp_path: Path) -> None:
    """It lacks the events between its cutoff and the build's: an objection could be missed."""
    from trainright.spark.build import export_head

    path = _export_as_of(tmp_path, b"2026-06-25T23:59:59.000000Z")
    with pytest.raises(InputError) as err:
        export_head(path, datetime(2026, 6, 26, tzinfo=UTC))
    assert err.value.field == "as_of"
    assert err.value.value == "2026-06-25T23:59:59.000000Z"
    assert export_head(path, datetime(2026, 6, 25, 23, 59, 59, tzinfo=UTC)).seq == 7


def test_an_export_whose_cutoff_is_not_a_timestamp_is_refused(tmp_path: Path) -> None:
    from trainright.spark.build import export_head

    with pytest.raises(InputError) as err:
        export_head(_export_as_of(tmp_path, b"last tuesday"), CUTOFF)
    assert (err.value.field, err.value.value) == ("as_of", "last tuesday")
