"""trainright: lawful, provable AI-training datasets from a platform's user content.

Everything the command line does, Python can do too::

    from trainright import Ledger, build, import_events, load_policy

    ledger = Ledger("sqlite:///trainright.db")
    import_events(ledger, "events.jsonl")
    build("snapshot/", load_policy("policy.toml"), "2026-06-26T00:00:00Z", "datasets/d1",
          ledger=ledger)
"""

__version__ = "0.1.0"

from trainright.build import BuildResult, build, parse_cutoff
from trainright.errors import (
    BuildError,
    ConfigError,
    EventFileError,
    InputError,
    LedgerError,
    PolicyError,
    SnapshotError,
    TrainrightError,
)
from trainright.ledger import Event, Head, ImportResult, Ledger, NewEvent, import_events
from trainright.policy import DEFAULT_POLICY_TOML, Policy, RegionRules, load_policy, parse_policy

__all__ = [
    "DEFAULT_POLICY_TOML",
    "BuildError",
    "BuildResult",
    "ConfigError",
    "Event",
    "EventFileError",
    "Head",
    "ImportResult",
    "InputError",
    "Ledger",
    "LedgerError",
    "NewEvent",
    "Policy",
    "PolicyError",
    "RegionRules",
    "SnapshotError",
    "TrainrightError",
    "__version__",
    "build",
    "import_events",
    "load_policy",
    "parse_cutoff",
    "parse_policy",
]
