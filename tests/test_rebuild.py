"""SPEC §8: `rebuild` rebuilds the queue's shards and leaves every other shard as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr

from factories import CUTOFF, SECRET, account, post
from trainright import InputError, Ledger, NewEvent, build, parse_policy
from trainright.dataset import read_manifest
from trainright.lineage import compute_impact, lookup, register_model
from trainright.minimise import Pseudonymiser
from trainright.rebuild import close_retrained, rebuild

POLICY = parse_policy("notice_days = 0\nshards = 8\n")
AFTER = datetime(2026, 7, 1, tzinfo=UTC)


def shard_of(account_id: int) -> int:
    return Pseudonymiser(SecretStr(SECRET)).shard(account_id, 8)


@pytest.fixture
def snap(snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger) -> Path:
    accounts = [account(i) for i in range(1, 31)]
    posts = [post(1000 + i, 1 + i % 30) for i in range(120)]
    snap = snapshot_factory(accounts, posts)
    build(snap, POLICY, CUTOFF, tmp_path / "ds1", ledger=ledger, secret=SECRET)
    register_model(ledger, "chat-small", [str(tmp_path / "ds1")], version="v1")
    return snap


def test_rebuild_replaces_only_the_queued_shards(
    snap: Path, tmp_path: Path, ledger: Ledger
) -> None:
    ledger.append([NewEvent(7, "objection", AFTER, channel="web")])
    (task,) = compute_impact(ledger).tasks
    result = rebuild(
        tmp_path / "ds1",
        tmp_path / "ds2",
        snapshot=snap,
        policy=POLICY,
        from_impact="chat-small",
        ledger=ledger,
        secret=SECRET,
    )
    parent, child = read_manifest(tmp_path / "ds1"), result.manifest
    assert child["rebuild"]["parent"] == parent["dataset_id"] != child["dataset_id"]
    assert child["rebuild"]["shards"] == [task.shard] == [shard_of(7)]
    assert child["rebuild"]["content_cutoff"] == child["cutoff"] == parent["cutoff"]
    assert child["ledger"]["seq"] == ledger.head().seq > parent["ledger"]["seq"]
    for old, new in zip(parent["shards"], child["shards"], strict=True):
        files = (old["file"], old["subjects_file"])
        assert (new["sha256"] == old["sha256"]) == (old["shard"] != task.shard)
        same = [
            (tmp_path / "ds1" / f).read_bytes() == (tmp_path / "ds2" / f).read_bytes()
            for f in files
        ]
        assert same == ([False, False] if old["shard"] == task.shard else [True, True])
    # the rebuilt shard is what a fresh build that sees the objection writes
    fresh = build(snap, POLICY, AFTER, tmp_path / "fresh", ledger=ledger, secret=SECRET)
    name = f"data/shard-{task.shard:05d}.parquet"
    assert (tmp_path / "ds2" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    assert child["counts"]["included"] == parent["counts"]["included"] - 4
    assert child["counts"]["excluded_by_reason"]["objected"] == 4
    assert child["counts"]["by_region"] == fresh.manifest["counts"]["by_region"]
    assert child["exclusions"]["rows"] == parent["exclusions"]["rows"] + 4

    # lineage: the new version no longer holds account 7; the parent still does
    held = {h.dataset_id for h in lookup(ledger, 7)}
    assert parent["dataset_id"] in held
    assert child["dataset_id"] not in held

    # the retrained model closes its task, and nothing is left for it
    register_model(ledger, "chat-small", [str(tmp_path / "ds2")], version="v2")
    (closed,) = close_retrained(ledger, "chat-small", "v2", [child["dataset_id"]])
    assert closed.task_id == task.task_id
    assert [t for t in compute_impact(ledger).tasks if t.model and t.model[0] == "chat-small"] == []


def test_rebuild_refuses_bad_shards_and_another_snapshot(
    snap: Path, tmp_path: Path, ledger: Ledger, snapshot_factory: Callable[..., Path]
) -> None:
    with pytest.raises(InputError, match=r"shards 0\.\.7"):
        rebuild(
            tmp_path / "ds1",
            tmp_path / "x",
            snapshot=snap,
            policy=POLICY,
            shards=[9],
            ledger=ledger,
            secret=SECRET,
        )
    other = snapshot_factory([account(1)], [post(1, 1)], name="other")
    with pytest.raises(InputError, match="not the snapshot"):
        rebuild(
            tmp_path / "ds1",
            tmp_path / "x",
            snapshot=other,
            policy=POLICY,
            shards=[1],
            ledger=ledger,
            secret=SECRET,
        )
    with pytest.raises(InputError, match="no open unlearning task"):
        rebuild(
            tmp_path / "ds1",
            tmp_path / "x",
            snapshot=snap,
            policy=POLICY,
            from_impact="chat-small",
            ledger=ledger,
            secret=SECRET,
        )
    assert not (tmp_path / "x").exists()


def test_the_cli_rebuilds_registers_and_writes_a_card(
    snap: Path, tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from trainright.cli import app

    monkeypatch.setenv("TRAINRIGHT_SECRET", SECRET)
    monkeypatch.setenv("TRAINRIGHT_LEDGER", str(ledger.url.url))
    monkeypatch.setenv("TRAINRIGHT_OPENLINEAGE_FILE", str(tmp_path / "ol.jsonl"))
    (tmp_path / "policy.toml").write_text("notice_days = 0\nshards = 8\n")
    ledger.append([NewEvent(7, "objection", AFTER), NewEvent(12, "account_deleted", AFTER)])
    runner = CliRunner()
    args = ["rebuild", "--dataset", str(tmp_path / "ds1"), "--out", str(tmp_path / "ds2")]
    args += ["--snapshot", str(snap), "--policy", str(tmp_path / "policy.toml")]
    bad = runner.invoke(app, [*args, "--shards", "3,x"])
    assert isinstance(bad.exception, InputError)
    assert bad.exception.field == "--shards"
    done = runner.invoke(app, [*args, "--shards", f"{shard_of(7)},{shard_of(12)}"])
    assert done.exit_code == 0, done.output
    assert "8 row(s) removed" in done.output
    card = tmp_path / "README.md"
    reg = ["models", "register", "chat-small", "--dataset", str(tmp_path / "ds2")]
    registered = runner.invoke(app, [*reg, "--version", "v2", "--card", str(card)])
    assert registered.exit_code == 0, registered.output
    assert registered.output.count("done: unlearning task") == len({shard_of(7), shard_of(12)})
    assert compute_impact(ledger).tasks == []
    text = card.read_text()
    child = read_manifest(tmp_path / "ds2")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["datasets"] == [f"trainright/{child['dataset_id']}"]
    (entry,) = front["trainright"]["datasets"]
    assert entry["rebuilt_from"]["parent"] == child["rebuild"]["parent"]
    assert entry["ledger"] == child["ledger"]
    assert entry["cutoff"] == child["cutoff"]
    assert entry["excluded_by_reason"]["objected"] == 4
    assert entry["excluded_by_reason"]["account_status"] == 4
    assert entry["by_region"] == child["counts"]["by_region"]
    assert {h["shard"] for h in front["trainright"]["unlearning"]} == {shard_of(7), shard_of(12)}
    assert "## Unlearning" in text
    assert "retrained as chat-small v2" in text


def test_a_rebuilt_manifest_counts_the_rebuilt_shards_redactions_and_reservations(
    snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger
) -> None:
    accounts = [account(i) for i in range(1, 31)]
    posts = [
        post(
            1000 + i,
            1 + i % 30,
            text=f"post {i}: write to me{i}@example.org or call +1 415 555 01{i:02d}",
        )
        for i in range(120)
    ]
    snap = snapshot_factory(accounts, posts)
    build(snap, POLICY, CUTOFF, tmp_path / "ds1", ledger=ledger, secret=SECRET)
    ledger.append(
        [
            NewEvent(7, "objection", AFTER, channel="web"),
            NewEvent(9, "preference_set", AFTER, channel="api", content_usage="train-ai=n"),
        ]
    )
    chosen = sorted({shard_of(7), shard_of(9)})
    # every change is in the rebuilt shards, so the whole count is a fresh build's
    child, parent, fresh = rebuilt_beside_fresh(tmp_path, snap, ledger, chosen)
    assert child["redactions"] == fresh["redactions"] != parent["redactions"]
    assert child["redactions"]["email"] == parent["redactions"]["email"] - 8
    assert child["counts"]["reserved_by"] == fresh["counts"]["reserved_by"]
    assert child["counts"]["reserved_by"] != parent["counts"]["reserved_by"]
    assert child["media"] == fresh["media"]
    assert child["counts"]["excluded_by_reason"] == fresh["counts"]["excluded_by_reason"]


def test_a_rebuilt_manifest_carries_each_shards_media_drops(tmp_path: Path, ledger: Ledger) -> None:
    from helpers import write_snapshot
    from reference import Account, Media, Platform, Post

    joined = datetime(2020, 1, 1, tzinfo=UTC)
    written = datetime(2025, 1, 1, tzinfo=UTC)
    accounts = [
        Account(i, "personal", date(1990, 5, 17), "US", "active", f"Person {i}", joined)
        for i in range(1, 31)
    ]
    # every post has an image; a third have no text, so losing it empties them
    posts = [
        Post(
            1000 + i,
            1 + i % 30,
            written,
            "public",
            "en",
            None if i % 3 == 0 else f"post {i}",
            False,
        )
        for i in range(120)
    ]
    media = [
        Media(
            5000 + i,
            1000 + i,
            f"images/{5000 + i}.jpg",
            flagged_minor=i % 4 == 0,
            reservation="reserved" if i % 5 == 0 else None,
        )
        for i in range(120)
    ]
    snap = write_snapshot(Platform(tuple(accounts), tuple(posts), tuple(media)), tmp_path / "snap")
    build(snap, POLICY, CUTOFF, tmp_path / "ds1", ledger=ledger, secret=SECRET)
    # account 7's images include minors' (posts 1036, 1096), 11's reserved ones
    ledger.append([NewEvent(7, "objection", AFTER), NewEvent(11, "objection", AFTER)])
    chosen = sorted({shard_of(7), shard_of(11)})
    child, parent, fresh = rebuilt_beside_fresh(tmp_path, snap, ledger, chosen)
    for old, new, now in zip(parent["shards"], child["shards"], fresh["shards"], strict=True):
        assert new == (now if old["shard"] in chosen else old)
    assert child["counts"]["media_dropped"] == fresh["counts"]["media_dropped"]
    assert child["media"] == fresh["media"]
    assert child["counts"]["media_dropped"] != parent["counts"]["media_dropped"]
    assert child["media"]["reserved_by"] != parent["media"]["reserved_by"]
    assert sum(child["counts"]["media_dropped"].values()) == sum(
        n for e in child["shards"] for n in e["media_dropped"].values()
    )


def rebuilt_beside_fresh(
    tmp_path: Path, snap: Path, ledger: Ledger, shards: list[int]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The manifests of ds1's `shards` rebuilt as ds2 under today's ledger, of ds1, and of
    a fresh build at AFTER."""
    child = rebuild(
        tmp_path / "ds1",
        tmp_path / "ds2",
        snapshot=snap,
        policy=POLICY,
        shards=shards,
        ledger=ledger,
        secret=SECRET,
    ).manifest
    parent = read_manifest(tmp_path / "ds1")
    fresh = build(snap, POLICY, AFTER, tmp_path / "fresh", ledger=ledger, secret=SECRET).manifest
    return child, parent, fresh
