"""SPEC §7: the dataset on disk — shards, exclusions, subject sets, manifest.

Rows arrive in any order; each goes to a staging file of its subject shard. When
the rules are done, every shard is sorted by `post_id`, given its media, and
written once, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyroaring import BitMap64

from trainright.digest import file_sha256

SHARD_SCHEMA = pa.schema(
    [
        ("post_id", pa.int64()),
        ("subject", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("lang", pa.string()),
        ("text", pa.string()),
        ("media", pa.list_(pa.string())),
        ("media_orientation", pa.list_(pa.int8())),
    ]
)
STAGING_SCHEMA = pa.schema(
    [
        ("post_id", pa.int64()),
        ("author_id", pa.int64()),
        ("subject", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("lang", pa.string()),
        ("text", pa.string()),
    ]
)
#: One row per excluded post; for `reserved` (and for posts emptied by reserved images)
#: which signal reserved it and where it was stated: `post`, `account` or `image`.
EXCLUSIONS_SCHEMA = pa.schema(
    [
        ("post_id", pa.int64()),
        ("reason", pa.string()),
        ("reserved_by", pa.string()),
        ("reserved_in", pa.string()),
    ]
)
_PARQUET = {"compression": "zstd", "compression_level": 3, "write_statistics": True}
_ROW_GROUP = 128 * 1024


class MediaItem(NamedTuple):
    """An image in the dataset: its path and the EXIF orientation to apply (1 = as stored)."""

    path: str
    orientation: int


#: Why an image of a post that is otherwise in was left out (SPEC §5).
MEDIA_DROP_CAUSES = ("flagged_minor", "reserved", "reservation_unreadable", "non_user_photo")


@dataclass
class MediaOutcome:
    """What became of the images of posts that reached minimisation: the kept ones and
    the dropped ones (cause, and the reserving signal if any) per post, and the
    unreadable ones (a warning). `shard_of_post` gives the subject shard of each post
    with a dropped image, so that `rebuild` can carry the drops of the shards it
    keeps and take today's for those it rebuilds."""

    media_of_post: dict[int, list[MediaItem]] = field(default_factory=dict)
    dropped_of_post: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)
    shard_of_post: dict[int, int] = field(default_factory=dict)
    warnings: Counter[str] = field(default_factory=Counter)

    def drop(self, post_id: int, cause: str, signal: str | None = None) -> None:
        self.dropped_of_post.setdefault(post_id, []).append((cause, signal))


class Share(NamedTuple):
    """A reshare or quote that was in before minimisation, or out only for being empty."""

    target: int
    country: str
    included: bool


def _shares_of(lost: set[int], shares: Mapping[int, Share]) -> set[int]:
    """The shares that point, down the chain of included ones, to a post in `lost`."""
    by_target: dict[int, list[int]] = defaultdict(list)
    for sharer, share in shares.items():
        by_target[share.target].append(sharer)
    found: set[int] = set()
    frontier = list(lost)
    while frontier:
        reached = [s for t in frontier for s in by_target.get(t, ()) if s not in found]
        found.update(reached)
        frontier = [s for s in reached if s not in lost and shares[s].included]
    return found


def reserved_counts(exclusions: list[pa.Table]) -> dict[str, dict[str, int]]:
    """The manifest's `counts.reserved_by`: posts excluded as `reserved` (EXCLUSIONS_SCHEMA
    rows), by signal and by where it was stated."""
    out: dict[str, dict[str, int]] = {}
    for t in exclusions:
        reserved = t.filter(pc.equal(t["reason"], "reserved"))
        by, where = reserved["reserved_by"].to_pylist(), reserved["reserved_in"].to_pylist()
        for signal, place in zip(by, where, strict=True):
            out.setdefault(signal, {}).setdefault(place, 0)
            out[signal][place] += 1
    return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}


def _shard_sum(shards: list[dict[str, Any]], key: str) -> Counter[str]:
    total: Counter[str] = Counter()
    for entry in shards:
        total.update(entry[key])
    return total


def media_dropped_counts(shards: list[dict[str, Any]]) -> dict[str, int]:
    """The manifest's `counts.media_dropped`: the shard entries' drops, every cause."""
    total = _shard_sum(shards, "media_dropped")
    return {c: total[c] for c in MEDIA_DROP_CAUSES}


def media_reserved_counts(shards: list[dict[str, Any]]) -> dict[str, int]:
    """The manifest's `media.reserved_by`: images dropped by each reserving signal."""
    return dict(sorted(_shard_sum(shards, "media_reserved_by").items()))


def shard_name(shard: int) -> str:
    return f"shard-{shard:05d}"


