"""`trainright serve` as a newcomer starts it: a port in use is exit 2, said plainly, first."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from live_server import TRAINRIGHT, write_snapshot
from people import FACTS, SECRET


def serve(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    snapshot = write_snapshot(tmp_path / "snapshot", dict(FACTS))
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    env.update(TRAINRIGHT_WEB_SECRET=SECRET.get_secret_value(), COLUMNS="1000")
    return subprocess.run(
        [
            str(TRAINRIGHT),
            "serve",
            "--ledger",
            f"sqlite:///{tmp_path / 'ledger.db'}",
            "--snapshot",
            str(snapshot),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_port_in_use_is_exit_2_before_any_start_up_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = serve(tmp_path, "--port", str(port))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # no "rights service on http://..." that is not true
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "--port" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Errno" not in done.stderr


def test_an_address_this_machine_lacks_is_exit_2(tmp_path: Path) -> None:
    done = serve(tmp_path, "--host", "192.0.2.1", "--port", "8000")  # TEST-NET-1: never ours
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "cannot listen on 192.0.2.1:8000" in done.stderr
    assert "--host" in done.stderr
