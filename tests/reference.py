"""A plain-Python reading of SPEC §5, written apart from the build to check it.

Given the four snapshot tables in memory, the ledger's events in append order, a
policy TOML and a cutoff T, `evaluate` says for every post created at or before T
either that it is included (with the media it keeps) or the one reason it is
excluded. Where the SPEC is silent it follows docs/design.md. Each function below
is one sentence of §5; read them side by side.
"""

from __future__ import annotations

import calendar
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pictures import hamming, phash_hex

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
    "reserved",
    "tagged_not_cleared",
    "names_non_user",
    "shares_excluded",
    "copy_of_excluded",
    "duplicate",
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
    "exclude_shares_of_excluded": True,
    "exclude_copies_of_excluded": True,
    "honor_reservations": True,
    "hold": "",
}
#: What each AI-usage preference the tests draw says about training (SPEC 2), written
#: out by hand from the aipref and Content-Signal drafts: False is a reservation.
USAGE: dict[str, bool | None] = {
    "train-ai=n": False,
    "train-ai=y": True,
    "ai-train=no": False,
    "ai-train=yes": True,
    "search=n": None,  # no statement about training
    "search=y, train-ai=n;source=upload": False,  # parameters are ignored
    "train-ai=y, ai-train=no": False,  # across vocabularies any disallow wins
    "train-ai=n, train-ai=y": True,  # a repeated key: the last counts
    "train-ai=n, bots=y, train-genai=y": False,  # unknown (retired) keys are ignored
    'train-ai="n"': None,  # a string, not the token
    'train-ai="y"': None,
    "Train-AI=n": None,  # keys are lowercase: does not parse
    "ai-train=n": None,  # Content-Signal words are yes/no
    "train-ai=n,,": None,  # does not parse
}
#: The vocabulary whose statement reserves, for each reserving value above.
RESERVED_BY: dict[str, str] = {
    "train-ai=n": "content-usage",
    "ai-train=no": "content-signal",
    "search=y, train-ai=n;source=upload": "content-usage",
    "train-ai=y, ai-train=no": "content-signal",
    "train-ai=n, bots=y, train-genai=y": "content-usage",
}
#: The signal the test images' reservations are written in (tests/helpers.py).
IMAGE_SIGNAL = {"reserved": "iptc.DataMining", "reservation_unreadable": "c2pa.unreadable"}
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
    content_usage: str | None = None
    age_attested_min: int | None = None
    age_attested_at: datetime | None = None


@dataclass(frozen=True)
class Post:
    post_id: int
    author_id: int
    created_at: datetime
    visibility: str
    lang: str | None
    text: str | None
    deleted: bool
    reshare_of: int | None = None
    quote_of: int | None = None
    content_usage: str | None = None


@dataclass(frozen=True)
class Media:
    media_id: int
    post_id: int
    path: str
    flagged_minor: bool
    # What the image's own metadata says (SPEC §2): None, "reserved" (a reservation
    # that reads), or "reservation_unreadable" (a C2PA store that does not)
    reservation: str | None = None
    # Which test picture the image shows (tests/pictures.py), and whether as a resized,
    # re-encoded copy; None: a plain tile no registered photo resembles
    picture: int | None = None
    copy: bool = False


@dataclass(frozen=True)
class Tag:
    post_id: int
    account_id: int
    kind: str


@dataclass(frozen=True)
class Link:
    """`persons`: this account is held by that person."""

    account_id: int
    person_id: int


@dataclass(frozen=True)
class Event:
    """A rights event; its ledger seq is its position in the list it is passed in."""

    account_id: int | None  # None: a person without an account
    type: str
    at: datetime
    purpose: str = "ai-training"
    content_usage: str | None = None  # preference_set only
    person_ref: str | None = None  # non_user_objection(_withdrawn) only
    names: tuple[str, ...] = ()  # ... and what they registered, in clear
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # in international form, "+47 912 34 567"
    photos: tuple[str, ...] = ()  # pHashes, 16 hex digits


@dataclass(frozen=True)
class Platform:
    accounts: tuple[Account, ...] = ()
    posts: tuple[Post, ...] = ()
    media: tuple[Media, ...] = ()
    tags: tuple[Tag, ...] = ()
    persons: tuple[Link, ...] = ()

    def linked(self, account_id: int) -> set[int]:
        """Every account of the account's person (itself alone when `persons` omits it)."""
        person = {link.account_id: link.person_id for link in self.persons}.get(account_id)
        if person is None:
            return {account_id}
        return {link.account_id for link in self.persons if link.person_id == person}


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
    exclude_shares_of_excluded: bool
    exclude_copies_of_excluded: bool
    honor_reservations: bool
    hold: str


