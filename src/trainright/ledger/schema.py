"""The ledger database: events (append-only, hash-chained), the head, and the catalog.

Timestamps are stored as UTC: timezone-aware on PostgreSQL, naive-UTC text on SQLite
(where SQLAlchemy's fixed-width format keeps string order equal to time order).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
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
    # NULL only for a person without an account (`non_user_objection`, SPEC §3)
    Column("account_id", BigInteger, nullable=True),
    Column("type", String(32), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("hash", String(64), nullable=False),
    # `preference_set` only: the AI-usage preference set (SPEC §3), covered by the hash
    Column("content_usage", Text, nullable=True),
    # non-user events only: the person's reference and hashed identifiers (JSON)
    Column("person_ref", String(64), nullable=True),
    Column("identifiers", Text, nullable=True),
    Index("ix_events_account", "account_id", "seq"),
    Index("ix_events_at", "at"),
    Index("ix_events_person_ref", "person_ref", "seq"),
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
    Column("purpose", String(64), nullable=False, server_default="ai-training"),
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

#: Sign-in links already opened (by their random id), kept until the link would have
#: expired anyway: a link signs a person in once (`trainright.web.links`).
sign_in_links = Table(
    "sign_in_links",
    metadata,
    Column("link_id", String(64), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)


# --- SPEC §8 lineage -------------------------------------------------------------------
# Account ids are 64-bit and sparse; a roaring set of them costs ~22 bytes an id. Each
# account therefore gets a dense 32-bit index the first time a dataset holding it is
# registered, and shard sets are 32-bit roaring bitmaps of those indexes (~2 bytes an
# id), which also makes a look-up a single array read.

#: account id -> dense index, assigned in order of first appearance in a dataset.
subjects = Table(
    "subjects",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("idx", Integer, nullable=False, unique=True),
)

#: Per dataset and shard: rows, and the roaring bitmap (dense indexes) of its subjects.
dataset_shards = Table(
    "dataset_shards",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("rows", BigInteger, nullable=False),
    Column("subjects", BigInteger, nullable=False),
    Column("bitmap", LargeBinary, nullable=False),
    # the subset of those subjects included under consent (the rest: legitimate interest)
    Column("consent_bitmap", LargeBinary, nullable=False),
)

#: The persons links (SPEC §2 `persons`) of a dataset's snapshot: a right exercised on
#: one account reaches the linked accounts' data in that dataset.
dataset_persons = Table(
    "dataset_persons",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("person_id", BigInteger, nullable=False),
)

#: Per dataset and shard: the roaring bitmap (dense indexes) of the authors whose posts
#: the shard's reshares and quotes carry, down each chain (not the sharers themselves).
dataset_carried = Table(
    "dataset_carried",
    metadata,
    Column("dataset_id", String(64), primary_key=True),
    Column("shard", Integer, primary_key=True, autoincrement=False),
    Column("bitmap", LargeBinary, nullable=False),
)

#: Models, registered against the datasets they were trained on.
models = Table(
    "models",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", String(100), primary_key=True),
    Column("run_url", Text, nullable=True),
    Column("registered_at", UTCDateTime, nullable=False),
)

model_datasets = Table(
    "model_datasets",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("version", String(100), primary_key=True),
    Column("dataset_id", String(64), primary_key=True),
)

#: Unlearning tasks marked done (append-only): the shard of a dataset was retrained
#: for a model, covering every rights event up to `covered_seq`.
unlearning_done = Table(
    "unlearning_done",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("version", String(100), nullable=False),
    Column("dataset_id", String(64), nullable=False),
    Column("shard", Integer, nullable=False),
    Column("covered_seq", BigInteger, nullable=False),
    Column("accounts", BigInteger, nullable=False),
    Column("done_at", UTCDateTime, nullable=False),
    Column("note", Text, nullable=True),
)

#: Audits of a model's outputs against a dataset (`audit-outputs`, SPEC §8); `name` and
#: `version` are NULL when the audit named no registered model.
output_audits = Table(
    "output_audits",
    metadata,
    Column("audit_id", String(32), primary_key=True),
    Column("dataset_id", String(64), nullable=False),
    Column("name", String(200), nullable=True),
    Column("version", String(100), nullable=True),
    Column("outputs_sha256", String(64), nullable=False),
    Column("outputs", BigInteger, nullable=False),
    Column("with_hits", BigInteger, nullable=False),
    Column("ledger_seq", BigInteger, nullable=False),
    Column("audited_at", UTCDateTime, nullable=False),
)

#: Each dataset post an audit found in an output: whose words (the post's author) and
#: whether the ledger still cleared that author when the audit ran.
output_audit_hits = Table(
    "output_audit_hits",
    metadata,
    Column("audit_id", String(32), primary_key=True),
    Column("output_ref", String(200), primary_key=True),
    Column("post_id", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(16), primary_key=True),
    Column("account_id", BigInteger, nullable=False),
    Column("shard", Integer, nullable=False),
    Column("cleared", Boolean, nullable=False),
    Index("ix_output_audit_hits_account", "account_id"),
)
