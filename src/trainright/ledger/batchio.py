"""How the writer's batches reach the database: one read, then one write-and-commit.

A batch needs the head (locked), the Idempotency-Keys already used by its
accounts, and those accounts' events (for the receipts' standings); then it
writes the new events, the head, the keys and the reasons, and commits. Nothing
in the write depends on a reply from the database, so on PostgreSQL each phase
is sent in one round trip with psycopg's pipeline mode: a batch costs two round
trips (three when a retry replays earlier events) instead of one per statement.
That is what lets the writer keep up with the HTTP stack (docs/rights-service.md).
SQLite runs in the writer's process, where a statement costs no round trip, so it
runs the same phases statement by statement through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    RootTransaction,
    Select,
    and_,
    bindparam,
    insert,
    or_,
    select,
)

from trainright.ledger import schema
from trainright.ledger.events import Event
from trainright.ledger.standing import EventLike
from trainright.ledger.store import (
    HEAD_FOR_UPDATE,
    INSERT_EVENTS,
    STANDING_ROWS,
    UPDATE_HEAD,
    Head,
    Ledger,
)

#: (account id, key) -> (fingerprint, first seq, last seq) of the request that first used it.
KnownKeys = dict[tuple[int, str], tuple[str, int, int]]


@dataclass(frozen=True)
class Reads:
    """What a batch reads before it writes, inside its transaction."""

    head: Head
    known: KnownKeys
    rows: list[EventLike]  # every event of the batch's accounts


@dataclass
class Writes:
    """What a batch writes: new events (in seq order), keys and reasons."""

    events: list[Event] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)


class BatchIO(Protocol):
    """One long-lived connection of the writer."""

    def read(self, account_ids: list[int], keyed: bool) -> Reads:
        """Begin a write transaction, lock the head and read what the batch needs."""

    def replayed(self, ranges: Sequence[tuple[int, int]]) -> list[Event]:
        """Committed events with seq in any of the inclusive `ranges`."""

    def write(self, writes: Writes) -> None:
        """Write the batch and commit; returns once the commit is durable."""

    def close(self, *, failed: bool = False) -> None:
        """Give the connection back; after a failure, throw it away."""


def open_batch_io(ledger: Ledger) -> BatchIO:
    """The writer's connection: pipelined on PostgreSQL, SQLAlchemy elsewhere."""
    ledger.head()  # migrated, reachable
    if ledger.engine.dialect.name == "postgresql":
        return PipelinedIO(ledger)
    return SqlIO(ledger)


_K = schema.idempotency_keys.c
_E = schema.events.c
#: By account (the key's leading column), so the primary key index serves the look-up.
_KEYS_OF = select(_K.account_id, _K.key, _K.fingerprint, _K.first_seq, _K.last_seq).where(
    _K.account_id.in_(bindparam("ids", expanding=True))
)


def _seq_ranges(ranges: Sequence[tuple[int, int]]) -> Select[Any]:
    return select(schema.events).where(or_(*(and_(_E.seq >= a, _E.seq <= b) for a, b in ranges)))


class SqlIO:
    """The phases through SQLAlchemy, one statement at a time (SQLite)."""

    def __init__(self, ledger: Ledger) -> None:
        self.conn: Connection = ledger.engine.connect().execution_options(write=True)
        self.tx: RootTransaction | None = None

    def read(self, account_ids: list[int], keyed: bool) -> Reads:
        self.tx = self.conn.begin()
        row = self.conn.execute(HEAD_FOR_UPDATE).one()
        known: KnownKeys = {}
        if keyed:
            for r in self.conn.execute(_KEYS_OF, {"ids": account_ids}):
                known[(r.account_id, r.key)] = (r.fingerprint, r.first_seq, r.last_seq)
        rows = list(self.conn.execute(STANDING_ROWS, {"ids": account_ids}))
        return Reads(Head(int(row.seq), str(row.hash)), known, rows)  # type: ignore[arg-type]

    def replayed(self, ranges: Sequence[tuple[int, int]]) -> list[Event]:
        return [Event(**r._mapping) for r in self.conn.execute(_seq_ranges(ranges))]

    def write(self, writes: Writes) -> None:
        assert self.tx is not None, "read() begins the batch"
        if writes.events:
            self.conn.execute(INSERT_EVENTS, [e.__dict__.copy() for e in writes.events])
            last = writes.events[-1]
            self.conn.execute(UPDATE_HEAD, {"new_seq": last.seq, "new_hash": last.hash})
        if writes.keys:
            self.conn.execute(insert(schema.idempotency_keys), writes.keys)
        if writes.reasons:
            self.conn.execute(insert(schema.reasons), writes.reasons)
        self.tx.commit()
        self.tx = None

    def close(self, *, failed: bool = False) -> None:
        if failed:
            self.conn.invalidate()
        self.conn.close()


