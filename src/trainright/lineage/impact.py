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
from sqlalchemy import (
    Connection,
    String,
    TypeDecorator,
    case,
    func,
    insert,
    or_,
    select,
    type_coerce,
)

from trainright.errors import InputError
from trainright.ledger import Ledger, schema
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


def _standing_out(conn: Connection, purpose: str) -> _Outs:
    """The accounts whose current standing for `purpose` keeps them out, and why.

    One window query: per account, the latest objection-type, consent-type and
    deletion event (by `at`, then `seq`); keep those that are an objection, a
    consent withdrawal or a deletion.
    """
    e = schema.events
    kind = case(
        (e.c.type.in_(("objection", "objection_withdrawn")), 0),
        (e.c.type.in_(("consent_given", "consent_withdrawn")), 1),
        else_=2,
    )
    ranked = (
        select(
            e.c.account_id,
            e.c.type,
            e.c.seq,
            type_coerce(e.c.at, _Raw()).label("at"),
            func.row_number()
            .over(partition_by=(e.c.account_id, kind), order_by=(e.c.at.desc(), e.c.seq.desc()))
            .label("rn"),
        )
        .where(
            e.c.type.in_(STATE_TYPES),
            or_(e.c.purpose.in_((purpose, "all")), e.c.type == "account_deleted"),
        )
        .subquery()
    )
    rows = conn.execute(
        select(ranked.c.account_id, ranked.c.type, ranked.c.seq, ranked.c.at).where(
            ranked.c.rn == 1, ranked.c.type.in_(OUT_TYPES)
        )
    ).all()
    code = {t: i for i, t in enumerate(OUT_TYPES)}
    return _Outs(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([code[r[1]] for r in rows], dtype=np.int8),
        np.array([r[2] for r in rows], dtype=np.int64),
        _as_datetime64([r[3] for r in rows]),
    )


def _task_id(model: tuple[str, str] | None, dataset_id: str, shard: int, seq: int) -> str:
    key = f"{model!r}|{dataset_id}|{shard}|{seq}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


def compute_impact(ledger: Ledger, index: LineageIndex | None = None) -> Impact:
    """The open unlearning tasks, from the ledger and the catalog (vectorised per dataset)."""
    with ledger.read() as conn:
        idx = index or LineageIndex(conn)
        outs_of = {p: _standing_out(conn, p) for p in {d.purpose for d in idx.datasets}}
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
        cell = np.full(len(subject), idx.absent, dtype=idx.shard_of.dtype)
        known = subject >= 0
        cell[known] = idx.shard_of[row, subject[known]]
        held = cell != idx.absent
        shard = (cell & (idx.consent_bit - 1)).astype(np.int64)
        # the event must be one that keeps the person out of a new build
        under_consent = (cell & idx.consent_bit) != 0
        counts = (outs.reason == deletion) | ((outs.reason == withdrawal) == under_consent)
        pick = np.nonzero(unseen & held & counts)[0]
        if len(pick) == 0:
            continue
        owners: list[tuple[str, str] | None] = list(idx.models_of.get(ds.dataset_id, ())) or [None]
        order = pick[np.lexsort((outs.account_id[pick], shard[pick]))]
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
                accounts = outs.account_id[open_]
                accounts = accounts[
                    np.r_[True, accounts[1:] != accounts[:-1]]
                ]  # sorted: drop repeats
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
