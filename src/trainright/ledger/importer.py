"""`trainright rights import`: bulk events from JSON Lines, all or nothing.

Every line is validated before anything is written; the first bad line stops the
import with its line number, field and value. A file whose exact bytes were
imported before is refused, so a retried import never doubles the ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from pydantic import SecretStr
from sqlalchemy import insert, select

from trainright.digest import file_sha256
from trainright.errors import EventFileError, InputError
from trainright.ledger import schema
from trainright.ledger.events import (
    DEFAULT_PURPOSE,
    EVENT_TYPES,
    NON_USER_TYPES,
    EventType,
    LineProblem,
    NewEvent,
    check_fields,
    line_channel,
)
from trainright.ledger.store import Ledger
from trainright.nonusers import events as nonuser_events
from trainright.nonusers.identifiers import Hasher
from trainright.rules.usage import preference_problem
from trainright.settings import resolve_nonuser_key

FIELDS = {"account_id", "type", "at", "purpose", "channel", "content_usage"}
PURPOSE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class ImportResult:
    """What an import committed."""

    events: int
    first_seq: int
    last_seq: int
    sha256: str


def parse_timestamp(value: Any) -> datetime:
    """ISO 8601 with `Z` or an offset; a timestamp without one is UTC (SPEC §2)."""
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 timestamp string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    ts = datetime.fromisoformat(text)
    if "T" not in text and " " not in text:
        raise ValueError("a date alone is not a timestamp; give a time too")
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def parse_event(
    obj: Any, line: int, source: str, hasher: Callable[[], Hasher] | None = None
) -> NewEvent:
    """One JSON object -> NewEvent, or an EventFileError naming the field.

    `hasher` hashes the identifiers a non-user line gives in clear (default: a
    `Hasher` of the configured key, looked up only then).
    """
    try:
        if not isinstance(obj, dict):
            raise LineProblem(f"expected a JSON object, got {type(obj).__name__}")
        if obj.get("type") in NON_USER_TYPES:
            return nonuser_events.parse_line(obj, _at(obj), hasher or configured_hasher())
        return _account_event(obj)
    except LineProblem as exc:
        raise EventFileError(
            str(exc), line=line, file=source, field=exc.field, value=exc.value
        ) from None


def _at(obj: dict[str, Any]) -> datetime:
    if "at" not in obj:
        raise LineProblem("required field is missing", "at")
    try:
        return parse_timestamp(obj["at"])
    except ValueError as exc:
        raise LineProblem(f"{exc} (got {obj['at']!r})", "at", obj["at"]) from None


def _account_event(obj: dict[str, Any]) -> NewEvent:
    check_fields(obj, FIELDS, "an event")
    for req in ("account_id", "type", "at"):
        if req not in obj:
            raise LineProblem("required field is missing", req)
    acc = obj["account_id"]
    if isinstance(acc, bool) or not isinstance(acc, int) or not 0 <= acc <= INT64_MAX:
        raise LineProblem(f"expected a non-negative 64-bit integer, got {acc!r}", "account_id", acc)
    typ = obj["type"]
    if typ not in EVENT_TYPES or typ in NON_USER_TYPES:
        raise LineProblem(
            f"unknown type {typ!r}; expected one of {', '.join(EVENT_TYPES)}", "type", typ
        )
    at = _at(obj)
    purpose = obj.get("purpose", DEFAULT_PURPOSE)
    if not isinstance(purpose, str) or not PURPOSE_RE.match(purpose):
        raise LineProblem(
            f"expected a purpose such as 'ai-training' or 'all', got {purpose!r}",
            "purpose",
            purpose,
        )
    channel = line_channel(obj)
    usage = obj.get("content_usage")
    if typ == "preference_set":
        if not isinstance(usage, str):
            raise LineProblem(
                'a preference_set event needs content_usage, e.g. "train-ai=n"',
                "content_usage",
                usage,
            )
        problem = preference_problem(usage)
        if problem is not None:
            raise LineProblem(f"not an AI-usage preference: {problem}", "content_usage", usage)
    elif usage is not None:
        raise LineProblem(
            f"only a preference_set event carries content_usage, not {typ!r}",
            "content_usage",
            usage,
        )
    return NewEvent(
        account_id=acc,
        type=cast(EventType, typ),
        at=at,
        purpose=purpose,
        channel=channel,
        content_usage=usage,
    )


def configured_hasher(key: SecretStr | None = None) -> Callable[[], Hasher]:
    """A `Hasher` of `key` (default: the configured key), made on first use and kept."""
    made: list[Hasher] = []

    def get() -> Hasher:
        if not made:
            made.append(Hasher(key if key is not None else resolve_nonuser_key()))
        return made[0]

    return get


def read_event_file(
    path: Path,
    on_line: Callable[[int], None] | None = None,
    key: SecretStr | None = None,
) -> list[NewEvent]:
    """Parse and validate a whole JSON Lines file (blank lines are allowed)."""
    source = str(path)
    hasher = configured_hasher(key)
    out: list[NewEvent] = []
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read the event file: {exc.strerror}", file=source) from None
    with fh:
        for n, raw in enumerate(fh, start=1):
            if on_line:
                on_line(len(raw))
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise EventFileError(f"not valid JSON: {exc}", line=n, file=source) from None
            out.append(parse_event(obj, n, source, hasher))
    return out


def import_events(
    ledger: Ledger,
    path: str | Path,
    on_line: Callable[[int], None] | None = None,
    key: SecretStr | None = None,
) -> ImportResult:
    """Validate every line, then commit them in one transaction, recording the file.

    `key` hashes identifiers given in clear on non-user lines (default: the configured
    `TRAINRIGHT_NONUSER_KEY`, needed only when a line has them).
    """
    p = Path(path)
    events = read_event_file(p, on_line, key)
    digest = file_sha256(p)
    with ledger.write() as conn:
        seen = conn.execute(
            select(schema.imports.c.source, schema.imports.c.imported_at).where(
                schema.imports.c.sha256 == digest
            )
        ).first()
        if seen is not None:
            raise InputError(
                f"this exact file was already imported on {seen.imported_at:%Y-%m-%d %H:%M} UTC "
                f"(as {seen.source}); importing it again would double its events",
                file=str(p),
                field="sha256",
                value=digest,
            )
        committed = ledger.append(events, conn)
        first = committed[0].seq if committed else ledger.head(conn).seq
        last = committed[-1].seq if committed else first
        conn.execute(
            insert(schema.imports).values(
                sha256=digest,
                source=str(p),
                events=len(committed),
                first_seq=first,
                imported_at=datetime.now(UTC),
            )
        )
    return ImportResult(len(committed), first, last, digest)
