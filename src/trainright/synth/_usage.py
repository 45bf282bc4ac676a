"""AI-usage preferences (SPEC §2 `content_usage`) as clients and settings send them.

Both vocabularies, combinations, parameters, and the malformed values a parser must
count rather than read as consent; each value's meaning is the ground truth the
tests read back with the product's parser.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: (value, weight): reservations first, then allowances, mixed and malformed ones.
VALUES: tuple[tuple[str, float], ...] = (
    ("train-ai=n", 0.30),
    ("ai-train=no", 0.15),
    ("train-ai=n;source=upload", 0.05),
    ("search=y, train-ai=n", 0.05),
    ("train-ai=y", 0.12),
    ("ai-train=yes, search=yes", 0.08),
    ("train-ai=y, ai-train=no", 0.05),  # any disallow wins
    ("train-ai=n, train-ai=y", 0.04),  # the last of a repeated key counts
    ("train-genai=n", 0.04),  # a retired key: no preference
    ("Train-AI=n", 0.04),  # malformed: keys are lowercase
    ('train-ai="n"', 0.04),  # malformed: a string, not a token
    ("ai-train=n", 0.04),  # malformed: the other vocabulary's word
)


def preferences(rng: np.random.Generator, n: int, share: float) -> pa.Array:
    """`n` values, about `share` of them set, the rest null."""
    weights = np.array([w for _, w in VALUES])
    pick = rng.choice(len(VALUES), size=n, p=weights / weights.sum())
    values = pa.array([v for v, _ in VALUES], pa.string()).take(pick)
    return pc.if_else(pa.array(rng.random(n) < share), values, pa.scalar(None, pa.string()))
