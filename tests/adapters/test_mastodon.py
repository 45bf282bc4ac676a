"""`trainright import mastodon` on a real PostgreSQL holding Mastodon's own tables.

A small instance (local and remote accounts, every visibility, reblog, quote,
deletion, edits, suspended / memorial / disabled / unconfirmed users, a deletion
request, mentions, an image and a video in Paperclip's layout) is imported by the
command line and built; each post is checked for what went in and why.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import make_url

from factories import SECRET
from helpers import Built, jpeg, read_dataset
from trainright.adapters.mastodon import paperclip_path, read_countries
from trainright.errors import InputError
from trainright.ledger.scratch import scratch_database, scratch_schema

DDL = Path(__file__).with_name("mastodon_schema.sql")
AS_OF = "2026-06-01T00:00:00Z"
BEFORE = "2026-05-01 12:00:00"
AFTER = "2026-06-10 12:00:00"
BIG_MEDIA_ID = 109_876_543_210_987_654

# Local accounts: (id, username, facts) -> the state the snapshot must give them.
ACCOUNTS: list[dict[str, Any]] = [
    {"id": 1, "username": "alice", "age": True, "indexable": True},
    {"id": 2, "username": "bob", "age": True, "settings": '{"noindex":true}'},
    {"id": 3, "username": "carol", "age": True, "suspended_at": BEFORE},
    {"id": 4, "username": "dan", "age": True, "memorial": True},
    {"id": 5, "username": "erin", "age": True, "disabled": True},
    {"id": 6, "username": "frank", "age": True, "confirmed": False},
    {"id": 7, "username": "gina", "age": True, "deletion": True},
    {"id": 8, "username": "newsbot", "age": True, "actor_type": "Service"},
    {"id": 9, "username": "hal", "age": False},
    {"id": 10, "username": "ivy", "age": True, "approved": False},
]
REMOTE = 100

# Statuses: id -> (author, visibility, text, extra columns) and the expected outcome.
STATUSES: list[dict[str, Any]] = [
    {"id": 201, "account_id": 1, "visibility": 0, "text": "Hello from the fjord"},
    {"id": 202, "account_id": 1, "visibility": 1, "text": "Unlisted thought"},
    {"id": 203, "account_id": 1, "visibility": 2, "text": "Followers only"},
    {"id": 204, "account_id": 1, "visibility": 3, "text": "A direct message"},
    {"id": 205, "account_id": 1, "visibility": 4, "text": "Limited"},
    {"id": 206, "account_id": 1, "visibility": 0, "text": "Regretted", "deleted_at": BEFORE},
    {"id": 207, "account_id": 1, "visibility": 0, "text": "Rewritten later", "edited_at": AFTER},
    {"id": 208, "account_id": 1, "visibility": 0, "text": "No history", "edited_at": AFTER},
    {"id": 209, "account_id": 1, "visibility": 0, "text": "", "reblog_of_id": 1000},
    {"id": 210, "account_id": 1, "visibility": 0, "text": "Quoting myself"},
    {"id": 211, "account_id": 1, "visibility": 0, "text": "Hi @remy@example.org"},
    {"id": 212, "account_id": 1, "visibility": 0, "text": "Hi @bob"},
    {"id": 213, "account_id": 1, "visibility": 0, "text": "A photo and a clip"},
    {"id": 214, "account_id": 1, "visibility": 0, "text": "After the cutoff", "created": AFTER},
    {"id": 215, "account_id": 1, "visibility": 0, "text": "Boosting myself", "reblog_of_id": 201},
    {"id": 301, "account_id": 3, "visibility": 0, "text": "Suspended voice"},
    {"id": 401, "account_id": 4, "visibility": 0, "text": "In memoriam"},
    {"id": 501, "account_id": 5, "visibility": 0, "text": "Disabled login"},
    {"id": 601, "account_id": 6, "visibility": 0, "text": "Unconfirmed"},
    {"id": 701, "account_id": 7, "visibility": 0, "text": "Leaving soon"},
    {"id": 801, "account_id": 8, "visibility": 0, "text": "Automated news"},
    {"id": 901, "account_id": 9, "visibility": 0, "text": "Age never checked"},
    {"id": 1001, "account_id": 10, "visibility": 0, "text": "Awaiting approval"},
    {"id": 1000, "account_id": REMOTE, "visibility": 0, "text": "Remote post", "local": False},
    {"id": 1002, "account_id": REMOTE, "visibility": 0, "text": "Remote too", "local": False},
]
#: post -> the reason it is excluded (None: included); a post absent here is not in the snapshot.
EXPECTED: dict[int, str | None] = {
    201: None,
    202: None,  # the policy below allows unlisted
    203: "not_public",
    204: "not_public",
    205: "not_public",
    206: "post_deleted",
    207: None,
    209: "shares_excluded",  # a reblog of a remote post: its target is not in the snapshot
    210: None,
    211: "tagged_not_cleared",  # mentions a remote account, who is no account here
    212: None,
    213: None,
    215: None,
    301: "account_status",
    401: "account_status",
    501: "account_status",
    601: "account_status",
    701: "account_status",
    801: "account_kind",
    901: "age_unknown",
    1001: "account_status",
}
POLICY = 'notice_days = 0\nvisibility = ["public", "unlisted"]\naccount_kinds = ["personal"]\n'


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with scratch_database("trainright_mastodon") as url:
        yield url


def _connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True
    )


def fill(url: str, visibility_of_201: int = 0) -> None:
    """Mastodon's tables in a fresh schema, holding the small instance above."""
    with _connect(url) as conn:
        conn.execute(DDL.read_text())
        for a in [*ACCOUNTS, {"id": REMOTE, "username": "remy", "domain": "example.org"}]:
            conn.execute(
                "INSERT INTO accounts (id, username, domain, created_at, updated_at, display_name,"
                " memorial, actor_type, suspended_at, indexable, discoverable)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    a["id"],
                    a["username"],
                    a.get("domain"),
                    "2025-01-01 00:00:00",
                    "2025-01-01 00:00:00",
                    a["username"].title(),
                    a.get("memorial", False),
                    a.get("actor_type", "Person"),
                    a.get("suspended_at"),
                    a.get("indexable", False),
                    a.get("indexable"),
                ),
            )
            if a.get("domain"):
                continue
            conn.execute(
                "INSERT INTO users (email, created_at, updated_at, account_id, disabled, approved,"
                " confirmed_at, settings, age_verified_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    f"{a['username']}@example.net",
                    "2025-01-01 00:00:00",
                    "2025-01-01 00:00:00",
                    a["id"],
                    a.get("disabled", False),
                    a.get("approved", True),
                    "2025-01-01 00:10:00" if a.get("confirmed", True) else None,
                    a.get("settings"),
                    "2025-01-01 00:05:00" if a["age"] else None,
                ),
            )
            if a.get("deletion"):
                conn.execute(
                    "INSERT INTO account_deletion_requests (account_id, created_at, updated_at)"
                    " VALUES (%s, %s, %s)",
                    (a["id"], BEFORE, BEFORE),
                )
        for s in STATUSES:
            visibility = visibility_of_201 if s["id"] == 201 else s["visibility"]
            conn.execute(
                "INSERT INTO statuses (id, text, created_at, updated_at, visibility, language,"
                " local, account_id, deleted_at, edited_at, reblog_of_id)"
                " VALUES (%s, %s, %s, %s, %s, 'en', %s, %s, %s, %s, %s)",
                (
                    s["id"],
                    s["text"],
                    s.get("created", BEFORE),
                    s.get("created", BEFORE),
                    visibility,
                    s.get("local", True),
                    s["account_id"],
                    s.get("deleted_at"),
                    s.get("edited_at"),
                    s.get("reblog_of_id"),
                ),
            )
        edits = [
            (207, "Written first", BEFORE, None),  # Mastodon keeps the original as an edit
            (207, "Rewritten later", AFTER, [3]),  # ... and the later one added a photo
            (208, "No history", AFTER, None),  # the original version was never recorded
        ]
        for status_id, text, at, media in edits:
            conn.execute(
                "INSERT INTO status_edits (status_id, account_id, text, created_at, updated_at,"
                " ordered_media_attachment_ids) VALUES (%s, 1, %s, %s, %s, %s)",
                (status_id, text, at, at, media),
            )
        conn.execute(
            "INSERT INTO quotes (id, account_id, status_id, quoted_status_id, quoted_account_id,"
            " state, created_at, updated_at) VALUES (1, 1, 210, 201, 1, 1, %s, %s)",
            (BEFORE, BEFORE),
        )
        for status_id, account_id, silent in (
            (211, REMOTE, False),
            (212, 2, True),
            (208, 2, False),
        ):
            conn.execute(
                "INSERT INTO mentions (status_id, account_id, silent, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                (status_id, account_id, silent, BEFORE, BEFORE),
            )
        for media_id, status_id, kind, name in (
            (1, 213, 0, "photo.jpg"),
            (2, 213, 2, "clip.mp4"),
            (3, 207, 0, "added.jpg"),  # attached by the edit after the cutoff
        ):
            conn.execute(
                "INSERT INTO media_attachments (id, status_id, file_file_name, type, account_id,"
                " created_at, updated_at) VALUES (%s, %s, %s, %s, 1, %s, %s)",
                (media_id, status_id, name, kind, BEFORE, BEFORE),
            )


