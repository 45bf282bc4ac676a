"""Shared by the rules tests: write a snapshot, fill a ledger, build, read the dataset."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image
from pydantic import SecretStr

from pictures import picture
from reference import Event, Media, Platform
from trainright.ledger import Ledger, NewEvent
from trainright.ledger.events import EventType
from trainright.nonusers.events import registration, withdrawal
from trainright.nonusers.identifiers import Hasher, hash_clear
from trainright.pipeline import build
from trainright.policy import Policy, parse_policy
from trainright.rules import DuckDBRunner, region_rules_table, rule_queries
from trainright.settings import NONUSER_KEY_ENV
from trainright.snapshot import locate

SECRET = "s" * 32

ACCOUNTS = pa.schema(
    [
        ("account_id", pa.int64()),
        ("kind", pa.string()),
        ("birth_date", pa.date32()),
        ("country", pa.string()),
        ("status", pa.string()),
        ("display_name", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("content_usage", pa.string()),
        ("age_attested_min", pa.int64()),
        ("age_attested_at", pa.timestamp("us", tz="UTC")),
    ]
)
POSTS = pa.schema(
    [
        ("post_id", pa.int64()),
        ("author_id", pa.int64()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("visibility", pa.string()),
        ("lang", pa.string()),
        ("text", pa.string()),
        ("deleted", pa.bool_()),
        ("reshare_of", pa.int64()),
        ("quote_of", pa.int64()),
        ("content_usage", pa.string()),
    ]
)
MEDIA = pa.schema(
    [
        ("media_id", pa.int64()),
        ("post_id", pa.int64()),
        ("path", pa.string()),
        ("flagged_minor", pa.bool_()),
    ]
)
TAGS = pa.schema([("post_id", pa.int64()), ("account_id", pa.int64()), ("kind", pa.string())])
PERSONS = pa.schema([("account_id", pa.int64()), ("person_id", pa.int64())])


@dataclass(frozen=True)
class Scenario:
    """Everything a build reads: the platform, the ledger in append order, policy, cutoff."""

    platform: Platform
    events: tuple[Event, ...]
    policy: str
    cutoff: datetime


@dataclass(frozen=True)
class Built:
    """What a build wrote, reduced to what §5 decides."""

    out: Path
    included: dict[int, int]  # post_id -> number of media kept
    excluded: dict[int, str]  # post_id -> reason
    manifest: dict[str, Any]
    reserved: dict[int, tuple[str, str]]  # post_id -> (reserved_by, reserved_in)


def jpeg(media_id: int, xmp: bytes | None = None) -> bytes:
    """A tiny valid JPEG whose pixels differ per image."""
    buf = io.BytesIO()
    colour = (media_id * 37 % 256, media_id * 91 % 256, 128)
    Image.new("RGB", (8, 8), colour).save(buf, format="JPEG", **({"xmp": xmp} if xmp else {}))
    return buf.getvalue()


#: An XMP packet whose IPTC PLUS DataMining prohibits AI/ML training.
RESERVING_XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
    b'plus:DataMining="DMI-PROHIBITED-AIMLTRAINING"/></rdf:RDF></x:xmpmeta>'
)
#: A JPEG APP11 segment holding a C2PA manifest store whose content is garbage.
_BAD_STORE = b"JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x30jumb\x00\x00\x00\x28jumdc2pa"
_BAD_STORE += b"\x00\x11\x00\x10\x80\x00\xaa\x008\x9bq\x03c2pa\x00" + b"\xff" * 8
UNREADABLE_C2PA = b"\xff\xeb" + (len(_BAD_STORE) + 2).to_bytes(2, "big") + _BAD_STORE


def image_file(media: Media) -> bytes:
    """The image a media row points to, carrying the reservation the row says it has."""
    xmp = RESERVING_XMP if media.reservation == "reserved" else None
    if media.picture is not None:
        data = picture(media.picture, media.copy, xmp)
    else:
        data = jpeg(media.media_id, xmp=xmp)
    if media.reservation == "reservation_unreadable":
        data = data[:2] + UNREADABLE_C2PA + data[2:]
    return data


def _table(rows: list[Any], schema: pa.Schema) -> pa.Table:
    cols = {name: [getattr(r, name) for r in rows] for name in schema.names}
    return pa.table(cols, schema=schema)


def write_snapshot(platform: Platform, directory: Path) -> Path:
    """The Parquet tables of SPEC §2, with a real image file for every media row.

    `persons` is written only when the platform links accounts, so the absent table
    stays covered too.
    """
    directory.mkdir(parents=True)
    (directory / "images").mkdir()
    for m in platform.media:
        (directory / m.path).write_bytes(image_file(m))
    pq.write_table(_table(list(platform.accounts), ACCOUNTS), directory / "accounts.parquet")
    pq.write_table(_table(list(platform.posts), POSTS), directory / "posts.parquet")
    pq.write_table(_table(list(platform.media), MEDIA), directory / "media.parquet")
    pq.write_table(_table(list(platform.tags), TAGS), directory / "tags.parquet")
    if platform.persons:
        pq.write_table(_table(list(platform.persons), PERSONS), directory / "persons.parquet")
    return directory


#: The key people without an account's identifiers are hashed with in the tests.
NONUSER_KEY = "test-key-for-non-user-identifiers"
os.environ.setdefault(NONUSER_KEY_ENV, NONUSER_KEY)


def new_event(e: Event) -> NewEvent:
    """One reference event as the ledger takes it; a non-user's identifiers hashed."""
    if e.person_ref is not None:
        if e.type == "non_user_objection":
            hasher = Hasher(SecretStr(os.environ[NONUSER_KEY_ENV]))
            ids = hash_clear(hasher, e.names, e.emails, e.phones, e.photos)
            return registration(e.person_ref, ids, e.at, "import")
        return withdrawal(e.person_ref, e.at, "import")
    return NewEvent(
        account_id=e.account_id,
        type=cast(EventType, e.type),
        at=e.at,
        purpose=e.purpose,
        channel="import",
        content_usage=e.content_usage,
    )


