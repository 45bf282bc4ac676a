"""AI-usage preferences set through the rights service (`preference_set`).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add `events.content_usage`; NULL for every event before it, so their hashes stand."""
    op.add_column("events", sa.Column("content_usage", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the column (a ledger holding `preference_set` events then no longer verifies)."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("content_usage")
