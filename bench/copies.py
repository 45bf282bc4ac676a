"""Copies benchmark (SPEC §5): whole builds with the copy steps on against both off.

Synthesises a platform (default 1 million posts, cached under bench/out by
`bench.rules.prepare`), then runs `trainright build` in a fresh process, alternately
under the default policy (`exclude_copies_of_excluded = true`, `dedup = "near"`) and
with both off, each against its own copy of the ledger. The issue's target is the
ratio of the two wall times (at most 1.35) and the extra peak memory of the whole
process tree, minimisation workers included (at most 2 GiB). Run: `python -m bench.copies`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.common import SECRET, copy_ledger
from bench.rules import prepare

#: The policy's changes to the default policy's lines.
POLICIES = {
    "copies on": {},
    "copies off": {
        "exclude_copies_of_excluded = true": "exclude_copies_of_excluded = false",
        'dedup = "near"': 'dedup = "off"',
    },
}
#: The issue's targets: wall-time ratio and extra peak memory of copies on over off.
TARGET_RATIO = 1.35
TARGET_EXTRA_BYTES = 2 * 2**30
_PAGE = os.sysconf("SC_PAGE_SIZE")


def policy_toml(kind: str) -> str:
    """The default policy with the run's lines changed."""
    from trainright.policy import DEFAULT_POLICY_TOML

    toml = DEFAULT_POLICY_TOML
    for old, new in POLICIES[kind].items():
        toml = toml.replace(old, new)
    return toml


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue  # gone since the listing
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, frontier = 0, [root]
    while frontier:
        pid = frontier.pop()
        frontier += children.get(pid, [])
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except OSError:
            continue
    return total


def run_build(kind: str, snapshot: Path, ledger: Path, work: Path) -> dict[str, Any]:
    """One `trainright build` in a fresh process: wall seconds, peak tree RSS, counts."""
    from trainright.synth import DEFAULT_CUTOFF

    run = work / kind.replace(" ", "-")
    run.mkdir(parents=True)
    (run / "policy.toml").write_text(policy_toml(kind))
    copy_ledger(ledger, run / "ledger.db")
    cmd = [sys.executable, "-m", "trainright", "build", "--snapshot", str(snapshot)]
    cmd += ["--policy", str(run / "policy.toml"), "--out", str(run / "dataset")]
    cmd += ["--cutoff", DEFAULT_CUTOFF.strftime("%Y-%m-%dT%H:%M:%SZ")]
    cmd += ["--ledger", f"sqlite:///{run / 'ledger.db'}"]
    env = {**os.environ, "TRAINRIGHT_SECRET": SECRET}
    start = perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.2):
            peak = max(peak, tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"build '{kind}' failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    manifest = json.loads((run / "dataset" / "manifest.json").read_text())
    reasons = manifest["counts"]["excluded_by_reason"]
    shutil.rmtree(run)
    return {"seconds": seconds, "peak_bytes": peak, "reasons": reasons}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--objectors", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="builds per policy (median)")
    args = ap.parse_args(argv)
    snapshot, url, _ = prepare(args.posts, args.accounts, args.objectors, args.seed)
    ledger = Path(url.removeprefix("sqlite:///"))
    results: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-copies-") as work:
        for _ in range(args.repeat):
            for kind in POLICIES:
                print(f"  building with {kind} ...", flush=True)
                results.setdefault(kind, []).append(run_build(kind, snapshot, ledger, Path(work)))
    print(f"\nwhole build, {args.posts:,} posts, median of {args.repeat} (each a fresh process)")
    print(f"{'run':<12} {'seconds':>8} {'peak RSS':>10}  copies, duplicates")
    secs: dict[str, float] = {}
    peaks: dict[str, int] = {}
    for kind, runs in results.items():
        secs[kind] = statistics.median(r["seconds"] for r in runs)
        peaks[kind] = max(r["peak_bytes"] for r in runs)
        reasons = runs[0]["reasons"]
        found = f"{reasons.get('copy_of_excluded', 0):,}, {reasons.get('duplicate', 0):,}"
        print(f"{kind:<12} {secs[kind]:>8.1f} {peaks[kind] / 2**20:>8.0f} MB  {found}")
    ratio = secs["copies on"] / secs["copies off"]
    extra = peaks["copies on"] - peaks["copies off"]
    print(f"copies on / off: {ratio:.2f}x wall time (target <= {TARGET_RATIO}x)")
    print(
        f"extra peak memory: {extra / 2**20:,.0f} MB (target <= {TARGET_EXTRA_BYTES / 2**20:,.0f} MB)"
    )


if __name__ == "__main__":
    main()
