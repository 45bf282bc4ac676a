"""The group-commit writer: batches, idempotency, reasons; nothing answered before commit."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import wait

import pytest
from sqlalchemy import select, text

from trainright.errors import LedgerError
from trainright.ledger import (
    Filing,
    GroupWriter,
    IdempotencyConflict,
    Ledger,
    NewEvent,
    schema,
    verify,
)


def objection(account: int, key: str | None = None, reason: str | None = None) -> Filing:
    return Filing(account, (NewEvent(account, "objection", channel="api"),), key=key, reason=reason)


@pytest.fixture
def writer(ledger: Ledger) -> Iterator[GroupWriter]:
    w = GroupWriter(ledger)
    w.start()
    yield w
    w.stop()


def test_many_queued_filings_commit_in_few_batches_gap_free(writer: GroupWriter) -> None:
    futures = [writer.submit(objection(n)) for n in range(300)]
    wait(futures)
    seqs = sorted(e.seq for f in futures for e in f.result().events)
    assert seqs == list(range(1, 301))
    assert writer.batches < 300  # they were grouped
    assert verify(writer.ledger).ok
    assert all(f.result().standing.objected for f in futures)


def test_a_retry_with_the_same_key_returns_the_first_events(writer: GroupWriter) -> None:
    first = writer.submit(objection(5, key="k-1")).result()
    again = writer.submit(objection(5, key="k-1")).result()
    assert not first.replayed
    assert again.replayed
    assert again.events == first.events
    assert writer.ledger.head().seq == 1


def test_same_key_twice_in_one_batch_commits_once(ledger: Ledger) -> None:
    w = GroupWriter(ledger)
    a, b = w.submit(objection(5, key="k")), w.submit(objection(5, key="k"))
    w.start()  # both were queued before the thread ran: one batch
    w.stop()
    assert a.result().events == b.result().events
    assert b.result().replayed
    assert ledger.head().seq == 1


def test_keys_are_per_account_and_survive_a_restart(ledger_url: str) -> None:
    w = GroupWriter(Ledger(ledger_url))
    w.start()
    w.submit(objection(1, key="same")).result()
    w.submit(objection(2, key="same")).result()
    w.stop()
    w2 = GroupWriter(Ledger(ledger_url))
    w2.start()
    replay = w2.submit(objection(1, key="same")).result()
    w2.stop()
    assert replay.replayed
    assert replay.events[0].seq == 1
    assert w2.ledger.head().seq == 2


def test_a_key_reused_for_another_request_is_a_conflict(writer: GroupWriter) -> None:
    writer.submit(objection(5, key="k")).result()
    other = Filing(5, (NewEvent(5, "consent_given"),), key="k")
    with pytest.raises(IdempotencyConflict):
        writer.submit(other).result()
    with pytest.raises(IdempotencyConflict):
        writer.submit(objection(5, key="k", reason="a different request")).result()


def test_the_reason_is_kept_beside_the_objection_not_in_the_chain(writer: GroupWriter) -> None:
    filed = writer.submit(objection(9, reason="my posts are about my children")).result()
    with writer.ledger.read() as conn:
        rows = conn.execute(select(schema.reasons)).all()
    assert [(r.seq, r.reason) for r in rows] == [
        (filed.events[0].seq, "my posts are about my children")
    ]


def test_a_failed_commit_answers_every_request_with_an_error(writer: GroupWriter) -> None:
    with writer.ledger.write() as conn:
        conn.execute(text("DROP TABLE reasons"))
    fut = writer.submit(objection(1, reason="x"))
    with pytest.raises(LedgerError):
        fut.result()
    assert writer.ledger.head().seq == 0  # the event was rolled back with the reason


def test_reads_by_account_are_planned_afresh_on_postgresql(ledger: Ledger) -> None:
    """A prepared read by account soon runs a generic plan made while the tables were small:
    a scan of every event, each batch slower than the last. Those reads stay unprepared."""
    from trainright.ledger.batchio import PipelinedIO, open_batch_io
    from trainright.ledger.writer import commit_batch

    io = open_batch_io(ledger)
    if not isinstance(io, PipelinedIO):
        io.close()
        pytest.skip("PostgreSQL's plan cache")
    try:
        for n in range(12):  # psycopg prepares a statement from its fifth run on
            (filed,) = commit_batch(io, [objection(n, key=f"k{n}")])
            assert not isinstance(filed, Exception)
        rows = io.pg.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    finally:
        io.close()
    prepared = [statement for (statement,) in rows]
    assert any("ledger_head" in s for s in prepared)  # the head read is prepared, as it may be
    assert not [s for s in prepared if "ANY(" in s]
