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

import numpy as np
from sqlalchemy import Connection, insert, select

from trainright.errors import InputError
from trainright.ledger import Ledger, schema
from trainright.lineage.index import LineageIndex

OUT_TYPES = ("objection", "consent_withdrawn", "account_deleted")
STATE_TYPES = (*OUT_TYPES, "objection_withdrawn", "consent_given")


@dataclass
class Task:
    """Retrain one shard of one dataset for one model (or rebuild the dataset: model None)."""

    task_id: str
    model: tuple[str, str] | None
    dataset_id: str
    shard: int
    shards: int
    accounts: list[int]
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
class _Out:
    account_id: int
    reason: str
    seq: int
    at: datetime


def _standing_out(conn: Connection, purposes: set[str]) -> dict[str, list[_Out]]:
    """Per purpose, the accounts whose current standing keeps them out, and why."""
    e = schema.events
    rows = conn.execute(
        select(e.c.seq, e.c.account_id, e.c.type, e.c.purpose, e.c.at)
        .where(e.c.type.in_(STATE_TYPES))
        .order_by(e.c.at, e.c.seq)
    ).all()
    result: dict[str, list[_Out]] = {}
    for purpose in purposes:
        objection: dict[int, tuple[str, int, datetime]] = {}
        consent: dict[int, tuple[str, int, datetime]] = {}
        deleted: dict[int, tuple[int, datetime]] = {}
        for seq, aid, typ, evp, at in rows:
            if typ == "account_deleted":
                deleted.setdefault(aid, (seq, at))
            elif evp in (purpose, "all"):
                target = objection if typ.startswith("objection") else consent
                target[aid] = (typ, seq, at)
        outs = [
            _Out(a, "objection", s, at) for a, (t, s, at) in objection.items() if t == "objection"
        ]
        outs += [
            _Out(a, "consent_withdrawn", s, at)
            for a, (t, s, at) in consent.items()
            if t == "consent_withdrawn"
        ]
        outs += [_Out(a, "account_deleted", s, at) for a, (s, at) in deleted.items()]
        result[purpose] = outs
    return result


def _task_id(model: tuple[str, str] | None, dataset_id: str, shard: int, seq: int) -> str:
    key = f"{model!r}|{dataset_id}|{shard}|{seq}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


def compute_impact(ledger: Ledger, index: LineageIndex | None = None) -> Impact:
    """The open unlearning tasks, from the ledger and the catalog."""
    with ledger.read() as conn:
        idx = index or LineageIndex(conn)
        outs = _standing_out(conn, {d.purpose for d in idx.datasets})
        d = schema.unlearning_done
        done_rows = [
            dict(r._mapping) for r in conn.execute(select(d).order_by(d.c.done_at, d.c.task_id))
        ]
    covered: dict[tuple[tuple[str, str] | None, str, int], int] = {}
    for r in done_rows:
        key = (
            (str(r["name"]), str(r["version"])) if r["name"] else None,
            str(r["dataset_id"]),
            int(r["shard"]),
        )
        covered[key] = max(covered.get(key, 0), int(r["covered_seq"]))
    tasks: list[Task] = []
    for row, ds in enumerate(idx.datasets):
        candidates = [
            o for o in outs.get(ds.purpose, []) if o.seq > ds.ledger_seq or o.at > ds.cutoff
        ]
        if not candidates:
            continue
        subject = idx.indexes(np.array([o.account_id for o in candidates], dtype=np.int64))
        present = subject >= 0
        shard_col = np.full(len(candidates), idx.absent, dtype=np.int64)
        shard_col[present] = idx.shard_of[row, subject[present]]
        under_consent = np.isin(subject, idx.consent[row])
        wanted = np.array(
            [
                o.reason == "account_deleted" or (o.reason == "consent_withdrawn") == bool(c)
                for o, c in zip(candidates, under_consent, strict=True)
            ],
            dtype=bool,
        )
        held = np.nonzero((shard_col != idx.absent) & wanted)[0]
        per_shard: dict[int, list[_Out]] = {}
        for i in held:
            per_shard.setdefault(int(shard_col[i]), []).append(candidates[i])
        owners: list[tuple[str, str] | None] = list(idx.models_of.get(ds.dataset_id, ())) or [None]
        for owner in owners:
            for shard, items in sorted(per_shard.items()):
                upto = covered.get((owner, ds.dataset_id, shard), 0)
                open_items = [o for o in items if o.seq > upto]
                if not open_items:
                    continue
                accounts = sorted({o.account_id for o in open_items})
                top = max(o.seq for o in open_items)
                tasks.append(
                    Task(
                        _task_id(owner, ds.dataset_id, shard, top),
                        owner,
                        ds.dataset_id,
                        shard,
                        ds.shards,
                        accounts,
                        Counter(o.reason for o in open_items),
                        top,
                    )
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
