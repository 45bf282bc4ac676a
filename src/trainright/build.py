"""`trainright build`: snapshot + ledger + policy → rules → minimise → dataset.

This is the library function the CLI calls; each stage lives in its own module and
data flows one way. The output appears atomically or not at all.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import SecretStr

from trainright import __version__
from trainright.atomic import atomic_directory, check_new_output
from trainright.dataset import DatasetWriter, Tally, write_manifest
from trainright.errors import InputError
from trainright.ledger import Ledger
from trainright.ledger.events import iso
from trainright.ledger.importer import parse_timestamp
from trainright.lineage import register_dataset
from trainright.minimise import Pseudonymiser, Redactor, scrub_image
from trainright.policy import Policy, load_policy
from trainright.regions import ISO_COUNTRIES
from trainright.rules import REASONS, DuckDBRunner, region_rules_table
from trainright.settings import key_id, resolve_secret
from trainright.snapshot import locate

#: progress(stage, advance, total): total is known for some stages only.
Progress = Callable[[str, int, int | None], None]
ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class BuildResult:
    """Where the dataset went and what its manifest says."""

    out: Path
    dataset_id: str
    manifest: dict[str, Any]


def parse_cutoff(value: str | datetime) -> datetime:
    """A cutoff is an ISO 8601 UTC timestamp, to the second or finer."""
    if isinstance(value, datetime):
        return parse_timestamp(value.isoformat())
    try:
        return parse_timestamp(value)
    except ValueError as exc:
        raise InputError(
            f"{exc} (got {value!r})",
            field="--cutoff",
            value=value,
            hint="write it like 2026-06-26T00:00:00Z",
        ) from None


# --- minimisation in worker processes -----------------------------------------------------

_WORKER: dict[tuple[str, ...], Redactor] = {}
_WORKER_NAMES: tuple[str, ...] = ()


def _init_worker(names: tuple[str, ...]) -> None:
    global _WORKER_NAMES
    _WORKER_NAMES = names


def _redact(
    categories: tuple[str, ...], texts: list[str | None]
) -> tuple[list[str | None], Counter[str]]:
    redactor = _WORKER.get(categories)
    if redactor is None:
        redactor = _WORKER[categories] = Redactor(categories, _WORKER_NAMES)
    return redactor.redact(texts)


class _RedactionPool:
    """Redacts batches across processes, in order, with a bounded number in flight."""

    def __init__(self, names: tuple[str, ...], workers: int) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            self._pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(names,))
        else:
            _init_worker(names)
        self._limit = max(2, workers * 2)

    def map(
        self, jobs: Iterator[tuple[Any, tuple[str, ...], list[str | None]]]
    ) -> Iterator[tuple[Any, list[str | None], Counter[str]]]:
        pending: list[tuple[Any, Future[tuple[list[str | None], Counter[str]]]]] = []
        for tag, categories, texts in jobs:
            if self._pool is None:
                yield (tag, *_redact(categories, texts))
                continue
            pending.append((tag, self._pool.submit(_redact, categories, texts)))
            if len(pending) >= self._limit:
                done_tag, fut = pending.pop(0)
                yield (done_tag, *fut.result())
        for done_tag, fut in pending:
            yield (done_tag, *fut.result())

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


# --- the build ----------------------------------------------------------------------------


def _dataset_id(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


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
    register: bool = True,
) -> BuildResult:
    """Build a dataset (SPEC §5–§7) and register it in the ledger's catalog."""
    out_path = Path(out)
    check_new_output(out_path)
    cut = parse_cutoff(cutoff)
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    key = secret if isinstance(secret, SecretStr) else resolve_secret(secret)
    if engine not in ENGINES:
        raise InputError(
            f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}", field="--engine"
        )
    if engine != "duckdb":
        raise InputError("the spark engine is not available in this version", field="--engine")
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    snap = locate(snapshot)
    report = progress or (lambda stage, n, total: None)
    workers = workers or min(2, os.cpu_count() or 1)

    head, events = led.export_until(cut)
    runner = DuckDBRunner()
    try:
        report("validate", 0, None)
        runner.load(snap, events, region_rules_table(pol, cut))
        warnings = runner.warnings(cut)
        names = tuple(
            r[0]
            for r in runner.conn.execute(
                "SELECT DISTINCT display_name FROM accounts WHERE display_name IS NOT NULL "
                "ORDER BY 1"
            ).fetchall()
        )
        total_posts = int(runner.conn.execute("SELECT count(*) FROM posts").fetchone()[0])  # type: ignore[index]
        with atomic_directory(out_path) as tmp:
            manifest = _write(
                tmp,
                runner,
                pol,
                cut,
                key,
                names,
                workers,
                report,
                total_posts - warnings["posts_after_cutoff"],
                snap.root,
            )
            manifest.update(
                {
                    "trainright_version": __version__,
                    "engine": engine,
                    "cutoff": iso(cut).replace(".000000Z", "Z"),
                    "policy_sha256": pol.sha256,
                    "ledger": {"seq": head.seq, "hash": head.hash},
                    "inputs": snap.input_hashes(),
                    "subject_key_id": key_id(key),
                    "warnings": warnings | manifest.pop("media_warnings"),
                }
            )
            manifest["dataset_id"] = _dataset_id(
                {
                    k: manifest[k]
                    for k in (
                        "cutoff",
                        "policy_sha256",
                        "ledger",
                        "inputs",
                        "subject_key_id",
                        "trainright_version",
                    )
                }
            )
            manifest_sha = write_manifest(tmp, manifest)
    finally:
        runner.close()
    if register:
        register_dataset(led, out_path, manifest, manifest_sha)
    return BuildResult(out_path, manifest["dataset_id"], manifest)


