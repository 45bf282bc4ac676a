"""SPEC §5 `names_non_user` as a table: one edge per row, on the reference and the build.

Every row registers one person without an account (unless it says otherwise) and
writes post 100 by an adult, cleared account; the row gives the post's text and the
outcome expected for it. Phone numbers are checked on the build alone: the reference
reads names and e-mail addresses only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from helpers import Scenario, build_scenario, new_events
from reference import Account, Event, Platform, Post, evaluate
from trainright.errors import ConfigError
from trainright.ledger import Ledger
from trainright.nonusers.events import registration
from trainright.nonusers.identifiers import Hasher, hash_clear
from trainright.settings import NONUSER_KEY_ENV

T = datetime(2026, 6, 26, tzinfo=UTC)
DAY = timedelta(days=1)
ADULT = Account(1, "personal", date(1990, 5, 17), "US", "active", "Ada Berg", T - 400 * DAY)
NOTICE = Event(1, "notice_sent", T - 40 * DAY)
POLICY = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n'


def register(
    *names: str, emails: tuple[str, ...] = (), at: datetime = T - DAY, ref: str = "nu-1"
) -> Event:
    return Event(None, "non_user_objection", at, "all", None, ref, names, emails)


def withdraw(at: datetime, ref: str = "nu-1") -> Event:
    return Event(None, "non_user_objection_withdrawn", at, "all", None, ref)


@dataclass(frozen=True)
class Row:
    id: str
    text: str
    expect: str
    events: tuple[Event, ...]


ROWS = [
    Row("a name that is a common word", "There is hope yet", "names_non_user", (register("Hope"),)),
    Row("a name inside a longer word", "Hopeful, annual, Olav", "included", (register("Hope"),)),
    Row(
        "a registered name inside a longer name",
        "Grete Hansens hus",
        "included",
        (register("Grete Hansen"),),
    ),
    Row("accents and case", "Hilsen fra JOSE nunez", "names_non_user", (register("José Ñúñez"),)),
    Row("accents written in the text", "José Ñúñez", "names_non_user", (register("Jose Nunez"),)),
    Row(
        "NFKC: a full-width name",
        "Ｇｒｅｔｅ Hansen",
        "names_non_user",
        (register("Grete Hansen"),),
    ),
    Row(
        "words apart, punctuation between",
        "Grete -- Hansen!",
        "names_non_user",
        (register("Grete Hansen"),),
    ),
    Row("the words swapped", "Hansen Grete", "included", (register("Grete Hansen"),)),
    Row(
        "a name of four words",
        "Hilsen Anna Maria van Berg",
        "names_non_user",
        (register("Anna Maria van Berg"),),
    ),
    Row(
        "four words, the last one different",
        "Hilsen Anna Maria van Dijk",
        "included",
        (register("Anna Maria van Berg"),),
    ),
    Row("one word of two", "Grete was here", "included", (register("Grete Hansen"),)),
    Row(
        "an address in other case",
        "Write to GRETE@Example.org.",
        "names_non_user",
        (register(emails=("grete@example.org",)),),
    ),
    Row(
        "an address inside a longer one",
        "mail agrete@example.org",
        "included",
        (register(emails=("grete@example.org",)),),
    ),
    Row(
        "withdrawn before T",
        "There is hope yet",
        "included",
        (register("Hope"), withdraw(T - DAY / 2)),
    ),
    Row(
        "withdrawn after T",
        "There is hope yet",
        "names_non_user",
        (register("Hope"), withdraw(T + DAY)),
    ),
    Row("registered after T", "There is hope yet", "included", (register("Hope", at=T + DAY),)),
    Row(
        "registered again under the same reference: the latest counts",
        "There is hope yet",
        "included",
        (register("Hope"), register("Ann", at=T - DAY / 2)),
    ),
    Row(
        "registration and withdrawal at one instant: the ledger's order decides",
        "There is hope yet",
        "included",
        (register("Hope", at=T - DAY), withdraw(T - DAY)),
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_names_non_user(row: Row, tmp_path: Path) -> None:
    post = Post(100, 1, T - 5 * DAY, "public", "en", row.text, False)
    scenario = Scenario(Platform((ADULT,), (post,)), (NOTICE, *row.events), POLICY, T)
    expected = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
    assert {**expected.excluded, **dict.fromkeys(expected.included, "included")} == {
        100: row.expect
    }
    built = build_scenario(scenario, tmp_path)
    assert {**built.excluded, **dict.fromkeys(built.included, "included")} == {100: row.expect}


PHONES = [
    ("+47 912 34 567", "Ring +4791234567", "names_non_user"),
    ("+47 912 34 567", "Ring 0047 912 34 567", "names_non_user"),
    ("+47 912 34 567", "Ring 912 34 567 i kveld", "names_non_user"),
    ("+47 912 34 567", "Ring 91 23 45 67", "names_non_user"),  # grouped another way
    ("+47 912 34 567", "Ordre 91234567", "included"),  # an order number, not a phone number
    ("+31 6 12345678", "Bel 06-12345678", "names_non_user"),
    ("+31 6 12345678", "Bel +31 (0)6 1234 5678", "names_non_user"),
    ("+1 415 555 0132", "Call (415) 555-0132", "names_non_user"),
    ("+47 912 34 567", "Ring +47 912 34 568", "included"),
]


@pytest.mark.parametrize(("registered", "text", "expect"), PHONES)
def test_phone_numbers_in_their_written_forms(
    registered: str, text: str, expect: str, tmp_path: Path
) -> None:
    post = Post(100, 1, T - 5 * DAY, "public", "en", text, False)
    scenario = Scenario(Platform((ADULT,), (post,)), (NOTICE,), POLICY, T)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    hasher = Hasher(SecretStr(os.environ[NONUSER_KEY_ENV]))
    ids = hash_clear(hasher, phones=[registered])
    ledger.append([*new_events(scenario.events), registration("nu-p", ids, T - DAY)])
    built = build_scenario(scenario, tmp_path, ledger)
    assert {**built.excluded, **dict.fromkeys(built.included, "included")} == {100: expect}


def test_a_build_with_registrations_needs_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = Post(100, 1, T - 5 * DAY, "public", "en", "hope", False)
    scenario = Scenario(Platform((ADULT,), (post,)), (NOTICE, register("Hope")), POLICY, T)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    ledger.append(new_events(scenario.events))
    monkeypatch.delenv(NONUSER_KEY_ENV)
    with pytest.raises(ConfigError, match=NONUSER_KEY_ENV):
        build_scenario(scenario, tmp_path, ledger)
    assert not list(tmp_path.glob("ds-*/manifest.json"))
