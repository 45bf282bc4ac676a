"""The writer process dies (or stops) at each point of a filing's path: every answer is true.

Each test makes the first writer kill or stop itself at one documented point of its
first batch (`trainright.ledger.child.Fault`), or closes the server's socket itself,
while a batch of filings is in flight, on SQLite and on PostgreSQL. Then:

- no filing waits past a bound;
- every answer is true: a receipt or "unknown" for what was committed, "nothing
  was recorded" or "unknown" for what was not;
- a retry with the same Idempotency-Key never files twice;
- the next fresh filing succeeds within a second.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from trainright.errors import LedgerError
from trainright.ledger import Filed, Filing, Ledger, NewEvent, OutcomeUnknown
from trainright.ledger.child import Fault
from trainright.ledger.process import ProcessWriter
from trainright.settings import LedgerURL

N = 6
#: No filing may wait longer than this for its answer (the watchdog's stall is 1 s here).
BOUND_S = 5.0


def gone(pid: int) -> bool:
    """Every thread of the process has exited, so its sockets are closed (it may be a
    zombie not yet reaped: its leader turns zombie before its other threads finish)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
        return state in ("Z", "X") and os.listdir(f"/proc/{pid}/task") == [str(pid)]
    except FileNotFoundError:
        return True


def objection(account: int, key: str | None) -> Filing:
    return Filing(account, (NewEvent(account, "objection", channel="api"),), key=key)


def run(url: str, test: Callable[[ProcessWriter], Awaitable[None]], **kw: Any) -> None:
    async def main() -> None:
        writer = ProcessWriter(LedgerURL(url, "test"), **{"stall_s": 1.0, **kw})
        await writer.start()
        try:
            await test(writer)
        finally:
            await writer.stop()

    asyncio.run(main())


async def file_all(writer: ProcessWriter, accounts: range) -> list[Filed | BaseException]:
    """File one keyed objection per account in one turn of the loop (one batch)."""
    started = time.monotonic()
    found = await asyncio.gather(
        *(writer.file(objection(a, f"k{a}")) for a in accounts), return_exceptions=True
    )
    assert time.monotonic() - started < BOUND_S, "a filing waited past the bound"
    return found


def events_of(url: str, accounts: range) -> dict[int, int]:
    ledger = Ledger(url)
    try:
        counts = dict.fromkeys(accounts, 0)
        for e in ledger.events():
            if e.account_id in counts:
                counts[e.account_id] += 1
        return counts
    finally:
        ledger.engine.dispose()


def assert_true_answers(url: str, accounts: range, found: list[Filed | BaseException]) -> None:
    """Committed => a receipt or unknown; not committed => not recorded or unknown."""
    counts = events_of(url, accounts)
    for a, outcome in zip(accounts, found, strict=True):
        if isinstance(outcome, Filed):
            assert counts[a] == 1, f"account {a} got a receipt for an event the ledger lacks"
        elif isinstance(outcome, OutcomeUnknown):
            pass  # true either way
        else:
            assert isinstance(outcome, LedgerError), outcome
            assert counts[a] == 0, f"account {a} was told 'nothing recorded' but was recorded"


async def retry_and_check(
    writer: ProcessWriter, url: str, accounts: range, found: list[Filed | BaseException]
) -> None:
    """Every unanswered filing, retried with its key, is recorded exactly once."""
    for a, outcome in zip(accounts, found, strict=True):
        if not isinstance(outcome, Filed):
            again = await asyncio.wait_for(writer.file(objection(a, f"k{a}")), BOUND_S)
            assert again.events[0].account_id == a
    assert set(events_of(url, accounts).values()) == {1}, "a retry filed twice"


async def next_filing_is_quick(writer: ProcessWriter, account: int) -> None:
    started = time.monotonic()
    filed = await writer.file(objection(account, None))
    assert filed.events[0].account_id == account
    assert time.monotonic() - started < 1.0, "the next filing took over a second"


