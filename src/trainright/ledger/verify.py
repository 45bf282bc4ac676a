"""`trainright ledger verify`: recompute the hash chain and name the first break.

Each event's hash covers its fields and the previous event's hash, so any edit
of a committed event shows up as the first event whose hash no longer follows.
Looking one event ahead tells the kinds of tampering apart: an event changed in
place, removed (a gap in `seq`, or the later events renumbered), inserted, or
two events swapped. The head row and every dataset's recorded ledger position
(`datasets.ledger_seq` / `ledger_hash`) are anchors checked too: a ledger
rewritten from some point on, hashes and all, still disagrees with the
positions that earlier builds wrote into their manifests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from sqlalchemy import Connection, select

from trainright.ledger import schema
from trainright.ledger.events import GENESIS_HASH, Event, event_hash, iso
from trainright.ledger.store import Head, Ledger

Kind = Literal["changed", "removed", "inserted", "reordered", "anchor"]


@dataclass(frozen=True)
class Break:
    """The first place where the ledger is not what was committed."""

    kind: Kind
    seq: int
    message: str


@dataclass(frozen=True)
class Verification:
    """The outcome of a verify run."""

    events: int
    head: Head
    anchors: int
    problem: Break | None

    @property
    def ok(self) -> bool:
        """True when the chain, the head and every anchor agree."""
        return self.problem is None


def describe(e: Event) -> str:
    """An event as a person reads it in a report."""
    whose = f"account {e.account_id}" if e.account_id is not None else f"{e.person_ref}"
    return f"seq {e.seq} ({e.type} of {whose} at {iso(e.at)}, channel {e.channel})"


def _follows(prev: str, e: Event, seq: int | None = None) -> bool:
    return event_hash(prev, e if seq is None else replace(e, seq=seq)) == e.hash


def diagnose(before_prev: str, prev: str, cur: Event, nxt: Event | None) -> Break:
    """Why `cur` does not follow from `prev`, judged with its neighbours.

    `before_prev` is the hash of the event before the previous one: when `cur`
    follows from it, the previous event (well-formed, hash and all) was inserted.
    """
    s = cur.seq
    if s > 1 and _follows(before_prev, cur, s - 1):
        return Break(
            "inserted",
            s - 1,
            f"event seq {s - 1} was inserted: {describe(cur)} was committed as seq {s - 1}, "
            "right after the event now at seq " + str(s - 2),
        )
    if nxt is not None:
        nxt_was_here = _follows(prev, nxt, s)
        if nxt_was_here and _follows(nxt.hash, cur, s + 1):
            return Break(
                "reordered",
                s,
                f"events seq {s} and {s + 1} were swapped: {describe(nxt)} was committed "
                f"before {describe(cur)}",
            )
        if nxt_was_here:
            return Break(
                "inserted",
                s,
                f"event {describe(cur)} was inserted: the event now at seq {s + 1} was "
                f"committed as seq {s}",
            )
        if _follows(cur.hash, nxt, nxt.seq + 1):
            return Break(
                "removed",
                s,
                f"an event was removed before seq {s} and the later events renumbered: "
                f"{describe(cur)} was committed as seq {s + 1}",
            )
        if _follows(cur.hash, nxt):
            return Break(
                "changed",
                s,
                f"event {describe(cur)} was changed after it was committed: its fields no "
                "longer match its hash",
            )
    return Break(
        "changed",
        s,
        f"event {describe(cur)} does not follow from the event before it: it, or the one "
        "before it together with its hash, was changed after commit",
    )


def _events(conn: Connection) -> Iterator[Event]:
    q = select(schema.events).order_by(schema.events.c.seq)
    for r in conn.execution_options(yield_per=5000).execute(q):
        yield Event(**r._mapping)


def verify(ledger: Ledger) -> Verification:
    """Walk the whole ledger in one read transaction; stop at the first break."""
    with ledger.read() as conn:
        head = ledger.head(conn)
        anchors = {
            (int(r.ledger_seq), str(r.ledger_hash), str(r.dataset_id))
            for r in conn.execute(
                select(
                    schema.datasets.c.ledger_seq,
                    schema.datasets.c.ledger_hash,
                    schema.datasets.c.dataset_id,
                )
            )
        }
        wanted = {seq for seq, _, _ in anchors}
        seen: dict[int, str] = {0: GENESIS_HASH}
        before_prev, prev, count = GENESIS_HASH, GENESIS_HASH, 0
        events = _events(conn)
        cur = next(events, None)
        problem: Break | None = None
        while cur is not None and problem is None:
            nxt = next(events, None)
            expect = count + 1
            if cur.seq != expect:
                problem = Break(
                    "removed",
                    expect,
                    f"event seq {expect} was removed: the ledger goes from seq {expect - 1} "
                    f"to {describe(cur)}",
                )
            elif not _follows(prev, cur):
                problem = diagnose(before_prev, prev, cur, nxt)
            else:
                before_prev, prev, count = prev, cur.hash, count + 1
                if cur.seq in wanted:
                    seen[cur.seq] = cur.hash
                cur = nxt
        if problem is None:
            problem = _check_head(head, count, prev) or _check_anchors(anchors, seen)
        return Verification(count, head, len(anchors), problem)


def _check_head(head: Head, count: int, last_hash: str) -> Break | None:
    if head.seq > count:
        return Break(
            "removed",
            count + 1,
            f"event seq {count + 1} was removed: the ledger head says {head.seq} events were "
            f"committed, the events table ends at seq {count}",
        )
    if head.seq < count:
        return Break(
            "inserted",
            head.seq + 1,
            f"event seq {head.seq + 1} was inserted: the ledger head says the last commit "
            f"was seq {head.seq}, the events table goes on to seq {count}",
        )
    if head.hash != last_hash:
        return Break(
            "changed",
            count,
            f"the ledger head's hash for seq {count} is not the hash of event seq {count}",
        )
    return None


def _check_anchors(anchors: set[tuple[int, str, str]], seen: dict[int, str]) -> Break | None:
    for seq, digest, dataset in sorted(anchors):
        if seen.get(seq) != digest:
            return Break(
                "anchor",
                seq,
                f"dataset {dataset} was built at ledger seq {seq} with hash {digest[:12]}…, "
                f"but the ledger's event seq {seq} now has "
                f"{(seen.get(seq) or 'no event')[:12]}: the ledger was rewritten after that build",
            )
    return None
