"""SPEC §3: append-only events, gap-free seq, the hash chain, migrations."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, select, text

from trainright.errors import LedgerError
from trainright.ledger import Ledger, NewEvent, migrate, schema, verify
from trainright.ledger.events import GENESIS_HASH, event_hash
from trainright.ledger.migrate import current_revision, head_revision


def test_seq_is_gap_free_and_every_hash_chains_to_the_previous(ledger: Ledger) -> None:
    ledger.append([NewEvent(1, "objection"), NewEvent(2, "consent_given")])
    ledger.append([NewEvent(1, "objection_withdrawn")])
    events = ledger.events()
    assert [e.seq for e in events] == [1, 2, 3]
    prev = GENESIS_HASH
    for e in events:
        assert e.hash == event_hash(prev, e)
        prev = e.hash
    assert ledger.head().seq == 3
    assert ledger.head().hash == prev


def test_live_event_takes_effect_when_received_imported_keeps_its_at(ledger: Ledger) -> None:
    past = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    live, imported = ledger.append([NewEvent(1, "objection"), NewEvent(2, "objection", at=past)])
    assert live.at == live.received_at
    assert imported.at == past
    assert imported.received_at > past


def test_concurrent_writers_never_leave_a_gap_or_fork_the_chain(ledger_url: str) -> None:
    ledgers = [Ledger(ledger_url) for _ in range(4)]
    ledgers[0].head()

    def work(led: Ledger, account: int) -> None:
        for _ in range(15):
            led.append([NewEvent(account, "objection"), NewEvent(account, "objection_withdrawn")])

    threads = [threading.Thread(target=work, args=(led, n)) for n, led in enumerate(ledgers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e.seq for e in ledgers[0].events()] == list(range(1, 121))
    assert verify(ledgers[0]).ok
    for led in ledgers:
        led.engine.dispose()


def test_two_openers_of_a_new_sqlite_ledger_both_get_it(tmp_path: Path) -> None:
    """The switch to WAL of a new file gets `database is locked` without a busy wait."""
    failures: list[BaseException] = []
    for attempt in range(150):
        url = f"sqlite:///{tmp_path / f'ledger{attempt}.db'}"
        start = threading.Barrier(2)

        def open_it(url: str = url, start: threading.Barrier = start) -> None:
            led = Ledger(url)
            try:
                start.wait()
                led.head()
            except BaseException as exc:
                failures.append(exc)
            finally:
                led.engine.dispose()

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []


def test_migrations_build_exactly_the_schema_the_code_declares(ledger: Ledger) -> None:
    ledger.head()
    with ledger.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []


def test_a_ledger_made_before_migrations_is_adopted_not_rebuilt(tmp_path: Path) -> None:
    """A database built by `create_all` before Alembic: the first release's tables, no version."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(migrate._config(conn), migrate.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(
            text(
                "INSERT INTO events VALUES (1, 7, 'objection', 'ai-training', "
                "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 'api', 'x')"
            )
        )
    engine.dispose()
    led = Ledger(url)
    assert [e.seq for e in led.events()] == [1]  # kept, not rebuilt
    with led.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert conn.execute(select(schema.idempotency_keys)).all() == []


def test_paging_events_for_the_operator_api(ledger: Ledger) -> None:
    ledger.append([NewEvent(n % 3, "objection") for n in range(10)])
    page = ledger.events(after_seq=4, limit=3)
    assert [e.seq for e in page] == [5, 6, 7]
    assert {e.account_id for e in ledger.events(account_id=1)} == {1}


def test_an_unreachable_database_is_a_ledger_error_naming_the_url() -> None:
    led = Ledger("postgresql://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(LedgerError) as err:
        led.head()
    assert "secret" not in str(err.value)
    assert "127.0.0.1:1" in str(err.value)
