"""Build benchmark (SPEC §5–§7): the same platform built on DuckDB and on Spark local[2].

Both runs are whole builds — rules, redaction, pseudonyms, shards, image scrubbing and
the dataset files — of the platform `bench.rules` synthesises (default 10 million
posts, 1 million accounts, 100,000 objectors), each in a fresh process. DuckDB reads
the ledger; Spark reads the ledger's Parquet export, as on a cluster. Prints posts/s
for each and checks that the two datasets agree file by file.

Run: `python -m bench.spark` (add `--posts 1000000 --accounts 100000 --objectors
10000` for a quicker run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.rules import prepare

SECRET = "bench-secret-0123456789abcdef0123"
SCALING = """\
How it scales: the rules, redaction, pseudonyms and image scrubbing run in the
executors, so their share of the time divides by the number of executor cores;
local[2] here shares two cores with the driver. The driver then receives the
finished rows and writes the shards in one process (the same writer as DuckDB's),
which is the part that does not scale out: at 1 million posts it was under a
tenth of the time, and it bounds a build at roughly the writer's rate however
many executors run. Spark's fixed costs (JVM start, a job per validation check) make it
slower than DuckDB on one machine; it pays off when the data no longer fits one."""


def dataset_digest(out: Path) -> str:
    """One sha256 over every dataset file but the manifest (which names the engine)."""
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            h.update(str(p.relative_to(out)).encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def run_one(
    engine: str, snapshot: Path, ledger_url: str, events: Path, work: Path
) -> dict[str, Any]:
    """One timed build in this process (called in a fresh subprocess)."""
    from pydantic import SecretStr

    from trainright.ledger import Ledger
    from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
    from trainright.synth import DEFAULT_CUTOFF

    policy = parse_policy(DEFAULT_POLICY_TOML)
    out = work / engine
    start = time.perf_counter()
    if engine == "duckdb":
        from trainright.pipeline import build

        manifest = build(
            snapshot, policy, DEFAULT_CUTOFF, out, ledger=Ledger(ledger_url), secret=SECRET
        ).manifest
    else:
        from trainright.spark import build_on_spark, spark_session

        spark_session("local[2]", conf={"spark.driver.memory": "12g"})
        manifest, _ = build_on_spark(
            str(snapshot),
            policy,
            DEFAULT_CUTOFF,
            out,
            events_parquet=events,
            ledger=None,
            secret=SecretStr(SECRET),
            spark_master="local[2]",
            progress=None,
        )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "engine": engine,
        "seconds": seconds,
        "posts": manifest["counts"]["posts"],
        "included": manifest["counts"]["included"],
        "peak_bytes": peak,
        "digest": dataset_digest(out),
        "counts": manifest["counts"],
    }


def export_events(ledger_url: str, directory: Path) -> Path:
    """The ledger as a Spark cluster reads it: `trainright ledger export --as-of CUTOFF`."""
    from trainright.ledger.commands import export_command
    from trainright.synth import DEFAULT_CUTOFF

    out = directory / "events.parquet"
    if not out.exists():
        export_command(out, DEFAULT_CUTOFF.strftime("%Y-%m-%dT%H:%M:%SZ"), ledger_url)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=10_000_000)
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--objectors", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--ledger", help=argparse.SUPPRESS)
    ap.add_argument("--events", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        result = run_one(
            args.one, Path(args.snapshot), args.ledger, Path(args.events), Path(args.work)
        )
        print(json.dumps(result))
        return

    snapshot, url = prepare(args.posts, args.accounts, args.objectors, args.seed)
    events = export_events(url, snapshot.parent)
    results = []
    with tempfile.TemporaryDirectory(prefix="trainright-bench-spark-") as tmp:
        work = Path(tmp)
        # The DuckDB build registers its dataset: give it a copy of the ledger.
        ledger_copy = work / "ledger.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), ledger_copy)
        for engine in args.engines.split(","):
            cmd = [
                sys.executable, "-m", "bench.spark", "--one", engine, "--snapshot", str(snapshot),
                "--ledger", f"sqlite:///{ledger_copy}", "--events", str(events), "--work", tmp,
            ]  # fmt: skip
            print(f"building on {engine} ...", flush=True)
            proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr[-4000:])
                raise SystemExit(f"the {engine} build failed")
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"\n{args.posts:,} posts, {args.accounts:,} accounts, default policy")
    # Peak RSS of the Python process (for Spark the driver's Python; the JVM is not counted).
    print(f"{'engine':<16}{'seconds':>10}{'posts/s':>12}{'included':>12}{'py RSS':>11}")
    for r in results:
        label = "spark local[2]" if r["engine"] == "spark" else r["engine"]
        rate = r["posts"] / r["seconds"]
        print(
            f"{label:<16}{r['seconds']:>10.1f}{rate:>12,.0f}{r['included']:>12,}"
            f"{r['peak_bytes'] / 2**30:>10.1f}G"
        )
    if len(results) == 2:
        a, b = results
        same = a["digest"] == b["digest"] and a["counts"] == b["counts"]
        print(f"ratio: {b['seconds'] / a['seconds']:.2f}x; datasets identical: {same}")
        if not same:
            raise SystemExit("the engines' datasets differ")
    print("\n" + SCALING)


if __name__ == "__main__":
    main()
