"""The report's numbers, read from the ledger database, its catalog and the manifests.

Everything a regulator sees in the report is computed here, as plain data, so
tests can check it against the ledger and any page (the HTML report, the web
service's operator page) can show it.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from trainright.dataset import read_manifest
from trainright.ledger import Ledger, Verification, schema, verify
from trainright.ledger.events import Event
from trainright.lineage import catalog
from trainright.lineage.catalog import DatasetEntry, ModelEntry
from trainright.lineage.impact import compute_impact
from trainright.report.unlearning import ClosedTask, OpenTask, task_history
from trainright.rules import REASONS

#: The rights a person exercises, as the report counts them.
RIGHTS: tuple[str, ...] = ("objection", "objection_withdrawn", "consent_given", "consent_withdrawn")
#: Channels where a person's request is received and acknowledged live.
LIVE_CHANNELS: tuple[str, ...] = ("web", "api", "gpc")


@dataclass(frozen=True)
class Spread:
    """A distribution of durations, in seconds."""

    count: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, seconds: list[float]) -> Spread:
        if not seconds:
            return cls(0, 0.0, 0.0, 0.0)
        s = sorted(seconds)

        def rank(q: float) -> float:  # nearest-rank percentile
            return s[max(0, math.ceil(len(s) * q) - 1)]

        return cls(len(s), float(rank(0.5)), float(rank(0.95)), float(s[-1]))


@dataclass
class Rights:
    """Rights events by day (of `at`, UTC) and by channel, and their acknowledgement times."""

    per_day: dict[date, Counter[str]] = field(default_factory=dict)
    per_channel: dict[str, Counter[str]] = field(default_factory=dict)
    totals: Counter[str] = field(default_factory=Counter)  # every event type, notices included
    live_seconds: dict[str, list[float]] = field(default_factory=dict)  # channel -> received - at
    import_seconds: list[float] = field(default_factory=list)  # bulk-imported: received - at

    def add(self, e: Event, imported: bool) -> None:
        """Count one event; `imported` says it came in a bulk import (with its own `at`)."""
        self.totals[e.type] += 1
        if e.type in RIGHTS:
            self.per_day.setdefault(e.at.astimezone(UTC).date(), Counter())[e.type] += 1
            self.per_channel.setdefault(e.channel, Counter())[e.type] += 1
        wait = (e.received_at - e.at).total_seconds()
        if imported:
            self.import_seconds.append(wait)
        elif e.channel in LIVE_CHANNELS:
            self.live_seconds.setdefault(e.channel, []).append(wait)


class _Imported:
    """Which seqs came from `rights import` files: each import is one seq range."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = sorted(ranges)
        self.starts = [lo for lo, _ in self.ranges]

    def __contains__(self, seq: int) -> bool:
        i = bisect.bisect_right(self.starts, seq) - 1
        return i >= 0 and seq <= self.ranges[i][1]


@dataclass(frozen=True)
class DatasetView:
    """A dataset in the catalog, its manifest's counts (when the manifest is reachable)."""

    entry: DatasetEntry
    models: tuple[tuple[str, str], ...]
    manifest_path: Path | None
    excluded_by_reason: dict[str, int]
    by_region: dict[str, dict[str, int]]  # region -> {"included" | reason: posts}
    excluded: int
    # machine-readable reservations honoured: (signal, where it was stated, what) -> count
    reserved: dict[tuple[str, str, str], int] = field(default_factory=dict)

    @property
    def reasons_seen(self) -> list[str]:
        """The exclusion reasons that excluded at least one post, in the rules' order."""
        return [r for r in REASONS if self.excluded_by_reason.get(r)]


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows."""

    generated_at: datetime
    ledger: str  # the URL, password hidden
    verification: Verification
    rights: Rights
    datasets: list[DatasetView]
    models: list[ModelEntry]
    open_tasks: list[OpenTask]
    closed_tasks: list[ClosedTask]


def _manifest(entry: DatasetEntry) -> tuple[Path | None, dict[str, Any]]:
    for p in entry.paths:
        path = Path(p)
        if (path / "manifest.json").is_file():
            return path / "manifest.json", read_manifest(path)
    return None, {}


def _dataset_view(
    entry: DatasetEntry, excluded: int, models: dict[str, tuple[tuple[str, str], ...]]
) -> DatasetView:
    path, manifest = _manifest(entry)
    counts = manifest.get("counts", {})
    return DatasetView(
        entry=entry,
        models=models.get(entry.dataset_id, ()),
        manifest_path=path,
        excluded_by_reason={k: int(v) for k, v in counts.get("excluded_by_reason", {}).items()},
        by_region={
            region: {k: int(v) for k, v in row.items()}
            for region, row in counts.get("by_region", {}).items()
        },
        excluded=excluded,
        reserved={
            **{
                (signal, where, "posts"): int(n)
                for signal, places in counts.get("reserved_by", {}).items()
                for where, n in places.items()
            },
            **{
                (signal, "image", "images"): int(n)
                for signal, n in manifest.get("media", {}).get("reserved_by", {}).items()
            },
        },
    )


def gather(ledger: Ledger | str | None = None) -> ReportData:
    """Read the ledger, the catalog, the manifests and the unlearning queue."""
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    verification = verify(led)
    rights = Rights()
    with led.read() as conn:
        i = schema.imports.c
        imported = _Imported(
            [
                (int(r.first_seq), int(r.first_seq) + int(r.events) - 1)
                for r in conn.execute(select(i.first_seq, i.events))
            ]
        )
        e = schema.events
        for r in conn.execution_options(yield_per=5000).execute(select(e).order_by(e.c.seq)):
            rights.add(Event(**r._mapping), r.seq in imported)
        entries = catalog.datasets(conn)
        trained = catalog.models(conn)
        d = schema.datasets
        excluded = {
            str(r.dataset_id): int(r.excluded)
            for r in conn.execute(select(d.c.dataset_id, d.c.excluded))
        }
        open_tasks, closed_tasks = task_history(conn, entries, compute_impact(led))
    models_of: dict[str, tuple[tuple[str, str], ...]] = {}
    for m in trained:
        for ds_id in m.datasets:
            models_of[ds_id] = (*models_of.get(ds_id, ()), (m.name, m.version))
    views = [_dataset_view(ds, excluded[ds.dataset_id], models_of) for ds in entries]
    return ReportData(
        generated_at=datetime.now(UTC),
        ledger=str(led.url),
        verification=verification,
        rights=rights,
        datasets=views,
        models=trained,
        open_tasks=open_tasks,
        closed_tasks=closed_tasks,
    )
