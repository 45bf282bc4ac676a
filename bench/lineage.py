"""Lineage benchmark (SPEC §8): `lookup` latency and `impact` time on a large catalog.

Registers D datasets (default 100) of S shards (64) holding N subjects each (1 million)
through the real catalog code, K models over them, then files O new objections
(100,000) after the datasets' cutoff, and measures:

- lookup: p50/p99 latency of one account's look-up on the loaded index;
- impact: the whole unlearning queue for the new objectors, index loaded (as in a
  running service; the load time is printed too).

Targets: lookup p99 under 1 ms, impact under 2 s. Run: `python -m bench.lineage`.
The catalog is built once per size and kept under bench/out (registration is the
slow part); delete that directory to rebuild it.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime

import numpy as np

from bench.common import OUT
from trainright.ledger import Ledger, NewEvent
from trainright.lineage import LineageIndex, compute_impact, register_model
from trainright.lineage.catalog import store_dataset


def _manifest(i: int, shards: int, rows: int) -> dict[str, object]:
    return {
        "dataset_id": f"{i:032x}",
        "cutoff": "2026-06-26T00:00:00Z",
        "policy_sha256": "0" * 64,
        "ledger": {"seq": 0, "hash": "0" * 64},
        "counts": {"included": rows, "excluded": 0},
        "shards": [{"shard": s, "rows": rows // shards} for s in range(shards)],
    }


def _catalog(args: argparse.Namespace, rng: np.random.Generator, platform: np.ndarray) -> Ledger:
    """Build (or reuse) a ledger with the datasets, models and objections."""
    tag = f"d{args.datasets}-s{args.shards}-n{args.subjects}-m{args.models}-o{args.objectors}"
    root = OUT / f"lineage-{tag}"
    if (root / "ready").exists():
        return Ledger(f"sqlite:///{root / 'ledger.db'}")
    root.mkdir(parents=True, exist_ok=True)
    (root / "ledger.db").unlink(missing_ok=True)
    ledger = Ledger(f"sqlite:///{root / 'ledger.db'}")
    start = time.perf_counter()
    for d in range(args.datasets):
        members = rng.choice(platform, size=args.subjects, replace=False)
        shard = rng.integers(0, args.shards, size=len(members))
        sets = {s: members[shard == s].tolist() for s in range(args.shards)}
        consent = members[: len(members) // 3].tolist()
        manifest = _manifest(d, args.shards, len(members))
        store_dataset(ledger, root / f"d{d}", manifest, "0" * 64, sets, consent)
        print(f"\rregistered {d + 1}/{args.datasets} datasets", end="", flush=True)
    print(f" in {time.perf_counter() - start:.0f} s")
    per_model = max(1, args.datasets // args.models)
    for m in range(min(args.models, args.datasets)):
        ids = [f"{d:032x}" for d in range(m * per_model, min(args.datasets, (m + 1) * per_model))]
        register_model(ledger, f"model-{m}", ids)
    objectors = rng.choice(platform, size=args.objectors, replace=False)
    after = datetime(2026, 7, 1, tzinfo=UTC)
    ledger.append([NewEvent(int(a), "objection", after, channel="api") for a in objectors])
    (root / "ready").touch()
    return ledger


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", type=int, default=100)
    ap.add_argument("--shards", type=int, default=64)
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--objectors", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=20_000)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(7)
    platform = np.unique(rng.integers(1, 2**62, size=int(args.subjects * 1.2), dtype=np.int64))
    ledger = _catalog(args, rng, platform)

    start = time.perf_counter()
    index = LineageIndex.load(ledger)
    load_s = time.perf_counter() - start
    lat = []
    for a in rng.choice(platform, size=args.lookups):
        t0 = time.perf_counter_ns()
        index.lookup(int(a))
        lat.append((time.perf_counter_ns() - t0) / 1e6)
    lat.sort()
    p50, p99 = statistics.median(lat), lat[int(len(lat) * 0.99)]
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        impact = compute_impact(ledger, index)  # the index stays loaded in a running service
        runs.append(time.perf_counter() - start)
    impact_s = statistics.median(runs)
    print(
        f"\ncatalog: {args.datasets} datasets x {args.shards} shards x {args.subjects:,} "
        f"subjects, {args.models} models"
    )
    print(
        f"index load           {load_s:8.2f} s   ({index.shard_of.nbytes / 2**20:,.0f} MiB matrix)"
    )
    print(f"lookup p50 / p99     {p50:8.3f} / {p99:.3f} ms   (target p99 < 1 ms)")
    print(
        f"impact ({args.objectors:,} objectors) {impact_s:6.2f} s median of 3, "
        f"{len(impact.tasks):,} tasks   (target < 2 s, index loaded)"
    )


if __name__ == "__main__":
    main()
