"""Training-loader benchmark (SPEC §8): loading and a full pass over the rows, with
and without the revocation filter, in the same run.

Writes a dataset of N rows (default 1 million) in S subject shards (64, the default
policy's) over U subjects (100,000) through the build's own shard writer
(`trainright.dataset.encode_shard`: the schema, `post_id` order, zstd and row groups
of every build), with each subject's pseudonym and shard from the build's
`Pseudonymiser`; only the posts are synthetic, and rules and minimisation are not
run, since they decide which rows exist, not how they are read. Kept under bench/out.

Then alternates two readings, `none` (a revocations file revoking nobody) and
`filter` (a fraction R of the subjects revoked, default 1%), and keeps the best of
K runs (default 3) of each:

- hf load: `load_dataset` to an in-memory `datasets.Dataset`, all columns;
- hf pass: every row of that dataset in batches (`Dataset.iter`), as a trainer reads it;
- torch: every `TorchDataset` row (post_id and text), which reads as it goes.

It prints rows/s (kept rows over the time) and the time ratio filter / none of each.
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
from pydantic import SecretStr
from pyroaring import BitMap64

from bench.common import OUT, SECRET
from trainright.dataset import STAGING_SCHEMA, encode_shard, shard_entry, shard_name
from trainright.minimise import Pseudonymiser
from trainright.training import revocations as rv
from trainright.training.source import Source

#: The words of the synthetic posts (common English words).
VOCABULARY = """
the a of to and in is it you that he was for on are with as his they be at one have
this from or had by hot word but what some we can out other were all there when up
use your how said an each she which do their time if will way about many then them
write would like so these her long make thing see him two has look more day could go
come did number sound no most people my over know water than call first who may down
side been now find any new work part take get place made live where after back
little only round man year came show every good me give our under name very through
just form sentence great think say help low line differ turn cause much mean before
move right boy old too same tell does set three want air well also play small end
put home read hand port large spell add even land here must big high such follow act
why ask men change went light
"""
WORDS = np.array(VOCABULARY.split())
TORCH_COLUMNS = ["post_id", "text"]
BATCH = 256
#: (seconds, rows) of one timed reading.
Timing = tuple[float, int]


def _dataset(rows: int, shards: int, subjects: int, seed: int) -> Path:
    root = OUT / f"training-r{rows}-s{shards}-u{subjects}-{seed}-built"
    if (root / "manifest.json").exists():
        return root
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    pseudo = Pseudonymiser(SecretStr(SECRET))
    names = [pseudo.subject(a) for a in range(subjects)]
    shard_of = np.array([pseudo.shard(a, shards) for a in range(subjects)])
    subject = pa.array(names, pa.string())
    texts = pa.array(
        [" ".join(rng.choice(WORDS, size=int(rng.integers(8, 60)))) for _ in range(50_000)],
        pa.string(),
    )
    author = rng.integers(0, subjects, size=rows)
    post_ids = np.arange(1, rows + 1, dtype=np.int64)
    for sub in ("data", "subjects"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    entries = []
    for s in range(shards):
        mine = np.flatnonzero(shard_of[author] == s)
        staged = pa.table(
            {
                "post_id": pa.array(post_ids[mine]),
                "author_id": pa.array(author[mine]),
                "subject": subject.take(pa.array(author[mine])),
                "created_at": pa.array(
                    (1_750_000_000_000_000 + post_ids[mine] * 1000).astype("datetime64[us]"),
                    pa.timestamp("us", tz="UTC"),
                ),
                "lang": pa.array(["en"] * len(mine), pa.string()),
                "text": texts.take(pa.array(rng.integers(0, len(texts), size=len(mine)))),
            },
            schema=STAGING_SCHEMA,
        )
        data, members = encode_shard(staged, {})
        (root / "data" / f"{shard_name(s)}.parquet").write_bytes(data)
        (root / "subjects" / f"{shard_name(s)}.roaring").write_bytes(members.serialize())
        entries.append(shard_entry(s, len(mine), data, members))
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


def _touched(root: Path, file: Path) -> tuple[int, int]:
    """Row groups holding a revoked subject, of all row groups."""
    source = Source(root, revocations=file)
    hit = 0
    for piece in source.pieces:
        with pq.ParquetFile(root / piece.file) as f:
            subjects = f.read_row_group(piece.row_group, columns=["subject"])["subject"]
        hit += bool(pc.any(source.revocations.mask(subjects)).as_py())
    return hit, len(source.pieces)


def _hf(root: Path, file: Path) -> tuple[Timing, Timing]:
    """`load_dataset`, then a batched pass over every row it gave."""
    from trainright.training import load_dataset

    start = time.perf_counter()
    ds = load_dataset(root, revocations=file)
    loaded = time.perf_counter()
    rows = sum(len(batch["post_id"]) for batch in ds.iter(batch_size=BATCH))
    if rows != len(ds):
        raise AssertionError(f"a pass gave {rows:,} rows of {len(ds):,}")
    return (loaded - start, rows), (time.perf_counter() - loaded, rows)


def _torch(root: Path, file: Path) -> Timing:
    from trainright.training import TorchDataset

    start = time.perf_counter()
    rows = sum(1 for _ in TorchDataset(root, revocations=file, columns=TORCH_COLUMNS))
    return time.perf_counter() - start, rows


def _report(name: str, best: dict[str, Timing]) -> None:
    for label, (took, rows) in best.items():
        print(f"{name:8} {label:6}: {rows:,} rows in {took:.2f} s = {rows / took:,.0f} rows/s")
    ratio = best["filter"][0] / best["none"][0]
    print(f"{name:8} filter / none: {ratio:.3f} ({ratio - 1:+.1%}; target < 10%)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--shards", type=int, default=64)
    ap.add_argument("--subjects", type=int, default=100_000)
    ap.add_argument("--revoked", type=float, default=0.01, help="fraction of subjects revoked")
    ap.add_argument("--runs", type=int, default=3, help="alternating runs of each")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    import datasets
    import torch  # noqa: F401  (imported before timing: its import takes seconds)

    datasets.disable_progress_bars()
    root = _dataset(args.rows, args.shards, args.subjects, args.seed)
    size = sum(f.stat().st_size for f in (root / "data").iterdir())
    print(f"dataset: {args.rows:,} rows, {args.shards} shards, {size / 1e6:,.0f} MB of Parquet")
    files = {
        "none": _revocations(root, 0.0, args.seed),
        "filter": _revocations(root, args.revoked, args.seed),
    }
    hit, groups = _touched(root, files["filter"])
    print(f"row groups holding a revoked subject: {hit} of {groups}")
    _hf(root, files["none"])  # warm the page cache
    best: dict[str, dict[str, Timing]] = {}
    for _ in range(args.runs):
        for label, file in files.items():
            load, iterate = _hf(root, file)
            total = (load[0] + iterate[0], load[1])
            got = {
                "hf load": load,
                "hf pass": iterate,
                "hf total": total,
                "torch": _torch(root, file),
            }
            for name, timing in got.items():
                runs = best.setdefault(name, {})
                if label not in runs or timing[0] < runs[label][0]:
                    runs[label] = timing
    for name, figures in best.items():
        _report(name, figures)


if __name__ == "__main__":
    main()
