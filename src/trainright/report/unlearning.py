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
from sqlalchemy import Connection, select

from trainright.ledger import schema
from trainright.lineage.catalog import DatasetEntry
from trainright.lineage.impact import OUT_TYPES, Impact, Task, each_event, reach
from trainright.lineage.index import LineageIndex

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
        self.index = LineageIndex(conn)
        self.row_of = {d.dataset_id: i for i, d in enumerate(self.index.datasets)}
        self.relevant = cache(self._relevant)

    def _relevant(self, dataset_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(shard, seq, received) of the events that open a task in this dataset: each
        event on its own, reaching as far as `impact` says (`lineage.impact.reach`)."""
        ds = self.datasets[dataset_id]
        deletion = self.kind == OUT_TYPES.index("account_deleted")
        ours = np.nonzero(deletion | (self.purpose == ds.purpose) | (self.purpose == "all"))[0]
        event, outs = each_event(
            self.account[ours],
            self.kind[ours],
            self.seq[ours],
            self.at[ours],
            self.index.persons_of.get(dataset_id),
        )
        pick, shard, _ = reach(self.index, self.row_of[dataset_id], outs)
        source = ours[event[pick]]
        return shard, self.seq[source], self.received[source]

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
