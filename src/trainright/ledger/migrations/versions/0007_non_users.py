"""People without an account (SPEC §3): `non_user_objection` events carry no account_id.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """`events.account_id` may be NULL; add `person_ref` and `identifiers` (NULL for every
    earlier event, so their hashes stand)."""
    with op.batch_alter_table("events") as batch:
        batch.alter_column("account_id", existing_type=sa.BigInteger(), nullable=True)
        batch.add_column(sa.Column("person_ref", sa.String(64), nullable=True))
        batch.add_column(sa.Column("identifiers", sa.Text(), nullable=True))
    op.create_index("ix_events_person_ref", "events", ["person_ref", "seq"])


def downgrade() -> None:
    """Drop the columns; refused by the database while non-user events exist."""
    op.drop_index("ix_events_person_ref", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("identifiers")
        batch.drop_column("person_ref")
        batch.alter_column("account_id", existing_type=sa.BigInteger(), nullable=False)
