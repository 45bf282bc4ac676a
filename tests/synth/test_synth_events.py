"""events.jsonl: importable, and holding every timing edge the rules must decide."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pyarrow.parquet as pq
import pytest

from trainright.ledger.events import NewEvent
from trainright.ledger.importer import parse_event
from trainright.synth import DEFAULT_CUTOFF, SynthSummary

T = DEFAULT_CUTOFF
NOTICE_EDGE = T - timedelta(days=30)


@pytest.fixture(scope="module")
def raw(platform: SynthSummary) -> list[dict[str, Any]]:
    lines = (platform.out / "events.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def events(platform: SynthSummary, raw: list[dict[str, Any]]) -> list[NewEvent]:
    return [parse_event(obj, n, "events.jsonl") for n, obj in enumerate(raw, start=1)]


@pytest.fixture(scope="module")
def accounts(platform: SynthSummary) -> dict[int, dict[str, Any]]:
    table = pq.read_table(platform.out / "accounts.parquet").to_pylist()
    return {a["account_id"]: a for a in table}


def test_every_line_is_an_importable_event(
    raw: list[dict[str, Any]], events: list[NewEvent]
) -> None:
    assert len(events) == len(raw) > 400
    for obj in raw:
        assert set(obj) <= {"account_id", "type", "at", "purpose", "channel"}
        assert obj["at"].endswith("Z")


def test_the_file_is_in_time_order(events: list[NewEvent]) -> None:
    times = [e.at for e in events]
    assert times == sorted(times)  # type: ignore[type-var]


def test_every_type_and_channel_occurs(raw: list[dict[str, Any]], events: list[NewEvent]) -> None:
    assert {e.type for e in events} == {
        "objection",
        "objection_withdrawn",
        "consent_given",
        "consent_withdrawn",
        "notice_sent",
        "account_deleted",
    }
    assert {e.channel for e in events} == {"web", "api", "gpc", "import", "notice"}
    assert any("purpose" not in obj for obj in raw)
    assert any("channel" not in obj for obj in raw)


def test_notices_at_the_edge_just_after_it_and_missing(
    events: list[NewEvent], accounts: dict[int, dict[str, Any]]
) -> None:
    notices = [e for e in events if e.type == "notice_sent"]
    assert all(e.channel == "notice" for e in notices)
    at_edge = sum(e.at == NOTICE_EDGE for e in notices)
    assert at_edge > len(notices) / 4
    assert any(e.at == NOTICE_EDGE + timedelta(seconds=1) for e in notices)
    assert any(e.at is not None and e.at < NOTICE_EDGE for e in notices)
    noticed = {e.account_id for e in notices}
    assert len(noticed) > 0.8 * len(accounts)
    assert set(accounts) - noticed


@pytest.mark.parametrize("kind", ["objection", "consent_given"])
def test_rights_exactly_at_the_cutoff_and_one_second_after(
    events: list[NewEvent], kind: str
) -> None:
    times = {e.at for e in events if e.type == kind}
    assert T in times
    assert T + timedelta(seconds=1) in times
    assert any(t is not None and t < T for t in times)


def test_purposes_all_and_another_purpose_occur(events: list[NewEvent]) -> None:
    for kind in ("objection", "consent_given", "notice_sent"):
        purposes = {e.purpose for e in events if e.type == kind}
        assert {"ai-training", "all", "ads-personalisation"} <= purposes, kind


def test_withdrawals_and_renewed_objections(events: list[NewEvent]) -> None:
    history: dict[int, list[str]] = defaultdict(list)
    for e in events:
        if e.type in ("objection", "objection_withdrawn"):
            history[e.account_id].append(e.type)
    sequences = {tuple(h) for h in history.values()}
    assert ("objection", "objection_withdrawn") in sequences
    assert ("objection", "objection_withdrawn", "objection") in sequences
    withdrawn_later = [
        e for e in events if e.type == "objection_withdrawn" and e.at is not None and e.at > T
    ]
    assert withdrawn_later


def test_deletions_agree_with_account_status(
    events: list[NewEvent], accounts: dict[int, dict[str, Any]]
) -> None:
    deletions = {e.account_id: e.at for e in events if e.type == "account_deleted"}
    for acct, a in accounts.items():
        at = deletions.get(acct)
        if a["status"] == "deleted":
            assert at is not None, acct
            assert at <= T, acct
        elif a["status"] == "pending_deletion":
            assert at is None or at > T, acct
        else:
            assert at is None, acct
    assert T in deletions.values()
    assert any(at is not None and at > T for at in deletions.values())


def test_some_events_name_accounts_the_snapshot_lacks(
    events: list[NewEvent], accounts: dict[int, dict[str, Any]]
) -> None:
    unknown = {e.account_id for e in events} - set(accounts)
    assert 0 < len(unknown) <= 10


def test_objector_count_is_about_ten_percent(
    events: list[NewEvent], accounts: dict[int, Any]
) -> None:
    objectors = {e.account_id for e in events if e.type == "objection"} & set(accounts)
    assert len(objectors) == 40
