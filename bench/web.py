"""Rights-service benchmark (SPEC §3, §9): durable objections per second over HTTP.

Runs `wrk` (Debian's; `apt-get install -y wrk`) against POST /api/v1/events on
127.0.0.1 with 32 connections, each request a new objection of one of many
signed-in accounts with its own Idempotency-Key, and reports acknowledged
objections per second (201 responses: each one committed before it was sent)
and latency p50/p99, for:

- `ceiling`: the same app and endpoint with validation only: the writer answers
  without a database. The most this HTTP stack does on this machine.
- `sqlite`: `trainright serve` on a fresh SQLite ledger (WAL, synchronous=FULL).
- `postgresql`: `trainright serve` on a fresh PostgreSQL database (127.0.0.1).

Targets: at least 2,500 durable objections/s with p99 under 60 ms on each store.
The machine's load average is printed beside each run: other work on the two
cores moves every rate. So is the server's CPU time per request (server and
writer processes, user + system), which other work moves much less: it is what
each request costs, whatever else is running; for PostgreSQL also the database
server's (`+ db us`), which shares the same two cores. Run: `python -m bench.web`
(results also in bench/out/web.json).

`--baseline REV` measures the code at git revision REV beside the working tree's, in
the same run: REV is checked out into a temporary worktree, and each target is run
`--rounds` times alternating between the two, so that a change's cost in throughput
and CPU per request is read against the same machine state rather than another day's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import SecretStr

from bench.common import OUT
from trainright.rules.standing import AccountFacts

ROOT = Path(__file__).parent.parent
TRAINRIGHT = Path(sys.executable).parent / "trainright"
TARGET_RATE, TARGET_P99_MS = 2500, 60.0

LUA = """
local tokens = {}
for line in io.lines("%(tokens)s") do tokens[#tokens + 1] = line end
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local n = 0
function init(args) n = tonumber(tid) * 1000003 end
function request()
  n = n + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[(n %% #tokens) + 1],
    ["Idempotency-Key"] = "bench-%(run)s-" .. tid .. "-" .. n,
  }
  return wrk.format("POST", "/api/v1/events", headers, '{"type":"objection"}')
end
"""


@dataclass(frozen=True)
class Code:
    """The code a server runs: the working tree, or a baseline revision's worktree."""

    label: str
    root: Path

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "PYTHONPATH": f"{self.root / 'src'}{os.pathsep}{self.root}"}


@dataclass(frozen=True)
class Result:
    target: str
    code: str
    acknowledged_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    committed: int | None
    load_before: float
    cpu_us_per_request: float
    db_cpu_us_per_request: float

    def row(self) -> str:
        ok = self.acknowledged_per_s >= TARGET_RATE and self.p99_ms < TARGET_P99_MS
        verdict = "" if self.target == "ceiling" else ("meets target" if ok else "below target")
        committed = "" if self.committed is None else f"{self.committed:,}"
        db = "" if self.target != "postgresql" else f"{self.db_cpu_us_per_request:.0f}"
        return (
            f"{self.target:<11} {self.code:<9} {self.acknowledged_per_s:>10,.0f} {self.p50_ms:>8.1f} {self.p99_ms:>8.1f} "
            f"{self.errors:>7,} {committed:>10} {self.cpu_us_per_request:>8.0f} {db:>7} {self.load_before:>6.2f}"
            f"  {verdict}"
        )


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if found is None:
        raise SystemExit(f"cannot read wrk's latency {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1e3, "m": 6e4, "h": 3.6e6}[unit]


def parse_wrk(out: str, seconds: float) -> tuple[int, int, float, float]:
    """(requests, non-2xx, p50 ms, p99 ms) from wrk --latency output."""
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        errors += sum(int(x) for x in sock.groups())
    dist = out[out.index("Latency Distribution") :]
    p50 = _ms(re.search(r"50%\s+(\S+)", dist).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"99%\s+(\S+)", dist).group(1))  # type: ignore[union-attr]
    return total, errors, p50, p99


def wrk(base: str, script: Path, seconds: int, connections: int, threads: int) -> str:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(script),
        base,
    ]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def cpu_seconds(pgid: int) -> tuple[float, float]:
    """User + system CPU of the server's process group (server and writer), and of the
    PostgreSQL server's processes (backends, WAL writer, ... and those that ended)."""
    ours = db = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        if int(fields[2]) == pgid:
            ours += int(fields[11]) + int(fields[12])
        elif comm.endswith("(postgres"):
            db += sum(int(f) for f in fields[11:15])
    tick = os.sysconf("SC_CLK_TCK")
    return ours / tick, db / tick


