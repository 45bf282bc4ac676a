"""`TorchDataset`: a built dataset as a PyTorch `IterableDataset` (SPEC §8).

Pieces (a row group of a shard file) are dealt round-robin over every reader:
distributed rank × DataLoader worker. Each reader takes every `readers`-th piece
starting at its own number, so together they read each kept row exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch.distributed as dist
from pydantic import SecretStr
from torch.utils.data import IterableDataset, get_worker_info

from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.training.source import Source


class TorchDataset(IterableDataset[dict[str, Any]]):
    """The dataset's rows as dicts, without those of subjects the ledger no longer
    clears; `skipped_rows`, `skipped_subjects` and `ledger_seq` say what was checked.

    `rank` and `world_size` default to `torch.distributed`'s when it is initialised
    (else 0 and 1).
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        ledger: Ledger | str | None = None,
        revocations: str | Path | None = None,
        secret: str | SecretStr | None = None,
        columns: Sequence[str] | None = None,
        rank: int | None = None,
        world_size: int | None = None,
    ) -> None:
        super().__init__()
        self.source = Source(
            directory, ledger=ledger, revocations=revocations, secret=secret, columns=columns
        )
        ready = dist.is_available() and dist.is_initialized()
        self.world_size = (
            world_size if world_size is not None else (dist.get_world_size() if ready else 1)
        )
        self.rank = rank if rank is not None else (dist.get_rank() if ready else 0)
        if not 0 <= self.rank < self.world_size:
            raise InputError(
                f"rank must be in 0..{self.world_size - 1}", field="rank", value=self.rank
            )

    @property
    def skipped_rows(self) -> int:
        return self.source.skipped_rows

    @property
    def skipped_subjects(self) -> int:
        return self.source.skipped_subjects

    @property
    def ledger_seq(self) -> int:
        return self.source.ledger_seq

    def __iter__(self) -> Iterator[dict[str, Any]]:
        worker = get_worker_info()
        workers, worker_id = (worker.num_workers, worker.id) if worker else (1, 0)
        readers = self.world_size * workers
        me = self.rank * workers + worker_id
        yield from self.source.rows(self.source.pieces[me::readers])
