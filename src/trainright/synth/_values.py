"""Contact details, addresses, places and names as people write them in posts."""

from __future__ import annotations

import random
import unicodedata

from trainright.synth._names import POOLS

#: Language of a post -> naming tradition of the people it talks about.
LANG_POOL = {"en": "en", "nb": "no", "nl": "nl"}

_MAIL_DOMAINS = (
    "gmail.com", "hotmail.com", "outlook.com", "yahoo.com", "icloud.com", "online.no",
    "live.no", "ziggo.nl", "kpnmail.nl", "web.de", "gmx.de", "btinternet.com", "proton.me",
)  # fmt: skip
_ASCII = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "ð": "d", "þ": "th", "ł": "l"})

#: (city, latitude, longitude) for photo and check-in coordinates.
PLACES = (
    ("Oslo", 59.9139, 10.7522), ("Bergen", 60.3913, 5.3221), ("Tromsø", 69.6492, 18.9553),
    ("Trondheim", 63.4305, 10.3951), ("Amsterdam", 52.3676, 4.9041),
    ("Utrecht", 52.0907, 5.1214), ("Rotterdam", 51.9244, 4.4777), ("Berlin", 52.52, 13.405),
    ("Paris", 48.8566, 2.3522), ("London", 51.5072, -0.1276), ("New York", 40.7128, -74.006),
    ("São Paulo", -23.5505, -46.6333), ("Mumbai", 19.076, 72.8777),
    ("Reykjavík", 64.1466, -21.9426), ("Toronto", 43.6532, -79.3832),
)  # fmt: skip


def person(rng: random.Random, lang: str, female: bool | None = None) -> str:
    """A full name from the tradition of the post's language."""
    pool = POOLS[LANG_POOL[lang]]
    if female is None:
        female = rng.random() < 0.5
    first = rng.choice(pool.female if female else pool.male)
    return f"{first} {rng.choice(pool.family)}"


def email(rng: random.Random, lang: str) -> str:
    """An address made from a person's name, as most private addresses are."""
    first, _, last = person(rng, lang).lower().partition(" ")
    local = unicodedata.normalize("NFKD", f"{first}.{last}".translate(_ASCII))
    local = "".join(c for c in local if c.isascii() and (c.isalnum() or c == ".")).strip(".")
    style = rng.randrange(4)
    if style == 1:
        local = local.replace(".", "") + str(rng.randrange(1, 99))
    elif style == 2:
        local = f"{local[0]}.{local.rpartition('.')[2]}"
    return f"{local}@{rng.choice(_MAIL_DOMAINS)}"


def _d(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def phone(rng: random.Random, lang: str) -> str:
    """A phone number in one of the international or national formats of NO, NL, GB, US, DE."""
    fmt = rng.randrange(12)
    no = rng.choice("49") + _d(rng, 7)
    nl = _d(rng, 8)
    uk = "7" + _d(rng, 9)
    us = str(rng.randrange(201, 990)) + str(rng.randrange(200, 1000)) + _d(rng, 4)
    de = "15" + str(rng.randrange(10)) + _d(rng, 8)
    return (
        f"+47 {no[:3]} {no[3:5]} {no[5:]}",
        f"+47{no}",
        f"{no[:3]} {no[3:5]} {no[5:]}",
        f"+31 6 {nl}",
        f"06-{nl}",
        f"06 {nl[:4]} {nl[4:]}",
        f"+44 {uk[:4]} {uk[4:]}",
        f"0{uk[:4]} {uk[4:]}",
        f"+1 ({us[:3]}) {us[3:6]}-{us[6:]}",
        f"({us[:3]}) {us[3:6]}-{us[6:]}",
        f"+49 {de[:3]} {de[3:]}",
        f"0{de[:3]} {de[3:]}",
    )[fmt]


def ipv4(rng: random.Random, lang: str) -> str:
    """A public-looking IPv4 address."""
    first = rng.choice((31, 46, 77, 84, 85, 88, 92, 141, 145, 178, 185, 193, 212, 217))
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def ipv6(rng: random.Random, lang: str) -> str:
    """An IPv6 address, compressed as people copy it from a router page."""
    head = rng.choice(("2a02:fe0", "2001:4640", "2a01:798", "2600:1700", "2a00:23c5"))
    groups = [f"{rng.randrange(1, 0xFFFF):x}" for _ in range(4)]
    if rng.random() < 0.5:
        return f"{head}:{groups[0]}:{groups[1]}::{groups[2]}"
    return f"{head}:{':'.join(groups)}:{rng.randrange(1, 0xFFFF):x}:{rng.randrange(1, 0xFFFF):x}"


def _place(rng: random.Random) -> tuple[float, float]:
    _, lat, lon = rng.choice(PLACES)
    return lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)