def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "system"
    files = (
        (1, "photo.jpg", jpeg(1)),
        (2, "clip.mp4", b"\0\0\0 ftypmp42"),
        (3, "added.jpg", jpeg(3)),
    )
    for media_id, name, data in files:
        path = root / paperclip_path(media_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def trainright(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    return subprocess.run(
        [sys.executable, "-m", "trainright", *args],
        cwd=cwd,
        env={**env, "TRAINRIGHT_SECRET": SECRET, "COLUMNS": "1000"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def import_args(url: str, tmp_path: Path, out: Path, *extra: str) -> list[str]:
    return [
        "import",
        "mastodon",
        "--database",
        url,
        "--media-root",
        str(media_root(tmp_path)),
        "--country",
        "us",
        "--as-of",
        AS_OF,
        "--out",
        str(out),
        *extra,
    ]


_schemas = itertools.count(1)


@pytest.fixture
def instance(database: str) -> str:
    url = scratch_schema(database, f"m{next(_schemas)}")
    fill(url)
    return url


def test_paperclip_path_splits_the_id_into_three_digit_groups() -> None:
    assert paperclip_path(1, "a.jpg") == "media_attachments/files/000/000/001/original/a.jpg"
    assert paperclip_path(BIG_MEDIA_ID, "b.png") == (
        "media_attachments/files/109/876/543/210/987/654/original/b.png"
    )


def test_import_then_build_post_by_post(instance: str, tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    countries = tmp_path / "countries.csv"
    countries.write_text("account_id,country\n9,no\n")
    done = trainright(
        *import_args(instance, tmp_path, snap, "--attested-min-age", "18"),
        "--countries",
        str(countries),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "left out: 1 media attachments of type video" in done.stdout
    assert "left out: 1 statuses edited after --as-of with no earlier version" in done.stdout

    accounts = {a["account_id"]: a for a in pq.read_table(snap / "accounts.parquet").to_pylist()}
    assert REMOTE not in accounts
    status = {i: a["status"] for i, a in accounts.items()}
    assert status == {
        1: "active",
        2: "active",
        3: "deactivated",
        4: "deactivated",
        5: "deactivated",
        6: "deactivated",
        7: "pending_deletion",
        8: "active",
        9: "active",
        10: "deactivated",
    }
    assert accounts[8]["kind"] == "business"
    assert accounts[9]["country"] == "NO"
    assert accounts[1]["country"] == "US"
    assert accounts[1]["age_attested_min"] == 18
    assert accounts[9]["age_attested_min"] is None
    assert all(a["birth_date"] is None and a["content_usage"] is None for a in accounts.values())

    posts = {p["post_id"]: p for p in pq.read_table(snap / "posts.parquet").to_pylist()}
    assert set(posts) == set(EXPECTED), "remote, later and unknowable statuses are not input"
    assert posts[207]["text"] == "Written first", "read as it stood at the cutoff"
    assert posts[209]["reshare_of"] == 1000
    assert posts[210]["quote_of"] == 201
    assert [posts[i]["visibility"] for i in (201, 202, 203, 204, 205)] == [
        "public",
        "unlisted",
        "friends",
        "only_me",
        "only_me",
    ]
    tags = pq.read_table(snap / "tags.parquet").to_pylist()
    assert sorted((t["post_id"], t["account_id"], t["kind"]) for t in tags) == [
        (211, REMOTE, "mention"),
        (212, 2, "mention"),
    ]
    media = pq.read_table(snap / "media.parquet").to_pylist()
    assert [(m["media_id"], m["post_id"]) for m in media] == [(1, 213)], "not 3: added later"
    assert (snap / media[0]["path"]).resolve().read_bytes() == jpeg(1)

    # Mastodon keeps no birth date: the sign-up age check (`--attested-min-age` at
    # `users.age_verified_at`) is what clears an account's age (SPEC §5 attestation), so
    # each post goes in or out for its own reason, and an unverified account's posts
    # are age_unknown.
    result = build(snap, tmp_path, "snapshot")
    got = {**dict.fromkeys(result.included), **result.excluded}
    assert got == EXPECTED
    assert result.included[213] == 1, "the image is kept, the video was never input"


def build(snap: Path, tmp_path: Path, name: str) -> Built:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    built = trainright(
        "build",
        "--snapshot",
        str(snap),
        "--policy",
        str(policy),
        "--cutoff",
        AS_OF,
        "--out",
        str(tmp_path / f"dataset-{name}"),
        "--ledger",
        f"sqlite:///{tmp_path / f'ledger-{name}.db'}",
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    return read_dataset(tmp_path / f"dataset-{name}")


def test_noindex_becomes_a_reservation_only_when_asked(instance: str, tmp_path: Path) -> None:
    snap = tmp_path / "snap"
    flag = "--treat-noindex-as-reservation"
    done = trainright(*import_args(instance, tmp_path, snap, flag), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    usage = {
        a["account_id"]: a["content_usage"]
        for a in pq.read_table(snap / "accounts.parquet").to_pylist()
    }
    assert usage[1] is None, "indexable, discoverable and no noindex: no reservation"
    assert usage[2] == "train-ai=n", "noindex in users.settings"
    assert usage[3] == "train-ai=n", "indexable false (Mastodon's default)"


@contextmanager
def role(database: str, instance: str, tables: str) -> Iterator[str]:
    """A login role with SELECT on `tables` only; yields the instance's URL as that role."""
    schema = make_url(instance).query["options"].split("=", 1)[1]
    name = f"ro_{schema}"[:60]
    with _connect(database) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{name}"')
        conn.execute(f'GRANT SELECT ON {tables} TO "{name}"')
    try:
        yield make_url(instance).set(username=name).render_as_string(hide_password=False)
    finally:
        with _connect(database) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE "{name}"')


def test_read_only_role_sees_no_remote_account(
    database: str, instance: str, tmp_path: Path
) -> None:
    schema = make_url(instance).query["options"].split("=", 1)[1]
    with role(database, instance, f'ALL TABLES IN SCHEMA "{schema}"') as url:
        snap = tmp_path / "snap"
        done = trainright(*import_args(url, tmp_path, snap), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    posts = pq.read_table(snap / "posts.parquet").to_pylist()
    ids = {a["account_id"] for a in pq.read_table(snap / "accounts.parquet").to_pylist()}
    assert REMOTE not in ids | {p["author_id"] for p in posts}
    assert not {p["post_id"] for p in posts} & {1000, 1002}


def test_a_refused_table_says_what_to_grant(database: str, instance: str, tmp_path: Path) -> None:
    schema = make_url(instance).query["options"].split("=", 1)[1]
    with role(database, instance, f'"{schema}".accounts') as url:
        snap = tmp_path / "snap"
        done = trainright(*import_args(url, tmp_path, snap), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "refused a query: permission denied" in done.stderr
    assert not snap.exists()


def test_unknown_visibility_is_a_clear_error(database: str, tmp_path: Path) -> None:
    url = scratch_schema(database, "m_bad_visibility")
    fill(url, visibility_of_201=10)
    snap = tmp_path / "snap"
    done = trainright(*import_args(url, tmp_path, snap), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "statuses.visibility" in done.stderr
    assert "is 10 on status 201" in done.stderr
    assert not snap.exists(), "nothing is written"


def test_bad_country_is_refused(tmp_path: Path) -> None:
    bad = import_args("postgresql://nobody@127.0.0.1/none", tmp_path, tmp_path / "s")
    bad[bad.index("--country") + 1] = "XX"
    done = trainright(*bad, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "'XX' is not an ISO 3166-1 alpha-2 country code" in done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("1,NO\nabc,NO\n", "line 2 is not `account_id,country`"),
        ("1,NO,extra\n", "line 1 is not `account_id,country`"),
        ("account_id,country\n1,UK\n", "'UK' is not an ISO 3166-1 alpha-2 country code"),
    ],
)
def test_bad_countries_file_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "countries.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        read_countries(path)


def test_countries_file_overrides_per_account(tmp_path: Path) -> None:
    path = tmp_path / "countries.csv"
    path.write_text("account_id,country\n1,no\n2, gb\n")
    assert read_countries(path) == {1: "NO", 2: "GB"}


@pytest.mark.parametrize(
    ("change", "quote_of"),
    [
        (  # a fork that keeps quotes on the status itself
            "DROP TABLE quotes; ALTER TABLE statuses ADD COLUMN quote_of_id bigint;"
            " UPDATE statuses SET quote_of_id = 201 WHERE id = 210",
            201,
        ),
        ("DROP TABLE quotes", None),  # Mastodon before 4.4: no quotes at all
    ],
    ids=["quote_of_id", "none"],
)
def test_quotes_come_from_whichever_the_schema_has(
    instance: str, tmp_path: Path, change: str, quote_of: int | None
) -> None:
    with _connect(instance) as conn:
        for statement in change.split(";"):
            conn.execute(statement)
    snap = tmp_path / "snap"
    done = trainright(*import_args(instance, tmp_path, snap), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    posts = {p["post_id"]: p for p in pq.read_table(snap / "posts.parquet").to_pylist()}
    assert posts[210]["quote_of"] == quote_of
    assert {p["quote_of"] for i, p in posts.items() if i != 210} == {None}


SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "adapters" / "sample-instance.sql"
#: docs/adapters/mastodon.md "Try it": each sample status and what the build makes of it.
SAMPLE_EXPECTED: dict[int, str | None] = {
    11: None,
    12: "not_public",
    13: "not_public",
    14: None,
    15: "post_deleted",
    16: None,
    17: "shares_excluded",
    18: None,
    19: "tagged_not_cleared",
    21: None,
    31: "account_status",
    41: "account_status",
    51: "account_status",
    61: "account_kind",
    71: "age_unknown",
}


def test_the_documented_sample_instance_gives_what_the_docs_say(
    database: str, tmp_path: Path
) -> None:
    url = scratch_schema(database, f"m{next(_schemas)}")
    with _connect(url) as conn:
        conn.execute(DDL.read_text())
        conn.execute(SAMPLE.read_text())
    (tmp_path / "media").mkdir()
    snap = tmp_path / "snap"
    done = trainright(
        "import",
        "mastodon",
        "--database",
        url,
        "--media-root",
        str(tmp_path / "media"),
        "--country",
        "NO",
        "--as-of",
        AS_OF,
        "--attested-min-age",
        "18",
        "--out",
        str(snap),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote 7 accounts, 15 posts" in " ".join(done.stdout.split())
    posts = {p["post_id"]: p for p in pq.read_table(snap / "posts.parquet").to_pylist()}
    assert posts[16]["text"] == "As it stood on the first of May"
    result = build(snap, tmp_path, "sample")
    assert {**dict.fromkeys(result.included), **result.excluded} == SAMPLE_EXPECTED
