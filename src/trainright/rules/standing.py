"""SPEC §5 "A person's standing": the account-level decision for one account, now.

The rights service answers "will my posts be used?" for one account per
request, where running the rules' SQL would cost a DuckDB query each time. So
this module restates `account_state` of `definition.py` in Python, over facts
read once from the snapshot (`AccountFacts`) and the ledger's fold of the
account's events (`trainright.ledger.Standing`). It is pinned to the SQL by
`tests/test_standing_conformance.py`, a property test over random platforms,
event histories and policies that fails when either side changes alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from trainright.ledger.events import utc
from trainright.ledger.standing import Standing
from trainright.policy import RegionRules
from trainright.rules.usage import read_usage

#: The account-level reasons of `definition.REASONS`, in the order they apply.
ACCOUNT_REASONS: tuple[str, ...] = (
    "region_hold",
    "account_status",
    "account_kind",
    "age_unknown",
    "under_age",
    "objected",
    "no_consent",
    "no_notice",
)


@dataclass(frozen=True)
class AccountFacts:
    """What the snapshot says of an account that the account-level rules read."""

    kind: Literal["personal", "business"]
    country: str
    status: str = "active"
    #: the person's birth date: the youngest known among their linked accounts
    birth_date: date | None = None
    #: every account of the account's person, itself included (SPEC §2 `persons`); empty
    #: for an account that is a person of its own
    linked: tuple[int, ...] = ()
    #: the account's own AI-usage preference in the snapshot (SPEC §2 `content_usage`)
    content_usage: str | None = None
    #: the platform attests the holder was at least this old at `age_attested_at`
    age_attested_min: int | None = None
    age_attested_at: datetime | None = None

    def attested_age(self, at: datetime) -> int | None:
        """The age the attestation vouches for at `at` (None: no attestation made by then)."""
        if self.age_attested_min is None or self.age_attested_at is None:
            return None
        if self.age_attested_at > at:
            return None
        return self.age_attested_min + age_on(self.age_attested_at.date(), at.date())

    def accounts(self, account_id: int) -> tuple[int, ...]:
        """The accounts whose choices and notices count for this one."""
        return self.linked or (account_id,)


def age_on(birth: date, day: date) -> int:
    """Whole years from `birth` to `day`; a 29 February birthday falls on 1 March."""
    return day.year - birth.year - ((birth.month, birth.day) > (day.month, day.day))


def account_reason(facts: AccountFacts | None, ledger: Standing, rules: RegionRules) -> str | None:
    """The first account-level reason that keeps the account out at `ledger.at` (None: cleared).

    `ledger` must be folded for `rules.purpose`, the purpose the region's builds use.
    An account the snapshot lacks is `account_status`, as for a post's unknown author.
    """
    if facts is None:
        return "account_status"
    if rules.hold:
        return "region_hold"
    if facts.status != "active" or ledger.deleted:
        return "account_status"
    if facts.kind not in rules.account_kinds:
        return "account_kind"
    if facts.birth_date is None:
        attested = facts.attested_age(ledger.at)
        if attested is None or attested < rules.min_age:
            return "age_unknown"
        return _choice_reason(ledger, rules)
    if age_on(facts.birth_date, ledger.at.date()) < rules.min_age:
        return "under_age"
    return _choice_reason(ledger, rules)


def _choice_reason(ledger: Standing, rules: RegionRules) -> str | None:
    """The reasons after age: the person's objection or consent, and the notice."""
    if rules.legal_basis == "legitimate_interest":
        if ledger.objected:
            return "objected"
        if rules.notice_days > 0 and (
            ledger.noticed_at is None
            or ledger.noticed_at > ledger.at - timedelta(days=rules.notice_days)
        ):
            return "no_notice"
    elif not ledger.consented:
        return "no_consent"
    return None


@dataclass(frozen=True)
class Verdict:
    """A person's standing: the ledger's fold, the region's rules and the decision."""

    ledger: Standing
    rules: RegionRules
    #: the first failing account-level reason; None when a build now would use the posts
    reason: str | None
    #: the account's AI-usage preference in force: the latest set through the rights
    #: service, else the snapshot's (None: none stated)
    preference: str | None = None

    @property
    def used(self) -> bool:
        """Whether a build at this instant clears the account (its public posts may go in)."""
        return self.reason is None

    @property
    def states_reservation(self) -> bool:
        """Whether the account's preference says "do not train", read or not here."""
        return self.preference is not None and read_usage(self.preference).allowed is False

    @property
    def reserved(self) -> bool:
        """Whether the account's preference keeps out its posts that state none (`reserved`).

        Only where the region honours reservations; a post's own preference still
        beats the account's, as in `post_state`.
        """
        return self.rules.honor_reservations and self.states_reservation


def verdict(facts: AccountFacts | None, ledger: Standing, rules: RegionRules) -> Verdict:
    """The decision for one account, with what it was made from."""
    stated = ledger.preference or (facts.content_usage if facts is not None else None)
    return Verdict(ledger, rules, account_reason(facts, ledger, rules), stated)


def load_account_facts(snapshot_dir: str | Path) -> dict[int, AccountFacts]:
    """Every account's rule-relevant facts, from a snapshot validated as a build would."""
    import duckdb

    from trainright.snapshot import load_into_duckdb, locate

    snap = locate(snapshot_dir)
    conn = duckdb.connect()
    try:
        load_into_duckdb(conn, snap)
        rows = conn.execute(_FACTS).fetchall()
    finally:
        conn.close()
    return {
        int(a): AccountFacts(
            k,
            c,
            s,
            b,
            tuple(sorted(linked)) if linked else (),
            u,
            amin,
            utc(aat) if aat is not None else None,
        )
        for a, k, c, s, b, linked, u, amin, aat in rows
    }


#: Each account with its person's youngest known birth date and, when `persons` links
#: it, every account of that person: the same reading as `account_state`.
_FACTS = """
WITH member AS (
    SELECT a.account_id, p.person_id
    FROM accounts AS a LEFT JOIN persons AS p ON p.account_id = a.account_id
),
person AS (
    SELECT m.person_id, MAX(a.birth_date) AS birth_date, LIST(m.account_id) AS linked
    FROM member AS m JOIN accounts AS a ON a.account_id = m.account_id
    WHERE m.person_id IS NOT NULL
    GROUP BY m.person_id
)
SELECT a.account_id, a.kind, a.country, a.status,
       CASE WHEN m.person_id IS NULL THEN a.birth_date ELSE p.birth_date END,
       p.linked, a.content_usage, a.age_attested_min, a.age_attested_at
FROM accounts AS a
JOIN member AS m ON m.account_id = a.account_id
LEFT JOIN person AS p ON p.person_id = m.person_id
"""
