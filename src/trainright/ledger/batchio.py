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
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import (
    Connection,
    RootTransaction,
    Select,
    Table,
    and_,
    bindparam,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from trainright.ledger import schema
from trainright.ledger.events import Event, utc
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
    """The writer's connection: pipelined on PostgreSQL through psycopg 3 (the driver
    trainright ships with), SQLAlchemy statement by statement elsewhere."""
    ledger.head()  # migrated, reachable
    dialect = ledger.engine.dialect
    if (dialect.name, dialect.driver) == ("postgresql", "psycopg"):
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
_EVENT_COLUMNS = tuple(c.name for c in schema.events.c)
_PG_HEAD = "SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE"
_PG_KEYS = (
    "SELECT account_id, key, fingerprint, first_seq, last_seq FROM idempotency_keys"
    " WHERE account_id = ANY(%s)"
)
_PG_ROWS = (
    "SELECT seq, account_id, type, purpose, at, content_usage FROM events"
    " WHERE account_id = ANY(%s)"
)
_PG_RANGE = f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events WHERE seq BETWEEN %s AND %s"
_PG_HEAD_SET = "UPDATE ledger_head SET seq = %s, hash = %s WHERE id = 1"


def _unnest_insert(table: Table) -> str:
    """INSERT of one array per column, in the table's column order and types."""
    pg = postgresql.dialect()  # type: ignore[no-untyped-call]
    columns = ", ".join(c.name for c in table.c)
    arrays = ", ".join(f"%s::{c.type.compile(dialect=pg)}[]" for c in table.c)
    return f"INSERT INTO {table.name} ({columns}) SELECT * FROM unnest({arrays})"


_PG_INSERTS = {
    t.name: _unnest_insert(t) for t in (schema.events, schema.idempotency_keys, schema.reasons)
}


@dataclass(frozen=True)
class _Row:
    seq: int
    account_id: int
    type: str
    purpose: str
    at: datetime
    content_usage: str | None


def _execute_unnest(pg: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        pg.execute(_PG_INSERTS[table.name], [[r[c.name] for r in rows] for c in table.c])


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
            _Row(s, a, t, p, utc(at), u) for s, a, t, p, at, u in rows.fetchall()
        ]
        return Reads(Head(int(seq), str(hash_)), known, found)

    def replayed(self, ranges: Sequence[tuple[int, int]]) -> list[Event]:
        pg = self.pg
        with pg.pipeline():
            curs = [pg.execute(_PG_RANGE, r) for r in ranges]
        found = [dict(zip(_EVENT_COLUMNS, row, strict=True)) for c in curs for row in c.fetchall()]
        return [
            Event(**(e | {"at": utc(e["at"]), "received_at": utc(e["received_at"])})) for e in found
        ]

    def write(self, writes: Writes) -> None:
        pg = self.pg
        with pg.pipeline():  # the writes and COMMIT: one round trip, then the WAL flush
            _execute_unnest(pg, schema.events, [e.__dict__ for e in writes.events])
            if writes.events:
                pg.execute(_PG_HEAD_SET, (writes.events[-1].seq, writes.events[-1].hash))
            _execute_unnest(pg, schema.idempotency_keys, writes.keys)
            _execute_unnest(pg, schema.reasons, writes.reasons)
            pg.commit()

    def close(self, *, failed: bool = False) -> None:
        if failed:
            self.raw.invalidate()
        self.raw.close()
