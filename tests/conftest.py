"""Shared fixtures for the top-level tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from factories import write_snapshot
from trainright import Ledger


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="also run the slow suite (soak)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow suite takes minutes: it runs only when asked for with --slow."""
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow suite: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")


@pytest.fixture
def snapshot_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(
        accounts: list[dict[str, Any]], posts: list[dict[str, Any]], name: str = "snap"
    ) -> Path:
        return write_snapshot(tmp_path / name, accounts, posts)

    return make
