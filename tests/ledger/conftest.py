"""Every ledger test runs on SQLite and on PostgreSQL (a scratch database per run)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from trainright.ledger import Ledger
from trainright.ledger.scratch import scratch_database, scratch_schema

_schemas = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[str]:
    with scratch_database("trainright_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty ledger: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return scratch_schema(request.getfixturevalue("postgres_db"), f"t{next(_schemas)}")


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    led = Ledger(ledger_url)
    yield led
    led.engine.dispose()