@dataclass
class Tally:
    """Included and excluded posts, by reason, region and country."""

    included: int = 0
    excluded: Counter[str] = field(default_factory=Counter)
    by_region: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    by_country: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, reasons: pa.Array, countries: pa.Array, region_of: Mapping[str, str]) -> None:
        """Count a batch of decisions; `region_of` maps a country to its policy section."""
        table = pa.table({"reason": reasons, "country": countries})
        grouped = table.group_by(["reason", "country"], use_threads=False).aggregate(
            [([], "count_all")]
        )
        for row in grouped.to_pylist():
            self.add_count(row["reason"], row["country"], int(row["count_all"]), region_of)

    def add_count(
        self, reason: str | None, country: str | None, n: int, region_of: Mapping[str, str]
    ) -> None:
        """Count `n` posts of one reason (None: included) and country."""
        key = reason or "included"
        country = country or "unknown"
        region = region_of.get(country, "unknown")
        if reason is None:
            self.included += n
        else:
            self.excluded[reason] += n
        self.by_region[region][key] += n
        self.by_country[country][key] += n

    def counts(self) -> dict[str, Any]:
        """The manifest's `counts`: totals, every reason (zeros too), by region and country."""
        from trainright.rules.definition import REASONS

        excluded = sum(self.excluded.values())
        return {
            "posts": self.included + excluded,
            "included": self.included,
            "excluded": excluded,
            "excluded_by_reason": {r: self.excluded.get(r, 0) for r in REASONS},
            "by_region": {k: dict(sorted(v.items())) for k, v in sorted(self.by_region.items())},
            "by_country": {k: dict(sorted(v.items())) for k, v in sorted(self.by_country.items())},
        }

    def move(self, was: str | None, reason: str, region: str, country: str) -> None:
        """A post decided again after minimisation: from included (`was` None) or from
        another reason to `reason`."""
        if was is None:
            self.included -= 1
        else:
            self.excluded[was] -= 1
        self.excluded[reason] += 1
        for table, key in ((self.by_region, region), (self.by_country, country)):
            left = was or "included"
            table[key][left] -= 1
            table[key][reason] += 1
            if table[key][left] == 0:
                del table[key][left]


