"""The ledger writer in a process of its own, for the web service.

The web server's event loop and a writer thread in the same process fight over
the GIL: every database call releases it and waits to get it back while the loop
is busy, and group commit slows to the pace of those hand-overs. So the writer
runs as a child process, started with the service and ended with it: requests
are sent over a socket pair as framed pickles, the child commits whatever has
arrived as one batch, and each reply is sent after its batch's commit. It is still one
writer with group commit; it just has a core to itself.

A writer can die (killed, out of memory) or stop answering (stopped, hung) at any
moment, and the service must go on filing and must only say what it knows:

- A filing whose frame never left this process is known not to be committed: it
  fails with `LedgerError` ("nothing was recorded"), or, when the write failed at
  once because the writer had already gone, is sent to the next writer instead.
- A filing whose frame reached the writer and whose reply did not come back fails
  with `OutcomeUnknown`: its batch may have committed. A retry with the same
  Idempotency-Key tells which, and never files twice.
- A warm standby writer (started, ledger open) takes over at once; a new standby is
  started behind it. A watchdog replaces a writer whose heartbeat stops (one that
  was stopped or hangs, not only one that exits), and gives `OutcomeUnknown` to a
  filing not answered within `answer_s`, so no request waits without bound.

docs/rights-service.md walks through every interleaving of a death with a
filing's path and what each guarantees. The child's side is `trainright.ledger.child`
(run as `python -m trainright.ledger.process FD`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from trainright.errors import LedgerError
from trainright.ledger.child import Fault
from trainright.ledger.frames import HEARTBEAT, error_from, frame, frames, read_frame_blocking
from trainright.ledger.writer import Filed, Filing, OutcomeUnknown
from trainright.settings import LedgerURL

log = logging.getLogger("trainright.ledger")
NOT_RECORDED = "the ledger writer stopped before this request reached it; nothing was recorded"
UNKNOWN = (
    "the ledger writer stopped after this request reached it and before it confirmed the "
    "commit: it may or may not be recorded"
)


@dataclass(frozen=True)
class WriterHealth:
    """What the watchdog knows of the active writer, for the readiness check."""

    answering: bool
    pid: int | None
    heard_ms: float | None  # since its last heartbeat or reply
    busy_ms: float | None  # how long its current batch had been running then
    restarts: int
    standby: bool


@dataclass(eq=False)
class _Child:
    """One writer process and the server's end of its socket."""

    proc: subprocess.Popen[bytes]
    out: asyncio.StreamWriter
    heard: float
    pending: dict[int, tuple[asyncio.Future[Filed], float]] = field(default_factory=dict)
    busy_s: float = 0.0
    dead: bool = False
    reader: asyncio.Task[None] | None = None


