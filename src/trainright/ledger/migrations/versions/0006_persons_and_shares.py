"""Lineage per person and per reshare (SPEC §5, §8): linked accounts and carried authors.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """A dataset's persons links as its snapshot stated them, and per shard the authors
    whose posts its reshares and quotes carry."""
    op.create_table(
        "dataset_persons",
        sa.Column("dataset_id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "dataset_carried",
        sa.Column("dataset_id", sa.String(64), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("bitmap", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    """Drop both tables (impact then reaches account holders' own posts only)."""
    op.drop_table("dataset_carried")
    op.drop_table("dataset_persons")
