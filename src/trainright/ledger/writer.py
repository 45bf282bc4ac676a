"""The single writer of the live rights service, with group commit.

Every request that files an event hands it to one writer thread and waits. The
writer takes everything that queued up while it was busy, appends it in one
transaction (one fsync on SQLite, one WAL flush on PostgreSQL) and only then
releases the waiting requests with their committed events. A request is never
answered before its batch's commit, so no receipt is given for an event that a
crash could lose; and one commit serves many requests, which is what makes
durable filing fast (docs/rights-service.md has the numbers).

Each batch is one read and one write-and-commit (`trainright.ledger.batchio`): two
round trips on PostgreSQL. An Idempotency-Key is looked up and recorded in the same transaction as the
events, so a retry returns the first request's events, even across restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from trainright.errors import InputError, LedgerError
from trainright.ledger.batchio import BatchIO, Writes, open_batch_io
from trainright.ledger.events import DEFAULT_PURPOSE, Event, NewEvent, chain
from trainright.ledger.standing import EventLike, Standing, standing_of
from trainright.ledger.store import Ledger

MAX_BATCH = 512


class IdempotencyConflict(InputError):
    """An Idempotency-Key was reused for a different request."""


class OutcomeUnknown(LedgerError):
    """The filing may or may not be committed: the writer failed after it could have been.

    Raised when the commit itself was sent but its outcome never came back (the
    database connection broke during COMMIT), and by the web service's writer when
    the filing reached the writer process and no reply did (the writer died, or
    stopped answering). Only a retry with the same Idempotency-Key, or a look at the
    ledger, tells which; a plain `LedgerError` means nothing was committed.
    """


@dataclass(frozen=True)
class Filing:
    """What one request asks the ledger to commit, all or nothing.

    `account_id` is None for a person without an account (SPEC §3): such a filing has
    no Idempotency-Key (keys are kept per account) and its `Filed` no standing.
    """

    account_id: int | None
    events: tuple[NewEvent, ...]
    key: str | None = None
    reason: str | None = None
    purpose: str = DEFAULT_PURPOSE
    fingerprint: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.key and self.account_id is None:
            raise ValueError("a filing without an account carries no Idempotency-Key")
        if self.key and not self.fingerprint:  # only a keyed filing is ever compared
            # a preference's value is part of the request (absent elsewhere, so the
            # fingerprints of keys stored before preferences existed stand)
            body = [
                [e.type, e.purpose, e.channel]
                + ([e.content_usage] if e.content_usage is not None else [])
                for e in self.events
            ] + [self.reason or ""]
            digest = hashlib.sha256(json.dumps(body).encode()).hexdigest()
            object.__setattr__(self, "fingerprint", digest)


@dataclass(frozen=True)
class Filed:
    """The committed events of a filing and the account's standing just after
    (None for a person without an account)."""

    events: tuple[Event, ...]
    standing: Standing | None
    replayed: bool


_Job = tuple[Filing, "Future[Filed]"]
_STOP = object()


class Committer:
    """Commits whole batches of filings on one long-lived connection.

    The connection is reopened after a failure; a failed batch gives every
    filing in it the same `LedgerError`, so nobody gets a receipt for it.
    """

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._io: BatchIO | None = None
        self.batches = 0
        self.filings = 0

    def commit(self, filings: Sequence[Filing]) -> list[Filed | Exception]:
        """Commit a batch in one transaction; an outcome per filing, in order."""
        try:
            if self._io is None:
                self._io = open_batch_io(self.ledger)
            outcomes = commit_batch(self._io, filings)
        except Exception as exc:
            if self._io is not None:
                with contextlib.suppress(Exception):
                    self._io.close(failed=True)
                self._io = None
            err = exc if isinstance(exc, LedgerError) else LedgerError(f"commit failed: {exc}")
            return [err] * len(filings)
        self.batches += 1
        self.filings += len(filings)
        return outcomes

    def close(self) -> None:
        """Return the connection."""
        if self._io is not None:
            self._io.close()
            self._io = None


class GroupWriter:
    """A writer thread for in-process use: queued filings are committed in batches.

    (The web service runs the same `Committer` in a process of its own:
    `trainright.ledger.process`.)
    """

    def __init__(self, ledger: Ledger, max_batch: int = MAX_BATCH) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self.committer = Committer(ledger)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)

    @property
    def batches(self) -> int:
        """Batches committed so far."""
        return self.committer.batches

    def start(self) -> None:
        """Open the ledger (migrating it) and start the writer thread."""
        self.ledger.head()
        self._thread.start()

    def stop(self) -> None:
        """Commit everything already queued, then end the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def submit(self, filing: Filing) -> Future[Filed]:
        """Queue a filing; the future resolves after its batch has committed."""
        fut: Future[Filed] = Future()
        self._queue.put((filing, fut))
        return fut

    async def file(self, filing: Filing) -> Filed:
        """Queue a filing and wait (without blocking the event loop) for its commit."""
        return await asyncio.wrap_future(self.submit(filing))

    def _run(self) -> None:
        stop = False
        while not stop:
            item = self._queue.get()
            batch: list[_Job] = []
            while item is not _STOP:
                batch.append(item)
                if len(batch) >= self.max_batch:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stop = item is _STOP
            if batch:
                outcomes = self.committer.commit([f for f, _ in batch])
                for (_, fut), outcome in zip(batch, outcomes, strict=True):
                    if isinstance(outcome, Exception):
                        fut.set_exception(outcome)
                    else:
                        fut.set_result(outcome)
        self.committer.close()


