"""Notice campaigns: who is told, in which language, which dates, and never twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from factories import account, post, write_snapshot
from trainright.errors import InputError
from trainright.ledger import Ledger, NewEvent
from trainright.notices import first_use_date, language_for, notify
from trainright.notices.catalog import SUBJECT, translations
from trainright.policy import Policy, parse_policy
from trainright.rules import DuckDBRunner, region_rules_table, rule_queries
from trainright.snapshot import locate

POLICY = parse_policy(
    """
legal_basis = "legitimate_interest"
notice_days = 30
[regions.DE]
legal_basis = "consent"
[regions.CA]
notice_days = 0
[regions.BR]
hold = "the regulator asked for a pause"
[regions.AU]
visibility = ["public", "friends"]
notice_days = 14
[regions.JP]
account_kinds = ["personal"]
"""
)
LINK = "https://privacy.example.org/"
START = date(2026, 12, 1)

#: account id -> (account overrides, [post overrides], told?) — one SPEC §5 rule a row.
PEOPLE: dict[int, tuple[dict[str, Any], list[dict[str, Any]], bool]] = {
    1: ({}, [{}], True),  # adult, US, public post
    2: ({"country": "NO"}, [{"lang": "nb"}], True),
    3: ({"country": "NL"}, [{"lang": "nl"}], True),
    4: ({"country": "BE"}, [{"lang": "nl"}, {"lang": "nl-BE"}, {"lang": "fr"}], True),
    5: ({"country": "BE"}, [{"lang": "fr"}], True),
    6: ({}, [{}], False),  # objected (event below)
    7: ({"birth_date": date(2015, 1, 1)}, [{}], False),  # under age
    8: ({"birth_date": None}, [{}], False),  # age unknown
    9: ({"status": "deactivated"}, [{}], False),
    10: ({"country": "DE"}, [{}], False),  # consent region: no notice rule
    11: ({"country": "CA"}, [{}], False),  # notice_days = 0
    12: ({"country": "BR"}, [{}], False),  # region on hold
    13: ({}, [{"visibility": "friends"}], False),  # nothing public
    14: ({"country": "AU"}, [{"visibility": "friends"}], True),  # friends allowed there
    15: ({}, [{"deleted": True}], False),  # only a deleted post
    16: ({}, [], False),  # no posts at all
    17: ({"kind": "business", "country": "JP"}, [{}], False),  # kind not allowed
    18: ({"kind": "business"}, [{}], True),
    19: ({}, [{}], False),  # deleted by the platform (event below)
}


def snapshot(
    root: Path, people: dict[int, tuple[dict[str, Any], list[dict[str, Any]], bool]]
) -> Path:
    accounts = [account(a, **kw) for a, (kw, _, _) in people.items()]
    posts = [
        post(a * 100 + i, a, **kw) for a, (_, ps, _) in people.items() for i, kw in enumerate(ps)
    ]
    return write_snapshot(root, accounts, posts)


def read_outbox(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def notices_in(ledger: Ledger) -> list[Any]:
    return [e for e in ledger.events() if e.type == "notice_sent"]


@pytest.fixture
def world(tmp_path: Path, ledger: Ledger) -> tuple[Path, Ledger]:
    ledger.append(
        [
            NewEvent(6, "objection", at=datetime(2026, 3, 1, tzinfo=UTC), channel="import"),
            NewEvent(19, "account_deleted", at=datetime(2026, 3, 1, tzinfo=UTC), channel="import"),
        ]
    )
    return snapshot(tmp_path / "snap", PEOPLE), ledger


def test_everyone_whose_posts_could_be_used_is_told_and_nobody_else(
    world: tuple[Path, Ledger], tmp_path: Path
) -> None:
    snap, ledger = world
    result = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o")
    told = {m["account_id"] for m in read_outbox(result.outbox)}
    assert told == {a for a, (_, _, expected) in PEOPLE.items() if expected}
    assert result.notified == len(told) == result.candidates
    events = notices_in(ledger)
    assert sorted(e.account_id for e in events) == sorted(told)
    assert {(e.channel, e.purpose) for e in events} == {("notice", "ai-training")}


@pytest.mark.parametrize(
    ("country", "post_lang", "lang"),
    [
        ("NO", None, "nb"),
        ("SJ", "en", "nb"),
        ("NL", None, "nl"),
        ("NL", "en", "nl"),
        ("BE", "nl", "nl"),
        ("BE", "nl-BE", "nl"),
        ("BE", "fr", "en"),
        ("BE", None, "en"),
        ("US", "nl", "en"),
        ("DE", None, "en"),
        ("SE", "sv", "en"),
    ],
)
def test_language_by_country(country: str, post_lang: str | None, lang: str) -> None:
    assert language_for(country, post_lang) == lang


@pytest.mark.parametrize(
    ("account_id", "lang", "phrases"),
    [
        (1, "en", ["Object here: https://privacy.example.org/object", "1 December 2026"]),
        (2, "nb", ["Protester her: https://privacy.example.org/object", "1. desember 2026"]),
        (3, "nl", ["Maak hier bezwaar: https://privacy.example.org/object", "1 december 2026"]),
        (4, "nl", ["bezwaar", "openbaar"]),  # Belgian, posts mostly in Dutch
        (5, "en", ["Object here"]),  # Belgian, posts in French: English
        (14, "en", ["publicly or with your friends"]),  # the region allows friends' posts
    ],
)
def test_message_language_and_content(
    world: tuple[Path, Ledger], tmp_path: Path, account_id: int, lang: str, phrases: list[str]
) -> None:
    snap, ledger = world
    result = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o")
    m = next(m for m in read_outbox(result.outbox) if m["account_id"] == account_id)
    assert m["lang"] == lang
    assert m["subject"] == translations(lang).gettext(SUBJECT)
    for phrase in phrases:
        assert phrase in m["body"]
    assert m["object_url"] == "https://privacy.example.org/object"
    assert m["start"] == "2026-12-01"
    assert m["purpose"] == "ai-training"


def test_english_messages_say_what_is_used_and_how_it_is_minimised(
    world: tuple[Path, Ledger], tmp_path: Path
) -> None:
    snap, ledger = world
    result = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o")
    body = next(m["body"] for m in read_outbox(result.outbox) if m["account_id"] == 1)
    assert "the posts and photos you have shared publicly." in body
    assert "e-mail addresses" in body
    assert "names of people" in body
    assert "Photos flagged as showing a child are left out." in body
    assert "at any time after that" in body


@pytest.mark.parametrize(
    ("sent_at", "days", "start", "first_use"),
    [
        # the notice period ends after the planned start: it decides
        (datetime(2026, 11, 23, 15, 50, tzinfo=UTC), 30, date(2026, 12, 1), date(2026, 12, 23)),
        # the start is later than the notice period: the start decides
        (datetime(2026, 11, 23, 15, 50, tzinfo=UTC), 30, date(2027, 1, 15), date(2027, 1, 15)),
        # sent on the last second of a day: the day it was sent counts
        (datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC), 30, date(2026, 1, 1), date(2026, 12, 23)),
        # midnight exactly
        (datetime(2026, 11, 24, 0, 0, tzinfo=UTC), 30, date(2026, 1, 1), date(2026, 12, 24)),
        # across a leap day
        (datetime(2028, 2, 10, 12, 0, tzinfo=UTC), 30, date(2028, 1, 1), date(2028, 3, 11)),
        # an Oslo clock is read in UTC: 00:30 on the 24th there is 23:30 on the 23rd
        (
            datetime(2026, 11, 24, 0, 30, tzinfo=ZoneInfo("Europe/Oslo")),
            1,
            date(2026, 1, 1),
            date(2026, 11, 24),
        ),
    ],
)
def test_first_use_date(sent_at: datetime, days: int, start: date, first_use: date) -> None:
    assert first_use_date(sent_at, days, start) == first_use


def reason_at(snap: Path, policy: Policy, ledger: Ledger, cutoff: datetime, account_id: int) -> Any:
    """The build's own account-level decision for one account at a cutoff."""
    _, events = ledger.export_until(cutoff)
    runner = DuckDBRunner(threads=1)
    try:
        runner.load(locate(snap), events, region_rules_table(policy, cutoff))
        row = runner.conn.execute(
            f"SELECT reason FROM ({rule_queries(cutoff).account_state}) WHERE account_id = ?",
            [account_id],
        ).fetchone()
    finally:
        runner.close()
    assert row is not None
    return row[0]


