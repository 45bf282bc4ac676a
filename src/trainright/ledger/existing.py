"""Open a ledger that must already exist: what the read-only commands use.

`Ledger(url)` creates (and migrates) a ledger on first use, which is right for
the commands that record rights. A read-only command (`lookup`, `impact`,
`ledger verify`, `ledger export`, `report`) pointed at a URL with no ledger
would then answer "ok: 0 events" from an empty database it just made, and an
auditor would be misled. So these commands look first, without writing: a
SQLite file must exist and hold trainright's tables (checked through a
read-only connection, so not even a journal is written), and on any other
database the tables must be there. Anything else is an `InputError` (exit 2)
naming the URL and where it came from.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from trainright.errors import ConfigError, LedgerError
from trainright.ledger import schema
from trainright.ledger.store import Ledger, make_engine
from trainright.settings import LedgerURL, resolve_ledger_url

#: The tables every trainright ledger has had since its first version.
LEDGER_TABLES = (schema.events.name, schema.head.name)
CREATE_HINT = (
    "a ledger is created by `trainright rights import`, `trainright build` or "
    "`trainright serve`; pass the URL of an existing one with --ledger or $TRAINRIGHT_LEDGER"
)


def open_existing(url: LedgerURL | str | None = None) -> Ledger:
    """The ledger at `url`, which must exist; creates nothing, anywhere."""
    where = url if isinstance(url, LedgerURL) else resolve_ledger_url(url)
    try:
        parsed = make_url(where.url)
    except ArgumentError:
        parsed = None
    if parsed is not None and parsed.get_backend_name() == "sqlite":
        _check_sqlite(where, parsed.database)
    else:
        _check_server(where)
    return Ledger(where)


def _no_ledger(where: LedgerURL, why: str) -> ConfigError:
    return ConfigError(
        f"no trainright ledger at {where}: {why}",
        field="--ledger",
        hint=f"the URL came from {_source(where)}; {CREATE_HINT}",
    )


def _source(where: LedgerURL) -> str:
    if where.source == "default":
        return "the default (no --ledger and no $TRAINRIGHT_LEDGER)"
    return "--ledger" if where.source == "--ledger" else f"${where.source}"


def _check_sqlite(where: LedgerURL, database: str | None) -> None:
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise _no_ledger(where, "an in-memory database holds no ledger")
    path = Path(database)
    if not path.is_file():
        raise _no_ledger(where, f"the file {path} does not exist")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {
                str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _no_ledger(where, f"{path} is not a SQLite database ({exc})") from None
    _check_tables(where, names)


def _check_server(where: LedgerURL) -> None:
    engine = make_engine(where.url)
    try:
        with engine.connect() as conn:
            names = set(inspect(conn).get_table_names())
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        if "does not exist" in reason:
            raise _no_ledger(where, reason) from None
        raise LedgerError(
            f"the ledger database cannot be reached: {reason}", file=str(where)
        ) from None
    except SQLAlchemyError as exc:
        raise LedgerError(f"cannot open the ledger: {exc}", file=str(where)) from None
    finally:
        engine.dispose()
    _check_tables(where, names)


def _check_tables(where: LedgerURL, names: set[str]) -> None:
    missing = [t for t in LEDGER_TABLES if t not in names]
    if missing:
        what = "the database is empty" if not names else "it has no table " + ", ".join(missing)
        raise _no_ledger(where, f"{what}, so it is not a trainright ledger")
