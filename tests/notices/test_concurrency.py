"""Two campaigns at once, on SQLite and on PostgreSQL: each person is told once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from trainright.ledger import Ledger
from trainright.ledger.scratch import scratch_database
from trainright.notices import NoticeResult, notify

from .test_campaign import LINK, POLICY, notices_in, snapshot

#: Enough people that the two campaigns' write phases overlap: without the lock taken
#: before the look-up, PostgreSQL (read committed) lets both tell everyone.
PEOPLE: dict[int, tuple[dict[str, Any], list[dict[str, Any]], bool]] = {
    a: ({}, [{}], True) for a in range(1, 1501)
}


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with scratch_database("trainright_notices") as url:
        yield url


def test_two_campaigns_at_once_tell_each_person_once(ledger_url: str, tmp_path: Path) -> None:
    snap = snapshot(tmp_path / "snap", PEOPLE)
    results: list[NoticeResult] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def campaign(name: str) -> None:
        led = Ledger(ledger_url)
        try:
            start.wait()
            results.append(
                notify(
                    snap,
                    POLICY,
                    date(2026, 12, 1),
                    link_base=LINK,
                    ledger=led,
                    outbox_path=tmp_path / f"{name}.jsonl",
                )
            )
        except BaseException as exc:
            failures.append(exc)
        finally:
            led.engine.dispose()

    threads = [threading.Thread(target=campaign, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert sorted(r.notified for r in results) == [0, len(PEOPLE)]
    ledger = Ledger(ledger_url)
    told = [e.account_id for e in notices_in(ledger)]
    ledger.engine.dispose()
    assert sorted(told) == sorted(PEOPLE)
