"""The notice catalogs: complete, placeholders intact, English as the fallback."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.pofile import read_po

from trainright.notices.catalog import LOCALES_DIR, MESSAGES, compose, translations

TRANSLATED = ("nb", "nl")
ARGS = {
    "start": date(2026, 12, 1),
    "first_use": date(2026, 12, 23),
    "purpose": "ai-training",
    "object_url": "https://privacy.example.org/object",
    "visibility": ("public",),
    "redact": ("email",),
    "drop_flagged_minor_media": True,
}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_nothing_else(lang: str) -> None:
    with (LOCALES_DIR / lang / "LC_MESSAGES" / "notices.po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    entries = {m.id: m.string for m in catalog if m.id}
    assert set(entries) == set(MESSAGES)
    for msgid, text in entries.items():
        assert text, f"{lang}: no translation for {msgid!r}"
        assert placeholders(str(text)) == placeholders(str(msgid)), f"{lang}: {msgid!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_translated_notice_has_no_english_left(lang: str) -> None:
    body = compose(lang, **ARGS).body  # type: ignore[arg-type]
    assert not any(str(m).split("{")[0] in body for m in MESSAGES if len(m) > 20)


def test_an_unknown_language_falls_back_to_english() -> None:
    assert translations("sv").gettext(MESSAGES[0]) == MESSAGES[0]
    assert compose("sv", **ARGS).body == compose("en", **ARGS).body  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("redact", "sentence"),
    [
        ((), "Before training we strip location and other metadata from photos"),
        (("email", "iban"), "we remove e-mail addresses and bank account numbers from the text"),
    ],
)
def test_the_notice_promises_only_what_the_policy_does(
    redact: tuple[str, ...], sentence: str
) -> None:
    args = {**ARGS, "redact": redact, "drop_flagged_minor_media": False}
    body = compose("en", **args).body  # type: ignore[arg-type]
    assert sentence in body
    assert "child" not in body
