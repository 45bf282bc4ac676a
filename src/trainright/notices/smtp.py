"""`trainright notify-send`: deliver an outbox by SMTP.

Meant for the platform's own mail relay (an MTA that handles TLS, authentication
and retries onward), reached on a trusted network. Each delivered message is
recorded in a journal beside the outbox (`OUTBOX.sent`, one account id a line,
flushed to disk after every message), so a run that stops half-way resumes where
it stopped and nobody gets the same notice twice.
"""

from __future__ import annotations

import csv
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path

from trainright.errors import InputError, TrainrightError
from trainright.notices import outbox


class DeliveryError(TrainrightError):
    """The mail relay could not be reached or refused a message; the journal says how far it got."""


@dataclass(frozen=True)
class SendResult:
    """What a delivery run did."""

    sent: int
    skipped: int  # delivered by an earlier run (in the journal)
    journal: Path


def journal_path(path: Path) -> Path:
    """Where the delivered account ids of an outbox are recorded."""
    return path.with_name(path.name + ".sent")


def recipients(
    to_template: str | None = None, addresses: Path | None = None
) -> Callable[[int], str]:
    """An account id → e-mail address mapping: a template such as
    `{account_id}@relay.example.org`, or a CSV file with `account_id,email` columns."""
    if (to_template is None) == (addresses is None):
        raise InputError(
            "give exactly one of --to-template and --addresses",
            field="--to-template/--addresses",
            hint="e.g. --to-template '{account_id}@users.relay.example.org'",
        )
    if to_template is not None:
        if "{account_id}" not in to_template:
            raise InputError(
                "the template must contain {account_id}",
                field="--to-template",
                value=to_template,
            )
        return lambda account_id: to_template.replace("{account_id}", str(account_id))
    assert addresses is not None
    table = _read_addresses(addresses)

    def look_up(account_id: int) -> str:
        try:
            return table[account_id]
        except KeyError:
            raise InputError(
                f"no e-mail address for account {account_id}",
                file=str(addresses),
                field="account_id",
                value=account_id,
            ) from None

    return look_up


def _read_addresses(path: Path) -> dict[int, str]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise InputError(f"cannot read the addresses: {exc.strerror}", file=str(path)) from None
    out: dict[int, str] = {}
    for number, row in enumerate(rows, start=2):
        try:
            out[int(row["account_id"])] = row["email"].strip()
        except (KeyError, TypeError, ValueError):
            raise InputError(
                f"line {number}: expected the columns account_id,email with an integer id",
                file=str(path),
                field="account_id",
            ) from None
    return out


def to_email(m: outbox.Message, sender: str, to: str) -> EmailMessage:
    """The notice as an e-mail: plain text in the person's language, a stable Message-ID."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = formataddr(("", to))
    mail["Subject"] = m.subject
    mail["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    # One id per ledger event: a relay or mail client can recognise a repeated delivery.
    mail["Message-ID"] = f"<notice-{m.notice_seq}-{m.account_id}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(m.body)
    mail["Content-Language"] = m.lang  # after set_content, which resets Content-* headers
    return mail


def send_outbox(
    path: str | Path,
    *,
    host: str,
    port: int,
    sender: str,
    recipient: Callable[[int], str],
    timeout: float = 30.0,
) -> SendResult:
    """Deliver every message of an outbox not yet in its journal."""
    source = Path(path)
    messages = outbox.read(source)
    journal = journal_path(source)
    done = _journal(journal)
    todo = [m for m in messages if m.account_id not in done]
    if not todo:
        return SendResult(0, len(messages), journal)
    mails = [(m, to_email(m, sender, recipient(m.account_id))) for m in todo]
    sent = 0
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp, journal.open("a") as log:
            for m, mail in mails:
                smtp.send_message(mail)
                log.write(f"{m.account_id}\n")
                log.flush()
                os.fsync(log.fileno())
                sent += 1
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(
            f"delivery stopped after {sent} of {len(todo)} message(s): {exc}",
            file=str(source),
            hint="run the same command again to deliver the rest; delivered messages are "
            f"listed in {journal}",
        ) from None
    return SendResult(sent, len(messages) - len(todo), journal)


def _journal(path: Path) -> set[int]:
    if not path.exists():
        return set()
    return {int(line) for line in path.read_text().split() if line.strip()}
