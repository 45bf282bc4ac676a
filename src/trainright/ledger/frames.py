"""The writer socket's wire format: length-prefixed pickles, and errors as tuples.

Both ends are trainright processes of one installation (the web server and the
writer child it started), so pickle is safe here and costs the least.
"""

from __future__ import annotations

import pickle
import socket
import struct
from typing import Any

from trainright.errors import InputError, LedgerError, TrainrightError
from trainright.ledger.writer import IdempotencyConflict, OutcomeUnknown

HEADER = struct.Struct("!I")
#: The first item of a heartbeat frame (replies start with their int id).
HEARTBEAT = "hb"
_ERRORS: dict[str, type[TrainrightError]] = {
    "IdempotencyConflict": IdempotencyConflict,
    "InputError": InputError,
    "OutcomeUnknown": OutcomeUnknown,
}
ErrorTuple = tuple[str, str, str | None, object, str | None]


def frame(obj: object) -> bytes:
    """One frame: a 4-byte length, then the pickle."""
    body = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def frames(buf: bytearray) -> list[Any]:
    """Take every complete frame off the front of `buf`."""
    out: list[Any] = []
    start = 0
    while len(buf) - start >= HEADER.size:
        end = start + HEADER.size + HEADER.unpack_from(buf, start)[0]
        if end > len(buf):
            break
        out.append(pickle.loads(memoryview(buf)[start + HEADER.size : end]))  # noqa: S301 (our parent)
        start = end
    del buf[:start]
    return out


def read_frame_blocking(sock: socket.socket) -> object:
    """One frame from a blocking socket (the start-up handshake)."""
    buf = bytearray()
    while True:
        found = frames(buf)
        if found:
            return found[0]
        data = sock.recv(1 << 16)
        if not data:
            raise EOFError("the other side closed the socket")
        buf += data


def error_tuple(exc: BaseException) -> ErrorTuple:
    """An error as plain data, to cross the socket."""
    if isinstance(exc, TrainrightError):
        return (type(exc).__name__, exc.message, exc.field, exc.value, exc.hint)
    return ("LedgerError", str(exc), None, None, None)


def error_from(t: ErrorTuple) -> TrainrightError:
    """The error again, as its own class (a `LedgerError` when not one of ours)."""
    cls = _ERRORS.get(t[0], LedgerError)
    return cls(t[1], field=t[2], value=t[3], hint=t[4])
