"""`trainright ledger revocations`: the loaders' filter as a file, for clusters
without ledger access."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from trainright.ledger.commands import LedgerOption


def revocations_command(
    dataset: Annotated[
        Path, typer.Option(help="The dataset directory the training run will read.")
    ],
    out: Annotated[Path, typer.Option(help="File to write (JSON; replaced atomically).")],
    ledger: LedgerOption = None,
) -> None:
    """Export the dataset's subjects the ledger no longer clears, for the loaders.

    The file holds a roaring bitmap of the revoked subjects' pseudonyms, the ledger
    seq and hash it was read at and a sha256 the loaders verify; pass it as
    `revocations=FILE` to `trainright.training.load_dataset` or `TorchDataset`.
    Needs TRAINRIGHT_SECRET, the key the dataset was built with.
    """
    from trainright.training import revocations as rv

    rev = rv.from_ledger(dataset, ledger)
    rv.write(rev, out)
    typer.echo(
        f"wrote {len(rev.keys)} revoked subject(s) in {len(rev.shards)} shard(s) of dataset "
        f"{rev.dataset_id[:12]} to {out} (ledger seq {rev.ledger_seq} hash {rev.ledger_hash[:12]})"
    )
