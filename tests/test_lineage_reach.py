"""SPEC §5, §8: an objection after a build reaches the person's linked accounts and the
reshares and quotes of their posts, in `impact` and `lookup`, on both engines' catalogs."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import SecretStr
from pyroaring import BitMap64

from factories import CUTOFF, SECRET
from helpers import PERSONS, POSTS, Scenario, build_reasons, build_scenario, new_events, open_ledger
from strategies import fewer, scenarios
from trainright import Ledger, NewEvent, build, parse_policy
from trainright.dataset import read_manifest
from trainright.lineage import LineageIndex, compute_impact, lookup, register_model
from trainright.lineage.catalog import datasets
from trainright.lineage.links import links_of_snapshot
from trainright.minimise import Pseudonymiser
from trainright.report.unlearning import task_history

POLICY = parse_policy("notice_days = 0\nshards = 16\n")
AFTER = datetime(2026, 7, 1, tzinfo=UTC)
#: accounts 1 and 2 are one person; 3 reshares 4's post, 5 quotes that reshare; 6 is alone
PEOPLE = [(1, 900), (2, 900)]


def _post(post_id: int, author: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "post_id": post_id,
        "author_id": author,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "visibility": "public",
        "lang": "en",
        "text": f"words of post {post_id}",
        "deleted": False,
        "reshare_of": None,
        "quote_of": None,
        "content_usage": None,
    }
    row.update(kw)
    return row


POSTS_ROWS = [
    _post(10, 1),
    _post(20, 2),
    _post(40, 4),
    _post(30, 3, reshare_of=40),
    _post(50, 5, quote_of=30),
    _post(60, 6),
]


def _snapshot(root: Path) -> Path:
    root.mkdir()
    accounts = {
        "account_id": pa.array(range(1, 7), pa.int64()),
        "kind": ["personal"] * 6,
        "birth_date": pa.array([date(1990, 5, 17)] * 6, pa.date32()),
        "country": ["US"] * 6,
        "status": ["active"] * 6,
        "display_name": [f"Member {i}" for i in range(1, 7)],
        "created_at": pa.array([datetime(2020, 1, 1, tzinfo=UTC)] * 6, pa.timestamp("us", "UTC")),
    }
    pq.write_table(pa.table(accounts), root / "accounts.parquet")
    pq.write_table(pa.Table.from_pylist(POSTS_ROWS, POSTS), root / "posts.parquet")
    persons = {"account_id": [a for a, _ in PEOPLE], "person_id": [p for _, p in PEOPLE]}
    pq.write_table(pa.table(persons, PERSONS), root / "persons.parquet")
    return root


def shard_of(account_id: int) -> int:
    return Pseudonymiser(SecretStr(SECRET)).shard(account_id, 16)


@pytest.fixture
def built(tmp_path: Path, ledger: Ledger) -> Path:
    snap = _snapshot(tmp_path / "snap")
    result = build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    assert result.manifest["counts"]["included"] == len(POSTS_ROWS)
    register_model(ledger, "chat", [str(tmp_path / "ds")], version="v1")
    return snap


def _queued(ledger: Ledger) -> dict[int, tuple[list[int], dict[str, int]]]:
    return {t.shard: (t.accounts.tolist(), dict(t.causes)) for t in compute_impact(ledger).tasks}


def test_an_objection_on_one_account_queues_the_persons_other_accounts(
    built: Path, ledger: Ledger
) -> None:
    ledger.append([NewEvent(2, "objection", AFTER, channel="web")])
    expected: dict[int, list[int]] = {}
    for account_id in (1, 2):
        expected.setdefault(shard_of(account_id), []).append(account_id)
    queued = _queued(ledger)
    assert {shard: accounts for shard, (accounts, _) in queued.items()} == expected
    # account 1's posts are queued by the event filed on account 2
    assert queued[shard_of(1)][1].get("linked_account") == 1


def test_a_withdrawal_on_the_other_account_releases_both(built: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(1, "objection", AFTER), NewEvent(2, "objection_withdrawn", AFTER)])
    assert compute_impact(ledger).tasks == []


def test_a_deletion_reaches_its_own_account_only(built: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(2, "account_deleted", AFTER)])
    ((shard, (accounts, causes)),) = _queued(ledger).items()
    assert (shard, accounts, causes) == (shard_of(2), [2], {"own_posts": 1})


def test_an_objection_queues_the_shards_of_reshares_and_quotes_down_the_chain(
    built: Path, ledger: Ledger
) -> None:
    ledger.append([NewEvent(4, "objection", AFTER)])
    queued = _queued(ledger)
    # 4's own post, 3's reshare of it, 5's quote of that reshare
    assert set(queued) == {shard_of(4), shard_of(3), shard_of(5)}
    assert all(accounts == [4] for accounts, _ in queued.values())
    if shard_of(3) != shard_of(4):
        assert queued[shard_of(3)][1] == {"reshared_or_quoted": 1}
    assert queued[shard_of(4)][1] == {"own_posts": 1}


def test_an_objection_of_the_sharer_does_not_reach_the_original(
    built: Path, ledger: Ledger
) -> None:
    ledger.append([NewEvent(5, "objection", AFTER)])
    assert set(_queued(ledger)) == {shard_of(5)}


def test_lookup_lists_the_persons_accounts_and_the_shards_carrying_their_posts(
    built: Path, ledger: Ledger
) -> None:
    held = {(h.account_id, h.shard, h.how) for h in lookup(ledger, 1)}
    assert held == {(1, shard_of(1), "own_posts"), (2, shard_of(2), "linked_account")}
    carried = {(h.account_id, h.shard, h.how) for h in lookup(ledger, 4)}
    assert carried == {
        (4, shard_of(4), "own_posts"),
        (4, shard_of(3), "reshared_or_quoted"),
        (4, shard_of(5), "reshared_or_quoted"),
    } - ({(4, shard_of(4), "reshared_or_quoted")})
    assert {h.how for h in lookup(ledger, 6)} == {"own_posts"}


def test_the_snapshot_read_on_its_own_gives_the_catalogs_links(
    built: Path, ledger: Ledger, tmp_path: Path
) -> None:
    """A Spark build enters its links by reading the snapshot on its own: the same rows
    the embedded build entered from its own connection."""
    index = LineageIndex.load(ledger)
    (dataset_id,) = index.persons_of
    ds = tmp_path / "ds"
    links = links_of_snapshot(built, ds, read_manifest(ds))
    accounts, persons = index.persons_of[dataset_id]
    assert (links.accounts.tolist(), links.persons.tolist()) == ([1, 2], [900, 900])
    assert (accounts.tolist(), persons.tolist()) == ([1, 2], [900, 900])
    carried = {shard: sorted(a.tolist()) for shard, a in links.carried.items()}
    expected: dict[int, list[int]] = {}
    for sharer, authors in ((3, [4]), (5, [3, 4])):
        expected[shard_of(sharer)] = sorted({*expected.get(shard_of(sharer), []), *authors})
    assert carried == expected
    dense = {
        s: sorted(index.account_ids[np.isin(index.idx_of, d)].tolist())
        for s, d in index.carried_of[dataset_id].items()
    }
    assert dense == expected


@st.composite
def later_histories(draw: st.DrawFn) -> tuple[Scenario, int]:
    """A scenario and how many of its events the build sees; the rest come after it."""
    scenario = draw(scenarios())
    return scenario, draw(st.integers(min_value=0, max_value=len(scenario.events)))


@fewer(4)
@given(later_histories())
def test_impact_queues_exactly_the_subjects_a_build_now_would_leave_out(
    case: tuple[Scenario, int],
) -> None:
    """Pinned to the build's own rule definition: after the events the build did not
    see, the subjects `impact` queues for their own or their linked accounts' posts are
    exactly those whom the build's account rules, at an instant after every event,
    leave out as objected, without consent or deleted (with persons on random
    platforms: choices on any linked account, deletions on its own)."""
    scenario, seen = case
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ledger = open_ledger(work, scenario.events[:seen])
        built = build_scenario(scenario, work, ledger)
        if scenario.events[seen:]:
            ledger.append(new_events(scenario.events[seen:]))
        subjects: set[int] = set()
        for path in (built.out / "subjects").glob("shard-*.roaring"):
            subjects |= set(BitMap64.deserialize(path.read_bytes()))
        last = max([e.at for e in scenario.events] + [scenario.cutoff])
        later = last + timedelta(days=1)
        policy = parse_policy(scenario.policy)
        reasons = build_reasons(work / "snapshot", ledger, policy, later)
        assume(all(reasons.get(a) != "region_hold" for a in subjects))
        out = {
            a for a in subjects if reasons.get(a) in {"objected", "no_consent", "account_status"}
        }
        queued = {int(a) for t in compute_impact(ledger).tasks for a in t.accounts}
    assert queued & subjects == out


def test_the_report_dates_a_task_from_the_event_that_reached_it(
    built: Path, ledger: Ledger
) -> None:
    """A shard queued by an event on a linked account, or by an objection reaching a
    reshare, is open since that event was committed, as the operator report says."""
    ledger.append([NewEvent(2, "objection", AFTER)])
    ledger.append([NewEvent(4, "objection", AFTER)])
    by_account = {e.account_id: e.received_at for e in ledger.events()}
    assert by_account[2] < by_account[4]
    with ledger.read() as conn:
        open_tasks, _ = task_history(conn, datasets(conn), compute_impact(ledger))
    opened = {o.task.shard: o.opened_at for o in open_tasks}
    expected: dict[int, datetime] = {}
    for account_id, filer in ((1, 2), (2, 2), (4, 4), (3, 4), (5, 4)):
        at = by_account[filer]
        expected[shard_of(account_id)] = min(at, expected.get(shard_of(account_id), at))
    assert opened == expected
