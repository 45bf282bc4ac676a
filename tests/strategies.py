"""Hypothesis strategies: small random platforms, rights histories and policies.

Values cluster where §5 draws its lines: events at T, a microsecond or a second
either side of T and of T - notice_days, ties in `at`; birth dates around the
16th and 18th birthday at T, 29 February; dangling ids; whitespace-only texts.

`RULES` is the settings profile for the rules tests. Pick another with
`TRAINRIGHT_RULES_PROFILE=rules-ci` (more examples) or `rules-quick` (a smoke run).
"""

from __future__ import annotations

import calendar
import json
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from helpers import Scenario
from pictures import PICTURES, phash_hex
from reference import USAGE, Account, Event, Link, Media, Platform, Post, Tag

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "rules-dev", max_examples=60, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "rules-ci", max_examples=400, deadline=None, suppress_health_check=_SLOW_OK
)
settings.register_profile(
    "rules-quick", max_examples=10, deadline=None, suppress_health_check=_SLOW_OK
)
RULES = settings.get_profile(os.environ.get("TRAINRIGHT_RULES_PROFILE", "rules-dev"))


def fewer(divisor: int) -> settings:
    """The profile with a share of its examples, for tests that build more than once."""
    return settings(RULES, max_examples=max(1, RULES.max_examples // divisor))


CUTOFFS = (
    datetime(2026, 6, 26, tzinfo=UTC),
    datetime(2026, 6, 26, 13, 45, 10, tzinfo=UTC),
    datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC),  # 2008 (T - 18y) was a leap year
    datetime(2026, 3, 1, tzinfo=UTC),
    datetime(2028, 2, 28, 23, 59, 59, tzinfo=UTC),  # a leap year; so was 2012 (T - 16y)
    datetime(2028, 2, 29, 12, tzinfo=UTC),
)
AGES = (13, 16, 18)
SECOND = timedelta(seconds=1)
MICRO = timedelta(microseconds=1)
DAY = timedelta(days=1)
COUNTRIES = ("NO", "NL", "DE", "GB", "US", "IS")
REGION_NAMES = ("EEA", "UK", "default", *COUNTRIES)
EVENT_TYPES = (
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
    "notice_sent",
)  # each three times as likely as account_deleted
OPPOSITES = (("objection", "objection_withdrawn"), ("consent_given", "consent_withdrawn"))
OTHER_PURPOSE = "research"
EVENT_PURPOSES = ("ai-training", "ai-training", "all", OTHER_PURPOSE)
NOTICE_DAYS = (0, 1, 30)
TEXTS = (None, "", "   ", "\n\t ", "Hello from the fjord", "Fin dag i Oslo", "Mooi weer vandaag")
#: Texts that copy one another (SPEC §5 near-duplicates): a 28-word text, the same up to
#: case and spacing (exact after normalisation), its last word changed (Jaccard 23/25,
#: near) and a middle word changed (19/29, not near).
_BASE = [
    "the",
    "ferry",
    "left",
    "the",
    "harbour",
    "at",
    "dawn",
    "and",
    "the",
    "gulls",
    "followed",
    "it",
    "past",
    "the",
    "islands",
    "while",
    "we",
    "drank",
    "coffee",
    "on",
    "the",
    "deck",
    "and",
    "watched",
    "the",
    "town",
    "grow",
    "small",
]
COPY_TEXTS = (
    " ".join(_BASE),
    "  ".join(_BASE).upper(),
    " ".join([*_BASE[:-1], "smaller"]),
    " ".join([*_BASE[:12], "boats", *_BASE[13:]]),
)
#: Names people without an account register (SPEC §5): a common word, one inside longer
#: words, accents and case, two and four words; and texts that name them, or nearly do.
NON_USER_NAMES = ("Hope", "Ann", "José Ñúñez", "Grete Hansen", "Ola", "Anna Maria van Berg")
NON_USER_EMAILS = ("grete@example.org", "Ola.Nordmann@Example.NO")
NAMING_TEXTS = (
    "No hope left",
    "Hopeful and Annual",
    "Besøk hos JOSE NUNEZ i dag",
    "jose and nunez",
    "Grete  Hansen, 80 år!",
    "Hansen Grete",
    "Hilsen Anna Maria van Berg",
    "Anna Maria van Dijk",
    "Mail GRETE@example.org.",
    "skriv til ola.nordmann@example.no",
    "Olav og Ola_Nordmann",
    "Ring +47 912 34 567, takk",
    "Ring 0047 912 34 567, takk",
    "Ring 912 34 567, takk",
    "Ring +47 912 34 568, takk",
    "Bel 06-12345678, dank",
)
#: Numbers they register, in international form (one texts above write nationally).
NON_USER_PHONES = ("+47 912 34 567", "+31 6 12345678", "+44 20 7946 0958")
#: Test pictures an image shows (None: a plain tile), and pHashes people register:
#: a picture's own, its resized copy's, or one no test picture is near.
PICTURE_CHOICES = (None, None, None, *range(PICTURES))
NON_USER_PHOTOS = (
    *(phash_hex(k) for k in range(0, PICTURES, 2)),
    *(phash_hex(k, copy=True) for k in range(1, PICTURES, 2)),
    "0000000000000000",
)


def cutoffs() -> st.SearchStrategy[datetime]:
    return st.sampled_from(CUTOFFS)


@st.composite
def instants(draw: st.DrawFn, cutoff: datetime) -> datetime:
    """Mostly a moment on or just by a §5 boundary (T, T - notice_days), now and then any."""
    exact = timedelta(0)
    near = st.sampled_from([exact, exact, SECOND, MICRO, -SECOND, -MICRO])
    anchor = st.sampled_from([exact, exact, *(-timedelta(days=d) for d in NOTICE_DAYS if d)])
    boundary = st.tuples(anchor, near).map(lambda t: t[0] + t[1])
    spread = st.integers(min_value=-90 * 86400, max_value=5 * 86400).map(
        lambda s: timedelta(seconds=s)
    )
    return cutoff + draw(st.one_of(boundary, boundary, spread))


def _years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes 1 March."""
    return date(day.year - years, day.month, 1) + timedelta(days=day.day - 1)


@st.composite
def birth_dates(draw: st.DrawFn, cutoff: datetime) -> date | None:
    """Null, an adult, or a birth date a few days either side of an age limit at T."""
    today = cutoff.date()
    kind = draw(
        st.sampled_from(["none", "adult", "adult", "adult", "edge", "edge", "leap", "leap"])
    )
    if kind == "none":
        return None
    if kind == "adult":
        return draw(st.dates(min_value=date(1940, 1, 1), max_value=_years_before(today, 19)))
    if kind == "edge":
        shift = draw(st.integers(min_value=-2, max_value=2))
        return _years_before(today, draw(st.sampled_from(AGES))) + timedelta(days=shift)
    leap_years = [today.year - a for a in AGES if calendar.isleap(today.year - a)]
    return date(draw(st.sampled_from(leap_years or [2008, 2012])), 2, 29)


#: Mostly no AI-usage preference; otherwise one of the reference's hand-read values.
USAGES = st.sampled_from([None] * 8 + sorted(USAGE))
#: what a person may set through the rights service: a yes or no about training
PREFERENCES = st.sampled_from(sorted(v for v, allowed in USAGE.items() if allowed is not None))


@st.composite
def attestations(draw: st.DrawFn, cutoff: datetime) -> tuple[int | None, datetime | None]:
    """Mostly none; else "at least N" at an instant near an anniversary that reaches an
    age limit at T, on 29 February, a second after T, or half of one (no instant)."""
    kind = draw(st.sampled_from(["none"] * 6 + ["edge", "edge", "leap", "after", "half"]))
    if kind == "none":
        return None, None
    least = draw(st.sampled_from((13, 16, 18)))
    if kind == "half":
        return least, None
    if kind == "after":
        return least, cutoff + timedelta(seconds=draw(st.integers(1, 3600)))
    clock = timedelta(seconds=draw(st.integers(0, 86399)))
    if kind == "edge":
        years = draw(st.integers(min_value=0, max_value=5))
        day = _years_before(cutoff.date(), years) + timedelta(days=draw(st.integers(-2, 2)))
    else:
        day = date(draw(st.sampled_from([2012, 2016, 2020, 2024])), 2, 29)
    made = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + clock
    return least, made if made <= cutoff else cutoff


@st.composite
def accounts_(draw: st.DrawFn, account_id: int, cutoff: datetime) -> Account:
    """Mostly an active personal account; the birth date near an age limit or 29 Feb."""
    statuses = ["active"] * 15 + ["deactivated", "pending_deletion", "deleted"]
    least, made = draw(attestations(cutoff))
    return Account(
        account_id=account_id,
        kind=draw(st.sampled_from(["personal", "personal", "personal", "business"])),
        birth_date=draw(birth_dates(cutoff)),
        country=draw(st.sampled_from(COUNTRIES)),
        status=draw(st.sampled_from(statuses)),
        display_name=f"Member {account_id}",
        created_at=cutoff - timedelta(days=400 + account_id),
        content_usage=draw(USAGES),
        age_attested_min=least,
        age_attested_at=made,
    )


@st.composite
def platforms(draw: st.DrawFn, cutoff: datetime) -> Platform:
    """1-25 accounts, a post by each and up to 40 more, media and tags, some dangling ids."""
    n = draw(st.integers(min_value=1, max_value=25))
    known = list(range(1, n + 1))
    anyone = st.sampled_from(known * 6 + [n + 1, n + 2])  # now and then an unknown id
    accounts = tuple(draw(accounts_(i, cutoff)) for i in known)
    post_created = st.one_of(
        st.integers(min_value=1, max_value=300 * 86400).map(
            lambda s: cutoff - timedelta(seconds=s)
        ),
        st.sampled_from([cutoff, cutoff + timedelta(microseconds=1), cutoff + timedelta(days=2)]),
    )
    n_posts = draw(st.integers(min_value=0, max_value=40))
    probes = tuple(  # one plain post per account, so that every account's standing shows
        Post(10_000 + i, i, cutoff - timedelta(days=1), "public", "en", "Hello", False)
        for i in known
    )
    posts = probes + tuple(
        Post(
            post_id=100 + i,
            author_id=draw(anyone),
            created_at=draw(post_created),
            visibility=draw(st.sampled_from(["public"] * 4 + ["unlisted", "friends", "only_me"])),
            lang=draw(st.sampled_from([None, "en", "nb", "nl"])),
            text=draw(st.sampled_from(TEXTS + NAMING_TEXTS + COPY_TEXTS)),
            deleted=draw(st.sampled_from([False] * 9 + [True])),
            content_usage=draw(USAGES),
        )
        for i in range(n_posts)
    )
    post_ids = st.sampled_from([p.post_id for p in posts])
    n_media = draw(st.integers(min_value=0, max_value=30))
    media = tuple(
        Media(
            media_id=1000 + i,
            post_id=draw(post_ids),
            path=f"images/{1000 + i}.jpg",
            flagged_minor=draw(st.booleans()),
            reservation=draw(st.sampled_from([None] * 4 + ["reserved", "reservation_unreadable"])),
            picture=draw(st.sampled_from(PICTURE_CHOICES)),
            copy=draw(st.booleans()),
        )
        for i in range(n_media)
    )
    tagged = st.sampled_from([*known, n + 1, n + 2])
    tag_rows = draw(
        st.lists(
            st.tuples(post_ids, tagged, st.sampled_from(["photo_tag", "mention"])),
            max_size=25,
            unique=True,
        )
    )
    tags = tuple(Tag(post_id=p, account_id=a, kind=k) for p, a, k in tag_rows)
    # Reshares and quotes: chains, cycles, pointers to unknown posts and to later ones.
    targets = st.sampled_from([p.post_id for p in posts] * 4 + [99_999])
    pointers = st.sampled_from(["none"] * 5 + ["reshare", "quote"])
    shared = []
    for p in posts:
        kind = draw(pointers)
        target = draw(targets) if kind != "none" else None
        shared.append(
            replace(
                p,
                reshare_of=target if kind == "reshare" else None,
                quote_of=target if kind == "quote" else None,
            )
        )
    # Persons: now and then a few accounts linked as one person's.
    person_of = st.sampled_from([None, None, None, 1, 2])
    persons = tuple(
        Link(a.account_id, pid) for a in accounts if (pid := draw(person_of)) is not None
    )
    return Platform(accounts=accounts, posts=tuple(shared), media=media, tags=tags, persons=persons)


@st.composite
def histories(draw: st.DrawFn, cutoff: datetime, account_ids: list[int]) -> tuple[Event, ...]:
    """Per account a likely notice and consent, maybe a contested moment, random events.

    A contested moment is an event and its opposite at the same `at`: the ledger's
    order decides, and the global shuffle below picks that order.
    """
    pool = draw(st.lists(instants(cutoff), min_size=1, max_size=5))
    at = st.sampled_from(pool) | instants(cutoff)
    notice_at = st.sampled_from(
        [cutoff - timedelta(days=d) + nudge for d in (40, 30, 1) for nudge in (0 * SECOND, MICRO)]
    )
    month = timedelta(days=30)
    usual_notice = st.sampled_from([cutoff - 40 * DAY, cutoff - 40 * DAY, cutoff - month])
    usual_notice |= st.just(cutoff - month + MICRO)
    events: list[Event] = []
    for account_id in account_ids:
        if draw(st.sampled_from([True, True, False])):  # the usual: notified, consenting
            events.append(Event(account_id, "notice_sent", draw(usual_notice)))
            events.append(Event(account_id, "consent_given", cutoff - timedelta(days=10)))
        else:
            if draw(st.booleans()):
                events.append(Event(account_id, "notice_sent", draw(notice_at)))
            if draw(st.booleans()):
                events.append(Event(account_id, "consent_given", draw(at)))
        if draw(st.sampled_from([True, False, False])):
            pair = draw(st.sampled_from(OPPOSITES))
            when = draw(at)
            events += [Event(account_id, pair[0], when), Event(account_id, pair[1], when)]
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
            purpose = draw(st.sampled_from(EVENT_PURPOSES))
            value = draw(PREFERENCES)
            events.append(Event(account_id, "preference_set", draw(at), purpose, value))
        for _ in range(draw(st.integers(min_value=0, max_value=3))):
            events.append(
                Event(
                    account_id=account_id,
                    type=draw(st.sampled_from([*EVENT_TYPES * 3, "account_deleted"])),
                    at=draw(at),
                    purpose=draw(st.sampled_from(EVENT_PURPOSES)),
                )
            )
    return tuple(draw(st.permutations(events)))


@st.composite
def non_user_histories(draw: st.DrawFn, cutoff: datetime) -> tuple[Event, ...]:
    """0-3 people without an account registering names, addresses, numbers and photos,
    some withdrawing (at T, a moment after, or at the very instant of the registration)."""
    events: list[Event] = []
    for i in range(draw(st.integers(min_value=0, max_value=3))):
        ref = f"nu-{i}"
        at = draw(instants(cutoff))
        names = tuple(draw(st.lists(st.sampled_from(NON_USER_NAMES), max_size=2, unique=True)))
        emails = tuple(draw(st.lists(st.sampled_from(NON_USER_EMAILS), max_size=1)))
        phones = tuple(draw(st.lists(st.sampled_from(NON_USER_PHONES), max_size=1)))
        photos = tuple(draw(st.lists(st.sampled_from(NON_USER_PHOTOS), max_size=2, unique=True)))
        if not names and not emails and not phones and not photos:
            names = (draw(st.sampled_from(NON_USER_NAMES)),)
        events.append(
            Event(None, "non_user_objection", at, "all", None, ref, names, emails, phones, photos)
        )
        if draw(st.sampled_from([False, False, True])):
            when = draw(st.sampled_from([at, cutoff, at + SECOND]))
            events.append(Event(None, "non_user_objection_withdrawn", when, "all", None, ref))
    return tuple(events)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


@st.composite
def rule_keys(draw: st.DrawFn) -> dict[str, Any]:
    """A few of the §5 keys, as a policy section would set them."""
    choices: dict[str, st.SearchStrategy[Any]] = {
        "legal_basis": st.sampled_from(["legitimate_interest", "consent"]),
        "min_age": st.sampled_from(AGES),
        "notice_days": st.sampled_from(NOTICE_DAYS),
        "visibility": st.sampled_from(
            [["public"], ["public", "friends"], ["friends"], ["public", "unlisted"]]
        ),
        "account_kinds": st.sampled_from([["personal"], ["personal", "business"]]),
        "hold": st.sampled_from(["", "", "", "regulator request"]),
        "exclude_tagged_not_cleared": st.booleans(),
        "exclude_shares_of_excluded": st.booleans(),
        "exclude_copies_of_excluded": st.booleans(),
        "honor_reservations": st.booleans(),
        "drop_flagged_minor_media": st.booleans(),
        "purpose": st.sampled_from(["ai-training", OTHER_PURPOSE]),
    }
    keys = draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True))
    return {k: draw(choices[k]) for k in keys}


@st.composite
def policies(draw: st.DrawFn) -> str:
    """Policy TOML: some top-level keys, and a few region sections overriding some."""
    top = draw(rule_keys())
    top.setdefault("drop_flagged_minor_media", draw(st.booleans()))
    top["dedup"] = draw(st.sampled_from(["near", "exact", "off"]))
    regions = draw(st.dictionaries(st.sampled_from(REGION_NAMES), rule_keys(), max_size=3))
    if "EEA" not in regions and draw(st.booleans()):
        regions["EEA"] = {"legal_basis": "consent"}  # the SPEC's example policy
    if draw(st.sampled_from([True, False, False, False])):
        regions.setdefault(draw(st.sampled_from(COUNTRIES)), {})["hold"] = "regulator request"
    lines = [f"{k} = {_toml(v)}" for k, v in top.items()]
    for name, keys in regions.items():
        lines.append(f"\n[regions.{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in keys.items()]
    return "\n".join(lines) + "\n"


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A whole build input: platform, ledger history, policy and cutoff."""
    cutoff = draw(cutoffs())
    platform = draw(platforms(cutoff))
    ids = [a.account_id for a in platform.accounts] + [len(platform.accounts) + 1]
    events = draw(histories(cutoff, ids)) + draw(non_user_histories(cutoff))
    return Scenario(platform=platform, events=events, policy=draw(policies()), cutoff=cutoff)
