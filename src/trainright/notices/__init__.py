"""Notice campaigns: tell people before their posts are used, and deliver the messages.

`notify` selects everyone a build could use once told, records a `notice_sent`
event for each and writes an outbox; `send_outbox` delivers it by SMTP.
"""

from trainright.notices.campaign import NoticeResult, first_use_date, notify, parse_start
from trainright.notices.catalog import LANGUAGES, NoticeText, compose, language_for
from trainright.notices.outbox import Message
from trainright.notices.smtp import DeliveryError, SendResult, recipients, send_outbox

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