def test_stated_first_use_date_agrees_with_the_build_rules(
    world: tuple[Path, Ledger], tmp_path: Path
) -> None:
    """Builds before the stated date leave the person out; the notice counts during it."""
    snap, ledger = world
    result = notify(
        snap, POLICY, date(2026, 1, 1), link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o"
    )
    m = next(m for m in read_outbox(result.outbox) if m["account_id"] == 14)  # AU: 14 days
    sent = next(e.at for e in notices_in(ledger) if e.account_id == 14)
    first_use = date.fromisoformat(m["first_use"])
    assert first_use == sent.date() + timedelta(days=14)
    midnight = datetime.combine(first_use, datetime.min.time(), UTC)
    counts_from = sent + timedelta(days=14)
    assert midnight <= counts_from < midnight + timedelta(days=1)
    assert reason_at(snap, POLICY, ledger, midnight - timedelta(microseconds=1), 14) == "no_notice"
    assert reason_at(snap, POLICY, ledger, counts_from - timedelta(microseconds=1), 14) == (
        "no_notice"
    )
    assert reason_at(snap, POLICY, ledger, counts_from, 14) is None


def test_running_twice_tells_nobody_twice(world: tuple[Path, Ledger], tmp_path: Path) -> None:
    snap, ledger = world
    first = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "a")
    second = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "b")
    assert first.notified > 0
    assert second.notified == 0
    assert second.already_noticed == first.notified
    assert read_outbox(second.outbox) == []
    ids = [e.account_id for e in notices_in(ledger)]
    assert len(ids) == len(set(ids)) == first.notified


