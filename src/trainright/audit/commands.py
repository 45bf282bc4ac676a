"""The `trainright audit-outputs` command; library modules are imported inside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from trainright.audit.run import AuditResult


def print_audit(console: Console, result: AuditResult) -> None:
    """The hits as a table, then the memorisation rate."""
    from rich.table import Table

    label = f"model {result.model[0]} {result.model[1]}".strip() if result.model else "outputs"
    t = Table(title=f"{label}: dataset posts found in its outputs", title_justify="left")
    for col in ("output", "post", "shard", "kind", "match", "author cleared"):
        t.add_column(col)
    for h in result.hits[:50]:
        match = f"{h.words} words" if h.kind == "verbatim" else f"Jaccard {h.jaccard:.2f}"
        cleared = "yes" if h.cleared else "[bold red]no: queued for unlearning[/]"
        t.add_row(h.output, str(h.post_id), str(h.shard), h.kind, match, cleared)
    if result.hits:
        console.print(t)
        if len(result.hits) > 50:
            console.print(f"… {len(result.hits) - 50:,} more hits in the JSON report")
    console.print(
        f"{result.with_hits:,} of {result.outputs:,} outputs repeat a dataset post "
        f"(memorisation rate {result.rate:.2%}); "
        f"{sum(1 for h in result.hits if not h.cleared):,} hit(s) of authors no longer cleared; "
        f"audit {result.audit_id} recorded at ledger seq {result.ledger_seq}"
    )


def audit_outputs_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Model outputs, JSON Lines: one object a line with `text`, optional "
            "`id` and `prompt`."
        ),
    ],
    dataset: Annotated[Path, typer.Option(help="The dataset directory the model was trained on.")],
    model: Annotated[
        str | None, typer.Option(help="The registered model that wrote the outputs.")
    ] = None,
    version: Annotated[str, typer.Option(help="The model's version, as registered.")] = "",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the JSON report here.")
    ] = None,
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
    """Search model outputs for the dataset's posts: verbatim runs of 12 or more words.

    Each hit names the output (its id, or line number), the post, its subject
    shard and whether the post's author is still cleared by the ledger. The
    audit is recorded in the ledger's catalog; hits of authors no longer
    cleared show in `impact` with cause `regurgitated`. Needs TRAINRIGHT_SECRET,
    the key the dataset was built with. A clean audit is evidence, not proof
    (docs/audit.md).

    Example: trainright audit-outputs samples.jsonl --dataset datasets/2026-06
    --model chat-small
    """
    from trainright.audit.run import audit_outputs
    from trainright.cli import err, out, progress_bar
    from trainright.ledger.existing import open_existing

    led = open_existing(ledger)
    with progress_bar() as report:
        result = audit_outputs(file, dataset, led, model=model, version=version, progress=report)
    print_audit(out, result)
    if json_out is not None:
        tmp = json_out.with_name(json_out.name + ".tmp")
        tmp.write_text(json.dumps(result.report(), indent=2) + "\n", encoding="utf-8")
        tmp.replace(json_out)
        err.print(f"wrote the JSON report to {json_out}")


def register(app: typer.Typer) -> None:
    """Add `audit-outputs` to the CLI."""
    app.command("audit-outputs")(audit_outputs_command)
