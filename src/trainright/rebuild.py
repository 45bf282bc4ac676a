"""`trainright rebuild`: a new version of a dataset with only some shards rebuilt (SPEC §8).

SISA-style unlearning: the shards the unlearning queue names are built again from
the same snapshot at the same content cutoff T, under every rights event committed
up to now whatever its `at` (an event after T counts as if at T, in its own order);
every other shard, its subject set and its images are hard-linked from the parent
(copied across file systems), so they stay byte-identical. The rebuilt shards are
exactly those of a fresh build under the same events: they are taken from one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import SecretStr
from pyroaring import BitMap64

from trainright.atomic import atomic_directory, check_new_output
from trainright.dataset import (
    IDENTITY_KEYS,
    media_dropped_counts,
    media_reserved_counts,
    read_manifest,
    reserved_counts,
    write_manifest,
)
from trainright.digest import file_sha256
from trainright.errors import InputError
from trainright.ledger import Head, Ledger
from trainright.ledger.events import iso
from trainright.lineage import Task, register_dataset
from trainright.lineage.links import links_of_snapshot
from trainright.pipeline import BuildResult, build, parse_cutoff
from trainright.policy import Policy, load_policy
from trainright.settings import resolve_secret
from trainright.snapshot import locate

_END_OF_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def parse_shards(value: str, shards: int) -> list[int]:
    """`3,17` -> [3, 17], each a shard of the dataset."""
    try:
        out = sorted({int(v) for v in value.split(",") if v.strip()})
    except ValueError:
        raise InputError(
            "shards are numbers separated by commas, e.g. 3,17", field="--shards", value=value
        ) from None
    bad = [s for s in out if not 0 <= s < shards]
    if not out or bad:
        raise InputError(f"the dataset has shards 0..{shards - 1}", field="--shards", value=value)
    return out


def shards_from_impact(ledger: Ledger, dataset_id: str, model: str) -> list[int]:
    """The shards of this dataset that the unlearning queue has open for a model
    (its name, any version)."""
    from trainright.lineage import compute_impact

    found = {
        t.shard
        for t in compute_impact(ledger).tasks
        if t.dataset_id == dataset_id and t.model is not None and t.model[0] == model
    }
    if not found:
        raise InputError(
            f"no open unlearning task for model {model!r} on dataset {dataset_id[:12]}",
            field="--from-impact",
            value=model,
            hint="run `trainright impact` to see the queue",
        )
    return sorted(found)


def all_committed(ledger: Ledger, cutoff: datetime) -> tuple[Head, pa.Table]:
    """Every committed event, those after the cutoff moved to it; `ord` keeps the
    (at, seq) order they were given, so the latest still wins."""
    head, events = ledger.export_until(_END_OF_TIME)
    limit = pa.scalar(cutoff.astimezone(UTC).replace(tzinfo=None), pa.timestamp("us"))
    at = pc.min_element_wise(events["at"], limit)
    return head, events.set_column(events.schema.get_field_index("at"), "at", at)


def _check_same_inputs(parent: dict[str, Any], snapshot: Path, pol: Policy) -> None:
    if pol.sha256 != parent["policy_sha256"]:
        raise InputError(
            "this is not the policy the dataset was built with",
            field="--policy",
            value=pol.sha256,
            hint=f"pass the policy whose sha256 is {parent['policy_sha256']}",
        )
    if locate(snapshot).input_hashes() != parent["inputs"]:
        raise InputError(
            "this is not the snapshot the dataset was built with (its files' sha256 differ)",
            field="--snapshot",
            value=str(snapshot),
            hint="a rebuild reads the same snapshot; build a new dataset for a new one",
        )


def _place(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def rebuild(
    dataset: str | Path,
    out: str | Path,
    *,
    snapshot: str | Path,
    policy: Policy | str | Path,
    shards: Sequence[int] | str | None = None,
    from_impact: str | None = None,
    ledger: Ledger | str | None = None,
    secret: str | SecretStr | None = None,
    workers: int | None = None,
) -> BuildResult:
    """Write a new version of `dataset` at `out` with the named shards (or the ones
    the queue has open for model `from_impact`) rebuilt, and enter it in the catalog.
    `shards` is a list or a string like "3,17"."""
    root, out_path = Path(dataset), Path(out)
    check_new_output(out_path)
    if not (root / "manifest.json").is_file():
        raise InputError("not a trainright dataset (no manifest.json)", file=str(root))
    parent = read_manifest(root)
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    _check_same_inputs(parent, Path(snapshot), pol)
    led = ledger if isinstance(ledger, Ledger) else Ledger(ledger)
    if (shards is None) == (from_impact is None):
        raise InputError("give --shards or --from-impact, not both", field="--shards")
    if shards is None:
        chosen = shards_from_impact(led, parent["dataset_id"], str(from_impact))
    else:
        listed = shards if isinstance(shards, str) else ",".join(map(str, shards))
        chosen = parse_shards(listed, len(parent["shards"]))
    key = secret if isinstance(secret, SecretStr) else resolve_secret(secret)
    cut = parse_cutoff(parent["cutoff"])
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=f".{out_path.name}.") as scratch:
        fresh_dir = Path(scratch) / "fresh"
        fresh = build(
            snapshot,
            pol,
            cut,
            fresh_dir,
            ledger=led,
            secret=key,
            workers=workers,
            rights=all_committed,
            register=False,
        )
        with atomic_directory(out_path) as tmp:
            manifest = _assemble(
                root, parent, fresh_dir, fresh.manifest, chosen, tmp, Path(snapshot), pol
            )
            manifest_sha = write_manifest(tmp, manifest)
    register_dataset(
        led,
        out_path,
        manifest,
        manifest_sha,
        pol.purpose,
        links_of_snapshot(snapshot, out_path, manifest),
    )
    return BuildResult(out_path, manifest["dataset_id"], manifest)


def _recount_moved(
    manifest: dict[str, Any], moved: dict[int, tuple[str, str]], snapshot: Path, pol: Policy
) -> None:
    """Move the posts that left or joined the rebuilt shards between their counts
    by region and by country, and take their redactions out of (or into) the tally
    (the snapshot says whose, from where, and with what text)."""
    from trainright.minimise.text import Redactor
    from trainright.rules import DuckDBRunner
    from trainright.snapshot import load_into_duckdb

    if not moved:
        return
    runner = DuckDBRunner()
    try:
        load_into_duckdb(runner.conn, locate(snapshot), only=("accounts", "posts"))
        names = runner.display_names()
        ids = pa.table({"post_id": pa.array(sorted(moved), pa.int64())})
        runner.conn.register("moved", ids)
        rows = runner.conn.execute(
            "SELECT m.post_id, a.country, p.text FROM moved AS m JOIN posts AS p USING (post_id) "
            "LEFT JOIN accounts AS a ON a.account_id = p.author_id ORDER BY m.post_id"
        ).fetchall()
    finally:
        runner.close()
    counts = manifest["counts"]
    tables = {k: {g: dict(v) for g, v in counts[k].items()} for k in ("by_region", "by_country")}
    texts: dict[tuple[tuple[str, ...], bool], list[str | None]] = {}
    for post_id, country, text in rows:
        was, now = moved[post_id]
        where = {
            "by_region": pol.rules_for(country).region if country else "unknown",
            "by_country": country or "unknown",
        }
        for name, key in where.items():
            cell = tables[name].setdefault(key, {})
            cell[was] = cell.get(was, 0) - 1
            cell[now] = cell.get(now, 0) + 1
            tables[name][key] = {k: v for k, v in sorted(cell.items()) if v}
        if country:
            texts.setdefault((tuple(pol.rules_for(country).redact), now == "included"), []).append(
                text
            )
    counts.update({k: dict(sorted(v.items())) for k, v in tables.items()})
    tally = Counter(manifest["redactions"])
    for (categories, joined), batch in texts.items():
        _, found = Redactor(categories, names).redact_array(pa.array(batch, pa.string()))
        if joined:
            tally.update(found)
        else:
            tally.subtract(found)
    manifest["redactions"] = {k: v for k, v in sorted(tally.items()) if v}


def _media_of(shard_file: Path) -> list[str]:
    column = pq.read_table(shard_file, columns=["media"])["media"]
    return [m for m in pc.list_flatten(column).to_pylist() if m]


def _assemble(
    root: Path,
    parent: dict[str, Any],
    fresh_dir: Path,
    fresh: dict[str, Any],
    chosen: list[int],
    tmp: Path,
    snapshot: Path,
    pol: Policy,
) -> dict[str, Any]:
    """Lay the new version out in `tmp`; return its manifest."""
    fresh_of = {e["shard"]: e for e in fresh["shards"]}
    entries, everyone_fresh, everyone_kept = [], BitMap64(), BitMap64()
    old_rows, new_rows = set(), set()
    media_included = 0
    for entry in parent["shards"]:
        rebuilt = entry["shard"] in chosen
        src, e = (fresh_dir, fresh_of[entry["shard"]]) if rebuilt else (root, entry)
        for name in (e["file"], e["subjects_file"]):
            _place(src / name, tmp / name)
        media = _media_of(src / e["file"])
        media_included += len(media)
        for path in media:
            _place(src / path, tmp / path)
        members = BitMap64.deserialize((src / e["subjects_file"]).read_bytes())
        if rebuilt:
            everyone_fresh |= members
            old_rows |= set(
                pq.read_table(root / entry["file"], columns=["post_id"])["post_id"].to_pylist()
            )
            new_rows |= set(
                pq.read_table(src / e["file"], columns=["post_id"])["post_id"].to_pylist()
            )
        else:
            everyone_kept |= members
        entries.append(e)
    (tmp / "media").mkdir(exist_ok=True)
    consent = (
        BitMap64.deserialize((root / parent["consent_subjects"]["file"]).read_bytes())
        & everyone_kept
    ) | (
        BitMap64.deserialize((fresh_dir / fresh["consent_subjects"]["file"]).read_bytes())
        & everyone_fresh
    )
    consent_file = tmp / parent["consent_subjects"]["file"]
    consent_file.write_bytes(consent.serialize())
    left, joined = old_rows - new_rows, new_rows - old_rows
    exclusions = old_ex = pq.read_table(root / parent["exclusions"]["file"])
    fresh_ex = pq.read_table(fresh_dir / fresh["exclusions"]["file"])
    moved = pa.array(sorted(left | joined), pa.int64())
    exclusions = pa.concat_tables(
        [
            exclusions.filter(pc.invert(pc.is_in(exclusions["post_id"], moved))),
            fresh_ex.filter(pc.is_in(fresh_ex["post_id"], pa.array(sorted(left), pa.int64()))),
        ]
    ).sort_by("post_id")
    ex_file = tmp / parent["exclusions"]["file"]
    pq.write_table(exclusions, ex_file, compression="zstd")
    reasons = Counter(exclusions["reason"].to_pylist())
    reason_of = dict(
        zip(exclusions["post_id"].to_pylist(), exclusions["reason"].to_pylist(), strict=True)
    )
    was_of = dict(zip(old_ex["post_id"].to_pylist(), old_ex["reason"].to_pylist(), strict=True))
    moved_posts = {p: ("included", reason_of[p]) for p in left} | {
        p: (was_of[p], "included") for p in joined
    }
    included = sum(int(e["rows"]) for e in entries)
    counts = dict(parent["counts"])
    counts.update(
        included=included,
        excluded=exclusions.num_rows,
        excluded_by_reason={r: reasons.get(r, 0) for r in parent["counts"]["excluded_by_reason"]},
        reserved_by=reserved_counts([exclusions]),
    )
    images = {**parent["media"], "included": media_included}
    if all("media_dropped" in e for e in entries):  # else built before shards counted them
        counts["media_dropped"] = media_dropped_counts(entries)
        images["reserved_by"] = media_reserved_counts(entries)
    manifest = dict(parent)
    manifest.update(
        shards=entries,
        counts=counts,
        media=images,
        ledger=fresh["ledger"],
        exclusions={
            "file": ex_file.name,
            "rows": exclusions.num_rows,
            "sha256": file_sha256(ex_file),
        },
        consent_subjects={
            "file": parent["consent_subjects"]["file"],
            "subjects": len(consent),
            "sha256": file_sha256(consent_file),
        },
        rebuild={
            "parent": parent["dataset_id"],
            "content_cutoff": parent["cutoff"],
            "rights_as_of": iso(datetime.now(UTC)),
            "ledger": fresh["ledger"],
            "shards": chosen,
            "rows_removed": len(left),
            "rows_added": len(joined),
        },
    )
    manifest.pop("dataset_id")
    _recount_moved(manifest, moved_posts, snapshot, pol)
    identity = {k: manifest[k] for k in IDENTITY_KEYS} | {
        "rebuild": {k: v for k, v in manifest["rebuild"].items() if k != "rights_as_of"},
        "shards": [e["sha256"] for e in entries],
    }
    manifest["dataset_id"] = hashlib.sha256(
        json.dumps(identity, sort_keys=True).encode()
    ).hexdigest()[:32]
    return manifest


def close_retrained(ledger: Ledger, name: str, version: str, datasets: Sequence[str]) -> list[Task]:
    """A model registered on rebuilt datasets closes the open tasks of the same model
    (any other version) on each parent's rebuilt shards, up to the rebuild's ledger seq."""
    from trainright.lineage import compute_impact, mark_done
    from trainright.lineage.catalog import datasets as catalog

    with ledger.read() as conn:
        paths = {d.dataset_id: d.paths for d in catalog(conn)}
    covered: dict[str, tuple[set[int], int, str]] = {}
    for dataset_id in datasets:
        for path in paths.get(dataset_id, ()):
            manifest_file = Path(path) / "manifest.json"
            if manifest_file.is_file():
                step = read_manifest(Path(path)).get("rebuild")
                if step:
                    covered[step["parent"]] = (
                        set(step["shards"]),
                        step["ledger"]["seq"],
                        dataset_id,
                    )
                break
    closed = []
    for task in compute_impact(ledger).tasks:
        hit = covered.get(task.dataset_id)
        if hit is None or task.model is None or task.model[0] != name:
            continue
        shards, seq, rebuilt = hit
        if task.model[1] != version and task.shard in shards and task.covers_seq <= seq:
            label = f"{name} {version}".strip()
            closed.append(
                mark_done(ledger, task.task_id, f"retrained as {label} on dataset {rebuilt[:12]}")
            )
    return closed
