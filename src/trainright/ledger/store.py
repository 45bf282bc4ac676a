"""The ledger store: append events durably, read them back, through SQLAlchemy.

SQLite (the embedded default) runs in WAL mode with `synchronous=FULL`, so a
committed event survives a crash or power loss; writers take the write lock up
front (`BEGIN IMMEDIATE`). On PostgreSQL the head row is locked `FOR UPDATE`.
Either way one writer at a time assigns seq, which keeps it gap-free and the hash
chain linear.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from trainright.errors import ConfigError, LedgerError
from trainright.ledger import migrate, schema
from trainright.ledger.events import (
    DEFAULT_PURPOSE,
    Event,
    NewEvent,
    chain,
    utc,
)
from trainright.ledger.standing import Standing, standing_of
from trainright.settings import LedgerURL, redact_url, resolve_ledger_url

#: The writer's statements, built once: building them per batch costs more than running them.
HEAD_FOR_UPDATE = (
    select(schema.head.c.seq, schema.head.c.hash).where(schema.head.c.id == 1).with_for_update()
)
UPDATE_HEAD = (
    update(schema.head)
    .where(schema.head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
INSERT_EVENTS = insert(schema.events)
_E = schema.events.c
STANDING_ROWS = select(_E.seq, _E.account_id, _E.type, _E.purpose, _E.at, _E.content_usage).where(
    _E.account_id.in_(bindparam("ids", expanding=True))
)

#: The columns of `export_until` after `ord`, and their Arrow types.
EXPORT_COLUMNS: dict[str, pa.DataType] = {
    "seq": pa.int64(),
    "account_id": pa.int64(),
    "type": pa.string(),
    "purpose": pa.string(),
    "at": pa.timestamp("us"),
    "content_usage": pa.string(),
    "person_ref": pa.string(),
    "identifiers": pa.string(),
}


@dataclass(frozen=True)
class Head:
    """The ledger position: the last committed seq and its hash."""

    seq: int
    hash: str


#: How long a connection waits for another's lock, in the busy handler and below.
_BUSY_SECONDS = 30.0


def _sqlite_wal(cur: sqlite3.Cursor) -> None:
    """Switch to WAL, waiting for a connection that is switching the same new file.

    SQLite answers `database is locked` to the switch at once, without its busy
    handler, while another connection converts or cleans up the file; two processes
    opening a new ledger together met it about one time in twenty.
    """
    deadline = time.monotonic() + _BUSY_SECONDS
    pause = 0.001
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
    _sqlite_wal(cur)
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def driver_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here, the driver trainright ships with."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    return url


def make_engine(url: str) -> Engine:
    """An engine for a ledger URL, configured for durable commits."""
    try:
        engine = create_engine(driver_url(url), pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(
            f"not a usable ledger URL: {exc}",
            field="--ledger",
            value=redact_url(url),
            hint="use e.g. sqlite:///trainright.db or postgresql+psycopg://user@host/db",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


class Ledger:
    """The system of record: rights events, and the catalog of datasets and models."""

    def __init__(self, url: LedgerURL | str | None = None) -> None:
        self.url = url if isinstance(url, LedgerURL) else resolve_ledger_url(url)
        self.engine = make_engine(self.url.url)
        self._ready = False

    def __repr__(self) -> str:
        return f"Ledger({self.url})"

    # -- connections -----------------------------------------------------------------
    @contextmanager
    def _tx(self, *, write: bool) -> Iterator[Connection]:
        self._ensure_schema()
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(write=write)
                with conn.begin():
                    yield conn
        except OperationalError as exc:
            raise LedgerError(
                f"the ledger database failed: {exc.orig}", file=str(self.url)
            ) from None

    def write(self) -> Any:
        """A write transaction holding the ledger's write lock."""
        return self._tx(write=True)

    def read(self) -> Any:
        """A read transaction: a consistent view of the ledger."""
        return self._tx(write=False)

    def _ensure_schema(self) -> None:
        if self._ready:
            return
        try:
            migrate.upgrade(self.engine)
        except SQLAlchemyError as exc:
            raise LedgerError(
                f"cannot open the ledger: {getattr(exc, 'orig', exc)}",
                file=str(self.url),
                hint=f"the URL came from {self.url.source}",
            ) from None
        self._ready = True

    # -- writing ---------------------------------------------------------------------
    def append(self, new: Sequence[NewEvent], conn: Connection | None = None) -> list[Event]:
        """Commit events in order, all or none; returns them with seq and hash.

        When this returns, the events are durable. Pass `conn` to join a larger
        write transaction (for instance an import that also records the file).
        """
        if conn is None:
            with self.write() as own:
                return self._append(own, new)
        return self._append(conn, new)

    def _append(self, conn: Connection, new: Sequence[NewEvent]) -> list[Event]:
        row = conn.execute(HEAD_FOR_UPDATE).one()
        out = chain(int(row.seq), str(row.hash), new, datetime.now(UTC))
        if out:
            rows = [e.__dict__.copy() for e in out]
            for at in range(0, len(rows), 5000):
                conn.execute(INSERT_EVENTS, rows[at : at + 5000])
            conn.execute(UPDATE_HEAD, {"new_seq": out[-1].seq, "new_hash": out[-1].hash})
        return out

    # -- reading ---------------------------------------------------------------------
    def head(self, conn: Connection | None = None) -> Head:
        """The current ledger position."""
        if conn is None:
            with self.read() as own:
                return self.head(own)
        row = conn.execute(select(schema.head.c.seq, schema.head.c.hash)).one()
        return Head(int(row.seq), str(row.hash))

    def events(
        self,
        conn: Connection | None = None,
        *,
        account_id: int | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[Event]:
        """Committed events in seq order: all, one account's, or a page after `after_seq`."""
        if conn is None:
            with self.read() as own:
                return self.events(own, account_id=account_id, after_seq=after_seq, limit=limit)
        t = schema.events.c
        q = select(schema.events).where(t.seq > after_seq).order_by(t.seq).limit(limit)
        if account_id is not None:
            q = q.where(t.account_id == account_id)
        return [Event(**r._mapping) for r in conn.execute(q)]

    def standings(
        self,
        account_ids: Iterable[int],
        conn: Connection | None = None,
        purpose: str = DEFAULT_PURPOSE,
        now: datetime | None = None,
        linked: Mapping[int, Sequence[int]] | None = None,
    ) -> dict[int, Standing]:
        """Each account's standing at `now` (default: this instant), from its events.

        `linked` gives an account's person's accounts (itself included): their events
        count for it too. See `trainright.ledger.standing`.
        """
        ids = sorted(set(account_ids))
        if conn is None:
            with self.read() as own:
                return self.standings(ids, own, purpose, now, linked)
        group = {a: tuple((linked or {}).get(a) or (a,)) for a in ids}
        by_account: dict[int, list[Any]] = {a: [] for g in group.values() for a in g}
        for r in conn.execute(STANDING_ROWS, {"ids": sorted(by_account)}):
            by_account[r.account_id].append(r)
        now = utc(now) if now is not None else datetime.now(UTC)
        return {
            a: standing_of(a, [r for b in g for r in by_account[b]], purpose, now)
            for a, g in group.items()
        }

    def export_until(self, cutoff: datetime) -> tuple[Head, pa.Table]:
        """Events with `at <= cutoff` as Arrow, with `ord` = rank in (at, seq) order.

        Read in one transaction with the head, so the position recorded in a
        manifest is exactly the set of events the build saw.
        """
        cutoff = utc(cutoff)
        t = schema.events.c
        with self.read() as conn:
            h = self.head(conn)
            q = (
                select(*(t[c] for c in EXPORT_COLUMNS))
                .where(t.at <= cutoff, t.seq <= h.seq)
                .order_by(t.at, t.seq)
            )
            cols: dict[str, list[Any]] = {k: [] for k in EXPORT_COLUMNS}
            for r in conn.execute(q):
                for k in EXPORT_COLUMNS:
                    cols[k].append(r.at.replace(tzinfo=None) if k == "at" else r._mapping[k])
        table = pa.table(
            {
                "ord": pa.array(range(1, len(cols["seq"]) + 1), pa.int64()),
                **{k: pa.array(cols[k], EXPORT_COLUMNS[k]) for k in EXPORT_COLUMNS},
            }
        )
        return h, table
