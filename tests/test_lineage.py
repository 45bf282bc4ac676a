"""SPEC §8: lineage — lookup, models, and the unlearning queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr
from pyroaring import BitMap64

from factories import CUTOFF, SECRET, account, post
from trainright import InputError, Ledger, NewEvent, build, parse_policy
from trainright.lineage import LineageIndex, compute_impact, lookup, mark_done, register_model
from trainright.minimise import Pseudonymiser

POLICY = parse_policy('notice_days = 0\nshards = 8\n[regions.EEA]\nlegal_basis = "consent"\n')
AFTER = datetime(2026, 7, 1, tzinfo=UTC)


@pytest.fixture
def built(snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger) -> Path:
    accounts = [account(i) for i in range(1, 31)] + [
        account(100 + i, country="NO") for i in range(5)
    ]
    posts = [post(1000 + i, 1 + i % 30) for i in range(90)] + [
        post(2000 + i, 100 + i) for i in range(5)
    ]
    ledger.append(
        [NewEvent(100 + i, "consent_given", datetime(2026, 1, 1, tzinfo=UTC)) for i in range(5)]
    )
    snap = snapshot_factory(accounts, posts)
    build(snap, POLICY, CUTOFF, tmp_path / "ds1", ledger=ledger, secret=SECRET)
    register_model(ledger, "chat-small", [str(tmp_path / "ds1")], version="v1")
    return snap


def shard_of(account_id: int) -> int:
    return Pseudonymiser(SecretStr(SECRET)).shard(account_id, 8)


def test_lookup_agrees_with_the_dataset_files(built: Path, tmp_path: Path, ledger: Ledger) -> None:
    index = LineageIndex.load(ledger)
    for path in sorted((tmp_path / "ds1" / "subjects").glob("shard-*.roaring")):
        shard = int(path.stem.split("-")[1])
        for account_id in BitMap64.deserialize(path.read_bytes()):
            (holding,) = index.lookup(account_id)
            assert holding.shard == shard == shard_of(account_id)
            assert holding.models == (("chat-small", "v1"),)
    assert lookup(ledger, 999_999) == []


def test_an_objection_after_the_cutoff_queues_its_shard(
    built: Path, tmp_path: Path, ledger: Ledger
) -> None:
    assert compute_impact(ledger).tasks == []
    ledger.append([NewEvent(7, "objection", AFTER, channel="web")])
    (task,) = compute_impact(ledger).tasks
    assert task.model == ("chat-small", "v1")
    assert (task.shard, task.shards, task.accounts.tolist()) == (shard_of(7), 8, [7])
    assert task.reasons == {"objection": 1}

    mark_done(ledger, task.task_id, note="retrained run 42")
    impact = compute_impact(ledger)
    assert impact.tasks == []
    assert [r["task_id"] for r in impact.done] == [task.task_id]
    with pytest.raises(InputError, match="already done"):
        mark_done(ledger, task.task_id)

    # a new build excludes the account; the old dataset still holds it (lookup says so)
    rebuilt = build(built, POLICY, AFTER, tmp_path / "ds2", ledger=ledger, secret=SECRET)
    assert rebuilt.manifest["counts"]["excluded_by_reason"]["objected"] == 3
    held_in = [h.dataset_id for h in lookup(ledger, 7)]
    assert rebuilt.dataset_id not in held_in
    assert len(held_in) == 1


def test_an_event_the_build_did_not_see_counts_even_if_backdated(
    built: Path, ledger: Ledger
) -> None:
    ledger.append([NewEvent(8, "objection", datetime(2026, 6, 1, tzinfo=UTC), channel="import")])
    (task,) = compute_impact(ledger).tasks
    assert task.accounts.tolist() == [8]


@pytest.mark.parametrize(
    ("account_id", "event", "queued"),
    [
        (3, "objection", True),  # legitimate interest: an objection takes them out
        (3, "consent_withdrawn", False),  # ... a consent withdrawal changes nothing
        (3, "account_deleted", True),
        (101, "consent_withdrawn", True),  # consent: a withdrawal takes them out
        (101, "objection", False),  # ... an objection does not, under the rules
        (101, "account_deleted", True),
        (999, "objection", False),  # in no dataset
    ],
)
def test_only_events_that_take_someone_out_are_queued(
    built: Path, ledger: Ledger, account_id: int, event: str, queued: bool
) -> None:
    ledger.append([NewEvent(account_id, event, AFTER)])  # type: ignore[arg-type]
    assert bool(compute_impact(ledger).tasks) is queued


def test_a_withdrawn_objection_is_not_queued(built: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(5, "objection", AFTER), NewEvent(5, "objection_withdrawn", AFTER)])
    assert compute_impact(ledger).tasks == []


def test_new_objectors_after_done_make_a_new_task(built: Path, ledger: Ledger) -> None:
    ledger.append([NewEvent(7, "objection", AFTER)])
    (first,) = compute_impact(ledger).tasks
    mark_done(ledger, first.task_id)
    same_shard = next(a for a in range(1, 31) if a != 7 and shard_of(a) == shard_of(7))
    ledger.append([NewEvent(same_shard, "objection", AFTER)])
    (second,) = compute_impact(ledger).tasks
    assert second.task_id != first.task_id
    assert second.accounts.tolist() == [same_shard]


def test_models_need_known_datasets(built: Path, ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a dataset"):
        register_model(ledger, "other", [str(tmp_path / "nope")])
    with pytest.raises(InputError, match="already registered"):
        register_model(ledger, "chat-small", [str(tmp_path / "ds1")], version="v1")
