"""Build benchmark (SPEC §5–§7): one platform built on DuckDB, Spark local[2] and a
standalone Spark cluster (a master and 2 workers x 1 core, started here).

Every run is a whole build — rules, redaction, pseudonyms, shards, image scrubbing and
the dataset files — of the platform `bench.rules` synthesises (default 1 million
posts, 100,000 accounts, 10,000 objectors), each in a fresh process. DuckDB reads
the ledger; Spark reads the ledger's Parquet export, as on a cluster. Prints posts/s
for each, the ratios to DuckDB, and checks that the datasets agree file by file.

For each Spark run it also prints where the time went, from Spark's own job records
(its UI's REST API): the wall time during which no Spark job ran (the driver alone:
session start, planning, the driver's collecting and writing) against the time jobs
ran (the executors' work), and the stages that took the most task time; and the
Amdahl prediction for more executors from that serial share.

Run: `python -m bench.spark` (`--posts 10000000 --accounts 1000000 --objectors
100000` for the 10-million-post run; `--engines spark` for Spark alone).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import SECRET, copy_ledger
from bench.rules import prepare

LABELS = {"duckdb": "duckdb", "spark": "spark local[2]", "cluster": "cluster 2x1"}


def dataset_digest(out: Path) -> str:
    """One sha256 over every dataset file but the manifest (which names the engine)."""
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            h.update(str(p.relative_to(out)).encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def job_profile(spark: Any, wall: float, started: float) -> dict[str, Any]:
    """Where a Spark build's time went, from Spark's job and stage records.

    `busy` is the wall time during which at least one job ran (the union of the jobs'
    intervals); the rest of the build's wall time the driver worked alone.
    """
    sc = spark.sparkContext
    base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"

    def get(what: str) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{base}/{what}", timeout=30) as r:
            out: list[dict[str, Any]] = json.load(r)
            return out

    def instant(text: str) -> float:
        from datetime import UTC, datetime

        at = datetime.strptime(text.removesuffix("GMT"), "%Y-%m-%dT%H:%M:%S.%f")
        return at.replace(tzinfo=UTC).timestamp()

    spans = sorted(
        (instant(j["submissionTime"]), instant(j["completionTime"]))
        for j in get("jobs")
        if j.get("completionTime") and instant(j["submissionTime"]) >= started
    )
    busy, end = 0.0, 0.0
    for a, b in spans:
        a = max(a, end)
        if b > a:
            busy += b - a
            end = b
    stages = [s for s in get("stages?status=complete") if instant(s["submissionTime"]) >= started]
    task_s = sum(s["executorRunTime"] for s in stages) / 1000
    top = sorted(stages, key=lambda s: -s["executorRunTime"])[:8]
    return {
        "jobs": len(spans),
        "busy": busy,
        "serial": wall - busy,
        "task_seconds": task_s,
        "tasks": sum(s["numTasks"] for s in stages),
        "top": [
            (s["executorRunTime"] / 1000, s["numTasks"], s["name"].rsplit("/", 1)[-1]) for s in top
        ],
    }


def run_one(
    engine: str, snapshot: Path, ledger_url: str, events: Path, work: Path, master: str
) -> dict[str, Any]:
    """One timed build in this process (called in a fresh subprocess)."""
    from pydantic import SecretStr

    from trainright.ledger import Ledger
    from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
    from trainright.synth import DEFAULT_CUTOFF

    policy = parse_policy(DEFAULT_POLICY_TOML)
    out = work / engine
    profile = None
    start = time.perf_counter()
    if engine == "duckdb":
        from trainright.pipeline import build

        manifest = build(
            snapshot, policy, DEFAULT_CUTOFF, out, ledger=Ledger(ledger_url), secret=SECRET
        ).manifest
        seconds = time.perf_counter() - start
    else:
        from trainright.spark import build_on_spark, spark_session

        started = time.time()
        spark = spark_session(master, conf={"spark.driver.memory": "12g"})
        manifest, _ = build_on_spark(
            str(snapshot),
            policy,
            DEFAULT_CUTOFF,
            out,
            events_parquet=events,
            ledger=None,
            secret=SecretStr(SECRET),
            spark_master=master,
            progress=None,
        )
        seconds = time.perf_counter() - start
        profile = job_profile(spark, seconds, started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {
        "engine": engine,
        "seconds": seconds,
        "posts": manifest["counts"]["posts"],
        "included": manifest["counts"]["included"],
        "peak_bytes": peak,
        "digest": dataset_digest(out),
        "counts": manifest["counts"],
        "profile": profile,
    }


def export_events(ledger_url: str, directory: Path) -> Path:
    """The ledger as a Spark cluster reads it: `trainright ledger export --as-of CUTOFF`."""
    from trainright.ledger.commands import export_command
    from trainright.synth import DEFAULT_CUTOFF

    out = directory / "events.parquet"
    if not out.exists():
        export_command(out, DEFAULT_CUTOFF.strftime("%Y-%m-%dT%H:%M:%SZ"), ledger_url)
    return out


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def standalone(work: Path, workers: int = 2, memory: str = "4g") -> Iterator[str]:
    """A Spark standalone master and `workers` one-core workers on 127.0.0.1, started
    from PySpark's own `spark-class` and stopped by their PIDs; yields the master URL."""
    import pyspark

    home = Path(pyspark.__file__).parent
    env = os.environ | {"SPARK_HOME": str(home)}
    spark_class, deploy = str(home / "bin" / "spark-class"), "org.apache.spark.deploy"
    port = _port()
    url = f"spark://127.0.0.1:{port}"
    log = work / "cluster.log"
    procs: list[subprocess.Popen[bytes]] = []
    with log.open("w") as out:
        master = [spark_class, f"{deploy}.master.Master", "--host", "127.0.0.1"]
        master += ["--port", str(port), "--webui-port", str(_port())]
        procs.append(subprocess.Popen(master, env=env, stdout=out, stderr=out))
        for i in range(workers):
            worker = [spark_class, f"{deploy}.worker.Worker", "--cores", "1", "--memory", memory]
            worker += ["--webui-port", str(_port()), "--work-dir", str(work / f"w{i}"), url]
            procs.append(subprocess.Popen(worker, env=env, stdout=out, stderr=out))
    try:
        deadline = time.monotonic() + 90
        while log.read_text().count("Successfully registered with master") < workers:
            if time.monotonic() > deadline:
                raise SystemExit("the standalone cluster did not start:\n" + log.read_text())
            time.sleep(0.5)
        yield url
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)


