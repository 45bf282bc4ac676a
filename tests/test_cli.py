"""SPEC §9: the command line — exit codes, messages a person can act on, no tracebacks."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from factories import SECRET, account, post
from helpers import run_module


def trainright(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    full_env.update(env or {})
    return run_module("trainright", *args, cwd=cwd, env=full_env)


@pytest.fixture
def snap(snapshot_factory: Callable[..., Path]) -> Path:
    return snapshot_factory([account(1), account(2, country="NO")], [post(10, 1), post(11, 2)])


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text('notice_days = 0\n[regions.EEA]\nlegal_basis = "consent"\n')
    return path


def build_args(
    snap: Path, policy: Path, out: Path, ledger: str, cutoff: str = "2026-06-26T00:00:00Z"
) -> list[str]:
    return [
        "build",
        "--snapshot",
        str(snap),
        "--policy",
        str(policy),
        "--cutoff",
        cutoff,
        "--out",
        str(out),
        "--ledger",
        ledger,
    ]


def test_build_end_to_end(tmp_path: Path, snap: Path, policy: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"account_id": 2, "type": "consent_given", "at": "2026-01-01T00:00:00Z"}) + "\n"
    )
    done = trainright("rights", "import", str(events), "--ledger", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "imported 1 events" in done.stdout
    done = trainright(
        *build_args(snap, policy, tmp_path / "ds", url),
        cwd=tmp_path,
        env={"TRAINRIGHT_SECRET": SECRET},
    )
    assert done.returncode == 0, done.stderr
    assert "included" in done.stdout
    manifest = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert manifest["counts"]["included"] == 2


def test_lookup_lists_every_path_a_dataset_was_written_to(
    tmp_path: Path, snap: Path, policy: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    for name in ("first", "again"):
        done = trainright(
            *build_args(snap, policy, tmp_path / name, url),
            cwd=tmp_path,
            env={"TRAINRIGHT_SECRET": SECRET},
        )
        assert done.returncode == 0, done.stderr
    ids = {
        json.loads((tmp_path / n / "manifest.json").read_text())["dataset_id"]
        for n in ("first", "again")
    }
    assert len(ids) == 1, "identical inputs give one dataset"
    done = trainright("lookup", "1", "--ledger", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # A long path folds inside its cell: compare without whitespace and cell borders.
    flat = re.sub(r"[\s│]", "", done.stdout)
    assert str(tmp_path / "first") in flat
    assert str(tmp_path / "again") in flat


def test_lookup_gives_the_standing_and_each_events_channel(
    tmp_path: Path, snap: Path, policy: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"account_id": 1, "type": "objection", "at": "2026-01-01T00:00:00Z"}) + "\n"
    )
    assert (
        trainright("rights", "import", str(events), "--ledger", url, cwd=tmp_path).returncode == 0
    )

    def lookup(account: int) -> str:
        done = trainright(
            "lookup",
            str(account),
            "--ledger",
            url,
            "--snapshot",
            str(snap),
            "--policy",
            str(policy),
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        return " ".join(done.stdout.split())

    objector = lookup(1)
    assert "#1 objection (ai-training, import)" in objector
    assert "leave account 1's posts out: objected (region default, legitimate interest" in objector
    # Norway: consent is the basis, and account 2 never gave it.
    assert "out: no_consent (region EEA, consent" in lookup(2)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda a: a.__setitem__(a.index("--cutoff") + 1, "26/06/2026"), "--cutoff"),
        # A cutoff without a zone is refused, not read as UTC, and the message shows the form.
        (
            lambda a: a.__setitem__(a.index("--cutoff") + 1, "2026-06-26T00:00:00"),
            "has no time zone",
        ),
        (
            lambda a: a.__setitem__(a.index("--cutoff") + 1, "2026-06-26T00:00:00"),
            "2026-06-26T00:00:00Z",
        ),
        (
            lambda a: a.__setitem__(a.index("--policy") + 1, "/nonexistent.toml"),
            "/nonexistent.toml",
        ),
        (lambda a: a.__setitem__(a.index("--snapshot") + 1, "/nonexistent"), "/nonexistent"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, snap: Path, policy: Path, mutate: Callable[[list[str]], None], needle: str
) -> None:
    args = build_args(snap, policy, tmp_path / "ds", f"sqlite:///{tmp_path / 'l.db'}")
    mutate(args)
    done = trainright(*args, cwd=tmp_path, env={"TRAINRIGHT_SECRET": SECRET})
    assert done.returncode == 2
    assert needle in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "isoformat" not in done.stderr, "errors speak our words, not Python's"
    assert not (tmp_path / "ds").exists()


def test_bad_policy_key_is_named(tmp_path: Path, snap: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[regions.EEA]\nlegal_bases = 'consent'\n")
    done = trainright(
        *build_args(snap, bad, tmp_path / "ds", f"sqlite:///{tmp_path / 'l.db'}"),
        cwd=tmp_path,
        env={"TRAINRIGHT_SECRET": SECRET},
    )
    assert done.returncode == 2
    assert "regions.EEA.legal_bases" in done.stderr


def test_missing_secret_lists_what_was_tried(tmp_path: Path, snap: Path, policy: Path) -> None:
    done = trainright(
        *build_args(snap, policy, tmp_path / "ds", f"sqlite:///{tmp_path / 'l.db'}"), cwd=tmp_path
    )
    assert done.returncode == 2
    assert "TRAINRIGHT_SECRET" in done.stderr
    assert "tried" in done.stderr


def test_existing_out_exits_2(tmp_path: Path, snap: Path, policy: Path) -> None:
    (tmp_path / "ds").mkdir()
    done = trainright(
        *build_args(snap, policy, tmp_path / "ds", f"sqlite:///{tmp_path / 'l.db'}"),
        cwd=tmp_path,
        env={"TRAINRIGHT_SECRET": SECRET},
    )
    assert done.returncode == 2
    assert "already exists" in done.stderr


def test_bad_event_line_exits_2(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text(
        '{"account_id": 1, "type": "objection", "at": "2026-01-01T00:00:00Z"}\n{"account_id": 1, "type": "nope", "at": "2026-01-01T00:00:00Z"}\n'
    )
    done = trainright(
        "rights", "import", str(events), "--ledger", f"sqlite:///{tmp_path / 'l.db'}", cwd=tmp_path
    )
    assert done.returncode == 2
    assert f"{events}:2" in done.stderr
    assert "'nope'" in done.stderr


def test_an_error_naming_a_long_path_keeps_it_on_one_line(tmp_path: Path) -> None:
    """A path split over lines by the console cannot be copied or searched for."""
    deep = tmp_path / ("a-rather-long-directory-name-" * 4) / "exports"
    deep.mkdir(parents=True)
    events = deep / "events.jsonl"
    events.write_text('{"account_id": 1, "type": "nope", "at": "2026-01-01T00:00:00Z"}\n')
    done = trainright(
        "rights", "import", str(events), "--ledger", f"sqlite:///{tmp_path / 'l.db'}", cwd=tmp_path
    )
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"error: {events}:1, field 'type'"), done.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    done = trainright("build", "--snapshot", "x", cwd=tmp_path)
    assert done.returncode == 2
    assert "Missing option" in done.stderr


def test_secret_never_printed(tmp_path: Path, snap: Path, policy: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    done = trainright(
        *build_args(snap, policy, tmp_path / "ds", url),
        cwd=tmp_path,
        env={"TRAINRIGHT_SECRET": SECRET},
    )
    assert done.returncode == 0
    assert SECRET not in done.stdout + done.stderr
    for path in (tmp_path / "ds").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes()


def test_demo_tells_the_whole_story(tmp_path: Path) -> None:
    done = trainright(
        "demo",
        "--out",
        str(tmp_path / "demo"),
        "--accounts",
        "300",
        "--posts",
        "3000",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    for expected in ("Posts by outcome", "included", "no_consent", "By region", "EEA", "Try next"):
        assert expected in done.stdout
    # The way to the rights forms: a server, and a sign-in link for a real personal account.
    assert "trainright serve --snapshot" in done.stdout
    login = re.search(r"trainright login-link (\d+)", done.stdout)
    assert login, done.stdout
    accounts = pq.read_table(tmp_path / "demo" / "snapshot" / "accounts.parquet").to_pylist()
    row = next(a for a in accounts if a["account_id"] == int(login.group(1)))
    assert (row["kind"], row["status"]) == ("personal", "active")
    manifest = json.loads((tmp_path / "demo" / "dataset" / "manifest.json").read_text())
    assert manifest["counts"]["included"] > 0
    # People without an account: the posts naming them and the images of their photos.
    assert manifest["counts"]["excluded_by_reason"]["names_non_user"] > 0
    assert manifest["counts"]["media_dropped"]["non_user_photo"] > 0
    assert "(names_non_user)" in done.stdout
    assert "(non_user_photo)" in done.stdout
    # Every copy synth planted is caught, with the reason its ground truth names.
    for what, reason in (
        ("copies of excluded posts", "copy_of_excluded"),
        ("repeats of included posts", "duplicate"),
    ):
        words = r"\s+".join(["([\\d,]+)", "of", "([\\d,]+)", *what.split(), rf"\({reason}\)"])
        caught = re.search(words, done.stdout)  # the console may wrap the line anywhere
        assert caught, done.stdout
        assert caught.group(1) == caught.group(2) != "0"
    # A second run replaces the earlier demo rather than failing on it.
    again = trainright(
        "demo",
        "--out",
        str(tmp_path / "demo"),
        "--accounts",
        "300",
        "--posts",
        "3000",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr


def test_demo_will_not_touch_a_foreign_directory(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    done = trainright("demo", "--out", str(tmp_path / "mine"), cwd=tmp_path)
    assert done.returncode == 2
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


@pytest.mark.parametrize("delay", [0.0, 0.5])  # in the rules' statements, or later
def test_ctrl_c_during_a_build_says_nothing_was_written(tmp_path: Path, delay: float) -> None:
    made = trainright(
        "synth",
        "--out",
        "snap",
        "--accounts",
        "3000",
        "--posts",
        "40000",
        "--images",
        "300",
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    (tmp_path / "policy.toml").write_text("notice_days = 0\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAINRIGHT_")}
    env["TRAINRIGHT_SECRET"] = SECRET
    ledger = f"sqlite:///{tmp_path / 'l.db'}"
    args = build_args(tmp_path / "snap", tmp_path / "policy.toml", tmp_path / "ds", ledger)
    # Its own session, so SIGINT reaches the build and its workers, as Ctrl-C in a terminal does.
    proc = subprocess.Popen(
        [sys.executable, "-m", "trainright", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".ds.partial-*")) and proc.poll() is None:
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.05)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted: nothing was written" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "ds").exists()
    assert not list(tmp_path.glob(".ds.partial-*"))
