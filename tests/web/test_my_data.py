"""SPEC §8 on the web: where my data is, what is queued after I object; the operator report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from people import API_KEY, bearer, config, cookie, csrf_of, form_key_of, ledger_of
from pydantic import SecretStr

from factories import CUTOFF, account, post, write_snapshot
from helpers import PERSONS, POSTS
from trainright import Ledger, build, parse_policy
from trainright.lineage import register_model
from trainright.minimise import Pseudonymiser
from trainright.web import create_app

SECRET = "x" * 32
SHARDS = 8
POLICY = parse_policy(f"notice_days = 0\nshards = {SHARDS}\n")
#: US accounts (last digit 1, see people.py) in the dataset; OUTSIDER is in none.
ALICE, BOB, OUTSIDER = 9001, 9011, 9021
NORWEGIAN = 9002


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """A dataset of ALICE's and BOB's posts and a model trained on it, in the app's ledger."""
    root = tmp_path_factory.mktemp("mydata")
    url = f"sqlite:///{root / 'ledger.db'}"
    snap = write_snapshot(
        root / "snap",
        [account(ALICE), account(BOB)],
        [post(1, ALICE), post(2, ALICE), post(3, BOB)],
    )
    ledger = Ledger(url)
    result = build(snap, POLICY, CUTOFF, root / "ds", ledger=ledger, secret=SECRET)
    register_model(ledger, "chat-small", [str(root / "ds")], version="v1")
    ledger.engine.dispose()
    with TestClient(create_app(config(url)), base_url="http://127.0.0.1") as client:
        yield client, result.dataset_id


def shard_of(account_id: int) -> int:
    return Pseudonymiser(SecretStr(SECRET)).shard(account_id, SHARDS)


def my_data(client: TestClient, account_id: int) -> Any:
    resp = client.get("/api/v1/me/data", headers=bearer(account_id))
    assert resp.status_code == 200
    return resp.json()


def object_through_the_page(client: TestClient, account_id: int) -> None:
    page = client.get("/object", headers=cookie(account_id))
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text)}
    headers = {"Cookie": page.request.headers["cookie"]}
    resp = client.post("/object", data=form, headers=headers, follow_redirects=False)
    assert resp.status_code == 303


def test_my_data_lists_dataset_shard_and_model_then_the_queue_after_objecting(
    built: tuple[TestClient, str],
) -> None:
    client, dataset_id = built
    before = my_data(client, ALICE)
    assert before["account_id"] == ALICE
    (held,) = before["datasets"]
    assert (held["dataset_id"], held["shard"], held["shards"]) == (
        dataset_id,
        shard_of(ALICE),
        SHARDS,
    )
    assert held["cutoff"].startswith("2026-06-26")
    assert held["models"] == [{"name": "chat-small", "version": "v1"}]
    assert before["unlearning"] == []
    # Held in a dataset, yet not told "may be used": no notice has been sent since.
    assert before["standing"]["reason"] == "no_notice"

    html = client.get("/my-data", headers=cookie(ALICE)).text
    assert f'data-dataset="{dataset_id}" data-shard="{shard_of(ALICE)}"' in html
    assert "chat-small v1" in html
    assert "Nothing is queued for unlearning for your account." in html
    assert "queued to retrain the affected part (shard)" in html
    assert 'data-standing="no_notice"' in html

    object_through_the_page(client, ALICE)
    after = my_data(client, ALICE)
    assert after["unlearning"] == [
        {
            "model": {"name": "chat-small", "version": "v1"},
            "dataset_id": dataset_id,
            "shard": shard_of(ALICE),
            "shards": SHARDS,
        }
    ]
    assert after["standing"]["reason"] == "objected"
    html = client.get("/my-data", headers=cookie(ALICE)).text
    assert 'data-standing="objected"' in html
    assert "Model chat-small v1 is queued to be retrained on part" in html

    # another account sees its own holding, never ALICE's queue
    assert my_data(client, BOB)["unlearning"] == []
    assert "Nothing is queued" in client.get("/my-data", headers=cookie(BOB)).text
    outsider = my_data(client, OUTSIDER)
    assert (outsider["datasets"], outsider["unlearning"]) == ([], [])


