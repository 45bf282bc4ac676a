"""Sign-in as a newcomer meets it: single-use links, a page that says how to sign in, limits stated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from people import SIGNER, US, config, cookie, csrf_of, person

from trainright.web import create_app
from trainright.web.links import claim


def open_link(client: TestClient, token: str) -> tuple[int, str]:
    resp = client.get(f"/login?token={token}", follow_redirects=False)
    return resp.status_code, resp.text


def test_a_sign_in_link_works_once(ledger_url: str) -> None:
    token = SIGNER.login_token(person(US))
    with TestClient(create_app(config(ledger_url)), base_url="http://127.0.0.1") as first:
        assert open_link(first, token)[0] == 303
    # Another browser (say, someone who found the link in a history) gets nothing.
    with TestClient(create_app(config(ledger_url)), base_url="http://127.0.0.1") as other:
        status, html = open_link(other, token)
        assert status == 401
        assert "This sign-in link has already been used" in html
        assert 'data-code="link_used"' in html
        assert "tr_session" not in other.cookies
        # A new link for the same account works: the platform simply mints another.
        assert open_link(other, SIGNER.login_token(person(US)))[0] == 303


def test_two_links_minted_in_the_same_second_are_two_links(client: TestClient) -> None:
    acc = person(US)
    a, b = SIGNER.login_token(acc), SIGNER.login_token(acc)
    assert a != b
    assert open_link(client, a)[0] == 303
    client.cookies.clear()
    assert open_link(client, b)[0] == 303
    client.cookies.clear()


def test_the_browser_it_signed_in_may_reopen_it(client: TestClient) -> None:
    """Back or reload on /login in the same browser goes on to the page, not to an error."""
    acc = person(US)
    token = SIGNER.login_token(acc)
    assert open_link(client, token)[0] == 303
    again = client.get(f"/login?token={token}", follow_redirects=False)
    assert again.status_code == 303
    client.cookies.clear()
    # ... but a session of another account does not make someone else's used link valid.
    client.cookies.set("tr_session", SIGNER.session_token(person(US)))
    assert open_link(client, token)[0] == 401
    client.cookies.clear()


def test_a_used_link_id_is_forgotten_only_after_the_link_expired(ledger_url: str) -> None:
    from trainright.ledger import Ledger
    from trainright.web.auth import Login

    ledger = Ledger(ledger_url)
    now = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    login = Login(1, "link-id-0001", now + timedelta(minutes=15))
    assert claim(ledger, login, now)
    assert not claim(ledger, login, now + timedelta(minutes=14))
    # Past its expiry the id is purged; the signature check refuses such a link anyway.
    assert claim(ledger, login, now + timedelta(minutes=16))
    ledger.engine.dispose()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Each sign-in link works once, for 15 minutes."),
        ("nb", "Hver innloggingslenke virker én gang, i 15 minutter."),
        ("nl", "Elke inloglink werkt één keer, 15 minuten lang."),
    ],
)
def test_the_bare_address_explains_how_to_sign_in(
    client: TestClient, lang: str, expected: str
) -> None:
    resp = client.get(f"/?lang={lang}")
    assert resp.status_code == 401
    assert expected in resp.text
    assert "trainright login-link" in resp.text  # for whoever runs the service
    client.cookies.clear()


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "A reason can be at most 2000 characters long, and a form at most 16 KiB."),
        ("nb", "En begrunnelse kan være på høyst 2000 tegn, og et skjema på høyst 16 KiB."),
        ("nl", "Een reden mag hoogstens 2000 tekens lang zijn, en een formulier hoogstens 16 KiB."),
    ],
)
def test_the_413_page_states_the_limits(client: TestClient, lang: str, expected: str) -> None:
    signed_in = cookie(person(US))
    page = client.get(f"/?lang={lang}", headers=signed_in)
    form = {"csrf": csrf_of(page.text), "reason": "x" * 2001}
    too_long = client.post(f"/object?lang={lang}", data=form, headers=signed_in)
    assert too_long.status_code == 413
    assert expected in too_long.text
    body = client.post(
        f"/object?lang={lang}", data={**form, "reason": "x" * 20_000}, headers=signed_in
    )
    assert body.status_code == 413
    assert expected in body.text
    client.cookies.clear()
