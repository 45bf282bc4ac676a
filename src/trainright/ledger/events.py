"""SPEC §3: the rights events and their canonical, hashable form."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

EventType = Literal[
    "objection",
    "objection_withdrawn",
    "consent_given",
    "consent_withdrawn",
    "notice_sent",
    "account_deleted",
    "preference_set",
]
Channel = Literal["web", "api", "gpc", "import", "notice"]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
CHANNELS: tuple[str, ...] = get_args(Channel)
DEFAULT_PURPOSE = "ai-training"
ALL_PURPOSES = "all"
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class NewEvent:
    """An event before the ledger commits it (no seq, no hash yet)."""

    account_id: int
    type: EventType
    at: datetime | None = None  # None: takes effect when received
    purpose: str = DEFAULT_PURPOSE
    channel: Channel = "api"
    #: `preference_set` only: the AI-usage preference, as a `content_usage` value
    content_usage: str | None = None


@dataclass(frozen=True)
class Event:
    """A committed event: its position and its link in the hash chain."""

    seq: int
    account_id: int
    type: EventType
    purpose: str
    at: datetime
    received_at: datetime
    channel: Channel
    hash: str
    content_usage: str | None = None


def utc(ts: datetime) -> datetime:
    """Naive timestamps are UTC (SPEC §2); aware ones are converted to UTC."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


def iso(ts: datetime) -> str:
    """The one text form of a timestamp used in hashes and files."""
    return utc(ts).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    seq: int,
    account_id: int,
    type_: str,
    purpose: str,
    at: datetime,
    received_at: datetime,
    channel: str,
    content_usage: str | None = None,
) -> bytes:
    """The bytes an event's hash covers: every field, in a fixed JSON form.

    `content_usage` is covered only where an event has one (`preference_set`), so
    the hashes of every other event, and of ledgers written before it existed, stand.
    """
    body: dict[str, object] = {
        "account_id": account_id,
        "at": iso(at),
        "channel": channel,
        "purpose": purpose,
        "received_at": iso(received_at),
        "seq": seq,
        "type": type_,
    }
    if content_usage is not None:
        body["content_usage"] = content_usage
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, body: bytes) -> str:
    """Link an event to the one before it: sha256(previous hash, newline, event)."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def event_hash(prev_hash: str, e: Event) -> str:
    """Recompute the hash a committed event should carry."""
    body = canonical(
        e.seq, e.account_id, e.type, e.purpose, e.at, e.received_at, e.channel, e.content_usage
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
            seq, ev.account_id, ev.type, ev.purpose, at, now, ev.channel, ev.content_usage
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
            )
        )
    return out
