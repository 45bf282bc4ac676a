"""SPEC §3: the append-only, hash-chained ledger of rights events, and its stores."""

from trainright.ledger.events import Event, NewEvent
from trainright.ledger.importer import ImportResult, import_events
from trainright.ledger.standing import Standing
from trainright.ledger.store import Head, Ledger
from trainright.ledger.verify import Verification, verify
from trainright.ledger.writer import (
    Filed,
    Filing,
    GroupWriter,
    IdempotencyConflict,
    OutcomeUnknown,
)

__all__ = [
    "Event",
    "Filed",
    "Filing",
    "GroupWriter",
    "Head",
    "IdempotencyConflict",
    "ImportResult",
    "Ledger",
    "NewEvent",
    "OutcomeUnknown",
    "Standing",
    "Verification",
    "import_events",
    "verify",
]