def commit_batch(io: BatchIO, filings: Sequence[Filing]) -> list[Filed | Exception]:
    """Append a batch of filings in one transaction of `io`, and commit it.

    Each filing gets its own outcome: its committed events, the events a earlier
    request with the same Idempotency-Key committed (also earlier in this batch),
    or an `IdempotencyConflict` when that key came with a different request.
    """
    accounts = sorted({f.account_id for f in filings if f.account_id is not None})
    reads = io.read(accounts, keyed=any(f.key for f in filings))
    first_in_batch: dict[tuple[int, str], int] = {}
    plan: list[_Plan] = []
    for i, f in enumerate(filings):
        k = (f.account_id, f.key) if f.key and f.account_id is not None else None
        if k is not None and k in reads.known:
            fp, first, last = reads.known[k]
            plan.append(
                _Plan("replay", seqs=(first, last)) if fp == f.fingerprint else _conflict(f)
            )
        elif k is not None and k in first_in_batch:
            j = first_in_batch[k]
            same = filings[j].fingerprint == f.fingerprint
            plan.append(_Plan("same", index=j) if same else _conflict(f))
        else:
            if k is not None:
                first_in_batch[k] = i
            plan.append(_Plan("new"))
    ranges = [p.seqs for p in plan if p.kind == "replay"]
    old = io.replayed(ranges) if ranges else []
    new = [e for f, p in zip(filings, plan, strict=True) if p.kind == "new" for e in f.events]
    now = datetime.now(UTC)
    committed = chain(reads.head.seq, reads.head.hash, new, now)
    it = iter(committed)
    events = [
        tuple(next(it) for _ in f.events) if p.kind == "new" else ()
        for f, p in zip(filings, plan, strict=True)
    ]
    try:
        io.write(_writes(committed, filings, plan, events, now))
    except Exception as exc:
        # The COMMIT may have reached the database before the failure: say so, not "failed".
        raise OutcomeUnknown(f"the commit's outcome is unknown: {exc}") from exc
    history: dict[int, list[EventLike]] = {a: [] for a in accounts}
    for row in [*reads.rows, *committed]:
        if row.account_id is not None:  # a filing is always an account's
            history[row.account_id].append(row)
    out: list[Filed | Exception] = []
    for i, (f, p) in enumerate(zip(filings, plan, strict=True)):
        if p.error is not None:
            out.append(p.error)
            continue
        if p.kind == "new":
            evs = events[i]
        elif p.kind == "same":
            evs = events[p.index]
        else:
            evs = tuple(e for e in old if p.seqs[0] <= e.seq <= p.seqs[1])
        standing = (
            None
            if f.account_id is None
            else standing_of(f.account_id, history[f.account_id], f.purpose, now)
        )
        out.append(Filed(evs, standing, replayed=p.kind != "new"))
    return out


@dataclass(frozen=True)
class _Plan:
    kind: str  # new | replay | same | error
    seqs: tuple[int, int] = (0, 0)
    index: int = -1
    error: Exception | None = None


def _conflict(f: Filing) -> _Plan:
    return _Plan(
        "error",
        error=IdempotencyConflict(
            "this Idempotency-Key was already used for a different request",
            field="Idempotency-Key",
            value=f.key,
            hint="use a new key for a new request; reuse a key only to retry the same request",
        ),
    )


def _writes(
    committed: list[Event],
    filings: Sequence[Filing],
    plan: Sequence[_Plan],
    events: Sequence[tuple[Event, ...]],
    now: datetime,
) -> Writes:
    """The new events, with the new keys and reasons stored in the same transaction."""
    out = Writes(events=committed)
    for f, p, evs in zip(filings, plan, events, strict=True):
        if p.kind != "new" or not evs:
            continue
        if f.key:
            out.keys.append(
                {
                    "account_id": f.account_id,
                    "key": f.key,
                    "fingerprint": f.fingerprint,
                    "first_seq": evs[0].seq,
                    "last_seq": evs[-1].seq,
                    "created_at": now,
                }
            )
        objection = next((e for e in evs if e.type == "objection"), None)
        if f.reason and objection is not None:
            out.reasons.append({"seq": objection.seq, "reason": f.reason})
    return out
