"""The JSON API: filing with receipts after commit, idempotency, standings, operator reads."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from people import (
    API_KEY,
    DELETED,
    GB,
    MINOR,
    NL,
    NO,
    US,
    bearer,
    business,
    config,
    cookie,
    ledger_of,
    noticed,
    person,
)

from trainright.ledger import verify
from trainright.web import create_app


@pytest.fixture
def any_store(ledger_url: str) -> Iterator[TestClient]:
    """A service on SQLite and on PostgreSQL."""
    with TestClient(create_app(config(ledger_url)), base_url="http://127.0.0.1") as c:
        yield c


def test_filing_returns_a_receipt_of_the_committed_event(any_store: TestClient) -> None:
    acc = person(US)
    resp = any_store.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc))
    assert resp.status_code == 201
    body = resp.json()
    ledger = ledger_of(any_store)
    [event] = ledger.events(account_id=acc)
    assert body["events"][0]["seq"] == event.seq
    assert body["events"][0]["hash"] == event.hash
    assert body["reference"] == f"R{event.seq}-{event.hash[:8].upper()}"
    assert body["standing"]["reason"] == "objected"
    assert body["standing"]["used_for_training"] is False
    assert body["next"][0] == "Datasets built from now on leave your posts and images out."
    assert "unlearning list" in body["next"][1]
    assert verify(ledger).ok


def test_a_retry_with_the_same_idempotency_key_gets_the_same_receipt(any_store: TestClient) -> None:
    acc = person(US)
    headers = {**bearer(acc), "Idempotency-Key": "retry-1"}
    first = any_store.post("/api/v1/events", json={"type": "objection"}, headers=headers)
    again = any_store.post("/api/v1/events", json={"type": "objection"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["events"] == first.json()["events"]
    assert again.json()["replayed"] is True
    other = any_store.post("/api/v1/events", json={"type": "consent_given"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_conflict"


def test_my_standing(client: TestClient) -> None:
    acc = person(NO)
    before = client.get("/api/v1/me/standing", headers=bearer(acc)).json()
    assert (before["used_for_training"], before["reason"]) == (False, "no_consent")
    assert before["explanation"] == [
        "Consent is needed here and you have not given it, so your posts are not used."
    ]
    client.post("/api/v1/events", json={"type": "consent_given"}, headers=bearer(acc))
    standing = client.get("/api/v1/me/standing", headers=bearer(acc)).json()
    assert (standing["used_for_training"], standing["reason"]) == (True, None)
    assert standing["consented"] is True
    assert standing["legal_basis"] == "consent"


@pytest.mark.parametrize(
    ("kind", "reason", "says"),
    [
        (MINOR, "under_age", "You are under 18 here, so your posts are not used."),
        (DELETED, "account_status", "Your account is deleted or not active"),
        (US, "no_notice", "We must tell you 30 days before your posts can be used"),
    ],
)
def test_the_standing_says_why_posts_are_not_used(
    client: TestClient, kind: int, reason: str, says: str
) -> None:
    standing = client.get("/api/v1/me/standing", headers=bearer(person(kind))).json()
    assert (standing["used_for_training"], standing["reason"]) == (False, reason)
    assert standing["explanation"][0].startswith(says)


def test_a_consent_no_in_a_legitimate_interest_region_is_not_an_opt_out(
    client: TestClient,
) -> None:
    acc = person(GB)
    noticed(client, acc)
    resp = client.post("/api/v1/events", json={"type": "consent_withdrawn"}, headers=bearer(acc))
    body = resp.json()
    assert body["standing"]["used_for_training"] is True
    assert body["next"][0].startswith("Here your posts are used on the basis of legitimate")
    assert body["next"][-1] == "Datasets built from now on may use your public posts and images."
    assert not any("left out" in line for line in body["next"])


def test_a_withdrawn_objection_in_a_consent_region_is_not_consent(client: TestClient) -> None:
    acc = person(NL)
    client.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc))
    body = client.post(
        "/api/v1/events", json={"type": "objection_withdrawn"}, headers=bearer(acc)
    ).json()
    assert (body["standing"]["used_for_training"], body["standing"]["reason"]) == (
        False,
        "no_consent",
    )
    assert body["next"][0].startswith("Withdrawing your objection does not give consent")
    assert "may be used" not in " ".join(body["next"])


def test_a_purpose_the_region_does_not_build_for_is_refused(client: TestClient) -> None:
    acc = person(US)
    resp = client.post(
        "/api/v1/events", json={"type": "objection", "purpose": "research"}, headers=bearer(acc)
    )
    assert resp.status_code == 422
    assert resp.json()["error"] == "unknown_purpose"
    assert "'ai-training'" in resp.json()["message"]
    assert ledger_of(client).events(account_id=acc) == []


def test_an_objection_to_all_purposes_counts_for_ai_training(client: TestClient) -> None:
    acc = person(US)
    client.post("/api/v1/events", json={"type": "objection", "purpose": "all"}, headers=bearer(acc))
    assert client.get("/api/v1/me/standing", headers=bearer(acc)).json()["objected"] is True


def test_gpc_on_an_api_request_records_one_objection(client: TestClient) -> None:
    acc = person(US)
    headers = {**bearer(acc), "Sec-GPC": "1"}
    first = client.get("/api/v1/me/standing", headers=headers)
    assert first.json()["objected"] is True
    recorded = first.json()["gpc"]
    assert first.headers["GPC-Objection"] == recorded["reference"]
    assert recorded["receipt"] in first.headers["Link"]
    for _ in range(2):
        again = client.get("/api/v1/me/standing", headers=headers)
        assert again.json()["objected"] is True
        assert again.json()["gpc"] is None
        assert "GPC-Objection" not in again.headers
    page = client.get(
        f"/api/v1/operator/events?account_id={acc}",
        headers={"X-API-Key": API_KEY.get_secret_value()},
    ).json()
    assert [(e["type"], e["channel"]) for e in page["events"]] == [("objection", "gpc")]


def test_gpc_is_not_recorded_where_the_policy_says_no(tmp_path: Path) -> None:
    from trainright.policy import parse_policy

    policy = parse_policy("honor_gpc = false\n[regions.NO]\nhonor_gpc = true\n")
    app = create_app(config(f"sqlite:///{tmp_path / 'l.db'}", policy=policy))
    with TestClient(app) as c:
        us, no = person(US), person(NO)
        for acc in (us, no):
            c.get("/api/v1/me/standing", headers={**bearer(acc), "Sec-GPC": "1"})
        ledger = ledger_of(c)
        assert ledger.events(account_id=us) == []
        assert [e.channel for e in ledger.events(account_id=no)] == ["gpc"]


def test_a_business_account_gets_a_problem_explaining_the_switch(client: TestClient) -> None:
    resp = client.post("/api/v1/events", json={"type": "objection"}, headers=bearer(business()))
    assert resp.status_code == 403
    assert resp.json()["error"] == "business_account"
    assert "personal account" in resp.json()["message"]


def test_operator_reads_events_in_pages_and_any_standing(client: TestClient) -> None:
    acc = person(US)
    for t in ("objection", "objection_withdrawn", "objection"):
        client.post("/api/v1/events", json={"type": t}, headers=bearer(acc))
    key = {"X-API-Key": API_KEY.get_secret_value()}
    page = client.get(f"/api/v1/operator/events?account_id={acc}&limit=2", headers=key).json()
    assert [e["type"] for e in page["events"]] == ["objection", "objection_withdrawn"]
    rest = client.get(
        f"/api/v1/operator/events?account_id={acc}&after_seq={page['next_after_seq']}", headers=key
    ).json()
    assert [e["type"] for e in rest["events"]] == ["objection"]
    standing = client.get(f"/api/v1/operator/accounts/{acc}/standing", headers=key).json()
    assert standing["reason"] == "objected"
    assert (
        client.get("/api/v1/operator/accounts/1000000000/standing", headers=key).status_code == 404
    )


def test_the_openapi_description_lists_every_route(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) == {
        "/api/v1/events",
        "/api/v1/me/standing",
        "/api/v1/me/preferences",
        "/api/v1/operator/events",
        "/api/v1/operator/accounts/{account_id}/standing",
        "/api/v1/me/data",
        "/api/v1/operator/report",
        "/api/v1/non-users/verifications",
        "/api/v1/non-users/proofs",
        "/api/v1/non-users/registrations",
        "/api/v1/non-users/withdrawals",
    }
    responses = spec["paths"]["/api/v1/events"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "409", "413", "422", "429", "503"} <= set(responses)
    responses = spec["paths"]["/api/v1/me/preferences"]["put"]["responses"]
    assert {"200", "201", "401", "403", "409", "422", "429", "503"} <= set(responses)


def test_a_dead_writer_is_replaced_and_filing_goes_on(tmp_path: Path) -> None:
    with TestClient(create_app(config(f"sqlite:///{tmp_path / 'l.db'}"))) as c:
        acc = person(US)
        assert (
            c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc)).status_code
            == 201
        )
        writer = c.app.state.service.writer
        dead = writer.pid
        os.kill(dead, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while writer.pid in (dead, None) and time.monotonic() < deadline:
            time.sleep(0.05)  # the reader sees end-of-file and the standby takes over
        again = c.post("/api/v1/events", json={"type": "objection_withdrawn"}, headers=bearer(acc))
        assert again.status_code == 201
        assert [e.type for e in ledger_of(c).events(account_id=acc)] == [
            "objection",
            "objection_withdrawn",
        ]


def test_a_choice_on_one_linked_account_covers_the_persons_every_account(tmp_path: Path) -> None:
    from dataclasses import replace

    from people import FACTS

    a, b = 30001, 30002
    linked = replace(FACTS[US], linked=(a, b))
    app = create_app(config(f"sqlite:///{tmp_path / 'l.db'}", accounts={a: linked, b: linked}))
    with TestClient(app, base_url="http://127.0.0.1") as c:
        filed = c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(b))
        assert filed.status_code == 201, filed.text
        assert filed.json()["covers"] == [a, b]
        assert ledger_of(c).events(account_id=a) == []  # recorded once, on b
        assert c.get("/api/v1/me/standing", headers=bearer(a)).json()["reason"] == "objected"
        back = c.post("/api/v1/events", json={"type": "objection_withdrawn"}, headers=bearer(a))
        assert back.json()["standing"]["reason"] == "no_notice"
        assert c.get("/api/v1/me/standing", headers=bearer(b)).json()["reason"] == "no_notice"
        page = c.get(f"/receipt/{back.json()['events'][0]['seq']}", headers=cookie(a)).text
        assert f"all your linked accounts: {a}, {b}." in page
