"""Single-use sign-in links: a link's id is recorded the first time it is opened.

The ids live in the ledger database (`sign_in_links`), not in the server's
memory, so a link stays used across a restart and across several servers
sharing one ledger. Each id is kept until the link would have expired anyway,
then purged; the table holds at most the links of the last link lifetime.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from trainright.ledger import Ledger, schema
from trainright.web.auth import Login

_L = schema.sign_in_links.c


def claim(ledger: Ledger, login: Login, now: datetime | None = None) -> bool:
    """True the first time a link is opened; False ever after (until it expires).

    Two requests opening the same link at once cannot both win: SQLite takes
    the write lock up front, and on PostgreSQL the primary key refuses the
    second insert.
    """
    now = now or datetime.now(UTC)
    try:
        with ledger.write() as conn:
            conn.execute(delete(schema.sign_in_links).where(_L.expires_at < now))
            seen = conn.execute(select(_L.link_id).where(_L.link_id == login.link_id)).first()
            if seen is not None:
                return False
            conn.execute(
                insert(schema.sign_in_links),
                {"link_id": login.link_id, "expires_at": login.expires_at},
            )
    except IntegrityError:
        return False
    return True
