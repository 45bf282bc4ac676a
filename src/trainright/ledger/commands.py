"""The `trainright ledger ...` commands: verify the chain, export events as Parquet."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from trainright.errors import InputError, LedgerError

LedgerOption = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="SQLAlchemy URL of the ledger (default: $TRAINRIGHT_LEDGER, then sqlite:///trainright.db).",
    ),
]


def verify_command(ledger: LedgerOption = None) -> None:
    """Recompute the ledger's hash chain and check it against the head and every dataset.

    Exit 0 when every event is as it was committed. Otherwise exit 1, naming the
    first event that was changed, removed, inserted or reordered, or the dataset
    whose recorded ledger position no longer matches (a rewritten ledger).
    """
    from trainright.ledger import verify
    from trainright.ledger.existing import open_existing

    result = verify(open_existing(ledger))
    if result.problem is not None:
        raise LedgerError(
            f"the ledger does not verify ({result.problem.kind}): {result.problem.message}",
            field="seq",
            value=result.problem.seq,
            hint="restore the ledger from a backup taken before this seq, "
            "and find out who could write to the database",
        )
    typer.echo(
        f"ok: {result.events} events, head seq {result.head.seq} hash {result.head.hash}, "
        f"{result.anchors} dataset anchors match"
    )


def export_command(
    out: Annotated[Path, typer.Argument(help="Parquet file to write (replaced atomically).")],
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="Cutoff with its zone: events with `at` at or before it, e.g. 2026-06-26T00:00:00Z.",
        ),
    ],
    ledger: LedgerOption = None,
) -> None:
    """Write the events a build with this cutoff would read, as Parquet.

    Columns: ord (rank in at, seq order), seq, account_id, type, purpose, at,
    content_usage (the preference a `preference_set` event sets; NULL otherwise),
    person_ref and identifiers (a person without an account's reference and hashed
    identifiers; account_id is NULL on their events). The
    ledger position read (seq and hash) and the cutoff are stored in the file's
    metadata, so an auditor can tie the file to `ledger verify`, and a Spark build
    refuses an export made for an earlier cutoff than its own.
    """
    import pyarrow.parquet as pq

    from trainright.ledger.events import iso
    from trainright.ledger.existing import open_existing
    from trainright.pipeline import parse_cutoff

    cutoff = parse_cutoff(as_of, field="--as-of")
    head, table = open_existing(ledger).export_until(cutoff)
    meta = {
        b"trainright.ledger_seq": str(head.seq).encode(),
        b"trainright.ledger_hash": head.hash.encode(),
        b"trainright.as_of": iso(cutoff).encode(),
    }
    table = table.replace_schema_metadata(meta)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write the export: {exc.strerror}", file=str(out)) from None
    typer.echo(f"wrote {table.num_rows} events up to ledger seq {head.seq} to {out}")


def register(app: typer.Typer) -> None:
    """Add the `ledger` command group to the trainright CLI."""
    group = typer.Typer(
        help="Inspect the rights ledger: verify its hash chain, export events or revocations."
    )
    group.command("verify")(verify_command)
    group.command("export")(export_command)
    from trainright.training.commands import revocations_command

    group.command("revocations")(revocations_command)
    app.add_typer(group, name="ledger")
