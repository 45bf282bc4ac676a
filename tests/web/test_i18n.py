"""The catalogs cannot drift: every text on the pages is translated into nb and nl."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from trainright.web import i18n

WEB = Path(i18n.__file__).parent


def source_texts() -> set[str]:
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = extract_from_dir(
        str(WEB), method_map, options_map=options, keywords={"_": None, "N_": None}
    )
    return {msg for _, _, msg, _, _ in found if isinstance(msg, str)}


@pytest.mark.parametrize("lang", ["nb", "nl"])
def test_every_text_is_translated_and_no_stale_entries_remain(lang: str) -> None:
    with (WEB / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    entries = {m.id: m.string for m in catalog if m.id}
    texts = source_texts()
    assert sorted(texts - set(entries)) == [], "untranslated: add them to the catalog"
    assert sorted(set(entries) - texts) == [], "stale: no longer in the source"
    for msgid, msgstr in entries.items():
        assert msgstr, f"empty translation of {msgid!r}"
        assert re.findall(r"%\(\w+\)s", msgid) == re.findall(r"%\(\w+\)s", str(msgstr))
        assert not any(m.fuzzy for m in catalog if m.id == msgid)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nb-NO,nb;q=0.9,en-US;q=0.8", "nb"),
        ("nn", "nb"),
        ("de-DE,nl;q=0.5,en;q=0.4", "nl"),
        ("en;q=0.1,nl;q=0.9", "nl"),
        ("nl;q=0", None),
        ("*", None),
        ("", None),
    ],
)
def test_accept_language_negotiation(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected
