"""SPEC §6 in the executors: redaction, pseudonyms and shards, image scrubbing.

Each factory returns a function for `DataFrame.mapInArrow`. The functions use the
same `Redactor`, `Pseudonymiser`, image scrubber and shard encoder the embedded build
uses, so a row minimised and written on a cluster is the row of a laptop's build.
They write the dataset's files themselves; only small facts return to the driver.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs as pafs
from pydantic import SecretStr
from pyspark import Broadcast, TaskContext

from trainright.dataset import MediaItem, encode_shard, shard_entry, shard_name
from trainright.minimise import Pseudonymiser, Redactor, UnsupportedImage, scrub_bytes
from trainright.minimise.reservations import reservation_of
from trainright.minimise.text import BATCH_ROWS, by_categories
from trainright.nonusers.photos import PhotoIndex, non_user_photo

ArrowMap = Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]

#: What `scrub_media` returns per kept image once it wrote it to the dataset's `media/`;
#: `file` is null for an unreadable one.
SCRUBBED = (
    "media_id long, post_id long, file string, orientation int, dropped string, signal string"
)

#: What `write_shards` returns per subject shard it wrote: its manifest entry (JSON),
#: its subject set (roaring, serialized) and the redactions made (JSON counts).
WRITTEN = "shard long, entry string, bitmap binary, redactions string"

# Built once per Python worker and reused by its tasks (keyed by build and categories).
_REDACTORS: dict[tuple[str, tuple[str, ...]], Redactor] = {}


def _redactor(
    build: str, names: Broadcast[tuple[str, ...]], categories: tuple[str, ...]
) -> Redactor:
    key = (build, categories)
    found = _REDACTORS.get(key)
    if found is None:
        if len(_REDACTORS) > 16:
            _REDACTORS.clear()
        found = _REDACTORS[key] = Redactor(categories, names.value)
    return found


def write_shards(
    names: Broadcast[tuple[str, ...]],
    categories_of: Mapping[str, tuple[str, ...]],
    secret: SecretStr,
    dataset: str,
    drop: Broadcast[frozenset[int]],
) -> ArrowMap:
    """Included posts, contiguous by subject `shard`, with their kept `media` and
    `media_orientation` → each shard's file and subject set, written into `dataset`.

    Every included post is redacted here and counted (as the embedded build counts
    them); the posts in `drop` (emptied in minimisation, or shares of those) are then
    left out, and the rest written by `encode_shard`, the embedded build's encoder.
    """
    build = secrets.token_hex(8)

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pseudo = Pseudonymiser(secret)
        fs, base = pafs.FileSystem.from_uri(arrow_uri(dataset))
        base = base.rstrip("/")
        pending: list[pa.Table] = []
        for batch in batches:
            table = pa.Table.from_batches([batch])
            for shard in pc.unique(batch.column("shard")).to_pylist():
                part = table.filter(pc.equal(table["shard"], shard))
                if pending and pending[0]["shard"][0].as_py() != shard:
                    yield _write_shard(pa.concat_tables(pending), pseudo, fs, base)
                    pending = []
                pending.append(part)
        if pending:
            yield _write_shard(pa.concat_tables(pending), pseudo, fs, base)

    def _write_shard(
        rows: pa.Table, pseudo: Pseudonymiser, fs: pafs.FileSystem, base: str
    ) -> pa.RecordBatch:
        shard = rows["shard"][0].as_py()
        texts, counts = _redact_table(rows, build, names, categories_of)
        authors = rows["author_id"].to_pylist()
        subject_of = {a: pseudo.subject(a) for a in set(authors)}
        rows = rows.set_column(rows.schema.get_field_index("text"), "text", texts)
        rows = rows.append_column("subject", pa.array([subject_of[a] for a in authors]))
        if drop.value:
            gone = pa.array(sorted(drop.value), pa.int64())
            rows = rows.filter(pc.invert(pc.is_in(rows["post_id"], gone)))
        media_of_post = {
            pid: [MediaItem(p, o) for p, o in zip(paths, turns, strict=True)]
            for pid, paths, turns in zip(
                rows["post_id"].to_pylist(),
                rows["media"].to_pylist(),
                rows["media_orientation"].to_pylist(),
                strict=True,
            )
            if paths
        }
        data, subjects = encode_shard(rows, media_of_post)
        put(fs, f"{base}/data/{shard_name(shard)}.parquet", data)
        put(fs, f"{base}/subjects/{shard_name(shard)}.roaring", subjects.serialize())
        entry = shard_entry(shard, rows.num_rows, data, subjects)
        return pa.RecordBatch.from_pydict(
            {
                "shard": pa.array([shard], pa.int64()),
                "entry": pa.array([json.dumps(entry)], pa.string()),
                "bitmap": pa.array([subjects.serialize()], pa.binary()),
                "redactions": pa.array([json.dumps(dict(counts))], pa.string()),
            }
        )

    return run


def author_shards(secret: SecretStr, shards_of: Mapping[str, int]) -> ArrowMap:
    """Distinct (`author_id`, `country`) → their subject `shard`, per country's rules."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pseudo = Pseudonymiser(secret)
        for batch in batches:
            authors = batch.column("author_id").to_pylist()
            countries = batch.column("country").to_pylist()
            shards = [
                pseudo.shard(a, shards_of[c]) for a, c in zip(authors, countries, strict=True)
            ]
            yield pa.RecordBatch.from_pydict(
                {
                    "author_id": batch.column("author_id"),
                    "country": batch.column("country"),
                    "shard": pa.array(shards, pa.int64()),
                }
            )

    return run


def _redact_table(
    rows: pa.Table,
    build: str,
    names: Broadcast[tuple[str, ...]],
    categories_of: Mapping[str, tuple[str, ...]],
) -> tuple[pa.Array, Counter[str]]:
    """The texts of `rows` redacted by each row's country's categories, in row order,
    in redaction calls of at most `BATCH_ROWS` posts; and the redactions made."""
    counts: Counter[str] = Counter()
    out: list[pa.Array] = []
    for start in range(0, rows.num_rows, BATCH_ROWS):
        part = rows.slice(start, BATCH_ROWS)
        texts = part["text"].combine_chunks()
        pieces: list[pa.Array] = []
        order: list[int] = []
        for cats, idx in by_categories(part["country"].to_pylist(), categories_of).items():
            redacted, n = _redactor(build, names, cats).redact_array(texts.take(idx))
            counts.update(n)
            pieces.append(redacted)
            order += idx
        out.append(pa.concat_arrays(pieces).take(np.argsort(np.array(order))))
    return (pa.concat_arrays(out) if out else pa.array([], pa.string())), counts


def scrub_media(root: str, dataset: str, photos: PhotoIndex | None = None) -> ArrowMap:
    """Media rows of included posts → their images without metadata, read from the
    snapshot at `root` and written by the executor into `dataset`'s `media/`, or why
    each was dropped (`dropped`, and the reserving `signal`).

    Images are read and written through Arrow's filesystems (local or mounted paths,
    HDFS, S3, GCS) and scrubbed in memory with `scrub_bytes`, and their reservations
    read with `reservation_of`: the embedded build's scrubber and reader; an image
    matching one of `photos` is dropped by `non_user_photo`, the embedded build's test.
    Only the outcome travels back to the driver, never the image.
    """

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        fs, base = pafs.FileSystem.from_uri(arrow_uri(root))
        base = base.rstrip("/")
        out_fs, media_dir = pafs.FileSystem.from_uri(arrow_uri(dataset))
        media_dir = media_dir.rstrip("/") + "/media"
        for batch in batches:
            out: dict[str, list[Any]] = {k: [] for k in ("file", "orientation")}
            out["dropped"], out["signal"] = [], []
            for media_id, path, minor, check in zip(
                batch.column("media_id").to_pylist(),
                batch.column("path").to_pylist(),
                batch.column("minor_dropped").to_pylist(),
                batch.column("check_reservations").to_pylist(),
                strict=True,
            ):
                file = orientation = dropped = signal = None
                if minor:
                    dropped = "flagged_minor"
                else:
                    try:
                        with fs.open_input_stream(f"{base}/{path}") as fh:
                            raw = fh.read()
                        suffix, scrubbed = scrub_bytes(raw)
                    except (OSError, UnsupportedImage):
                        raw = None
                    if raw is not None:
                        found = reservation_of(raw, suffix, scrubbed) if check else None
                        if found is not None:
                            dropped, signal = found.cause, found.signal
                        elif non_user_photo(raw, photos):
                            dropped = "non_user_photo"
                        else:
                            file = f"{media_id:08d}{suffix}"
                            orientation = scrubbed.orientation or 1
                            put(out_fs, f"{media_dir}/{file}", scrubbed.data)
                for key, value in zip(out, (file, orientation, dropped, signal), strict=True):
                    out[key].append(value)
            yield pa.RecordBatch.from_pydict(
                {
                    "media_id": batch.column("media_id"),
                    "post_id": batch.column("post_id"),
                    "file": pa.array(out["file"], pa.string()),
                    "orientation": pa.array(out["orientation"], pa.int32()),
                    "dropped": pa.array(out["dropped"], pa.string()),
                    "signal": pa.array(out["signal"], pa.string()),
                }
            )

    return run


def put(fs: pafs.FileSystem, path: str, data: bytes) -> None:
    """Write a dataset file from a task: under a name of this task attempt's own, then
    moved into place, so a retried or speculative attempt never leaves a torn file
    (every attempt writes the same bytes)."""
    ctx = TaskContext.get()
    attempt = f"{ctx.stageId()}-{ctx.partitionId()}-{ctx.attemptNumber()}" if ctx else "driver"
    head, _, name = path.rpartition("/")
    partial = f"{head}/.{name}.attempt-{attempt}"
    with fs.open_output_stream(partial) as fh:
        fh.write(data)
    fs.move(partial, path)


def arrow_uri(root: str) -> str:
    """Hadoop's scheme names as Arrow knows them; a bare path is a local one."""
    if "://" not in root:
        return str(Path(root).resolve())
    scheme, rest = root.split("://", 1)
    return {"s3a": "s3", "s3n": "s3"}.get(scheme, scheme) + "://" + rest