def new_events(events: tuple[Event, ...]) -> list[NewEvent]:
    """The reference's events as the ledger takes them, in the same order."""
    return [new_event(e) for e in events]


def open_ledger(directory: Path, events: tuple[Event, ...]) -> Ledger:
    """A fresh SQLite ledger holding these events, seq in list order."""
    ledger = Ledger(f"sqlite:///{directory / 'ledger.db'}")
    if events:
        ledger.append(new_events(events))
    return ledger


def read_dataset(out: Path) -> Built:
    """Included posts (with kept media counts), exclusions and the manifest."""
    included: dict[int, int] = {}
    for shard in sorted((out / "data").glob("shard-*.parquet")):
        rows = pq.read_table(shard, columns=["post_id", "media"]).to_pylist()
        for row in rows:
            assert row["post_id"] not in included, f"post {row['post_id']} in two shards"
            included[row["post_id"]] = len(row["media"] or [])
    rows = pq.read_table(out / "exclusions.parquet").to_pylist()
    excluded: dict[int, str] = {}
    reserved: dict[int, tuple[str, str]] = {}
    for row in rows:
        assert row["post_id"] not in excluded, f"post {row['post_id']} excluded twice"
        excluded[row["post_id"]] = row["reason"]
        if row["reserved_by"] is not None:
            reserved[row["post_id"]] = (row["reserved_by"], row["reserved_in"])
    manifest = json.loads((out / "manifest.json").read_text())
    return Built(out, included, excluded, manifest, reserved)


def build_scenario(
    scenario: Scenario, workdir: Path, ledger: Ledger | None = None, workers: int = 1
) -> Built:
    """Write the snapshot, fill a ledger (unless given one) and run a real build.

    One worker by default: these platforms are tiny and a process pool's start-up
    would be most of the time.
    """
    snapshot = workdir / "snapshot"
    if not snapshot.exists():
        write_snapshot(scenario.platform, snapshot)
    if ledger is None:
        ledger = open_ledger(workdir, scenario.events)
    out = workdir / f"ds-{len(list(workdir.glob('ds-*')))}"
    build(
        snapshot=snapshot,
        policy=parse_policy(scenario.policy),
        cutoff=scenario.cutoff,
        out=out,
        ledger=ledger,
        secret=SECRET,
        workers=workers,
    )
    return read_dataset(out)


def build_reasons(snapshot: Path, ledger: Ledger, policy: Policy, at: datetime) -> dict[int, str]:
    """Every account's reason from the build's own `account_state` at cutoff `at`."""
    return {
        a: reason for a, (reason, _) in build_account_state(snapshot, ledger, policy, at).items()
    }


def build_account_state(
    snapshot: Path, ledger: Ledger, policy: Policy, at: datetime
) -> dict[int, tuple[str | None, bool]]:
    """Every account's reason and whether its own preference reserves its posts, as
    the build's `account_state` decides them at cutoff `at`."""
    _, events = ledger.export_until(at)
    runner = DuckDBRunner(threads=1)
    try:
        runner.load(locate(snapshot), events, region_rules_table(policy, at))
        rows = runner.conn.execute(rule_queries(at).account_state).fetchall()
        names = [d[0] for d in runner.conn.description]
    finally:
        runner.close()
    i, r = names.index("account_id"), names.index("reason")
    h, u = names.index("honor_reservations"), names.index("usage_allowed")
    return {int(row[i]): (row[r], bool(row[h]) and row[u] is False) for row in rows}


def run_module(
    module: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m module args` in a fresh process, as a user runs it; output captured."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
