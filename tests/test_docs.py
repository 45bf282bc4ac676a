"""The docs cannot drift: every command has help, the CLI reference is generated,
every policy key and every exclusion reason is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main

from trainright.cli import app
from trainright.policy import DEFAULTS
from trainright.rules import REASONS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def commands() -> list[tuple[str, click.Command]]:
    out: list[tuple[str, click.Command]] = []

    def walk(prefix: str, cmd: click.Command) -> None:
        out.append((prefix, cmd))
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(f"{prefix} {name}".strip(), sub)

    walk("", typer.main.get_command(app))
    return out


@pytest.mark.parametrize(("name", "cmd"), commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_has_help(name: str, cmd: click.Command) -> None:
    assert (cmd.help or "").strip(), f"`trainright {name}` has no help text"
    for param in cmd.params:
        if isinstance(param, click.Option) and param.name not in {
            "help",
            "install_completion",
            "show_completion",
        }:
            assert (param.help or "").strip(), (
                f"`trainright {name} {param.opts[0]}` has no help text"
            )


def test_cli_reference_is_current(tmp_path: Path) -> None:
    generated = tmp_path / "cli.md"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "typer",
            "trainright.cli",
            "utils",
            "docs",
            "--name",
            "trainright",
            "--output",
            str(generated),
        ],
        check=True,
        capture_output=True,
    )
    assert (DOCS / "cli.md").read_text() == generated.read_text(), (
        "docs/cli.md is stale: run `make docs`"
    )


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_policy_key_is_documented(key: str) -> None:
    assert f"| `{key}` |" in (DOCS / "policy.md").read_text()


@pytest.mark.parametrize("reason", REASONS)
def test_every_reason_is_documented(reason: str) -> None:
    assert f"`{reason}`" in (DOCS / "rules.md").read_text()


def test_every_reason_is_explained_in_the_rules_page_and_the_build_summary() -> None:
    from trainright.rules import REASONS
    from trainright.summary import _EXPLAIN

    page = (DOCS / "rules.md").read_text()
    assert [r for r in REASONS if f"`{r}`" not in page] == []
    assert set(_EXPLAIN) == set(REASONS)