class DatasetWriter:
    """Writes one dataset into a (temporary) directory."""

    def __init__(self, root: Path, shards: int) -> None:
        self.root = root
        self.shards = shards
        (root / "data").mkdir()
        (root / "media").mkdir()
        (root / "subjects").mkdir()
        self._staging_dir = root / ".staging"
        self._staging_dir.mkdir()
        self._staging: dict[int, pq.ParquetWriter] = {}
        self._exclusions: list[pa.Table] = []

    def stage(self, shard_of_row: pa.Array, rows: pa.Table) -> None:
        """Append included rows (STAGING_SCHEMA) to their shards' staging files."""
        rows = rows.select(STAGING_SCHEMA.names).cast(STAGING_SCHEMA)
        if rows.num_rows == 0:
            return
        for shard in pc.unique(shard_of_row).to_pylist():
            part = rows.filter(pc.equal(shard_of_row, shard))
            writer = self._staging.get(shard)
            if writer is None:
                path = self._staging_dir / f"{shard_name(shard)}.parquet"
                writer = pq.ParquetWriter(path, STAGING_SCHEMA, compression="lz4")
                self._staging[shard] = writer
            writer.write_table(part)

    def exclude(
        self,
        post_ids: pa.Array,
        reasons: pa.Array,
        reserved_by: pa.Array | None = None,
        reserved_in: pa.Array | None = None,
    ) -> None:
        """Record excluded posts, their single reason and, if reserved, by what and where."""
        if len(post_ids):
            none = pa.nulls(len(post_ids), pa.string())
            self._exclusions.append(
                pa.table(
                    {
                        "post_id": post_ids,
                        "reason": reasons,
                        "reserved_by": none if reserved_by is None else reserved_by,
                        "reserved_in": none if reserved_in is None else reserved_in,
                    },
                    schema=EXCLUSIONS_SCHEMA,
                )
            )

    def reserved_counts(self) -> dict[str, dict[str, int]]:
        """Posts excluded as `reserved`, by signal and by where it was stated."""
        return reserved_counts(self._exclusions)

    def reexclude(self, post_ids: list[int], reason: str) -> None:
        """Give excluded posts another reason: one that comes before theirs in the order."""
        if post_ids:
            ids = pa.array(sorted(post_ids), pa.int64())
            self._exclusions = [
                t.filter(pc.invert(pc.is_in(t["post_id"], ids))) for t in self._exclusions
            ]
            self.exclude(ids, pa.array([reason] * len(ids), pa.string()))

    def finish(
        self,
        media_of_post: Mapping[int, list[MediaItem]],
        drop_posts: set[int],
        consent_authors: set[int],
    ) -> dict[str, Any]:
        """Sort and write every shard, the subject sets and the exclusions.

        `media_of_post` gives the output media paths of each included post;
        `drop_posts` are posts that became empty in minimisation (already moved
        to the exclusions by the caller); `consent_authors` are the authors whose
        region's legal basis is consent (the rest are in under legitimate
        interest), which tells `impact` which later event takes each one out.
        """
        shard_entries, everyone = self.write_shards(media_of_post, drop_posts)
        exclusions = (
            pa.concat_tables(self._exclusions)
            if self._exclusions
            else EXCLUSIONS_SCHEMA.empty_table()
        )
        exclusions = exclusions.sort_by("post_id")
        ex_path = self.root / "exclusions.parquet"
        pq.write_table(exclusions, ex_path, row_group_size=_ROW_GROUP * 8, **_PARQUET)
        consent = BitMap64(sorted(consent_authors)) & everyone
        consent_path = self.root / "subjects" / "consent.roaring"
        consent_path.write_bytes(consent.serialize())
        return {
            "shards": shard_entries,
            "exclusions": {
                "file": ex_path.name,
                "rows": exclusions.num_rows,
                "sha256": file_sha256(ex_path),
            },
            "consent_subjects": {
                "file": f"subjects/{consent_path.name}",
                "subjects": len(consent),
                "sha256": file_sha256(consent_path),
            },
        }

    def write_shards(
        self, media_of_post: Mapping[int, list[MediaItem]], drop_posts: set[int]
    ) -> tuple[list[dict[str, Any]], BitMap64]:
        """Write every staged shard and its subject set; their manifest entries and the
        union of their subjects."""
        for writer in self._staging.values():
            writer.close()
        shard_entries = []
        everyone = BitMap64()
        drop = pa.array(sorted(drop_posts), pa.int64())
        for shard in range(self.shards):
            staged = self._staging_dir / f"{shard_name(shard)}.parquet"
            table = pq.read_table(staged) if staged.exists() else STAGING_SCHEMA.empty_table()
            if len(drop):
                table = table.filter(pc.invert(pc.is_in(table["post_id"], drop)))
            data, subjects = encode_shard(table, media_of_post)
            (self.root / "data" / f"{shard_name(shard)}.parquet").write_bytes(data)
            (self.root / "subjects" / f"{shard_name(shard)}.roaring").write_bytes(
                subjects.serialize()
            )
            everyone |= subjects
            shard_entries.append(shard_entry(shard, table.num_rows, data, subjects))
            staged.unlink(missing_ok=True)
        self._staging_dir.rmdir()
        return shard_entries, everyone

    def remove(self, relative: str) -> None:
        """Delete a written file (an image of a post excluded late), wherever it was written."""
        (self.root / relative).unlink()

    def abort(self) -> None:
        for writer in self._staging.values():
            writer.close()


def encode_shard(
    table: pa.Table, media_of_post: Mapping[int, list[MediaItem]]
) -> tuple[bytes, BitMap64]:
    """One subject shard's Parquet file (its included rows in STAGING_SCHEMA, any order)
    and its subjects: rows by `post_id`, the same writer settings on every engine."""
    table = table.select(STAGING_SCHEMA.names).cast(STAGING_SCHEMA).sort_by("post_id")
    items = [media_of_post.get(pid, []) for pid in table["post_id"].to_pylist()]
    media = pa.array([[m.path for m in x] for x in items], pa.list_(pa.string()))
    orientation = pa.array([[m.orientation for m in x] for x in items], pa.list_(pa.int8()))
    out = pa.table(
        {
            "post_id": table["post_id"],
            "subject": table["subject"],
            "created_at": table["created_at"],
            "lang": table["lang"],
            "text": table["text"],
            "media": media,
            "media_orientation": orientation,
        },
        schema=SHARD_SCHEMA,
    )
    sink = pa.BufferOutputStream()
    pq.write_table(out, sink, row_group_size=_ROW_GROUP, **_PARQUET)
    return sink.getvalue().to_pybytes(), BitMap64(pc.unique(table["author_id"]).to_pylist())


def shard_entry(shard: int, rows: int, data: bytes, subjects: BitMap64) -> dict[str, Any]:
    """A shard's manifest entry, from its file's bytes and its subject set."""
    name = shard_name(shard)
    return {
        "shard": shard,
        "file": f"data/{name}.parquet",
        "rows": rows,
        "sha256": hashlib.sha256(data).hexdigest(),
        "subjects": len(subjects),
        "subjects_file": f"subjects/{name}.roaring",
        "subjects_sha256": hashlib.sha256(subjects.serialize()).hexdigest(),
    }


