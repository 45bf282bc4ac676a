"""Platform adapters: read a platform's own store and write a SPEC §2 snapshot.

An adapter knows one platform (Mastodon first; Lemmy, Discourse or Bluesky would
each be one module beside `mastodon.py`). It reads its platform's data in one
consistent view and yields the snapshot's rows as Arrow record batches, table by
table, so nothing is held in memory whole. `write_snapshot` is the one place that
writes those batches into Parquet files, whose writers refuse a batch whose columns
are not the snapshot's exact types (`schemas()`), so every adapter's output is read by
`trainright build` the same way.

    class Adapter(Protocol):
        platform: str                       # "mastodon"
        def batches(progress) -> Iterator[(table, pa.RecordBatch)]
        skipped: Counter[str]               # what was read but not written, and why

A batch can come straight from the platform's store (Mastodon: PostgreSQL's COPY
parsed by pyarrow, no Python work per row) or from plain dicts keyed by the
snapshot's column names (SPEC §2) through `record_batch`, where a column an adapter
does not know is written as null when the snapshot allows it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from trainright.atomic import atomic_directory
from trainright.snapshot import TABLES

if TYPE_CHECKING:
    import pyarrow as pa

#: A progress callback, as `trainright build` takes one: (stage, advance, total).
Progress = Callable[[str, int, int | None], None]
Row = dict[str, Any]


@cache
def schemas() -> dict[str, pa.Schema]:
    """The Parquet schema of each snapshot table, derived from snapshot.py so it cannot drift.

    Built on first use, so loading the command line does not load pyarrow.
    """
    import pyarrow as pa

    arrow = {
        "int": pa.int64(),
        "string": pa.string(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
        "bool": pa.bool_(),
    }
    return {t.name: pa.schema([(c.name, arrow[c.kind]) for c in t.columns]) for t in TABLES}


class Adapter(Protocol):
    """What a platform adapter offers: the snapshot's rows, in batches, per table."""

    platform: str
    skipped: Counter[str]

    def batches(self, progress: Progress) -> Iterator[tuple[str, pa.RecordBatch]]:
        """Yield (table name, batch) until the platform's data is read; tables may interleave."""
        ...


def record_batch(table: str, rows: list[Row]) -> pa.RecordBatch:
    """Rows built in Python as a batch of `table`'s schema; a missing column is null."""
    import pyarrow as pa

    schema = schemas()[table]
    columns = {c: [r.get(c) for r in rows] for c in schema.names}
    return pa.RecordBatch.from_pydict(columns, schema=schema)


@dataclass
class ImportResult:
    """What an import wrote (rows per table) and what it read but left out, and why."""

    out: Path
    platform: str
    rows: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)


def write_snapshot(adapter: Adapter, out: Path, progress: Progress) -> ImportResult:
    """Stream an adapter's batches into `out` atomically: all tables, or no directory."""
    import pyarrow.parquet as pq

    result = ImportResult(out, adapter.platform)
    with atomic_directory(out) as tmp:
        writers: dict[str, pq.ParquetWriter] = {}
        try:
            for table in ("accounts", "posts", "media", "tags"):
                writers[table] = pq.ParquetWriter(tmp / f"{table}.parquet", schemas()[table])
            for table, batch in adapter.batches(progress):
                if batch.num_rows:
                    writers[table].write_batch(batch)
                    result.rows[table] += batch.num_rows
        finally:
            for writer in writers.values():
                writer.close()
    result.skipped.update(adapter.skipped)
    return result


__all__ = [
    "Adapter",
    "ImportResult",
    "Progress",
    "Row",
    "record_batch",
    "schemas",
    "write_snapshot",
]
