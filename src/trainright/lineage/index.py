"""`lookup`: which datasets, shards and models hold an account's data.

The index is loaded once from the catalog: a sorted array of account ids (for their
dense index) and a datasets × subjects matrix holding each subject's shard, so a
look-up is one binary search and one column read, whatever the catalog's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
from pyroaring import BitMap
from sqlalchemy import Connection, select

from trainright.ledger import Ledger, schema
from trainright.lineage.catalog import DatasetEntry, ModelEntry, datasets, models, sorted_member

#: Why a shard holds an account's data: its own posts, the posts of another account
#: of the same person, or others' reshares and quotes of its posts.
How = Literal["own_posts", "linked_account", "reshared_or_quoted"]


@dataclass(frozen=True)
class Holding:
    """One dataset shard holding an account's data, and the models trained on it."""

    dataset_id: str
    paths: tuple[str, ...]
    cutoff: datetime
    shard: int
    shards: int
    models: tuple[tuple[str, str], ...]  # (name, version)
    account_id: int  # whose data: the account looked up or one linked to it
    how: How


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
        # the snapshot's persons links per dataset: (linked accounts sorted, their persons)
        self.persons_of: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        pt = schema.dataset_persons
        linked: dict[str, list[tuple[int, int]]] = {}
        for link in conn.execute(
            select(pt.c.dataset_id, pt.c.account_id, pt.c.person_id).order_by(
                pt.c.dataset_id, pt.c.account_id
            )
        ):
            linked.setdefault(link.dataset_id, []).append((link.account_id, link.person_id))
        for dataset_id, pairs in linked.items():
            both = np.array(pairs, dtype=np.int64)
            self.persons_of[dataset_id] = (both[:, 0].copy(), both[:, 1].copy())
        # per dataset and shard: dense indexes of the authors its shares carry
        self.carried_of: dict[str, dict[int, np.ndarray]] = {}
        ct = schema.dataset_carried
        for held in conn.execute(select(ct.c.dataset_id, ct.c.shard, ct.c.bitmap)):
            carried = np.array(BitMap.deserialize(held.bitmap).to_array(), dtype=np.int64)
            self.carried_of.setdefault(held.dataset_id, {})[int(held.shard)] = carried
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
        """Every dataset shard holding this person's data: the account's own posts, the
        posts of accounts a dataset's snapshot links to it, and shards whose reshares or
        quotes carry its posts; with the models trained on each."""
        out: list[Holding] = []
        for row, d in enumerate(self.datasets):
            models = self.models_of.get(d.dataset_id, ())
            for member in self._linked(d.dataset_id, account_id):
                idx = int(self.indexes(np.array([member]))[0])
                if idx < 0:
                    continue
                cell = int(self.shard_of[row, idx])
                how: How = "own_posts" if member == account_id else "linked_account"
                if cell != self.absent:
                    shard = cell & (self.consent_bit - 1)
                    out.append(
                        Holding(
                            d.dataset_id, d.paths, d.cutoff, shard, d.shards, models, member, how
                        )
                    )
                if member != account_id:
                    continue
                for shard, carried in sorted(self.carried_of.get(d.dataset_id, {}).items()):
                    own = cell != self.absent and shard == cell & (self.consent_bit - 1)
                    if not own and _holds(carried, idx):
                        out.append(
                            Holding(
                                d.dataset_id,
                                d.paths,
                                d.cutoff,
                                shard,
                                d.shards,
                                models,
                                member,
                                "reshared_or_quoted",
                            )
                        )
        return out

    def _linked(self, dataset_id: str, account_id: int) -> list[int]:
        """The account, then the other accounts of its person in this dataset's snapshot."""
        links = self.persons_of.get(dataset_id)
        if links is None:
            return [account_id]
        accounts, persons = links
        found, pos = sorted_member(accounts, np.array([account_id], dtype=np.int64))
        if not found[0]:
            return [account_id]
        others = accounts[(persons == persons[pos[0]]) & (accounts != account_id)]
        return [account_id, *(int(a) for a in others)]


def _holds(sorted_members: np.ndarray, idx: int) -> bool:
    at = int(np.searchsorted(sorted_members, idx))
    return at < len(sorted_members) and int(sorted_members[at]) == idx


def lookup(ledger: Ledger, account_id: int) -> list[Holding]:
    """Load the index and look one account up."""
    return LineageIndex.load(ledger).lookup(account_id)
