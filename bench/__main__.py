"""`make bench`: every benchmark, one after another, each printing its own ratios."""

from __future__ import annotations

import importlib
import sys

SUITES = (
    "bench.rules",
    "bench.copies",
    "bench.audit",
    "bench.minimise",
    "bench.images",
    "bench.photos",
    "bench.lineage",
    "bench.training",
    "bench.web",
    "bench.mastodon",
    "bench.spark",
)


def main() -> None:
    only = sys.argv[1:]
    for name in SUITES:
        if only and name.split(".")[-1] not in only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        print(f"\n=== {name} ===", flush=True)
        module.main([])


if __name__ == "__main__":
    main()
