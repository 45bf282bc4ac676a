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
from trainright.ledger import Head, Ledger, schema
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
    causes: Counter[str] = field(default_factory=Counter)  # CAUSES -> events


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
class _Latest:
    """Per account, its latest event of each kind (objection-type, consent-type,
    deletion), as parallel arrays."""

    account_id: np.ndarray  # int64
    kind: np.ndarray  # 0 objection-type, 1 consent-type, 2 deletion
    type: np.ndarray  # index into STATE_TYPES
    seq: np.ndarray  # int64
    at: np.ndarray  # datetime64[us]


@dataclass(frozen=True)
class _Outs:
    """Accounts whose current standing keeps them out, as parallel arrays."""

    account_id: np.ndarray  # int64
    reason: np.ndarray  # index into OUT_TYPES
    seq: np.ndarray  # int64: the event that took them out
    at: np.ndarray  # datetime64[us]
    linked: np.ndarray  # bool: that event was filed on another account of the person


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


def _latest(conn: Connection, purpose: str) -> _Latest:
    """Per account, the latest objection-type, consent-type and deletion event for
    `purpose` (by `at`, then `seq`): one window query."""
    e = schema.events
    kind = case(
        (e.c.type.in_(("objection", "objection_withdrawn")), 0),
        (e.c.type.in_(("consent_given", "consent_withdrawn")), 1),
        else_=2,
    )
    ranked = (
        select(
            e.c.account_id,
            kind.label("kind"),
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
        select(ranked.c.account_id, ranked.c.kind, ranked.c.type, ranked.c.seq, ranked.c.at).where(
            ranked.c.rn == 1
        )
    ).all()
    code = {t: i for i, t in enumerate(STATE_TYPES)}
    return _Latest(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.int8),
        np.array([code[r[2]] for r in rows], dtype=np.int8),
        np.array([r[3] for r in rows], dtype=np.int64),
        _as_datetime64([r[4] for r in rows]),
    )


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The concatenation of arange(lo[i], hi[i]) for every i."""
    counts = hi - lo
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    out: np.ndarray = np.arange(int(counts.sum()), dtype=np.int64) + starts
    return out


def _outs(latest: _Latest, accounts: np.ndarray, persons: np.ndarray) -> _Outs:
    """Who is out, with rights following the person (SPEC §5): for linked accounts the
    person's latest objection-type and consent-type event, whichever account filed it,
    stands for every one of them; a deletion only for its own account."""
    rows = np.arange(len(latest.account_id))
    found, pos = sorted_member(accounts, latest.account_id)
    fold = found & (latest.kind < 2)
    own = rows[~fold]
    folded = rows[fold]
    person = persons[pos[fold]]
    # the winner of each (person, kind): the last by (at, seq)
    order = np.lexsort((latest.seq[folded], latest.at[folded], latest.kind[folded], person))
    folded, person = folded[order], person[order]
    kind = latest.kind[folded]
    last = np.r_[(person[1:] != person[:-1]) | (kind[1:] != kind[:-1]), True][: len(folded)]
    winner, winner_person = folded[last], person[last]
    by_person = np.argsort(persons, kind="stable")
    lo = np.searchsorted(persons[by_person], winner_person, "left")
    hi = np.searchsorted(persons[by_person], winner_person, "right")
    members = accounts[by_person[_ranges(lo, hi)]]
    source = np.repeat(winner, hi - lo)
    event = np.concatenate([own, source])
    account = np.concatenate([latest.account_id[own], members])
    out = latest.type[event] < len(OUT_TYPES)
    event, account = event[out], account[out]
    return _Outs(
        account,
        latest.type[event],
        latest.seq[event],
        latest.at[event],
        account != latest.account_id[event],
    )


def _task_id(model: tuple[str, str] | None, dataset_id: str, shard: int, seq: int) -> str:
    key = f"{model!r}|{dataset_id}|{shard}|{seq}".encode()
    return hashlib.sha256(key).hexdigest()[:12]


#: Why a shard holds an account's data: its own posts, posts of an account linked to the
#: one that filed (a person's other account), or its posts carried by others' shares.
#: `regurgitated` is counted on top, per account: an `audit-outputs` of the task's model
#: found that account's words in the model's outputs (evidence it memorised them).
CAUSES: tuple[str, ...] = ("own_posts", "linked_account", "reshared_or_quoted", "regurgitated")


def reach(idx: LineageIndex, row: int, outs: _Outs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shards of dataset `row` that events reach, one entry per event and shard:
    (index into `outs`, shard, index into CAUSES), sorted by shard then event.

    `outs` holds, per account an event stands for (the person's accounts already
    expanded), an event that takes someone out. It reaches the account's own shard
    when the dataset holds the account and the event is one that keeps it out of a
    new build (objection under legitimate interest, withdrawal under consent,
    deletion always), and every shard whose reshares or quotes carry its posts. Only
    events the build did not see count: committed after it read the ledger, or
    taking effect after its cutoff.
    """
    ds = idx.datasets[row]
    subject = idx.indexes(outs.account_id)
    cutoff = np.datetime64(ds.cutoff.replace(tzinfo=None), "us")
    unseen = (outs.seq > ds.ledger_seq) | (outs.at > cutoff)
    cell = np.full(len(subject), idx.absent, dtype=idx.shard_of.dtype)
    known = subject >= 0
    cell[known] = idx.shard_of[row, subject[known]]
    held = cell != idx.absent
    under_consent = (cell & idx.consent_bit) != 0
    deletion, withdrawal = OUT_TYPES.index("account_deleted"), OUT_TYPES.index("consent_withdrawn")
    counts = (outs.reason == deletion) | ((outs.reason == withdrawal) == under_consent)
    # an author carried by others' shares but not a subject here: any way out counts
    counts_carried = np.where(held, counts, True)
    hit = [np.nonzero(unseen & held & counts)[0]]
    shard_of_hit = [(cell[hit[0]] & (idx.consent_bit - 1)).astype(np.int64)]
    cause = [outs.linked[hit[0]].astype(np.int8)]
    for shard_no, members in idx.carried_of.get(ds.dataset_id, {}).items():
        carried = np.nonzero(unseen & counts_carried & np.isin(subject, members))[0]
        hit.append(carried)
        shard_of_hit.append(np.full(len(carried), shard_no, np.int64))
        cause.append(np.full(len(carried), CAUSES.index("reshared_or_quoted"), np.int8))
    pick, shard, why = np.concatenate(hit), np.concatenate(shard_of_hit), np.concatenate(cause)
    # its own posts in a shard outrank carried ones
    order = np.lexsort((why, pick, shard))
    pick, shard, why = pick[order], shard[order], why[order]
    keep = np.r_[True, (shard[1:] != shard[:-1]) | (pick[1:] != pick[:-1])][: len(pick)]
    return pick[keep], shard[keep], why[keep]


