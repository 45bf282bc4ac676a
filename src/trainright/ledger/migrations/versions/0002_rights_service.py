"""What the live rights service needs beside the chain: idempotency keys and reasons.

Neither is part of the hash chain. An idempotency key maps a client's retry to
the events its first request committed. A reason is the free text a person may
give with an objection (Art. 21: "grounds relating to his or her particular
situation"); it is personal data, kept beside the event so it can be erased
without breaking the chain.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from trainright.ledger.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the idempotency and reason tables."""
    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "reasons",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop the two tables."""
    op.drop_table("reasons")
    op.drop_table("idempotency_keys")
