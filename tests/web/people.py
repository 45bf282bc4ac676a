"""People to sign in, and the service configuration the web tests share."""

from __future__ import annotations

import itertools
import re
from typing import Any

from pydantic import SecretStr

from trainright.ledger import Ledger
from trainright.settings import LedgerURL
from trainright.web import Account, Limits, WebConfig
from trainright.web.auth import Signer
from trainright.web.config import policy_from

SECRET = SecretStr("web-test-secret-0123456789abcdef")
API_KEY = SecretStr("operator-key-for-tests")
SIGNER = Signer(SECRET)
#: An account's last digit picks its country, which decides the legal basis under the
#: default policy: 1 US (legitimate interest), 2 NO and 3 NL (consent); 7 is a business.
US, NO, NL = 1, 2, 3
COUNTRY = {US: "US", NO: "NO", NL: "NL"}
BUSINESS = 7
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


def form_key_of(html: str) -> str:
    found = re.search(r'name="key" value="([^"]+)"', html)
    assert found, "the page has no form key"
    return found.group(1)


def ledger_of(client: Any) -> Ledger:
    """The ledger a TestClient's app writes to."""
    ledger: Ledger = client.app.state.service.ledger
    return ledger