@pytest.mark.parametrize(
    ("lang", "title"),
    [("en", "Where is my data?"), ("nb", "Hvor er dataene mine?"), ("nl", "Waar zijn mijn")],
)
def test_my_data_page_speaks_the_persons_language(
    built: tuple[TestClient, str], lang: str, title: str
) -> None:
    client, _ = built
    resp = client.get(f"/my-data?lang={lang}", headers=cookie(OUTSIDER))
    assert resp.status_code == 200
    assert title in resp.text


def test_my_data_needs_sign_in(built: tuple[TestClient, str]) -> None:
    client, _ = built
    client.cookies.clear()
    assert client.get("/my-data").status_code == 401
    assert client.get("/api/v1/me/data").json()["error"] == "not_signed_in"


def test_the_choices_and_receipts_link_to_my_data(built: tuple[TestClient, str]) -> None:
    client, _ = built
    assert 'href="/my-data"' in client.get("/", headers=cookie(BOB)).text
    object_through_the_page(client, BOB)
    (event,) = ledger_of(client).events(account_id=BOB)
    receipt = client.get(f"/receipt/{event.seq}", headers=cookie(BOB))
    assert 'href="/my-data"' in receipt.text


def test_get_object_shows_the_choice_of_the_persons_region(built: tuple[TestClient, str]) -> None:
    """Notice e-mails link to /object; in a consent region it asks for consent instead."""
    client, _ = built
    html = client.get("/object", headers=cookie(NORWEGIAN)).text
    assert '<section id="consent">' in html
    assert 'action="/object"' not in html
    client.cookies.clear()
    unsigned = client.get("/object")
    assert unsigned.status_code == 401
    assert "You are not signed in" in unsigned.text


def test_operator_report_needs_the_api_key(built: tuple[TestClient, str]) -> None:
    client, dataset_id = built
    assert client.get("/api/v1/operator/report").status_code == 401
    wrong = client.get("/api/v1/operator/report", headers={"X-API-Key": "wrong"})
    assert wrong.status_code == 401
    resp = client.get("/api/v1/operator/report", headers={"X-API-Key": API_KEY.get_secret_value()})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "<html" in resp.text
    assert dataset_id[:8] in resp.text


def test_my_data_reaches_my_linked_accounts_and_the_reshares_of_my_posts(
    tmp_path: Path,
) -> None:
    """CAROL and ERIN are one person; DAVE reshares a post of ERIN's. Signed in as CAROL,
    ERIN's posts are listed as a linked account's; signed in as ERIN, DAVE's shard is
    listed as holding reshares of her posts; after CAROL objects, both shards are queued."""
    carol, dave, erin = 9031, 9041, 9051
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    snap = write_snapshot(
        tmp_path / "snap", [account(carol), account(dave), account(erin)], [post(7, carol)]
    )
    rows = [
        {**post(7, carol), "reshare_of": None},
        {**post(8, erin), "reshare_of": None},
        {**post(9, dave, text="worth reading"), "reshare_of": 8},
    ]
    pq.write_table(pa.Table.from_pylist(rows, POSTS), snap / "posts.parquet")
    persons = pa.table({"account_id": [carol, erin], "person_id": [1, 1]}, PERSONS)
    pq.write_table(persons, snap / "persons.parquet")
    ledger = Ledger(url)
    build(snap, POLICY, CUTOFF, tmp_path / "ds", ledger=ledger, secret=SECRET)
    register_model(ledger, "chat-small", [str(tmp_path / "ds")], version="v1")
    ledger.engine.dispose()
    with TestClient(create_app(config(url)), base_url="http://127.0.0.1") as client:
        held = {(d["account_id"], d["shard"], d["how"]) for d in my_data(client, carol)["datasets"]}
        assert held == {
            (carol, shard_of(carol), "own_posts"),
            (erin, shard_of(erin), "linked_account"),
        }
        of_erin = {(d["shard"], d["how"]) for d in my_data(client, erin)["datasets"]}
        assert of_erin == {
            (shard_of(erin), "own_posts"),
            (shard_of(carol), "linked_account"),
            (shard_of(dave), "reshared_or_quoted"),
        }
        page = client.get("/my-data", headers=cookie(carol))
        assert f'data-account="{erin}" data-how="linked_account"' in page.text
        object_through_the_page(client, carol)
        queued = {t["shard"] for t in my_data(client, carol)["unlearning"]}
        assert queued == {shard_of(carol), shard_of(erin), shard_of(dave)}