def build_in_subprocess(engine: str, master: str, common: list[str]) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.spark", "--one", engine, "--master", master, *common]
    print(f"building on {LABELS[engine]} ...", flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"the {engine} build failed")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def report(results: list[dict[str, Any]], posts: int, accounts: int) -> None:
    print(f"\n{posts:,} posts, {accounts:,} accounts, default policy")
    # Peak RSS of the Python process (for Spark the driver's Python; the JVM is not counted).
    print(f"{'engine':<16}{'seconds':>10}{'posts/s':>12}{'included':>12}{'py RSS':>11}{'ratio':>8}")
    base = next((r["seconds"] for r in results if r["engine"] == "duckdb"), None)
    for r in results:
        ratio = f"{r['seconds'] / base:7.2f}x" if base else ""
        print(
            f"{LABELS[r['engine']]:<16}{r['seconds']:>10.1f}{r['posts'] / r['seconds']:>12,.0f}"
            f"{r['included']:>12,}{r['peak_bytes'] / 2**30:>10.1f}G{ratio:>8}"
        )
    first = results[0]
    same = all(r["digest"] == first["digest"] and r["counts"] == first["counts"] for r in results)
    print(f"datasets identical file by file: {same}")
    for r in results:
        prof = r["profile"]
        if prof is None:
            continue
        wall = r["seconds"]
        serial = prof["serial"] / wall
        print(
            f"\n{LABELS[r['engine']]}: {prof['jobs']} jobs, {prof['tasks']} tasks;"
            f" driver alone {prof['serial']:.1f} s ({serial:.0%}),"
            f" jobs running {prof['busy']:.1f} s ({1 - serial:.0%}),"
            f" task time {prof['task_seconds']:.1f} s on 2 cores"
        )
        for sec, n, name in prof["top"]:
            print(f"    {sec:8.1f} s task time  {n:4d} tasks  {name}")
        # Amdahl: the jobs' share divides over executor cores (measured on 2), the rest not.
        for cores in (10, 100):
            t = prof["serial"] + prof["busy"] * 2 / cores
            print(
                f"    predicted with {cores} executor cores: {t:.1f} s ({posts / t:,.0f} posts/s)"
            )
    if not same:
        for r in results[1:]:
            counts = {k: (v, r["counts"].get(k)) for k, v in first["counts"].items()}
            print(
                f"{LABELS[r['engine']]} against {LABELS[first['engine']]}:",
                {k: ab for k, ab in counts.items() if ab[0] != ab[1]},
            )
        raise SystemExit("the engines' datasets differ")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--objectors", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--engines", default="duckdb,spark,cluster")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--master", default="local[2]", help=argparse.SUPPRESS)
    ap.add_argument("--snapshot", help=argparse.SUPPRESS)
    ap.add_argument("--ledger", help=argparse.SUPPRESS)
    ap.add_argument("--events", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        result = run_one(
            args.one,
            Path(args.snapshot),
            args.ledger,
            Path(args.events),
            Path(args.work),
            args.master,
        )
        print(json.dumps(result))
        return

    snapshot, url, _ = prepare(args.posts, args.accounts, args.objectors, args.seed)
    events = export_events(url, snapshot.parent)
    results = []
    with tempfile.TemporaryDirectory(prefix="trainright-bench-spark-") as tmp:
        work = Path(tmp)
        # The DuckDB build registers its dataset: give it a copy of the ledger.
        ledger_copy = work / "ledger.db"
        copy_ledger(Path(url.removeprefix("sqlite:///")), ledger_copy)
        common = ["--snapshot", str(snapshot), "--ledger", f"sqlite:///{ledger_copy}"]
        common += ["--events", str(events), "--work", tmp]
        for engine in args.engines.split(","):
            if engine == "cluster":
                with standalone(work) as master:
                    results.append(build_in_subprocess(engine, master, common))
            else:
                results.append(build_in_subprocess(engine, "local[2]", common))
            shutil.rmtree(work / engine, ignore_errors=True)
    report(results, args.posts, args.accounts)


if __name__ == "__main__":
    main()