def finish_dataset(
    writer: DatasetWriter,
    tally: Tally,
    *,
    image_only: Mapping[int, str],
    shares: Mapping[int, Share],
    media: MediaOutcome,
    region_of: Mapping[str, str],
    consent_authors: set[int],
    redactions: Mapping[str, int],
) -> dict[str, Any]:
    """Exclude image-only posts that lost every image, and the shares of them (SPEC §5:
    a share is in only if what it points to is), write the files, and return the
    manifest body (counts, redactions, media, warnings, files): the same for every engine.
    """
    media_of_post = media.media_of_post
    lost = {pid for pid in image_only if pid not in media_of_post}
    shared = _shares_of(lost, shares)
    empty = sorted(lost - shared)
    for pid in empty:
        country = image_only[pid]
        tally.move(None, "empty_after_minimisation", region_of[country], country)
    signals = [
        ",".join(sorted({sig for _, sig in media.dropped_of_post.get(pid, ()) if sig})) or None
        for pid in empty
    ]
    writer.exclude(
        pa.array(empty, pa.int64()),
        pa.array(["empty_after_minimisation"] * len(empty), pa.string()),
        pa.array(signals, pa.string()),
        pa.array(["image" if sig else None for sig in signals], pa.string()),
    )
    for pid in shared:
        share = shares[pid]
        was = None if share.included else "empty_after_minimisation"
        tally.move(was, "shares_excluded", region_of[share.country], share.country)
    writer.reexclude(sorted(shared), "shares_excluded")
    for pid in shared:
        for item in media_of_post.pop(pid, []):
            writer.remove(item.path)
    dropped: dict[int, Counter[str]] = defaultdict(Counter)
    reserved_by: dict[int, Counter[str]] = defaultdict(Counter)
    for pid, causes in media.dropped_of_post.items():
        if pid not in shared:
            shard = media.shard_of_post[pid]
            dropped[shard].update(c for c, _ in causes)
            reserved_by[shard].update(s for _, s in causes if s is not None)
    drop = lost | shared
    files = writer.finish(media_of_post, drop, consent_authors)
    for entry in files["shards"]:
        entry["media_dropped"] = dict(sorted(dropped[entry["shard"]].items()))
        entry["media_reserved_by"] = dict(sorted(reserved_by[entry["shard"]].items()))
    return {
        "counts": {
            **tally.counts(),
            "media_dropped": media_dropped_counts(files["shards"]),
            "reserved_by": writer.reserved_counts(),
        },
        "redactions": dict(sorted(redactions.items())),
        "media": {
            "included": sum(len(v) for v in media_of_post.values()),
            "reserved_by": media_reserved_counts(files["shards"]),
        },
        "warnings": dict(media.warnings),
        **files,
    }


#: The manifest keys that identify a dataset: equal inputs give an equal id.
IDENTITY_KEYS = (
    "cutoff",
    "policy_sha256",
    "ledger",
    "inputs",
    "subject_key_id",
    "trainright_version",
)


def assemble_manifest(
    *,
    engine: str,
    cutoff: str,
    policy_sha256: str,
    ledger_seq: int,
    ledger_hash: str,
    inputs: Mapping[str, str | None],
    subject_key_id: str,
    body: Mapping[str, Any],
    warnings: Mapping[str, int],
) -> dict[str, Any]:
    """The manifest of SPEC §7 from a build's inputs and its written files (`body`)."""
    from trainright import __version__

    manifest: dict[str, Any] = {
        "trainright_version": __version__,
        "engine": engine,
        "cutoff": cutoff,
        "policy_sha256": policy_sha256,
        "ledger": {"seq": ledger_seq, "hash": ledger_hash},
        "inputs": dict(inputs),
        "subject_key_id": subject_key_id,
        **body,
        "warnings": dict(sorted((dict(warnings) | dict(body["warnings"])).items())),
    }
    identity = json.dumps({k: manifest[k] for k in IDENTITY_KEYS}, sort_keys=True)
    manifest["dataset_id"] = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return manifest


def write_manifest(root: Path, manifest: Mapping[str, Any]) -> str:
    """Write manifest.json canonically (sorted keys, fixed layout); returns its sha256."""
    data = (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()
    (root / "manifest.json").write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def read_manifest(root: Path) -> dict[str, Any]:
    """Read a dataset's manifest."""
    result: dict[str, Any] = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return result
