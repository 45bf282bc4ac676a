"""The non-user page in a real headless Chromium, in English, Bokmål and Dutch.

The verification messages go through a real local SMTP server (aiosmtpd): the
browser opens the one-time link from the e-mail, or types the code sent to the
SMS gateway's address, registers names and a photo, and gets a reference; the
reference then withdraws. Screenshots go to artifacts/web/ like the other pages'.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import Server
from nonuser_mail import NONUSER_KEY, SMS, Inbox, start_smtp
from PIL import Image

from trainright.ledger import Ledger
from trainright.nonusers.identifiers import Identifiers

sync_api = pytest.importorskip("playwright.sync_api")
from test_browser import ARGS, CHROMIUM, shot  # noqa: E402

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="apt-get install -y chromium")

#: Per language: the start page's title, the button that sends, the register button,
#: the text of the "check your messages" page.
TEXTS = {
    "en-GB": (
        "Keep your data out of AI training",
        "Send me a link or code",
        "Register my objection",
        "Check your messages",
    ),
    "nb-NO": (
        "Hold dataene dine utenfor KI-trening",
        "Send meg en lenke eller kode",
        "Registrer protesten min",
        "Sjekk meldingene dine",
    ),
    "nl-NL": (
        "Houd je gegevens buiten AI-training",
        "Stuur me een link of code",
        "Mijn bezwaar registreren",
        "Kijk in je berichten",
    ),
}


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, controller, port = start_smtp()
    yield inbox, port
    controller.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("nonuser-browser")
    server = Server(f"sqlite:///{root / 'ledger.db'}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRAINRIGHT_SMTP_HOST", "127.0.0.1")
        mp.setenv("TRAINRIGHT_SMTP_PORT", str(smtp[1]))
        mp.setenv("TRAINRIGHT_MAIL_FROM", "privacy@example.org")
        mp.setenv("TRAINRIGHT_PUBLIC_URL", server.base)
        mp.setenv("TRAINRIGHT_SMS_GATEWAY", SMS)
        mp.setenv("TRAINRIGHT_NONUSER_KEY", NONUSER_KEY.get_secret_value())
        server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    img = Image.new("RGB", (80, 60))
    img.putdata(
        [((x * 5) % 256, (y * 9) % 256, (x + y) % 256) for y in range(60) for x in range(80)]
    )
    path = tmp_path_factory.mktemp("photo") / "me.png"
    buf = io.BytesIO()
    img.save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def registrations(live: Server) -> dict[str, Identifiers]:
    ledger = Ledger(live.ledger_url)
    try:
        events = ledger.events(None)
    finally:
        ledger.engine.dispose()
    return {
        e.person_ref: Identifiers.from_json(e.identifiers)
        for e in events
        if e.type == "non_user_objection" and e.person_ref and e.identifiers
    }


@pytest.mark.parametrize("locale", list(TEXTS))
def test_an_address_is_verified_by_link_and_registered(
    browser: Any, live: Server, smtp: tuple[Inbox, int], photo: Path, locale: str
) -> None:
    inbox, _ = smtp
    title, send, _register, sent = TEXTS[locale]
    address = f"grete.{locale.lower()}@example.org"
    expect = sync_api.expect
    page = browser.new_context(locale=locale).new_page()
    page.goto(f"{live.base}/non-users")
    expect(page.locator("h1")).to_have_text(title)
    shot(page, f"non-user-start-{locale}")
    page.fill("#email", address)
    page.get_by_role("button", name=send).click()
    expect(page.locator("h1")).to_have_text(sent)
    expect(page.locator("#sent-email")).to_be_visible()
    page.goto(inbox.link(address))
    expect(page.locator("#proved")).to_contain_text("1")
    shot(page, f"non-user-register-{locale}")
    page.fill("#names", "Grete Hansen\nMormor Grete")
    page.set_input_files("#photos", str(photo))
    page.locator("form[action='/non-users/register'] button").click()
    ref = page.locator("#person-ref").inner_text()
    assert re.fullmatch(r"nu-[0-9a-f]{32}", ref)
    shot(page, f"non-user-receipt-{locale}")
    ids = registrations(live)[ref]
    assert (len(ids.names), len(ids.emails), len(ids.phones), len(ids.photos)) == (2, 1, 0, 1)
    mail = inbox.last_to(address)
    assert mail["Content-Language"] == locale[:2]


def test_a_number_is_verified_by_code_then_withdrawn_with_the_reference(
    browser: Any, live: Server, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    expect = sync_api.expect
    page = browser.new_context(locale="nb-NO").new_page()
    page.goto(f"{live.base}/non-users")
    page.fill("#phone", "+47 912 34 568")
    page.get_by_role("button", name="Send meg en lenke eller kode").click()
    expect(page.locator("#sent-phone")).to_be_visible()
    page.fill("#code", "000000" if inbox.code("4791234568") != "000000" else "111111")
    page.get_by_role("button", name="Bekreft").click()
    expect(page.locator("#wrong-code")).to_contain_text("Koden er ikke riktig")
    shot(page, "non-user-wrong-code-nb-NO")
    page.fill("#code", inbox.code("4791234568"))
    page.get_by_role("button", name="Bekreft").click()
    expect(page.locator("#proved")).to_contain_text("1 telefonnummer")
    page.fill("#names", "Olav Nordmann")
    page.get_by_role("button", name="Registrer protesten min").click()
    ref = page.locator("#person-ref").inner_text()
    assert registrations(live)[ref].phones
    page.goto(f"{live.base}/non-users/withdraw")
    page.fill("#person_ref", ref)
    page.get_by_role("button", name="Trekk tilbake protesten min").click()
    expect(page.locator("#withdrawn")).to_be_visible()
    shot(page, "non-user-withdrawn-nb-NO")
    ledger = Ledger(live.ledger_url)
    try:
        last = ledger.events(None)[-1]
    finally:
        ledger.engine.dispose()
    assert (last.type, last.person_ref, last.account_id) == (
        "non_user_objection_withdrawn",
        ref,
        None,
    )
