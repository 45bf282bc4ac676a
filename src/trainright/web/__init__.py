"""SPEC §9, web: the rights service — forms, receipts and the JSON API."""

from trainright.web.app import create_app
from trainright.web.config import Account, Limits, WebConfig

__all__ = ["Account", "Limits", "WebConfig", "create_app"]
