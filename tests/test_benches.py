"""Every benchmark runs to its end on a tiny input (it measures nothing at this size).

The benches are run by hand, seldom, and at sizes too long for a test; without this a
change to what they call breaks them unnoticed until the next measurement.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import run_module

ROOT = Path(__file__).parent.parent

#: A synthetic platform small enough to build in seconds.
PLATFORM = "--posts 2000 --accounts 200 --objectors 20"
TINY = {
    name: args.split()
    for name, args in {
        "rules": f"{PLATFORM} --repeat 1 --non-users 20",
        "copies": PLATFORM,
        "audit": "--posts 2000 --generations 50",
        "minimise": "--posts 2000 --accounts 200",
        "images": "--images 4 --runs 1",
        "photos": "--images 10 --registrations 50",
        "lineage": "--datasets 2 --shards 2 --subjects 1000 --models 1 --objectors 100"
        " --lookups 100",
        "training": "--rows 20000 --shards 2 --subjects 1000 --runs 1",
        "mastodon": "--accounts 50 --statuses 2000 --repeat 1",
        "web": "--duration 1 --warmup 1 --connections 2 --accounts 100 --targets ceiling,sqlite",
        "spark": f"{PLATFORM} --engines duckdb,spark",
    }.items()
}


@pytest.mark.heavy
@pytest.mark.parametrize("bench", sorted(TINY))
def test_a_bench_runs_to_its_end(bench: str, tmp_path: Path) -> None:
    env = {**os.environ, "BENCH_OUT": str(tmp_path)}
    done = run_module(f"bench.{bench}", *TINY[bench], cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "the bench printed no figures"
