"""Rate limits per account and per client, as a generic cell rate algorithm (GCRA).

One float per key: the "theoretical arrival time" of the next allowed request.
A steady rate with a burst of `per_minute` requests; constant time per check.
"""

from __future__ import annotations

import time


class RateLimiter:
    """Allow `per_minute` requests per key per minute (per `period` seconds when given),
    in bursts of up to that many."""

    def __init__(self, per_minute: int, max_keys: int = 200_000, period: float = 60.0) -> None:
        self.interval = period / per_minute
        self.tolerance = self.interval * (per_minute - 1)
        self.max_keys = max_keys
        self._tat: dict[object, float] = {}

    def check(self, key: object, now: float | None = None) -> float:
        """0 when the request may pass (and is counted); else seconds until it may."""
        t = time.monotonic() if now is None else now
        tat = max(self._tat.get(key, t), t)
        wait = tat - t - self.tolerance
        if wait > 0:
            return wait
        if len(self._tat) >= self.max_keys:
            self._forget(t)
        self._tat[key] = tat + self.interval
        return 0.0

    def _forget(self, now: float) -> None:
        """Drop keys whose budget is full again: they behave as never seen."""
        self._tat = {k: v for k, v in self._tat.items() if v > now}