def each_event(
    account_id: np.ndarray,
    reason: np.ndarray,
    seq: np.ndarray,
    at: np.ndarray,
    links: tuple[np.ndarray, np.ndarray] | None,
) -> tuple[np.ndarray, _Outs]:
    """Events one by one (not folded to the standing), each standing for every
    account of its person but a deletion, for its own only: (event index, outs)."""
    event = np.arange(len(account_id))
    account = account_id
    if links is not None:
        accounts, persons = links
        found, pos = sorted_member(accounts, account_id)
        wide = found & (reason != OUT_TYPES.index("account_deleted"))
        by_person = np.argsort(persons, kind="stable")
        lo = np.searchsorted(persons[by_person], persons[pos[wide]], "left")
        hi = np.searchsorted(persons[by_person], persons[pos[wide]], "right")
        event = np.concatenate([event[~wide], np.repeat(event[wide], hi - lo)])
        account = np.concatenate([account_id[~wide], accounts[by_person[_ranges(lo, hi)]]])
    outs = _Outs(account, reason[event], seq[event], at[event], account != account_id[event])
    return event, outs


def _regurgitated(conn: Connection) -> dict[tuple[tuple[str, str] | None, str], np.ndarray]:
    """Per (model, dataset), the accounts whose posts an audit of that model's outputs
    found (`trainright.audit`), whether or not they were cleared then."""
    a, h = schema.output_audits, schema.output_audit_hits
    rows = conn.execute(
        select(a.c.name, a.c.version, a.c.dataset_id, h.c.account_id)
        .join(h, h.c.audit_id == a.c.audit_id)
        .where(a.c.name.is_not(None))
        .distinct()
    ).all()
    found: dict[tuple[tuple[str, str] | None, str], list[int]] = {}
    for name, version, dataset_id, account_id in rows:
        found.setdefault(((str(name), str(version)), str(dataset_id)), []).append(int(account_id))
    return {k: np.array(v, dtype=np.int64) for k, v in found.items()}


