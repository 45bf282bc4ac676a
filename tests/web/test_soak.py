"""Soak (slow suite): 16 clients file while writers and whole servers are killed.

On each store, 5 server lives one after another; in each life the active ledger writer
is killed with SIGKILL 10 times (50 writer kills), then the whole server is (5 server
kills). Every client retries an unanswered filing with its Idempotency-Key until it gets
a receipt, on the next server life if the server died. Printed: acknowledged filings,
lost (must be 0), answered "unknown" then resolved by a retry, and the time from a writer
kill to the next receipt (max and p99). Run with `pytest --slow tests/web/test_soak.py -s`.
"""

from __future__ import annotations

import os
import signal
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from live_server import Server
from people import US, bearer

from trainright.ledger import Ledger, verify

CLIENTS = 16
LIVES = 5
WRITER_KILLS_PER_LIFE = 10
#: Each client files for accounts of its own (US, so every objection is taken).
ACCOUNTS_PER_CLIENT = 60
ARGS = ("--client-rate", "10000000", "--account-rate", "1000000")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: dict[str, dict[str, object]] = field(default_factory=dict)  # key -> event
    unknown: set[str] = field(default_factory=set)  # keys once answered "unknown"
    pending: dict[str, int] = field(default_factory=dict)  # key -> account, server died
    ack_times: list[float] = field(default_factory=list)


def account(client: int, j: int) -> int:
    return 10000 + US + 10 * (client * ACCOUNTS_PER_CLIENT + j % ACCOUNTS_PER_CLIENT)


def file_until_answered(http: httpx.Client, key: str, acc: int, tally: Tally) -> bool:
    """File until a receipt; False when the server is gone (the key stays pending)."""
    while True:
        try:
            resp = http.post(
                "/api/v1/events",
                json={"type": "objection"},
                headers={**bearer(acc), "Idempotency-Key": key},
            )
        except httpx.TransportError:
            with tally.lock:
                tally.pending[key] = acc
            return False
        if resp.status_code in (200, 201):
            with tally.lock:
                tally.acked[key] = resp.json()["events"][0]
                tally.ack_times.append(time.monotonic())
                tally.pending.pop(key, None)
            return True
        assert resp.status_code == 503, resp.text
        if resp.json()["error"] == "outcome_unknown":
            assert "Retry-After" in resp.headers
            with tally.lock:
                tally.unknown.add(key)
        time.sleep(0.05)


def load(base: str, client: int, life: int, stop: threading.Event, tally: Tally) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        with tally.lock:
            mine = [(k, a) for k, a in tally.pending.items() if k.startswith(f"c{client}-")]
        for key, acc in mine:
            if not file_until_answered(http, key, acc, tally):
                return
        j = 0
        while not stop.is_set():
            j += 1
            if not file_until_answered(http, f"c{client}-{life}-{j}", account(client, j), tally):
                return
            time.sleep(0.02)


def writer_pids(server_pid: int) -> list[int]:
    """The server's ledger writers (active and standby), oldest first."""
    found: list[tuple[int, int]] = []
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
            except FileNotFoundError:
                continue
            if b"trainright.ledger.process" in cmd:
                found.append((started, int(pid)))
    return [pid for _, pid in sorted(found)]


@pytest.mark.slow
def test_soak_writer_and_server_kills(ledger_url: str, tmp_path: Path) -> None:
    tally = Tally()
    recovery: list[float] = []
    for life in range(LIVES + 1):
        server = Server(ledger_url, *ARGS, log=tmp_path / "serve.log").start()
        stop = threading.Event()
        threads = [
            threading.Thread(target=load, args=(server.base, c, life, stop, tally))
            for c in range(CLIENTS)
        ]
        for t in threads:
            t.start()
        if life == LIVES:  # a last life only to resolve what the last kill left pending
            deadline = time.monotonic() + 60
            while tally.pending and time.monotonic() < deadline:
                time.sleep(0.1)
            stop.set()
            for t in threads:
                t.join()
            server.close()
            break
        assert server.proc is not None
        for _ in range(WRITER_KILLS_PER_LIFE):
            time.sleep(0.3)
            pids = writer_pids(server.proc.pid)
            assert pids, "the server runs no writer"
            killed = time.monotonic()
            os.kill(pids[0], signal.SIGKILL)
            deadline = killed + 10
            while time.monotonic() < deadline:
                with tally.lock:
                    after = [t for t in tally.ack_times[-CLIENTS:] if t > killed]
                if after:
                    recovery.append(min(after) - killed)
                    break
                time.sleep(0.005)
            else:
                pytest.fail("no filing succeeded within 10 s of a writer kill")
        time.sleep(0.3)
        server.kill()  # the whole server and its writers, mid-load
        stop.set()
        for t in threads:
            t.join()
        server.close()

    assert not tally.pending, f"{len(tally.pending)} filings never resolved"
    ledger = Ledger(ledger_url)
    try:
        events = {e.seq: e for e in ledger.events()}
        lost = 0
        for receipt in tally.acked.values():
            e = events.get(int(str(receipt["seq"])))
            if e is None or (e.account_id, e.hash) != (receipt["account_id"], receipt["hash"]):
                lost += 1
        per_account: dict[int, int] = {}
        for e in events.values():
            per_account[e.account_id] = per_account.get(e.account_id, 0) + 1
        keys_per_account: dict[int, int] = {}
        for receipt in tally.acked.values():
            a = int(str(receipt["account_id"]))
            keys_per_account[a] = keys_per_account.get(a, 0) + 1
        assert verify(ledger).ok
    finally:
        ledger.engine.dispose()
    p99 = statistics.quantiles(recovery, n=100, method="inclusive")[98]
    print(
        f"\nsoak {ledger_url.split(':')[0]}: acknowledged={len(tally.acked)} lost={lost} "
        f"unknown_then_resolved={len(tally.unknown & tally.acked.keys())} "
        f"writer_kills={len(recovery)} server_kills={LIVES} "
        f"recovery_p50_ms={statistics.median(recovery) * 1000:.0f} "
        f"recovery_p99_ms={p99 * 1000:.0f} recovery_max_ms={max(recovery) * 1000:.0f}"
    )
    assert lost == 0
    assert len(recovery) == LIVES * WRITER_KILLS_PER_LIFE
    assert per_account == keys_per_account, "a filing was recorded twice, or without a key"
