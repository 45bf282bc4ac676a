"""A built dataset as the loaders read it: its row groups, filtered at load time.

Both loaders read the same pieces (one row group of one shard file, in manifest
order) and drop the rows of revoked subjects (`trainright.training.revocations`);
only shards that hold a revoked subject are filtered at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import SecretStr

from trainright.dataset import SHARD_SCHEMA, read_manifest
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.training import revocations as rv


@dataclass(frozen=True)
class Piece:
    """One row group of one shard file."""

    shard: int
    file: str
    row_group: int


class Source:
    """A dataset directory and the revocations checked against when it is read."""

    def __init__(
        self,
        directory: str | Path,
        *,
        ledger: Ledger | str | None = None,
        revocations: str | Path | None = None,
        secret: str | SecretStr | None = None,
        columns: Sequence[str] | None = None,
    ) -> None:
        if (ledger is None) == (revocations is None):
            raise InputError(
                "give exactly one of ledger= (a ledger URL) and revocations= (a file)",
                field="ledger/revocations",
                hint="a loader must check the data against the ledger's current state",
            )
        self.root = Path(directory)
        self.revocations = (
            rv.from_ledger(self.root, ledger, secret)
            if ledger is not None
            else rv.read(revocations, self.root)  # type: ignore[arg-type]
        )
        self.manifest = read_manifest(self.root)
        unknown = [c for c in columns or () if c not in SHARD_SCHEMA.names]
        if unknown:
            raise InputError(
                f"no such column; the shards have {', '.join(SHARD_SCHEMA.names)}",
                field="columns",
                value=unknown[0],
            )
        self.columns = list(columns) if columns else list(SHARD_SCHEMA.names)
        self._filtered = set(self.revocations.shards)
        self._seen: dict[Piece, tuple[int, set[str]]] = {}  # revoked rows, subjects read
        self.pieces: list[Piece] = []
        for entry in self.manifest["shards"]:
            if entry["rows"]:
                groups = pq.ParquetFile(self.root / entry["file"]).metadata.num_row_groups
                self.pieces += [Piece(int(entry["shard"]), entry["file"], g) for g in range(groups)]

    @property
    def ledger_seq(self) -> int:
        """The ledger position the revocations were read at."""
        return self.revocations.ledger_seq

    def read(self, piece: Piece) -> pa.Table:
        """A piece's kept rows, in file order."""
        table, keep = self._read(piece)
        if keep is not None:
            table = table.filter(keep)
        if "subject" in self.columns and pa.types.is_dictionary(table["subject"].type):
            at = table.schema.get_field_index("subject")
            table = table.set_column(at, "subject", pc.cast(table["subject"], pa.string()))
        return table

    def batches(self, pieces: Sequence[Piece]) -> Iterator[pa.Table]:
        for piece in pieces:
            yield self.read(piece)

    @property
    def fingerprint(self) -> str:
        """What the loaded rows follow from: the dataset, the columns and who is
        revoked (`datasets` would otherwise hash every row to make one)."""
        digest = hashlib.sha256(json.dumps([self.manifest["dataset_id"], self.columns]).encode())
        digest.update(self.revocations.keys.serialize())
        return digest.hexdigest()[:16]

    def rows(self, pieces: Sequence[Piece]) -> Iterator[dict[str, Any]]:
        """The kept rows of `pieces` as dicts. The rows become Python objects anyway,
        so the revoked ones are skipped while converting instead of being copied
        out in Arrow first."""
        for piece in pieces:
            table, keep = self._read(piece)
            converted = table.to_pylist()
            yield from converted if keep is None else compress(converted, keep.to_pylist())

    def _read(self, piece: Piece) -> tuple[pa.Table, pa.Array | None]:
        """A piece's columns and which rows to keep (None: all of them); `subject`,
        if asked for, may come as a dictionary (its values are the strings)."""
        if piece.shard not in self._filtered:
            with pq.ParquetFile(self.root / piece.file) as f:
                return f.read_row_group(piece.row_group, columns=self.columns), None
        # A shard holds few subjects and many rows each: read as a dictionary, the
        # subjects are matched once per distinct value, not once per row, and only
        # the kept ones become strings. A row group without a revoked subject is
        # passed on as read.
        wanted = self.columns if "subject" in self.columns else [*self.columns, "subject"]
        with pq.ParquetFile(self.root / piece.file, read_dictionary=["subject"]) as f:
            read = f.read_row_group(piece.row_group, columns=wanted)  # one read, not two
        subjects = read["subject"]
        revoked = self.revocations.mask(subjects)
        hit = pc.any(revoked).as_py()
        gone = subjects.filter(revoked) if hit else subjects.slice(0, 0)
        self._seen[piece] = (len(gone), set(pc.cast(gone, pa.string()).to_pylist()))
        return read.select(self.columns), (pc.invert(revoked) if hit else None)

    @cached_property
    def _skipped(self) -> tuple[int, int]:
        """Counted from the reads when this process read every affected piece (as the
        in-memory `Dataset` does), else from the `subject` column of affected shards."""
        affected = [p for p in self.pieces if p.shard in self._filtered]
        if all(p in self._seen for p in affected):
            seen = [self._seen[p] for p in affected]
            return sum(n for n, _ in seen), len(set().union(*(who for _, who in seen)))
        rows, subjects = 0, set()
        for entry in self.manifest["shards"]:
            if int(entry["shard"]) in self._filtered:
                column = pq.read_table(self.root / entry["file"], columns=["subject"])["subject"]
                hit = column.filter(self.revocations.mask(column))
                rows += len(hit)
                subjects.update(pc.unique(hit).to_pylist())
        return rows, len(subjects)

    @property
    def skipped_rows(self) -> int:
        """Rows left out because their subject is revoked (counted on first access)."""
        return self._skipped[0]

    @property
    def skipped_subjects(self) -> int:
        """Distinct revoked subjects whose rows were left out."""
        return self._skipped[1]