# PostgreSQL: each multi-row insert is one statement over arrays (unnest), so the
# server parses and plans it once per batch rather than once per row. The reads by
# account are never prepared: a prepared statement soon runs a generic plan, made
# while the tables were small, that scans them whole (each batch slower than the last).
_PG_HEAD = "SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE"
_PG_KEYS = (
    "SELECT account_id, key, fingerprint, first_seq, last_seq FROM idempotency_keys"
    " WHERE account_id = ANY(%s)"
)
_PG_ROWS = "SELECT seq, account_id, type, purpose, at FROM events WHERE account_id = ANY(%s)"
_PG_RANGE = (
    "SELECT seq, account_id, type, purpose, at, received_at, channel, hash FROM events"
    " WHERE seq BETWEEN %s AND %s"
)
_PG_EVENTS = (
    "INSERT INTO events (seq, account_id, type, purpose, at, received_at, channel, hash)"
    " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[],"
    " %s::timestamptz[], %s::timestamptz[], %s::text[], %s::text[])"
)
_PG_HEAD_SET = "UPDATE ledger_head SET seq = %s, hash = %s WHERE id = 1"
_PG_KEYS_ADD = (
    "INSERT INTO idempotency_keys (account_id, key, fingerprint, first_seq, last_seq, created_at)"
    " SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::bigint[], %s::bigint[],"
    " %s::timestamptz[])"
)
_PG_REASONS_ADD = "INSERT INTO reasons (seq, reason) SELECT * FROM unnest(%s::bigint[], %s::text[])"


@dataclass(frozen=True)
class _Row:
    seq: int
    account_id: int
    type: str
    purpose: str
    at: datetime


_EVENT_COLUMNS = ("seq", "account_id", "type", "purpose", "at", "received_at", "channel", "hash")


def _columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    return [[r[n] for r in rows] for n in names]


class PipelinedIO:
    """The phases on psycopg's own connection, each sent as one pipeline (PostgreSQL)."""

    def __init__(self, ledger: Ledger) -> None:
        self.raw = ledger.engine.raw_connection()
        self.pg: Any = self.raw.driver_connection  # psycopg.Connection

    def read(self, account_ids: list[int], keyed: bool) -> Reads:
        pg = self.pg
        with pg.pipeline():  # BEGIN and the three reads: one round trip
            head = pg.execute(_PG_HEAD)
            keys = pg.execute(_PG_KEYS, (account_ids,), prepare=False) if keyed else None
            rows = pg.execute(_PG_ROWS, (account_ids,), prepare=False)
        seq, hash_ = head.fetchone()
        known: KnownKeys = {}
        if keys is not None:
            for account, key, fingerprint, first, last in keys.fetchall():
                known[(account, key)] = (fingerprint, first, last)
        found: list[EventLike] = [
            _Row(s, a, t, p, at.astimezone(UTC)) for s, a, t, p, at in rows.fetchall()
        ]
        return Reads(Head(int(seq), str(hash_)), known, found)

    def replayed(self, ranges: Sequence[tuple[int, int]]) -> list[Event]:
        pg = self.pg
        with pg.pipeline():
            curs = [pg.execute(_PG_RANGE, r) for r in ranges]
        return [
            Event(s, a, t, p, at.astimezone(UTC), rec.astimezone(UTC), c, h)
            for cur in curs
            for s, a, t, p, at, rec, c, h in cur.fetchall()
        ]

    def write(self, writes: Writes) -> None:
        pg = self.pg
        with pg.pipeline():  # the writes and COMMIT: one round trip, then the WAL flush
            if writes.events:
                rows = [e.__dict__ for e in writes.events]
                pg.execute(_PG_EVENTS, _columns(rows, _EVENT_COLUMNS))
                pg.execute(_PG_HEAD_SET, (writes.events[-1].seq, writes.events[-1].hash))
            if writes.keys:
                names = ("account_id", "key", "fingerprint", "first_seq", "last_seq", "created_at")
                pg.execute(_PG_KEYS_ADD, _columns(writes.keys, names))
            if writes.reasons:
                pg.execute(_PG_REASONS_ADD, _columns(writes.reasons, ("seq", "reason")))
            pg.commit()

    def close(self, *, failed: bool = False) -> None:
        if failed:
            self.raw.invalidate()
        self.raw.close()
