"""An account's AI-usage preference on the rights service: `PUT /api/v1/me/preferences`
and the form's "do not use my posts for AI training", recorded as `preference_set`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from people import (
    ADULT,
    GB,
    NO,
    US,
    accounts,
    bearer,
    config,
    cookie,
    csrf_of,
    form_key_of,
    ledger_of,
    noticed,
    person,
)

from trainright.ledger import Event, verify
from trainright.policy import parse_policy
from trainright.rules.standing import AccountFacts
from trainright.web import create_app
from trainright.web.explain import (
    NEXT_LEFT_OUT,
    PREFERENCE_NOT_RETROACTIVE,
    RESERVATION_NOT_READ,
    RESERVED,
)

PATH = "/api/v1/me/preferences"


def cleared(client: TestClient) -> int:
    """A GB adult told long enough ago: a build now uses their posts."""
    acc = person(GB)
    noticed(client, acc)
    return acc


def preferences(client: TestClient, acc: int) -> list[Event]:
    return [e for e in ledger_of(client).events(account_id=acc) if e.type == "preference_set"]


def put(client: TestClient, acc: int, **headers: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    names = {"usage": "Content-Usage", "signal": "Content-Signal", "key": "Idempotency-Key"}
    sent = {names[k]: v for k, v in headers.items()}
    resp = client.put(PATH, headers={**bearer(acc), **sent})
    return resp.status_code, resp.json()


def test_a_reservation_is_recorded_and_keeps_the_posts_out(client: TestClient) -> None:
    acc = cleared(client)
    before = client.get("/api/v1/me/standing", headers=bearer(acc)).json()
    assert (before["used_for_training"], before["reserved"], before["preference"]) == (
        True,
        False,
        None,
    )
    status, body = put(client, acc, usage="train-ai=n")
    assert status == 201
    [event] = preferences(client, acc)
    assert (event.type, event.purpose, event.channel, event.content_usage) == (
        "preference_set",
        "all",
        "api",
        "train-ai=n",
    )
    assert body["events"][0]["content_usage"] == "train-ai=n"
    assert body["covers"] == [acc]
    assert body["next"] == [NEXT_LEFT_OUT, PREFERENCE_NOT_RETROACTIVE]
    standing = body["standing"]
    assert (standing["used_for_training"], standing["reason"], standing["reserved"]) == (
        False,
        None,
        True,
    )
    assert standing["explanation"] == [RESERVED]
    assert client.get("/api/v1/me/standing", headers=bearer(acc)).json()["reserved"] is True
    assert verify(ledger_of(client)).ok

    status, body = put(client, acc, signal="ai-train=yes")
    assert status == 201
    assert (body["standing"]["used_for_training"], body["standing"]["reserved"]) == (True, False)
    assert body["standing"]["preference"] == "ai-train=yes"


def test_a_no_in_either_header_wins(client: TestClient) -> None:
    acc = person(GB)
    status, body = put(client, acc, usage="train-ai=y", signal="ai-train=no")
    assert status == 201
    assert body["events"][0]["content_usage"] == "train-ai=y, ai-train=no"
    assert body["standing"]["reserved"] is True


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"usage": "  "},
        {"usage": "train-ai=maybe"},
        {"usage": "train-ai=("},
        {"usage": "search=n"},  # says nothing about training
        {"signal": "ai-train=n"},  # Content-Signal's words are yes/no
        {"usage": "train-ai=n, " + "x" * 300},
    ],
)
def test_a_value_that_states_no_training_preference_is_refused(
    client: TestClient, headers: dict[str, str]
) -> None:
    acc = person(GB)
    status, body = put(client, acc, **headers)
    assert status == 422, body
    assert body["error"] in ("invalid_preference", "invalid")
    assert preferences(client, acc) == []


def test_a_retry_returns_the_first_receipt_and_a_different_value_conflicts(
    client: TestClient,
) -> None:
    acc = person(GB)
    first = put(client, acc, usage="train-ai=n", key="pref-1")
    again = put(client, acc, usage="train-ai=n", key="pref-1")
    assert (first[0], again[0]) == (201, 200)
    assert again[1]["events"] == first[1]["events"]
    status, body = put(client, acc, usage="train-ai=y", key="pref-1")
    assert (status, body["error"]) == (409, "idempotency_conflict")
    assert len(preferences(client, acc)) == 1


def test_where_reservations_are_not_read_the_receipt_says_so(ledger_url: str) -> None:
    policy = parse_policy("honor_reservations = false\n")
    with TestClient(
        create_app(config(ledger_url, policy=policy)), base_url="http://127.0.0.1"
    ) as c:
        acc = cleared(c)
        status, body = put(c, acc, usage="train-ai=n")
        assert status == 201
        assert body["next"][0] == RESERVATION_NOT_READ
        assert (body["standing"]["reserved"], body["standing"]["used_for_training"]) == (
            False,
            True,
        )
        # and the form does not offer a choice that would change nothing
        assert 'id="preference"' not in c.get("/", headers=cookie(acc)).text


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, int, int]]:
    """Two accounts of one person: a preference is each account's own."""
    a, b = 900_001, 900_002
    facts = accounts() | {
        a: AccountFacts("personal", "GB", "active", ADULT, (a, b)),
        b: AccountFacts("personal", "GB", "active", date(1990, 1, 1), (a, b)),
    }
    url = f"sqlite:///{tmp_path_factory.mktemp('linked') / 'ledger.db'}"
    with TestClient(create_app(config(url, accounts=facts)), base_url="http://127.0.0.1") as c:
        yield c, a, b