async def replacement_seen(writer: ProcessWriter) -> None:
    """Wait (bounded) until the writer has noticed its child's death and promoted the next.

    At ``replied`` every caller has its answer before the child exits, so a filing sent at
    once can reach the dying child's socket before its end is read, and is then honestly
    unknown. The promise under test is the filing *after* the death is seen.
    """
    deadline = time.monotonic() + BOUND_S
    while writer.restarts < 1:
        assert time.monotonic() < deadline, "the writer's death was never noticed"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize(
    ("point", "committed", "answered"),
    [
        ("received", False, 0),  # read, not committed: unknown to the server
        ("committed", True, 0),  # committed, no reply sent
        ("replied_half", True, N // 2),  # half the replies sent
        ("replied", True, N),  # every reply sent, then the writer dies
    ],
)
def test_a_writer_killed_at_each_point_of_a_batch(
    ledger_url: str, point: str, committed: bool, answered: int
) -> None:
    accounts = range(5000, 5000 + N)

    async def test(writer: ProcessWriter) -> None:
        found = await file_all(writer, accounts)
        assert sum(isinstance(f, Filed) for f in found) == answered
        unanswered = [f for f in found if not isinstance(f, Filed)]
        assert all(isinstance(f, OutcomeUnknown) for f in unanswered), unanswered
        assert set(events_of(ledger_url, accounts).values()) == {1 if committed else 0}
        assert_true_answers(ledger_url, accounts, found)
        await replacement_seen(writer)
        await next_filing_is_quick(writer, 6000)
        await retry_and_check(writer, ledger_url, accounts, found)
        assert writer.restarts == 1

    run(ledger_url, test, fault=Fault(point))


@pytest.mark.parametrize(("point", "committed"), [("received", False), ("committed", True)])
def test_a_writer_that_stops_answering_is_replaced(
    ledger_url: str, point: str, committed: bool
) -> None:
    """SIGSTOP: the process lives on but answers nothing; the watchdog replaces it."""
    accounts = range(5100, 5100 + N)

    async def test(writer: ProcessWriter) -> None:
        stopped = writer.pid
        assert stopped is not None
        found = await file_all(writer, accounts)
        assert all(isinstance(f, OutcomeUnknown) for f in found), found
        assert writer.pid != stopped
        assert set(events_of(ledger_url, accounts).values()) == {1 if committed else 0}
        await next_filing_is_quick(writer, 6001)
        await retry_and_check(writer, ledger_url, accounts, found)
        await asyncio.sleep(0.2)
        with pytest.raises(ProcessLookupError):  # the stopped writer was killed, not left
            os.kill(stopped, 0)

    run(ledger_url, test, fault=Fault(point, action="stop"))


def test_a_writer_killed_between_batches_costs_no_filing(ledger_url: str) -> None:
    """Dead before the next write: that write fails at once, and goes to the standby."""
    accounts = range(5200, 5200 + N)

    async def test(writer: ProcessWriter) -> None:
        await next_filing_is_quick(writer, 6002)
        dead = writer.pid
        assert dead is not None
        os.kill(dead, signal.SIGKILL)
        while not gone(dead):  # waits without yielding: the reader cannot notice first
            time.sleep(0.01)
        found = await file_all(writer, accounts)
        assert all(isinstance(f, Filed) for f in found), found
        assert set(events_of(ledger_url, accounts).values()) == {1}

    run(ledger_url, test)


@pytest.mark.parametrize("standby", [True, False])
def test_a_socket_closed_before_the_write(ledger_url: str, standby: bool) -> None:
    """Queued, not yet written: the standby takes them, or they are known not recorded."""
    accounts = range(5300 + 100 * standby, 5300 + 100 * standby + N)

    async def test(writer: ProcessWriter) -> None:
        await writer.file(objection(6003 + standby, None))  # the writer is up and answering
        tasks = [asyncio.ensure_future(writer.file(objection(a, f"k{a}"))) for a in accounts]
        assert writer._active is not None
        writer._active.out.transport.abort()  # the frames are in the outbox, not written
        found = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), BOUND_S)
        if standby:
            assert all(isinstance(f, Filed) for f in found), found
        else:
            assert all(type(f) is LedgerError for f in found), found
            assert all("nothing was recorded" in str(f) for f in found)
        assert_true_answers(ledger_url, accounts, found)
        again = await writer.file(objection(6010 + standby, None))  # no wedge
        assert again.events
        await retry_and_check(writer, ledger_url, accounts, found)

    run(ledger_url, test, standby=standby)


def test_a_slow_answer_is_unknown_within_the_bound(ledger_url: str) -> None:
    """A writer that answers heartbeats but not the filing: unknown after answer_s."""
    accounts = range(5500, 5500 + 2)

    async def test(writer: ProcessWriter) -> None:
        assert writer._active is not None
        writer._active.out.transport.pause_reading()  # replies stay unread on the socket
        started = time.monotonic()
        found = await asyncio.gather(
            *(writer.file(objection(a, f"k{a}")) for a in accounts), return_exceptions=True
        )
        assert 0.5 <= time.monotonic() - started < BOUND_S
        assert all(isinstance(f, OutcomeUnknown) for f in found), found

    run(ledger_url, test, answer_s=0.5, stall_s=30.0)
