"""Phone numbers: international numbers of every country, and the national forms of the
countries the platforms we serve are in (NO, NL, GB, US, DE).

What a number may be is read from libphonenumber's metadata (the `phonenumbers`
package), not written here: a country calling code must exist, and the national number
must have one of that country's possible lengths. The shapes below say only how people
write numbers (a "+" or "00" and the calling code, a trunk "0", the groups of each
country), so that order numbers, prices and dates survive:

- international: "+47 912 34 567", "0047 41 23 45 67", "+31 (0)20 123 4567",
  "+1 (415) 555-0132"; also the calling code without "+", joined by dashes
  ("91-415-555-0132"), which counts only when libphonenumber calls the whole a valid
  number of that country (dotted groups without "+" are left: "6.22.1.14170" is a
  software version far more often than Indonesia);
- national: Norway's eight digits ("912 34 567", "22 12 34 56"), the NANP's
  "(415) 555-0132" and "1-800-555-0199", and the trunk-"0" numbers of the Netherlands,
  the UK and Germany ("06-12345678", "020 7946 0958", "0151 23456789").

A number introduced as an order or reference number is skipped; so are dates.

libphonenumber's own matcher (`PhoneNumberMatcher`) is not used: it parses each text in
Python (Presidio's phone recognizer, built on it, finds 0.71 of the synthetic posts'
numbers at about 0.5 MB/s), and its validity test rejects the ranges reserved for
fiction and examples ("07700 900123", "555-0132") that people write too. The
metadata's lengths are asked once per distinct candidate.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from trainright.minimise.detect.base import (
    DIGIT_RUN,
    Detector,
    Hit,
    after_reference,
    digits,
)

_SEP = r"[ .\-/]"
PATTERN = re.compile(
    rf"""(?x:
    (?<![\w+.,/-])
    (?:
      (?P<intl>(?:\+|00)[1-9]\d{{0,2}}{_SEP}?(?:\(0\){_SEP}?)?(?:\(\d{{1,5}}\){_SEP}?)?
               \d{{1,5}}(?:{_SEP}?\d{{1,5}}){{1,5}})
    | (?P<us>(?:1[ .\-])?(?:\([2-9]\d{{2}}\)[ ]?|[2-9]\d{{2}}[ .\-])\d{{3}}[ .\-]\d{{4}})
    | (?P<cc>[1-9]\d{{0,2}}-\d{{1,5}}(?:-\d{{1,5}}){{1,4}})
    | (?P<trunk>\(?0[1-9]\d{{0,4}}\)?(?:[ \-/]{{1,3}}\d{{2,8}}){{1,4}}|0[1-9]\d{{8,10}})
    | (?P<no>[49]\d{{2}}[ ]?\d{{2}}[ ]?\d{{3}}|[2-9]\d[ ]\d{{2}}[ ]\d{{2}}[ ]\d{{2}})
    )
    (?![\w]|[.,/\-]?\d)
    )""",
)
# Shapes that are dates, not phone numbers (e.g. "01-05-2024 10").
_DATE = re.compile(r"\b\d{1,2}[./\-]\d{1,2}[./\-](?:19|20)\d{2}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")
# The national shapes and the region whose numbering plan gives their lengths; a trunk
# number has ten digits or more (NL, GB, and all but the shortest German numbers), which
# keeps US ZIP+4 codes ("02110-1301") out.
_NATIONAL = {"us": ("US",), "no": ("NO",), "trunk": ("NL", "GB", "DE")}
_TRUNK_DIGITS = (10, 12)


@cache
def _lengths(region: str) -> frozenset[int]:
    """The possible lengths of a national number in a region, from the metadata."""
    metadata = PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc if metadata is not None else None
    return frozenset(general.possible_length) if general is not None else frozenset()


def _calling_code(number: str) -> str | None:
    """The country calling code a string of digits starts with."""
    return _code_in(number[:3])


@cache
def _code_in(head: str) -> str | None:
    """The codes are prefix-free: at most one of the first three digits' prefixes is one."""
    codes = COUNTRY_CODE_TO_REGION_CODE
    return next((head[:n] for n in (1, 2, 3) if len(head) >= n and int(head[:n]) in codes), None)


def _international(number: str) -> bool:
    """A calling code that exists, and a national number of a length its plan allows."""
    code = _calling_code(number)
    if code is None:
        return False
    rest = len(number) - len(code)
    return any(rest in _lengths(r) for r in COUNTRY_CODE_TO_REGION_CODE[int(code)])


def _valid(match: re.Match[str]) -> Hit | None:
    kind = next(k for k in ("intl", "us", "cc", "trunk", "no") if match.group(k) is not None)
    written = match.group()
    if _DATE.search(written):
        return None
    number = digits(written)
    if kind == "intl":
        # "+31 (0)20 ...": the trunk "0" in brackets is not dialled from abroad
        national = digits(written.replace("(0)", "", 1))
        ok = _international(national[2:] if written.startswith("00") else national)
    elif kind == "cc":
        ok = _valid_without_plus(number)
    else:
        if kind == "trunk":
            low, high = _TRUNK_DIGITS
            national = number[1:]
            ok = low <= len(number) <= high
        else:
            national = number[1:] if kind == "us" and len(number) == 11 else number
            ok = not (kind == "us" and len(number) == 11 and number[0] != "1")
        ok = ok and any(len(national) in _lengths(r) for r in _NATIONAL[kind])
    if not ok:
        return None
    if not written.startswith("+") and after_reference(match.string, match.start()):
        return None
    return (*match.span(), True)


@lru_cache(maxsize=65_536)
def _valid_without_plus(number: str) -> bool:
    """A calling code written without "+" ("91-415-555-0132"): only a number that
    libphonenumber calls valid for that country, since many digit groups start with
    something that is a calling code."""
    if _calling_code(number) is None:
        return False
    try:
        parsed = phonenumbers.parse("+" + number, None)
    except phonenumbers.NumberParseException:
        return False
    return bool(phonenumbers.is_valid_number(parsed))


PHONE = Detector(
    category="phone",
    placeholder="[PHONE]",
    locator=(DIGIT_RUN,),
    pattern=PATTERN,
    valid=_valid,
    joiners="-./",
    spaced=True,
)
