"""planted.parquet is ground truth: every value is in its post, checksums hold or fail."""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from typing import Any

import pyarrow.parquet as pq
import pytest
from stdnum import iban, luhn
from stdnum.nl import bsn
from stdnum.no import fodselsnummer

from trainright.synth import SynthSummary, synthesize
from trainright.synth._kinds import DECOYS, LANGS, MENTIONS, PII

CATEGORIES = {"email", "phone", "national_id", "iban", "payment_card", "ip", "gps", "person_name"}


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    """More posts than the shared platform, so every written form of every kind shows up."""
    return synthesize(tmp_path_factory.mktemp("wide") / "s", accounts=300, posts=12000, images=4)


@pytest.fixture(scope="module")
def planted(wide: SynthSummary) -> list[dict[str, Any]]:
    return pq.read_table(wide.out / "planted.parquet").to_pylist()  # type: ignore[no-any-return]


def by(planted: list[dict[str, Any]], category: str, decoy: bool) -> list[str]:
    return [p["value"] for p in planted if p["category"] == category and p["decoy"] is decoy]


def digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def test_every_planted_value_occurs_in_its_post(
    wide: SynthSummary, planted: list[dict[str, Any]]
) -> None:
    posts = pq.read_table(wide.out / "posts.parquet", columns=["post_id", "text"]).to_pylist()
    text = {p["post_id"]: p["text"] for p in posts}
    assert planted
    for p in planted:
        assert p["value"], p
        assert p["value"] in (text[p["post_id"]] or ""), p


def test_every_category_is_planted_and_decoyed(planted: list[dict[str, Any]]) -> None:
    assert {p["category"] for p in planted} == CATEGORIES
    assert {p["category"] for p in planted if not p["decoy"]} == CATEGORIES
    assert {"national_id", "iban", "payment_card", "person_name"} <= {
        p["category"] for p in planted if p["decoy"]
    }


def test_planted_rows_are_in_post_order(planted: list[dict[str, Any]]) -> None:
    ids = [p["post_id"] for p in planted]
    assert ids == sorted(ids)


def test_national_ids_pass_their_check(planted: list[dict[str, Any]]) -> None:
    values = by(planted, "national_id", decoy=False)
    kinds = {"fnr": 0, "d": 0, "bsn": 0}
    for v in values:
        d = digits(v)
        if len(d) == 11:
            assert fodselsnummer.is_valid(d), v
            kinds["d" if int(d[0]) >= 4 else "fnr"] += 1
        else:
            assert len(d) == 9, v
            assert bsn.is_valid(d), v
            kinds["bsn"] += 1
    assert all(kinds.values()), kinds


def test_lookalike_identifiers_fail_every_check(planted: list[dict[str, Any]]) -> None:
    decoys = [p["value"] for p in planted if p["decoy"]]
    assert decoys
    for v in decoys:
        d = digits(v)
        assert not (len(d) == 11 and fodselsnummer.is_valid(d)), v
        assert not (len(d) == 9 and bsn.is_valid(d)), v
        assert not (12 <= len(d) <= 19 and luhn.is_valid(d)), v
        assert not iban.is_valid(v), v
    assert any(len(digits(v)) == 11 for v in by(planted, "national_id", decoy=True))
    assert any(len(digits(v)) == 9 for v in by(planted, "national_id", decoy=True))


def test_ibans_and_cards(planted: list[dict[str, Any]]) -> None:
    good = by(planted, "iban", decoy=False)
    bad = by(planted, "iban", decoy=True)
    assert good
    assert bad
    assert all(iban.is_valid(v) for v in good)
    assert {v[:2] for v in good} == {"NO", "NL", "DE", "GB"}
    assert not any(iban.is_valid(v) for v in bad)
    cards = by(planted, "payment_card", decoy=False)
    assert cards
    assert all(luhn.is_valid(digits(v)) for v in cards)
    fake = [v for v in by(planted, "payment_card", decoy=True) if len(digits(v)) >= 12]
    assert fake
    assert not any(luhn.is_valid(digits(v)) for v in fake)


def test_contact_details_and_places_have_their_written_forms(planted: list[dict[str, Any]]) -> None:
    emails = by(planted, "email", decoy=False)
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z0-9.-]+\.[a-z]+", v) for v in emails), emails
    phones = by(planted, "phone", decoy=False)
    for prefix in ("+47", "+31", "+44", "+1 ", "+49", "06", "07", "(", "01"):
        assert any(v.startswith(prefix) for v in phones), prefix
    assert any(re.fullmatch(r"\d{3} \d{2} \d{3}", v) for v in phones)  # Norwegian national
    ips = [ipaddress.ip_address(v) for v in by(planted, "ip", decoy=False)]
    assert {ip.version for ip in ips} == {4, 6}
    gps = by(planted, "gps", decoy=False)
    assert any(re.fullmatch(r"-?\d+\.\d{4}, -?\d+\.\d{4}", v) for v in gps)
    assert any(re.fullmatch(r"\d+°\d+'\d+\"[NS] \d+°\d+'\d+\"[EW]", v) for v in gps)
    assert any(re.fullmatch(r"[NS] \d+\.\d{4} [EW] \d+\.\d{4}", v) for v in gps)


def test_names_of_members_and_of_people_who_never_joined(
    wide: SynthSummary, planted: list[dict[str, Any]]
) -> None:
    members = set(
        pq.read_table(wide.out / "accounts.parquet", columns=["display_name"]).column(0).to_pylist()
    )
    names = by(planted, "person_name", decoy=False)
    assert set(names) & members
    assert set(names) - members
    assert {"Will", "Park", "Post"} <= set(by(planted, "person_name", decoy=True))


def test_mentioned_members_are_tagged_as_mentions(
    wide: SynthSummary, planted: list[dict[str, Any]]
) -> None:
    accounts = pq.read_table(wide.out / "accounts.parquet").to_pylist()
    name_of = {a["account_id"]: a["display_name"] for a in accounts}
    tags = pq.read_table(wide.out / "tags.parquet").to_pylist()
    names_in_post = defaultdict(set)
    for p in planted:
        if p["category"] == "person_name":
            names_in_post[p["post_id"]].add(p["value"])
    mentions = [t for t in tags if t["kind"] == "mention"]
    assert mentions
    for t in mentions:
        assert name_of[t["account_id"]] in names_in_post[t["post_id"]]


def test_every_sentence_carries_its_value_exactly_once() -> None:
    for kind in PII + DECOYS:
        for lang in LANGS:
            assert kind.templates[lang], (kind.name, lang)
            for t in kind.templates[lang]:
                assert t.count("{v}") == 1, (kind.name, t)
    for lang in LANGS:
        assert all(t.count("{v}") == 1 for t in MENTIONS[lang])