def compute_impact(ledger: Ledger, index: LineageIndex | None = None) -> Impact:
    """The open unlearning tasks, from the ledger and the catalog (vectorised per dataset)."""
    with ledger.read() as conn:
        idx = index or LineageIndex(conn)
        latest = {p: _latest(conn, p) for p in {d.purpose for d in idx.datasets}}
        d = schema.unlearning_done
        done_rows = [
            dict(r._mapping) for r in conn.execute(select(d).order_by(d.c.done_at, d.c.task_id))
        ]
        repeated = _regurgitated(conn)
    covered: dict[tuple[tuple[str, str] | None, str, int], int] = {}
    for r in done_rows:
        owner = (str(r["name"]), str(r["version"])) if r["name"] else None
        key = (owner, str(r["dataset_id"]), int(r["shard"]))
        covered[key] = max(covered.get(key, 0), int(r["covered_seq"]))
    none = np.zeros(0, np.int64)
    plain = {p: _outs(lt, none, none) for p, lt in latest.items()}
    tasks: list[Task] = []
    for row, ds in enumerate(idx.datasets):
        linked = idx.persons_of.get(ds.dataset_id)
        outs = _outs(latest[ds.purpose], *linked) if linked else plain[ds.purpose]
        pick, shard, why = reach(idx, row, outs)
        if len(pick) == 0:
            continue
        owners: list[tuple[str, str] | None] = list(idx.models_of.get(ds.dataset_id, ())) or [None]
        bounds = np.flatnonzero(np.diff(shard)) + 1
        for group in np.split(np.arange(len(pick)), bounds):
            shard_no = int(shard[group[0]])
            for owner in owners:
                upto = covered.get((owner, ds.dataset_id, shard_no), 0)
                open_ = group[outs.seq[pick[group]] > upto]
                if len(open_) == 0:
                    continue
                events = pick[open_]
                top = int(outs.seq[events].max())
                tally = np.bincount(outs.reason[events], minlength=len(OUT_TYPES))
                reasons = Counter({OUT_TYPES[i]: int(n) for i, n in enumerate(tally) if n})
                by_cause = np.bincount(why[open_], minlength=len(CAUSES))
                causes = Counter({CAUSES[i]: int(n) for i, n in enumerate(by_cause) if n})
                accounts = np.unique(outs.account_id[events])
                found = repeated.get((owner, ds.dataset_id))
                if found is not None and (n := int(np.isin(accounts, found).sum())):
                    causes["regurgitated"] = n
                task_id = _task_id(owner, ds.dataset_id, shard_no, top)
                tasks.append(
                    Task(
                        task_id,
                        owner,
                        ds.dataset_id,
                        shard_no,
                        ds.shards,
                        accounts,
                        reasons,
                        top,
                        causes,
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


def revoked(ledger: Ledger, dataset_id: str) -> tuple[Head, np.ndarray]:
    """The ledger position read and the sorted account ids among a dataset's subjects
    whose own posts (or a linked account's) `impact` queues now: the subjects the
    ledger no longer clears. Authors carried only by others' reshares are left to
    `rebuild`: a shard row does not say whose post it reshares."""
    with ledger.read() as conn:
        head = ledger.head(conn)
        idx = LineageIndex(conn)
        row = next((i for i, d in enumerate(idx.datasets) if d.dataset_id == dataset_id), None)
        if row is None:
            raise InputError(
                "this dataset is not in the ledger's catalog",
                field="dataset_id",
                value=dataset_id,
                hint="pass the ledger the dataset was built with",
            )
        latest = _latest(conn, idx.datasets[row].purpose)
    none = np.zeros(0, np.int64)
    outs = _outs(latest, *idx.persons_of.get(dataset_id, (none, none)))
    pick, _, why = reach(idx, row, outs)
    own = why != CAUSES.index("reshared_or_quoted")
    return head, np.unique(outs.account_id[pick[own]])
