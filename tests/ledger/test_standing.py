"""A person's standing, read the way a build reads the ledger (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trainright.ledger import Event
from trainright.ledger.standing import standing_of

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def ev(
    seq: int, type_: str, *, purpose: str = "ai-training", days: int = -1, channel: str = "web"
) -> Event:
    at = NOW + timedelta(days=days)
    return Event(seq, 1, type_, purpose, at, at, channel, "")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("events", "summary"),
    [
        ([], "neither"),
        ([ev(1, "objection")], "objected"),
        ([ev(1, "objection"), ev(2, "objection_withdrawn")], "neither"),
        ([ev(1, "consent_given")], "consented"),
        ([ev(1, "consent_given"), ev(2, "consent_withdrawn")], "neither"),
        ([ev(1, "consent_given"), ev(2, "objection")], "objected"),
        ([ev(1, "objection", purpose="all")], "objected"),
        ([ev(1, "objection", purpose="ads")], "neither"),
        ([ev(1, "objection", days=+1)], "neither"),  # takes effect later
        # latest by `at`, not by seq: a back-dated withdrawal does not undo a later objection
        ([ev(1, "objection", days=-1), ev(2, "objection_withdrawn", days=-5)], "objected"),
    ],
)
def test_summary(events: list[Event], summary: str) -> None:
    assert standing_of(1, events, "ai-training", NOW).summary == summary


def test_account_deleted_counts_whatever_its_purpose() -> None:
    assert standing_of(1, [ev(1, "account_deleted", purpose="x")], "ai-training", NOW).deleted
