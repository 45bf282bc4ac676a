"""What the benchmarks share: where they keep their synthetic inputs and results."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

#: Cached inputs and results: bench/out, or $BENCH_OUT (the smoke tests use a temp dir).
OUT = Path(os.environ.get("BENCH_OUT") or Path(__file__).parent / "out")
#: The benches' pseudonymisation key for the builds they run (synthetic data only).
SECRET = "bench-secret-0123456789abcdef0123"


def copy_ledger(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite ledger, for a run that writes to it (a build
    registers its dataset). Copying the file alone would miss what is still in its
    write-ahead log: on a freshly imported ledger, every event."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
