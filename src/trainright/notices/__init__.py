"""Notice campaigns: tell people before their posts are used, and deliver the messages.

`notify` selects everyone a build could use once told, records a `notice_sent`
event for each and writes an outbox; `send_outbox` delivers it by SMTP. Names are
imported on first use, so the CLI's start-up does not pay for DuckDB and Babel.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trainright.notices.campaign import NoticeResult, first_use_date, notify, parse_start
    from trainright.notices.catalog import LANGUAGES, NoticeText, compose, language_for
    from trainright.notices.outbox import Message
    from trainright.notices.smtp import DeliveryError, SendResult, recipients, send_outbox

_HOME = {
    "NoticeResult": "trainright.notices.campaign",
    "first_use_date": "trainright.notices.campaign",
    "notify": "trainright.notices.campaign",
    "parse_start": "trainright.notices.campaign",
    "LANGUAGES": "trainright.notices.catalog",
    "NoticeText": "trainright.notices.catalog",
    "compose": "trainright.notices.catalog",
    "language_for": "trainright.notices.catalog",
    "Message": "trainright.notices.outbox",
    "DeliveryError": "trainright.notices.smtp",
    "SendResult": "trainright.notices.smtp",
    "recipients": "trainright.notices.smtp",
    "send_outbox": "trainright.notices.smtp",
}
__all__ = [
    "LANGUAGES",
    "DeliveryError",
    "Message",
    "NoticeResult",
    "NoticeText",
    "SendResult",
    "compose",
    "first_use_date",
    "language_for",
    "notify",
    "parse_start",
    "recipients",
    "send_outbox",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'trainright.notices' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