@dataclass(frozen=True)
class Outcome:
    """Every post created at or before T, in exactly one of the two maps."""

    included: dict[int, tuple[int, ...]] = field(default_factory=dict)  # post_id -> media ids
    excluded: dict[int, str] = field(default_factory=dict)  # post_id -> reason
    # images dropped from posts that are in, or out only for being empty, by cause
    media_dropped: dict[str, int] = field(default_factory=dict)
    # reserved posts, and posts emptied by reserved images: (signal, where it was stated)
    reserved: dict[int, tuple[str, str]] = field(default_factory=dict)


def reserved_by(post: Post, author: Account | None) -> tuple[str, str]:
    """For a reserved post: the vocabulary of the statement, and whose it is."""
    if post.content_usage is not None and USAGE[post.content_usage] is not None:
        return RESERVED_BY[post.content_usage], "post"
    assert author is not None
    assert author.content_usage is not None
    return RESERVED_BY[author.content_usage], "account"


def preference(post: Post, author: Account | None) -> bool | None:
    """The post's own preference about training; failing that, its author's."""
    own = USAGE[post.content_usage] if post.content_usage is not None else None
    if own is None and author is not None and author.content_usage is not None:
        return USAGE[author.content_usage]
    return own


def with_preference(account: Account, events: Sequence[Event], cutoff: datetime) -> Account:
    """SPEC 3: the account's latest `preference_set` at or before T, of any purpose,
    replaces its snapshot `content_usage`; a linked account's does not."""
    set_ = [
        (e.at, seq, e.content_usage)
        for seq, e in enumerate(events)
        if e.type == "preference_set" and e.account_id == account.account_id and e.at <= cutoff
    ]
    if not set_:
        return account
    return replace(account, content_usage=max(set_, key=lambda t: (t[0], t[1]))[2])


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
        exclude_shares_of_excluded=merged["exclude_shares_of_excluded"],
        exclude_copies_of_excluded=merged["exclude_copies_of_excluded"],
        honor_reservations=merged["honor_reservations"],
        hold=merged["hold"],
    )


