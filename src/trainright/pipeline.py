"""`trainright build`: snapshot + ledger + policy → rules → minimise → dataset.

This is the library function the CLI calls. Each stage lives in its own module
and data flows one way; the output directory appears atomically or not at all.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import SecretStr

from trainright.atomic import atomic_directory, check_new_output
from trainright.dataset import (
    DatasetWriter,
    MediaItem,
    MediaOutcome,
    Share,
    Tally,
    assemble_manifest,
    finish_dataset,
    write_manifest,
)
from trainright.errors import InputError
from trainright.ledger import Head, Ledger
from trainright.ledger.events import iso
from trainright.ledger.importer import parse_timestamp
from trainright.lineage import openlineage, register_dataset
from trainright.lineage.links import links_of_snapshot, read_links
from trainright.minimise import Pseudonymiser
from trainright.minimise import text as redaction
from trainright.nonusers.photos import registered_photos
from trainright.policy import Policy, RegionRules, load_policy
from trainright.regions import ISO_COUNTRIES
from trainright.rules import DuckDBRunner, region_rules_table
from trainright.settings import key_id, resolve_secret
from trainright.snapshot import locate
from trainright.workers import WorkerPool, redact, scrub

#: progress(stage, advance, total): total is known for some stages only.
Progress = Callable[[str, int, int | None], None]
ENGINES = ("duckdb", "spark")
_SCRUB_CHUNK = 64
_POOL_FROM_POSTS = 50_000


@dataclass(frozen=True)
class BuildResult:
    """Where the dataset went and what its manifest says."""

    out: Path
    dataset_id: str
    manifest: dict[str, Any]


CUTOFF_FORM = "2026-06-26T00:00:00Z, or with an offset like 2026-06-26T02:00:00+02:00"
_ZONE = re.compile(r"(?:[Zz]|[+-]\d{2}(?::?\d{2}(?::?\d{2}(?:\.\d+)?)?)?)$")


def parse_cutoff(value: str | datetime, field: str = "--cutoff") -> datetime:
    """A cutoff is a legal boundary: an ISO 8601 instant with its zone, never a guess.

    A timestamp without `Z` or an offset is refused rather than read as UTC: a
    build at the wrong hour includes or leaves out a day's objections.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(
                f"the cutoff {value.isoformat()} has no time zone",
                field=field,
                value=value.isoformat(),
                hint=f"give an aware datetime, e.g. {CUTOFF_FORM}",
            )
        return value.astimezone(UTC)
    text = value.strip() if isinstance(value, str) else ""
    try:
        instant = parse_timestamp(text)
    except ValueError:
        raise InputError(
            f"{value!r} is not a date and time",
            field=field,
            value=value,
            hint=f"write it like {CUTOFF_FORM}",
        ) from None
    if not _ZONE.search(text):
        raise InputError(
            f"{value!r} has no time zone; a cutoff decides whose events count, so it is not "
            "guessed",
            field=field,
            value=value,
            hint=f"write it like {CUTOFF_FORM}",
        )
    return instant


