"""SPEC §5 near-duplicates: copies of excluded posts' texts and repeats inside a dataset."""

from trainright.copies.near import (
    BANDS,
    NGRAM,
    PERMS,
    ROWS,
    NearIndex,
    band_keys,
    is_near,
    jaccard,
    normalise,
    shingles,
)

__all__ = [
    "BANDS",
    "NGRAM",
    "PERMS",
    "ROWS",
    "NearIndex",
    "band_keys",
    "is_near",
    "jaccard",
    "normalise",
    "shingles",
]
