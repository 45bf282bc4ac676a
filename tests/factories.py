"""Builders for tiny platform snapshots, written the way a platform would write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CUTOFF = datetime(2026, 6, 26, tzinfo=UTC)
SECRET = "test-secret-0123456789abcdef"

ACCOUNT_TYPES = {
    "account_id": pa.int64(),
    "kind": pa.string(),
    "birth_date": pa.date32(),
    "country": pa.string(),
    "status": pa.string(),
    "display_name": pa.string(),
    "created_at": pa.timestamp("us", tz="UTC"),
}
POST_TYPES = {
    "post_id": pa.int64(),
    "author_id": pa.int64(),
    "created_at": pa.timestamp("us", tz="UTC"),
    "visibility": pa.string(),
    "lang": pa.string(),
    "text": pa.string(),
    "deleted": pa.bool_(),
}


def account(account_id: int, **kw: Any) -> dict[str, Any]:
    row = {
        "account_id": account_id,
        "kind": "personal",
        "birth_date": date(1990, 5, 17),
        "country": "US",
        "status": "active",
        "display_name": f"Person {account_id}",
        "created_at": datetime(2020, 1, 1, tzinfo=UTC),
    }
    row.update(kw)
    return row


def post(post_id: int, author_id: int, **kw: Any) -> dict[str, Any]:
    row = {
        "post_id": post_id,
        "author_id": author_id,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "visibility": "public",
        "lang": "en",
        "text": f"post number {post_id}",
        "deleted": False,
    }
    row.update(kw)
    return row


def write_snapshot(root: Path, accounts: list[dict[str, Any]], posts: list[dict[str, Any]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(accounts, pa.schema(ACCOUNT_TYPES)), root / "accounts.parquet"
    )
    pq.write_table(pa.Table.from_pylist(posts, pa.schema(POST_TYPES)), root / "posts.parquet")
    return root