def _dms(value: float, pos: str, neg: str) -> str:
    hemi = pos if value >= 0 else neg
    value = abs(value)
    deg = int(value)
    minutes = int((value - deg) * 60)
    seconds = round((value - deg - minutes / 60) * 3600)
    return f"{deg}°{minutes}'{min(seconds, 59)}\"{hemi}"


def gps_decimal(rng: random.Random, lang: str) -> str:
    """`59.9139, 10.7522`"""
    lat, lon = _place(rng)
    return f"{lat:.4f}, {lon:.4f}"


def gps_dms(rng: random.Random, lang: str) -> str:
    """`59°54'50"N 10°45'8"E`"""
    lat, lon = _place(rng)
    return f"{_dms(lat, 'N', 'S')} {_dms(lon, 'E', 'W')}"


def gps_hemisphere(rng: random.Random, lang: str) -> str:
    """`N 59.9139 E 10.7522`"""
    lat, lon = _place(rng)
    return f"{'N' if lat >= 0 else 'S'} {abs(lat):.4f} {'E' if lon >= 0 else 'W'} {abs(lon):.4f}"


def person_female(rng: random.Random, lang: str) -> str:
    """A woman who is talked about (a grandmother, an aunt) but never joined."""
    return person(rng, lang, female=True)


def person_male(rng: random.Random, lang: str) -> str:
    """A man who is talked about (a grandfather, an uncle) but never joined."""
    return person(rng, lang, female=False)


def order_number(rng: random.Random, lang: str) -> str:
    """`#4471023` or `2026-418832`: shop references that carry no person."""
    if rng.random() < 0.5:
        return f"#{rng.randrange(1_000_000, 9_999_999)}"
    return f"{rng.randrange(2019, 2027)}-{rng.randrange(100_000, 999_999)}"


def price(rng: random.Random, lang: str) -> str:
    """A price written the way the post's language writes it."""
    whole = rng.choice((49, 99, 149, 249, 499, 1299, 2499, 12499))
    if lang == "nb":
        return f"kr {whole:,}".replace(",", " ") + ",-"
    if lang == "nl":
        return f"€ {whole:,},{rng.choice(('00', '50', '95'))}".replace(
            ",", ".", 1 if whole >= 1000 else 0
        )
    return f"${whole:,}.{rng.choice(('00', '99'))}"


def calendar_date(rng: random.Random, lang: str) -> str:
    """A date such as `12.05.2026`; its digits resemble an identifier's date part."""
    y, m, d = rng.randrange(2019, 2027), rng.randrange(1, 13), rng.randrange(1, 29)
    if lang == "nb":
        return f"{d:02d}.{m:02d}.{y}"
    if lang == "nl":
        return f"{d:02d}-{m:02d}-{y}"
    return f"{y}-{m:02d}-{d:02d}" if rng.random() < 0.5 else f"{m:02d}/{d:02d}/{y}"


def version(rng: random.Random, lang: str) -> str:
    """A software version; dotted numbers that are not an IP address."""
    kind = rng.randrange(3)
    major, minor, patch = rng.randrange(1, 19), rng.randrange(0, 30), rng.randrange(0, 12)
    if kind == 0:
        return f"v{major}.{minor}.{patch}"
    if kind == 1:
        return f"iOS {major}.{minor}.{patch}"
    return f"{major}.{minor}.{patch}.{rng.randrange(1000, 30000)}"
