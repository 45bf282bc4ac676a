"""`impact`: the unlearning queue (SPEC §8).

Every objection, consent withdrawal or account deletion that a dataset's build did
not see — committed after the build read the ledger, or taking effect after the
cutoff — and that still stands, names an account whose data must come out of that
dataset and of every model trained on it: an objection for a person included under
legitimate interest, a consent withdrawal for one included under consent, a
deletion for anyone (exactly the events that would keep them out of a new build). Shards are SISA-style (each subject in
exactly one), so a model retrains only the affected shards: the queue says which,
and what fraction of the model that is.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, String, TypeDecorator, insert, select, type_coerce

from trainright.errors import InputError
from trainright.ledger import Ledger, schema
from trainright.lineage.catalog import sorted_member
from trainright.lineage.index import LineageIndex

OUT_TYPES: tuple[str, ...] = ("objection", "consent_withdrawn", "account_deleted")
STATE_TYPES = (*OUT_TYPES, "objection_withdrawn", "consent_given")


@dataclass
class Task:
    """Retrain one shard of one dataset for one model (or rebuild the dataset: model None)."""

    task_id: str
    model: tuple[str, str] | None
    dataset_id: str
    shard: int
    shards: int
    accounts: np.ndarray  # sorted account ids (int64)
    reasons: Counter[str] = field(default_factory=Counter)
    covers_seq: int = 0


@dataclass
class Impact:
    """The open unlearning queue and what is already done."""

    tasks: list[Task]
    done: list[dict[str, object]]

    def by_model(self) -> dict[tuple[str, str] | None, list[Task]]:
        out: dict[tuple[str, str] | None, list[Task]] = {}
        for t in self.tasks:
            out.setdefault(t.model, []).append(t)
        return out


@dataclass(frozen=True)
class _Outs:
    """Accounts whose current standing keeps them out, as parallel arrays."""

    account_id: np.ndarray  # int64
    reason: np.ndarray  # index into OUT_TYPES
    seq: np.ndarray  # int64: the event that took them out
    at: np.ndarray  # datetime64[us]


class _Raw(TypeDecorator[Any]):
    """A column read without conversion."""

    impl = String
    cache_ok = True


def _as_datetime64(values: list[Any]) -> np.ndarray:
    """UTC timestamps (SQLite text or aware datetimes) as datetime64[us]."""
    if values and isinstance(values[0], datetime):
        return np.array(
            [v.astimezone(UTC).replace(tzinfo=None) for v in values], dtype="datetime64[us]"
        )
    return np.array([str(v).replace(" ", "T") for v in values], dtype="datetime64[us]")


def _standing_out(conn: Connection, purposes: set[str]) -> dict[str, _Outs]:
    """Per purpose, the accounts whose current standing keeps them out, and why."""
    e = schema.events
    # `at` is read as the database gives it (text on SQLite, datetime on PostgreSQL):
    # converting 10^5 values one by one through the column type would dominate impact.
    rows = conn.execute(
        select(e.c.seq, e.c.account_id, e.c.type, e.c.purpose, type_coerce(e.c.at, _Raw()))
        .where(e.c.type.in_(STATE_TYPES))
        .order_by(e.c.at, e.c.seq)
    ).all()
    result: dict[str, _Outs] = {}
    for purpose in purposes:
        latest: dict[tuple[int, bool], tuple[str, int, Any]] = {}
        deleted: dict[int, tuple[int, Any]] = {}
        for seq, aid, typ, evp, at in rows:
            if typ == "account_deleted":
                deleted.setdefault(aid, (seq, at))
            elif evp in (purpose, "all"):
                latest[(aid, typ.startswith("objection"))] = (typ, seq, at)
        outs = [(a, typ, s, at) for (a, _), (typ, s, at) in latest.items() if typ in OUT_TYPES]
        outs += [(a, "account_deleted", s, at) for a, (s, at) in deleted.items()]
        result[purpose] = _Outs(
            np.array([o[0] for o in outs], dtype=np.int64),
            np.array([OUT_TYPES.index(o[1]) for o in outs], dtype=np.int8),
            np.array([o[2] for o in outs], dtype=np.int64),
            _as_datetime64([o[3] for o in outs]),
        )
    return result


def _task_id(model: tuple[str, str] | None, dataset_id: str, shard: int, seq: int) -> str:
    key = f"{model!r}|{dataset_id}|{shard}|{seq}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


def compute_impact(ledger: Ledger, index: LineageIndex | None = None) -> Impact:
    """The open unlearning tasks, from the ledger and the catalog (vectorised per dataset)."""
    with ledger.read() as conn:
        idx = index or LineageIndex(conn)
        outs_of = _standing_out(conn, {d.purpose for d in idx.datasets})
        d = schema.unlearning_done
        done_rows = [
            dict(r._mapping) for r in conn.execute(select(d).order_by(d.c.done_at, d.c.task_id))
        ]
    covered: dict[tuple[tuple[str, str] | None, str, int], int] = {}
    for r in done_rows:
        owner = (str(r["name"]), str(r["version"])) if r["name"] else None
        key = (owner, str(r["dataset_id"]), int(r["shard"]))
        covered[key] = max(covered.get(key, 0), int(r["covered_seq"]))
    subject_of = {p: idx.indexes(o.account_id) for p, o in outs_of.items()}
    deletion = OUT_TYPES.index("account_deleted")
    withdrawal = OUT_TYPES.index("consent_withdrawn")
    tasks: list[Task] = []
    for row, ds in enumerate(idx.datasets):
        outs, subject = outs_of[ds.purpose], subject_of[ds.purpose]
        cutoff = np.datetime64(ds.cutoff.replace(tzinfo=None), "us")
        unseen = (outs.seq > ds.ledger_seq) | (outs.at > cutoff)
        held = subject >= 0
        shard = np.full(len(subject), idx.absent, dtype=np.int64)
        shard[held] = idx.shard_of[row, subject[held]]
        held &= shard != idx.absent
        # the event must be one that keeps the person out of a new build
        under_consent = sorted_member(idx.consent[row], subject)[0]
        counts = (outs.reason == deletion) | ((outs.reason == withdrawal) == under_consent)
        pick = np.nonzero(unseen & held & counts)[0]
        if len(pick) == 0:
            continue
        owners: list[tuple[str, str] | None] = list(idx.models_of.get(ds.dataset_id, ())) or [None]
        order = pick[np.argsort(shard[pick], kind="stable")]
        bounds = np.flatnonzero(np.diff(shard[order])) + 1
        for group in np.split(order, bounds):
            shard_no = int(shard[group[0]])
            for owner in owners:
                upto = covered.get((owner, ds.dataset_id, shard_no), 0)
                open_ = group[outs.seq[group] > upto]
                if len(open_) == 0:
                    continue
                top = int(outs.seq[open_].max())
                tally = np.bincount(outs.reason[open_], minlength=len(OUT_TYPES))
                reasons = Counter({OUT_TYPES[i]: int(n) for i, n in enumerate(tally) if n})
                accounts = np.unique(outs.account_id[open_])
                task_id = _task_id(owner, ds.dataset_id, shard_no, top)
                tasks.append(
                    Task(task_id, owner, ds.dataset_id, shard_no, ds.shards, accounts, reasons, top)
                )
    return Impact(tasks, done_rows)


def mark_done(ledger: Ledger, task_id: str, note: str | None = None) -> Task:
    """Record that a task's shard was retrained (or its dataset rebuilt)."""
    impact = compute_impact(ledger)
    task = next((t for t in impact.tasks if t.task_id == task_id), None)
    if task is None:
        known = any(r["task_id"] == task_id for r in impact.done)
        raise InputError(
            "this task is already done" if known else "no open unlearning task has this id",
            field="TASK_ID",
            value=task_id,
            hint=None if known else "run `trainright impact` to list the open tasks",
        )
    name, version = task.model if task.model else ("", "")
    with ledger.write() as conn:
        conn.execute(
            insert(schema.unlearning_done).values(
                task_id=task.task_id,
                name=name,
                version=version,
                dataset_id=task.dataset_id,
                shard=task.shard,
                covered_seq=task.covers_seq,
                accounts=len(task.accounts),
                done_at=datetime.now(UTC),
                note=note,
            )
        )
    return task