def birthday(birth: date, years: int) -> date:
    """The `years`-th birthday; 29 February falls on 1 March in other years."""
    year = birth.year + years
    if (birth.month, birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return date(year, birth.month, birth.day)


def counted(
    events: Sequence[Event], account_id: int, linked: set[int], purpose: str, cutoff: datetime
) -> list[Event]:
    """The account's events at or before T for this purpose (or `all`), in (at, seq) order.

    A person's choices and notices, made on any of their accounts (`linked`), count for
    each; a deletion counts for its own account only.
    """
    mine = [
        (e.at, seq, e)
        for seq, e in enumerate(events)
        if e.at <= cutoff
        and (
            (e.type == "account_deleted" and e.account_id == account_id)
            or (
                e.type != "account_deleted"
                and e.account_id in linked
                and e.purpose in (purpose, "all")
            )
        )
    ]
    return [e for _, _, e in sorted(mine, key=lambda t: (t[0], t[1]))]


def latest(events: list[Event], types: tuple[str, str]) -> str | None:
    """The type of the latest event among `types`, or None when there is none."""
    of_type = [e for e in events if e.type in types]
    return of_type[-1].type if of_type else None


def account_reason(
    platform: Platform,
    account: Account | None,
    events: Sequence[Event],
    policy_toml: str,
    cutoff: datetime,
) -> str | None:
    """Why an account is not cleared at T, or None when it is cleared."""
    if account is None:
        return "account_status"  # a dangling reference is not cleared
    rules = rules_for(policy_toml, account.country)
    linked = platform.linked(account.account_id)
    mine = counted(events, account.account_id, linked, rules.purpose, cutoff)
    # The person's age is the youngest known: the latest birth date among their accounts.
    births = [a.birth_date for a in platform.accounts if a.account_id in linked and a.birth_date]
    birth = max(births) if births else None
    if rules.hold:
        return "region_hold"
    if account.status != "active" or any(e.type == "account_deleted" for e in mine):
        return "account_status"
    if account.kind not in rules.account_kinds:
        return "account_kind"
    if birth is None:
        # an attestation: "at least N at that instant"; it reaches min_age on the
        # (min_age - N)th anniversary of the attestation's date, and is only a lower bound
        made = account.age_attested_at
        if account.age_attested_min is None or made is None or made > cutoff:
            return "age_unknown"
        years = max(rules.min_age - account.age_attested_min, 0)
        if birthday(made.astimezone(UTC).date(), years) > cutoff.astimezone(UTC).date():
            return "age_unknown"
    elif birthday(birth, rules.min_age) > cutoff.astimezone(UTC).date():
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


def folded_words(text: str) -> list[str]:
    """Words (runs of letters and digits) after NFKC, case folding and dropping accents."""
    t = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    t = unicodedata.normalize("NFC", "".join(c for c in t if not unicodedata.combining(c)))
    return re.findall(r"[^\W_]+", t)


def registered(events: Sequence[Event], cutoff: datetime) -> list[Event]:
    """People without an account registered at T: each person_ref's latest (at, seq)
    event at or before T is its registration."""
    last: dict[str, Event] = {}
    for _, e in sorted(enumerate(events), key=lambda t: (t[1].at, t[0])):
        if e.person_ref is not None and e.at <= cutoff:
            last[e.person_ref] = e
    return [e for e in last.values() if e.type == "non_user_objection"]


def names_non_user(text: str | None, active: Sequence[Event]) -> bool:
    """A registered name as a run of whole words, a registered address as a token, or a
    registered number in any written form."""
    if text is None:
        return False
    padded = " " + " ".join(folded_words(text)) + " "
    tokens = {tok.strip(".,;:!?()").casefold() for tok in text.split()}
    return (
        any(" " + " ".join(folded_words(name)) + " " in padded for e in active for name in e.names)
        or any(address.casefold() in tokens for e in active for address in e.emails)
        or any(
            "".join(c for c in phone if c.isdigit()) in phone_numbers(text)
            for e in active
            for phone in e.phones
        )
    )


#: A written phone number: digits with spaces, hyphens, dots or brackets between.
_PHONE_RUN = re.compile(r"\+?\d[\d \-.()]*\d")
#: Calling codes whose national numbers are written without a trunk 0, and with one.
_NATIONAL = ("47", "1")
_TRUNK = ("31", "44", "49")


def phone_numbers(text: str) -> set[str]:
    """Every country code + number a written number in the text may stand for."""
    found: set[str] = set()
    for run in _PHONE_RUN.findall(text):
        digits = "".join(c for c in run.replace("(0)", "") if c.isdigit())
        if run.startswith("+"):
            found.add(digits)
        elif digits.startswith("00"):
            found.add(digits[2:])
        elif digits.startswith("0"):
            found.update(cc + digits[1:] for cc in _TRUNK)
        else:
            found.update(cc + digits for cc in _NATIONAL)
    return found


def photo_registered(picture: int | None, copy: bool, active: Sequence[Event]) -> bool:
    """The image's pHash is within 8 bits of a photo an active registration holds."""
    if picture is None:
        return False
    mine = phash_hex(picture, copy)
    return any(hamming(mine, p) <= 8 for e in active for p in e.photos)


def words_of(text: str | None) -> list[str]:
    """SPEC §5's normal form as words: NFKC, then case folding, split on any whitespace."""
    if text is None:
        return []
    return unicodedata.normalize("NFKC", text).casefold().split()


def shingle_set(text: str | None) -> set[str]:
    """The 5-word shingles, as strings; under five words, the whole string; none: empty."""
    w = words_of(text)
    if len(w) < 5:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i : i + 5]) for i in range(len(w) - 4)}


def near_duplicates(a: str | None, b: str | None) -> bool:
    """Jaccard of the shingle sets at least 4/5, in integers; a text with no words: never."""
    x, y = shingle_set(a), shingle_set(b)
    return bool(x and y) and 5 * len(x & y) >= 4 * len(x | y)


def same_text(a: str | None, b: str | None) -> bool:
    """`dedup = "exact"`: equal normalised texts that have words."""
    return bool(words_of(a)) and words_of(a) == words_of(b)


def is_empty(text: str | None) -> bool:
    """No text: null, empty or only whitespace."""
    return text is None or text.strip() == ""


