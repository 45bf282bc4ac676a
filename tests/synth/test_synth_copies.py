"""copies.parquet is ground truth: the build (DuckDB, default policy) excludes every
planted copy with exactly the reason it names, and keeps a cleared author's source."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from helpers import SECRET, build_account_state, read_dataset
from trainright import Ledger, build, import_events
from trainright.copies import is_near, jaccard, normalise
from trainright.policy import DEFAULT_POLICY_TOML, parse_policy
from trainright.synth import DEFAULT_CUTOFF, SynthSummary


def rows(root: Path, name: str) -> list[dict[str, Any]]:
    return pq.read_table(root / f"{name}.parquet").to_pylist()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def copies(platform: SynthSummary) -> list[dict[str, Any]]:
    return rows(platform.out, "copies")


@pytest.fixture(scope="module")
def posts(platform: SynthSummary) -> dict[int, dict[str, Any]]:
    return {p["post_id"]: p for p in rows(platform.out, "posts")}


@pytest.fixture(scope="module")
def built(platform: SynthSummary, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Ledger]:
    """The shared platform built as `trainright demo` builds it: both event files."""
    root = tmp_path_factory.mktemp("copies-build")
    ledger = Ledger(f"sqlite:///{root / 'ledger.db'}")
    import_events(ledger, platform.out / "events.jsonl")
    import_events(ledger, platform.out / "non_users.jsonl")
    policy = parse_policy(DEFAULT_POLICY_TOML)
    build(platform.out, policy, DEFAULT_CUTOFF, root / "ds", ledger=ledger, secret=SECRET)
    return root / "ds", ledger


def test_both_kinds_are_planted_for_both_reasons(
    platform: SynthSummary, copies: list[dict[str, Any]]
) -> None:
    assert platform.copies == len(copies)
    kinds = Counter((c["kind"], c["expected_reason"]) for c in copies)
    assert set(kinds) == {
        (k, r) for k in ("exact", "edited") for r in ("copy_of_excluded", "duplicate")
    }
    assert [c["post_id"] for c in copies] == sorted(c["post_id"] for c in copies)
    assert len({c["post_id"] for c in copies}) == len(copies)
    assert not {c["post_id"] for c in copies} & {c["source_post_id"] for c in copies}


def test_copies_are_near_by_construction_and_sources_are_long(
    copies: list[dict[str, Any]], posts: dict[int, dict[str, Any]]
) -> None:
    for c in copies:
        source, copy = posts[c["source_post_id"]]["text"], posts[c["post_id"]]["text"]
        assert len(set(normalise(source).split())) >= 55
        assert c["jaccard"] == pytest.approx(jaccard(source, copy))
        if c["kind"] == "exact":
            assert copy == source
        else:
            assert copy != source
            assert is_near(source, copy), c
            assert c["jaccard"] >= 0.85, c
        assert posts[c["source_post_id"]]["created_at"] < posts[c["post_id"]]["created_at"]
    families = {c["source_post_id"] for c in copies}
    for a in families:
        for b in families - {a}:
            assert jaccard(posts[a]["text"], posts[b]["text"]) < 0.1


def test_copiers_are_cleared_and_excluded_sources_are_not(
    platform: SynthSummary,
    built: tuple[Path, Ledger],
    copies: list[dict[str, Any]],
    posts: dict[int, dict[str, Any]],
) -> None:
    """The build's own account decisions agree with what synth was certain of."""
    _, ledger = built
    state = build_account_state(
        platform.out, ledger, parse_policy(DEFAULT_POLICY_TOML), DEFAULT_CUTOFF
    )
    for c in copies:
        assert state[posts[c["post_id"]]["author_id"]] == (None, False), c
        source_reason, _ = state[posts[c["source_post_id"]]["author_id"]]
        assert (source_reason is not None) == (c["expected_reason"] == "copy_of_excluded"), c


def test_the_build_excludes_every_planted_copy_with_its_expected_reason(
    built: tuple[Path, Ledger], copies: list[dict[str, Any]]
) -> None:
    dataset = read_dataset(built[0])
    got = {c["post_id"]: dataset.excluded.get(c["post_id"], "included") for c in copies}
    assert got == {c["post_id"]: c["expected_reason"] for c in copies}
    for c in copies:
        if c["expected_reason"] == "duplicate":  # the earliest is kept
            assert c["source_post_id"] in dataset.included
