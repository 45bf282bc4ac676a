"""Single-use sign-in links: the ids of the links already opened.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from trainright.ledger.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `sign_in_links`, indexed by expiry so expired ids are purged cheaply."""
    op.create_table(
        "sign_in_links",
        sa.Column("link_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_sign_in_links_expires_at", "sign_in_links", ["expires_at"])


def downgrade() -> None:
    """Drop the table; links become reusable within their lifetime again."""
    op.drop_index("ix_sign_in_links_expires_at", "sign_in_links")
    op.drop_table("sign_in_links")
