"""`trainright synth`: a realistic synthetic platform snapshot (SPEC §2) with ground truth.

It writes the four snapshot tables, JPEGs with metadata to scrub, a rights-event
file around the cutoff, people without an account who registered (`non_users.jsonl`
to import, `non_users.parquet` the ground truth), `planted.parquet`: every piece of personal data
planted in post text, and every look-alike that must survive redaction, and
`copies.parquet`: every post that copies another's text, with the reason the
default policy is expected to give it. Same arguments, same bytes; ten million
posts are streamed, never held in memory.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from trainright.errors import InputError
from trainright.synth import _copies, _events, _images, _nonusers
from trainright.synth._accounts import FIRST_ACCOUNT_ID, generate
from trainright.synth._parquet import SCHEMAS, table, writer
from trainright.synth._posts import CHUNK, PostMaker

__all__ = ["DEFAULT_CUTOFF", "SynthSummary", "synthesize"]

#: The cutoff the synthetic events are arranged around.
DEFAULT_CUTOFF = datetime(2026, 6, 26, tzinfo=UTC)


@dataclass(frozen=True)
class SynthSummary:
    """What `synthesize` wrote."""

    out: Path
    accounts: int
    posts: int
    media: int
    tags: int
    events: int
    images: int  # distinct image files written
    planted: int  # planted personal-data items
    decoys: int
    copies: int  # posts copying another post's text (`copies.parquet`)


def _check(
    out: Path, accounts: int, posts: int, objectors: int, images: int, cutoff: datetime
) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            "the output directory already exists and is not empty",
            file=str(out),
            hint="give a new directory; synth never overwrites a snapshot",
        )
    for name, value, low in (
        ("accounts", accounts, 1),
        ("posts", posts, 0),
        ("objectors", objectors, 0),
        ("images", images, 0),
    ):
        if value < low:
            raise InputError(f"must be at least {low}, got {value}", field=name, value=value)
    if objectors > accounts:
        raise InputError(
            f"cannot exceed the number of accounts ({accounts})",
            field="objectors",
            value=objectors,
        )
    if cutoff.tzinfo is None:
        raise InputError("the cutoff must carry a time zone (UTC)", field="cutoff", value=cutoff)


def synthesize(
    out: Path,
    *,
    accounts: int = 2000,
    posts: int = 20000,
    seed: int = 0,
    cutoff: datetime = DEFAULT_CUTOFF,
    objectors: int | None = None,
    images: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SynthSummary:
    """Write a synthetic snapshot to `out` (new or empty), atomically."""
    out = Path(out)
    n_objectors = round(accounts * 0.1) if objectors is None else objectors
    n_images = min(posts // 4, 500) if images is None else images
    _check(out, accounts, posts, n_objectors, n_images, cutoff)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        summary = _write(tmp, accounts, posts, seed, cutoff, n_objectors, n_images, progress)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SynthSummary(out, *summary)


def _persons(ids: np.ndarray, rng: np.random.Generator) -> pa.Table:
    """About one account in twenty linked to another as one person's (Accounts Center)."""
    pairs = len(ids) // 40
    rows = rng.choice(len(ids), size=2 * pairs, replace=False)
    linked = np.asarray(ids)[np.sort(rows)]
    rng.shuffle(linked)
    person = 1 + np.repeat(np.arange(pairs, dtype=np.int64), 2)
    order = np.argsort(linked)
    return table("persons", {"account_id": linked[order], "person_id": person[order]})


def _write(
    tmp: Path,
    n_accounts: int,
    n_posts: int,
    seed: int,
    cutoff: datetime,
    n_objectors: int,
    n_images: int,
    progress: Callable[[int], None] | None,
) -> tuple[int, int, int, int, int, int, int, int, int]:
    acc = generate(n_accounts, cutoff, np.random.default_rng([seed, 1]))
    with writer(tmp, "accounts") as w:
        w.write_table(table("accounts", acc.columns()), row_group_size=CHUNK)
    persons = _persons(acc.ids, np.random.default_rng([seed, 6]))
    with writer(tmp, "persons") as w:
        w.write_table(persons)
    rng = np.random.default_rng([seed, 3])
    objector_rows = np.sort(rng.choice(acc.n, size=n_objectors, replace=False))
    first_unknown = FIRST_ACCOUNT_ID + n_accounts + 1000
    dangling = first_unknown + 7 * np.arange(max(3, n_accounts // 20_000), dtype=np.int64)
    events = _events.build(acc, objector_rows, dangling, cutoff, rng)
    linked = persons.column("account_id").to_numpy()
    outcomes = _copies.certain(acc, events, linked, cutoff)
    maker = PostMaker(acc, cutoff, seed, n_images, objector_rows, dangling, outcomes)
    media = tags = real = decoys = copies = 0
    names = ("posts", "media", "tags", "planted", "copies")
    writers = {name: writer(tmp, name) for name in names}
    first_planted = SCHEMAS["planted"].empty_table()
    try:
        for index, start in enumerate(range(0, n_posts, CHUNK)):
            n = min(CHUNK, n_posts - start)
            chunk = maker.chunk(index, n, media)
            if index == 0:
                first_planted = chunk.planted
            for name in names:
                writers[name].write_table(getattr(chunk, name))
            media += chunk.media.num_rows
            tags += chunk.tags.num_rows
            real += chunk.planted_real
            decoys += chunk.planted_decoys
            copies += chunk.copies.num_rows
            if progress:
                progress(n)
    finally:
        for w in writers.values():
            w.close()
    n_events = _events.write(tmp / "events.jsonl", events)
    truth = _images.write(tmp / "media", n_images, seed)
    with writer(tmp, "image_reservations") as w:
        w.write_table(pa.Table.from_pylist(truth, SCHEMAS["image_reservations"]))
    _nonusers.write(tmp, first_planted, n_images, seed, cutoff)
    return n_accounts, n_posts, media, tags, n_events, n_images, real, decoys, copies
