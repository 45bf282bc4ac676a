"""`build --engine spark` on a real standalone cluster: a master and two workers here.

Run as a person would: the CLI, `--spark-master spark://...`, no PYSPARK_PYTHON set.
The dataset must be file for file the embedded build's; executors that cannot import
trainright must stop the build with exit 2 before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyspark
import pytest

# A master, two workers and a spark-submit: three minutes of the default suite's wall
# time, so they run in CI's second step (make test-heavy).
pytestmark = pytest.mark.heavy

TRAINRIGHT = Path(sys.executable).parent / "trainright"
SPARK_HOME = Path(pyspark.__file__).parent
SECRET = "cluster-test-secret-0123456789abcdef"
POLICY = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n\n[regions.EEA]\nlegal_basis = "consent"\n'
CUTOFF = "2026-06-26T00:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    """The environment a person's shell has: no PYSPARK_PYTHON, the secret set."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("PYSPARK")}
    return out | {"TRAINRIGHT_SECRET": SECRET, "SPARK_HOME": str(SPARK_HOME)}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone master and two one-core workers; yields the master URL."""
    work = tmp_path_factory.mktemp("spark-work")
    port = free_port()
    url = f"spark://127.0.0.1:{port}"
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    deploy = "org.apache.spark.deploy"
    master = [spark_class, f"{deploy}.master.Master", "--host", "127.0.0.1"]
    master += ["--port", str(port), "--webui-port", str(free_port())]
    procs = [subprocess.Popen(master, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)]
    log = work / "workers.log"
    with log.open("w") as out:
        for i in range(2):
            worker = [spark_class, f"{deploy}.worker.Worker", "--cores", "1", "--memory", "1g"]
            worker += ["--webui-port", str(free_port()), "--work-dir", str(work / f"w{i}"), url]
            procs.append(subprocess.Popen(worker, env=env(), stdout=out, stderr=out))
        deadline = time.monotonic() + 60
        while log.read_text().count("Successfully registered with master") < 2:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
    try:
        yield url
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def run(
    *args: str, cwd: Path, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TRAINRIGHT), *args],
        cwd=cwd,
        env=env() | (extra or {}),
        capture_output=True,
        text=True,
        timeout=600,
    )


def files(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def build(tmp_path: Path, out: str, *engine: str, extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run(
        "build",
        "--snapshot",
        "snap",
        "--policy",
        "policy.toml",
        "--cutoff",
        CUTOFF,
        "--out",
        out,
        "--ledger",
        f"sqlite:///{tmp_path / 'ledger.db'}",
        *engine,
        cwd=tmp_path,
        extra=extra,
    )


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("platform")
    made = run("synth", "--out", "snap", "--accounts", "300", "--posts", "2000", cwd=root)
    assert made.returncode == 0, made.stderr
    (root / "policy.toml").write_text(POLICY)
    ledger = f"sqlite:///{root / 'ledger.db'}"
    imported = run("rights", "import", "snap/events.jsonl", "--ledger", ledger, cwd=root)
    assert imported.returncode == 0, imported.stderr
    return root


def test_a_cluster_build_is_the_embedded_build_file_for_file(cluster: str, platform: Path) -> None:
    duck = build(platform, "duck")
    assert duck.returncode == 0, duck.stderr
    spark = build(platform, "cluster", "--engine", "spark", "--spark-master", cluster)
    assert spark.returncode == 0, spark.stderr
    assert files(platform / "cluster") == files(platform / "duck")
    manifest = json.loads((platform / "cluster" / "manifest.json").read_text())
    embedded = json.loads((platform / "duck" / "manifest.json").read_text())
    assert (manifest.pop("engine"), embedded.pop("engine")) == ("spark", "duckdb")
    assert manifest == embedded
    assert manifest["counts"]["included"] > 0


def test_executors_without_trainright_stop_the_build_before_anything_is_written(
    cluster: str, platform: Path
) -> None:
    bad = build(
        platform,
        "never",
        "--engine",
        "spark",
        "--spark-master",
        cluster,
        extra={"PYSPARK_PYTHON": "/usr/bin/python3"},
    )
    assert bad.returncode == 2, bad.stderr
    said = " ".join(bad.stderr.split())
    assert "the Spark executors (Python '/usr/bin/python3') cannot run trainright" in said
    assert "Traceback" not in bad.stderr
    assert not (platform / "never").exists()


def test_spark_submit_runs_the_documented_recipe_file_for_file(
    cluster: str, platform: Path
) -> None:
    """docs/spark.md's recipe: `spark-submit` runs trainright's `__main__.py`, the
    executors' Python named by `spark.pyspark.python`, the events read from an export."""
    import trainright

    export = run(
        "ledger",
        "export",
        "events.parquet",
        "--as-of",
        CUTOFF,
        "--ledger",
        f"sqlite:///{platform / 'ledger.db'}",
        cwd=platform,
    )
    assert export.returncode == 0, export.stderr
    duck = build(platform, "duck-submit")
    assert duck.returncode == 0, duck.stderr
    cmd = [
        str(SPARK_HOME / "bin" / "spark-submit"),
        "--master", cluster, "--deploy-mode", "client",
        "--conf", f"spark.pyspark.python={sys.executable}",
        "--conf", f"spark.pyspark.driver.python={sys.executable}",
        str(Path(trainright.__file__).parent / "__main__.py"),
        "build", "--engine", "spark", "--snapshot", "snap", "--events", "events.parquet",
        "--policy", "policy.toml", "--cutoff", CUTOFF, "--out", "submitted",
        "--ledger", f"sqlite:///{platform / 'ledger.db'}",
    ]  # fmt: skip
    submitted = subprocess.run(
        cmd,
        cwd=platform,
        env=env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert submitted.returncode == 0, submitted.stderr[-4000:]
    assert files(platform / "submitted") == files(platform / "duck-submit")
    manifest = json.loads((platform / "submitted" / "manifest.json").read_text())
    embedded = json.loads((platform / "duck-submit" / "manifest.json").read_text())
    assert (manifest.pop("engine"), embedded.pop("engine")) == ("spark", "duckdb")
    assert manifest == embedded