@contextmanager
def serving(cmd: list[str], env: dict[str, str], port: int, cwd: Path) -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"server exited with {proc.returncode}: {' '.join(cmd)}")
            try:
                httpx.get(f"{base}/static/site.css", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit("server did not start within 60 s") from None
                time.sleep(0.1)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def committed(url: str) -> int:
    from trainright.ledger import Ledger

    ledger = Ledger(url)
    try:
        return ledger.head().seq
    finally:
        ledger.engine.dispose()


def run_target(
    target: str,
    url: str | None,
    args: argparse.Namespace,
    work: Path,
    env: dict[str, str],
    code: Code,
) -> Result:
    port = free_port()
    limits = ["--client-rate", "100000000", "--account-rate", "100000"]
    if url is None:
        cmd = [sys.executable, "-m", "bench.web", "--serve-sink", str(port)]
        cmd += ["--accounts", str(args.accounts)]
    else:
        cmd = [str(TRAINRIGHT), "serve", "--ledger", url, "--port", str(port), *limits]
        cmd += ["--snapshot", str(work / "snapshot")]
    run_id = secrets.token_hex(4)
    script = work / f"{target}.lua"
    script.write_text(LUA % {"tokens": work / "tokens.txt", "run": run_id})
    with serving(cmd, code.env(env), port, code.root) as (base, pgid):
        wrk(base, script, args.warmup, args.connections, args.threads)
        load = os.getloadavg()[0]
        script.write_text(LUA % {"tokens": work / "tokens.txt", "run": run_id + "m"})
        cpu_before, db_before = cpu_seconds(pgid)
        out = wrk(base, script, args.duration, args.connections, args.threads)
        cpu, db = cpu_seconds(pgid)
        cpu, db = cpu - cpu_before, db - db_before
    total, errors, p50, p99 = parse_wrk(out, args.duration)
    return Result(
        target=target,
        code=code.label,
        acknowledged_per_s=(total - errors) / args.duration,
        p50_ms=p50,
        p99_ms=p99,
        requests=total,
        errors=errors,
        committed=None if url is None else committed(url),
        load_before=load,
        cpu_us_per_request=1e6 * cpu / max(total, 1),
        db_cpu_us_per_request=1e6 * db / max(total, 1),
    )


def adults(n: int) -> dict[int, AccountFacts]:
    """Accounts 1..n, all adults in a legitimate-interest region: every one may file."""
    return {i: AccountFacts("personal", "US", "active", date(1990, 5, 17)) for i in range(1, n + 1)}


def write_snapshot(root: Path, n: int) -> None:
    """The snapshot `serve --snapshot` reads the accounts' facts from: n adults, one post."""
    root.mkdir(parents=True)
    ids = pa.array(range(1, n + 1), pa.int64())
    created = datetime(2026, 1, 1, tzinfo=UTC)
    pq.write_table(
        pa.table(
            {
                "account_id": ids,
                "kind": pa.repeat("personal", n),
                "birth_date": pa.array([date(1990, 5, 17)] * n, pa.date32()),
                "country": pa.repeat("US", n),
                "status": pa.repeat("active", n),
                "display_name": pa.array([f"Person {i}" for i in range(1, n + 1)]),
                "created_at": pa.array([created] * n, pa.timestamp("us", tz="UTC")),
            }
        ),
        root / "accounts.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "post_id": pa.array([1], pa.int64()),
                "author_id": pa.array([1], pa.int64()),
                "created_at": pa.array([created], pa.timestamp("us", tz="UTC")),
                "visibility": ["public"],
                "lang": ["en"],
                "text": ["hello"],
                "deleted": [False],
            }
        ),
        root / "posts.parquet",
    )


def serve_sink(port: int, accounts: int) -> None:
    """The ceiling: the real app and endpoint, with a writer that touches no database."""
    import uvicorn

    from trainright.ledger import Event, Filed, Filing
    from trainright.ledger.process import WriterHealth
    from trainright.ledger.standing import standing_of
    from trainright.settings import LedgerURL
    from trainright.web import Limits, WebConfig, create_app
    from trainright.web.config import policy_from, web_secret

    class Sink:
        def __init__(self) -> None:
            self.seq = 0

        async def start(self) -> None:
            return None

        async def stop(self) -> None:
            return None

        def health(self) -> WriterHealth:
            return WriterHealth(True, os.getpid(), 0.0, None, 0, False)

        async def file(self, filing: Filing) -> Filed:
            now = datetime.now(UTC)
            events = []
            for e in filing.events:
                self.seq += 1
                events.append(
                    Event(self.seq, e.account_id, e.type, e.purpose, now, now, e.channel, "0" * 64)
                )
            return Filed(
                tuple(events), standing_of(filing.account_id, events, filing.purpose, now), False
            )

    config = WebConfig(
        ledger_url=LedgerURL("sqlite://", "bench"),
        secret=web_secret(),
        policy=policy_from(None),
        accounts=adults(accounts),
        limits=Limits(account_per_minute=100_000, client_per_minute=100_000_000),
    )
    app = create_app(config, writer=Sink())
    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


