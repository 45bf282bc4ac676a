"""SPEC §8 `audit-outputs`: hits, the author's clearance now, the catalog, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from factories import CUTOFF, SECRET, account, post
from helpers import run_module
from trainright import InputError, Ledger, NewEvent, build, parse_policy
from trainright.audit import audit_outputs
from trainright.lineage import compute_impact, register_model

POLICY = parse_policy("notice_days = 0\nshards = 4\n")
AFTER = datetime(2026, 7, 1, tzinfo=UTC)


def text_of(post_id: int) -> str:
    return " ".join(f"word{post_id}x{i}" for i in range(20))


@pytest.fixture
def dataset(snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger) -> Path:
    accounts = [account(i) for i in range(1, 11)]
    posts = [post(100 + i, 1 + i % 10, text=text_of(100 + i)) for i in range(20)]
    snap = snapshot_factory(accounts, posts)
    build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    register_model(ledger, "chat-small", [str(tmp_path / "ds")], version="v1")
    return tmp_path / "ds"


def outputs(tmp_path: Path, lines: list[object]) -> Path:
    path = tmp_path / "outputs.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    return path


def test_a_late_objection_turns_a_hit_uncleared_and_queues_it(
    dataset: Path, tmp_path: Path, ledger: Ledger
) -> None:
    copy = " ".join(text_of(103).split()[2:15])  # 13 words of post 103 (author 4)
    near_miss = " ".join(text_of(105).split()[:11])  # 11 words: no hit
    file = outputs(
        tmp_path,
        [{"id": "a", "text": f"Sure! {copy}."}, {"text": near_miss}, {"text": "nothing"}],
    )
    first = audit_outputs(file, dataset, ledger, model="chat-small", version="v1", secret=SECRET)
    assert [(h.output, h.post_id, h.kind, h.words, h.cleared) for h in first.hits] == [
        ("a", 103, "verbatim", 13, True)
    ]
    assert first.rate == pytest.approx(1 / 3)
    assert compute_impact(ledger).tasks == []

    ledger.append([NewEvent(4, "objection", AFTER, channel="web")])
    second = audit_outputs(file, dataset, ledger, model="chat-small", version="v1", secret=SECRET)
    (hit,) = second.hits
    assert not hit.cleared
    report = second.report()
    assert report["hits_not_cleared"] == 1
    assert "account_id" not in report["hits"][0]
    (task,) = compute_impact(ledger).tasks
    assert task.accounts.tolist() == [4]
    assert task.model == ("chat-small", "v1")
    assert task.shard == hit.shard
    assert task.causes["regurgitated"] == 1


def test_regurgitated_needs_the_model_that_repeated_it(
    dataset: Path, tmp_path: Path, ledger: Ledger
) -> None:
    register_model(ledger, "other", [str(dataset)])
    file = outputs(tmp_path, [{"text": text_of(103)}])
    audit_outputs(file, dataset, ledger, model="chat-small", version="v1", secret=SECRET)
    ledger.append([NewEvent(4, "objection", AFTER, channel="web")])
    causes = {t.model: t.causes for t in compute_impact(ledger).tasks}
    assert causes[("chat-small", "v1")]["regurgitated"] == 1
    assert "regurgitated" not in causes[("other", "")]


def test_an_unregistered_model_is_refused(dataset: Path, tmp_path: Path, ledger: Ledger) -> None:
    file = outputs(tmp_path, [{"text": "x"}])
    with pytest.raises(InputError, match="no registered model"):
        audit_outputs(file, dataset, ledger, model="ghost", secret=SECRET)


def trainright(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    env["TRAINRIGHT_SECRET"] = SECRET
    return run_module("trainright", *args, cwd=cwd, env=env)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"text": "ok"}\n{"id": 1}\n', "outputs.jsonl:2, field 'text': missing"),
        ('{"text": 5}\n', "outputs.jsonl:1, field 'text': must be a string"),
        ("not json\n", "outputs.jsonl:1: not valid JSON"),
        ("[1, 2]\n", "outputs.jsonl:1: not a JSON object"),
        ('{"text": "a", "id": true}\n', "outputs.jsonl:1, field 'id': must be"),
        ('{"text": "a", "prompt": 3}\n', "outputs.jsonl:1, field 'prompt': must be a string"),
        ('{"text": "a", "id": 7}\n{"text": "b", "id": "7"}\n', "already used on line 1"),
    ],
)
def test_bad_output_lines_exit_2_naming_line_and_field(
    dataset: Path, tmp_path: Path, content: str, expected: str
) -> None:
    (tmp_path / "outputs.jsonl").write_text(content, encoding="utf-8")
    done = trainright(
        "audit-outputs",
        "outputs.jsonl",
        "--dataset",
        str(dataset),
        "--ledger",
        f"sqlite:///{tmp_path / 'ledger.db'}",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert expected in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_cli_prints_the_table_and_writes_the_report(dataset: Path, tmp_path: Path) -> None:
    outputs(tmp_path, [{"id": "g1", "text": text_of(107)}, {"id": "g2", "text": "hello"}])
    done = trainright(
        "audit-outputs",
        "outputs.jsonl",
        "--dataset",
        str(dataset),
        "--model",
        "chat-small",
        "--version",
        "v1",
        "--json",
        "report.json",
        "--ledger",
        f"sqlite:///{tmp_path / 'ledger.db'}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "memorisation rate 50.00%" in " ".join(done.stdout.split())
    report = json.loads((tmp_path / "report.json").read_text())
    assert [(h["output"], h["post_id"], h["words"]) for h in report["hits"]] == [("g1", 107, 20)]
    assert report["model"] == {"name": "chat-small", "version": "v1"}


SHORT = "She baked the best rye bread in the whole valley"  # 10 words


def test_a_short_post_repeated_is_a_near_hit_not_a_verbatim_one(
    snapshot_factory: Callable[..., Path], tmp_path: Path, ledger: Ledger
) -> None:
    """Under 12 words no run can be verbatim; the copies definition still finds it."""
    snap = snapshot_factory([account(1)], [post(1, 1, text=SHORT), post(2, 1, text=text_of(2))])
    build(snap, POLICY, CUTOFF, tmp_path / "short", ledger=ledger, secret=SECRET)
    file = outputs(
        tmp_path,
        [{"id": "n", "text": "SHE baked   the best rye bread in the whole valley"}],
    )
    result = audit_outputs(file, tmp_path / "short", ledger, secret=SECRET)
    assert [(h.post_id, h.kind, h.words, h.jaccard) for h in result.hits] == [
        (1, "near", None, 1.0)
    ]
    whole = audit_outputs(
        outputs(tmp_path, [{"text": text_of(2)}]), tmp_path / "short", ledger, secret=SECRET
    )
    assert [(h.post_id, h.kind) for h in whole.hits] == [(2, "verbatim")]  # not also near
