"""The catalog in the ledger database: datasets built, their shard subject sets, models.

Registering a dataset gives every account in it a dense 32-bit subject index (once,
platform-wide) and stores each shard's subjects as a 32-bit roaring bitmap of those
indexes, so the catalog alone answers "who is in which shard".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap, BitMap64
from sqlalchemy import Connection, delete, func, insert, select

from trainright.dataset import read_manifest
from trainright.errors import InputError
from trainright.ledger import Ledger, schema
from trainright.lineage.links import Links

_CHUNK = 20_000


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset as the catalog knows it."""

    dataset_id: str
    paths: tuple[str, ...]
    cutoff: datetime
    purpose: str
    ledger_seq: int
    shards: int
    included: int


@dataclass(frozen=True)
class ModelEntry:
    """A model and the datasets it was trained on."""

    name: str
    version: str
    run_url: str | None
    registered_at: datetime
    datasets: tuple[str, ...]


def sorted_member(sorted_values: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(found mask, position) of each value in a sorted array."""
    if len(sorted_values) == 0:
        return np.zeros(len(values), dtype=bool), np.zeros(len(values), dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values, pos


def subject_indexes(conn: Connection, account_ids: np.ndarray) -> np.ndarray:
    """Dense indexes for these accounts, assigning new ones in order (inside a write)."""
    t = schema.subjects
    rows = conn.execute(select(t.c.account_id, t.c.idx).order_by(t.c.account_id)).all()
    known_ids = np.array([r[0] for r in rows], dtype=np.int64)
    known_idx = np.array([r[1] for r in rows], dtype=np.int64)
    ids = np.asarray(account_ids, dtype=np.int64)
    found, pos = sorted_member(known_ids, ids)
    missing = np.unique(ids[~found])
    if len(missing):
        start = int(known_idx.max()) + 1 if len(known_idx) else 0
        new_idx = np.arange(start, start + len(missing), dtype=np.int64)
        rows_new = [
            {"account_id": int(a), "idx": int(i)} for a, i in zip(missing, new_idx, strict=True)
        ]
        for i in range(0, len(rows_new), _CHUNK):
            conn.execute(insert(t), rows_new[i : i + _CHUNK])
        order = np.argsort(np.concatenate([known_ids, missing]), kind="stable")
        known_ids = np.concatenate([known_ids, missing])[order]
        known_idx = np.concatenate([known_idx, new_idx])[order]
        found, pos = sorted_member(known_ids, ids)
    return np.asarray(known_idx[pos], dtype=np.uint32)


def register_dataset(
    ledger: Ledger,
    path: Path,
    manifest: Mapping[str, Any],
    manifest_sha256: str,
    purpose: str = "ai-training",
    links: Links | None = None,
) -> None:
    """Enter a finished dataset, its shard subject sets and its snapshot's links
    (`trainright.lineage.links`); idempotent per id and path."""
    shard_sets = {
        s["shard"]: BitMap64.deserialize((path / s["subjects_file"]).read_bytes())
        for s in manifest["shards"]
    }
    consent = BitMap64.deserialize((path / manifest["consent_subjects"]["file"]).read_bytes())
    store_dataset(ledger, path, manifest, manifest_sha256, shard_sets, consent, purpose, links)


def store_dataset(
    ledger: Ledger,
    path: Path,
    manifest: Mapping[str, Any],
    manifest_sha256: str,
    shard_sets: Mapping[int, Iterable[int]],
    consent: Iterable[int] = (),
    purpose: str = "ai-training",
    links: Links | None = None,
) -> None:
    """Write a dataset's catalog rows from its manifest and per-shard account ids.

    `consent` holds the accounts included under consent; the rest are in under
    legitimate interest. It decides which later event takes each one out. `links`
    (persons, and the authors reshares carry) widen who an event reaches.
    """
    dataset_id = manifest["dataset_id"]
    counts = manifest["counts"]
    rows_of = {s["shard"]: s["rows"] for s in manifest["shards"]}
    row = {
        "dataset_id": dataset_id,
        "path": str(path.resolve()),
        "cutoff": datetime.fromisoformat(manifest["cutoff"].replace("Z", "+00:00")),
        "policy_sha256": manifest["policy_sha256"],
        "ledger_seq": manifest["ledger"]["seq"],
        "ledger_hash": manifest["ledger"]["hash"],
        "manifest_sha256": manifest_sha256,
        "shards": len(manifest["shards"]),
        "included": counts["included"],
        "excluded": counts["excluded"],
        "registered_at": datetime.now(UTC),
        "purpose": purpose,
    }
    d, sh = schema.datasets, schema.dataset_shards
    with ledger.write() as conn:
        conn.execute(delete(d).where(d.c.dataset_id == dataset_id, d.c.path == row["path"]))
        conn.execute(insert(d).values(**row))
        if conn.execute(select(func.count()).where(sh.c.dataset_id == dataset_id)).scalar_one():
            return  # same content registered before (at another path): shard sets are known
        consent_ids = np.sort(np.fromiter(consent, dtype=np.int64))
        parts = {
            shard: np.fromiter(ids, dtype=np.int64) for shard, ids in sorted(shard_sets.items())
        }
        everyone = np.concatenate(list(parts.values())) if parts else np.zeros(0, np.int64)
        dense_all = subject_indexes(conn, everyone)
        at = 0
        for shard, accounts in parts.items():
            dense = dense_all[at : at + len(accounts)]
            at += len(accounts)
            bitmap = BitMap(dense.tolist())
            consent_bitmap = BitMap(dense[sorted_member(consent_ids, accounts)[0]].tolist())
            conn.execute(
                insert(sh).values(
                    dataset_id=dataset_id,
                    shard=shard,
                    rows=rows_of.get(shard, 0),
                    subjects=len(bitmap),
                    bitmap=bitmap.serialize(),
                    consent_bitmap=consent_bitmap.serialize(),
                )
            )
        if links is not None:
            _store_links(conn, dataset_id, links)


def _store_links(conn: Connection, dataset_id: str, links: Links) -> None:
    """The dataset's persons links, and its shards' carried authors as bitmaps."""
    rows = [
        {"dataset_id": dataset_id, "account_id": int(a), "person_id": int(p)}
        for a, p in zip(links.accounts, links.persons, strict=True)
    ]
    for i in range(0, len(rows), _CHUNK):
        conn.execute(insert(schema.dataset_persons), rows[i : i + _CHUNK])
    for shard, authors in sorted(links.carried.items()):
        dense = subject_indexes(conn, authors)
        conn.execute(
            insert(schema.dataset_carried).values(
                dataset_id=dataset_id, shard=shard, bitmap=BitMap(dense.tolist()).serialize()
            )
        )


def datasets(conn: Connection) -> list[DatasetEntry]:
    """Every dataset in the catalog, oldest cutoff first."""
    d = schema.datasets
    by_id: dict[str, list[Any]] = {}
    for r in conn.execute(select(d).order_by(d.c.cutoff, d.c.dataset_id, d.c.path)):
        by_id.setdefault(r.dataset_id, []).append(r)
    return [
        DatasetEntry(
            dataset_id=i,
            paths=tuple(r.path for r in rs),
            cutoff=rs[0].cutoff,
            purpose=rs[0].purpose,
            ledger_seq=int(rs[0].ledger_seq),
            shards=int(rs[0].shards),
            included=int(rs[0].included),
        )
        for i, rs in by_id.items()
    ]


def find_dataset(conn: Connection, path_or_id: str) -> str:
    """A dataset id from its directory (read its manifest) or the id itself."""
    p = Path(path_or_id)
    if (p / "manifest.json").is_file():
        dataset_id = str(read_manifest(p)["dataset_id"])
    else:
        dataset_id = path_or_id
    d = schema.datasets
    if conn.execute(select(d.c.dataset_id).where(d.c.dataset_id == dataset_id)).first() is None:
        raise InputError(
            "not a dataset in the catalog",
            field="--dataset",
            value=path_or_id,
            hint="pass a directory written by `trainright build` with this ledger, or a dataset id",
        )
    return dataset_id


def register_model(
    ledger: Ledger,
    name: str,
    datasets_: Sequence[str],
    *,
    version: str = "",
    run_url: str | None = None,
) -> ModelEntry:
    """Record that a model was trained on these datasets (directories or ids)."""
    if not name.strip():
        raise InputError("a model needs a name", field="NAME", value=name)
    if not datasets_:
        raise InputError("name at least one dataset the model was trained on", field="--dataset")
    m, md = schema.models, schema.model_datasets
    with ledger.write() as conn:
        ids = tuple(dict.fromkeys(find_dataset(conn, x) for x in datasets_))
        if conn.execute(select(m.c.name).where(m.c.name == name, m.c.version == version)).first():
            raise InputError(
                f"model {name!r} version {version!r} is already registered",
                field="NAME",
                value=name,
                hint="register the new training run with --version",
            )
        now = datetime.now(UTC)
        conn.execute(
            insert(m).values(name=name, version=version, run_url=run_url, registered_at=now)
        )
        conn.execute(insert(md), [{"name": name, "version": version, "dataset_id": i} for i in ids])
    return ModelEntry(name, version, run_url, now, ids)


def models(conn: Connection) -> list[ModelEntry]:
    """Every registered model with its datasets."""
    m, md = schema.models, schema.model_datasets
    used: dict[tuple[str, str], list[str]] = {}
    for r in conn.execute(select(md).order_by(md.c.name, md.c.version, md.c.dataset_id)):
        used.setdefault((r.name, r.version), []).append(r.dataset_id)
    return [
        ModelEntry(
            r.name, r.version, r.run_url, r.registered_at, tuple(used.get((r.name, r.version), []))
        )
        for r in conn.execute(select(m).order_by(m.c.registered_at, m.c.name, m.c.version))
    ]
