"""The snapshot tables: SPEC §2 types, the edges every snapshot must hold, determinism."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trainright.errors import InputError
from trainright.snapshot import load_into_duckdb, locate
from trainright.synth import DEFAULT_CUTOFF, SynthSummary, synthesize

TS = pa.timestamp("us", tz="UTC")
SPEC_TYPES = {
    "accounts": {
        "account_id": pa.int64(),
        "kind": pa.string(),
        "birth_date": pa.date32(),
        "country": pa.string(),
        "status": pa.string(),
        "display_name": pa.string(),
        "created_at": TS,
        "content_usage": pa.string(),
        "age_attested_min": pa.int64(),
        "age_attested_at": TS,
    },
    "posts": {
        "post_id": pa.int64(),
        "author_id": pa.int64(),
        "created_at": TS,
        "visibility": pa.string(),
        "lang": pa.string(),
        "text": pa.string(),
        "deleted": pa.bool_(),
        "reshare_of": pa.int64(),
        "quote_of": pa.int64(),
        "content_usage": pa.string(),
    },
    "media": {
        "media_id": pa.int64(),
        "post_id": pa.int64(),
        "path": pa.string(),
        "flagged_minor": pa.bool_(),
    },
    "tags": {"post_id": pa.int64(), "account_id": pa.int64(), "kind": pa.string()},
    "persons": {"account_id": pa.int64(), "person_id": pa.int64()},
    "image_reservations": {"path": pa.string(), "signal": pa.string(), "cause": pa.string()},
    "planted": {
        "post_id": pa.int64(),
        "category": pa.string(),
        "value": pa.string(),
        "decoy": pa.bool_(),
    },
    "copies": {
        "post_id": pa.int64(),
        "source_post_id": pa.int64(),
        "kind": pa.string(),
        "jaccard": pa.float64(),
        "expected_reason": pa.string(),
    },
}
CUTOFF_DAY = DEFAULT_CUTOFF.date()


def rows(platform: SynthSummary, name: str) -> list[dict[str, object]]:
    return pq.read_table(platform.out / f"{name}.parquet").to_pylist()  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", sorted(SPEC_TYPES))
def test_columns_and_types_are_exactly_spec(platform: SynthSummary, name: str) -> None:
    schema = pq.read_schema(platform.out / f"{name}.parquet")
    assert dict(zip(schema.names, schema.types, strict=True)) == SPEC_TYPES[name]


def test_summary_counts_match_the_files(platform: SynthSummary) -> None:
    def count(name: str) -> int:
        return int(pq.ParquetFile(platform.out / f"{name}.parquet").metadata.num_rows)

    assert (platform.accounts, platform.posts) == (400, 3000)
    assert (count("accounts"), count("posts")) == (400, 3000)
    assert platform.media == count("media") > 0
    assert platform.tags == count("tags") > 0
    planted = rows(platform, "planted")
    assert platform.planted == sum(not r["decoy"] for r in planted) > 0
    assert platform.decoys == sum(bool(r["decoy"]) for r in planted) > 0
    assert platform.images == len(list((platform.out / "media").glob("*.jpg"))) == 40
    lines = (platform.out / "events.jsonl").read_text().splitlines()
    assert platform.events == len(lines)


def test_the_products_own_snapshot_reader_accepts_it(platform: SynthSummary) -> None:
    import duckdb

    conn = duckdb.connect()
    load_into_duckdb(conn, locate(platform.out))
    assert conn.execute("SELECT count(*) FROM posts").fetchone() == (3000,)


def test_ids_are_unique_and_posts_reference_accounts(platform: SynthSummary) -> None:
    accounts = {r["account_id"] for r in rows(platform, "accounts")}
    posts = rows(platform, "posts")
    media = rows(platform, "media")
    assert len(accounts) == 400
    assert len({p["post_id"] for p in posts}) == len(posts)
    assert len({m["media_id"] for m in media}) == len(media)
    assert {p["author_id"] for p in posts} <= accounts
    assert {m["post_id"] for m in media} <= {p["post_id"] for p in posts}


def test_accounts_cover_countries_kinds_and_statuses(platform: SynthSummary) -> None:
    accounts = rows(platform, "accounts")
    countries = {a["country"] for a in accounts}
    assert {
        "NO",
        "NL",
        "DE",
        "FR",
        "GB",
        "US",
        "BR",
        "IN",
        "SE",
        "IS",
        "LI",
        "IE",
        "CA",
    } <= countries
    assert {a["kind"] for a in accounts} == {"personal", "business"}
    assert {a["status"] for a in accounts} == {
        "active",
        "deactivated",
        "pending_deletion",
        "deleted",
    }
    statuses = [a["status"] for a in accounts]
    assert statuses.count("active") > len(statuses) / 2


def test_age_edges_around_the_cutoff(platform: SynthSummary) -> None:
    births = [a["birth_date"] for a in rows(platform, "accounts")]
    eighteen = CUTOFF_DAY.replace(year=CUTOFF_DAY.year - 18)
    assert eighteen in births
    assert eighteen + timedelta(days=1) in births
    assert date(2008, 2, 29) in births
    assert sum(1 for b in births if isinstance(b, date) and (b.month, b.day) == (2, 29)) >= 3
    assert None in births
    known = [b for b in births if isinstance(b, date)]
    assert any(b > eighteen for b in known), "no minors"
    assert any(b < eighteen for b in known), "no adults"


def test_display_names_read_like_the_country(platform: SynthSummary) -> None:
    by_country: dict[str, set[str]] = {}
    for a in rows(platform, "accounts"):
        by_country.setdefault(str(a["country"]), set()).add(str(a["display_name"]))
    no_names = " ".join(by_country["NO"])
    nl_names = " ".join(by_country["NL"])
    assert any(s in no_names for s in ("sen", "Berg", "ø", "å"))
    assert any(s in nl_names for s in ("de ", "van ", "Jansen", "Visser"))


def test_posts_vary_in_language_visibility_text_and_time(platform: SynthSummary) -> None:
    posts = rows(platform, "posts")
    assert {p["lang"] for p in posts} == {"en", "nb", "nl", None}
    assert {p["visibility"] for p in posts} == {"public", "unlisted", "friends", "only_me"}
    assert any(p["deleted"] for p in posts)
    assert any(p["text"] is None for p in posts)
    assert any(p["text"] == "" for p in posts)
    times = [p["created_at"] for p in posts]
    assert any(t > DEFAULT_CUTOFF for t in times)  # type: ignore[operator]
    assert min(times).year < 2022  # type: ignore[type-var,union-attr]
    texts = {p["text"] for p in posts if p["text"]}
    assert len(texts) > 0.8 * len([p for p in posts if p["text"]])


def test_image_only_posts_have_media(platform: SynthSummary) -> None:
    with_media = {m["post_id"] for m in rows(platform, "media")}
    blank = [p["post_id"] for p in rows(platform, "posts") if not p["text"]]
    assert blank
    assert set(blank) <= with_media


def test_media_rows_point_at_written_files_and_share_some(platform: SynthSummary) -> None:
    media = rows(platform, "media")
    paths = [str(m["path"]) for m in media]
    assert all(p.startswith("media/") and p.endswith(".jpg") for p in paths)
    assert all((platform.out / p).is_file() for p in set(paths))
    assert len(set(paths)) == 40 < len(paths)
    assert any(m["flagged_minor"] for m in media)
    assert not all(m["flagged_minor"] for m in media)


def test_tags_name_minors_objectors_and_unknown_accounts(platform: SynthSummary) -> None:
    import json

    accounts = rows(platform, "accounts")
    known = {a["account_id"] for a in accounts}
    minors = {
        a["account_id"]
        for a in accounts
        if a["birth_date"] and a["birth_date"] > CUTOFF_DAY.replace(year=CUTOFF_DAY.year - 18)  # type: ignore[operator]
    }
    events = [json.loads(x) for x in (platform.out / "events.jsonl").read_text().splitlines()]
    objectors = {e["account_id"] for e in events if e["type"] == "objection"}
    tags = rows(platform, "tags")
    assert {t["kind"] for t in tags} == {"photo_tag", "mention"}
    tagged = {t["account_id"] for t in tags}
    assert tagged & minors
    assert tagged & objectors
    assert tagged - known
    with_media = {m["post_id"] for m in rows(platform, "media")}
    assert {t["post_id"] for t in tags if t["kind"] == "photo_tag"} <= with_media


def test_same_arguments_give_the_same_bytes(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    a = synthesize(tmp_path / "a", accounts=150, posts=800, seed=11, images=12)
    b = synthesize(tmp_path / "b", accounts=150, posts=800, seed=11, images=12)
    c = synthesize(tmp_path / "c", accounts=150, posts=800, seed=12, images=12)
    assert (a.planted, a.copies) == (b.planted, b.copies)
    assert files(a.out) == files(b.out)
    for name in ("posts.parquet", "copies.parquet"):
        assert files(a.out)[name] != files(c.out)[name]


def test_progress_reports_every_post(tmp_path: Path) -> None:
    seen: list[int] = []
    synthesize(tmp_path / "p", accounts=50, posts=700, images=3, progress=seen.append)
    assert sum(seen) == 700


def test_an_existing_non_empty_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InputError) as err:
        synthesize(out, accounts=10, posts=10)
    assert err.value.file == str(out)
    assert (out / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_file_as_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    with pytest.raises(InputError):
        synthesize(out, accounts=10, posts=10)


def test_an_empty_directory_is_filled(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    summary = synthesize(out, accounts=30, posts=40, images=2)
    assert (summary.out / "posts.parquet").is_file()


def test_a_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    def boom(n: int) -> None:
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        synthesize(tmp_path / "half", accounts=30, posts=40, progress=boom)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"accounts": 0}, "accounts"),
        ({"posts": -1}, "posts"),
        ({"accounts": 10, "objectors": 11}, "objectors"),
        ({"images": -1}, "images"),
    ],
)
def test_bad_sizes_are_input_errors(tmp_path: Path, kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(InputError) as err:
        synthesize(tmp_path / "x", **kwargs)  # type: ignore[arg-type]
    assert err.value.field == field
    assert not (tmp_path / "x").exists()


def test_objector_and_image_counts_can_be_chosen(tmp_path: Path) -> None:
    import json

    s = synthesize(tmp_path / "o", accounts=120, posts=300, objectors=7, images=0)
    lines = (s.out / "events.jsonl").read_text().splitlines()
    known = set(pq.read_table(s.out / "accounts.parquet").column("account_id").to_pylist())
    objectors = {e["account_id"] for e in map(json.loads, lines) if e["type"] == "objection"}
    assert len(objectors & known) == 7
    assert (s.images, s.media) == (0, 0)
    assert not list((s.out / "media").iterdir())


def test_linked_accounts_reshare_chains_cycles_and_dangling_pointers(
    platform: SynthSummary,
) -> None:
    persons = rows(platform, "persons")
    accounts = {a["account_id"] for a in rows(platform, "accounts")}
    by_person: dict[object, list[object]] = {}
    for link in persons:
        assert link["account_id"] in accounts
        by_person.setdefault(link["person_id"], []).append(link["account_id"])
    assert persons
    assert all(len(linked) == 2 for linked in by_person.values())
    posts = {p["post_id"]: p for p in rows(platform, "posts")}
    pointer = {
        i: p["reshare_of"] if p["reshare_of"] is not None else p["quote_of"]
        for i, p in posts.items()
        if p["reshare_of"] is not None or p["quote_of"] is not None
    }
    assert any(p["reshare_of"] is not None for p in posts.values())
    assert any(p["quote_of"] is not None for p in posts.values())
    assert any(t not in posts for t in pointer.values()), "no dangling pointer"
    assert any(pointer.get(t) is not None for t in pointer.values()), "no chain"
    assert any(pointer.get(t) == i for i, t in pointer.items()), "no cycle"


def test_preferences_in_both_vocabularies_reserving_allowing_and_malformed(
    platform: SynthSummary,
) -> None:
    from trainright.rules.usage import read_usage

    for name in ("posts", "accounts"):
        values = [r["content_usage"] for r in rows(platform, name)]
        set_ = [v for v in values if v is not None]
        assert 0 < len(set_) < len(values) / 5
        read = {v: read_usage(v) for v in set_}
        assert {u.signal for u in read.values() if u.allowed is False} == {
            "content-usage",
            "content-signal",
        }
        assert any(u.allowed for u in read.values())
        assert any(u.problem for u in read.values())


def test_attestations_stand_in_for_unknown_birth_dates_at_the_edges(
    platform: SynthSummary,
) -> None:
    accounts = rows(platform, "accounts")
    attested = [a for a in accounts if a["age_attested_min"] is not None]
    assert attested
    # only people with no birth date, each with the instant of the check
    assert all(a["birth_date"] is None and a["kind"] == "personal" for a in attested)
    assert all(a["age_attested_at"] is not None for a in attested)
    days = {(a["age_attested_min"], a["age_attested_at"].date()) for a in attested}
    two_years = CUTOFF_DAY.replace(year=CUTOFF_DAY.year - 2)
    assert {(16, two_years), (16, two_years + timedelta(days=1)), (16, date(2024, 2, 29))} <= days
