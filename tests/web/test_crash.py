"""Durability: SIGKILL the server mid-load; every acknowledged objection survives.

A bounded load (8 clients on 127.0.0.1, distinct accounts) files objections; the
server and its ledger writer are killed with SIGKILL while requests are in
flight, then restarted. Each receipt a client got names an event that must be
in the ledger, unchanged, and the chain must verify.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from live_server import Server
from people import bearer

from trainright.ledger import Ledger, verify

CLIENTS = 8


def load(base: str, stop: threading.Event, start_id: int, acked: list[dict[str, object]]) -> None:
    n = start_id
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.is_set():
            n += CLIENTS
            try:
                resp = client.post(
                    "/api/v1/events",
                    json={"type": "objection"},
                    headers={**bearer(n), "Idempotency-Key": f"crash-{n}"},
                )
            except httpx.TransportError:
                return  # the server is gone; this request was never acknowledged
            if resp.status_code == 201:
                acked.append(resp.json()["events"][0])


def test_nothing_acknowledged_is_lost_when_the_server_is_killed(
    ledger_url: str, tmp_path: Path
) -> None:
    args = ("--client-rate", "10000000", "--account-rate", "1000")
    server = Server(ledger_url, *args, log=tmp_path / "serve.log").start()
    stop = threading.Event()
    acked: list[dict[str, object]] = []
    threads = [
        threading.Thread(target=load, args=(server.base, stop, 1001 + 10 * i, acked))
        for i in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # mid-load: requests are in flight and batches are committing
    server.close()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 50, "the load did not get going before the kill"

    ledger = Ledger(ledger_url)
    committed = {e.seq: e for e in ledger.events()}
    for receipt in acked:
        event = committed.get(int(str(receipt["seq"])))
        assert event is not None, f"acknowledged event seq {receipt['seq']} was lost"
        assert (event.account_id, event.hash) == (receipt["account_id"], receipt["hash"])
    assert verify(ledger).ok

    with Server(ledger_url, *args, log=tmp_path / "serve.log") as again:
        resp = httpx.post(
            f"{again.base}/api/v1/events", json={"type": "objection"}, headers=bearer(1)
        )
        assert resp.status_code == 201
        assert resp.json()["events"][0]["seq"] == max(committed) + 1  # gap-free after restart
    assert verify(ledger).ok
    ledger.engine.dispose()
