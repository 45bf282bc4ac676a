"""People to sign in, and the service configuration the web tests share."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from trainright.ledger import Ledger, NewEvent
from trainright.rules.standing import AccountFacts
from trainright.settings import LedgerURL
from trainright.web import Limits, WebConfig
from trainright.web.auth import Signer
from trainright.web.config import policy_from

SECRET = SecretStr("web-test-secret-0123456789abcdef")
API_KEY = SecretStr("operator-key-for-tests")
SIGNER = Signer(SECRET)
#: An account's last digit picks its facts, which decide its standing under the default
#: policy: 1 US (legitimate interest, 30 days' notice), 2 NO and 3 NL (consent), 4 GB
#: (legitimate interest), 5 a 14-year-old in the US, 6 a deleted GB account, 7 a
#: business, 8 a US account without a birth date; 0 and 9 are US adults too.
US, NO, NL, GB, MINOR, DELETED, BUSINESS, AGE_UNKNOWN = 1, 2, 3, 4, 5, 6, 7, 8
ADULT = date(1990, 5, 17)
FACTS = {
    US: AccountFacts("personal", "US", "active", ADULT),
    NO: AccountFacts("personal", "NO", "active", ADULT),
    NL: AccountFacts("personal", "NL", "active", ADULT),
    GB: AccountFacts("personal", "GB", "active", ADULT),
    MINOR: AccountFacts(
        "personal", "US", "active", date.today().replace(year=date.today().year - 14, day=1)
    ),
    DELETED: AccountFacts("personal", "GB", "deleted", ADULT),
    BUSINESS: AccountFacts("business", "NL", "active", ADULT),
    AGE_UNKNOWN: AccountFacts("personal", "US", "active", None),
}
_ids = itertools.count(100)


def accounts() -> dict[int, AccountFacts]:
    return {i: FACTS.get(i % 10, FACTS[US]) for i in range(1, 20000)}


def noticed(client: Any, account_id: int) -> None:
    """Record a notice sent long enough ago that the notice rule no longer holds them out."""
    at = datetime.now(UTC) - timedelta(days=40)
    ledger_of(client).append([NewEvent(account_id, "notice_sent", at=at, channel="import")])


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
