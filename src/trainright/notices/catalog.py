"""The notice's text in English, Norwegian Bokmål and Dutch, from gettext catalogs.

English is the source text (the msgids below); `locales/<lang>/LC_MESSAGES/notices.po`
holds the translations, compiled in memory on first use like the rights service's
pages, so there is no build step and no binary file to drift from its source. A
string missing from a catalog falls back to English, never to nothing.

The text says only what the policy makes true: which audiences' posts are used
(`visibility`), which personal data is removed (`redact`), whether photos of
children are left out (`drop_flagged_minor_media`), and the dates that follow
from the notice period.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "notices"
DEFAULT = "en"
#: Babel locale used for dates and lists ("1 December 2026", "a, b and c").
FORMAT_LOCALE = {"en": "en_GB", "nb": "nb_NO", "nl": "nl_NL"}
LANGUAGES: tuple[str, ...] = ("en", "nb", "nl")
#: Countries whose people get the notice in Norwegian Bokmål or Dutch.
NB_COUNTRIES = frozenset({"NO", "SJ"})
NL_COUNTRIES = frozenset({"NL", "AW", "BQ", "CW", "SX", "SR"})
#: Countries with Dutch among several languages: Dutch only if the person writes in it.
NL_IF_WRITTEN = frozenset({"BE"})

SUBJECT = "How we will use your posts to train AI, and how to object"
GREETING = "Hello,"
INTRO = (
    "From {start} we plan to use posts shared on our platform to train AI models "
    "(purpose: {purpose}). We are telling you in advance because you have the right to object."
)
WHAT = "What we will use: the posts and photos you have shared {audiences}."
AUDIENCES = {
    "public": "publicly",
    "unlisted": "with anyone who has the link",
    "friends": "with your friends",
    "only_me": "only with yourself",
}
MINIMISE_TEXT = (
    "Before training we remove {categories} from the text, strip location and other "
    "metadata from photos, and replace your name with a pseudonym."
)
MINIMISE_PHOTOS = (
    "Before training we strip location and other metadata from photos and replace your "
    "name with a pseudonym."
)
CATEGORIES = {
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "national_id": "national identity numbers",
    "iban": "bank account numbers",
    "payment_card": "payment card numbers",
    "ip": "IP addresses",
    "gps": "location coordinates",
    "person_name": "names of people",
}
MINORS = "Photos flagged as showing a child are left out."
WHEN = "Your posts will not be used before {first_use}."
OBJECT_BEFORE = (
    "If you object before {first_use}, none of your posts will be used for this purpose."
)
OBJECT_AFTER = (
    "You can also object at any time after that: your posts are then left out of every "
    "later training run, and models already trained on them are scheduled for retraining "
    "without them."
)
LINK = "Object here: {object_url}"
NO_REASON = "You do not have to give a reason."
FOOTER = (
    "You are receiving this notice because your account has posts that this use could "
    "include. Dates are in UTC."
)

#: Every English source string, for the catalog-completeness test.
MESSAGES: tuple[str, ...] = (
    SUBJECT,
    GREETING,
    INTRO,
    WHAT,
    *AUDIENCES.values(),
    MINIMISE_TEXT,
    MINIMISE_PHOTOS,
    *CATEGORIES.values(),
    MINORS,
    WHEN,
    OBJECT_BEFORE,
    OBJECT_AFTER,
    LINK,
    NO_REASON,
    FOOTER,
)


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of a language; English (and anything unknown) is the source."""
    po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == DEFAULT or lang not in LANGUAGES or not po.is_file():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def language_for(country: str, post_lang: str | None = None) -> str:
    """The notice's language: by country, with Belgium's Dutch speakers told apart by
    the language they post in (their most frequent post language); English otherwise."""
    if country in NB_COUNTRIES:
        return "nb"
    if country in NL_COUNTRIES:
        return "nl"
    if country in NL_IF_WRITTEN and (post_lang or "").lower().split("-")[0] == "nl":
        return "nl"
    return DEFAULT


@dataclass(frozen=True)
class NoticeText:
    """One person's notice: subject line and plain-text body."""

    subject: str
    body: str


def compose(
    lang: str,
    *,
    start: date,
    first_use: date,
    purpose: str,
    object_url: str,
    visibility: tuple[str, ...],
    redact: tuple[str, ...],
    drop_flagged_minor_media: bool,
) -> NoticeText:
    """The notice in `lang`, stating only what the person's regional rules make true."""
    t = translations(lang).gettext
    loc = FORMAT_LOCALE.get(lang, FORMAT_LOCALE[DEFAULT])

    def day(d: date) -> str:
        return format_date(d, "long", locale=loc)

    audiences = format_list([t(AUDIENCES[v]) for v in visibility], style="or", locale=loc)
    categories = [t(CATEGORIES[c]) for c in redact]
    if categories:
        minimise = t(MINIMISE_TEXT).format(categories=format_list(categories, locale=loc))
    else:
        minimise = t(MINIMISE_PHOTOS)
    what = [t(WHAT).format(audiences=audiences), minimise]
    if drop_flagged_minor_media:
        what.append(t(MINORS))
    when = [
        t(WHEN).format(first_use=day(first_use)),
        t(OBJECT_BEFORE).format(first_use=day(first_use)),
        t(OBJECT_AFTER),
    ]
    paragraphs = [
        t(GREETING),
        t(INTRO).format(start=day(start), purpose=purpose),
        " ".join(what),
        " ".join(when),
        t(LINK).format(object_url=object_url) + "\n" + t(NO_REASON),
        t(FOOTER),
    ]
    return NoticeText(t(SUBJECT), "\n\n".join(paragraphs) + "\n")
