"""`trainright build --engine spark`: SPEC §5–§7 with the work done by Spark executors.

The executors decide every post (the shared rule definition, transpiled), redact
the included ones, pseudonymise and shard their authors, and scrub their images.
The executors write the images and the subject shards into the dataset's temporary
directory with the embedded build's encoder, so both engines write the same bytes;
the driver collects exclusions and per-shard facts (sha256, rows, subject sets),
writes the exclusions and subject-set files, and the manifest last.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pydantic import SecretStr
from pyroaring import BitMap64
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from trainright.dataset import (
    STAGING_SCHEMA,
    DatasetWriter,
    MediaItem,
    MediaOutcome,
    Share,
    Tally,
    assemble_manifest,
    encode_shard,
    finish_dataset,
    shard_entry,
    shard_name,
    write_manifest,
)
from trainright.errors import InputError
from trainright.ledger import Head, Ledger
from trainright.ledger.events import iso, utc
from trainright.minimise import Pseudonymiser
from trainright.nonusers.photos import registered_photos
from trainright.policy import Policy
from trainright.regions import ISO_COUNTRIES
from trainright.rules import region_rules_table
from trainright.rules.spark import SparkRunner
from trainright.settings import key_id
from trainright.spark.executors import (
    SCRUBBED,
    WRITTEN,
    arrow_uri,
    author_shards,
    scrub_media,
    write_shards,
)
from trainright.spark.output import Target, check_new, dataset_output
from trainright.spark.session import spark_session, task_slots
from trainright.spark.snapshot import locate

#: progress(stage, advance, total), as `trainright.build` reports it.
Progress = Callable[[str, int, int | None], None]
#: Rows per chunk the driver takes from the executors at a time (memory stays bounded).
CHUNK_ROWS = 500_000
_SEQ_KEY, _HASH_KEY, _AS_OF_KEY = (
    b"trainright.ledger_seq",
    b"trainright.ledger_hash",
    b"trainright.as_of",
)


def build_on_spark(
    snapshot: str,
    policy: Policy,
    cutoff: datetime,
    out: Path | str,
    *,
    events_parquet: str | Path | None,
    ledger: Ledger | None,
    secret: SecretStr,
    spark_master: str | None,
    progress: Progress | None,
) -> tuple[dict[str, Any], str]:
    """Build a dataset on Spark; returns (manifest, manifest sha256). `out` (a directory,
    or an object-store URI such as `s3://bucket/datasets/d1`) appears atomically, or on an
    object store manifest last (`trainright.spark.output`).

    Events come from `events_parquet` (a `trainright ledger export`, read by the
    executors) or else from `ledger`, read once by the driver.
    """
    check_new(out)
    if "://" not in snapshot and not snapshot.startswith("file:"):
        # a local path: the executors read images from it, in their own working directory
        snapshot = str(Path(snapshot).resolve())
    report: Progress = progress or (lambda stage, n, total: None)
    runner = SparkRunner(spark_session(spark_master))
    try:
        if events_parquet is not None:
            uri = str(events_parquet)
            head = export_head(uri, cutoff)
            events = runner.events_from_parquet(uri)
        elif ledger is not None:
            head, table = ledger.export_until(cutoff)
            events = runner.events_from_arrow(table)
        else:
            raise InputError(
                "the spark engine needs the rights events",
                field="--events",
                hint="pass a `trainright ledger export --as-of CUTOFF` file, or a ledger URL",
            )
        report("validate", 0, None)
        snap = locate(runner.spark, snapshot)
        runner.load(snap, events, region_rules_table(policy, cutoff))
        warnings = runner.warnings(cutoff)
        with dataset_output(out) as target:
            body = _Stages(target, runner, policy, secret, report).run(cutoff, snapshot)
            manifest = assemble_manifest(
                engine="spark",
                cutoff=iso(cutoff).replace(".000000Z", "Z"),
                policy_sha256=policy.sha256,
                ledger_seq=head.seq,
                ledger_hash=head.hash,
                inputs=snap.input_hashes(),
                subject_key_id=key_id(secret),
                body=body,
                warnings=warnings,
            )
            manifest_sha = write_manifest(target.local, manifest)
    finally:
        runner.close()
    return manifest, manifest_sha


def export_head(uri: str, cutoff: datetime) -> Head:
    """The ledger position a `ledger export` file records in its Parquet metadata.

    The file must have been exported as of the build's cutoff or later: one made
    for an earlier cutoff lacks the events in between (an objection, say).
    """
    try:
        fs, path = pafs.FileSystem.from_uri(arrow_uri(uri))
        meta = pq.read_schema(path, filesystem=fs).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"cannot read the ledger export: {exc}", file=uri) from None
    if not {_SEQ_KEY, _HASH_KEY, _AS_OF_KEY} <= meta.keys():
        raise InputError(
            "the file does not record the ledger position and cutoff it was exported at",
            file=uri,
            hint="write it with `trainright ledger export --as-of CUTOFF OUT.parquet`",
        )
    as_of = meta[_AS_OF_KEY].decode()
    try:
        exported = utc(datetime.fromisoformat(as_of))
    except ValueError:
        raise InputError(
            "the export's cutoff is not a timestamp",
            file=uri,
            field="as_of",
            value=as_of,
            hint="write it with `trainright ledger export --as-of CUTOFF OUT.parquet`",
        ) from None
    if exported < utc(cutoff):
        raise InputError(
            f"the export was made as of {as_of}, before the build's cutoff {iso(cutoff)}:"
            " it lacks the events in between",
            file=uri,
            field="as_of",
            value=as_of,
            hint="export again with `trainright ledger export --as-of CUTOFF` for this cutoff",
        )
    return Head(int(meta[_SEQ_KEY]), meta[_HASH_KEY].decode())


def collect(df: DataFrame, at_most: int, rows: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """Bring a DataFrame of at most `at_most` rows to the driver as Arrow, in bounded chunks.

    When it takes more than one chunk the frame is computed once (persisted) and
    sliced by a hash of `post_id`.
    """
    chunks = max(1, math.ceil(at_most / rows))
    if chunks == 1:
        yield df.toArrow()
        return
    df = df.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        key = F.pmod(F.xxhash64("post_id"), F.lit(chunks))
        for i in range(chunks):
            yield df.where(key == i).toArrow()
    finally:
        df.unpersist()


class _Stages:
    """Rules and minimisation on the executors → the shared writer on the driver."""

    def __init__(
        self, target: Target, runner: SparkRunner, pol: Policy, key: SecretStr, report: Progress
    ) -> None:
        self.target = target
        self.tmp = target.local
        self.runner = runner
        self.report = report
        self.rules = {c: pol.rules_for(c) for c in ISO_COUNTRIES}
        self.region_of = {c: r.region for c, r in self.rules.items()}
        self.key = key
        self.writer = _ExecutorWriter(target.local, pol.max_shards(), self)
        self.tally = Tally()
        self.redactions: Counter[str] = Counter()
        self.image_only: dict[int, str] = {}  # included posts with images and no text
        self.consent_authors: set[int] = set()  # included under a consent basis
        self.consent_countries = [c for c, r in self.rules.items() if r.legal_basis == "consent"]

    def run(self, cut: datetime, root: str) -> dict[str, Any]:
        try:
            total = self.runner.count_posts(cut)
            self.decisions = decisions = self.runner.decide(cut)
            self._exclusions(decisions, total)
            self._included(decisions)
            media = self._media(decisions, root)
            shares = self.shares(decisions)
        except BaseException:
            self.writer.abort()
            raise
        self.report("write", 0, None)
        return finish_dataset(
            self.writer,
            self.tally,
            image_only=self.image_only,
            shares=shares,
            media=media,
            region_of=self.region_of,
            consent_authors=self.consent_authors,
            redactions=self.redactions,
        )

    def shares(self, decisions: DataFrame) -> dict[int, Share]:
        """Reshares and quotes that are in (or out only for being empty), where their
        region excludes shares of excluded posts."""
        rows = decisions.where("points_to IS NOT NULL").select(
            "post_id", "points_to", "country", "reason"
        )
        # as Arrow columns, not Row objects: at 10M posts about 900,000 rows
        tbl = rows.toArrow()
        return {
            post: Share(target, country, reason is None)
            for post, target, country, reason in zip(
                *(tbl[c].to_pylist() for c in ("post_id", "points_to", "country", "reason")),
                strict=True,
            )
        }

    def _exclusions(self, decisions: DataFrame, total: int) -> None:
        columns = ("post_id", "reason", "reserved_by", "reserved_in")
        excluded = decisions.where("reason IS NOT NULL").select(*columns, "country")
        for tbl in collect(excluded, total):
            self.report("rules", tbl.num_rows, total)
            self.tally.add(tbl["reason"], tbl["country"], self.region_of)
            self.writer.exclude(*(tbl[c].combine_chunks() for c in columns))

    def _included(self, decisions: DataFrame) -> None:
        """Count the included posts and note those the finishing step needs: image-only
        posts and authors under a consent basis. Their rows stay on the executors."""
        inc = decisions.where("reason IS NULL")
        for row in inc.groupBy("country").count().collect():
            self.tally.add_count(None, row["country"], int(row["count"]), self.region_of)
        only = inc.where("media_state = 2").select("post_id", "country").toArrow()
        self.image_only.update(
            zip(only["post_id"].to_pylist(), only["country"].to_pylist(), strict=True)
        )
        consent = inc.where(F.col("country").isin(self.consent_countries))
        authors = consent.select("author_id").distinct().toArrow()
        self.consent_authors.update(authors["author_id"].to_pylist())

    def write_shards(
        self, media_of_post: Mapping[int, list[MediaItem]], drop_posts: set[int]
    ) -> tuple[list[dict[str, Any]], BitMap64]:
        """Redact, pseudonymise and write every subject shard in the executors (one task
        per shard); the driver writes only the shards no post falls in."""
        spark = self.runner.spark
        media = pa.table(
            {
                "post_id": pa.array(list(media_of_post), pa.int64()),
                "media": pa.array(
                    [[m.path for m in v] for v in media_of_post.values()], pa.list_(pa.string())
                ),
                "media_orientation": pa.array(
                    [[m.orientation for m in v] for v in media_of_post.values()],
                    pa.list_(pa.int32()),
                ),
            }
        )
        included = self.decisions.where("reason IS NULL").select(
            "post_id", "author_id", "country", "created_at", "lang", "text"
        )
        authors = included.select("author_id", "country").distinct()
        shards_of = {c: r.shards for c, r in self.rules.items()}
        shard_of = authors.mapInArrow(
            author_shards(self.key, shards_of), "author_id long, country string, shard long"
        )
        rows = included.join(F.broadcast(shard_of), ["author_id", "country"]).join(
            F.broadcast(spark.createDataFrame(media)), "post_id", "left"
        )
        rows = rows.repartitionByRange(self.writer.shards, "shard").sortWithinPartitions("shard")
        names = spark.sparkContext.broadcast(self.runner.display_names())
        drop = spark.sparkContext.broadcast(frozenset(drop_posts))
        try:
            written = rows.mapInArrow(
                write_shards(
                    names,
                    {c: tuple(r.redact) for c, r in self.rules.items()},
                    self.key,
                    self.target.uri,
                    drop,
                ),
                WRITTEN,
            ).toArrow()
        finally:
            names.destroy()
            drop.destroy()
        entries: dict[int, dict[str, Any]] = {}
        everyone = BitMap64()
        for row in written.to_pylist():
            self.redactions.update(json.loads(row["redactions"]))
            everyone |= BitMap64.deserialize(row["bitmap"])
            entries[row["shard"]] = json.loads(row["entry"])
        for shard in range(self.writer.shards):
            if shard not in entries:  # no included post: the empty shard, written here
                data, subjects = encode_shard(STAGING_SCHEMA.empty_table(), {})
                (self.tmp / "data" / f"{shard_name(shard)}.parquet").write_bytes(data)
                (self.tmp / "subjects" / f"{shard_name(shard)}.roaring").write_bytes(
                    subjects.serialize()
                )
                entries[shard] = shard_entry(shard, 0, data, subjects)
        return [entries[s] for s in range(self.writer.shards)], everyone

    def _media(self, decisions: DataFrame, root: str) -> MediaOutcome:
        """Scrub every kept image of the included posts and write it, in the executors."""
        out = MediaOutcome()
        with_media = decisions.where("media_state > 0")
        kept = self.runner.kept_media(with_media.select("post_id", "country"))
        photos = registered_photos(self.runner.non_users)
        # adaptive execution coalesces these few narrow rows into one task; scrubbing
        # is the heavy part, so it is spread over every executor core
        kept = kept.repartition(task_slots(self.runner.spark))
        scrubbed = kept.mapInArrow(scrub_media(root, self.target.uri, photos), SCRUBBED)
        found: list[tuple[int, int, MediaItem]] = []
        for tbl in collect(scrubbed, self.runner.count_media()):
            self.report("media", tbl.num_rows, None)
            for row in tbl.to_pylist():
                if row["dropped"] is not None:
                    out.drop(row["post_id"], row["dropped"], row["signal"])
                elif row["file"] is None:
                    out.warnings["media_unreadable"] += 1
                else:
                    item = MediaItem(f"media/{row['file']}", row["orientation"])
                    found.append((row["post_id"], row["media_id"], item))
        for post_id, _, item in sorted(found):
            out.media_of_post.setdefault(post_id, []).append(item)
        out.shard_of_post = self._shards_of(decisions, set(out.dropped_of_post))
        return out

    def _shards_of(self, decisions: DataFrame, posts: set[int]) -> dict[int, int]:
        """The subject shard of each of these posts, as `author_shards` assigns it."""
        if not posts:
            return {}
        ids = self.runner.spark.createDataFrame(
            pa.table({"post_id": pa.array(sorted(posts), pa.int64())})
        )
        rows = decisions.join(F.broadcast(ids), "post_id").select("post_id", "author_id", "country")
        tbl = rows.toArrow()
        pseudo = Pseudonymiser(self.key)
        return {
            post: pseudo.shard(author, self.rules[country].shards)
            for post, author, country in zip(
                tbl["post_id"].to_pylist(),
                tbl["author_id"].to_pylist(),
                tbl["country"].to_pylist(),
                strict=True,
            )
        }


class _ExecutorWriter(DatasetWriter):
    """The shared writer, with the shards written by the executors: exclusions, the
    consent set and the manifest stay the driver's (the manifest written last)."""

    def __init__(self, root: Path, shards: int, stages: _Stages) -> None:
        super().__init__(root, shards)
        self._stages = stages

    def write_shards(
        self, media_of_post: Mapping[int, list[MediaItem]], drop_posts: set[int]
    ) -> tuple[list[dict[str, Any]], BitMap64]:
        self._staging_dir.rmdir()
        return self._stages.write_shards(media_of_post, drop_posts)

    def remove(self, relative: str) -> None:
        self._stages.target.remove(relative)
