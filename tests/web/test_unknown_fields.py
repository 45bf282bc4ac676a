"""docs/rights-service.md: unknown fields and query parameters are refused, never ignored.

A typo such as `purpse` must not silently become the default purpose, on the API
(422, a Problem) and on the form (400, a page that names the field).
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from people import bearer, cookie, csrf_of, form_key_of, person


def test_an_unknown_api_body_field_is_422_naming_it(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/events",
        json={"type": "objection", "purpse": "ai-training"},
        headers=bearer(person()),
    )
    assert resp.status_code == 422
    assert resp.json()["error"] == "invalid"
    assert "purpse" in resp.json()["message"]


def test_an_unknown_api_query_parameter_is_422_naming_it(client: TestClient) -> None:
    resp = client.get("/api/v1/me/standing?purpse=ai-training", headers=bearer(person()))
    assert resp.status_code == 422
    assert "purpse" in resp.json()["message"]


def test_an_unknown_form_field_is_refused_and_nothing_is_filed(client: TestClient) -> None:
    account = person()
    page = client.get("/object", headers=cookie(account))
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text), "purpse": "x"}
    headers = {"Cookie": page.request.headers["cookie"]}
    resp = client.post("/object", data=form, headers=headers, follow_redirects=False)
    assert resp.status_code == 400
    assert "purpse" in resp.text
    standing = client.get("/api/v1/me/standing", headers=bearer(account)).json()
    assert standing["reason"] != "objected"


def test_an_unknown_page_query_parameter_is_refused(client: TestClient) -> None:
    resp = client.get("/object?purpse=ai-training", headers=cookie(person()))
    assert resp.status_code == 400
    assert "purpse" in resp.text


def test_every_page_takes_lang(client: TestClient) -> None:
    resp = client.get("/object?lang=nb", headers=cookie(person()))
    assert resp.status_code == 200
    assert 'lang="nb"' in resp.text
