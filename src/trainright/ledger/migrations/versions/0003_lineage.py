"""Lineage (SPEC §8): dense subject index, shard sets, models, unlearning tasks done.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from trainright.ledger.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the lineage tables; datasets learn the purpose they were built for."""
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(64), nullable=False, server_default="ai-training")
        )
    op.create_table(
        "subjects",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.Integer, nullable=False, unique=True),
    )
    op.create_table(
        "dataset_shards",
        sa.Column("dataset_id", sa.String(64), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
        sa.Column("subjects", sa.BigInteger, nullable=False),
        sa.Column("bitmap", sa.LargeBinary, nullable=False),
        sa.Column("consent_bitmap", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "models",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(100), primary_key=True),
        sa.Column("run_url", sa.Text, nullable=True),
        sa.Column("registered_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "model_datasets",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(100), primary_key=True),
        sa.Column("dataset_id", sa.String(64), primary_key=True),
    )
    op.create_table(
        "unlearning_done",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("covered_seq", sa.BigInteger, nullable=False),
        sa.Column("accounts", sa.BigInteger, nullable=False),
        sa.Column("done_at", UTCDateTime, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )


def downgrade() -> None:
    """Drop the lineage tables."""
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("purpose")
    for name in ("unlearning_done", "model_datasets", "models", "dataset_shards", "subjects"):
        op.drop_table(name)
