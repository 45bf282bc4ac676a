"""Properties of every build: deterministic, objections and consent honoured, monotone.

Each property is stated on its own terms, not through the reference, and is checked
on the reference too (cheaply) so that a property that fails there points at the
reference or the strategies rather than at the build.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import Scenario, build_scenario, new_events, open_ledger
from pictures import hamming, phash_hex
from reference import Event, evaluate, folded_words, rules_for
from strategies import EVENT_PURPOSES, NON_USER_NAMES, NON_USER_PHOTOS, fewer, instants, scenarios


def included(scenario: Scenario, engine: str) -> set[int]:
    """The post ids in the dataset, by the reference or by a real build."""
    return set(decided(scenario, engine)[0])


def decided(scenario: Scenario, engine: str) -> tuple[set[int], dict[int, str]]:
    """The included post ids and the excluded posts' reasons."""
    if engine == "reference":
        outcome = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
        return set(outcome.included), outcome.excluded
    with tempfile.TemporaryDirectory() as tmp:
        built = build_scenario(scenario, Path(tmp))
    return set(built.included), built.excluded


def only_former_duplicates(added: set[int], before: dict[int, str]) -> bool:
    """Excluding more can only bring back a repeat whose earlier copy is now out."""
    return all(before.get(p) == "duplicate" for p in added)


def latest_of(
    events: tuple[Event, ...], accounts: set[int], types: set[str], purpose: str, cutoff: datetime
) -> str | None:
    """The latest of these event types on any of the person's accounts (ties: ledger order)."""
    found = [
        (e.at, seq, e.type)
        for seq, e in enumerate(events)
        if e.account_id in accounts
        and e.type in types
        and e.at <= cutoff
        and e.purpose in (purpose, "all")
    ]
    return max(found)[2] if found else None


@pytest.mark.parametrize("engine", ["reference", "build"])
@fewer(2)
@given(scenarios())
def test_no_post_of_an_objector_of_a_non_consenter_or_after_the_cutoff(
    engine: str, scenario: Scenario
) -> None:
    accounts = {a.account_id: a for a in scenario.platform.accounts}
    posts = {p.post_id: p for p in scenario.platform.posts}
    for post_id in included(scenario, engine):
        author = accounts[posts[post_id].author_id]
        rules = rules_for(scenario.policy, author.country)
        linked = scenario.platform.linked(author.account_id)
        if rules.legal_basis == "legitimate_interest":
            objection = {"objection", "objection_withdrawn"}
            latest = latest_of(scenario.events, linked, objection, rules.purpose, scenario.cutoff)
            assert latest != "objection", f"post {post_id} of objector {author.account_id}"
        else:
            consent = {"consent_given"}
            given_ = latest_of(scenario.events, linked, consent, rules.purpose, scenario.cutoff)
            assert given_ is not None, f"post {post_id} of {author.account_id}, never consented"
        assert posts[post_id].created_at <= scenario.cutoff


@st.composite
def objected_scenarios(draw: st.DrawFn) -> tuple[Scenario, Event]:
    """A scenario and one more event against processing, appended last to its ledger."""
    scenario = draw(scenarios())
    event = Event(
        account_id=draw(st.integers(min_value=1, max_value=len(scenario.platform.accounts) + 1)),
        type=draw(st.sampled_from(["objection", "consent_withdrawn", "account_deleted"])),
        at=draw(instants(scenario.cutoff)),
        purpose=draw(st.sampled_from(EVENT_PURPOSES)),
    )
    return scenario, event


@pytest.mark.parametrize("engine", ["reference", "build"])
@fewer(3)
@given(objected_scenarios())
def test_an_objection_never_adds_rows(engine: str, case: tuple[Scenario, Event]) -> None:
    scenario, event = case
    if engine == "reference":
        s = scenario
        after = Scenario(s.platform, (*s.events, event), s.policy, s.cutoff)
        first, reasons = decided(scenario, "reference")
        assert only_former_duplicates(included(after, "reference") - first, reasons)
        return
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(Path(tmp), scenario.events)
        one = build_scenario(scenario, Path(tmp), ledger)
        ledger.append(new_events((event,)))
        two = build_scenario(scenario, Path(tmp), ledger)
    assert only_former_duplicates(set(two.included) - set(one.included), one.excluded)


@fewer(6)
@given(scenarios())
def test_same_inputs_same_bytes(scenario: Scenario) -> None:
    """Built twice, in this process and then in a pool of two, the bytes are the same."""
    with tempfile.TemporaryDirectory() as tmp:
        ledger = open_ledger(Path(tmp), scenario.events)
        a = build_scenario(scenario, Path(tmp), ledger, workers=1).out
        b = build_scenario(scenario, Path(tmp), ledger, workers=2).out
        files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        assert files_a == files_b
        assert (a / "manifest.json").read_bytes() == (b / "manifest.json").read_bytes()
        for shard in (a / "data").glob("shard-*.parquet"):
            assert shard.read_bytes() == (b / "data" / shard.name).read_bytes(), shard.name


