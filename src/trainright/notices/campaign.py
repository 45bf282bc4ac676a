"""`trainright notify`: tell people before their posts are used, and record that they were told.

A campaign selects the people who need a notice (`select.py`), records one
`notice_sent` event for each (channel `notice`, the purpose of their region) and
writes the outbox of messages — in that order inside one ledger write
transaction, so that an event exists exactly for the messages in the outbox:

1. take the ledger's write lock and drop everyone who already has a `notice_sent`
   for that purpose (or for `all`) — running a campaign twice notifies nobody twice,
   even when two campaigns race;
2. append the events and write the messages, with the events' time, to a staged
   file, flushed to disk;
3. commit, then link the staged file to its outbox name.

Dates: a notice sent at time N counts for builds with cutoff ≥ N + notice_days
(SPEC §5), so the first date a build may use the person's posts is
max(start, date(N) + notice_days). Objecting before that date keeps every post out
of every build; objecting later keeps them out of later builds and queues the
models trained on them for unlearning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Connection, select

from trainright.errors import InputError
from trainright.ledger import Ledger, NewEvent, schema
from trainright.ledger.events import ALL_PURPOSES, Event, iso
from trainright.notices import outbox
from trainright.notices.catalog import compose, language_for
from trainright.notices.select import Candidate, candidates
from trainright.policy import Policy, RegionRules, load_policy


@dataclass(frozen=True)
class NoticeResult:
    """What a campaign did."""

    outbox: Path
    candidates: int  # people whose posts could be used
    already_noticed: int  # of those, told by an earlier campaign
    notified: int  # told now: one event and one message each
    sent_at: datetime | None  # the events' time (None when nobody was told)
    first_use: tuple[date, date] | None  # earliest and latest first-use date in the outbox
    start: date

    @property
    def later_than_start(self) -> bool:
        """True when the notice period pushes some people's first-use date past the start."""
        return self.first_use is not None and self.first_use[1] > self.start


def parse_start(value: str | date) -> date:
    """The campaign's start: a calendar date (UTC), YYYY-MM-DD."""
    if isinstance(value, datetime):
        raise InputError("the start is a date, not a time", field="--start", value=str(value))
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"not a date: {value!r}", field="--start", value=value, hint="write it like 2026-12-01"
        ) from None


def object_url(link_base: str) -> str:
    """The objection link the messages carry: `{link_base}/object`."""
    parts = urlsplit(link_base.strip())
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InputError(
            "not an http(s) URL",
            field="--link-base",
            value=link_base,
            hint="give the rights service's public address, e.g. https://privacy.example.org",
        )
    return link_base.strip().rstrip("/") + "/object"


def first_use_date(sent_at: datetime, notice_days: int, start: date) -> date:
    """The first date a build may use the posts of someone told at `sent_at`.

    The notice counts for cutoffs ≥ sent_at + notice_days, which falls on the date
    date(sent_at) + notice_days: no build before that date sees it, and an objection
    made before that date precedes every cutoff that does.
    """
    return max(start, sent_at.astimezone(UTC).date() + timedelta(days=notice_days))


def _already_noticed(conn: Connection, purposes: set[str]) -> set[tuple[int, str]]:
    e = schema.events.c
    rows = conn.execute(
        select(e.account_id, e.purpose)
        .where(e.type == "notice_sent", e.purpose.in_([*purposes, ALL_PURPOSES]))
        .distinct()
    )
    return {(int(a), str(p)) for a, p in rows}


def notify(
    snapshot: str | Path,
    policy: Policy | str | Path,
    start: str | date,
    *,
    link_base: str,
    ledger: Ledger | str | None = None,
    outbox_path: str | Path | None = None,
) -> NoticeResult:
    """Run a notice campaign: record a `notice_sent` for everyone not yet told, write the outbox."""
    start_date = parse_start(start)
    url = object_url(link_base)
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    now = datetime.now(UTC)
    path = Path(outbox_path or f"notices-{now:%Y%m%dT%H%M%SZ}.jsonl")
    outbox.check_new(path)
    as_of = max(now, datetime.combine(start_date, datetime.min.time(), UTC))
    found = candidates(snapshot, pol, led, as_of)
    rules_for = cache(pol.rules_for)

    with outbox.staged(path) as (tmp, fh), led.write() as conn:
        # The head row is the ledger's write lock on every database; taking it
        # before the look-up makes the check and the append one atomic step.
        conn.execute(select(schema.head.c.seq).where(schema.head.c.id == 1).with_for_update())
        told = _already_noticed(conn, {c.purpose for c in found})
        todo = [
            c
            for c in found
            if (c.account_id, c.purpose) not in told and (c.account_id, ALL_PURPOSES) not in told
        ]
        events = led.append(
            [
                NewEvent(c.account_id, "notice_sent", purpose=c.purpose, channel="notice")
                for c in todo
            ],
            conn,
        )
        messages = [
            _message(c, e, rules_for(c.country), start_date, url)
            for c, e in zip(todo, events, strict=True)
        ]
        outbox.write_lines(fh, messages)
    outbox.publish(tmp, path)
    uses = sorted(date.fromisoformat(m.first_use) for m in messages)
    return NoticeResult(
        outbox=path,
        candidates=len(found),
        already_noticed=len(found) - len(todo),
        notified=len(todo),
        sent_at=events[0].at if events else None,
        first_use=(uses[0], uses[-1]) if uses else None,
        start=start_date,
    )


def _message(c: Candidate, e: Event, rules: RegionRules, start: date, url: str) -> outbox.Message:
    lang = language_for(c.country, c.post_lang)
    first_use = first_use_date(e.at, c.notice_days, start)
    text = compose(
        lang,
        start=start,
        first_use=first_use,
        purpose=c.purpose,
        object_url=url,
        visibility=rules.visibility,
        redact=rules.redact,
        drop_flagged_minor_media=rules.drop_flagged_minor_media,
    )
    return outbox.Message(
        account_id=c.account_id,
        notice_seq=e.seq,
        notice_sent_at=iso(e.at),
        lang=lang,
        country=c.country,
        region=c.region,
        purpose=c.purpose,
        notice_days=c.notice_days,
        start=start.isoformat(),
        first_use=first_use.isoformat(),
        object_url=url,
        subject=text.subject,
        body=text.body,
    )
