"""Tokens, CSRF, body limits and rate limits: every refusal clear, nothing recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from people import (
    API_KEY,
    SECRET,
    SIGNER,
    US,
    bearer,
    config,
    cookie,
    csrf_of,
    ledger_of,
    person,
)
from pydantic import SecretStr
from sqlalchemy import text

from trainright.web import Limits, create_app
from trainright.web.auth import LOGIN_SALT, SESSION_SALT, Signer


class _HourAgo(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 7200


def old_token(salt: str, payload: object) -> str:
    s = URLSafeTimedSerializer(SECRET.get_secret_value(), salt=salt, signer=_HourAgo)
    return str(s.dumps(payload))


def seq(client: TestClient) -> int:
    ledger = ledger_of(client)
    return ledger.head().seq


FORGED = Signer(SecretStr("another-platform-secret-0123456789")).login_token(5)


@pytest.mark.parametrize(
    ("token", "status", "text"),
    [
        ("", 401, "You are not signed in"),
        (FORGED, 401, "This sign-in link is not valid"),
        (SIGNER.login_token(5)[:-3] + "AAA", 401, "This sign-in link is not valid"),
        (old_token(LOGIN_SALT, {"a": 5}), 401, "Your sign-in has expired"),
        # a session token is not a sign-in link (each kind has its own salt)
        (SIGNER.session_token(5), 401, "This sign-in link is not valid"),
    ],
    ids=["missing", "forged", "tampered", "expired", "session-token"],
)
def test_bad_sign_in_links_get_a_clear_page(
    client: TestClient, token: str, status: int, text: str
) -> None:
    resp = client.get(f"/login?token={token}", follow_redirects=False)
    assert resp.status_code == status
    assert text in resp.text
    assert "Traceback" not in resp.text
    assert "set-cookie" not in resp.headers


@pytest.mark.parametrize(
    "token",
    [FORGED, old_token(SESSION_SALT, {"a": 5, "n": "x"}), SIGNER.login_token(5), "garbage"],
    ids=["forged", "expired", "sign-in-link", "garbage"],
)
def test_bad_session_tokens_are_refused_on_pages_and_api(client: TestClient, token: str) -> None:
    before = seq(client)
    page = client.get("/", headers={"Cookie": f"tr_session={token}"})
    api = client.post(
        "/api/v1/events", json={"type": "objection"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert page.status_code == api.status_code == 401
    assert api.json()["error"] in {"forged", "expired"}
    assert seq(client) == before


def test_a_receipt_is_visible_to_its_own_account_only(client: TestClient) -> None:
    owner, other = person(US), person(US)
    filed = client.post("/api/v1/events", json={"type": "objection"}, headers=bearer(owner)).json()
    n = filed["events"][0]["seq"]
    assert client.get(f"/receipt/{n}", headers=cookie(owner)).status_code == 200
    resp = client.get(f"/receipt/{n}", headers=cookie(other))
    assert resp.status_code == 404
    assert filed["reference"] not in resp.text


@pytest.mark.parametrize("seq", ["0", "-1", str(2**70), "abc"])
def test_a_nonsense_receipt_number_is_a_clear_page(client: TestClient, seq: str) -> None:
    resp = client.get(f"/receipt/{seq}", headers=cookie(person(US)))
    assert resp.status_code in (400, 404)
    assert "<h1>" in resp.text


@pytest.mark.parametrize("csrf", [None, "", "forged-token", "other-session"])
def test_a_post_without_this_sessions_csrf_token_is_refused(
    client: TestClient, csrf: str | None
) -> None:
    acc = person(US)
    if csrf == "other-session":
        csrf = csrf_of(client.get("/", headers=cookie(acc)).text)  # a fresh cookie: another nonce
    before = seq(client)
    data = {} if csrf is None else {"csrf": csrf}
    resp = client.post("/object", data=data, headers=cookie(acc), follow_redirects=False)
    assert resp.status_code == 403
    assert "This form has expired" in resp.text
    assert seq(client) == before


def test_oversized_bodies_are_refused_before_they_are_read(client: TestClient) -> None:
    acc = person(US)
    big = {"type": "objection", "reason": "x" * 20000}
    api = client.post("/api/v1/events", json=big, headers=bearer(acc))
    assert api.status_code == 413
    assert api.json()["error"] == "too_large"

    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"a" * 1024

    chunked = client.post(
        "/api/v1/events",
        content=chunks(),
        headers={**bearer(acc), "Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    form = client.post("/object", data={"reason": "x" * 20000}, headers=cookie(acc))
    assert form.status_code == 413
    assert "The form is too large" in form.text


def test_a_reason_over_the_limit_is_refused_as_invalid(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/events",
        json={"type": "objection", "reason": "x" * 2001},
        headers=bearer(person(US)),
    )
    assert resp.status_code == 422


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"type": "objection"', 400),
        (b"not json at all", 400),
        (b'{"type": "delete_everything"}', 422),
        (b'{"type": "objection", "extra": 1}', 422),
        (b'{"type": "objection", "purpose": "ALL CAPS"}', 422),
        (b"[]", 422),
        (b'{"type": "consent_given", "reason": "only objections take one"}', 422),
    ],
)
def test_malformed_bodies_get_a_documented_problem(
    client: TestClient, body: bytes, status: int
) -> None:
    resp = client.post(
        "/api/v1/events",
        content=body,
        headers={**bearer(person(US)), "Content-Type": "application/json"},
    )
    assert resp.status_code == status
    assert set(resp.json()) >= {"error", "message"}


def test_operator_endpoints_need_the_api_key(client: TestClient) -> None:
    assert client.get("/api/v1/operator/events").status_code == 401
    assert client.get("/api/v1/operator/events", headers={"X-API-Key": "wrong"}).status_code == 401
    # a person's token is not an operator key
    assert client.get("/api/v1/operator/events", headers=bearer(person(US))).status_code == 401
    ok = client.get("/api/v1/operator/events", headers={"X-API-Key": API_KEY.get_secret_value()})
    assert ok.status_code == 200


def test_without_a_configured_api_key_operator_endpoints_stay_closed(tmp_path: Path) -> None:
    with TestClient(create_app(config(f"sqlite:///{tmp_path / 'l.db'}", api_key=None))) as c:
        assert c.get("/api/v1/operator/events", headers={"X-API-Key": ""}).status_code == 401


def test_the_rate_limit_per_account(tmp_path: Path) -> None:
    limits = Limits(account_per_minute=3, client_per_minute=100_000)
    with TestClient(create_app(config(f"sqlite:///{tmp_path / 'l.db'}", limits=limits))) as c:
        acc = person(US)
        codes = [
            c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc)).status_code
            for _ in range(4)
        ]
        assert codes == [201, 201, 201, 429]
        other = c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(person(US)))
        assert other.status_code == 201  # another account still may
        assert ledger_of(c).head().seq == 4


def test_the_rate_limit_per_client(tmp_path: Path) -> None:
    limits = Limits(account_per_minute=1000, client_per_minute=3)
    with TestClient(create_app(config(f"sqlite:///{tmp_path / 'l.db'}", limits=limits))) as c:
        assert [c.get("/static/site.css").status_code for _ in range(4)] == [200, 200, 200, 429]
        refused = c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(person(US)))
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["error"] == "rate_limited"
        assert ledger_of(c).head().seq == 0


def test_security_headers_on_every_page(client: TestClient) -> None:
    resp = client.get("/login")
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


def test_a_failing_ledger_is_a_503_and_never_a_receipt(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with TestClient(create_app(config(url))) as c:
        acc = person(US)
        assert (
            c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc)).status_code
            == 201
        )
        ledger = ledger_of(c)
        with ledger.write() as conn:
            conn.execute(text("DROP TABLE events"))
        filed = c.post("/api/v1/events", json={"type": "objection"}, headers=bearer(acc))
        assert filed.status_code == 503
        assert filed.json()["error"] == "ledger_unavailable"
        assert c.get("/api/v1/me/standing", headers=bearer(acc)).status_code == 503
        page = c.get("/", headers=cookie(acc))
        assert page.status_code == 503
        assert "We could not record your request" in page.text