def measure(
    target: str, args: argparse.Namespace, work: Path, env: dict[str, str], code: Code, run: int
) -> Result:
    """One run of one target on one code, each on a fresh ledger."""
    if target == "ceiling":
        return run_target(target, None, args, work, env, code)
    if target == "sqlite":
        url = f"sqlite:///{work / f'ledger-{code.label}-{run}.db'}"
        return run_target(target, url, args, work, env, code)
    if target == "postgresql":
        from trainright.ledger.scratch import scratch_database

        with scratch_database("trainright_bench") as url:
            return run_target(target, url, args, work, env, code)
    raise SystemExit(f"unknown target {target!r}: ceiling, sqlite or postgresql")


@contextmanager
def codes(baseline: str | None, work: Path) -> Iterator[list[Code]]:
    """The working tree's code, and REV's checked out into a worktree (removed after)."""
    current = Code("current", ROOT)
    if baseline is None:
        yield [current]
        return
    tree = work / "baseline"
    git = ["git", "-C", str(ROOT)]
    done = subprocess.run(
        [*git, "worktree", "add", "--detach", str(tree), baseline], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot check out baseline {baseline!r}: {done.stderr.strip()}")
    try:
        yield [Code(baseline[:9], tree), current]
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)


def summary(results: list[Result], baseline: str | None) -> list[str]:
    """Each store against the ceiling, and with a baseline the current code against it."""
    lines = []
    for code in dict.fromkeys(r.code for r in results):
        ours = [r for r in results if r.code == code]
        ceilings = [r.acknowledged_per_s for r in ours if r.target == "ceiling"]
        for target in dict.fromkeys(r.target for r in ours if r.target != "ceiling"):
            if ceilings:
                rate = statistics.median(r.acknowledged_per_s for r in ours if r.target == target)
                share = rate / statistics.median(ceilings)
                lines.append(f"{code} {target}: {share:.0%} of the ceiling")
    if baseline is not None:
        for target in dict.fromkeys(r.target for r in results):
            runs = [r for r in results if r.target == target]
            now = [r for r in runs if r.code == "current"]
            then = [r for r in runs if r.code != "current"]
            rate = statistics.median(r.acknowledged_per_s for r in now) / statistics.median(
                r.acknowledged_per_s for r in then
            )
            cpu = statistics.median(r.cpu_us_per_request for r in now) / statistics.median(
                r.cpu_us_per_request for r in then
            )
            lines.append(
                f"{target}: current / {baseline}: {rate:.2f}x acknowledged/s, "
                f"{cpu:.2f}x server CPU per request (medians of {len(now)} runs each)"
            )
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=int, default=10, help="seconds measured per target")
    ap.add_argument("--warmup", type=int, default=3, help="seconds of load before measuring")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument(
        "--threads", type=int, default=1, help="wrk threads (one leaves a core to the server)"
    )
    ap.add_argument("--accounts", type=int, default=50_000, help="distinct signed-in accounts")
    ap.add_argument("--targets", default="ceiling,sqlite,postgresql")
    ap.add_argument(
        "--baseline",
        metavar="REV",
        help="also measure git revision REV, alternating with the working tree's code",
    )
    ap.add_argument(
        "--rounds", type=int, default=1, help="runs of each target (each code, with --baseline)"
    )
    ap.add_argument("--serve-sink", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_sink:
        serve_sink(args.serve_sink, args.accounts)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    from trainright.web.auth import Signer

    secret = secrets.token_hex(32)
    env = {**os.environ, "TRAINRIGHT_WEB_SECRET": secret, "PYTHONPATH": str(ROOT)}
    env.pop("TRAINRIGHT_API_KEY", None)
    signer = Signer(SecretStr(secret))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="trainright-bench-web-") as tmp:
        work = Path(tmp)
        write_snapshot(work / "snapshot", args.accounts)
        (work / "tokens.txt").write_text(
            "\n".join(signer.session_token(a) for a in range(1, args.accounts + 1)) + "\n"
        )
        with codes(args.baseline, work) as measured:
            for target in args.targets.split(","):
                for run in range(args.rounds):
                    for code in measured:
                        results.append(measure(target, args, work, env, code, run))
                print(f"  {target}: done", file=sys.stderr, flush=True)
    print(
        f"\nPOST /api/v1/events, {args.connections} connections, {args.duration} s, wrk -t{args.threads}, "
        f"{os.cpu_count()} cores; target >= {TARGET_RATE:,}/s with p99 < {TARGET_P99_MS:.0f} ms"
    )
    print(
        f"{'target':<11} {'code':<9} {'acked/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'committed':>10} {'CPU us':>8} {'+ db us':>7} {'load':>6}"
    )
    for r in results:
        print(r.row())
    for line in summary(results, args.baseline):
        print(line)
    OUT.mkdir(exist_ok=True)
    record: dict[str, Any] = {"args": vars(args), "results": [r.__dict__ for r in results]}
    (OUT / "web.json").write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
