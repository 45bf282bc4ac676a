"""The ledger database: events (append-only, hash-chained), the head, and the catalog.

Timestamps are stored as UTC: timezone-aware on PostgreSQL, naive-UTC text on SQLite
(where SQLAlchemy's fixed-width format keeps string order equal to time order).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, whatever the database stores."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("type", String(32), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_events_account", "account_id", "seq"),
    Index("ix_events_at", "at"),
)

#: One row (id = 1): the last committed seq and hash. Writers lock it, which makes
#: seq gap-free and the chain linear on every database.
head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

#: Files imported with `rights import`, so the same file is never imported twice.
imports = Table(
    "imports",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("events", BigInteger, nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
)

#: The catalog: every dataset `build` wrote (SPEC §9: the ledger is the system of record).
datasets = Table(
    "datasets",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("cutoff", UTCDateTime, nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Column("ledger_hash", String(64), nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("shards", Integer, nullable=False),
    Column("included", BigInteger, nullable=False),
    Column("excluded", BigInteger, nullable=False),
    Column("registered_at", UTCDateTime, nullable=False),
)

#: A client's Idempotency-Key, scoped to the account, and the events its first request
#: committed; a retry with the same key gets those events back instead of new ones.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("key", String(128), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: The optional free-text reason given with an objection (Art. 21(1)). Outside the
#: hash chain on purpose: it is personal data and may have to be erased.
reasons = Table(
    "reasons",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("reason", Text, nullable=False),
)
