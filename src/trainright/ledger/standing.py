"""What the ledger says of one account now: objected, consented, deleted, noticed, preference.

The same reading of the ledger as a build's (SPEC §5, docs/design.md): for the
purpose asked about, an event counts when its purpose is that purpose or `all`;
the latest objection-type and the latest consent-type event decide, latest by
`at` with ties broken by `seq`; events that take effect later do not count yet.
The latest `preference_set` of the account itself, whatever its purpose, is the
account's AI-usage preference (SPEC §3: it overrides the snapshot's).
This is only the ledger's half of a standing: `trainright.rules.standing` adds
the account's own facts and the region's rules to make the decision a build makes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from trainright.ledger.events import ALL_PURPOSES

Summary = Literal["objected", "consented", "neither"]
OBJECTION_TYPES = ("objection", "objection_withdrawn")
CONSENT_TYPES = ("consent_given", "consent_withdrawn")


class EventLike(Protocol):
    """The fields a standing is computed from (an `Event` or a database row)."""

    @property
    def seq(self) -> int: ...
    @property
    def account_id(self) -> int | None: ...
    @property
    def type(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def content_usage(self) -> str | None: ...


@dataclass(frozen=True)
class Standing:
    """One account's rights for one purpose, as the ledger says now."""

    account_id: int
    purpose: str
    objected: bool
    consented: bool
    deleted: bool
    #: an objection was ever withdrawn (the GPC signal never overrides that choice)
    withdrawn: bool
    #: the instant the standing was folded at (the events after it do not count)
    at: datetime
    #: the earliest `notice_sent` for the purpose, at or before `at` (None: never told)
    noticed_at: datetime | None = None
    #: the latest `preference_set` value at or before `at` (None: none set, the
    #: snapshot's `accounts.content_usage` stands)
    preference: str | None = None

    @property
    def summary(self) -> Summary:
        """The one word a receipt shows; an objection outranks a consent."""
        if self.objected:
            return "objected"
        if self.consented:
            return "consented"
        return "neither"


def standing_of(
    account_id: int, events: Iterable[EventLike], purpose: str, now: datetime
) -> Standing:
    """Fold an account's events (any order) into its standing at `now`.

    `events` may hold the events of every account of the account's person: their
    choices and notices count for it, their deletions only for their own account.

    One pass, no sorting: it runs in the writer for every receipt.
    """
    objection: tuple[datetime, int, str] | None = None
    consent: tuple[datetime, int, str] | None = None
    noticed_at: datetime | None = None
    preference: tuple[datetime, int, str] | None = None
    deleted = withdrawn = False
    for e in events:
        if e.at > now:
            continue
        kind = e.type
        if kind == "account_deleted":
            # a person's other accounts' events count for this one; a deletion does not
            deleted = deleted or e.account_id == account_id
            continue
        if kind == "preference_set":
            # an account's own statement about its content: not a linked account's
            key_p = (e.at, e.seq, e.content_usage or "")
            if e.account_id == account_id and (preference is None or key_p > preference):
                preference = key_p
            continue
        if e.purpose != purpose and e.purpose != ALL_PURPOSES:
            continue
        key = (e.at, e.seq, kind)
        if kind == "notice_sent":
            if noticed_at is None or e.at < noticed_at:
                noticed_at = e.at
        elif kind in OBJECTION_TYPES:
            withdrawn = withdrawn or kind == "objection_withdrawn"
            if objection is None or key > objection:
                objection = key
        elif kind in CONSENT_TYPES and (consent is None or key > consent):
            consent = key
    return Standing(
        account_id=account_id,
        purpose=purpose,
        objected=objection is not None and objection[2] == "objection",
        consented=consent is not None and consent[2] == "consent_given",
        deleted=deleted,
        withdrawn=withdrawn,
        at=now,
        noticed_at=noticed_at,
        preference=preference[2] if preference is not None else None,
    )
