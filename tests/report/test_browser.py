"""The report in a real headless Chromium (Debian's), driven by Playwright.

Every request the page makes is routed through the test: anything that is not
the report file itself (or inline data) fails the test, so a chart or a
stylesheet that reached for the network would be caught. The rendered page is
saved as artifacts/report/report.png (kept out of git) for people to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trainright.report import write_report

from .conftest import World

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
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "report"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="apt-get install -y chromium")


class Visit:
    """What happened while Chromium opened a file: requests, blocked ones, errors."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.facts: dict[str, Any] = {}

    def route(self, r: Any) -> None:
        url = r.request.url
        self.seen.append(url)
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            self.outside.append(url)
            r.abort()


def visit(path: Path, look: Any = None, screenshot: Path | None = None) -> Visit:
    """Open a local file in headless Chromium with every request routed through `Visit`."""
    v = Visit()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            context.route("**/*", v.route)
            page = context.new_page()
            page.on("request", lambda req: v.seen.append(req.url))
            page.on("pageerror", lambda exc: v.errors.append(str(exc)))
            page.on("console", lambda m: v.errors.append(m.text) if m.type == "error" else None)
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_load_state("networkidle")
            if look is not None:
                v.facts = look(page)
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return v


def test_the_report_renders_offline_in_chromium(world: World, tmp_path: Path) -> None:
    report = write_report(world.ledger, tmp_path / "report.html")

    def look(page: Any) -> dict[str, Any]:
        charts = page.locator("figure svg")
        return {
            "heading": page.locator("h1").inner_text(),
            "charts": charts.count(),
            "box": charts.first.bounding_box(),
            "verdict": page.locator("#verification .verdict").inner_text(),
            "overflow": page.evaluate(
                "[...document.querySelectorAll('table')].filter("
                "t => t.scrollWidth > t.parentElement.clientWidth + 1).map(t => t.id)"
            ),
        }

    v = visit(report, look, ARTIFACTS / "report.png")
    assert v.outside == []
    assert {u for u in v.seen if not u.startswith("data:")} == {report.resolve().as_uri()}
    assert v.errors == []
    assert v.facts["heading"] == "Rights, datasets and models: trainright report"
    assert v.facts["charts"] >= 5
    assert v.facts["box"]["width"] > 300
    assert v.facts["box"]["height"] > 100
    assert v.facts["verdict"].startswith("The hash chain verifies")
    assert v.facts["overflow"] == [], "every table fits the page"
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


def test_the_guard_catches_a_page_that_reaches_out(tmp_path: Path) -> None:
    """The check above can fail: a page with a remote image is caught (and never fetched)."""
    page = tmp_path / "leaky.html"
    remote = "http://192.0.2.1/pixel.png"  # TEST-NET-1: never routed, and aborted anyway
    page.write_text(f'<!DOCTYPE html><html><body><img src="{remote}"></body></html>')
    v = visit(page)
    assert v.outside == [remote]
