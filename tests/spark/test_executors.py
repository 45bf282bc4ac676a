"""The executors' Arrow functions, run directly on Arrow batches (no Spark job)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pyarrow as pa
import pytest
from pydantic import SecretStr

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


def _run(monkeypatch: pytest.MonkeyPatch, gather: int) -> list[pa.RecordBatch]:
    monkeypatch.setattr(executors, "BATCH_ROWS", gather)
    run = executors.minimise_posts(
        SimpleNamespace(value=("Kari Nordmann",)),  # type: ignore[arg-type]
        {"NO": CATEGORIES, "NL": CATEGORIES},
        {"NO": 4, "NL": 4},
        SecretStr("k" * 32),
    )
    return list(run(_batches(2)))


def test_small_arrow_batches_are_redacted_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark hands over small batches; they are joined before redaction, with the same
    texts and counts as one at a time."""
    alone = _run(monkeypatch, 1)
    together = _run(monkeypatch, 4)
    assert [b.num_rows for b in alone] == [2, 2, 2, 1]
    assert [b.num_rows for b in together] == [4, 3]

    def texts(out: list[pa.RecordBatch]) -> list[Any]:
        return pa.Table.from_batches(out)["text"].to_pylist()

    def counts(out: list[pa.RecordBatch]) -> Counter[str]:
        tally: Counter[str] = Counter()
        for b in out:
            for cell in b.column("redactions").to_pylist():
                tally.update(json.loads(cell) if cell else {})
        return tally

    assert texts(together) == texts(alone)
    assert texts(alone)[0] == "Ring [PERSON] på [PHONE]"
    assert counts(together) == counts(alone)
    assert counts(alone)["phone"] == 1
