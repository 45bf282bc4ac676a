"""`trainright notify` runs a notice campaign; `trainright notify-send` delivers its outbox.

Library modules are imported inside the commands, so `trainright --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

LedgerOption = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="SQLAlchemy URL of the ledger. Tried in order: this option, "
        "$TRAINRIGHT_LEDGER, then sqlite:///trainright.db.",
        show_default=False,
    ),
]


def notify(
    policy: Annotated[
        Path,
        typer.Option(
            help="Policy TOML: decides who needs a notice (legitimate interest, "
            "notice_days > 0) and what the message promises.",
        ),
    ],
    start: Annotated[str, typer.Option(help="Planned first day of training, YYYY-MM-DD (UTC).")],
    snapshot: Annotated[
        Path,
        typer.Option(
            envvar="TRAINRIGHT_SNAPSHOT",
            help="Snapshot directory (accounts, posts, ...) the next build will read.",
        ),
    ],
    link_base: Annotated[
        str,
        typer.Option(
            envvar="TRAINRIGHT_PUBLIC_URL",
            help="Public address of the rights service, e.g. https://privacy.example.org; "
            "messages link to its /object page.",
        ),
    ],
    outbox: Annotated[
        Path | None,
        typer.Option(
            help="New JSON Lines file for the messages (default: notices-YYYYMMDDTHHMMSSZ.jsonl, "
            "the UTC time). Never overwritten.",
            show_default=False,
        ),
    ] = None,
    ledger: LedgerOption = None,
) -> None:
    """Tell people before their posts are used for training, and record that they were told.

    Selects everyone a build at --start could use except for the notice rule
    (active, allowed kind, old enough, no hold, legitimate-interest region with
    notice_days > 0, not objected, at least one post of an allowed visibility),
    records a `notice_sent` event for each (channel `notice`) and writes one
    message per person to the outbox, in English, Norwegian Bokmål or Dutch by
    country. People told before are skipped, so running it again (say, daily
    until the start) tells only the newcomers.

    A notice counts for builds with cutoff at least notice_days after it was
    sent: each message states that first date, max(--start, today + notice_days),
    and that objecting before it keeps every post out.

    Example: trainright notify --policy policy.toml --start 2026-12-01
    --snapshot snap/ --link-base https://privacy.example.org

    Deliver the outbox with `trainright notify-send OUTBOX`.
    """
    from trainright.notices import notify as run

    result = run(snapshot, policy, start, link_base=link_base, ledger=ledger, outbox_path=outbox)
    people = "person" if result.notified == 1 else "people"
    typer.echo(
        f"told {result.notified} {people} now; {result.already_noticed} of the "
        f"{result.candidates} in scope were told before. Outbox: {result.outbox}"
    )
    if result.first_use is not None:
        first, last = result.first_use
        span = first.isoformat() if first == last else f"{first} to {last}"
        typer.echo(f"first use of their posts: {span} (planned start {result.start})")
        if result.later_than_start:
            typer.echo(
                f"note: the notice period moves the first use past the planned start "
                f"{result.start} for people told now: a build with a cutoff before their "
                "first-use date leaves them out"
            )
        typer.echo(f"deliver it with: trainright notify-send {result.outbox} --sender ADDRESS")


def send(
    outbox: Annotated[Path, typer.Argument(help="The outbox written by `trainright notify`.")],
    sender: Annotated[
        str, typer.Option("--sender", help="From address, e.g. 'Privacy <privacy@example.org>'.")
    ],
    smtp_host: Annotated[str, typer.Option(help="Mail relay host.")] = "127.0.0.1",
    smtp_port: Annotated[int, typer.Option(help="Mail relay port.")] = 25,
    to_template: Annotated[
        str | None,
        typer.Option(
            help="Recipient address with {account_id} in it, e.g. "
            "'{account_id}@users.relay.example.org' for a relay that knows the mailboxes.",
            show_default=False,
        ),
    ] = None,
    addresses: Annotated[
        Path | None,
        typer.Option(
            help="CSV with columns account_id,email, exported from the platform "
            "(instead of --to-template).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Deliver an outbox by SMTP through the platform's mail relay.

    Each message goes out as plain text in the person's language. Delivered
    messages are journalled in OUTBOX.sent, so after a failure the same command
    delivers the rest and nobody gets a notice twice.
    """
    from trainright.notices import recipients, send_outbox

    result = send_outbox(
        outbox,
        host=smtp_host,
        port=smtp_port,
        sender=sender,
        recipient=recipients(to_template, addresses),
    )
    typer.echo(
        f"delivered {result.sent} message(s); {result.skipped} delivered before "
        f"(journal: {result.journal})"
    )


def register(app: typer.Typer) -> None:
    """Add `notify` (run a campaign) and `notify-send` (deliver its outbox) to the CLI."""
    app.command("notify")(notify)
    app.command("notify-send")(send)
