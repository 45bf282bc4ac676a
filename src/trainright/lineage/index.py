"""`lookup`: which datasets, shards and models hold an account's data.

The index is loaded once from the catalog: a sorted array of account ids (for their
dense index) and a datasets × subjects matrix holding each subject's shard, so a
look-up is one binary search and one column read, whatever the catalog's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pyroaring import BitMap
from sqlalchemy import Connection, select

from trainright.ledger import Ledger, schema
from trainright.lineage.catalog import DatasetEntry, ModelEntry, datasets, models, sorted_member


@dataclass(frozen=True)
class Holding:
    """One dataset shard holding an account's data, and the models trained on it."""

    dataset_id: str
    paths: tuple[str, ...]
    cutoff: datetime
    shard: int
    shards: int
    models: tuple[tuple[str, str], ...]  # (name, version)


class LineageIndex:
    """An in-memory view of the catalog for fast look-ups and impact analysis."""

    def __init__(self, conn: Connection) -> None:
        self.datasets: list[DatasetEntry] = datasets(conn)
        self.models: list[ModelEntry] = models(conn)
        t = schema.subjects
        rows = conn.execute(select(t.c.account_id, t.c.idx).order_by(t.c.account_id)).all()
        self.account_ids = np.array([r[0] for r in rows], dtype=np.int64)
        self.idx_of = np.array([r[1] for r in rows], dtype=np.uint32)
        n = int(self.idx_of.max()) + 1 if len(rows) else 0
        # One cell per dataset and subject: its shard, with the top bit set when the
        # subject is in under consent; all ones when the dataset does not hold it.
        widest = max((d.shards for d in self.datasets), default=1)
        dtype = np.uint8 if widest < 127 else np.uint16 if widest < 32767 else np.uint32
        self.absent = int(np.iinfo(dtype).max)
        self.consent_bit = (self.absent + 1) >> 1
        self.shard_of = np.full((len(self.datasets), n), self.absent, dtype=dtype)
        row_of = {d.dataset_id: i for i, d in enumerate(self.datasets)}
        sh = schema.dataset_shards
        for r in conn.execute(
            select(sh.c.dataset_id, sh.c.shard, sh.c.bitmap, sh.c.consent_bitmap)
        ):
            row = row_of[r.dataset_id]
            members = np.array(BitMap.deserialize(r.bitmap).to_array(), dtype=np.int64)
            self.shard_of[row, members] = r.shard
            consenting = np.array(BitMap.deserialize(r.consent_bitmap).to_array(), dtype=np.int64)
            self.shard_of[row, consenting] |= self.consent_bit
        self.models_of: dict[str, tuple[tuple[str, str], ...]] = {}
        for m in self.models:
            for d in m.datasets:
                self.models_of[d] = (*self.models_of.get(d, ()), (m.name, m.version))

    @classmethod
    def load(cls, ledger: Ledger) -> LineageIndex:
        with ledger.read() as conn:
            return cls(conn)

    def indexes(self, account_ids: np.ndarray) -> np.ndarray:
        """Dense indexes of accounts; -1 for accounts in no dataset."""
        found, pos = sorted_member(self.account_ids, np.asarray(account_ids, dtype=np.int64))
        if not len(self.idx_of):
            return np.full(len(found), -1, dtype=np.int64)
        return np.where(found, self.idx_of[pos].astype(np.int64), -1)

    def lookup(self, account_id: int) -> list[Holding]:
        """Every dataset shard holding this account, with the models trained on it."""
        idx = int(self.indexes(np.array([account_id]))[0])
        if idx < 0:
            return []
        column = self.shard_of[:, idx]
        return [
            Holding(
                d.dataset_id,
                d.paths,
                d.cutoff,
                int(column[i]) & (self.consent_bit - 1),
                d.shards,
                self.models_of.get(d.dataset_id, ()),
            )
            for i, d in enumerate(self.datasets)
            if column[i] != self.absent
        ]


def lookup(ledger: Ledger, account_id: int) -> list[Holding]:
    """Load the index and look one account up."""
    return LineageIndex.load(ledger).lookup(account_id)
