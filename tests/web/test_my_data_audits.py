"""SPEC §8 on the web: "where is my data" says whether an audit found my words in a model."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from people import bearer, config, cookie

from factories import CUTOFF, account, post, write_snapshot
from trainright import Ledger, build, parse_policy
from trainright.audit import audit_outputs
from trainright.lineage import register_model
from trainright.web import create_app

SECRET = "x" * 32
ALICE, BOB = 9001, 9011
WORDS = " ".join(f"alice{i}" for i in range(15))


def test_the_page_and_the_api_say_an_audit_found_my_words(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    snap = write_snapshot(
        tmp_path / "snap",
        [account(ALICE), account(BOB)],
        [post(1, ALICE, text=WORDS), post(2, BOB, text="bob says hello")],
    )
    ledger = Ledger(url)
    build(
        snap,
        parse_policy("notice_days = 0\n"),
        CUTOFF,
        tmp_path / "ds",
        ledger=ledger,
        secret=SECRET,
    )
    register_model(ledger, "chat-small", [str(tmp_path / "ds")], version="v1")
    outputs = tmp_path / "outputs.jsonl"
    outputs.write_text(json.dumps({"id": "g1", "text": WORDS.upper()}) + "\n")
    audit_outputs(outputs, tmp_path / "ds", ledger, model="chat-small", version="v1", secret=SECRET)
    ledger.engine.dispose()
    with TestClient(create_app(config(url)), base_url="http://127.0.0.1") as client:
        mine = client.get("/api/v1/me/data", headers=bearer(ALICE)).json()["repeated_in_outputs"]
        assert [(r["model"], r["outputs"]) for r in mine] == [
            ({"name": "chat-small", "version": "v1"}, 1)
        ]
        assert (
            client.get("/api/v1/me/data", headers=bearer(BOB)).json()["repeated_in_outputs"] == []
        )
        page = client.get("/my-data", headers=cookie(ALICE)).text
        assert "repeated in 1 output(s) of model chat-small v1" in " ".join(page.split())
        other = client.get("/my-data", headers=cookie(BOB)).text
        assert "has found your posts repeated." in other
        norsk = client.get("/my-data", headers={**cookie(ALICE), "Accept-Language": "nb"}).text
        assert "skrevet av modellen chat-small v1" in " ".join(norsk.split())
