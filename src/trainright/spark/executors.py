"""SPEC §6 in the executors: redaction, pseudonyms and shards, image scrubbing.

Each factory returns a function for `DataFrame.mapInArrow`. The functions use the
same `Redactor`, `Pseudonymiser` and `scrub_image` the embedded build uses, so a
row minimised on a cluster is the row minimised on a laptop.
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
import pyarrow.fs as pafs
from pydantic import SecretStr
from pyspark import Broadcast

from trainright.minimise import Pseudonymiser, Redactor, UnsupportedImage, scrub_bytes
from trainright.minimise.reservations import reservation_of
from trainright.minimise.text import BATCH_ROWS, by_categories, gathered

ArrowMap = Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]

#: What `minimise_posts` returns per included post; `redactions` (JSON counts) is
#: set on one row of each batch, so the driver can total them exactly once.
MINIMISED = (
    "post_id long, author_id long, country string, subject string, shard long, "
    "created_at timestamp_ntz, lang string, text string, media_state int, redactions string"
)
#: What `scrub_media` returns per kept image; `file` is null for an unreadable one.
SCRUBBED = (
    "media_id long, post_id long, file string, orientation int, data binary, "
    "dropped string, signal string"
)

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


def minimise_posts(
    names: Broadcast[tuple[str, ...]],
    categories_of: Mapping[str, tuple[str, ...]],
    shards_of: Mapping[str, int],
    secret: SecretStr,
) -> ArrowMap:
    """Included posts → redacted text, `subject` (HMAC) and subject shard, per country's rules."""
    build = secrets.token_hex(8)

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pseudo = Pseudonymiser(secret)
        for joined in gathered(batches, BATCH_ROWS):
            batch = pa.concat_batches(joined)  # one redaction call for Spark's small batches
            countries = batch.column("country").to_pylist()
            authors = batch.column("author_id").to_pylist()
            texts = batch.column("text")
            counts: Counter[str] = Counter()
            parts: list[pa.Array] = []
            order: list[int] = []
            for cats, idx in by_categories(countries, categories_of).items():
                out, n = _redactor(build, names, cats).redact_array(texts.take(idx))
                counts.update(n)
                parts.append(out)
                order += idx
            # back in the batch's row order
            redacted = pa.concat_arrays(parts).take(np.argsort(np.array(order)))
            subject_of = {a: pseudo.subject(a) for a in set(authors)}
            subjects = [subject_of[a] for a in authors]
            shards = [
                pseudo.shard(a, shards_of[c]) for a, c in zip(authors, countries, strict=True)
            ]
            tally = [json.dumps(dict(counts))] + [None] * (batch.num_rows - 1)
            yield pa.RecordBatch.from_pydict(
                {
                    "post_id": batch.column("post_id"),
                    "author_id": batch.column("author_id"),
                    "country": batch.column("country"),
                    "subject": pa.array(subjects, pa.string()),
                    "shard": pa.array(shards, pa.int64()),
                    "created_at": batch.column("created_at"),
                    "lang": batch.column("lang"),
                    "text": redacted,
                    "media_state": batch.column("media_state").cast(pa.int32()),
                    "redactions": pa.array(tally, pa.string()),
                }
            )

    return run


def scrub_media(root: str) -> ArrowMap:
    """Media rows of included posts → their images without metadata, read from the
    snapshot at `root`, or why each was dropped (`dropped`, and the reserving `signal`).

    Images are read through Arrow's filesystems (local or mounted paths, HDFS, S3,
    GCS) and scrubbed in memory with `scrub_bytes`, and their reservations read with
    `reservation_of`: the embedded build's scrubber and reader.
    """

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        fs, base = pafs.FileSystem.from_uri(arrow_uri(root))
        base = base.rstrip("/")
        for batch in batches:
            out: dict[str, list[Any]] = {k: [] for k in ("file", "orientation", "data")}
            out["dropped"], out["signal"] = [], []
            for media_id, path, minor, check in zip(
                batch.column("media_id").to_pylist(),
                batch.column("path").to_pylist(),
                batch.column("minor_dropped").to_pylist(),
                batch.column("check_reservations").to_pylist(),
                strict=True,
            ):
                file = orientation = data = dropped = signal = None
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
                        else:
                            file = f"{media_id:08d}{suffix}"
                            orientation = scrubbed.orientation or 1
                            data = scrubbed.data
                for key, value in zip(out, (file, orientation, data, dropped, signal), strict=True):
                    out[key].append(value)
            yield pa.RecordBatch.from_pydict(
                {
                    "media_id": batch.column("media_id"),
                    "post_id": batch.column("post_id"),
                    "file": pa.array(out["file"], pa.string()),
                    "orientation": pa.array(out["orientation"], pa.int32()),
                    "data": pa.array(out["data"], pa.binary()),
                    "dropped": pa.array(out["dropped"], pa.string()),
                    "signal": pa.array(out["signal"], pa.string()),
                }
            )

    return run


def arrow_uri(root: str) -> str:
    """Hadoop's scheme names as Arrow knows them; a bare path is a local one."""
    if "://" not in root:
        return str(Path(root).resolve())
    scheme, rest = root.split("://", 1)
    return {"s3a": "s3", "s3n": "s3"}.get(scheme, scheme) + "://" + rest
