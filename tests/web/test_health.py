"""Health checks and strict JSON: what a load balancer and a careless client see."""

from __future__ import annotations

from fastapi.testclient import TestClient
from people import US, bearer, ledger_of, person


def test_healthz_answers_while_the_process_runs(client: TestClient) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "up"}


def test_readyz_says_the_writer_answers_and_the_ledger_is_reachable(client: TestClient) -> None:
    resp = client.get("/readyz")
    assert resp.status_code == 200
    body = resp.json()
    assert body["ready"] is True
    assert (body["writer"], body["ledger"]) == ("answering", "reachable")
    assert isinstance(body["writer_restarts"], int)


def test_health_checks_stay_out_of_the_api_description(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz"} & set(paths)


def test_a_body_with_a_repeated_key_is_refused_and_files_nothing(client: TestClient) -> None:
    acc = person(US)
    body = b'{"type": "objection", "type": "consent_given"}'
    headers = {**bearer(acc), "Content-Type": "application/json"}
    resp = client.post("/api/v1/events", content=body, headers=headers)
    assert resp.status_code == 400
    assert "type" in resp.text
    assert ledger_of(client).events(account_id=acc) == []
