"""A throwaway PostgreSQL database, so test and benchmark runs never collide.

Creates a uniquely named database on a server (by default the one at
127.0.0.1:5432, database `test`, as DEVELOPERS.md describes), yields its URL and
drops it afterwards, whatever happened in between.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

SERVER_ENV = "TRAINRIGHT_TEST_POSTGRES"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The maintenance URL: `TRAINRIGHT_TEST_POSTGRES`, else the local test server."""
    return os.environ.get(SERVER_ENV) or DEFAULT_SERVER


@contextmanager
def scratch_database(prefix: str = "trainright") -> Iterator[str]:
    """Create `<prefix>_<random>` on the server, yield its URL, drop it at the end."""
    base = make_url(server_url())
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def scratch_schema(database_url: str, name: str) -> str:
    """Create schema `name` in a scratch database; the URL that makes it the default."""
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    finally:
        admin.dispose()
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={name}"})
    return url.render_as_string(hide_password=False)
