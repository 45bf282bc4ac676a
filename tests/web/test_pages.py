"""SPEC §9 web: the pages a person uses, in their language, with receipts."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from people import (
    NL,
    NO,
    SIGNER,
    US,
    business,
    cookie,
    csrf_of,
    form_key_of,
    ledger_of,
    noticed,
    person,
)


def post_form(client: TestClient, acc: int, path: str, **fields: str) -> tuple[int, str]:
    page = client.get("/", headers=cookie(acc))
    # The cookie carries the session: use the same one for page and post.
    headers = {"Cookie": page.request.headers["cookie"]}
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text)}
    form.update(fields)
    resp = client.post(path, data=form, headers=headers, follow_redirects=False)
    return resp.status_code, resp.headers.get("location", "")


def test_a_sign_in_link_opens_a_session_and_drops_the_token_from_the_url(
    client: TestClient,
) -> None:
    acc = person(US)
    resp = client.get(f"/login?token={SIGNER.login_token(acc)}", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/"
    assert "tr_session=" in resp.headers["set-cookie"]
    assert "HttpOnly" in resp.headers["set-cookie"]
    assert "samesite=lax" in resp.headers["set-cookie"].lower()
    client.cookies.clear()


def test_object_with_a_reason_gives_a_receipt_with_standing(client: TestClient) -> None:
    acc = person(US)
    status, location = post_form(client, acc, "/object", reason="My posts are about my illness.")
    assert status == 303
    receipt = client.get(location, headers=cookie(acc))
    assert receipt.status_code == 200
    seq = int(location.rsplit("/", 1)[1])
    event = ledger_of(client).events(after_seq=seq - 1, limit=1)[0]
    assert (event.account_id, event.type, event.channel) == (acc, "objection", "web")
    assert f"R{seq}-{event.hash[:8].upper()}" in receipt.text
    assert 'data-standing="objected"' in receipt.text
    assert "What happens next" in receipt.text


def test_an_objection_without_a_reason_is_accepted_the_same(client: TestClient) -> None:
    acc = person(US)
    status, location = post_form(client, acc, "/object", reason="")
    assert status == 303
    assert location.startswith("/receipt/")


def test_withdrawal_is_one_click_and_standing_follows(client: TestClient) -> None:
    acc = person(US)
    noticed(client, acc)
    post_form(client, acc, "/object")
    status, location = post_form(client, acc, "/withdraw")
    assert status == 303
    receipt = client.get(location, headers=cookie(acc)).text
    assert 'data-standing="used"' in receipt
    assert "Datasets built from now on may use your public posts and images." in receipt


def test_consent_defaults_to_no(client: TestClient) -> None:
    html = client.get("/", headers=cookie(person(NO))).text
    assert re.search(r'value="no"\s+checked', html)
    assert not re.search(r'value="yes"\s+checked', html)


def test_consent_given_and_withdrawn_with_the_same_form(client: TestClient) -> None:
    acc = person(NO)
    _, location = post_form(client, acc, "/consent", choice="yes")
    assert 'data-standing="used"' in client.get(location, headers=cookie(acc)).text
    assert re.search(r'value="yes"\s+checked', client.get("/", headers=cookie(acc)).text)
    _, location = post_form(client, acc, "/consent", choice="no")
    receipt = client.get(location, headers=cookie(acc)).text
    assert 'data-standing="no_consent"' in receipt
    assert "unlearning list" in receipt


@pytest.mark.parametrize(("country", "offered"), [(US, "objection"), (NO, "consent")])
def test_the_regions_legal_basis_decides_the_choice_offered(
    client: TestClient, country: int, offered: str
) -> None:
    html = client.get("/", headers=cookie(person(country))).text
    shown = {name for name in ("objection", "consent") if f'<section id="{name}">' in html}
    assert shown == {offered}


def test_a_consent_region_offers_to_withdraw_an_objection_on_record(client: TestClient) -> None:
    acc = person(NL)
    client.post(
        "/api/v1/events",
        json={"type": "objection"},
        headers={"Authorization": f"Bearer {SIGNER.session_token(acc)}"},
    )
    html = client.get("/", headers=cookie(acc)).text
    assert '<section id="consent">' in html
    assert 'action="/withdraw"' in html
    assert 'action="/object"' not in html


def test_an_objection_in_a_consent_region_also_withdraws_consent(client: TestClient) -> None:
    acc = person(NL)
    post_form(client, acc, "/consent", choice="yes")
    post_form(client, acc, "/object")
    types = [e.type for e in ledger_of(client).events(account_id=acc)]
    assert types == ["consent_given", "objection", "consent_withdrawn"]


def test_a_double_submitted_form_is_recorded_once(client: TestClient) -> None:
    acc = person(US)
    page = client.get("/", headers=cookie(acc))
    headers = {"Cookie": page.request.headers["cookie"]}
    key = form_key_of(page.text)
    form = {"csrf": csrf_of(page.text), "key": key}
    first = client.post("/object", data=form, headers=headers, follow_redirects=False)
    again = client.post("/object", data=form, headers=headers, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]
    assert len(ledger_of(client).events(account_id=acc)) == 1


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        ("nb-NO,nb;q=0.9,en;q=0.5", "", "Dine data og KI-trening"),
        ("no", "", "Dine data og KI-trening"),
        ("nl-BE, en;q=0.3", "", "Jouw gegevens en AI-training"),
        ("fr-FR, de;q=0.8", "", "Your data and AI training"),
        ("nl", "?lang=en", "Your data and AI training"),
        ("en", "?lang=nb", "Dine data og KI-trening"),
    ],
)
def test_language_from_accept_language_and_the_switcher(
    client: TestClient, accept: str, query: str, expected: str
) -> None:
    html = client.get(f"/{query}", headers={**cookie(person(US)), "Accept-Language": accept}).text
    assert f"<h1>{expected}</h1>" in html


def test_the_switcher_choice_is_remembered(client: TestClient) -> None:
    acc = person(US)
    resp = client.get("/?lang=nl", headers=cookie(acc))
    assert "tr_lang=nl" in resp.headers["set-cookie"]
    html = client.get(
        "/", headers={**cookie(acc), "Cookie": cookie(acc)["Cookie"] + "; tr_lang=nl"}
    ).text
    assert "Jouw gegevens en AI-training" in html


@pytest.mark.parametrize(
    ("lang", "title", "switch"),
    [
        ("en", "This is a business account", "Switch to your personal account"),
        ("nb", "Dette er en bedriftskonto", "Bytt til den personlige kontoen din"),
        ("nl", "Dit is een zakelijk account", "Schakel over naar je persoonlijke account"),
    ],
)
def test_a_business_account_is_told_to_switch_in_its_language(
    client: TestClient, lang: str, title: str, switch: str
) -> None:
    resp = client.get("/", headers={**cookie(business()), "Accept-Language": lang})
    assert resp.status_code == 403
    assert title in resp.text
    assert switch in resp.text
    assert "Traceback" not in resp.text


def test_gpc_records_one_objection_for_a_signed_in_person(client: TestClient) -> None:
    acc = person(US)
    headers = {**cookie(acc), "Sec-GPC": "1"}
    first = client.get("/", headers=headers)
    assert 'id="gpc"' in first.text
    client.get("/", headers=headers)
    events = ledger_of(client).events(account_id=acc)
    assert [(e.type, e.channel) for e in events] == [("objection", "gpc")]


def test_gpc_does_not_override_an_explicit_withdrawal(client: TestClient) -> None:
    acc = person(US)
    client.get("/", headers={**cookie(acc), "Sec-GPC": "1"})
    post_form(client, acc, "/withdraw")
    client.get("/", headers={**cookie(acc), "Sec-GPC": "1"})
    types = [e.type for e in ledger_of(client).events(account_id=acc)]
    assert types == ["objection", "objection_withdrawn"]


def test_gpc_without_sign_in_records_nothing(client: TestClient) -> None:
    client.cookies.clear()
    before = ledger_of(client).head().seq
    assert client.get("/", headers={"Sec-GPC": "1"}).status_code == 401
    assert ledger_of(client).head().seq == before
