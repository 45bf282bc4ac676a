"""`ledger verify` names the first event changed, removed, inserted or reordered."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import typer
from sqlalchemy import delete, insert, update
from typer.testing import CliRunner

from trainright.errors import LedgerError
from trainright.ledger import Ledger, NewEvent, schema, verify
from trainright.ledger.commands import register
from trainright.ledger.events import Event, event_hash

E = schema.events.c


@pytest.fixture
def filled(ledger: Ledger) -> Ledger:
    ledger.append([NewEvent(100 + n, "objection") for n in range(8)])
    return ledger


def _rows(led: Ledger) -> list[Event]:
    return led.events()


def _put(led: Ledger, events: list[Event]) -> None:
    """Replace the events table wholesale, as someone with database access could."""
    with led.write() as conn:
        conn.execute(delete(schema.events))
        conn.execute(insert(schema.events), [e.__dict__ for e in events])


def test_an_untouched_ledger_verifies(filled: Ledger) -> None:
    result = verify(filled)
    assert result.ok
    assert result.events == 8


def test_changed_field_names_that_event(filled: Ledger) -> None:
    with filled.write() as conn:
        conn.execute(update(schema.events).where(E.seq == 4).values(type="objection_withdrawn"))
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("changed", 4)
    assert "account 103" in problem.message


def test_removed_event_leaves_a_gap_that_is_named(filled: Ledger) -> None:
    with filled.write() as conn:
        conn.execute(delete(schema.events).where(E.seq == 3))
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("removed", 3)


def test_removed_last_event_is_caught_by_the_head(filled: Ledger) -> None:
    with filled.write() as conn:
        conn.execute(delete(schema.events).where(E.seq == 8))
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("removed", 8)


def test_removed_and_renumbered_is_still_a_removal(filled: Ledger) -> None:
    events = _rows(filled)
    kept = events[:2] + [replace(e, seq=e.seq - 1) for e in events[3:]]
    _put(filled, kept)
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("removed", 3)


@pytest.mark.parametrize("well_formed", [True, False])
def test_inserted_event_is_named(filled: Ledger, well_formed: bool) -> None:
    """Whether or not the forger computed a valid hash, the inserted event is named."""
    events = _rows(filled)
    forged = replace(events[4], account_id=999, seq=5)
    forged = replace(forged, hash=event_hash(events[3].hash, forged) if well_formed else "f" * 64)
    _put(filled, events[:4] + [forged] + [replace(e, seq=e.seq + 1) for e in events[4:]])
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("inserted", 5)


def test_event_appended_behind_the_ledgers_back_is_an_insertion(filled: Ledger) -> None:
    events = _rows(filled)
    extra = replace(events[-1], seq=9, account_id=5, at=datetime(2026, 1, 1, tzinfo=UTC))
    extra = replace(extra, hash=event_hash(events[-1].hash, extra))
    _put(filled, [*events, extra])
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("inserted", 9)


def test_swapped_events_are_reported_as_reordered(filled: Ledger) -> None:
    events = _rows(filled)
    a, b = events[5], events[6]
    swapped = [*events[:5], replace(b, seq=6), replace(a, seq=7), *events[7:]]
    _put(filled, swapped)
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("reordered", 6)


def test_a_rewrite_with_fresh_hashes_is_caught_by_a_dataset_anchor(filled: Ledger) -> None:
    events = _rows(filled)
    with filled.write() as conn:
        conn.execute(
            insert(schema.datasets).values(
                dataset_id="d1",
                path="/data/d1",
                cutoff=datetime(2026, 1, 1, tzinfo=UTC),
                policy_sha256="0" * 64,
                ledger_seq=5,
                ledger_hash=events[4].hash,
                manifest_sha256="0" * 64,
                shards=1,
                included=0,
                excluded=0,
                registered_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    rewritten: list[Event] = []
    prev = events[1].hash
    for e in events[2:]:
        e = replace(e, account_id=e.account_id + 1 if e.seq == 3 else e.account_id)
        e = replace(e, hash=event_hash(prev, e))
        rewritten.append(e)
        prev = e.hash
    _put(filled, events[:2] + rewritten)
    with filled.write() as conn:
        conn.execute(update(schema.head).values(hash=prev))
    problem = verify(filled).problem
    assert problem is not None
    assert (problem.kind, problem.seq) == ("anchor", 5)
    assert "d1" in problem.message


def test_cli_verify_exits_ok_and_fails_with_the_event(filled: Ledger, ledger_url: str) -> None:
    app = typer.Typer()
    register(app)
    runner = CliRunner()
    ok = runner.invoke(app, ["ledger", "verify", "--ledger", ledger_url])
    assert ok.exit_code == 0
    assert "ok: 8 events" in ok.output
    with filled.write() as conn:
        conn.execute(update(schema.events).where(E.seq == 2).values(account_id=1))
    bad = runner.invoke(app, ["ledger", "verify", "--ledger", ledger_url])
    assert isinstance(bad.exception, LedgerError)
    assert "seq 2" in str(bad.exception)
    assert bad.exception.exit_code == 1
