"""A running rights service for the web tests, on SQLite or PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from people import config

from trainright.ledger.scratch import scratch_database, scratch_schema
from trainright.web import create_app


@pytest.fixture(scope="session")
def postgres_db() -> Iterator[str]:
    with scratch_database("trainright_webtest") as url:
        yield url


_schemas = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return scratch_schema(request.getfixturevalue("postgres_db"), f"w{next(_schemas)}")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One service per test module on SQLite; tests use accounts of their own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'ledger.db'}"
    with TestClient(create_app(config(url)), base_url="http://127.0.0.1") as c:
        yield c
