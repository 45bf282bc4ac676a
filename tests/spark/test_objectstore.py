"""A Spark build whose `--out` is an object store: a real S3 API (moto's server) on 127.0.0.1.

The executors write the images and shards straight to `s3://`, the driver its own files
after theirs and the manifest last. The dataset must be file for file the embedded
build's; a build that fails leaves no manifest (and removes what it wrote); a prefix
that holds objects is refused like an existing directory. The builds run in a fresh
process, as a person runs them, so its JVM and Python workers see the S3 settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("moto", reason="moto[server] (dev group) runs the local S3")
pytestmark = pytest.mark.heavy

SECRET = "objectstore-test-secret-0123456789abcdef"
CUTOFF = "2026-06-26T00:00:00Z"

#: Run in a fresh process: builds to the URI in argv[1]; argv[2] == "fail" makes the
#: driver fail where it would write the manifest (after every other file is written).
BUILD = textwrap.dedent(
    """
    import sys
    from pydantic import SecretStr
    from trainright.errors import TrainrightError
    from trainright.ledger import Ledger
    from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
    from trainright.synth import DEFAULT_CUTOFF
    import trainright.spark.build as spark_build

    if sys.argv[2] == "fail":
        def refuse(*args, **kwargs):
            raise OSError("the driver lost its connection")
        spark_build.write_manifest = refuse
    try:
        spark_build.build_on_spark(
            "snap", parse_policy(DEFAULT_POLICY_TOML), DEFAULT_CUTOFF, sys.argv[1],
            events_parquet=None, ledger=Ledger("sqlite:///ledger.db"),
            secret=SecretStr(sys.argv[3]), spark_master="local[2]", progress=None,
        )
    except (TrainrightError, OSError) as exc:
        print(f"failed: {exc}")
        sys.exit(1)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """moto's S3 server on a free port; yields the environment that points at it."""
    port = free_port()
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    assert server, "moto_server is not installed"
    proc = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.2)
        yield env
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def bucket(env: dict[str, str], name: str) -> object:
    """A fresh bucket on the local S3, and the filesystem that reads it."""
    import pyarrow.fs as pafs

    fs = pafs.S3FileSystem(
        access_key=env["AWS_ACCESS_KEY_ID"],
        secret_key=env["AWS_SECRET_ACCESS_KEY"],
        endpoint_override=env["AWS_ENDPOINT_URL"],
        region=env["AWS_DEFAULT_REGION"],
        allow_bucket_creation=True,
    )
    fs.create_dir(name)
    return fs


def objects(fs: object, prefix: str) -> dict[str, str]:
    """sha256 of every object under `prefix` but the manifest, by relative key."""
    import pyarrow.fs as pafs

    assert isinstance(fs, pafs.S3FileSystem)
    out = {}
    for info in fs.get_file_info(pafs.FileSelector(prefix, recursive=True, allow_not_found=True)):
        if info.type == pafs.FileType.File and not info.path.endswith("/manifest.json"):
            with fs.open_input_stream(info.path) as fh:
                out[info.path.removeprefix(prefix + "/")] = hashlib.sha256(fh.read()).hexdigest()
    return out


def files(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic platform, its ledger, and its embedded build in `duck/`."""
    from trainright import Ledger, import_events
    from trainright.pipeline import build
    from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
    from trainright.synth import DEFAULT_CUTOFF, synthesize

    root = tmp_path_factory.mktemp("platform")
    synthesize(root / "snap", accounts=200, posts=1500, seed=3, objectors=20, images=20)
    ledger = Ledger(f"sqlite:///{root / 'ledger.db'}")
    import_events(ledger, root / "snap" / "events.jsonl")
    build(
        root / "snap",
        parse_policy(DEFAULT_POLICY_TOML),
        DEFAULT_CUTOFF,
        root / "duck",
        ledger=Ledger(f"sqlite:///{root / 'duck-ledger.db'}"),
        secret=SECRET,
        rights=lambda _led, cut: ledger.export_until(cut),
    )
    return root


def run_build(platform: Path, env: dict[str, str], uri: str, mode: str = "ok") -> str:
    proc = subprocess.run(
        [sys.executable, "-c", BUILD, uri, mode, SECRET],
        cwd=platform,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYSPARK")} | env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if mode == "ok":
        assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    else:
        assert proc.returncode == 1, proc.stdout + proc.stderr[-3000:]
    return proc.stdout


def test_a_build_to_s3_is_the_embedded_build_and_its_manifest_comes_last(
    s3: dict[str, str], platform: Path
) -> None:
    fs = bucket(s3, "datasets")
    run_build(platform, s3, "s3://datasets/d1")
    assert objects(fs, "datasets/d1") == files(platform / "duck")
    import pyarrow.fs as pafs

    assert isinstance(fs, pafs.S3FileSystem)
    with fs.open_input_stream("datasets/d1/manifest.json") as fh:
        manifest = json.loads(fh.read())
    embedded = json.loads((platform / "duck" / "manifest.json").read_text())
    assert (manifest.pop("engine"), embedded.pop("engine")) == ("spark", "duckdb")
    assert manifest == embedded
    assert any(k.startswith("media/") for k in objects(fs, "datasets/d1"))
    # the same prefix again: refused, the dataset untouched
    said = run_build(platform, s3, "s3://datasets/d1", mode="refused")
    assert "already holds objects" in said
    assert objects(fs, "datasets/d1") == files(platform / "duck")


def test_a_failed_build_to_s3_leaves_no_manifest_and_no_files(
    s3: dict[str, str], platform: Path
) -> None:
    fs = bucket(s3, "failing")
    said = run_build(platform, s3, "s3://failing/d1", mode="fail")
    assert "lost its connection" in said
    import pyarrow.fs as pafs

    assert isinstance(fs, pafs.S3FileSystem)
    left = fs.get_file_info(pafs.FileSelector("failing", recursive=True, allow_not_found=True))
    assert [i.path for i in left if i.type == pafs.FileType.File] == []
