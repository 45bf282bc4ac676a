"""The rights service's logic, shared by the pages and the JSON API.

Who may file (a signed-in personal account the snapshot knows), what a filing
commits (an objection in a consent region also withdraws consent, so that it
takes effect under the rules of SPEC §5), the rate limit per account, and the
Global Privacy Control signal (Art. 21(5)).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

from starlette.concurrency import run_in_threadpool

from trainright.errors import LedgerError
from trainright.ledger import Event, Filed, Filing, IdempotencyConflict, Ledger, NewEvent, Standing
from trainright.ledger.events import DEFAULT_PURPOSE, Channel, EventType
from trainright.policy import RegionRules
from trainright.web.auth import Signer
from trainright.web.config import Account, WebConfig
from trainright.web.ratelimit import RateLimiter

Action = Literal["objection", "objection_withdrawn", "consent_given", "consent_withdrawn"]
ACTIONS: tuple[Action, ...] = (
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
)


def N_(message: str) -> str:
    """Mark text for translation where it is defined; it is translated where shown."""
    return message


#: What happens after each kind of filing, shown on every receipt.
NEXT_STEPS: dict[str, str] = {
    "objection": N_(
        "Your posts and images are left out of every training dataset built from now on. "
        "Datasets built before that hold them are put on the unlearning list, so the "
        "affected part is retrained without them."
    ),
    "objection_withdrawn": N_(
        "Your public posts and images may again be used in training datasets built from now on."
    ),
    "consent_given": N_(
        "Your public posts and images may be used in training datasets built from now on. "
        "You can withdraw your consent at any time, as easily as you gave it."
    ),
    "consent_withdrawn": N_(
        "Your posts and images are left out of every training dataset built from now on. "
        "Datasets built before that hold them are put on the unlearning list."
    ),
}


class Refusal(Exception):
    """A request the service answers with a clear page or problem, never a traceback."""

    def __init__(
        self, status: int, code: str, message: str, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class Filer(Protocol):
    """Commits filings: the ledger writer process (`trainright.ledger.process`)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def file(self, filing: Filing) -> Filed: ...


@dataclass(frozen=True)
class Person:
    """A signed-in personal account and the rules of its region."""

    account_id: int
    account: Account
    rules: RegionRules


def reference(e: Event) -> str:
    """The receipt reference: the event's seq and the start of its hash."""
    return f"R{e.seq}-{e.hash[:8].upper()}"


class Service:
    """One per running app: configuration, ledger, writer, signer and limiters."""

    def __init__(self, config: WebConfig, ledger: Ledger, writer: Filer) -> None:
        self.config = config
        self.ledger = ledger
        self.writer = writer
        self.signer = Signer(config.secret)
        self.per_account = RateLimiter(config.limits.account_per_minute)
        self.per_client = RateLimiter(config.limits.client_per_minute)
        self._rules: dict[str | None, RegionRules] = {}

    def rules(self, country: str | None) -> RegionRules:
        """A country's resolved rules, resolved once per country."""
        found = self._rules.get(country)
        if found is None:
            found = self._rules[country] = self.config.policy.rules_for(country)
        return found

    def person(self, account_id: int) -> Person:
        """The signed-in person, or a refusal for a business or unknown account."""
        account = self.config.account(account_id)
        if account is None:
            raise Refusal(403, "unknown_account", "the platform's account list has no such account")
        if account.kind == "business":
            raise Refusal(
                403,
                "business_account",
                "this is a business account: objections and consent are made from a "
                "personal account; switch to your personal account and try again",
            )
        return Person(account_id, account, self.rules(account.country))

    def limit_account(self, account_id: int) -> None:
        """Count a filing against the account's rate limit."""
        wait = self.per_account.check(account_id)
        if wait:
            raise Refusal(429, "rate_limited", "too many requests for this account", int(wait) + 1)

    def filing(
        self,
        person: Person,
        action: Action,
        channel: Channel,
        *,
        reason: str | None = None,
        key: str | None = None,
        purpose: str = DEFAULT_PURPOSE,
    ) -> Filing:
        """The events one action commits for this person."""
        types: list[EventType] = [action]
        if action == "objection" and person.rules.legal_basis == "consent":
            types.append("consent_withdrawn")
        events = tuple(
            NewEvent(person.account_id, t, purpose=purpose, channel=channel) for t in types
        )
        return Filing(person.account_id, events, key=key, reason=reason, purpose=purpose)

    async def file(self, filing: Filing) -> Filed:
        """Commit and wait for the commit; a ledger failure is a 503, nothing recorded."""
        try:
            return await self.writer.file(filing)
        except IdempotencyConflict as exc:
            raise Refusal(409, "idempotency_conflict", exc.message) from None
        except LedgerError:
            raise Refusal(
                503, "ledger_unavailable", "the ledger could not commit; nothing was recorded"
            ) from None

    async def standing(self, account_id: int, purpose: str = DEFAULT_PURPOSE) -> Standing:
        """The account's standing, read from the ledger now."""
        found = await run_in_threadpool(self.ledger.standings, [account_id], None, purpose)
        return found[account_id]

    async def honour_gpc(self, person: Person, standing: Standing) -> Filed | None:
        """Record the browser's Sec-GPC: 1 as one objection, where the policy says so.

        Only when the person has not objected and has never withdrawn an
        objection: an explicit withdrawal is the person's own, more specific
        choice, and the signal does not override it. The fixed key "gpc" makes
        concurrent requests record it once.
        """
        if not person.rules.honor_gpc or standing.objected or standing.withdrawn:
            return None
        return await self.file(self.filing(person, "objection", "gpc", key="gpc"))

    async def event(self, seq: int) -> Event | None:
        """One committed event by seq (for receipts)."""
        found = await run_in_threadpool(self.ledger.events, None, after_seq=seq - 1, limit=1)
        return found[0] if found and found[0].seq == seq else None


def form_key() -> str:
    """A fresh key per rendered form: a double-click files once."""
    return "form-" + secrets.token_urlsafe(12)
