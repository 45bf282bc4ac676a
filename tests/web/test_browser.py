"""The pages in a real headless Chromium (Debian's), driven by Playwright.

A person objects in each of the three languages and sees the receipt; a business
account sees the switch message; consent defaults to "no". Every page is saved
as a screenshot under artifacts/web/ (kept out of git) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import Server, write_snapshot
from people import SIGNER

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
#: account -> (kind, country): one person per language and legal basis, and a business.
PEOPLE = {
    11: ("personal", "US"),
    12: ("personal", "NO"),
    13: ("personal", "NL"),
    14: ("personal", "GB"),
    17: ("business", "NL"),
}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="apt-get install -y chromium")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("browser")
    snapshot = write_snapshot(root / "snapshot", PEOPLE)
    with Server(f"sqlite:///{root / 'ledger.db'}", "--snapshot", str(snapshot)) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def open_as(browser: Any, live: Server, account: int, locale: str) -> Any:
    context = browser.new_context(locale=locale)
    page = context.new_page()
    page.goto(f"{live.base}/login?token={SIGNER.login_token(account)}")
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("locale", "account", "heading", "button", "receipt", "objected"),
    [
        ("en-US", 11, "Your data and AI training", "Object", "Receipt", "You have objected."),
        ("nb-NO", 12, "Dine data og KI-trening", "Protester", "Kvittering", "Du har protestert."),
        (
            "nl-NL",
            13,
            "Jouw gegevens en AI-training",
            "Bezwaar maken",
            "Ontvangstbewijs",
            "Je hebt bezwaar gemaakt.",
        ),
    ],
)
def test_a_person_objects_in_their_language_and_gets_a_receipt(
    browser: Any,
    live: Server,
    locale: str,
    account: int,
    heading: str,
    button: str,
    receipt: str,
    objected: str,
) -> None:
    page = open_as(browser, live, account, locale)
    expect = sync_api.expect
    expect(page.locator("h1")).to_have_text(heading)
    shot(page, f"choices-{locale}")
    page.fill(
        "#reason",
        "Mine innlegg handler om barna mine." if locale == "nb-NO" else "Personal reasons.",
    )
    page.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("h1")).to_have_text(receipt)
    assert re.fullmatch(r"R\d+-[0-9A-F]{8}", page.locator("#reference").inner_text())
    expect(page.locator("#standing")).to_contain_text(objected)
    shot(page, f"receipt-{locale}")


def test_a_business_account_is_told_to_switch(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 17, "nb-NO")
    sync_api.expect(page.locator("h1")).to_have_text("Dette er en bedriftskonto")
    sync_api.expect(page.locator("main")).to_contain_text("Bytt til den personlige kontoen din")
    shot(page, "business-nb-NO")
    page.get_by_role("link", name="English").click()
    sync_api.expect(page.locator("h1")).to_have_text("This is a business account")
    shot(page, "business-en")


def test_consent_defaults_to_no_and_yes_is_one_click(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 14, "en-GB")
    no = page.locator('input[name="choice"][value="no"]')
    yes = page.locator('input[name="choice"][value="yes"]')
    assert no.is_checked()
    assert not yes.is_checked()
    shot(page, "consent-default-no")
    yes.check()
    page.get_by_role("button", name="Save my choice").click()
    sync_api.expect(page.locator("#standing")).to_contain_text("You have given consent")
    shot(page, "receipt-consent")


def test_the_language_switcher_is_visible_and_works(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 11, "en-US")
    page.get_by_role("link", name="Nederlands").click()
    sync_api.expect(page.locator("h1")).to_have_text("Jouw gegevens en AI-training")
    page.goto(live.base + "/")
    sync_api.expect(page.locator("h1")).to_have_text("Jouw gegevens en AI-training")


def test_a_forged_link_gets_a_clear_page(browser: Any, live: Server) -> None:
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.goto(f"{live.base}/login?token=forged.token.value")
    sync_api.expect(page.locator("h1")).to_have_text("Deze inloglink is niet geldig")
    shot(page, "forged-link-nl")
