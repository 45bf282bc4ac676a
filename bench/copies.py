"""Copies benchmark (SPEC §5): the rules stage with the copy steps on against both off.

Synthesises a platform (default 1 million posts, cached under bench/out by
`bench.rules.prepare`), then times the DuckDB rules stage of a build, each run in a
fresh process, under the default policy (`exclude_copies_of_excluded = true`,
`dedup = "near"`) and with both off. The difference is what copy checks and
deduplication cost. Run: `python -m bench.copies`.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path
from time import perf_counter, process_time
from typing import Any

from bench.rules import prepare

#: The policy's changes to the default policy's lines.
POLICIES = {
    "copies on": {},
    "copies off": {
        "exclude_copies_of_excluded = true": "exclude_copies_of_excluded = false",
        'dedup = "near"': 'dedup = "off"',
    },
}


def policy_toml(kind: str) -> str:
    """The default policy with the run's lines changed."""
    from trainright.policy import DEFAULT_POLICY_TOML

    toml = DEFAULT_POLICY_TOML
    for old, new in POLICIES[kind].items():
        toml = toml.replace(old, new)
    return toml


def run_one(kind: str, snapshot: Path, ledger_url: str) -> dict[str, Any]:
    """One timed rules stage in this process (called in a fresh subprocess)."""
    from trainright.ledger import Ledger
    from trainright.policy import parse_policy
    from trainright.rules import DuckDBRunner, region_rules_table
    from trainright.snapshot import locate
    from trainright.synth import DEFAULT_CUTOFF

    cutoff = DEFAULT_CUTOFF
    _, events = Ledger(ledger_url).export_until(cutoff)
    policy = parse_policy(policy_toml(kind))
    runner = DuckDBRunner()
    runner.load(locate(snapshot), events, region_rules_table(policy, cutoff))
    start, cpu = perf_counter(), process_time()
    reasons: Counter[str] = Counter()
    for batch in runner.decide(cutoff):
        reasons.update(r or "included" for r in batch.column("reason").to_pylist())
    seconds, cpu = perf_counter() - start, process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"kind": kind, "seconds": seconds, "cpu": cpu, "peak_bytes": peak, "reasons": reasons}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--objectors", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--ledger", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, Path(args.snapshot), args.ledger)))
        return
    snapshot, url, _ = prepare(args.posts, args.accounts, args.objectors, args.seed)
    results: dict[str, list[dict[str, Any]]] = {}
    for _ in range(args.repeat):
        for kind in POLICIES:
            cmd = [sys.executable, "-m", "bench.copies", "--one", kind]
            cmd += ["--snapshot", str(snapshot), "--ledger", url]
            proc = subprocess.run(
                cmd, check=True, capture_output=True, text=True, cwd=Path(__file__).parent.parent
            )
            results.setdefault(kind, []).append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\nrules stage, {args.posts:,} posts, median of {args.repeat} (each in a fresh process)")
    print(f"{'run':<12} {'seconds':>8} {'CPU s':>7} {'peak RSS':>10}  copies, duplicates")
    for kind, runs in results.items():
        secs = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        peak = max(r["peak_bytes"] for r in runs) / 2**20
        reasons = runs[0]["reasons"]
        found = f"{reasons.get('copy_of_excluded', 0):,}, {reasons.get('duplicate', 0):,}"
        print(f"{kind:<12} {secs:>8.1f} {cpu:>7.1f} {peak:>8.0f} MB  {found}")


if __name__ == "__main__":
    main()