def _write(
    tmp: Path,
    runner: DuckDBRunner,
    pol: Policy,
    cut: datetime,
    key: SecretStr,
    names: tuple[str, ...],
    workers: int,
    report: Progress,
    total: int,
    snapshot_root: Path,
) -> dict[str, Any]:
    shards = pol.max_shards()
    writer = DatasetWriter(tmp, shards)
    pseudo = Pseudonymiser(key)
    rules = {c: pol.rules_for(c) for c in ISO_COUNTRIES}
    region_of = {c: r.region for c, r in rules.items()}
    subject_of: dict[int, tuple[str, int]] = {}
    tally = Tally()
    redactions: Counter[str] = Counter()
    with_media: list[pa.Table] = []  # included posts that have images: post_id, country
    image_only: dict[int, str] = {}  # ... and no text: post_id -> country
    pool = _RedactionPool(names, workers)

    def jobs() -> Iterator[tuple[Any, tuple[str, ...], list[str | None]]]:
        for batch in runner.decide(cut):
            report("rules", batch.num_rows, total)
            tbl = pa.Table.from_batches([batch])
            tally.add(tbl["reason"], tbl["country"], region_of)
            excluded = pc.is_valid(tbl["reason"])
            ex = tbl.filter(excluded)
            writer.exclude(ex["post_id"].combine_chunks(), ex["reason"].combine_chunks())
            inc = tbl.filter(pc.invert(excluded))
            if inc.num_rows == 0:
                continue
            media = inc.filter(pc.greater(inc["media_state"], 0))
            if media.num_rows:
                with_media.append(media.select(["post_id", "country"]))
                only = media.filter(pc.equal(media["media_state"], 2))
                image_only.update(
                    zip(only["post_id"].to_pylist(), only["country"].to_pylist(), strict=True)
                )
            countries = inc["country"].to_pylist()
            groups: dict[tuple[str, ...], list[int]] = {}
            for i, c in enumerate(countries):
                groups.setdefault(rules[c].redact, []).append(i)
            for cats, idx in groups.items():
                part = inc.take(pa.array(idx, pa.int64())) if len(groups) > 1 else inc
                yield part, cats, part["text"].to_pylist()

    try:
        for part, texts, counts in pool.map(jobs()):
            redactions.update(counts)
            subjects = []
            shard_list = []
            for aid, country in zip(
                part["author_id"].to_pylist(), part["country"].to_pylist(), strict=True
            ):
                hit = subject_of.get(aid)
                if hit is None:
                    hit = subject_of[aid] = (
                        pseudo.subject(aid),
                        pseudo.shard(aid, rules[country].shards),
                    )
                subjects.append(hit[0])
                shard_list.append(hit[1])
            rows = pa.table(
                {
                    "post_id": part["post_id"],
                    "author_id": part["author_id"],
                    "subject": pa.array(subjects, pa.string()),
                    "created_at": part["created_at"],
                    "lang": part["lang"],
                    "text": pa.array(texts, pa.string()),
                }
            )
            writer.stage(pa.array(shard_list, pa.int64()), rows)
    except BaseException:
        writer.abort()
        raise
    finally:
        pool.close()

    # Media: scrub every kept image of the included posts; a post left with no text
    # and no image after that is excluded as empty_after_minimisation.
    media_of_post: dict[int, list[str]] = {}
    media_warnings: Counter[str] = Counter()
    kept_total = 0
    if with_media:
        kept = runner.kept_media(pa.concat_tables(with_media))
        rows_m = kept.to_pylist()
        for m in rows_m:
            report("media", 1, len(rows_m))
            src = snapshot_root / m["path"]
            res = scrub_image(src, tmp / "media" / f"{m['media_id']:08d}")
            if res.path is None:
                media_warnings["media_unreadable"] += 1
                continue
            kept_total += 1
            media_of_post.setdefault(m["post_id"], []).append(f"media/{res.path.name}")
    drop: set[int] = set()
    for pid, country in image_only.items():
        if pid not in media_of_post:
            drop.add(pid)
            tally.move_to_excluded("empty_after_minimisation", region_of[country], country)
    if drop:
        ids = sorted(drop)
        writer.exclude(
            pa.array(ids, pa.int64()),
            pa.array(["empty_after_minimisation"] * len(ids), pa.string()),
        )
    report("write", 0, None)
    shard_entries, exclusions = writer.finish(media_of_post, drop)
    return {
        "counts": {
            "posts": tally.included + sum(tally.excluded.values()),
            "included": tally.included,
            "excluded": sum(tally.excluded.values()),
            "excluded_by_reason": {r: tally.excluded.get(r, 0) for r in REASONS},
            "by_region": {k: dict(sorted(v.items())) for k, v in sorted(tally.by_region.items())},
            "by_country": {k: dict(sorted(v.items())) for k, v in sorted(tally.by_country.items())},
        },
        "redactions": dict(sorted(redactions.items())),
        "media": {"included": kept_total},
        "media_warnings": dict(media_warnings),
        "shards": shard_entries,
        "exclusions": exclusions,
    }