def test_a_preference_covers_its_own_account_only(linked: tuple[TestClient, int, int]) -> None:
    client, a, b = linked
    noticed(client, b)  # a notice to one account of a person counts for all of them
    status, body = put(client, a, usage="train-ai=n")
    assert (status, body["covers"], body["standing"]["reserved"]) == (201, [a], True)
    other = client.get("/api/v1/me/standing", headers=bearer(b)).json()
    assert (other["reserved"], other["used_for_training"]) == (False, True)
    receipt = client.get(f"/receipt/{body['events'][0]['seq']}", headers=cookie(a)).text
    assert 'id="covers"' not in receipt


def same(page: Response) -> dict[str, str]:
    """The session the page was rendered for: its CSRF token is that session's."""
    return {"Cookie": page.request.headers["cookie"]}


def test_the_form_reserves_and_allows_again(client: TestClient) -> None:
    acc = cleared(client)
    page = client.get("/", headers=cookie(acc))
    assert 'id="preference"' in page.text
    assert 'value="reserve"' in page.text
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text), "choice": "reserve"}
    resp = client.post("/preference", data=form, headers=same(page), follow_redirects=False)
    assert resp.status_code == 303, resp.text
    receipt = client.get(resp.headers["location"], headers=cookie(acc)).text
    assert "Your AI-usage preference" in receipt
    assert 'data-standing="reserved"' in receipt
    [event] = preferences(client, acc)
    assert (event.type, event.channel, event.content_usage) == (
        "preference_set",
        "web",
        "train-ai=n",
    )

    page = client.get("/", headers=cookie(acc))
    assert 'value="allow"' in page.text
    assert 'value="reserve"' not in page.text
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text), "choice": "allow"}
    resp = client.post("/preference", data=form, headers=same(page), follow_redirects=False)
    assert resp.status_code == 303
    assert preferences(client, acc)[-1].content_usage == "train-ai=y"
    assert 'data-standing="used"' in client.get("/", headers=cookie(acc)).text


@pytest.mark.parametrize("choice", ["", "no", "train-ai=n"])
def test_the_form_refuses_any_other_choice(client: TestClient, choice: str) -> None:
    acc = person(US)
    page = client.get("/", headers=cookie(acc))
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text), "choice": choice}
    resp = client.post("/preference", data=form, headers=same(page), follow_redirects=False)
    assert resp.status_code == 400
    assert preferences(client, acc) == []


def test_the_form_is_translated(client: TestClient) -> None:
    acc = person(NO)
    page = client.get("/?lang=nb", headers=cookie(acc)).text
    assert "Ikke bruk innleggene mine til KI-trening" in page
