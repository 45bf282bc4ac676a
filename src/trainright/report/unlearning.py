"""How long unlearning tasks stay open.

A task — one shard of a dataset, for one model (or for the dataset itself when
no model was trained on it) — opens when the first rights event after the
shard's last retraining (or after the build) takes someone in that shard out: an
objection for a person included under legitimate interest, a consent withdrawal
for one included under consent, a deletion for anyone, exactly as
`trainright.lineage.impact` decides. It closes when `trainright impact done`
records the shard retrained up to a ledger seq. The time in between is what a
regulator asks about: how long did a person's data stay in a model after they
said no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import numpy as np
from pyroaring import BitMap
from sqlalchemy import Connection, select

from trainright.ledger import schema
from trainright.lineage.catalog import DatasetEntry
from trainright.lineage.impact import OUT_TYPES, Impact, Task

Owner = tuple[str, str] | None


@dataclass(frozen=True)
class OpenTask:
    """A task still to do, and since when."""

    task: Task
    opened_at: datetime | None
    age_seconds: float | None


@dataclass(frozen=True)
class ClosedTask:
    """A task marked done, and how long it was open."""

    task_id: str
    model: Owner
    dataset_id: str
    shard: int
    accounts: int
    opened_at: datetime | None
    done_at: datetime
    open_seconds: float | None
    note: str | None


def _utc64(values: list[datetime]) -> np.ndarray:
    return np.array(
        [v.astimezone(UTC).replace(tzinfo=None) for v in values], dtype="datetime64[us]"
    )


@dataclass(frozen=True)
class _Holding:
    """Who a dataset holds: account ids (sorted), each one's shard, and whether by consent."""

    accounts: np.ndarray
    shard: np.ndarray
    consent: np.ndarray

    def find(self, account_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(held, shard, under consent) for each account id."""
        if len(self.accounts) == 0:
            none = np.zeros(len(account_ids), dtype=bool)
            return none, np.zeros(len(account_ids), dtype=np.int64), none
        pos = np.minimum(np.searchsorted(self.accounts, account_ids), len(self.accounts) - 1)
        return self.accounts[pos] == account_ids, self.shard[pos], self.consent[pos]


def _holdings(conn: Connection) -> dict[str, _Holding]:
    """Every dataset's shard subject sets, read from the catalog tables."""
    t = schema.subjects.c
    rows = conn.execute(select(t.account_id, t.idx)).all()
    size = max((int(r.idx) for r in rows), default=-1) + 1
    account_of = np.zeros(size, dtype=np.int64)
    account_of[[int(r.idx) for r in rows]] = [int(r.account_id) for r in rows]
    parts: dict[str, list[tuple[np.ndarray, int, np.ndarray]]] = {}
    sh = schema.dataset_shards.c
    for r in conn.execute(select(sh.dataset_id, sh.shard, sh.bitmap, sh.consent_bitmap)):
        members = np.array(BitMap.deserialize(r.bitmap).to_array(), dtype=np.int64)
        consenting = np.array(BitMap.deserialize(r.consent_bitmap).to_array(), dtype=np.int64)
        parts.setdefault(r.dataset_id, []).append(
            (account_of[members], int(r.shard), np.isin(members, consenting))
        )
    out: dict[str, _Holding] = {}
    for dataset_id, shards in parts.items():
        accounts = np.concatenate([a for a, _, _ in shards])
        shard = np.concatenate([np.full(len(a), s, dtype=np.int64) for a, s, _ in shards])
        consent = np.concatenate([c for _, _, c in shards])
        order = np.argsort(accounts, kind="stable")
        out[dataset_id] = _Holding(accounts[order], shard[order], consent[order])
    return out


class _Events:
    """The events that can take someone out of a dataset, as parallel arrays."""

    def __init__(self, conn: Connection, datasets: list[DatasetEntry]) -> None:
        e = schema.events.c
        rows = conn.execute(
            select(e.seq, e.account_id, e.type, e.purpose, e.at, e.received_at)
            .where(e.type.in_(OUT_TYPES))
            .order_by(e.seq)
        ).all()
        self.seq = np.array([r.seq for r in rows], dtype=np.int64)
        self.account = np.array([r.account_id for r in rows], dtype=np.int64)
        self.kind = np.array([OUT_TYPES.index(r.type) for r in rows], dtype=np.int8)
        self.purpose = np.array([r.purpose for r in rows], dtype=object)
        self.at = _utc64([r.at for r in rows])
        self.received = _utc64([r.received_at for r in rows])
        self.datasets = {d.dataset_id: d for d in datasets}
        self.holdings = _holdings(conn)
        self.relevant = cache(self._relevant)

    def _relevant(self, dataset_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shard, seq, received) of the events that open a task in this dataset."""
        ds = self.datasets[dataset_id]
        holding = self.holdings.get(dataset_id, _Holding(*(np.zeros(0, np.int64),) * 3))
        held, shard, under_consent = holding.find(self.account)
        deletion = self.kind == OUT_TYPES.index("account_deleted")
        withdrawal = self.kind == OUT_TYPES.index("consent_withdrawn")
        purpose_ok = deletion | (self.purpose == ds.purpose) | (self.purpose == "all")
        cutoff = np.datetime64(ds.cutoff.astimezone(UTC).replace(tzinfo=None), "us")
        unseen = (self.seq > ds.ledger_seq) | (self.at > cutoff)
        takes_out = deletion | (withdrawal == under_consent)
        m = held & purpose_ok & unseen & takes_out
        return shard[m], self.seq[m], self.received[m]

    def opened(self, dataset_id: str, shard: int, after_seq: int, upto_seq: int) -> datetime | None:
        """When the first event in (after_seq, upto_seq] for this shard was committed."""
        if dataset_id not in self.datasets:
            return None
        sh, sq, rc = self.relevant(dataset_id)
        m = (sh == shard) & (sq > after_seq) & (sq <= upto_seq)
        if not m.any():
            return None
        first: datetime = rc[m].min().astype(datetime)
        return first.replace(tzinfo=UTC)


def _seconds(start: datetime | None, end: datetime) -> float | None:
    return None if start is None else (end - start).total_seconds()


def task_history(
    conn: Connection,
    datasets: list[DatasetEntry],
    impact: Impact,
    now: datetime | None = None,
) -> tuple[list[OpenTask], list[ClosedTask]]:
    """Open tasks with their age, closed tasks with the time they were open."""
    now = now or datetime.now(UTC)
    events = _Events(conn, datasets)
    covered: dict[tuple[Owner, str, int], int] = {}
    closed: list[ClosedTask] = []
    rows: list[dict[str, Any]] = list(impact.done)
    for r in sorted(rows, key=lambda r: (int(r["covered_seq"]), str(r["task_id"]))):
        owner: Owner = (str(r["name"]), str(r["version"])) if r["name"] else None
        key = (owner, str(r["dataset_id"]), int(r["shard"]))
        upto = int(r["covered_seq"])
        opened = events.opened(key[1], key[2], covered.get(key, 0), upto)
        done_at = r["done_at"]
        assert isinstance(done_at, datetime)
        closed.append(
            ClosedTask(
                task_id=str(r["task_id"]),
                model=owner,
                dataset_id=key[1],
                shard=key[2],
                accounts=int(r["accounts"]),
                opened_at=opened,
                done_at=done_at,
                open_seconds=_seconds(opened, done_at),
                note=str(r["note"]) if r["note"] else None,
            )
        )
        covered[key] = max(covered.get(key, 0), upto)
    open_tasks = []
    for t in impact.tasks:
        after = covered.get((t.model, t.dataset_id, t.shard), 0)
        opened = events.opened(t.dataset_id, t.shard, after, t.covers_seq)
        open_tasks.append(OpenTask(t, opened, _seconds(opened, now)))
    return open_tasks, closed
