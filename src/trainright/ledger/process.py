"""The ledger writer in a process of its own, for the web service.

The web server's event loop and a writer thread in the same process fight over
the GIL: every database call releases it and waits to get it back while the loop
is busy, and group commit slows to the pace of those hand-overs. So the writer
runs as a child process, started with the service and ended with it: requests
are sent over a socket pair as framed pickles, the child commits whatever has
arrived as one batch, and each reply is sent after its batch's commit. It is still one
writer with group commit; it just has a core to itself.

If the server dies, the child reads end-of-file and exits after its current
batch: nothing acknowledged is lost, since nothing is acknowledged before commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import pickle
import socket
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from sqlalchemy import event

from trainright.errors import InputError, LedgerError, TrainrightError
from trainright.ledger.store import Ledger
from trainright.ledger.writer import MAX_BATCH, Committer, Filed, Filing, IdempotencyConflict
from trainright.settings import LedgerURL

_HEADER = struct.Struct("!I")
_ERRORS: dict[str, type[TrainrightError]] = {
    "IdempotencyConflict": IdempotencyConflict,
    "InputError": InputError,
}


def _frame(obj: object) -> bytes:
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def _error_tuple(exc: BaseException) -> tuple[str, str, str | None, object, str | None]:
    if isinstance(exc, TrainrightError):
        return (type(exc).__name__, exc.message, exc.field, exc.value, exc.hint)
    return ("LedgerError", str(exc), None, None, None)


def _error_from(t: tuple[str, str, str | None, object, str | None]) -> TrainrightError:
    cls = _ERRORS.get(t[0], LedgerError)
    return cls(t[1], field=t[2], value=t[3], hint=t[4])


class ProcessWriter:
    """The web app's side: start the child, file filings, stop it."""

    def __init__(self, url: LedgerURL) -> None:
        self.url = url
        self._proc: subprocess.Popen[bytes] | None = None
        self._ids = itertools.count()
        self._pending: dict[int, asyncio.Future[Filed]] = {}
        self._out: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._outbox: list[bytes] = []
        self._restart = asyncio.Lock()
        self._stopping = False

    def _spawn(self) -> socket.socket:
        """Start the child and wait until it has opened (and migrated) the ledger."""
        parent, child = socket.socketpair()
        self._proc = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "trainright.ledger.process", str(child.fileno())],
            pass_fds=[child.fileno()],
        )
        child.close()
        try:
            # The URL may hold a password: it goes over the socket, never on a command line.
            parent.sendall(_frame(self.url))
            parent.settimeout(120)
            reply = _read_frame_blocking(parent)
        except (OSError, EOFError) as exc:
            parent.close()
            self._proc.kill()
            raise LedgerError(f"the ledger writer did not start: {exc!r}") from None
        if reply != "ready":
            parent.close()
            self._proc.wait(10)
            assert isinstance(reply, tuple)
            raise _error_from(reply)
        parent.setblocking(False)
        return parent

    async def start(self) -> None:
        """Spawn the writer (off the event loop) and connect to it."""
        parent = await asyncio.to_thread(self._spawn)
        reader, self._out = await asyncio.open_unix_connection(sock=parent)
        self._reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    def _running(self) -> bool:
        return self._reader_task is not None and not self._reader_task.done()

    async def _ensure_running(self) -> None:
        """Start a new writer if the last one died: a crash costs its batch, not the service."""
        async with self._restart:
            if self._running() or self._stopping:
                return
            if self._out is not None:
                self._out.close()
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                await asyncio.to_thread(self._proc.wait)
            await self.start()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        """Resolve waiting requests as replies arrive, every complete frame of a read at once."""
        buf = bytearray()
        try:
            while chunk := await reader.read(1 << 16):
                buf += chunk
                for reply in _frames(buf):
                    self._resolve(*reply)
        except ConnectionError:
            pass
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(LedgerError("the ledger writer stopped; nothing was recorded"))
        self._pending.clear()

    def _resolve(self, ident: int, ok: bool, payload: Any) -> None:
        fut = self._pending.pop(ident, None)
        if fut is None or fut.done():
            return
        if ok:
            fut.set_result(payload)
        else:
            fut.set_exception(_error_from(payload))

    def _flush(self) -> None:
        """Send every filing queued in this turn of the event loop with one write."""
        if self._out is not None and self._outbox:
            self._out.write(b"".join(self._outbox))
        self._outbox.clear()

    async def file(self, filing: Filing) -> Filed:
        """Send a filing to the writer and wait for its batch's commit."""
        if not self._running():
            await self._ensure_running()
        if self._out is None or self._stopping:
            raise LedgerError("the ledger writer stopped; nothing was recorded")
        ident = next(self._ids)
        fut: asyncio.Future[Filed] = asyncio.get_running_loop().create_future()
        self._pending[ident] = fut
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.append(_frame((ident, filing)))
        return await fut

    async def stop(self) -> None:
        """Close the socket: the child commits what it has, then exits."""
        self._stopping = True
        if self._out is not None:
            self._out.close()
        if self._proc is not None:
            try:
                await asyncio.to_thread(self._proc.wait, 30)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def _read_frame_blocking(sock: socket.socket) -> object:
    """One frame from a blocking socket (the start-up handshake)."""
    buf = bytearray()
    while True:
        found = _frames(buf)
        if found:
            return found[0]
        data = sock.recv(1 << 16)
        if not data:
            raise EOFError("the other side closed the socket")
        buf += data


