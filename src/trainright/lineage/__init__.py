"""SPEC §8: what was built from whose data — the catalog, look-ups and impact."""

from trainright.lineage.catalog import register_dataset

__all__ = ["register_dataset"]
