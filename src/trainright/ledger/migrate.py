"""Bring a ledger database to the current schema with Alembic, on open.

There is no alembic.ini: the configuration is built here and the migrations run
on a connection this module opens, inside one transaction holding the write lock
(`BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), so two processes
opening a new ledger at once never migrate it twice.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).parent / "migrations"
#: The revision of the schema that `metadata.create_all` built before migrations existed.
BASELINE = "0001"
_PG_LOCK_ID = 0x7472_6169_6E72  # "trainr": any constant shared by every trainright process


def _config(conn: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest revision this version of trainright knows."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision a database is at (None: never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate to the newest revision; a database already there costs one read."""
    target = head_revision()
    with engine.connect() as conn, conn.begin():
        if current_revision(conn) == target:
            return
    with engine.connect() as conn:
        conn = conn.execution_options(write=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_ID})
            cfg = _config(conn)
            tables = inspect(conn)
            if tables.has_table("events") and not tables.has_table("alembic_version"):
                command.stamp(cfg, BASELINE)
            command.upgrade(cfg, "head")
