"""Training-loader benchmark (SPEC §8): rows/s with and without the revocation filter.

Lays out a dataset of N rows (default 10 million) in S subject shards (64) over U
subjects (1 million), written the way `build` writes shards (same schema, zstd,
128 Ki-row groups) but directly, since building 10 million posts through the rules
and minimisation takes far longer than a benchmark should; kept under bench/out.
Rows in a shard are in `post_id` order, as `build` writes them, so a shard's
subjects are interleaved and, with 1% of the subjects revoked, every row group
holds one (the run prints how many do). Then reads it end to end, alternating
three runs: `none` (a revocations file revoking nobody: no shard is filtered),
`fair` (a file that lists every shard but revokes no subject of the dataset: the
loader reads and matches `subject` in every row group, the reads any correct
filter must make, and drops nothing) and `filter` (a fraction R of the subjects
revoked, default 1%), and prints the filter's cost per kept row against both:

- arrow: the loaders' shared reader (`Source.batches`), what `load_dataset` builds
  its table from;
- torch: `TorchDataset` rows (post_id and text) in one process.

Target: the filter costs under 10%. Run: `python -m bench.training [--rows N]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyroaring import BitMap64

from bench.common import OUT
from trainright.dataset import SHARD_SCHEMA, shard_name
from trainright.training import revocations as rv
from trainright.training.source import Piece, Source

WORDS = np.array(
    [
        "the",
        "a",
        "of",
        "to",
        "and",
        "in",
        "is",
        "it",
        "you",
        "that",
        "he",
        "was",
        "for",
        "on",
        "are",
        "with",
        "as",
        "his",
        "they",
        "be",
        "at",
        "one",
        "have",
        "this",
        "from",
        "or",
        "had",
        "by",
        "hot",
        "word",
        "but",
        "what",
        "some",
        "we",
        "can",
        "out",
        "other",
        "were",
        "all",
        "there",
        "when",
        "up",
        "use",
        "your",
        "how",
        "said",
        "an",
        "each",
        "she",
        "which",
        "do",
        "their",
        "time",
        "if",
        "will",
        "way",
        "about",
        "many",
        "then",
        "them",
        "write",
        "would",
        "like",
        "so",
        "these",
        "her",
        "long",
        "make",
        "thing",
        "see",
        "him",
        "two",
        "has",
        "look",
        "more",
        "day",
        "could",
        "go",
        "come",
        "did",
        "number",
        "sound",
        "no",
        "most",
        "people",
        "my",
        "over",
        "know",
        "water",
        "than",
        "call",
        "first",
        "who",
        "may",
        "down",
        "side",
        "been",
        "now",
        "find",
        "any",
        "new",
        "work",
        "part",
        "take",
        "get",
        "place",
        "made",
        "live",
        "where",
        "after",
        "back",
        "little",
        "only",
        "round",
        "man",
        "year",
        "came",
        "show",
        "every",
        "good",
        "me",
        "give",
        "our",
        "under",
        "name",
        "very",
        "through",
        "just",
        "form",
        "sentence",
        "great",
        "think",
        "say",
        "help",
        "low",
        "line",
        "differ",
        "turn",
        "cause",
        "much",
        "mean",
        "before",
        "move",
        "right",
        "boy",
        "old",
        "too",
        "same",
        "tell",
        "does",
        "set",
        "three",
        "want",
        "air",
        "well",
        "also",
        "play",
        "small",
        "end",
        "put",
        "home",
        "read",
        "hand",
        "port",
        "large",
        "spell",
        "add",
        "even",
        "land",
        "here",
        "must",
        "big",
        "high",
        "such",
        "follow",
        "act",
        "why",
        "ask",
        "men",
        "change",
        "went",
        "light",
    ]
)


def _dataset(rows: int, shards: int, subjects: int, seed: int) -> Path:
    root = OUT / f"training-r{rows}-s{shards}-u{subjects}-{seed}"
    if (root / "manifest.json").exists():
        return root
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    (root / "data").mkdir(parents=True, exist_ok=True)
    names = [rng.bytes(32).hex() for _ in range(subjects)]
    shard_of = np.array([int(n[:16], 16) % shards for n in names])
    subject = pa.array(names, pa.string())
    texts = pa.array(
        [" ".join(rng.choice(WORDS, size=int(rng.integers(8, 60)))) for _ in range(50_000)],
        pa.string(),
    )
    author = rng.integers(0, subjects, size=rows)
    post_ids = np.arange(1, rows + 1, dtype=np.int64)
    entries = []
    for s in range(shards):
        mine = np.flatnonzero(shard_of[author] == s)
        n = len(mine)
        table = pa.table(
            {
                "post_id": pa.array(post_ids[mine]),
                "subject": subject.take(pa.array(author[mine])),
                "created_at": pa.array(
                    (1_750_000_000_000_000 + post_ids[mine] * 1000).astype("datetime64[us]"),
                    pa.timestamp("us", tz="UTC"),
                ),
                "lang": pa.array(["en"] * n, pa.string()),
                "text": texts.take(pa.array(rng.integers(0, len(texts), size=n))),
                "media": pa.array([[]] * n, pa.list_(pa.string())),
                "media_orientation": pa.array([[]] * n, pa.list_(pa.int8())),
            },
            schema=SHARD_SCHEMA,
        )
        file = f"data/{shard_name(s)}.parquet"
        pq.write_table(
            table, root / file, row_group_size=128 * 1024, compression="zstd", compression_level=3
        )
        entries.append({"shard": s, "file": file, "rows": n})
    dataset_id = hashlib.sha256(root.name.encode()).hexdigest()[:32]
    (root / "subjects.json").write_text(json.dumps(names))
    manifest = {"dataset_id": dataset_id, "shards": entries}
    (root / "manifest.json").write_text(json.dumps(manifest))
    print(f"wrote {rows:,} rows in {shards} shards in {time.perf_counter() - start:.0f} s")
    return root


def _revocations(root: Path, fraction: float, seed: int) -> Path:
    names = json.loads((root / "subjects.json").read_text())
    manifest = json.loads((root / "manifest.json").read_text())
    rng = np.random.default_rng(seed + 1)
    picked = rng.choice(len(names), size=int(len(names) * fraction), replace=False)
    shards = len(manifest["shards"])
    keys = BitMap64(int(names[i][:16], 16) for i in picked)
    hit = tuple(sorted({k % shards for k in keys}))
    rev = rv.Revocations(manifest["dataset_id"], 1, "0" * 64, keys, hit)
    return rv.write(rev, root / f"revoked-{fraction}.json")


def _absent(root: Path) -> Path:
    """The fair baseline's file: it lists every shard but revokes no subject of the
    dataset, so the loader reads and matches `subject` everywhere and drops nothing."""
    manifest = json.loads((root / "manifest.json").read_text())
    shards = tuple(range(len(manifest["shards"])))
    rev = rv.Revocations(manifest["dataset_id"], 1, "0" * 64, BitMap64([0]), shards)
    return rv.write(rev, root / "revoked-absent.json")


def _arrow(source: Source) -> int:
    return sum(t.num_rows for t in source.batches(source.pieces))


def _torch(root: Path, file: Path) -> int:
    from trainright.training import TorchDataset

    return sum(1 for _ in TorchDataset(root, revocations=file, columns=TORCH_COLUMNS))


def _holds_revoked(source: Source, piece: Piece) -> bool:
    with pq.ParquetFile(source.root / piece.file) as f:
        subjects = f.read_row_group(piece.row_group, columns=["subject"])["subject"]
    return bool(pc.any(source.revocations.mask(subjects)).as_py())


TORCH_COLUMNS = ["post_id", "text"]


def _run(kind: str, file: Path, root: Path) -> int:
    if kind == "arrow":
        return _arrow(Source(root, revocations=file))
    return _torch(root, file)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--shards", type=int, default=64)
    ap.add_argument("--subjects", type=int, default=1_000_000)
    ap.add_argument("--revoked", type=float, default=0.01, help="fraction of subjects revoked")
    ap.add_argument("--runs", type=int, default=2, help="alternating runs of each")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    root = _dataset(args.rows, args.shards, args.subjects, args.seed)
    files = {
        "none": _revocations(root, 0.0, args.seed),
        "fair": _absent(root),
        "filter": _revocations(root, args.revoked, args.seed),
    }
    hit = Source(root, revocations=files["filter"])
    touched = sum(1 for p in hit.pieces if _holds_revoked(hit, p))
    print(f"row groups holding a revoked subject: {touched} of {len(hit.pieces)}")
    import torch  # noqa: F401  (imported before timing: its import takes seconds)

    for kind in ("arrow", "torch"):
        _arrow(Source(root, revocations=files["none"]))  # warm the page cache
        best: dict[str, float] = {}
        kept: dict[str, int] = {}
        for _ in range(args.runs):
            for label in ("none", "fair", "filter"):
                start = time.perf_counter()
                kept[label] = _run(kind, files[label], root)
                took = time.perf_counter() - start
                best[label] = min(best.get(label, took), took)
        for label in ("none", "fair", "filter"):
            rate = kept[label] / best[label]
            print(
                f"{kind:5} {label:6}: {kept[label]:,} rows in {best[label]:.2f} s = {rate:,.0f} rows/s"
            )
        for base in ("none", "fair"):
            cost = best["filter"] / best[base] * kept[base] / kept["filter"] - 1
            print(f"{kind:5} filter cost per row against {base}: {cost:+.1%} (target < 10%)")


if __name__ == "__main__":
    main()
