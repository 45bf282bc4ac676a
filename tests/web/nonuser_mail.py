"""A real local SMTP server (aiosmtpd) for the non-user tests, and the service it feeds."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from pydantic import SecretStr

from trainright.web.mailer import Mailer

NONUSER_KEY = SecretStr("nonuser-key-for-tests-0123456789ab")
SMS = "{number}@sms.test"
PUBLIC = "http://privacy.test"


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def last_to(self, address: str, timeout: float = 10.0) -> EmailMessage:
        """The latest message to `address` (waits a little for the relay)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for rcpt, m in self.mails if address.lower() in map(str.lower, rcpt)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise AssertionError(f"no message to {address}")

    def link_token(self, address: str) -> str:
        body = self.last_to(address).get_content()
        found = re.search(r"/non-users/confirm\?token=([^&\s]+)", body)
        assert found, body
        return found.group(1)

    def link(self, address: str) -> str:
        body = self.last_to(address).get_content()
        found = re.search(r"http://\S+/non-users/confirm\?\S+", body)
        assert found, body
        return found.group(0)

    def code(self, number: str) -> str:
        found = re.search(
            r"\b(\d{6})\b", self.last_to(SMS.replace("{number}", number)).get_content()
        )
        assert found
        return found.group(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_smtp() -> tuple[Inbox, Controller, int]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return inbox, controller, port


def mailer(port: int, public: str = PUBLIC) -> Mailer:
    return Mailer(
        host="127.0.0.1",
        port=port,
        public_url=public,
        sender="Privacy <privacy@example.org>",
        sms_gateway=SMS,
    )
