"""The `trainright report` command. Library modules are imported inside it, so
`trainright --help` stays fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def report(
    out: Annotated[
        Path,
        typer.Option("--out", help="HTML file to write, e.g. report.html (replaced atomically)."),
    ],
    ledger: Annotated[
        str | None,
        typer.Option(
            "--ledger",
            help="SQLAlchemy URL of the ledger. Tried in order: this option, "
            "$TRAINRIGHT_LEDGER, then sqlite:///trainright.db.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML page for a regulator or data-protection officer.

    It shows objections and consents per day and per channel, the time from
    request to acknowledgement, included and excluded posts per dataset by
    reason and by region, the datasets and the models trained on them, the
    unlearning queue and how long its tasks stay open, and whether the ledger's
    hash chain verifies. Charts are inline SVG: the page needs no network, so
    it can be mailed, archived or opened on an air-gapped machine.

    Exit code 0 even when the ledger does not verify: the page says so at the
    top (use `trainright ledger verify` to fail a pipeline on it).

    Example: trainright report --out report.html
    """
    from trainright.ledger.existing import open_existing
    from trainright.report import write_report

    path = write_report(open_existing(ledger), out)
    typer.echo(f"wrote the report to {path}")


def register(app: typer.Typer) -> None:
    """Add `report` to the trainright CLI."""
    app.command("report")(report)