@st.composite
def registered_scenarios(draw: st.DrawFn) -> tuple[Scenario, Event]:
    """A scenario and one more person without an account, registered last in its ledger."""
    scenario = draw(scenarios())
    names = draw(st.lists(st.sampled_from(NON_USER_NAMES), min_size=1, max_size=2, unique=True))
    at = draw(instants(scenario.cutoff))
    event = Event(None, "non_user_objection", at, "all", None, "nu-late", tuple(names))
    return scenario, event


@pytest.mark.parametrize("engine", ["reference", "build"])
@fewer(3)
@given(registered_scenarios())
def test_a_registration_never_adds_rows_and_no_post_left_names_them(
    engine: str, case: tuple[Scenario, Event]
) -> None:
    scenario, event = case
    s = scenario
    after = Scenario(s.platform, (*s.events, event), s.policy, s.cutoff)
    (before_ids, reasons), after_ids = decided(scenario, engine), included(after, engine)
    assert only_former_duplicates(after_ids - before_ids, reasons)
    if event.at > scenario.cutoff:
        assert after_ids == before_ids
        return
    texts = {p.post_id: p.text or "" for p in scenario.platform.posts}
    for post_id in after_ids:
        words = " " + " ".join(folded_words(texts[post_id])) + " "
        for name in event.names:
            assert " " + " ".join(folded_words(name)) + " " not in words, (post_id, name)


def kept_media(scenario: Scenario, engine: str) -> dict[int, int]:
    """Included posts and the number of images each keeps, by the reference or a build."""
    if engine == "reference":
        outcome = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
        return {p: len(m) for p, m in outcome.included.items()}
    with tempfile.TemporaryDirectory() as tmp:
        return build_scenario(scenario, Path(tmp)).included


@st.composite
def photo_scenarios(draw: st.DrawFn) -> tuple[Scenario, Event]:
    """A scenario and one more person without an account, registering a photo at or before T."""
    scenario = draw(scenarios())
    photo = draw(st.sampled_from(NON_USER_PHOTOS))
    at = scenario.cutoff - draw(st.sampled_from([timedelta(0), timedelta(days=3)]))
    event = Event(None, "non_user_objection", at, "all", None, "nu-photo", photos=(photo,))
    return scenario, event


@st.composite
def shuffled_scenarios(draw: st.DrawFn) -> tuple[Scenario, Scenario]:
    """A scenario and the same one with its posts in another order in the snapshot."""
    s = draw(scenarios())
    posts = tuple(draw(st.permutations(s.platform.posts)))
    return s, Scenario(replace(s.platform, posts=posts), s.events, s.policy, s.cutoff)


@fewer(3)
@given(shuffled_scenarios())
def test_the_order_of_the_posts_decides_nothing(case: tuple[Scenario, Scenario]) -> None:
    """Which copy of a repeated text is kept depends on dates and ids, not on row order."""
    first, second = case
    assert decided(first, "build") == decided(second, "build")


@pytest.mark.parametrize("engine", ["reference", "build"])
@fewer(3)
@given(photo_scenarios())
def test_a_registered_photo_never_adds_rows_or_images_and_none_near_it_is_kept(
    engine: str, case: tuple[Scenario, Event]
) -> None:
    scenario, event = case
    s = scenario
    after = Scenario(s.platform, (*s.events, event), s.policy, s.cutoff)
    before, now = kept_media(scenario, engine), kept_media(after, engine)
    assert set(now) <= set(before)
    for post_id, kept in now.items():
        assert kept <= before[post_id]
        far = [
            m
            for m in s.platform.media
            if m.post_id == post_id
            and (m.picture is None or hamming(phash_hex(m.picture, m.copy), event.photos[0]) > 8)
        ]
        assert kept <= len(far), post_id


@pytest.mark.parametrize("engine", ["reference", "build"])
@fewer(3)
@given(scenarios())
def test_copy_checks_never_add_rows(engine: str, scenario: Scenario) -> None:
    """Turning the copy checks on only removes posts (and brings back no original)."""
    lines = [k for k in scenario.policy.splitlines() if not k.startswith("exclude_copies")]

    def switched(on: bool) -> Scenario:
        policy = "\n".join([f"exclude_copies_of_excluded = {str(on).lower()}", *lines]) + "\n"
        return replace(scenario, policy=policy)

    off, on = switched(False), switched(True)
    (kept_off, reasons_off), (kept_on, reasons_on) = decided(off, engine), decided(on, engine)
    assert only_former_duplicates(kept_on - kept_off, reasons_off)
    copied = {p for p, r in reasons_on.items() if r == "copy_of_excluded"}
    assert copied <= kept_off | {p for p, r in reasons_off.items() if r == "duplicate"}
