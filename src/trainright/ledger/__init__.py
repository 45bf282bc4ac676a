"""SPEC §3: the append-only, hash-chained ledger of rights events, and its stores."""

from trainright.ledger.events import Event, NewEvent
from trainright.ledger.importer import ImportResult, import_events
from trainright.ledger.store import Head, Ledger

__all__ = ["Event", "Head", "ImportResult", "Ledger", "NewEvent", "import_events"]