def test_a_newcomer_is_told_on_the_next_run(tmp_path: Path, ledger: Ledger) -> None:
    people = {a: PEOPLE[a] for a in (1, 2)}
    snap = snapshot(tmp_path / "s1", people)
    notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "a")
    later = snapshot(tmp_path / "s2", {**people, 20: ({}, [{}], True)})
    result = notify(later, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "b")
    assert [m["account_id"] for m in read_outbox(result.outbox)] == [20]


@pytest.mark.parametrize(
    ("purpose", "told_again"),
    [("ai-training", False), ("all", False), ("ads-personalisation", True)],
)
def test_an_earlier_notice_counts_for_its_purpose_only(
    tmp_path: Path, ledger: Ledger, purpose: str, told_again: bool
) -> None:
    snap = snapshot(tmp_path / "s", {1: PEOPLE[1]})
    ledger.append([NewEvent(1, "notice_sent", purpose=purpose, channel="notice")])
    result = notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o")
    assert result.notified == int(told_again)


def test_an_outbox_is_never_overwritten(world: tuple[Path, Ledger], tmp_path: Path) -> None:
    snap, ledger = world
    existing = tmp_path / "undelivered.jsonl"
    existing.write_text("keep me\n")
    with pytest.raises(InputError, match="never overwritten"):
        notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=existing)
    assert existing.read_text() == "keep me\n"
    assert notices_in(ledger) == []


def test_no_event_is_recorded_when_the_outbox_cannot_be_written(
    world: tuple[Path, Ledger], tmp_path: Path
) -> None:
    snap, ledger = world
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(InputError, match="cannot write the outbox"):
        notify(snap, POLICY, START, link_base=LINK, ledger=ledger, outbox_path=blocker / "o.jsonl")
    assert notices_in(ledger) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "1 Dec 2026"}, "--start"),
        ({"start": "2026-12-01T00:00:00Z"}, "--start"),
        ({"link_base": "privacy.example.org"}, "--link-base"),
        ({"link_base": "ftp://privacy.example.org"}, "--link-base"),
    ],
)
def test_bad_options_are_named(
    world: tuple[Path, Ledger], tmp_path: Path, kwargs: dict[str, str], field: str
) -> None:
    snap, ledger = world
    args: dict[str, Any] = {"start": "2026-12-01", "link_base": LINK} | kwargs
    with pytest.raises(InputError) as info:
        notify(
            snap,
            POLICY,
            args["start"],
            link_base=args["link_base"],
            ledger=ledger,
            outbox_path=tmp_path / "o",
        )
    assert info.value.field == field
    assert notices_in(ledger) == []
