"""A plain-Python reading of SPEC §5, written apart from the build to check it.

Given the four snapshot tables in memory, the ledger's events in append order, a
policy TOML and a cutoff T, `evaluate` says for every post created at or before T
either that it is included (with the media it keeps) or the one reason it is
excluded. Where the SPEC is silent it follows docs/design.md. Each function below
is one sentence of §5; read them side by side.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

# SPEC §5: the first reason that applies, in this order.
REASONS: tuple[str, ...] = (
    "post_deleted",
    "region_hold",
    "account_status",
    "account_kind",
    "age_unknown",
    "under_age",
    "objected",
    "no_consent",
    "no_notice",
    "not_public",
    "tagged_not_cleared",
    "empty_after_minimisation",
)
INCLUDED = "included"

# SPEC §4 defaults (only the keys §5 reads).
DEFAULTS: dict[str, Any] = {
    "purpose": "ai-training",
    "legal_basis": "legitimate_interest",
    "min_age": 18,
    "visibility": ["public"],
    "account_kinds": ["personal", "business"],
    "notice_days": 30,
    "exclude_tagged_not_cleared": True,
    "drop_flagged_minor_media": True,
    "hold": "",
}
_EU27 = "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
EU27 = set(_EU27.split())
EEA = EU27 | {"IS", "LI", "NO"}
UK = {"GB"}


@dataclass(frozen=True)
class Account:
    account_id: int
    kind: str
    birth_date: date | None
    country: str
    status: str
    display_name: str
    created_at: datetime


@dataclass(frozen=True)
class Post:
    post_id: int
    author_id: int
    created_at: datetime
    visibility: str
    lang: str | None
    text: str | None
    deleted: bool


@dataclass(frozen=True)
class Media:
    media_id: int
    post_id: int
    path: str
    flagged_minor: bool


@dataclass(frozen=True)
class Tag:
    post_id: int
    account_id: int
    kind: str


@dataclass(frozen=True)
class Event:
    """A rights event; its ledger seq is its position in the list it is passed in."""

    account_id: int
    type: str
    at: datetime
    purpose: str = "ai-training"


@dataclass(frozen=True)
class Platform:
    accounts: tuple[Account, ...] = ()
    posts: tuple[Post, ...] = ()
    media: tuple[Media, ...] = ()
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class Rules:
    """The §5 keys as they apply to one country."""

    purpose: str
    legal_basis: str
    min_age: int
    visibility: tuple[str, ...]
    account_kinds: tuple[str, ...]
    notice_days: int
    exclude_tagged_not_cleared: bool
    drop_flagged_minor_media: bool
    hold: str


@dataclass(frozen=True)
class Outcome:
    """Every post created at or before T, in exactly one of the two maps."""

    included: dict[int, tuple[int, ...]] = field(default_factory=dict)  # post_id -> media ids
    excluded: dict[int, str] = field(default_factory=dict)  # post_id -> reason


def rules_for(policy_toml: str, country: str | None) -> Rules:
    """Key by key: country section > EEA/UK group > [regions.default] > top level > defaults."""
    doc = tomllib.loads(policy_toml)
    sections = doc.get("regions", {})
    merged = dict(DEFAULTS)
    merged.update({k: v for k, v in doc.items() if k in DEFAULTS})
    chain = ["default"]
    if country in EEA:
        chain.append("EEA")
    if country in UK:
        chain.append("UK")
    if country is not None:
        chain.append(country)
    for name in chain:
        merged.update({k: v for k, v in sections.get(name, {}).items() if k in DEFAULTS})
    return Rules(
        purpose=merged["purpose"],
        legal_basis=merged["legal_basis"],
        min_age=merged["min_age"],
        visibility=tuple(merged["visibility"]),
        account_kinds=tuple(merged["account_kinds"]),
        notice_days=merged["notice_days"],
        exclude_tagged_not_cleared=merged["exclude_tagged_not_cleared"],
        drop_flagged_minor_media=merged["drop_flagged_minor_media"],
        hold=merged["hold"],
    )


def birthday(birth: date, years: int) -> date:
    """The `years`-th birthday; 29 February falls on 1 March in other years."""
    year = birth.year + years
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def counted(
    events: Sequence[Event], account_id: int, purpose: str, cutoff: datetime
) -> list[Event]:
    """The account's events at or before T for this purpose (or `all`), in (at, seq) order."""
    mine = [
        (e.at, seq, e)
        for seq, e in enumerate(events)
        if e.account_id == account_id
        and e.at <= cutoff
        and (e.purpose in (purpose, "all") or e.type == "account_deleted")
    ]
    return [e for _, _, e in sorted(mine, key=lambda t: (t[0], t[1]))]


