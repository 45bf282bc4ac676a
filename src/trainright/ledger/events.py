"""SPEC §3: the rights events and their canonical, hashable form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast, get_args

EventType = Literal[
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
    "notice_sent",
    "account_deleted",
    "preference_set",
    "non_user_objection",
    "non_user_objection_withdrawn",
]
Channel = Literal["web", "api", "gpc", "import", "notice"]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
CHANNELS: tuple[str, ...] = get_args(Channel)
DEFAULT_PURPOSE = "ai-training"
ALL_PURPOSES = "all"
GENESIS_HASH = "0" * 64
#: A person without an account registers and withdraws with these (no account_id).
NON_USER_TYPES = ("non_user_objection", "non_user_objection_withdrawn")


class LineProblem(ValueError):
    """One field of an event line is wrong: what, which field, and the value if it may be shown.

    Both readers of event lines (account events and those of people without an
    account) raise it from the checks they share, and each turns it into its own error.
    """

    def __init__(self, message: str, field: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.field = field
        self.value = value


def check_fields(obj: dict[str, Any], allowed: set[str], what: str) -> None:
    """Refuse the first field `obj` has that `allowed` does not (`what` names the line kind)."""
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise LineProblem(
            f"unknown field {unknown[0]!r} for {what}; it has {', '.join(sorted(allowed))}",
            unknown[0],
        )


def line_channel(obj: dict[str, Any]) -> Channel:
    """The line's `channel` (default `import`, the channel of a bulk file)."""
    channel = obj.get("channel", "import")
    if channel not in CHANNELS:
        raise LineProblem(
            f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}",
            "channel",
            channel,
        )
    return cast(Channel, channel)


@dataclass(frozen=True)
class NewEvent:
    """An event before the ledger commits it (no seq, no hash yet)."""

    account_id: int | None  # None: a person without an account (NON_USER_TYPES)
    type: EventType
    at: datetime | None = None  # None: takes effect when received
    purpose: str = DEFAULT_PURPOSE
    channel: Channel = "api"
    #: `preference_set` only: the AI-usage preference, as a `content_usage` value
    content_usage: str | None = None
    #: NON_USER_TYPES only: the reference handed to the person
    person_ref: str | None = None
    #: `non_user_objection` only: the hashed identifiers (`nonusers.Identifiers.to_json`)
    identifiers: str | None = None


@dataclass(frozen=True)
class Event:
    """A committed event: its position and its link in the hash chain."""

    seq: int
    account_id: int | None
    type: EventType
    purpose: str
    at: datetime
    received_at: datetime
    channel: Channel
    hash: str
    content_usage: str | None = None
    person_ref: str | None = None
    identifiers: str | None = None


def utc(ts: datetime) -> datetime:
    """Naive timestamps are UTC (SPEC §2); aware ones are converted to UTC."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def iso(ts: datetime) -> str:
    """The one text form of a timestamp used in hashes and files."""
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    seq: int,
    account_id: int | None,
    type_: str,
    purpose: str,
    at: datetime,
    received_at: datetime,
    channel: str,
    content_usage: str | None = None,
    person_ref: str | None = None,
    identifiers: str | None = None,
) -> bytes:
    """The bytes an event's hash covers: every field, in a fixed JSON form.

    `content_usage`, `person_ref` and `identifiers` are covered only where an event has
    them, and `account_id` only where it has one (every event but a non-user's), so the
    hashes of every other event, and of ledgers written before they existed, stand.
    """
    body: dict[str, object] = {
        "at": iso(at),
        "channel": channel,
        "purpose": purpose,
        "received_at": iso(received_at),
        "seq": seq,
        "type": type_,
    }
    if account_id is not None:
        body["account_id"] = account_id
    if content_usage is not None:
        body["content_usage"] = content_usage
    if person_ref is not None:
        body["person_ref"] = person_ref
    if identifiers is not None:
        body["identifiers"] = identifiers
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, body: bytes) -> str:
    """Link an event to the one before it: sha256(previous hash, newline, event)."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def event_hash(prev_hash: str, e: Event) -> str:
    """Recompute the hash a committed event should carry."""
    body = canonical(
        e.seq,
        e.account_id,
        e.type,
        e.purpose,
        e.at,
        e.received_at,
        e.channel,
        e.content_usage,
        e.person_ref,
        e.identifiers,
    )
    return chain_hash(prev_hash, body)


def chain(seq: int, prev_hash: str, new: Sequence[NewEvent], now: datetime) -> list[Event]:
    """Number and hash `new` after the event (`seq`, `prev_hash`); all received at `now`.

    The one place seq and hash are assigned, for every writer.
    """
    out: list[Event] = []
    for ev in new:
        seq += 1
        at = utc(ev.at) if ev.at is not None else now
        body = canonical(
            seq,
            ev.account_id,
            ev.type,
            ev.purpose,
            at,
            now,
            ev.channel,
            ev.content_usage,
            ev.person_ref,
            ev.identifiers,
        )
        prev_hash = chain_hash(prev_hash, body)
        out.append(
            Event(
                seq,
                ev.account_id,
                ev.type,
                ev.purpose,
                at,
                now,
                ev.channel,
                prev_hash,
                ev.content_usage,
                ev.person_ref,
                ev.identifiers,
            )
        )
    return out
