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
EXCLUSIONS_SCHEMA = pa.schema([("post_id", pa.int64()), ("reason", pa.string())])
_PARQUET = {"compression": "zstd", "compression_level": 3, "write_statistics": True}
_ROW_GROUP = 128 * 1024


class MediaItem(NamedTuple):
    """An image in the dataset: its path and the EXIF orientation to apply (1 = as stored)."""

    path: str
    orientation: int


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
            reason, n = row["reason"], int(row["count_all"])
            key = reason or "included"
            country = row["country"] or "unknown"
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

    def move_to_excluded(self, reason: str, region: str, country: str, n: int = 1) -> None:
        """Posts that lost everything in minimisation leave the included count."""
        self.included -= n
        self.excluded[reason] += n
        for table, key in ((self.by_region, region), (self.by_country, country)):
            table[key]["included"] -= n
            table[key][reason] += n
            if table[key]["included"] == 0:
                del table[key]["included"]


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

    def exclude(self, post_ids: pa.Array, reasons: pa.Array) -> None:
        """Record excluded posts and their single reason."""
        if len(post_ids):
            self._exclusions.append(
                pa.table({"post_id": post_ids, "reason": reasons}, schema=EXCLUSIONS_SCHEMA)
            )

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
            table = table.sort_by("post_id")
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
            path = self.root / "data" / f"{shard_name(shard)}.parquet"
            pq.write_table(out, path, row_group_size=_ROW_GROUP, **_PARQUET)
            subjects = BitMap64(pc.unique(table["author_id"]).to_pylist())
            everyone |= subjects
            sub_path = self.root / "subjects" / f"{shard_name(shard)}.roaring"
            sub_path.write_bytes(subjects.serialize())
            shard_entries.append(
                {
                    "shard": shard,
                    "file": f"data/{path.name}",
                    "rows": out.num_rows,
                    "sha256": file_sha256(path),
                    "subjects": len(subjects),
                    "subjects_file": f"subjects/{sub_path.name}",
                    "subjects_sha256": file_sha256(sub_path),
                }
            )
            staged.unlink(missing_ok=True)
        self._staging_dir.rmdir()
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

    def abort(self) -> None:
        for writer in self._staging.values():
            writer.close()


def finish_dataset(
    writer: DatasetWriter,
    tally: Tally,
    *,
    image_only: Mapping[int, str],
    media_of_post: Mapping[int, list[MediaItem]],
    region_of: Mapping[str, str],
    consent_authors: set[int],
    redactions: Mapping[str, int],
    media_warnings: Mapping[str, int],
) -> dict[str, Any]:
    """Exclude image-only posts that lost every image, write the files, and return the
    manifest body (counts, redactions, media, warnings, files): the same for every engine.
    """
    drop = {pid for pid in image_only if pid not in media_of_post}
    for pid in drop:
        country = image_only[pid]
        tally.move_to_excluded("empty_after_minimisation", region_of[country], country)
    if drop:
        ids = sorted(drop)
        writer.exclude(
            pa.array(ids, pa.int64()),
            pa.array(["empty_after_minimisation"] * len(ids), pa.string()),
        )
    files = writer.finish(media_of_post, drop, consent_authors)
    return {
        "counts": tally.counts(),
        "redactions": dict(sorted(redactions.items())),
        "media": {"included": sum(len(v) for v in media_of_post.values())},
        "warnings": dict(media_warnings),
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
