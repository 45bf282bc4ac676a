"""`audit-outputs` benchmark (SPEC §8): index build time and generations searched a second.

Makes N posts (default 2,000,000; `--posts 10000000` for the issue's figure) of 12
to 40 words drawn from a 50,000-word vocabulary, and G generations (default 100,000)
of 40 words, a tenth of them carrying a 15-word run of a random post, and runs the
real index (`trainright.audit.index`) over them. Baseline, measured in the same run
on the first 100,000 posts: a plain Python index, a set of every 12-word tuple of
every post, queried with every 12-word tuple of every generation. It prints the
index build time, generations/s and each against the baseline per post.
Run: `python -m bench.audit`.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pyarrow as pa

from trainright.audit.index import RUN, Posts, VerbatimIndex
from trainright.audit.words import tokens


def _texts(rng: np.random.Generator, n: int, lo: int, hi: int, vocab: np.ndarray) -> list[str]:
    lengths = rng.integers(lo, hi + 1, n)
    flat = vocab[rng.integers(0, len(vocab), int(lengths.sum()))]
    bounds = np.r_[0, np.cumsum(lengths)]
    return [" ".join(flat[bounds[i] : bounds[i + 1]]) for i in range(n)]


def _baseline(posts: list[str], gens: list[str]) -> tuple[float, float, int]:
    began = time.perf_counter()
    grams: set[tuple[str, ...]] = set()
    for text in posts:
        w = text.lower().split()
        grams.update(tuple(w[i : i + RUN]) for i in range(len(w) - RUN + 1))
    built = time.perf_counter()
    hits = 0
    for text in gens:
        w = text.lower().split()
        hits += any(tuple(w[i : i + RUN]) in grams for i in range(len(w) - RUN + 1))
    return built - began, time.perf_counter() - built, hits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2_000_000)
    parser.add_argument("--generations", type=int, default=100_000)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(1)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    texts = _texts(rng, args.posts, 12, 40, vocab)
    gens = _texts(rng, args.generations, 40, 40, vocab)
    planted = rng.choice(args.generations, args.generations // 10, replace=False)
    for g in planted:
        words = texts[int(rng.integers(0, args.posts))].split()
        gens[g] = " ".join([*gens[g].split()[:10], *words[:15], *gens[g].split()[25:]])
    column = pa.array(texts, pa.large_string())
    del texts
    n = args.posts
    began = time.perf_counter()
    index = VerbatimIndex(Posts(np.arange(n), np.zeros(n, np.int32), column, column))
    built = time.perf_counter()
    found = index.search(tokens(pa.array(gens, pa.large_string())))
    searched = time.perf_counter()
    with_hits = len({m.output for m in found})
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    small = column.slice(0, 100_000).to_pylist()
    b_build, b_search, b_hits = _baseline(small, gens)
    ours_small = VerbatimIndex(
        Posts(
            np.arange(len(small)),
            np.zeros(len(small), np.int32),
            column[:100_000],
            column[:100_000],
        )
    )
    t0 = time.perf_counter()
    small_hits = len(
        {m.output for m in ours_small.search(tokens(pa.array(gens, pa.large_string())))}
    )
    t_small = time.perf_counter() - t0
    gps = args.generations / (searched - built)
    print(
        f"posts {n:,}, generations {args.generations:,} ({len(planted):,} planted), "
        f"index entries {len(index):,}, peak RSS {peak:.1f} GiB"
    )
    print(
        f"index build: {built - began:.1f} s ({n / (built - began):,.0f} posts/s); "
        f"baseline (Python set of 12-word tuples, 100,000 posts): "
        f"{100_000 / b_build:,.0f} posts/s; ratio {(n / (built - began)) / (100_000 / b_build):.2f}x"
    )
    print(f"search: {gps:,.0f} generations/s against {n:,} posts; outputs with hits {with_hits:,}")
    print(
        f"against 100,000 posts: ours {args.generations / t_small:,.0f} generations/s, "
        f"baseline {args.generations / b_search:,.0f}/s "
        f"(ratio {(args.generations / t_small) / (args.generations / b_search):.2f}x); "
        f"hits ours {small_hits:,} = baseline {b_hits:,}"
    )


if __name__ == "__main__":
    main()
