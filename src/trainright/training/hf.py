"""`load_dataset`: a built dataset as a Hugging Face `datasets` dataset (SPEC §8)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import SecretStr

from trainright.dataset import SHARD_SCHEMA
from trainright.ledger import Ledger
from trainright.training.source import Piece, Source


def load_dataset(
    directory: str | Path,
    *,
    ledger: Ledger | str | None = None,
    revocations: str | Path | None = None,
    streaming: bool = False,
    secret: str | SecretStr | None = None,
    columns: Sequence[str] | None = None,
) -> Any:
    """The dataset's shards as a `datasets.Dataset` (or `IterableDataset` with
    `streaming`), without the rows of subjects the ledger no longer clears.

    Give the ledger (and the build's key, `TRAINRIGHT_SECRET`) or a revocations
    file from `trainright ledger revocations`. The result carries `skipped_rows`,
    `skipped_subjects` and `ledger_seq`; a streaming one is split across workers
    and nodes by its shard pieces, as `datasets` splits any generator's lists.
    """
    import datasets

    source = Source(
        directory, ledger=ledger, revocations=revocations, secret=secret, columns=columns
    )
    out: Any
    if streaming:

        def generate(pieces: list[Piece]) -> Iterator[dict[str, Any]]:
            yield from source.rows(pieces)

        out = datasets.IterableDataset.from_generator(
            generate, gen_kwargs={"pieces": source.pieces}
        )
    else:
        # The kept rows are copied into one table rather than left behind an indices
        # mapping (`Dataset.select`), through which `datasets` reads every row as a
        # one-row slice in Python: a batched pass took 2.8 times as long at 1M rows
        # (docs/training.md, Throughput).
        empty = SHARD_SCHEMA.empty_table().select(source.columns)
        table = pa.concat_tables([empty, *source.batches(source.pieces)])
        out = datasets.Dataset(datasets.table.InMemoryTable(table), fingerprint=source.fingerprint)
    out.skipped_rows = source.skipped_rows
    out.skipped_subjects = source.skipped_subjects
    out.ledger_seq = source.ledger_seq
    return out
