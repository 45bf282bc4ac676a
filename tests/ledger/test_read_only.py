"""SPEC §9: read-only commands never create a ledger; a URL with none is exit 2, naming it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from trainright.errors import ConfigError
from trainright.ledger import Ledger
from trainright.ledger.existing import open_existing
from trainright.ledger.scratch import scratch_schema

READ_ONLY = {
    "lookup": ["lookup", "1"],
    "impact": ["impact"],
    "impact done": ["impact", "done", "t-1"],
    "ledger verify": ["ledger", "verify"],
    "ledger export": ["ledger", "export", "events.parquet", "--as-of", "2026-06-26T00:00:00Z"],
    "report": ["report", "--out", "report.html"],
}


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    return subprocess.run(
        [sys.executable, "-m", "trainright", *args],
        cwd=cwd,
        env={**clean, "COLUMNS": "1000", **(env or {})},  # no wrapping of long paths
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", READ_ONLY)
def test_default_url_without_a_ledger_exits_2_and_creates_nothing(
    command: str, tmp_path: Path
) -> None:
    done = run(READ_ONLY[command], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "no trainright ledger at sqlite:///trainright.db" in done.stderr
    assert "the file trainright.db does not exist" in done.stderr
    assert "the default" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_environment_url_is_named_with_its_source(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nowhere' / 'ledger.db'}"
    done = run(["ledger", "verify"], tmp_path, {"TRAINRIGHT_LEDGER": url})
    assert done.returncode == 2
    assert f"no trainright ledger at {url}" in done.stderr
    assert "$TRAINRIGHT_LEDGER" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_file_that_is_not_a_ledger_is_left_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    conn.close()
    before = other.read_bytes()
    done = run(["lookup", "7", "--ledger", f"sqlite:///{other}"], tmp_path)
    assert done.returncode == 2
    assert "it has no table events, ledger_head, so it is not a trainright ledger" in done.stderr
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "the database is empty"), (b"not a database at all" * 100, "is not a SQLite database")],
)
def test_empty_or_foreign_files_are_refused(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=expected):
        open_existing(f"sqlite:///{path}")
    assert path.read_bytes() == content


def test_in_memory_sqlite_holds_no_ledger() -> None:
    with pytest.raises(ConfigError, match="an in-memory database holds no ledger"):
        open_existing("sqlite://")


def test_an_existing_ledger_opens_on_either_store(ledger_url: str) -> None:
    Ledger(ledger_url).head()  # created by a command that records rights
    assert open_existing(ledger_url).head().seq == 0


def test_an_empty_postgresql_database_is_not_a_ledger(postgres_db: str) -> None:
    url = scratch_schema(postgres_db, "read_only_empty")
    with pytest.raises(ConfigError, match="the database is empty, so it is not a trainright"):
        open_existing(url)
    assert tables(url) == set()


def test_a_missing_postgresql_database_exits_2(tmp_path: Path, postgres_db: str) -> None:
    url = make_url(postgres_db).set(database="trainright_no_such_db").render_as_string(False)
    done = run(["ledger", "verify", "--ledger", url], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "no trainright ledger at postgresql" in done.stderr
    assert 'database "trainright_no_such_db" does not exist' in done.stderr


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
