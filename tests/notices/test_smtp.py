"""Delivering an outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from trainright.cli import app
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.notices import DeliveryError, notify, recipients, send_outbox

from .test_campaign import LINK, PEOPLE, POLICY, snapshot


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.mails.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def outbox(tmp_path: Path, ledger: Ledger) -> Path:
    people = {a: PEOPLE[a] for a in (1, 2, 3)}
    snap = snapshot(tmp_path / "snap", people)
    result = notify(
        snap, POLICY, date(2026, 12, 1), link_base=LINK, ledger=ledger, outbox_path=tmp_path / "o"
    )
    return result.outbox


TEMPLATE = "{account_id}@users.relay.example.org"
SENDER = "Privacy team <privacy@example.org>"


def test_every_message_is_delivered_in_its_language(smtp: tuple[Inbox, int], outbox: Path) -> None:
    inbox, port = smtp
    result = send_outbox(
        outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(TEMPLATE)
    )
    assert result.sent == 3
    by_rcpt = {rcpt[0]: mail for rcpt, mail in inbox.mails}
    assert set(by_rcpt) == {f"{a}@users.relay.example.org" for a in (1, 2, 3)}
    nb = by_rcpt["2@users.relay.example.org"]
    assert nb["Content-Language"] == "nb"
    assert nb["Subject"].startswith("Slik vil vi bruke innleggene dine")
    assert nb["From"] == SENDER
    assert nb["Message-ID"].endswith("-2@example.org>")
    assert "Protester her: https://privacy.example.org/object" in nb.get_content()
    assert by_rcpt["3@users.relay.example.org"]["Content-Language"] == "nl"


def test_a_second_run_delivers_nothing_again(smtp: tuple[Inbox, int], outbox: Path) -> None:
    inbox, port = smtp
    send_outbox(outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(TEMPLATE))
    again = send_outbox(
        outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(TEMPLATE)
    )
    assert (again.sent, again.skipped) == (0, 3)
    assert len(inbox.mails) == 3


def test_a_run_resumes_after_the_journal(smtp: tuple[Inbox, int], outbox: Path) -> None:
    inbox, port = smtp
    (outbox.parent / (outbox.name + ".sent")).write_text("2\n")
    result = send_outbox(
        outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(TEMPLATE)
    )
    assert (result.sent, result.skipped) == (2, 1)
    assert sorted(r[0] for r, _ in inbox.mails) == [
        "1@users.relay.example.org",
        "3@users.relay.example.org",
    ]


def test_addresses_from_a_csv(smtp: tuple[Inbox, int], outbox: Path, tmp_path: Path) -> None:
    inbox, port = smtp
    csv = tmp_path / "addresses.csv"
    csv.write_text("account_id,email\n1,ann@example.net\n2,ola@example.no\n3,piet@example.nl\n")
    send_outbox(outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(None, csv))
    assert sorted(r[0] for r, _ in inbox.mails) == [
        "ann@example.net",
        "ola@example.no",
        "piet@example.nl",
    ]


def test_a_missing_address_stops_before_anything_is_sent(
    smtp: tuple[Inbox, int], outbox: Path, tmp_path: Path
) -> None:
    inbox, port = smtp
    csv = tmp_path / "addresses.csv"
    csv.write_text("account_id,email\n1,ann@example.net\n")
    with pytest.raises(InputError, match="no e-mail address for account 2"):
        send_outbox(
            outbox, host="127.0.0.1", port=port, sender=SENDER, recipient=recipients(None, csv)
        )
    assert inbox.mails == []


def test_an_unreachable_relay_is_a_clear_error(outbox: Path) -> None:
    with pytest.raises(DeliveryError, match="delivery stopped after 0 of 3"):
        send_outbox(
            outbox,
            host="127.0.0.1",
            port=free_port(),
            sender=SENDER,
            recipient=recipients(TEMPLATE),
            timeout=5,
        )


@pytest.mark.parametrize(
    ("template", "addresses", "message"),
    [
        (None, None, "exactly one"),
        (TEMPLATE, Path("a.csv"), "exactly one"),
        ("users@relay.example.org", None, "{account_id}"),
    ],
)
def test_recipient_options(template: str | None, addresses: Path | None, message: str) -> None:
    with pytest.raises(InputError, match=message):
        recipients(template, addresses)


def test_cli_campaign_and_delivery(
    smtp: tuple[Inbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    snap = snapshot(tmp_path / "snap", {a: PEOPLE[a] for a in (1, 2)})
    policy = tmp_path / "policy.toml"
    policy.write_text('legal_basis = "legitimate_interest"\nnotice_days = 30\n')
    ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
    monkeypatch.setenv("TRAINRIGHT_SNAPSHOT", str(snap))
    monkeypatch.setenv("TRAINRIGHT_PUBLIC_URL", LINK)
    runner = CliRunner()
    out = tmp_path / "outbox.jsonl"
    args = ["notify", "--policy", str(policy), "--start", "2026-12-01", "--ledger", ledger]
    first = runner.invoke(app, [*args, "--outbox", str(out)])
    assert first.exit_code == 0, first.output
    assert "told 2 people now" in first.output
    sent = runner.invoke(
        app,
        [
            *("notify-send", str(out), "--sender", SENDER),
            *("--smtp-port", str(port), "--to-template", TEMPLATE),
        ],
    )
    assert sent.exit_code == 0, sent.output
    assert "delivered 2 message(s)" in sent.output
    assert len(inbox.mails) == 2
    again = runner.invoke(app, [*args, "--outbox", str(tmp_path / "again.jsonl")])
    assert "told 0 people now; 2 of the 2 in scope were told before" in again.output


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        (["--start", "2026-12-01"], "--policy"),
        (["--start", "2026-12-01", "--policy", "p.toml", "--snapshot", "snap"], "--link-base"),
        (["--policy", "p.toml", "--start", "2026-12-01", "--link-base", LINK], "--snapshot"),
    ],
)
def test_cli_names_what_a_campaign_lacks(
    monkeypatch: pytest.MonkeyPatch, given: list[str], missing: str
) -> None:
    monkeypatch.delenv("TRAINRIGHT_SNAPSHOT", raising=False)
    monkeypatch.delenv("TRAINRIGHT_PUBLIC_URL", raising=False)
    result = CliRunner().invoke(app, ["notify", *given])
    assert result.exit_code == 2
    assert f"Missing option '{missing}'" in result.output
