"""The outbox: one JSON object per line, one message per person.

It is written next to its final name and linked into place only once complete
(`os.link` never replaces a file), so a reader sees a whole outbox or none, and an
outbox that was not yet delivered is never overwritten by a later campaign.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from trainright.errors import InputError

FIELDS = (
    "account_id",
    "notice_seq",
    "notice_sent_at",
    "lang",
    "country",
    "region",
    "purpose",
    "notice_days",
    "start",
    "first_use",
    "object_url",
    "subject",
    "body",
)


@dataclass(frozen=True)
class Message:
    """One person's notice as the outbox carries it (dates in ISO 8601, UTC)."""

    account_id: int
    notice_seq: int  # the ledger seq of the `notice_sent` event this message delivers
    notice_sent_at: str
    lang: str
    country: str
    region: str
    purpose: str
    notice_days: int
    start: str  # the campaign's planned start date
    first_use: str  # the first date a build may use this person's posts
    object_url: str
    subject: str
    body: str


def check_new(path: Path) -> None:
    """An outbox is never written over another (it may not have been delivered yet)."""
    if path.exists() or path.is_symlink():
        raise InputError(
            "already exists; an outbox is never overwritten, it may not have been delivered",
            file=str(path),
            field="--outbox",
            hint="deliver it with `trainright notify-send`, then choose a new name",
        )


@contextmanager
def staged(path: Path) -> Iterator[tuple[Path, IO[str]]]:
    """A hidden file beside `path` to write the messages into; removed on failure.

    `write_lines` makes its content durable, so a caller can commit the ledger
    events only once the messages are safely on disk.
    """
    check_new(path)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.partial"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = tmp.open("x", encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot write the outbox: {exc.strerror}", file=str(path), field="--outbox"
        ) from None
    try:
        with handle as fh:
            yield tmp, fh
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_lines(fh: IO[str], messages: Iterable[Message]) -> None:
    """Write messages as JSON Lines and make them durable before returning."""
    for m in messages:
        fh.write(json.dumps(asdict(m), ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def publish(tmp: Path, path: Path) -> None:
    """Give the staged outbox its name, atomically and without replacing anything."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise InputError(
            f"appeared while the campaign ran; the messages are in {tmp}",
            file=str(path),
            field="--outbox",
            hint=f"rename {tmp} to a new outbox name and deliver it",
        ) from None
    tmp.unlink()
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read(path: Path) -> list[Message]:
    """Every message of an outbox; a damaged line is an error naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the outbox: {exc.strerror}", file=str(path)) from None
    out: list[Message] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj: Any = json.loads(line)
            out.append(Message(**{k: obj[k] for k in FIELDS}))
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(
                f"line {number} is not an outbox message ({type(exc).__name__}: {exc})",
                file=str(path),
                hint="pass a file written by `trainright notify`",
            ) from None
    return out
