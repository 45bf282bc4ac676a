"""SPEC §2: bad snapshot input is a clear error naming file, column and an example row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import CUTOFF, SECRET, account, post
from trainright import Ledger, SnapshotError, build, parse_policy

POLICY = parse_policy("notice_days = 0")


def run(snap: Path, tmp_path: Path, ledger: Ledger) -> Any:
    return build(snap, POLICY, CUTOFF, tmp_path / "out", ledger=ledger, secret=SECRET)


def expect_error(
    snap: Path, tmp_path: Path, ledger: Ledger, file: str, field: str | None, text: str
) -> None:
    with pytest.raises(SnapshotError) as info:
        run(snap, tmp_path, ledger)
    err = info.value
    assert err.exit_code == 2
    assert err.file is not None
    assert err.file.endswith(file)
    assert err.field == field
    assert text in str(err)
    assert not (tmp_path / "out").exists()


def test_missing_directory(tmp_path: Path, ledger: Ledger) -> None:
    expect_error(tmp_path / "nope", tmp_path, ledger, "nope", None, "does not exist")


def test_missing_posts_table(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [])
    (snap / "posts.parquet").unlink()
    expect_error(snap, tmp_path, ledger, "posts.parquet", None, "missing")


def test_missing_column(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    table = pq.read_table(snap / "posts.parquet").drop_columns(["visibility"])
    pq.write_table(table, snap / "posts.parquet")
    expect_error(snap, tmp_path, ledger, "posts.parquet", "visibility", "missing")


def test_wrong_type(tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    table = pq.read_table(snap / "accounts.parquet")
    table = table.set_column(0, "account_id", pa.array(["one"]))
    pq.write_table(table, snap / "accounts.parquet")
    expect_error(snap, tmp_path, ledger, "accounts.parquet", "account_id", 'value: "one"')


def test_duplicate_id(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(7, 1), post(7, 1, text="again")])
    expect_error(snap, tmp_path, ledger, "posts.parquet", "post_id", "duplicate post_id 7")


def test_example_rows_show_values_as_written(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    born = date(2001, 2, 3)
    snap = snapshot_factory([account(1, birth_date=born), account(1, birth_date=born)], [])
    with pytest.raises(SnapshotError) as info:
        run(snap, tmp_path, ledger)
    message = str(info.value)
    assert "birth_date: 2001-02-03," in message
    assert 'country: "US",' in message
    assert "datetime." not in message


def persons(snap: Path, rows: list[tuple[int, int]]) -> None:
    pq.write_table(
        pa.table(
            {
                "account_id": pa.array([a for a, _ in rows], pa.int64()),
                "person_id": pa.array([p for _, p in rows], pa.int64()),
            }
        ),
        snap / "persons.parquet",
    )


def test_a_persons_link_to_an_unknown_account_is_an_error(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1), account(2)], [post(1, 1)])
    persons(snap, [(1, 5), (3, 5)])
    expect_error(snap, tmp_path, ledger, "persons.parquet", "account_id", "account_id 3 is not")


def test_an_account_linked_to_two_persons_is_an_error(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1), account(2)], [post(1, 1)])
    persons(snap, [(1, 5), (2, 5), (1, 6)])
    expect_error(snap, tmp_path, ledger, "persons.parquet", "account_id", "duplicate account_id 1")


def test_a_snapshot_without_the_optional_columns_reads_them_as_null(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    assert "reshare_of" not in pq.read_schema(snap / "posts.parquet").names
    assert run(snap, tmp_path, ledger).manifest["counts"]["included"] == 1


def test_unknown_enum_value(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1, status="banned")], [post(1, 1)])
    expect_error(snap, tmp_path, ledger, "accounts.parquet", "status", "'banned'")


def test_bad_country(tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]) -> None:
    snap = snapshot_factory([account(1, country="UK")], [post(1, 1)])
    expect_error(snap, tmp_path, ledger, "accounts.parquet", "country", "not an ISO 3166-1")


def test_null_in_required_column(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1, kind=None)], [post(1, 1)])
    expect_error(snap, tmp_path, ledger, "accounts.parquet", "kind", "may not be null")


def test_unreadable_file(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    (snap / "posts.parquet").write_bytes(b"this is not parquet")
    expect_error(snap, tmp_path, ledger, "posts.parquet", None, "cannot read")


def test_two_formats_for_one_table(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    (snap / "posts.csv").write_text("post_id\n")
    expect_error(snap, tmp_path, ledger, "snap", None, "two files")


CSV_ACCOUNTS = """account_id,kind,birth_date,country,status,display_name,created_at,extra
1,personal,1990-01-01,US,active,Ann Lee,2020-01-01T00:00:00Z,ignored
2,personal,,NO,active,Per Berg,2020-01-01 00:00:00+02:00,ignored
"""
CSV_POSTS = """post_id,author_id,created_at,visibility,lang,text,deleted
10,1,2025-01-01T00:00:00Z,public,en,hello there,false
11,2,2025-01-01T00:00:00Z,public,nb,hei,false
"""


def test_csv_and_jsonl_are_read_like_parquet(tmp_path: Path, ledger: Ledger) -> None:
    snap = tmp_path / "csv"
    snap.mkdir()
    (snap / "accounts.csv").write_text(CSV_ACCOUNTS)
    (snap / "posts.jsonl").write_text(
        '{"post_id": 10, "author_id": 1, "created_at": "2025-01-01T00:00:00Z", "visibility": "public", "lang": "en", "text": "hello there", "deleted": false}\n'
        '{"post_id": 11, "author_id": 2, "created_at": "2025-01-01T00:00:00Z", "visibility": "public", "lang": "nb", "text": "hei", "deleted": false}\n'
    )
    result = run(snap, tmp_path, ledger)
    assert result.manifest["counts"]["included"] == 1
    assert result.manifest["counts"]["excluded_by_reason"]["age_unknown"] == 1


@pytest.mark.parametrize(
    ("line", "field", "text"),
    [
        ("x,1,2025-01-01T00:00:00Z,public,en,hi,false", "post_id", "line 2: 'x' is not an integer"),
        ("10,1.5,2025-01-01T00:00:00Z,public,en,hi,false", "author_id", "'1.5' is not an integer"),
        ("10,1,yesterday,public,en,hi,false", "created_at", "'yesterday' is not a UTC timestamp"),
        ("10,1,2025-01-01T00:00:00Z,public,en,hi,maybe", "deleted", "'maybe' is not true or false"),
    ],
)
def test_csv_type_errors_name_the_line(
    tmp_path: Path, ledger: Ledger, line: str, field: str, text: str
) -> None:
    snap = tmp_path / "csv"
    snap.mkdir()
    (snap / "accounts.csv").write_text(CSV_ACCOUNTS)
    (snap / "posts.csv").write_text(CSV_POSTS.splitlines()[0] + "\n" + line + "\n")
    expect_error(snap, tmp_path, ledger, "posts.csv", field, text)


def test_unknown_columns_are_ignored(
    tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    snap = snapshot_factory([account(1)], [post(1, 1)])
    table = pq.read_table(snap / "posts.parquet")
    table = table.append_column("likes", pa.array([3]))
    pq.write_table(table, snap / "posts.parquet")
    assert run(snap, tmp_path, ledger).manifest["counts"]["included"] == 1


def test_timestamps_with_offsets_are_utc(tmp_path: Path, ledger: Ledger) -> None:
    snap = tmp_path / "tz"
    snap.mkdir()
    (snap / "accounts.csv").write_text(CSV_ACCOUNTS)
    # 02:00+02:00 on the cutoff day is 00:00 UTC: exactly at the cutoff, so in.
    (snap / "posts.csv").write_text(
        CSV_POSTS.splitlines()[0] + "\n10,1,2026-06-26T02:00:00+02:00,public,en,hi,false\n"
        "11,1,2026-06-26T02:00:01+02:00,public,en,late,false\n"
    )
    m = run(snap, tmp_path, ledger).manifest
    assert m["counts"]["included"] == 1
    assert m["warnings"]["posts_after_cutoff"] == 1


def test_parquet_timestamps_in_another_zone_are_compared_in_utc(
    tmp_path: Path, ledger: Ledger
) -> None:
    """A zoned Parquet column holds instants: 02:00 in Oslo (summer) is the cutoff's 00:00 UTC."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from factories import ACCOUNT_TYPES, POST_TYPES

    oslo = ZoneInfo("Europe/Oslo")
    snap = tmp_path / "oslo"
    snap.mkdir()
    pq.write_table(
        pa.Table.from_pylist([account(1)], pa.schema(ACCOUNT_TYPES)), snap / "accounts.parquet"
    )
    types = POST_TYPES | {"created_at": pa.timestamp("us", tz="Europe/Oslo")}
    posts = [
        post(10, 1, created_at=datetime(2026, 6, 26, 2, 0, tzinfo=oslo)),
        post(11, 1, created_at=datetime(2026, 6, 26, 2, 0, 0, 1, tzinfo=oslo)),
    ]
    pq.write_table(pa.Table.from_pylist(posts, pa.schema(types)), snap / "posts.parquet")
    m = run(snap, tmp_path, ledger).manifest
    assert m["counts"]["included"] == 1
    assert m["warnings"]["posts_after_cutoff"] == 1
