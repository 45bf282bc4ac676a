"""SPEC §8: training loaders that skip, at load time, every subject the ledger no
longer clears — for Hugging Face `datasets` (`pip install trainright[hf]`) and
PyTorch (`trainright[torch]`); each library is imported only when its loader is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trainright.training.revocations import Revocations

if TYPE_CHECKING:
    from trainright.training.hf import load_dataset
    from trainright.training.torch import TorchDataset

__all__ = ["Revocations", "TorchDataset", "load_dataset"]


def __getattr__(name: str) -> Any:
    if name == "load_dataset":
        from trainright.training.hf import load_dataset

        return load_dataset
    if name == "TorchDataset":
        from trainright.training.torch import TorchDataset

        return TorchDataset
    raise AttributeError(name)
