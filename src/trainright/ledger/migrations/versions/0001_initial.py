"""The first ledger schema: events, head, imports and the dataset catalog.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from trainright.ledger.schema import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables of the first release."""
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_events_account", "events", ["account_id", "seq"])
    op.create_index("ix_events_at", "events", ["at"])
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "imports",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "datasets",
        sa.Column("dataset_id", sa.String(64), primary_key=True),
        sa.Column("path", sa.String(1024), primary_key=True),
        sa.Column("cutoff", UTCDateTime, nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.Column("ledger_hash", sa.String(64), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("shards", sa.Integer, nullable=False),
        sa.Column("included", sa.BigInteger, nullable=False),
        sa.Column("excluded", sa.BigInteger, nullable=False),
        sa.Column("registered_at", UTCDateTime, nullable=False),
    )
    op.execute("INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    """Drop everything; only for tests of the migration itself."""
    for table in ("datasets", "imports", "ledger_head", "events"):
        op.drop_table(table)