def evaluate(
    platform: Platform, events: Sequence[Event], policy_toml: str, cutoff: datetime
) -> Outcome:
    """Include or exclude (with the first reason) every post created at or before T."""
    accounts = {a.account_id: with_preference(a, events, cutoff) for a in platform.accounts}
    posts = {p.post_id: p for p in platform.posts if p.created_at <= cutoff}

    def reason_of(account_id: int) -> str | None:
        return account_reason(platform, accounts.get(account_id), events, policy_toml, cutoff)

    active = registered(events, cutoff)
    # the "do not copy" side: every text at T of an author who is not cleared
    protected = [p.text for p in posts.values() if reason_of(p.author_id) is not None]
    kept: dict[int, tuple[int, ...]] = {}
    dropped: dict[int, list[str]] = {}  # post_id -> the cause of each image left out
    before: dict[int, str | None] = {}  # the first reason ordered before shares_excluded
    after: dict[int, str | None] = {}  # ... and after it
    for post in posts.values():
        author = accounts.get(post.author_id)
        rules = rules_for(policy_toml, author.country if author else None)
        causes = dropped[post.post_id] = []
        keep = []
        for m in platform.media:
            if m.post_id != post.post_id:
                continue
            if m.flagged_minor and rules.drop_flagged_minor_media:
                causes.append("flagged_minor")
            elif m.reservation is not None and rules.honor_reservations:
                causes.append(m.reservation)
            elif photo_registered(m.picture, m.copy, active):
                causes.append("non_user_photo")
            else:
                keep.append(m.media_id)
        kept[post.post_id] = tuple(keep)
        tagged = [t.account_id for t in platform.tags if t.post_id == post.post_id]
        if post.deleted:
            before[post.post_id] = "post_deleted"
        elif (author_reason := reason_of(post.author_id)) is not None:
            before[post.post_id] = author_reason
        elif post.visibility not in rules.visibility:
            before[post.post_id] = "not_public"
        elif rules.honor_reservations and preference(post, author) is False:
            before[post.post_id] = "reserved"
        elif rules.exclude_tagged_not_cleared and any(reason_of(t) is not None for t in tagged):
            before[post.post_id] = "tagged_not_cleared"
        elif names_non_user(post.text, active):
            before[post.post_id] = "names_non_user"
        else:
            before[post.post_id] = None
        empty = is_empty(post.text) and not kept[post.post_id]
        after[post.post_id] = "empty_after_minimisation" if empty else None
        if (
            before[post.post_id] is None
            and rules.exclude_copies_of_excluded
            and any(near_duplicates(post.text, t) for t in protected)
        ):
            after[post.post_id] = "copy_of_excluded"

    def points_to(post: Post) -> int | None:
        return post.reshare_of if post.reshare_of is not None else post.quote_of

    def included(post_id: int, seen: frozenset[int]) -> bool:
        """Whether the post is included: a share only if what it points to is, down the chain."""
        post = posts.get(post_id)
        if post is None or post_id in seen:
            return False  # not in the snapshot at T (dangling, or after T), or a cycle
        if before[post_id] is not None or after[post_id] is not None:
            return False
        target = points_to(post)
        if target is None:
            return True
        author = accounts.get(post.author_id)
        if not rules_for(
            policy_toml, author.country if author else None
        ).exclude_shares_of_excluded:
            return True
        return included(target, seen | {post_id})

    so_far: dict[int, str | None] = {}  # the first reason up to copy_of_excluded
    for post in posts.values():
        reason = before[post.post_id]
        target = points_to(post)
        if reason is None and target is not None:
            author = accounts.get(post.author_id)
            rules = rules_for(policy_toml, author.country if author else None)
            if rules.exclude_shares_of_excluded and not included(target, frozenset({post.post_id})):
                reason = "shares_excluded"
        if reason is None and after[post.post_id] == "copy_of_excluded":
            reason = "copy_of_excluded"
        so_far[post.post_id] = reason

    dedup = tomllib.loads(policy_toml).get("dedup", "near")
    repeats = {"off": lambda a, b: False, "exact": same_text, "near": near_duplicates}[dedup]
    in_so_far = [p for p in posts.values() if so_far[p.post_id] is None]

    outcome = Outcome()
    for post in posts.values():
        reason = so_far[post.post_id]
        if reason is None and any(
            (q.created_at, q.post_id) < (post.created_at, post.post_id)
            and repeats(post.text, q.text)
            for q in in_so_far
        ):
            reason = "duplicate"
        reason = reason or after[post.post_id]
        if reason is None:
            outcome.included[post.post_id] = kept[post.post_id]
        else:
            outcome.excluded[post.post_id] = reason
        if reason == "reserved":
            outcome.reserved[post.post_id] = reserved_by(post, accounts.get(post.author_id))
        signals = sorted({IMAGE_SIGNAL[c] for c in dropped[post.post_id] if c in IMAGE_SIGNAL})
        if reason == "empty_after_minimisation" and signals:
            outcome.reserved[post.post_id] = (",".join(signals), "image")
        if reason in (None, "empty_after_minimisation"):
            for cause in dropped[post.post_id]:
                outcome.media_dropped[cause] = outcome.media_dropped.get(cause, 0) + 1
    return outcome
