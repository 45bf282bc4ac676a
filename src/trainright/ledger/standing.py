"""Where a person's data stands now: objected, consented, both or neither.

The same reading of the ledger as a build's (SPEC §5, docs/design.md): for the
purpose asked about, an event counts when its purpose is that purpose or `all`;
the latest objection-type and the latest consent-type event decide, latest by
`at` with ties broken by `seq`; events that take effect later do not count yet.
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
    def type(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def channel(self) -> str: ...


@dataclass(frozen=True)
class Standing:
    """One account's rights for one purpose, as the ledger says now."""

    account_id: int
    purpose: str
    objected: bool
    consented: bool
    deleted: bool
    #: seq of the latest objection-type event, and of the latest gpc objection (for GPC)
    last_objection_seq: int
    last_gpc_seq: int
    last_withdrawal_seq: int

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
    """Fold an account's events (any order) into its standing at `now`."""
    ordered = sorted(
        (
            e
            for e in events
            if e.at <= now and (e.purpose in (purpose, ALL_PURPOSES) or e.type == "account_deleted")
        ),
        key=lambda e: (e.at, e.seq),
    )
    objected = consented = deleted = False
    last_obj = last_gpc = last_wd = 0
    for e in ordered:
        if e.type in OBJECTION_TYPES:
            objected = e.type == "objection"
            last_obj = e.seq
            if e.type == "objection" and e.channel == "gpc":
                last_gpc = e.seq
            if e.type == "objection_withdrawn":
                last_wd = e.seq
        elif e.type in CONSENT_TYPES:
            consented = e.type == "consent_given"
        elif e.type == "account_deleted":
            deleted = True
    return Standing(
        account_id=account_id,
        purpose=purpose,
        objected=objected,
        consented=consented,
        deleted=deleted,
        last_objection_seq=last_obj,
        last_gpc_seq=last_gpc,
        last_withdrawal_seq=last_wd,
    )