def latest(events: list[Event], types: tuple[str, str]) -> str | None:
    """The type of the latest event among `types`, or None when there is none."""
    of_type = [e for e in events if e.type in types]
    return of_type[-1].type if of_type else None


def account_reason(
    account: Account | None, events: Sequence[Event], policy_toml: str, cutoff: datetime
) -> str | None:
    """Why an account is not cleared at T, or None when it is cleared."""
    if account is None:
        return "account_status"  # a dangling reference is not cleared
    rules = rules_for(policy_toml, account.country)
    mine = counted(events, account.account_id, rules.purpose, cutoff)
    if rules.hold:
        return "region_hold"
    if account.status != "active" or any(e.type == "account_deleted" for e in mine):
        return "account_status"
    if account.kind not in rules.account_kinds:
        return "account_kind"
    if account.birth_date is None:
        return "age_unknown"
    if birthday(account.birth_date, rules.min_age) > cutoff.astimezone(UTC).date():
        return "under_age"
    objection = latest(mine, ("objection", "objection_withdrawn"))
    if rules.legal_basis == "legitimate_interest" and objection == "objection":
        return "objected"
    consent = latest(mine, ("consent_given", "consent_withdrawn"))
    if rules.legal_basis == "consent" and consent != "consent_given":
        return "no_consent"
    if rules.legal_basis == "legitimate_interest" and rules.notice_days > 0:
        notice_by = cutoff - timedelta(days=rules.notice_days)
        if not any(e.type == "notice_sent" and e.at <= notice_by for e in mine):
            return "no_notice"
    return None


def is_empty(text: str | None) -> bool:
    """No text: null, empty or only whitespace."""
    return text is None or text.strip() == ""


def evaluate(
    platform: Platform, events: Sequence[Event], policy_toml: str, cutoff: datetime
) -> Outcome:
    """Include or exclude (with the first reason) every post created at or before T."""
    accounts = {a.account_id: a for a in platform.accounts}
    outcome = Outcome()
    for post in platform.posts:
        if post.created_at > cutoff:
            continue  # not part of a dataset with this cutoff (design.md §2)
        author = accounts.get(post.author_id)
        rules = rules_for(policy_toml, author.country if author else None)
        kept = tuple(
            m.media_id
            for m in platform.media
            if m.post_id == post.post_id
            and not (m.flagged_minor and rules.drop_flagged_minor_media)
        )
        tagged = [t.account_id for t in platform.tags if t.post_id == post.post_id]
        reason: str | None
        if post.deleted:
            reason = "post_deleted"
        elif (author_reason := account_reason(author, events, policy_toml, cutoff)) is not None:
            reason = author_reason
        elif post.visibility not in rules.visibility:
            reason = "not_public"
        elif rules.exclude_tagged_not_cleared and any(
            account_reason(accounts.get(t), events, policy_toml, cutoff) is not None for t in tagged
        ):
            reason = "tagged_not_cleared"
        elif is_empty(post.text) and not kept:
            reason = "empty_after_minimisation"
        else:
            reason = None
        if reason is None:
            outcome.included[post.post_id] = kept
        else:
            outcome.excluded[post.post_id] = reason
    return outcome