def build(
    snapshot: str | Path,
    policy: Policy | str | Path,
    cutoff: str | datetime,
    out: str | Path,
    *,
    ledger: Ledger | str | None = None,
    secret: str | SecretStr | None = None,
    engine: str = "duckdb",
    workers: int | None = None,
    progress: Progress | None = None,
    spark_master: str | None = None,
    events: str | Path | None = None,
    rights: Callable[[Ledger, datetime], tuple[Head, pa.Table]] | None = None,
    register: bool = True,
) -> BuildResult:
    """Build a dataset (SPEC §5–§7) and register it in the ledger's catalog.

    With `engine="spark"`, `spark_master` picks the cluster and `events` may name a
    `ledger export` file the executors read instead of the ledger (docs/spark.md).
    `rights` reads the events the build applies (default: those at or before the
    cutoff; `rebuild` applies all committed); `register=False` leaves the catalog be.
    """
    out_path = Path(out)
    check_new_output(out_path)
    cut = parse_cutoff(cutoff)
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    key = secret if isinstance(secret, SecretStr) else resolve_secret(secret)
    if engine not in ENGINES:
        raise InputError(
            f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}", field="--engine"
        )
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    if engine == "spark":
        from trainright.spark import build_on_spark

        on_spark, on_spark_sha = build_on_spark(
            str(snapshot),
            pol,
            cut,
            out_path,
            events_parquet=events,
            ledger=led,
            secret=key,
            spark_master=spark_master,
            progress=progress,
        )
        links = links_of_snapshot(snapshot, out_path, on_spark)
        register_dataset(led, out_path, on_spark, on_spark_sha, pol.purpose, links)
        return BuildResult(out_path, on_spark["dataset_id"], on_spark)
    snap = locate(snapshot)
    report = progress or (lambda stage, n, total: None)

    head, events = rights(led, cut) if rights else led.export_until(cut)
    runner = DuckDBRunner()
    try:
        report("validate", 0, None)
        runner.load(snap, events, region_rules_table(pol, cut))
        warnings = runner.warnings(cut)
        if workers is None:  # a process pool pays off only for a sizeable platform
            big = runner.count_posts(cut) >= _POOL_FROM_POSTS
            workers = min(2, os.cpu_count() or 1) if big else 1
        with atomic_directory(out_path) as tmp:
            stage = _Stages(tmp, runner, pol, key, workers, report)
            body = stage.run(cut, snap.root)
            manifest = assemble_manifest(
                engine=engine,
                cutoff=iso(cut).replace(".000000Z", "Z"),
                policy_sha256=pol.sha256,
                ledger_seq=head.seq,
                ledger_hash=head.hash,
                inputs=snap.input_hashes(),
                subject_key_id=key_id(key),
                body=body,
                warnings=warnings,
            )
            manifest_sha = write_manifest(tmp, manifest)
        links = read_links(runner.conn, out_path, manifest)
    finally:
        runner.close()
    if register:
        register_dataset(led, out_path, manifest, manifest_sha, pol.purpose, links)
        openlineage.dataset_built(snap.root, led.url.url, manifest)
    return BuildResult(out_path, manifest["dataset_id"], manifest)


