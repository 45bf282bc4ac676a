"""The executors' Arrow functions, run directly on Arrow batches (no Spark job)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pytest

from trainright.minimise.detect import CATEGORIES
from trainright.spark import executors

TEXTS = [
    "Ring Kari Nordmann på 912 34 567",
    "Order #3442890 shipped",
    None,
    "mail me: kari@example.no",
    "Hei Ola!",
    "IBAN NO93 8601 1117 947",
    "Takk Ingrid Hansen",
]


def _batches(size: int) -> list[pa.RecordBatch]:
    rows = len(TEXTS)
    table = pa.table(
        {
            "post_id": pa.array(range(rows), pa.int64()),
            "author_id": pa.array([i % 3 for i in range(rows)], pa.int64()),
            "country": pa.array(["NO", "NL"] * (rows // 2) + ["NO"] * (rows % 2)),
            "created_at": pa.array([datetime(2026, 1, 1)] * rows, pa.timestamp("us")),
            "lang": pa.array(["nb"] * rows),
            "text": pa.array(TEXTS, pa.string()),
            "media_state": pa.array([0] * rows, pa.int64()),
        }
    )
    return table.to_batches(max_chunksize=size)


def _run(monkeypatch: pytest.MonkeyPatch, calls_of: int) -> tuple[list[Any], Counter[str]]:
    monkeypatch.setattr(executors, "BATCH_ROWS", calls_of)
    rows = pa.Table.from_batches(_batches(2))
    texts, counts = executors._redact_table(
        rows,
        "test",
        SimpleNamespace(value=("Kari Nordmann",)),  # type: ignore[arg-type]
        {"NO": CATEGORIES, "NL": CATEGORIES},
    )
    return texts.to_pylist(), counts


def test_a_shard_is_redacted_alike_in_calls_of_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard's posts are redacted in calls of at most BATCH_ROWS, each country by its
    own categories; the texts (in row order) and counts do not depend on the call size."""
    alone_texts, alone_counts = _run(monkeypatch, 1)
    together_texts, together_counts = _run(monkeypatch, 4)
    assert together_texts == alone_texts
    assert alone_texts[0] == "Ring [PERSON] på [PHONE]"
    assert together_counts == alone_counts
    assert alone_counts["phone"] == 1
