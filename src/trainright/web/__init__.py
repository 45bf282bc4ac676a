"""SPEC §9, web: the rights service — forms, receipts and the JSON API.

Names are imported on first use, so the CLI's start-up does not load FastAPI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trainright.rules.standing import AccountFacts
    from trainright.web.app import create_app
    from trainright.web.config import Limits, WebConfig

_HOME = {
    "AccountFacts": "trainright.rules.standing",
    "Limits": "trainright.web.config",
    "WebConfig": "trainright.web.config",
    "create_app": "trainright.web.app",
}
__all__ = ["AccountFacts", "Limits", "WebConfig", "create_app"]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'trainright.web' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
