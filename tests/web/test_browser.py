"""The pages in a real headless Chromium (Debian's), driven by Playwright.

In each of the three languages a person acts and the receipt's "what happens
next" agrees with the standing box: a UK objection, a Dutch withdrawal after an
objection, a child's and a deleted account's page; a business account sees the
switch message; consent defaults to "no" where consent is the basis. Every page is saved
as a screenshot under artifacts/web/ (kept out of git) for people to look at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import Server, write_snapshot
from people import FACTS, SIGNER

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
#: One person per language and legal basis, a business, a child and a deleted account.
PEOPLE = {account: FACTS[account % 10] for account in (11, 12, 13, 14, 15, 16, 17, 22, 23)}

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


def agree(page: Any, standing: str, box: str, *next_lines: str) -> None:
    """The receipt's "what happens next" and the standing box say the same thing."""
    expect = sync_api.expect
    expect(page.locator("#standing")).to_have_attribute("data-standing", standing)
    expect(page.locator("#standing")).to_contain_text(box)
    for line in next_lines:
        expect(page.locator("#next")).to_contain_text(line)


def test_a_uk_no_is_an_objection_and_the_receipt_agrees(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 14, "en-GB")
    expect = sync_api.expect
    expect(page.locator("h1")).to_have_text("Your data and AI training")
    # Legitimate interest: the form offers the objection, never a consent "no".
    assert page.locator("#consent").count() == 0
    shot(page, "choices-en-GB")
    page.fill("#reason", "Personal reasons.")
    page.get_by_role("button", name="Object", exact=True).click()
    expect(page.locator("h1")).to_have_text("Receipt")
    assert re.fullmatch(r"R\d+-[0-9A-F]{8}", page.locator("#reference").inner_text())
    agree(
        page,
        "objected",
        "You have objected, so your posts and images are left out.",
        "Datasets built from now on leave your posts and images out.",
        "put on the unlearning list",
    )
    shot(page, "receipt-objection-en-GB")


def test_a_dutch_withdrawal_after_an_objection_is_not_consent(browser: Any, live: Server) -> None:
    # The objection came through the API (an app); the form is where it is withdrawn.
    headers = {"Authorization": f"Bearer {SIGNER.session_token(23)}"}
    filed = httpx.post(
        f"{live.base}/api/v1/events", json={"type": "objection"}, headers=headers, timeout=30
    )
    assert filed.status_code == 201, filed.text
    page = open_as(browser, live, 23, "nl-NL")
    expect = sync_api.expect
    expect(page.locator("h1")).to_have_text("Jouw gegevens en AI-training")
    # Consent is the basis: without consent the posts are out, objection or not.
    expect(page.locator("#standing")).to_have_attribute("data-standing", "no_consent")
    shot(page, "choices-objected-nl")
    page.get_by_role("button", name="Mijn bezwaar intrekken").click()
    expect(page.locator("h1")).to_have_text("Ontvangstbewijs")
    agree(
        page,
        "no_consent",
        "Hier is toestemming nodig en die heb je niet gegeven",
        "Je bezwaar intrekken is geen toestemming",
        "Datasets die vanaf nu worden gebouwd, laten je berichten en afbeeldingen weg.",
    )
    shot(page, "receipt-withdrawal-nl")


@pytest.mark.parametrize(
    ("account", "locale", "standing", "box"),
    [
        (15, "nb-NO", "under_age", "Du er under 18 år her, så innleggene dine brukes ikke."),
        (16, "en-GB", "account_status", "Your account is deleted or not active"),
    ],
)
def test_a_minor_and_a_deleted_account_are_told_they_are_not_used(
    browser: Any, live: Server, account: int, locale: str, standing: str, box: str
) -> None:
    page = open_as(browser, live, account, locale)
    expect = sync_api.expect
    expect(page.locator("#standing")).to_have_attribute("data-standing", standing)
    expect(page.locator("#standing")).to_contain_text(box)
    shot(page, f"choices-{standing}-{locale}")
    # Their own objection is recorded, and the receipt still gives the first reason.
    page.get_by_role("button", name="Protester" if locale == "nb-NO" else "Object").click()
    agree(page, standing, box)
    expect(page.locator("#next")).not_to_contain_text("may use")
    shot(page, f"receipt-{standing}-{locale}")


def test_a_business_account_is_told_to_switch(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 17, "nb-NO")
    sync_api.expect(page.locator("h1")).to_have_text("Dette er en bedriftskonto")
    sync_api.expect(page.locator("main")).to_contain_text("Bytt til den personlige kontoen din")
    shot(page, "business-nb-NO")
    page.get_by_role("link", name="English").click()
    sync_api.expect(page.locator("h1")).to_have_text("This is a business account")
    shot(page, "business-en")


def test_consent_defaults_to_no_and_yes_is_one_click(browser: Any, live: Server) -> None:
    page = open_as(browser, live, 22, "en-GB")
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


def test_the_api_reference_works_offline(browser: Any, live: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live.base}/docs")
    sync_api.expect(page.locator("h1")).to_contain_text("trainright rights service")
    sync_api.expect(page.locator("#schema-Problem")).to_be_visible()
    shot(page, "api-docs")
    assert requested
    assert all(url.startswith(live.base) for url in requested), requested
    context.close()
