"""SPEC §5: an image matching a photo a person without an account registered is dropped.

A table of edges, each run on the reference and on a real build: post 100 by an adult,
cleared account carries one image (a test picture, or its resized, re-encoded copy),
and the row's registrations decide whether it is dropped as `non_user_photo`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import imagehash
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import SECRET, Scenario, build_scenario, read_dataset
from pictures import hamming, phash_hex, picture
from reference import Account, Event, Media, Platform, Post, evaluate
from trainright.nonusers.photos import MAX_DISTANCE, PhotoIndex, non_user_photo, phash

T = datetime(2026, 6, 26, tzinfo=UTC)
DAY = timedelta(days=1)
ADULT = Account(1, "personal", date(1990, 5, 17), "US", "active", "Ada Berg", T - 400 * DAY)
NOTICE = Event(1, "notice_sent", T - 40 * DAY)
POLICY = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n'


def register(*photos: str, at: datetime = T - DAY, ref: str = "nu-1") -> Event:
    return Event(None, "non_user_objection", at, "all", None, ref, photos=photos)


def withdraw(at: datetime, ref: str = "nu-1") -> Event:
    return Event(None, "non_user_objection_withdrawn", at, "all", None, ref)


@dataclass(frozen=True)
class Row:
    id: str
    events: tuple[Event, ...]
    expect: str  # the post's outcome: "included" or its reason
    dropped: dict[str, int]  # counts.media_dropped that are not zero
    text: str | None = "A day at the lake"
    picture: int = 0  # which test picture the post carries
    copy: bool = False  # ... as its resized, re-encoded copy
    minor: bool = False
    reservation: str | None = None


ROWS = [
    Row(
        "the registered photo itself", (register(phash_hex(0)),), "included", {"non_user_photo": 1}
    ),
    Row(
        "a resized, re-encoded copy of the registered photo",
        (register(phash_hex(0)),),
        "included",
        {"non_user_photo": 1},
        copy=True,
    ),
    Row(
        "the person registered their own copy; the post has the original",
        (register(phash_hex(1, copy=True)),),
        "included",
        {"non_user_photo": 1},
        picture=1,
    ),
    Row("another photo", (register(phash_hex(2)),), "included", {}),
    Row("nobody registered", (), "included", {}),
    Row(
        "an image-only post whose image matches",
        (register(phash_hex(0)),),
        "empty_after_minimisation",
        {"non_user_photo": 1},
        text=None,
    ),
    Row("withdrawn before T", (register(phash_hex(0)), withdraw(T - DAY / 2)), "included", {}),
    Row(
        "withdrawn after T",
        (register(phash_hex(0)), withdraw(T + DAY)),
        "included",
        {"non_user_photo": 1},
    ),
    Row("registered after T", (register(phash_hex(0), at=T + DAY),), "included", {}),
    Row(
        "flagged as a minor as well: the platform's flag is the cause",
        (register(phash_hex(0)),),
        "included",
        {"flagged_minor": 1},
        minor=True,
    ),
    Row(
        "reserved in its metadata as well: the reservation is the cause",
        (register(phash_hex(0)),),
        "included",
        {"reserved": 1},
        reservation="reserved",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_non_user_photo(row: Row, tmp_path: Path) -> None:
    post = Post(100, 1, T - 5 * DAY, "public", "en", row.text, False)
    image = Media(500, 100, "images/500.jpg", row.minor, row.reservation, row.picture, row.copy)
    scenario = Scenario(Platform((ADULT,), (post,), (image,)), (NOTICE, *row.events), POLICY, T)
    expected = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
    outcome = {**expected.excluded, **dict.fromkeys(expected.included, "included")}
    assert outcome == {100: row.expect}
    assert {c: n for c, n in expected.media_dropped.items() if n} == row.dropped
    built = build_scenario(scenario, tmp_path)
    assert {**built.excluded, **dict.fromkeys(built.included, "included")} == {100: row.expect}
    media_dropped = built.manifest["counts"]["media_dropped"]
    assert {c: n for c, n in media_dropped.items() if n} == row.dropped
    if row.expect == "included":
        assert built.included[100] == (0 if row.dropped else 1)


def test_a_phash_is_that_of_imagehash_on_the_decoded_image() -> None:
    assert phash(picture(3)) == int(phash_hex(3), 16)


def test_bytes_that_are_no_image_match_nothing() -> None:
    index = PhotoIndex([0])
    assert phash(b"not an image") is None
    assert not non_user_photo(b"not an image", index)
    assert not non_user_photo(picture(0), None)
    assert not non_user_photo(picture(0), PhotoIndex([]))


hashes = st.integers(min_value=0, max_value=(1 << 64) - 1)


@given(st.lists(hashes, max_size=40), hashes, st.sets(st.integers(0, 63), max_size=12))
def test_a_match_is_a_hamming_distance_of_at_most_8(
    registered: list[int], value: int, flips: set[int]
) -> None:
    """Against plain Python over every registration; a registration `flips` bits away
    from the value is added, so distances around the threshold are drawn often."""
    near = value
    for bit in flips:
        near ^= 1 << bit
    registered = [*registered, near]
    expected = any(bin(value ^ r).count("1") <= MAX_DISTANCE for r in registered)
    assert PhotoIndex(registered).matches(value) == expected


def test_synthetic_non_users_are_left_out_as_their_ground_truth_says(tmp_path: Path) -> None:
    """`trainright synth` registers people without an account whose names, addresses,
    numbers and photos (resized, re-encoded copies in the snapshot) appear in posts: no
    post holding an active registration's text is included, and no image of their photos."""
    import pyarrow.parquet as pq

    from trainright import Ledger, import_events, parse_policy
    from trainright.pipeline import build
    from trainright.synth import DEFAULT_CUTOFF, synthesize

    snapshot = tmp_path / "snapshot"
    synthesize(snapshot, accounts=200, posts=2000, seed=3, images=250)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    import_events(ledger, snapshot / "events.jsonl")
    import_events(ledger, snapshot / "non_users.jsonl")
    out = tmp_path / "ds"
    result = build(
        snapshot, parse_policy(POLICY), DEFAULT_CUTOFF, out, ledger=ledger, secret=SECRET
    )
    truth = pq.read_table(snapshot / "non_users.parquet").to_pylist()
    assert {t["kind"] for t in truth} == {"name", "email", "phone", "photo"}
    assert {t["active"] for t in truth} == {True, False}
    built = read_dataset(out)
    for t in truth:
        if t["active"] and t["post_id"] is not None:
            assert t["post_id"] not in built.included, t["kind"]
    reasons = result.manifest["counts"]["excluded_by_reason"]
    assert reasons["names_non_user"] > 0
    assert result.manifest["counts"]["media_dropped"]["non_user_photo"] > 0
    media = pq.read_table(snapshot / "media.parquet", columns=["media_id", "path"]).to_pydict()
    path_of = dict(zip(media["media_id"], media["path"], strict=True))
    kept = {path_of[int(f.stem)] for f in (out / "media").iterdir()}
    registered = {t["path"] for t in truth if t["kind"] == "photo" and t["active"]}
    withdrawn = {t["path"] for t in truth if t["kind"] == "photo" and not t["active"]}
    assert not kept & registered
    assert kept & withdrawn  # a withdrawn person's photos are back in


def test_the_service_and_the_build_hash_a_sideways_photo_alike() -> None:
    """A phone photo stored sideways with an EXIF orientation: the person uploads it to
    the service, a post carries the same file, and the build must find it."""
    from PIL import Image

    from trainright.nonusers.phash import phash_hex as service_phash

    with Image.open(io.BytesIO(picture(2))) as img:
        sideways = img.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[0x0112] = 6  # viewers turn it back a quarter: upright again
        buf = io.BytesIO()
        sideways.save(buf, "JPEG", quality=92, exif=exif.tobytes())
    data = buf.getvalue()
    registered = service_phash(data)
    assert hamming(registered, phash_hex(2)) <= 2  # the photo as people see it
    with Image.open(io.BytesIO(data)) as raw:
        assert hamming(str(imagehash.phash(raw)), registered) > MAX_DISTANCE  # not as stored
    assert phash(data) == int(registered, 16)
    assert non_user_photo(data, PhotoIndex([int(registered, 16)]))
