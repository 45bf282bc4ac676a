"""The rights service's logic, shared by the pages and the JSON API.

Who may file (a signed-in personal account the snapshot knows), what a filing
commits (an objection in a consent region also withdraws consent, so that it
takes effect under the rules of SPEC §5), which purposes a filing may name, the
person's standing (the rules' decision, `trainright.rules.standing`), the rate
limit per account, and the Global Privacy Control signal (Art. 21(5)).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from starlette.concurrency import run_in_threadpool

from trainright.errors import LedgerError
from trainright.ledger import (
    Event,
    Filed,
    Filing,
    IdempotencyConflict,
    Ledger,
    NewEvent,
    OutcomeUnknown,
    Standing,
)
from trainright.ledger.events import ALL_PURPOSES, Channel, EventType
from trainright.ledger.process import WriterHealth
from trainright.policy import RegionRules
from trainright.rules.standing import AccountFacts, Verdict, verdict
from trainright.rules.usage import preference_problem
from trainright.web.auth import Signer
from trainright.web.config import WebConfig
from trainright.web.ratelimit import RateLimiter

Action = Literal["objection", "objection_withdrawn", "consent_given", "consent_withdrawn"]
#: The longest AI-usage preference a person may set: both headers' values (256 each),
#: joined; a preference is a statement, not a document.
MAX_PREFERENCE = 520
#: The problem code of a filing whose batch may have committed: retry with the same key.
OUTCOME_UNKNOWN = "outcome_unknown"
ACTIONS: tuple[Action, ...] = (
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
)


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
    def health(self) -> WriterHealth: ...


@dataclass(frozen=True)
class Person:
    """A signed-in personal account and the rules of its region."""

    account_id: int
    account: AccountFacts
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

    @staticmethod
    def purpose(person: Person, requested: str | None) -> str:
        """The purpose a filing names: the region's own, or `all`; anything else is refused.

        Builds for this account's region use only `rules.purpose` (SPEC §5); an event
        for another purpose would change nothing the person can see, so it is a 422
        rather than a receipt that promises an effect.
        """
        own = person.rules.purpose
        if requested is None or requested in (own, ALL_PURPOSES):
            return requested or own
        raise Refusal(
            422,
            "unknown_purpose",
            f"datasets for your region are built for the purpose {own!r}; an event for "
            f"{requested!r} would affect none of them. Use {own!r} or {ALL_PURPOSES!r}.",
        )

    def filing(
        self,
        person: Person,
        action: Action,
        channel: Channel,
        *,
        reason: str | None = None,
        key: str | None = None,
        purpose: str | None = None,
    ) -> Filing:
        """The events one action commits for this person (standing folded for its region)."""
        named = self.purpose(person, purpose)
        types: list[EventType] = [action]
        if action == "objection" and person.rules.legal_basis == "consent":
            types.append("consent_withdrawn")
        events = tuple(
            NewEvent(person.account_id, t, purpose=named, channel=channel) for t in types
        )
        return Filing(
            person.account_id, events, key=key, reason=reason, purpose=person.rules.purpose
        )

    @staticmethod
    def preference_filing(
        person: Person, value: str, channel: Channel, *, key: str | None = None
    ) -> Filing:
        """The account's AI-usage preference as one `preference_set` event.

        The value must say yes or no to training (`preference_problem`); it is
        about the account's own content, so it is filed for every purpose and for
        this account only, not the person's linked accounts (SPEC §3).
        """
        problem = (
            f"longer than {MAX_PREFERENCE} characters"
            if len(value) > MAX_PREFERENCE
            else preference_problem(value)
        )
        if problem is not None:
            raise Refusal(422, "invalid_preference", f"not an AI-usage preference: {problem}")
        event = NewEvent(
            person.account_id,
            "preference_set",
            purpose=ALL_PURPOSES,
            channel=channel,
            content_usage=value,
        )
        return Filing(person.account_id, (event,), key=key, purpose=person.rules.purpose)

    async def file(self, filing: Filing) -> Filed:
        """Commit and wait for the commit.

        A ledger failure is a 503 that says only what is known: "nothing was
        recorded" when the filing never reached a commit, "outcome unknown" when its
        batch may have committed (the writer died or stopped answering in between).
        """
        try:
            return await self.writer.file(filing)
        except IdempotencyConflict as exc:
            raise Refusal(409, "idempotency_conflict", exc.message) from None
        except OutcomeUnknown:
            how = (
                "retry with the same Idempotency-Key: it returns the first receipt if it "
                "was recorded, and records it once if not"
                if filing.key
                else "look at GET /api/v1/me/standing to see whether it was; send an "
                "Idempotency-Key with every filing so that a retry can tell you"
            )
            raise Refusal(
                503,
                OUTCOME_UNKNOWN,
                f"the ledger writer stopped before confirming this request; it may have "
                f"been recorded. To learn the outcome, {how}",
                retry_after=1,
            ) from None
        except LedgerError:
            raise Refusal(
                503,
                "ledger_unavailable",
                "the ledger could not commit; nothing was recorded",
                retry_after=1,
            ) from None

    async def standing(self, person: Person, at: datetime | None = None) -> Verdict:
        """The person's standing: what a build at `at` (default: now) decides for the account."""
        me = person.account_id
        linked = {me: person.account.accounts(me)}
        found = await run_in_threadpool(
            self.ledger.standings, [me], None, person.rules.purpose, at, linked
        )
        return self.verdict(person, found[me])

    async def after(self, person: Person, filed: Filed) -> Verdict:
        """The standing just after a filing: the writer's fold, or, for a person with
        linked accounts, a fold of all their accounts' events at the filing's instant."""
        if not person.account.linked and filed.standing is not None:
            return self.verdict(person, filed.standing)
        return await self.standing(person, filed.events[-1].at)

    @staticmethod
    def verdict(person: Person, ledger_standing: Standing) -> Verdict:
        """The rules' decision from the ledger's fold (e.g. the one a receipt carries)."""
        return verdict(person.account, ledger_standing, person.rules)

    async def honour_gpc(self, person: Person, standing: Verdict) -> Filed | None:
        """Record the browser's Sec-GPC: 1 as one objection, where the policy says so.

        Only when the person has not objected and has never withdrawn an
        objection: an explicit withdrawal is the person's own, more specific
        choice, and the signal does not override it. The fixed key "gpc" makes
        concurrent requests record it once.
        """
        if not person.rules.honor_gpc or standing.ledger.objected or standing.ledger.withdrawn:
            return None
        return await self.file(self.filing(person, "objection", "gpc", key="gpc"))

    async def event(self, seq: int) -> Event | None:
        """One committed event by seq (for receipts)."""
        found = await run_in_threadpool(self.ledger.events, None, after_seq=seq - 1, limit=1)
        return found[0] if found and found[0].seq == seq else None


def form_key() -> str:
    """A fresh key per rendered form: a double-click files once."""
    return "form-" + secrets.token_urlsafe(12)