class ProcessWriter:
    """The web app's side: start the writers, file filings, watch them, stop them."""

    def __init__(
        self,
        url: LedgerURL,
        *,
        heartbeat_s: float = 0.2,
        stall_s: float = 2.0,
        answer_s: float = 10.0,
        standby: bool = True,
        fault: Fault | None = None,
    ) -> None:
        self.url = url
        self.heartbeat_s = heartbeat_s
        self.stall_s = stall_s
        self.answer_s = answer_s
        self.use_standby = standby
        self._fault = fault
        self._ids = itertools.count()
        self._active: _Child | None = None
        self._standby: _Child | None = None
        self._standby_task: asyncio.Task[_Child | None] | None = None
        self._outbox: list[tuple[int, bytes, asyncio.Future[Filed]]] = []
        self._lock = asyncio.Lock()
        self._watchdog: asyncio.Task[None] | None = None
        self._stopping = False
        self.restarts = 0

    # -- starting writers ------------------------------------------------------------
    def _spawn(self, fault: Fault | None) -> tuple[subprocess.Popen[bytes], socket.socket]:
        """Start a child and wait until it has opened (and migrated) the ledger."""
        parent, child = socket.socketpair()
        proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "trainright.ledger.process", str(child.fileno())],
            pass_fds=[child.fileno()],
        )
        child.close()
        try:
            # The URL may hold a password: it goes over the socket, never on a command line.
            parent.sendall(frame((self.url, self.heartbeat_s, fault)))
            parent.settimeout(120)
            reply = read_frame_blocking(parent)
        except (OSError, EOFError) as exc:
            parent.close()
            proc.kill()
            proc.wait()
            raise LedgerError(f"the ledger writer did not start: {exc!r}") from None
        if reply != "ready":
            parent.close()
            proc.wait(10)
            assert isinstance(reply, tuple)
            raise error_from(reply)
        parent.setblocking(False)
        return proc, parent

    async def _connect(self, fault: Fault | None = None) -> _Child:
        proc, sock = await asyncio.to_thread(self._spawn, fault)
        reader, out = await asyncio.open_unix_connection(sock=sock)
        child = _Child(proc, out, time.monotonic())
        child.reader = asyncio.get_running_loop().create_task(self._read(child, reader))
        return child

    async def start(self) -> None:
        """Start the first writer, then its standby (off the event loop), then the
        watchdog: from the first request on, a death is covered at once. One after the
        other, since the first may create and migrate a new ledger, which a second opening
        it at the same moment finds locked ("database is locked" on SQLite)."""
        fault, self._fault = self._fault, None  # only the first writer injects it
        self._active = await self._connect(fault)
        if self.use_standby:
            self._standby = await self._connect()
        self._watchdog = asyncio.get_running_loop().create_task(self._watch())

    def _start_standby(self) -> None:
        if self.use_standby and not self._stopping and self._standby_task is None:
            self._standby_task = asyncio.get_running_loop().create_task(self._make_standby())

    async def _make_standby(self) -> _Child | None:
        try:
            child = await self._connect()
        except LedgerError:
            return None  # the ledger is down; the next promotion spawns one itself
        finally:
            self._standby_task = None
        if self._stopping:
            self._close(child)
            return None
        self._standby = child
        return child

    def _usable(self) -> _Child | None:
        """The live active writer, promoting the standby if the active one is gone."""
        if self._active is not None and not self._active.dead:
            return self._active
        if self._standby is not None and not self._standby.dead:
            self._active, self._standby = self._standby, None
            self.restarts += 1
            self._start_standby()
            return self._active
        return None

    async def _ensure(self) -> _Child:
        """A live writer: the active one, the standby, the standby being started, or a new one."""
        found = self._usable()
        if found is not None:
            return found
        async with self._lock:
            found = self._usable()
            if found is not None:
                return found
            if self._stopping:
                raise LedgerError(NOT_RECORDED)
            task = self._standby_task
            if task is not None:
                await asyncio.shield(task)
                found = self._usable()
                if found is not None:
                    return found
            self._active = await self._connect()
            self.restarts += 1
            self._start_standby()
            return self._active

    # -- filing ------------------------------------------------------------------------
    async def file(self, filing: Filing) -> Filed:
        """Send a filing to the writer and wait for its batch's commit."""
        if self._stopping:
            raise LedgerError(NOT_RECORDED)
        if self._active is None or self._active.dead:
            await self._ensure()
        ident = next(self._ids)
        fut: asyncio.Future[Filed] = asyncio.get_running_loop().create_future()
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.append((ident, frame((ident, filing)), fut))
        return await fut

    def _flush(self) -> None:
        """Send every filing queued in this turn of the event loop with one write.

        The outbox is emptied first, whatever happens. A write that fails at once
        (the writer already gone) delivered none of its bytes, so it is sent to the
        standby; with no writer left those filings fail as not recorded.
        """
        batch, self._outbox = self._outbox, []
        if not batch:
            return
        data = b"".join(f for _, f, _ in batch)
        for _ in range(2):
            child = self._usable()
            if child is None:
                break
            if self._send(child, data):
                now = time.monotonic()
                for ident, _, fut in batch:
                    child.pending[ident] = (fut, now)
                return
            self._bury(child, "its socket closed before the write")
        for _, _, fut in batch:
            if not fut.done():
                fut.set_exception(LedgerError(NOT_RECORDED))
        if not self._stopping:
            asyncio.get_running_loop().create_task(self._restart_quietly())

    @staticmethod
    def _send(child: _Child, data: bytes) -> bool:
        """Hand `data` to the child's socket; False when none of it can have left."""
        transport = child.out.transport
        if transport.is_closing():
            return False
        queued = transport.get_write_buffer_size()
        try:
            child.out.write(data)
        except (RuntimeError, OSError):  # a transport closed under us
            return False
        # With nothing queued before, a send that failed at once closed the transport and
        # sent none of `data`; anything queued may have gone out before the failure.
        return not (transport.is_closing() and queued == 0)

    async def _restart_quietly(self) -> None:
        with contextlib.suppress(LedgerError):
            await self._ensure()

    # -- replies, deaths and the watchdog ------------------------------------------------
    async def _read(self, child: _Child, reader: asyncio.StreamReader) -> None:
        """Resolve waiting requests as replies arrive, every complete frame of a read at once."""
        buf = bytearray()
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(1 << 16):
                child.heard = time.monotonic()
                buf += chunk
                for reply in frames(buf):
                    if reply[0] == HEARTBEAT:
                        child.busy_s = reply[1]
                    else:
                        self._resolve(child, *reply)
        self._bury(child, "it exited")

    @staticmethod
    def _resolve(child: _Child, ident: int, ok: bool, payload: Any) -> None:
        found = child.pending.pop(ident, None)
        if found is None or found[0].done():
            return
        if ok:
            found[0].set_result(payload)
        else:
            found[0].set_exception(error_from(payload))

    def _bury(self, child: _Child, why: str) -> None:
        """A writer is gone: its unanswered filings are unknown, its process is reaped."""
        if child.dead:
            return
        child.dead = True
        for fut, _ in child.pending.values():
            if not fut.done():
                fut.set_exception(OutcomeUnknown(UNKNOWN))
        child.pending.clear()
        if not self._stopping:
            log.warning("ledger writer %s replaced: %s", child.proc.pid, why)
        self._close(child, kill=not self._stopping)
        if child is self._standby:
            self._standby = None
            self._start_standby()
        elif child is self._active and not self._stopping:
            # Promote (or start) the next writer now, not on the next filing.
            asyncio.get_running_loop().create_task(self._restart_quietly())

    @staticmethod
    def _close(child: _Child, *, kill: bool = True) -> None:
        child.out.close()
        if kill and child.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.kill(child.proc.pid, signal.SIGKILL)
        # Reaped by a thread, so a dying writer never blocks the event loop.
        asyncio.get_running_loop().run_in_executor(None, child.proc.wait)

    async def _watch(self) -> None:
        """Replace a writer whose heartbeat stopped; bound every filing's wait."""
        last = time.monotonic()
        while not self._stopping:
            await asyncio.sleep(self.heartbeat_s)
            now = time.monotonic()
            # A late tick means this loop was busy, and heartbeats may be waiting unread:
            # judge silence only on a tick after the readers had their turn.
            judge = now - last < 2 * self.heartbeat_s
            last = now
            for child in (self._active, self._standby):
                if child is None or child.dead:
                    continue
                if judge and now - child.heard > self.stall_s:
                    self._bury(child, "its heartbeat stopped")
                    continue
                late = [i for i, (_, sent) in child.pending.items() if now - sent > self.answer_s]
                for ident in late:
                    fut, _ = child.pending.pop(ident)
                    if not fut.done():
                        fut.set_exception(OutcomeUnknown(UNKNOWN))

    @property
    def pid(self) -> int | None:
        """The active writer's process id (None while there is none)."""
        child = self._active
        return None if child is None or child.dead else child.proc.pid

    def health(self) -> WriterHealth:
        """Whether the active writer answers: a recent heartbeat, no batch stuck."""
        child = self._active
        standby = self._standby is not None and not self._standby.dead
        if child is None or child.dead:
            return WriterHealth(False, None, None, None, self.restarts, standby)
        heard = time.monotonic() - child.heard
        answering = heard <= self.stall_s / 2 and child.busy_s <= self.stall_s
        return WriterHealth(
            answering, child.proc.pid, heard * 1000, child.busy_s * 1000, self.restarts, standby
        )

    async def stop(self) -> None:
        """Close the sockets: each child commits what it has, then exits."""
        self._stopping = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self._standby_task is not None:
            with contextlib.suppress(Exception):
                await self._standby_task
        for child in (self._active, self._standby):
            if child is None:
                continue
            child.out.close()
            try:
                await asyncio.to_thread(child.proc.wait, 30)
            except subprocess.TimeoutExpired:
                child.proc.kill()


if __name__ == "__main__":
    from trainright.ledger.child import child_main

    child_main(int(sys.argv[1]))
