"""SPEC §5 `copy_of_excluded` and `duplicate` as a table, on the reference and the build.

Account 1 and 3 are adult and cleared, account 2 objected. Each row gives the posts
(all public, each at T minus its `days`), extra policy lines and every post's outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from helpers import Scenario, build_scenario
from reference import Account, Event, Platform, Post, evaluate
from trainright.copies import jaccard

T = datetime(2026, 6, 26, tzinfo=UTC)
DAY = timedelta(days=1)
ACCOUNTS = (
    Account(1, "personal", date(1990, 5, 17), "US", "active", "Ada Berg", T - 400 * DAY),
    Account(2, "personal", date(1985, 1, 2), "US", "active", "Bo Lind", T - 400 * DAY),
    Account(3, "personal", date(1979, 9, 9), "US", "active", "Cy Moe", T - 400 * DAY),
)
EVENTS = (
    *(Event(a, "notice_sent", T - 40 * DAY) for a in (1, 2, 3)),
    Event(2, "objection", T - 10 * DAY),
)
POLICY = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n'

WORDS = [f"w{i}" for i in range(40)]  # 36 shingles
A = " ".join(WORDS)
A_SPACED = "  " + "\u00a0 ".join(WORDS).upper()  # equal to A once normalised
A_END = " ".join([*WORDS[:-1], "x"])  # one shingle changed: 35/37, near
A_MIDDLE = " ".join([*WORDS[:20], "x", *WORDS[21:]])  # five changed: 31/41, not near
B = " ".join([*WORDS[:-3], "x", "y", "z"])  # near A (33/39)
C = " ".join(["p", "q", *B.split()[2:]])  # near B (34/38), not near A (31/41)


@dataclass(frozen=True)
class P:
    post_id: int
    author: int
    text: str | None
    days: float = 5
    deleted: bool = False
    reshare_of: int | None = None
    quote_of: int | None = None
    content_usage: str | None = None


@dataclass(frozen=True)
class Row:
    id: str
    posts: tuple[P, ...]
    expect: dict[int, str]
    policy: str = ""


ROWS = [
    Row(
        "an exact copy of an objector's post",
        (P(10, 2, A), P(100, 1, A_SPACED)),
        {10: "objected", 100: "copy_of_excluded"},
    ),
    Row(
        "an edited copy of an objector's post",
        (P(10, 2, A), P(100, 1, A_END)),
        {10: "objected", 100: "copy_of_excluded"},
    ),
    Row(
        "a text too far from the objector's",
        (P(10, 2, A), P(100, 1, A_MIDDLE)),
        {10: "objected", 100: "included"},
    ),
    Row(
        "a short text compares as a whole string",
        (P(10, 2, "Fin dag i Oslo"), P(100, 1, "fin  DAG i oslo"), P(101, 1, "Fin dag")),
        {10: "objected", 100: "copy_of_excluded", 101: "included"},
    ),
    Row(
        "copy checks off",
        (P(10, 2, A), P(100, 1, A)),
        {10: "objected", 100: "included"},
        "exclude_copies_of_excluded = false\n",
    ),
    Row(
        "copy checks off in the copier's region only",
        (P(10, 2, A), P(100, 1, A)),
        {10: "objected", 100: "included"},
        "[regions.US]\nexclude_copies_of_excluded = false\n",
    ),
    Row(
        "an objector's deleted words are still theirs",
        (P(10, 2, A, deleted=True), P(100, 1, A)),
        {10: "post_deleted", 100: "copy_of_excluded"},
    ),
    Row(
        "a post by an unknown author is not cleared",
        (P(10, 99, A), P(100, 1, A)),
        {10: "account_status", 100: "copy_of_excluded"},
    ),
    Row(
        "a copy of a cleared author's reserved post is no copy of excluded",
        (P(10, 3, A, content_usage="train-ai=n"), P(100, 1, A)),
        {10: "reserved", 100: "included"},
    ),
    Row(
        "the reason order: a reshare of a copy is shares_excluded",
        (P(10, 2, A), P(100, 1, A), P(101, 3, "look at this", days=4, reshare_of=100)),
        {10: "objected", 100: "copy_of_excluded", 101: "shares_excluded"},
    ),
    Row(
        "the reason order: a quote copying an objector's text is shares_excluded",
        (P(10, 2, A), P(100, 1, A, quote_of=10)),
        {10: "objected", 100: "shares_excluded"},
    ),
    Row(
        "near: an edited repeat is a duplicate, the earliest kept",
        (P(100, 1, A), P(101, 3, A_END, days=4)),
        {100: "included", 101: "duplicate"},
    ),
    Row(
        "exact: only the normalised equal text is a duplicate",
        (P(100, 1, A), P(101, 3, A_END, days=4), P(102, 3, A_SPACED, days=3)),
        {100: "included", 101: "included", 102: "duplicate"},
        'dedup = "exact"\n',
    ),
    Row(
        "off: a copy of an included post is not a duplicate",
        (P(100, 1, A), P(101, 3, A_END, days=4), P(102, 3, A_SPACED, days=3)),
        {100: "included", 101: "included", 102: "included"},
        'dedup = "off"\n',
    ),
    Row(
        "the earliest by created_at, then post_id",
        (P(105, 1, A), P(100, 3, A_SPACED, days=4), P(103, 3, A)),
        {103: "included", 105: "duplicate", 100: "duplicate"},
    ),
    Row(
        "not chained: a repeat of a duplicate is a duplicate",
        (P(100, 1, A), P(101, 1, B, days=4), P(102, 3, C, days=3)),
        {100: "included", 101: "duplicate", 102: "duplicate"},
    ),
    Row(
        "an earlier repeat that is not included makes no duplicate",
        (P(10, 2, "Fin dag"), P(100, 1, A, quote_of=10), P(101, 3, A, days=4)),
        {10: "objected", 100: "shares_excluded", 101: "included"},
    ),
    Row(
        "a reshare of a duplicate: the pointed-to post is decided without its duplicate step",
        (P(100, 1, A), P(101, 3, A, days=4), P(102, 1, "look at this", days=3, reshare_of=101)),
        {100: "included", 101: "duplicate", 102: "included"},
    ),
    Row(
        "blank texts are never repeats",
        (P(100, 1, "Hei", days=5), P(101, 1, "   ", days=4), P(102, 3, "   ", days=3)),
        {100: "included", 101: "empty_after_minimisation", 102: "empty_after_minimisation"},
    ),
]


def test_the_texts_are_where_the_rows_say() -> None:
    assert jaccard(A, A_SPACED) == 1.0
    assert jaccard(A, A_END) >= 0.8 > jaccard(A, A_MIDDLE)
    assert jaccard(A, B) >= 0.8
    assert jaccard(B, C) >= 0.8 > jaccard(A, C)


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_copies_and_duplicates(row: Row, tmp_path: Path) -> None:
    posts = tuple(
        Post(
            p.post_id,
            p.author,
            T - p.days * DAY,
            "public",
            "en",
            p.text,
            p.deleted,
            p.reshare_of,
            p.quote_of,
            p.content_usage,
        )
        for p in row.posts
    )
    scenario = Scenario(Platform(ACCOUNTS, posts), EVENTS, POLICY + row.policy, T)
    expected = evaluate(scenario.platform, scenario.events, scenario.policy, scenario.cutoff)
    assert {**expected.excluded, **dict.fromkeys(expected.included, "included")} == row.expect
    built = build_scenario(scenario, tmp_path)
    assert {**built.excluded, **dict.fromkeys(built.included, "included")} == row.expect
