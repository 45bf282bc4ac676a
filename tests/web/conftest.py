"""A running rights service for the web tests, and people to sign in."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from trainright.ledger.scratch import scratch_database, scratch_schema
from trainright.settings import LedgerURL
from trainright.web import Account, Limits, WebConfig, create_app
from trainright.web.auth import Signer
from trainright.web.config import policy_from

SECRET = SecretStr("web-test-secret-0123456789abcdef")
API_KEY = SecretStr("operator-key-for-tests")
SIGNER = Signer(SECRET)
#: Accounts by id range: the country decides the legal basis under the default policy.
US, NO, NL = (
    1,
    2,
    3,
)  # id % 10 picks the country: 1 US (legitimate interest), 2 NO and 3 NL (consent)
COUNTRY = {1: "US", 2: "NO", 3: "NL"}
BUSINESS = 7  # id % 10 == 7: a business account (in NL)
UNKNOWN = 10**9  # not in the snapshot
_ids = itertools.count(100)


def accounts() -> dict[int, Account]:
    out: dict[int, Account] = {}
    for i in range(1, 20000):
        if i % 10 == BUSINESS:
            out[i] = Account("business", "NL")
        else:
            out[i] = Account("personal", COUNTRY.get(i % 10, "US"))
    return out


def person(country: int = US) -> int:
    """A fresh account id in the given country, never used by another test."""
    while True:
        n = next(_ids)
        if n % 10 == country:
            return n


def business() -> int:
    return person(BUSINESS)


def config(url: str, **kw: Any) -> WebConfig:
    base: dict[str, Any] = {
        "ledger_url": LedgerURL(url, "test"),
        "secret": SECRET,
        "policy": policy_from(None),
        "api_key": API_KEY,
        "accounts": accounts(),
        "limits": Limits(account_per_minute=1000, client_per_minute=100_000),
    }
    base.update(kw)
    return WebConfig(**base)


def cookie(account_id: int) -> dict[str, str]:
    """Headers of a browser signed in as this account."""
    return {"Cookie": f"tr_session={SIGNER.session_token(account_id)}"}


def bearer(account_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {SIGNER.session_token(account_id)}"}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


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
