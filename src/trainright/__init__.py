"""trainright: lawful, provable AI-training datasets from a platform's user content.

Everything the command line does, Python can do too::

    from trainright import Ledger, build, import_events, load_policy

    ledger = Ledger("sqlite:///trainright.db")
    import_events(ledger, "events.jsonl")
    build("snapshot/", load_policy("policy.toml"), "2026-06-26T00:00:00Z", "datasets/d1",
          ledger=ledger)

Names are imported on first use, so `import trainright` (and the CLI's start-up)
stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
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
    from trainright.pipeline import BuildResult, build, parse_cutoff
    from trainright.policy import (
        DEFAULT_POLICY_TOML,
        Policy,
        RegionRules,
        load_policy,
        parse_policy,
    )

_HOME = {
    "BuildResult": "trainright.pipeline",
    "build": "trainright.pipeline",
    "parse_cutoff": "trainright.pipeline",
    "BuildError": "trainright.errors",
    "ConfigError": "trainright.errors",
    "EventFileError": "trainright.errors",
    "InputError": "trainright.errors",
    "LedgerError": "trainright.errors",
    "PolicyError": "trainright.errors",
    "SnapshotError": "trainright.errors",
    "TrainrightError": "trainright.errors",
    "Event": "trainright.ledger",
    "Head": "trainright.ledger",
    "ImportResult": "trainright.ledger",
    "Ledger": "trainright.ledger",
    "NewEvent": "trainright.ledger",
    "import_events": "trainright.ledger",
    "DEFAULT_POLICY_TOML": "trainright.policy",
    "Policy": "trainright.policy",
    "RegionRules": "trainright.policy",
    "load_policy": "trainright.policy",
    "parse_policy": "trainright.policy",
}
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


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'trainright' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
