"""SPEC §8: what was built from whose data — the catalog, look-ups and impact."""

from trainright.lineage.catalog import (
    DatasetEntry,
    ModelEntry,
    register_dataset,
    register_model,
)
from trainright.lineage.impact import Impact, Task, compute_impact, mark_done
from trainright.lineage.index import Holding, LineageIndex, lookup

__all__ = [
    "DatasetEntry",
    "Holding",
    "Impact",
    "LineageIndex",
    "ModelEntry",
    "Task",
    "compute_impact",
    "lookup",
    "mark_done",
    "register_dataset",
    "register_model",
]
