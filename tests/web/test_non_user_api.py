"""The non-user JSON API against a real SMTP server: verify, register, withdraw.

Every address and number is proved before it is registered; only keyed hashes and
pHashes reach the ledger (its rows are scanned for the clear values); the answer is the
same whatever the posts hold; the caps and the rate limits hold.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from nonuser_mail import NONUSER_KEY, Inbox, mailer, start_smtp
from people import config
from PIL import Image
from sqlalchemy import MetaData, select

from helpers import Scenario, build_scenario, new_events
from reference import Account, Event, Platform, Post
from trainright.errors import LedgerError
from trainright.ledger import Ledger
from trainright.nonusers.identifiers import Hasher, Identifiers, normal_email
from trainright.web import Limits, create_app

API = "/api/v1/non-users"
EMAIL = "Grete.Hansen@Example.org"
PHONE = "+47 912 34 567"
NAMES = ["Grete Hansen", "Mormor Grete"]


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, controller, port = start_smtp()
    yield inbox, port
    controller.stop()


def service(url: str, port: int, **limits: int) -> TestClient:
    base = {"account_per_minute": 1000, "client_per_minute": 100_000, **limits}
    cfg = config(url, mailer=mailer(port), nonuser_key=NONUSER_KEY, limits=Limits(**base))
    return TestClient(create_app(cfg), base_url="http://127.0.0.1")


def photo_png(seed: int = 3) -> bytes:
    img = Image.new("RGB", (64, 64))
    img.putdata(
        [((x * seed) % 256, (y * 7) % 256, (x * y) % 256) for y in range(64) for x in range(64)]
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def prove_email(c: TestClient, inbox: Inbox, address: str, proofs: str | None = None) -> str:
    r = c.post(f"{API}/verifications", json={"email": address, "proofs": proofs})
    assert r.status_code == 202, r.text
    assert r.json() == {"email_sent": True, "challenge": None}
    token = inbox.link_token(address)
    r = c.post(f"{API}/proofs", json={"token": token})
    assert r.status_code == 200, r.text
    return str(r.json()["proofs"])


def prove_phone(c: TestClient, inbox: Inbox, number: str, proofs: str | None = None) -> str:
    r = c.post(f"{API}/verifications", json={"phone": number, "proofs": proofs})
    assert r.status_code == 202, r.text
    challenge = r.json()["challenge"]
    digits = "".join(ch for ch in number if ch.isdigit())
    r = c.post(f"{API}/proofs", json={"challenge": challenge, "code": inbox.code(digits)})
    assert r.status_code == 200, r.text
    return str(r.json()["proofs"])


def ledger_text(url: str) -> str:
    """Every row of every table of the ledger database, as text."""
    ledger = Ledger(url)
    meta = MetaData()
    meta.reflect(ledger.engine)
    out = []
    with ledger.engine.connect() as conn:
        for table in meta.sorted_tables:
            out.extend(repr(tuple(row)) for row in conn.execute(select(table)))
    ledger.engine.dispose()
    return "\n".join(out)


def test_a_registration_stores_only_hashes(smtp: tuple[Inbox, int], ledger_url: str) -> None:
    inbox, port = smtp
    with service(ledger_url, port) as c:
        proofs = prove_email(c, inbox, EMAIL)
        proofs = prove_phone(c, inbox, PHONE, proofs)
        photo = photo_png()
        r = c.post(
            f"{API}/registrations",
            json={"proofs": proofs, "names": NAMES, "photos": [base64.b64encode(photo).decode()]},
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["person_ref"].startswith("nu-")
        assert len(body["person_ref"]) == 35
        assert (body["names"], body["emails"], body["phones"], body["photos"]) == (2, 1, 1, 1)
        events = c.app.state.service.ledger.events(None)  # type: ignore[attr-defined]
    [event] = [e for e in events if e.type == "non_user_objection"]
    assert event.account_id is None
    assert event.person_ref == body["person_ref"]
    hasher = Hasher(NONUSER_KEY)
    ids = Identifiers.from_json(event.identifiers)
    assert ids.emails == (hasher.email(normal_email(EMAIL) or ""),)
    assert ids.phones == (hasher.phone("4791234567"),)
    assert set(ids.names) == {
        (hasher.word("grete"), hasher.word("hansen")),
        (hasher.word("mormor"), hasher.word("grete")),
    }
    assert len(ids.photos) == 1
    assert len(ids.photos[0]) == 16
    text = ledger_text(ledger_url).casefold()
    for clear in (EMAIL, "grete.hansen", "grete", "hansen", "mormor", "91234567", "912 34 567"):
        assert clear.casefold() not in text, clear
    assert base64.b64encode(photo).decode()[:40] not in ledger_text(ledger_url)


def test_only_proved_addresses_are_registered(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    with service(f"sqlite:///{tmp_path / 'l.db'}", port) as c:
        # no proofs, forged proofs, and a field for unproved addresses are all refused
        r = c.post(f"{API}/registrations", json={"proofs": "forged", "names": NAMES})
        assert r.status_code == 401
        assert r.json()["error"] == "proof_invalid"
        proofs = prove_email(c, inbox, "a@example.org")
        r = c.post(f"{API}/registrations", json={"proofs": proofs, "emails": ["b@example.org"]})
        assert r.status_code == 422
        assert "b@example.org" not in r.text
        # a wrong code proves nothing
        r = c.post(f"{API}/verifications", json={"phone": "+31 6 12345678"})
        bad = c.post(f"{API}/proofs", json={"challenge": r.json()["challenge"], "code": "000000"})
        right = inbox.code("31612345678")
        if right != "000000":
            assert bad.status_code == 422
            assert bad.json()["error"] == "wrong_code"


def test_bad_identifiers_name_the_field_never_the_value(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    _, port = smtp
    with service(f"sqlite:///{tmp_path / 'l.db'}", port) as c:
        r = c.post(f"{API}/verifications", json={"email": "grete@@nowhere"})
        assert r.status_code == 422
        assert r.json()["message"] == "email: not an e-mail address"
        r = c.post(f"{API}/verifications", json={"phone": "020 1234567"})
        assert r.status_code == 422
        assert r.json()["message"].startswith("phone:")
        assert "1234567" not in r.text


def test_names_are_capped_at_ten(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    with service(f"sqlite:///{tmp_path / 'l.db'}", port) as c:
        proofs = prove_email(c, inbox, "cap@example.org")
        ten = [f"Name{i} Hansen" for i in range(10)]
        r = c.post(f"{API}/registrations", json={"proofs": proofs, "names": [*ten, "Eleven"]})
        assert r.status_code == 422, r.text
        r = c.post(f"{API}/registrations", json={"proofs": proofs, "names": ten})
        assert r.status_code == 201
        assert r.json()["names"] == 10


def test_the_answer_does_not_say_whether_a_post_matched(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    # The test snapshot's one post says "hello": one registration names it, one does not.
    inbox, port = smtp
    with service(f"sqlite:///{tmp_path / 'l.db'}", port) as c:
        answers = []
        for address, name in (("m1@example.org", "Hello"), ("m2@example.org", "Zyxwv Qjk")):
            proofs = prove_email(c, inbox, address)
            r = c.post(f"{API}/registrations", json={"proofs": proofs, "names": [name]})
            assert r.status_code == 201
            answers.append(r)
    varying = {"person_ref", "reference", "received_at"}
    a, b = ({k: v for k, v in r.json().items() if k not in varying} for r in answers)
    assert a == b
    assert answers[0].headers.keys() == answers[1].headers.keys()
    assert len(answers[0].content) == len(answers[1].content)


def test_a_withdrawal_with_the_reference_is_recorded(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    with service(f"sqlite:///{tmp_path / 'l.db'}", port) as c:
        proofs = prove_email(c, inbox, "w@example.org")
        ref = c.post(f"{API}/registrations", json={"proofs": proofs, "names": ["W Q"]}).json()[
            "person_ref"
        ]
        r = c.post(f"{API}/withdrawals", json={"person_ref": ref})
        assert r.status_code == 201
        assert r.json()["person_ref"] == ref
        # a reference never registered gets the same kind of answer (nothing to learn)
        other = c.post(f"{API}/withdrawals", json={"person_ref": "nu-" + "0" * 32})
        assert other.status_code == 201
        assert other.json().keys() == r.json().keys()
        events = c.app.state.service.ledger.events(None)  # type: ignore[attr-defined]
    assert [e.type for e in events][-2:] == ["non_user_objection_withdrawn"] * 2
    assert events[-2].person_ref == ref


def test_rate_limits_per_address_and_per_client(smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    inbox, port = smtp
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with service(url, port, nonuser_address_per_hour=2, nonuser_client_per_hour=100) as c:
        for _ in range(2):
            assert (
                c.post(f"{API}/verifications", json={"email": "r@example.org"}).status_code == 202
            )
        sent = len(inbox.mails)
        r = c.post(f"{API}/verifications", json={"email": "R@example.org"})
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 60
        assert len(inbox.mails) == sent  # nothing sent
        assert c.post(f"{API}/verifications", json={"email": "s@example.org"}).status_code == 202
    with service(url, port, nonuser_client_per_hour=3) as c:
        codes = [
            c.post(f"{API}/withdrawals", json={"person_ref": f"nu-{i}"}).status_code
            for i in range(4)
        ]
        assert codes == [201, 201, 201, 429]


def test_without_relay_or_key_the_api_says_not_available(tmp_path: Path) -> None:
    with TestClient(
        create_app(config(f"sqlite:///{tmp_path / 'l.db'}")), base_url="http://127.0.0.1"
    ) as c:
        r = c.post(f"{API}/verifications", json={"email": "x@example.org"})
    assert r.status_code == 503
    assert r.json()["error"] == "nonusers_unavailable"


def test_a_registration_through_the_api_is_matched_by_the_build(
    smtp: tuple[Inbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = smtp
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with service(url, port) as c:
        proofs = prove_email(c, inbox, "grete@example.org")
        r = c.post(f"{API}/registrations", json={"proofs": proofs, "names": ["Grete Hansen"]})
        assert r.status_code == 201
    now = t = datetime.now(UTC)
    adult = Account(
        1, "personal", date(1990, 5, 17), "US", "active", "Ada Berg", now - timedelta(days=400)
    )
    posts = (
        Post(
            100, 1, now - timedelta(days=2), "public", "en", "Lunch with grete HANSEN today", False
        ),
        Post(101, 1, now - timedelta(days=2), "public", "en", "Write to grete@example.org", False),
        Post(102, 1, now - timedelta(days=2), "public", "en", "Lunch with Grete today", False),
    )
    notice = Event(1, "notice_sent", now - timedelta(days=40))
    monkeypatch.setenv("TRAINRIGHT_NONUSER_KEY", NONUSER_KEY.get_secret_value())
    ledger = Ledger(url)
    ledger.append(new_events((notice,)))
    policy = 'legal_basis = "legitimate_interest"\nnotice_days = 30\n'
    built = build_scenario(Scenario(Platform((adult,), posts), (), policy, t), tmp_path, ledger)
    assert built.excluded == {100: "names_non_user", 101: "names_non_user"}
    assert set(built.included) == {102}


class BrokenLedger:
    """A writer whose every commit fails: nothing is committed."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def file(self, filing: Any) -> Any:
        raise LedgerError("the ledger cannot be reached")

    def health(self) -> Any: ...


def test_no_reference_is_given_unless_the_event_is_committed(
    smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, port = smtp
    cfg = config(f"sqlite:///{tmp_path / 'l.db'}", mailer=mailer(port), nonuser_key=NONUSER_KEY)
    with TestClient(create_app(cfg, writer=BrokenLedger()), base_url="http://127.0.0.1") as c:
        proofs = prove_email(c, inbox, "durable@example.org")
        r = c.post(f"{API}/registrations", json={"proofs": proofs, "names": ["D Q"]})
    assert r.status_code == 503
    assert r.json()["error"] == "ledger_unavailable"
    assert "nu-" not in r.text
