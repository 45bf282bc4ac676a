"""The snapshot's Parquet schemas (SPEC §2) and one writer setup for all tables.

Writer options are fixed here so the same rows always give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TS = pa.timestamp("us", tz="UTC")

SCHEMAS: dict[str, pa.Schema] = {
    "accounts": pa.schema(
        [
            ("account_id", pa.int64()),
            ("kind", pa.string()),
            ("birth_date", pa.date32()),
            ("country", pa.string()),
            ("status", pa.string()),
            ("display_name", pa.string()),
            ("created_at", TS),
            ("content_usage", pa.string()),
            ("age_attested_min", pa.int64()),
            ("age_attested_at", TS),
        ]
    ),
    "posts": pa.schema(
        [
            ("post_id", pa.int64()),
            ("author_id", pa.int64()),
            ("created_at", TS),
            ("visibility", pa.string()),
            ("lang", pa.string()),
            ("text", pa.string()),
            ("deleted", pa.bool_()),
            ("reshare_of", pa.int64()),
            ("quote_of", pa.int64()),
            ("content_usage", pa.string()),
        ]
    ),
    "media": pa.schema(
        [
            ("media_id", pa.int64()),
            ("post_id", pa.int64()),
            ("path", pa.string()),
            ("flagged_minor", pa.bool_()),
        ]
    ),
    "tags": pa.schema([("post_id", pa.int64()), ("account_id", pa.int64()), ("kind", pa.string())]),
    "persons": pa.schema([("account_id", pa.int64()), ("person_id", pa.int64())]),
    "image_reservations": pa.schema(
        [("path", pa.string()), ("signal", pa.string()), ("cause", pa.string())]
    ),
    "planted": pa.schema(
        [
            ("post_id", pa.int64()),
            ("category", pa.string()),
            ("value", pa.string()),
            ("decoy", pa.bool_()),
        ]
    ),
    "copies": pa.schema(
        [
            ("post_id", pa.int64()),  # the copy
            ("source_post_id", pa.int64()),  # the post whose text it copies
            ("kind", pa.string()),  # exact or edited
            ("jaccard", pa.float64()),  # of the two texts' shingle sets (SPEC §5)
            ("expected_reason", pa.string()),  # copy_of_excluded or duplicate
        ]
    ),
}


def writer(directory: Path, name: str) -> pq.ParquetWriter:
    """A Parquet writer for table `name` with deterministic, fixed options."""
    return pq.ParquetWriter(
        directory / f"{name}.parquet",
        SCHEMAS[name],
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
    )


def strings(values: list[str]) -> pa.Array:
    """A small lookup array that numpy indexes pick from with `take`."""
    return pa.array(values, pa.string())


def table(name: str, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    """Columns -> a table with exactly the schema of `name`."""
    schema = SCHEMAS[name]
    arrays = []
    for f in schema:
        col = columns[f.name]
        arrays.append(col.cast(f.type) if isinstance(col, pa.Array) else pa.array(col, f.type))
    return pa.Table.from_arrays(arrays, schema=schema)