class _Stages:
    """Rules → minimise → write, for one build."""

    def __init__(
        self,
        tmp: Path,
        runner: DuckDBRunner,
        pol: Policy,
        key: SecretStr,
        workers: int,
        report: Progress,
    ) -> None:
        self.tmp = tmp
        self.runner = runner
        self.report = report
        self.rules: dict[str, RegionRules] = {c: pol.rules_for(c) for c in ISO_COUNTRIES}
        self.region_of = {c: r.region for c, r in self.rules.items()}
        self.categories_of = {c: tuple(r.redact) for c, r in self.rules.items()}
        self.writer = DatasetWriter(tmp, pol.max_shards())
        self.pseudo = Pseudonymiser(key)
        self.subject_of: dict[int, tuple[str, int]] = {}
        self.consent_authors: set[int] = set()
        self.tally = Tally()
        self.redactions: Counter[str] = Counter()
        self.with_media: list[pa.Table] = []  # posts with images to decide: post_id, country
        self.image_only: dict[int, str] = {}  # ... of which these have no text: post_id -> country
        self.shares: dict[int, Share] = {}  # shares that are in, or out only for being empty
        self.workers = workers

    def run(self, cut: datetime, snapshot_root: Path) -> dict[str, Any]:
        names = self.runner.display_names()
        pool = WorkerPool(names, self.workers)
        try:
            self._rows(pool, cut)
            media = self._media(pool, snapshot_root)
        except BaseException:
            self.writer.abort()
            raise
        finally:
            pool.close()
        self.report("write", 0, None)
        return finish_dataset(
            self.writer,
            self.tally,
            image_only=self.image_only,
            shares=self.shares,
            media=media,
            region_of=self.region_of,
            consent_authors=self.consent_authors,
            redactions=self.redactions,
        )

    def _batches(
        self, cut: datetime, pool: WorkerPool
    ) -> Iterator[tuple[pa.Table, tuple[Any, ...]]]:
        """Included posts in redaction jobs of `BATCH_ROWS`, one redact list per job."""
        for parts in redaction.gathered(self._included(cut, pool), redaction.BATCH_ROWS):
            inc = pa.concat_tables(parts)
            groups = redaction.by_categories(inc["country"].to_pylist(), self.categories_of)
            for cats, idx in groups.items():
                part = inc.take(pa.array(idx, pa.int64())) if len(groups) > 1 else inc
                yield part, (cats, part["text"].combine_chunks())

    def _included(self, cut: datetime, pool: WorkerPool) -> Iterator[pa.Table]:
        """Decide every post (the non-user search in the pool); tally and record
        exclusions; yield the included posts."""
        total = self.runner.count_posts(cut)
        for batch in self.runner.decide(cut, search=pool.search):
            self.report("rules", batch.num_rows, total)
            tbl = pa.Table.from_batches([batch])
            self.tally.add(tbl["reason"], tbl["country"], self.region_of)
            excluded = pc.is_valid(tbl["reason"])
            ex = tbl.filter(excluded)
            self.writer.exclude(
                *(
                    ex[c].combine_chunks()
                    for c in ("post_id", "reason", "reserved_by", "reserved_in")
                )
            )
            inc = tbl.filter(pc.invert(excluded))
            shares = tbl.filter(pc.is_valid(tbl["points_to"])).to_pydict()
            for pid, target, country, reason in zip(
                shares["post_id"],
                shares["points_to"],
                shares["country"],
                shares["reason"],
                strict=True,
            ):
                self.shares[pid] = Share(target, country, reason is None)
            media = tbl.filter(pc.greater(tbl["media_state"], 0))
            if media.num_rows:
                self.with_media.append(media.select(["post_id", "country"]))
                only = inc.filter(pc.equal(inc["media_state"], 2))
                self.image_only.update(
                    zip(only["post_id"].to_pylist(), only["country"].to_pylist(), strict=True)
                )
            yield inc

    def _rows(self, pool: WorkerPool, cut: datetime) -> None:
        for part, (texts, counts) in pool.imap(redact, self._batches(cut, pool)):
            self.redactions.update(counts)
            subjects, shards = [], []
            for aid, country in zip(
                part["author_id"].to_pylist(), part["country"].to_pylist(), strict=True
            ):
                hit = self.subject_of.get(aid)
                if hit is None:
                    if self.rules[country].legal_basis == "consent":
                        self.consent_authors.add(aid)
                    hit = (
                        self.pseudo.subject(aid),
                        self._shard(aid, country),
                    )
                    self.subject_of[aid] = hit
                subjects.append(hit[0])
                shards.append(hit[1])
            rows = pa.table(
                {
                    "post_id": part["post_id"],
                    "author_id": part["author_id"],
                    "subject": pa.array(subjects, pa.string()),
                    "created_at": part["created_at"],
                    "lang": part["lang"],
                    "text": texts,
                }
            )
            self.writer.stage(pa.array(shards, pa.int64()), rows)

    def _media(self, pool: WorkerPool, root: Path) -> MediaOutcome:
        """Scrub every kept image of the included posts, in parallel chunks."""
        out = MediaOutcome()
        if not self.with_media:
            return out
        rows = self.runner.kept_media(pa.concat_tables(self.with_media)).to_pylist()
        for m in rows:
            if m["minor_dropped"]:
                out.drop(m["post_id"], "flagged_minor")
        kept = [m for m in rows if not m["minor_dropped"]]
        photos = registered_photos(self.runner.non_users)

        def chunks() -> Iterator[tuple[list[dict[str, Any]], tuple[Any, ...]]]:
            for i in range(0, len(kept), _SCRUB_CHUNK):
                part = kept[i : i + _SCRUB_CHUNK]
                yield (
                    part,
                    (
                        [
                            (
                                root / m["path"],
                                self.tmp / "media" / f"{m['media_id']:08d}",
                                m["check_reservations"],
                            )
                            for m in part
                        ],
                        photos,
                    ),
                )

        for part, results in pool.imap(scrub, chunks()):
            self.report("media", len(part), len(kept))
            for m, res in zip(part, results, strict=True):
                if res.reservation is not None:
                    out.drop(m["post_id"], res.reservation.cause, res.reservation.signal)
                elif res.non_user_photo:
                    out.drop(m["post_id"], "non_user_photo")
                elif res.path is None:
                    out.warnings["media_unreadable"] += 1
                else:
                    item = MediaItem(f"media/{res.path.name}", res.orientation or 1)
                    out.media_of_post.setdefault(m["post_id"], []).append(item)
        out.shard_of_post = self._shards_of(set(out.dropped_of_post))
        return out

    def _shard(self, author: int, country: str) -> int:
        """An author's subject shard: its region's shard count, its pseudonym's bucket."""
        return self.pseudo.shard(author, self.rules[country].shards)

    def _shards_of(self, posts: set[int]) -> dict[int, int]:
        """The subject shard of each of these posts with images, as `_rows` assigns it."""
        if not posts:
            return {}
        ids = pa.table({"post_id": pa.array(sorted(posts), pa.int64())})
        conn = self.runner.conn
        conn.register("shard_posts", ids)
        conn.register("shard_media", pa.concat_tables(self.with_media))
        try:
            rows = conn.execute(
                "SELECT i.post_id, p.author_id, m.country FROM shard_posts AS i "
                "JOIN posts AS p USING (post_id) JOIN shard_media AS m USING (post_id)"
            ).fetchall()
        finally:
            conn.unregister("shard_posts")
            conn.unregister("shard_media")
        return {post: self._shard(author, country) for post, author, country in rows}
