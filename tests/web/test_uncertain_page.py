"""The web form when the writer dies after its commit: the page says the truth, in the
person's language, and pressing again returns the first receipt instead of filing twice.

The first writer kills itself after committing its first batch, before any reply
(`trainright.ledger.child.Fault("committed")`), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from people import NO, config, cookie, csrf_of, form_key_of, ledger_of, person

from trainright.ledger.child import Fault
from trainright.ledger.process import ProcessWriter
from trainright.settings import LedgerURL
from trainright.web import create_app

PROMISE = {
    "en": "We may have recorded your choice — press again to check; it will not be recorded twice.",
    "nb": "Vi kan ha registrert valget ditt – trykk igjen for å sjekke; det blir ikke registrert"
    " to ganger.",
    "nl": "Misschien hebben we je keuze al vastgelegd — druk nog eens om het te controleren; ze"
    " wordt niet twee keer vastgelegd.",
}


@pytest.fixture
def dying(ledger_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A service whose first writer dies between its first commit and its replies."""
    writer = ProcessWriter(LedgerURL(ledger_url, "test"), fault=Fault("committed"), stall_s=1.0)
    with TestClient(create_app(config(ledger_url), writer), base_url="http://127.0.0.1") as c:
        yield c


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


@pytest.mark.parametrize("lang", ["en", "nb", "nl"])
def test_pressing_again_after_an_unknown_outcome_returns_the_first_receipt(
    dying: TestClient, lang: str
) -> None:
    acc = person(NO)
    page = dying.get(f"/?lang={lang}", headers=cookie(acc))
    headers = {"Cookie": page.request.headers["cookie"]}
    form = {"csrf": csrf_of(page.text), "key": form_key_of(page.text), "choice": "yes"}
    first = dying.post(f"/consent?lang={lang}", data=form, headers=headers, follow_redirects=False)

    assert first.status_code == 503
    assert int(first.headers["Retry-After"]) >= 1
    assert 'data-code="outcome_unknown"' in first.text
    assert PROMISE[lang] in first.text.replace("&#39;", "'")
    assert "nothing was recorded" not in first.text
    # The page's own button sends the same form again, same key.
    again_form = hidden_fields(first.text)
    assert again_form["key"] == form["key"]
    action = re.search(r'<form method="post" action="([^"]+)"', first.text)
    assert action is not None

    again = dying.post(action.group(1), data=again_form, headers=headers, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].endswith(f"?lang={lang}" if lang != "en" else "")
    mine = [e for e in ledger_of(dying).events() if e.account_id == acc]
    assert [e.type for e in mine] == ["consent_given"], "the choice was recorded twice"
    seq = int(again.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert seq == mine[0].seq, "the receipt is not the first filing's"