def _frames(buf: bytearray) -> list[Any]:
    """Take every complete frame off the front of `buf`."""
    out: list[Any] = []
    start = 0
    while len(buf) - start >= _HEADER.size:
        end = start + _HEADER.size + _HEADER.unpack_from(buf, start)[0]
        if end > len(buf):
            break
        out.append(pickle.loads(memoryview(buf)[start + _HEADER.size : end]))  # noqa: S301 (our parent)
        start = end
    del buf[:start]
    return out


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
    writer needs, and its disk wait releases the GIL.
    """
    event.listen(ledger.engine, "connect", _no_autocheckpoint)

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


def child_main(fd: int) -> None:
    """The child: read the URL, open the ledger, then commit what arrives.

    One thread: wait for filings, take everything that arrived meanwhile (the
    requests that queued up during the last commit), commit it as one batch,
    send all its replies in one write, and wait again. If the server is gone the
    reply fails to send; the events are committed all the same. At end-of-file
    the child commits what it has and exits.
    """
    sock = socket.socket(fileno=fd)
    try:
        url = _read_frame_blocking(sock)
        assert isinstance(url, LedgerURL)
        ledger = Ledger(url)
        if ledger.engine.dialect.name == "sqlite":
            _checkpoint_beside(ledger)
        committer = Committer(ledger)
        committer.ledger.head()
        gc.freeze()  # what start-up loaded stays: keep it out of full collections
    except TrainrightError as exc:
        with contextlib.suppress(OSError):
            sock.sendall(_frame(_error_tuple(exc)))
        return
    sock.sendall(_frame("ready"))
    buf = bytearray()
    more = True
    while more:
        more = _receive(sock, buf)
        jobs = _frames(buf)
        for at in range(0, len(jobs), MAX_BATCH):
            chunk = jobs[at : at + MAX_BATCH]
            outcomes = committer.commit([filing for _, filing in chunk])
            replies = [
                _frame(
                    (ident, True, o)
                    if not isinstance(o, Exception)
                    else (ident, False, _error_tuple(o))
                )
                for (ident, _), o in zip(chunk, outcomes, strict=True)
            ]
            with contextlib.suppress(OSError):
                sock.sendall(b"".join(replies))
    committer.close()


if __name__ == "__main__":
    child_main(int(sys.argv[1]))
