"""The verification messages to people without an account, through the SMTP relay.

The same relay as `notify-send` (the platform's MTA on a trusted network). A phone
code goes the same way to the operator's e-mail-to-SMS gateway, whose address is
a template such as `{number}@sms.example.org` (`{number}`: the E.164 digits).
Configured from the environment, so `trainright serve` needs no new flags:
TRAINRIGHT_SMTP_HOST (unset: the non-user page says it is not available),
TRAINRIGHT_SMTP_PORT (25), TRAINRIGHT_MAIL_FROM, TRAINRIGHT_SMS_GATEWAY and
TRAINRIGHT_PUBLIC_URL (the links' base: never the request's Host header, which a
sender could forge to get a valid link mailed to someone pointing at their site).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from trainright.errors import ConfigError


class MailFailure(Exception):
    """The relay could not be reached or refused the message (nothing is said of whom)."""


@dataclass(frozen=True)
class Mailer:
    """Where verification messages go out, and the public address the links point to."""

    host: str
    public_url: str
    sender: str = "privacy@localhost"
    port: int = 25
    sms_gateway: str | None = None
    timeout: float = 10.0

    def sms_address(self, e164: str) -> str | None:
        """The gateway address of a number, or None when no gateway is configured."""
        return self.sms_gateway.replace("{number}", e164) if self.sms_gateway else None

    def send(self, to: str, subject: str, body: str, lang: str) -> None:
        """Deliver one plain-text message; blocking (run it in a thread)."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or "localhost")
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(body)
        mail["Content-Language"] = lang
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailure(type(exc).__name__) from None


def mailer_from_env() -> Mailer | None:
    """The relay the environment names, or None when TRAINRIGHT_SMTP_HOST is unset."""
    host = os.environ.get("TRAINRIGHT_SMTP_HOST")
    if not host:
        return None
    public = os.environ.get("TRAINRIGHT_PUBLIC_URL")
    if not public:
        raise ConfigError(
            "the verification links need the service's public address",
            field="TRAINRIGHT_PUBLIC_URL",
            hint="set it to where people reach this service, e.g. https://privacy.example.org",
        )
    port = os.environ.get("TRAINRIGHT_SMTP_PORT", "25")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError("not a port number", field="TRAINRIGHT_SMTP_PORT", value=port)
    gateway = os.environ.get("TRAINRIGHT_SMS_GATEWAY") or None
    if gateway is not None and "{number}" not in gateway:
        raise ConfigError(
            "the SMS gateway address must contain {number}",
            field="TRAINRIGHT_SMS_GATEWAY",
            value=gateway,
            hint="e.g. {number}@sms.example.org",
        )
    return Mailer(
        host=host,
        public_url=public.rstrip("/"),
        sender=os.environ.get("TRAINRIGHT_MAIL_FROM", "privacy@localhost"),
        port=int(port),
        sms_gateway=gateway,
    )
