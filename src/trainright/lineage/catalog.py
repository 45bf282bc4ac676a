"""The catalog in the ledger database: every dataset `build` wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from trainright.ledger import Ledger, schema


def register_dataset(
    ledger: Ledger, path: Path, manifest: dict[str, Any], manifest_sha256: str
) -> None:
    """Record a finished dataset; registering the same dataset at the same path again is a no-op."""
    counts = manifest["counts"]
    row = {
        "dataset_id": manifest["dataset_id"],
        "path": str(path.resolve()),
        "cutoff": datetime.fromisoformat(manifest["cutoff"].replace("Z", "+00:00")),
        "policy_sha256": manifest["policy_sha256"],
        "ledger_seq": manifest["ledger"]["seq"],
        "ledger_hash": manifest["ledger"]["hash"],
        "manifest_sha256": manifest_sha256,
        "shards": len(manifest["shards"]),
        "included": counts["included"],
        "excluded": counts["excluded"],
        "registered_at": datetime.now(UTC),
    }
    t = schema.datasets
    with ledger.write() as conn:
        conn.execute(delete(t).where(t.c.dataset_id == row["dataset_id"], t.c.path == row["path"]))
        conn.execute(insert(t).values(**row))
