"""The ledger writer child: read filings from the socket, commit them in batches, reply.

One main thread: wait for filings, take everything that arrived meanwhile (the
requests that queued up during the last commit), commit it as one batch, send all
its replies in one write, and wait again. If the server is gone the reply fails to
send; the events are committed all the same. At end-of-file the child commits what
it has and exits.

A second thread sends a heartbeat every `heartbeat_s` with how long the current
batch has been running, so the server can tell a writer that is waiting on its
database (heartbeats go on) from one that stopped or hangs (they stop).

A `Fault` from the server makes the child kill or stop itself at one point of one
batch: the deterministic way to test what each death means (docs/rights-service.md).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event

from trainright.errors import TrainrightError
from trainright.ledger.frames import HEARTBEAT, error_tuple, frame, frames, read_frame_blocking
from trainright.ledger.store import Ledger
from trainright.ledger.writer import MAX_BATCH, Committer
from trainright.settings import LedgerURL


@dataclass(frozen=True)
class Fault:
    """A fault the first writer injects into itself, for tests (docs/rights-service.md).

    `point` is where in its loop: `received` (a batch read, not committed),
    `committed` (committed, no reply sent), `replied_half` (half of the batch's
    replies sent) or `replied` (all sent); `batch` counts the writer's batches from 1;
    `action` is `kill` (SIGKILL itself) or `stop` (SIGSTOP itself: a hung writer).
    """

    point: str
    batch: int = 1
    action: str = "kill"


def _receive(sock: socket.socket, buf: bytearray) -> bool:
    """Wait for data, then take all that has arrived; False at end-of-file."""
    data = sock.recv(1 << 20)
    while data:
        buf += data
        try:
            data = sock.recv(1 << 20, socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
    return False


def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint_beside(ledger: Ledger, every_s: float = 1.0) -> None:
    """SQLite: copy the WAL into the database from a thread of its own, every second.

    By default the commit that grows the WAL past 1,000 pages also checkpoints it,
    fsync of the database file included, and every request waiting on that batch
    waits for it too. A passive checkpoint beside the writer takes no lock the
    writer needs, and its disk wait releases the GIL. (The writer's connections
    are opened with `wal_autocheckpoint=0`, before any of them: `child_main`.)
    """

    def run() -> None:
        raw = ledger.engine.raw_connection()
        try:
            while True:
                time.sleep(every_s)
                with contextlib.suppress(Exception):  # a busy database: try again later
                    raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
        finally:
            raw.close()

    threading.Thread(target=run, name="wal-checkpoint", daemon=True).start()


class _Wire:
    """The child's end of the socket: whole frames only, from either thread."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.lock = threading.Lock()
        self.busy_since: float | None = None

    def send(self, data: bytes) -> None:
        with self.lock, contextlib.suppress(OSError):
            self.sock.sendall(data)

    def beat(self, every_s: float) -> None:
        """The heartbeat thread: alive, and how long the current batch has taken."""
        while True:
            time.sleep(every_s)
            since = self.busy_since
            self.send(frame((HEARTBEAT, 0.0 if since is None else time.monotonic() - since)))


def _inject(fault: Fault | None, point: str, batch: int) -> None:
    if fault is not None and fault.point == point and fault.batch == batch:
        os.kill(os.getpid(), signal.SIGKILL if fault.action == "kill" else signal.SIGSTOP)


def child_main(fd: int) -> None:
    """Read the URL, open the ledger, say "ready", then commit what arrives."""
    sock = socket.socket(fileno=fd)
    try:
        hello = read_frame_blocking(sock)
        assert isinstance(hello, tuple)
        url: LedgerURL = hello[0]
        heartbeat_s: float = hello[1]
        fault: Fault | None = hello[2]
        ledger = Ledger(url)
        if ledger.engine.dialect.name == "sqlite":
            event.listen(ledger.engine, "connect", _no_autocheckpoint)
        committer = Committer(ledger)
        committer.ledger.head()
        gc.freeze()  # what start-up loaded stays: keep it out of full collections
    except TrainrightError as exc:
        with contextlib.suppress(OSError):
            sock.sendall(frame(error_tuple(exc)))
        return
    wire = _Wire(sock)
    wire.send(frame("ready"))
    threading.Thread(target=wire.beat, args=(heartbeat_s,), name="heartbeat", daemon=True).start()
    buf = bytearray()
    more = True
    batch = 0
    checkpointing = ledger.engine.dialect.name != "sqlite"
    while more:
        more = _receive(sock, buf)
        jobs = frames(buf)
        if jobs and not checkpointing:  # a standby leaves the checkpoints to the active writer
            _checkpoint_beside(ledger)
            checkpointing = True
        for at in range(0, len(jobs), MAX_BATCH):
            batch += 1
            chunk = jobs[at : at + MAX_BATCH]
            _inject(fault, "received", batch)
            wire.busy_since = time.monotonic()
            outcomes = committer.commit([filing for _, filing in chunk])
            wire.busy_since = None
            _inject(fault, "committed", batch)
            replies = [
                frame(
                    (ident, True, o)
                    if not isinstance(o, Exception)
                    else (ident, False, error_tuple(o))
                )
                for (ident, _), o in zip(chunk, outcomes, strict=True)
            ]
            half = len(replies) // 2
            wire.send(b"".join(replies[:half]))
            _inject(fault, "replied_half", batch)
            wire.send(b"".join(replies[half:]))
            _inject(fault, "replied", batch)
    committer.close()
