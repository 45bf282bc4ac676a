"""A person's standing (SPEC §5) is the build's account-level decision, account by account.

The rights service decides standing in Python (`Service.standing`, through
`trainright.rules.standing`) from facts read once from the snapshot and the
ledger's fold; the build decides it in
SQL (`account_state`). Over random platforms, histories and policies, the two
must give every account the same first failing reason (or none). The test fails
when either side changes alone.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from pydantic import SecretStr

from helpers import Scenario, build_account_state, open_ledger, write_snapshot
from reference import Account, Platform
from strategies import RULES, scenarios
from trainright.ledger import Ledger
from trainright.policy import Policy, parse_policy
from trainright.rules.standing import (
    ACCOUNT_REASONS,
    AccountFacts,
    account_reason,
    age_on,
    load_account_facts,
)
from trainright.settings import LedgerURL
from trainright.web.config import WebConfig
from trainright.web.service import Person, Service

SECRET = SecretStr("standing-conformance-secret-0123456789")


def service_reasons(
    snapshot: Path, ledger: Ledger, policy: Policy, at: datetime
) -> dict[int, tuple[str | None, bool]]:
    """Every account's reason, and whether its preference reserves its posts, as the
    rights service's own `Service.standing` decides them."""
    facts = load_account_facts(snapshot)
    config = WebConfig(LedgerURL(str(ledger.engine.url), "test"), SECRET, policy, facts)
    svc = Service(config, ledger, writer=None)  # type: ignore[arg-type]  # reads only

    async def all_reasons() -> dict[int, tuple[str | None, bool]]:
        out = {}
        for account_id, f in facts.items():
            person = Person(account_id, f, svc.rules(f.country))
            v = await svc.standing(person, at)
            out[account_id] = (v.reason, v.reserved)
        return out

    return asyncio.run(all_reasons())


def check(scenario: Scenario) -> None:
    policy = parse_policy(scenario.policy)
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_snapshot(scenario.platform, Path(tmp) / "snapshot")
        ledger = open_ledger(Path(tmp), scenario.events)
        try:
            built = build_account_state(snapshot, ledger, policy, scenario.cutoff)
            served = service_reasons(snapshot, ledger, policy, scenario.cutoff)
        finally:
            ledger.engine.dispose()
    assert served == built
    assert {reason for reason, _ in served.values()} <= {None, *ACCOUNT_REASONS}


def _account(account_id: int, birth: date | None, status: str = "active") -> Account:
    return Account(
        account_id, "personal", birth, "US", status, "M", datetime(2020, 1, 1, tzinfo=UTC)
    )


_T = datetime(2027, 2, 28, 12, tzinfo=UTC)


@given(scenarios())
@RULES
@example(  # 29 February birthdays: 18 on 1 March 2027, not on 28 February
    Scenario(
        Platform((_account(1, date(2008, 2, 29)), _account(2, date(2009, 2, 28))), (), (), ()),
        (),
        'min_age = 18\nnotice_days = 0\nlegal_basis = "legitimate_interest"\n',
        _T,
    )
)
def test_standing_is_the_builds_account_state(scenario: Scenario) -> None:
    check(scenario)


def test_each_reason_is_reachable() -> None:
    """The examples above are not vacuous: every reason occurs in a small fixed platform."""
    seen = set()
    rules = parse_policy(
        'account_kinds = ["personal"]\n[regions.NO]\nhold = "audit"\n[regions.EEA]\nlegal_basis = "consent"\n'
    )
    from trainright.ledger.standing import Standing

    base = Standing(1, "ai-training", False, False, False, False, _T, None)
    cases = [
        (AccountFacts("personal", "NO", "active", date(1990, 1, 1)), base),
        (AccountFacts("personal", "US", "deleted", date(1990, 1, 1)), base),
        (AccountFacts("business", "US", "active", date(1990, 1, 1)), base),
        (AccountFacts("personal", "US", "active", None), base),
        (AccountFacts("personal", "US", "active", date(2015, 1, 1)), base),
        (
            AccountFacts("personal", "US", "active", date(1990, 1, 1)),
            Standing(1, "ai-training", True, False, False, False, _T, None),
        ),
        (AccountFacts("personal", "NL", "active", date(1990, 1, 1)), base),
        (AccountFacts("personal", "US", "active", date(1990, 1, 1)), base),
        (
            AccountFacts("personal", "US", "active", date(1990, 1, 1)),
            Standing(1, "ai-training", False, False, False, False, _T, _T - timedelta(days=31)),
        ),
    ]
    for facts, ledger_standing in cases:
        seen.add(account_reason(facts, ledger_standing, rules.rules_for(facts.country)))
    assert seen == {None, *ACCOUNT_REASONS}


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2008, 6, 26), date(2026, 6, 26), 18),
        (date(2008, 6, 27), date(2026, 6, 26), 17),
    ],
)
def test_age_on_birthdays(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age
