"""`trainright serve` as a real process on 127.0.0.1, for browser, schema and crash tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from people import API_KEY, SECRET, accounts

from trainright.rules.standing import AccountFacts

TRAINRIGHT = Path(sys.executable).parent / "trainright"


def write_snapshot(root: Path, facts: Mapping[int, AccountFacts]) -> Path:
    """A minimal snapshot: the given accounts and one post."""
    root.mkdir(parents=True, exist_ok=True)
    ids = sorted(facts)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "account_id": pa.array(ids, pa.int64()),
                "kind": [facts[i].kind for i in ids],
                "birth_date": pa.array([facts[i].birth_date for i in ids], pa.date32()),
                "country": [facts[i].country for i in ids],
                "status": [facts[i].status for i in ids],
                "display_name": [f"Person {i}" for i in ids],
                "created_at": pa.array([now] * len(ids), pa.timestamp("us", tz="UTC")),
            }
        ),
        root / "accounts.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "post_id": pa.array([1], pa.int64()),
                "author_id": pa.array([ids[0]], pa.int64()),
                "created_at": pa.array([now], pa.timestamp("us", tz="UTC")),
                "visibility": ["public"],
                "lang": ["en"],
                "text": ["hello"],
                "deleted": [False],
            }
        ),
        root / "posts.parquet",
    )
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """Start `trainright serve`; stop it gently or kill it (and its writer) with SIGKILL.

    Without a `--snapshot` argument it serves a snapshot of the web tests' people.
    """

    def __init__(self, ledger_url: str, *args: str, log: Path | None = None) -> None:
        self.ledger_url = ledger_url
        self._own: Path | None = None
        if "--snapshot" not in args:
            self._own = Path(tempfile.mkdtemp(prefix="trainright-snapshot-"))
            args = (*args, "--snapshot", str(write_snapshot(self._own, accounts())))
        self.args = args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = {
            **os.environ,
            "TRAINRIGHT_WEB_SECRET": SECRET.get_secret_value(),
            "TRAINRIGHT_API_KEY": API_KEY.get_secret_value(),
        }
        out = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [
                str(TRAINRIGHT),
                "serve",
                "--ledger",
                self.ledger_url,
                "--port",
                str(self.port),
                *self.args,
            ],
            env=env,
            stdout=out,
            stderr=out,
            start_new_session=True,  # its own process group: the writer child dies with it
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"trainright serve exited with {self.proc.returncode}")
            try:
                httpx.get(f"{self.base}/static/site.css", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("trainright serve did not come up within 60 s")

    def kill(self) -> None:
        """SIGKILL the server and its ledger writer at once, as a crash would."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        """Stop, and remove the snapshot this server wrote for itself."""
        self.stop()
        if self._own is not None:
            shutil.rmtree(self._own, ignore_errors=True)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
