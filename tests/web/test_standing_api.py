"""The API's standing is the build's decision: every account of a synthetic platform.

A synthetic platform (accounts of every region, kind, status and age, with
objections, consents and notices in its ledger) is served; for every account the
operator route's answer (used or not, and the reason) must equal what a build at
the same instant decides for that account (`account_state`), and every post of a
not-used account must be excluded with that reason in a real build. On SQLite and
PostgreSQL. `tests/test_standing_conformance.py` pins the same decision over
random (hypothesis) platforms, histories and policies.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from people import API_KEY, config

from helpers import build_account_state
from trainright.ledger import Ledger
from trainright.ledger.importer import import_events
from trainright.pipeline import build
from trainright.policy import Policy, load_policy
from trainright.rules.standing import ACCOUNT_REASONS, load_account_facts
from trainright.synth import synthesize
from trainright.web import create_app

#: The default policy, a region on hold and one without business accounts, so every
#: account-level reason occurs.
POLICY = """\
purpose = "ai-training"
legal_basis = "legitimate_interest"
min_age = 18
notice_days = 30

[regions.EEA]
legal_basis = "consent"

[regions.GB]
account_kinds = ["personal"]

[regions.CA]
hold = "the regulator's review of AI training"
"""
OPERATOR = {"X-API-Key": API_KEY.get_secret_value()}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Policy]:
    root = tmp_path_factory.mktemp("platform")
    synthesize(root / "snapshot", accounts=600, posts=1200, seed=11, images=0)
    (root / "policy.toml").write_text(POLICY)
    return root / "snapshot", load_policy(root / "policy.toml")


def test_every_accounts_api_standing_is_the_builds_decision(
    platform: tuple[Path, Policy], ledger_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot, policy = platform
    # A PostgreSQL ledger has no directory of its own: lineage goes where the test says.
    monkeypatch.setenv("TRAINRIGHT_OPENLINEAGE_FILE", str(tmp_path / "openlineage.jsonl"))
    ledger = Ledger(ledger_url)
    import_events(ledger, snapshot / "events.jsonl")
    facts = load_account_facts(snapshot)
    app = create_app(config(ledger_url, policy=policy, accounts=facts))
    served: dict[int, str | None] = {}
    reserved: dict[int, bool] = {}
    instants = []
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for account_id in sorted(facts):
            resp = client.get(f"/api/v1/operator/accounts/{account_id}/standing", headers=OPERATOR)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            assert body["used_for_training"] == (body["reason"] is None and not body["reserved"])
            served[account_id] = body["reason"]
            reserved[account_id] = body["reserved"]
            instants.append(datetime.fromisoformat(body["at"]))
    # No event is dated between the first answer and the last, so one build decides all.
    at = max(instants)
    built = build_account_state(snapshot, ledger, policy, at)
    assert served == {a: reason for a, (reason, _) in built.items()}
    assert reserved == {a: r for a, (_, r) in built.items()}
    assert any(reserved.values())
    seen = Counter(served.values())
    # The platform exercises every account-level reason and both answers.
    assert set(seen) == {None, *ACCOUNT_REASONS}, seen

    out = tmp_path / "dataset"
    build(
        snapshot, policy, at, out, ledger=ledger, secret="standing-test-key-0123456789", workers=1
    )
    posts = pq.read_table(snapshot / "posts.parquet", columns=["post_id", "author_id"])
    author = dict(zip(posts["post_id"].to_pylist(), posts["author_id"].to_pylist(), strict=True))
    excluded = pq.read_table(out / "exclusions.parquet").to_pylist()
    for row in excluded:
        reason = served.get(author[row["post_id"]], "account_status")
        if row["reason"] in ACCOUNT_REASONS:
            assert row["reason"] == reason, row
        elif row["reason"] != "post_deleted":
            assert reason is None, row
        if row["reason"] == "reserved" and row["reserved_in"] == "account":
            assert reserved[author[row["post_id"]]], row
    ledger.engine.dispose()
