"""Audits of model outputs (SPEC §8 `audit-outputs`): each audit and the posts it found.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """One row per audit (tied to a registered model, or none) and one per hit."""
    op.create_table(
        "output_audits",
        sa.Column("audit_id", sa.String(32), primary_key=True),
        sa.Column("dataset_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("version", sa.String(100), nullable=True),
        sa.Column("outputs_sha256", sa.String(64), nullable=False),
        sa.Column("outputs", sa.BigInteger, nullable=False),
        sa.Column("with_hits", sa.BigInteger, nullable=False),
        sa.Column("ledger_seq", sa.BigInteger, nullable=False),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "output_audit_hits",
        sa.Column("audit_id", sa.String(32), primary_key=True),
        sa.Column("output_ref", sa.String(200), primary_key=True),
        sa.Column("post_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("shard", sa.Integer, nullable=False),
        sa.Column("cleared", sa.Boolean, nullable=False),
    )
    op.create_index("ix_output_audit_hits_account", "output_audit_hits", ["account_id"])


def downgrade() -> None:
    """Drop both tables (the audits' findings with them)."""
    op.drop_index("ix_output_audit_hits_account", "output_audit_hits")
    op.drop_table("output_audit_hits")
    op.drop_table("output_audits")
