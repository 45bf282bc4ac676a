"""The pages' languages: English, Norwegian Bokmål and Dutch, from gettext catalogs.

The catalogs are the `.po` files under `locales/`; they are compiled in memory
when the service starts, so there is no build step and no binary file to drift
from its source. The language is the `lang` query parameter (the switcher on
every page), then the `lang` cookie it sets, then the Accept-Language header.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DEFAULT = "en"
LANGUAGES: dict[str, str] = {"en": "English", "nb": "Norsk bokmål", "nl": "Nederlands"}
#: Tags a browser may send for a language we have under another code.
ALIASES = {"no": "nb", "nn": "nb", "nb-no": "nb", "no-no": "nb"}


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of a language (English is the source text)."""
    if lang == DEFAULT:
        return NullTranslations()
    po = LOCALES_DIR / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def _tag(raw: str) -> str | None:
    tag = raw.strip().lower().replace("_", "-")
    if tag in LANGUAGES:
        return tag
    if tag in ALIASES:
        return ALIASES[tag]
    primary = tag.split("-")[0]
    return primary if primary in LANGUAGES else ALIASES.get(primary)


def from_accept_language(header: str | None) -> str | None:
    """The best of our languages for an Accept-Language header, by q-value."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = _tag(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def choose(query: str | None, cookie: str | None, accept: str | None) -> str:
    """Query parameter, then cookie, then Accept-Language, then English."""
    for candidate in (query, cookie):
        if candidate:
            lang = _tag(candidate)
            if lang:
                return lang
    return from_accept_language(accept) or DEFAULT


def N_(message: str) -> str:
    """Mark text for translation where it is defined; it is translated where shown."""
    return message
