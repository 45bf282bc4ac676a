"""IBANs (ISO 13616): redacted when the country's format and the mod-97 check hold.

Forms: the electronic format ("NL91ABNA0417164300", any case) and the print format in
groups of four separated by spaces or dashes ("NL91 ABNA 0417 1643 00",
"AL47-2121-1009-0000-0002-3569-8741"), groups of other sizes too.

"The check holds" (SPEC §6) means the IBAN's own checks: the country's length and BBAN
structure from python-stdnum's registry and the ISO 7064 mod-97 check digits
(`stdnum.iban.is_valid(..., check_country=False)`). The national checks some countries
add inside the BBAN (a bank-code registry, an account check digit) are not asked: a
string that passes mod-97 in the country's exact format is an IBAN all but one time in
97 and more, and a national registry that misses a bank ("BE68539007547034") would leave a
real account number in the dataset.

An IBAN-shaped string of an IBAN country whose check fails is kept as written, whole
(its groups of any size: "HR12 001 0051 8630 0016 A"), and no other category may claim
its digits.
"""

from __future__ import annotations

import re
from functools import cache

from stdnum import iban, numdb
from stdnum.iso7064 import mod_97_10

from trainright.minimise.detect.base import Detector, Hit

PATTERN = re.compile(r"(?<![\w-])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}")
_SEPARATORS = " -"

# An IBAN-shaped string: country, check digits, groups (the print format), or compact.
_PRINTED = re.compile(
    r"[A-Z]{2}\d{2}(?:(?P<sep>[ -])[A-Z0-9]{1,4}(?:(?P=sep)[A-Z0-9]{1,4}){1,8}|[A-Z0-9]{11,30})"
    r"(?![\w-])"
)


@cache
def _length(country: str) -> int | None:
    """A country's IBAN length, from python-stdnum's registry (None if it has none): only
    that length can validate, so it is the only one to check."""
    structure = numdb.get("iban").info(country)[0][1].get("bban")
    return 4 + sum(int(n) for n in re.findall(r"(\d+)!", structure)) if structure else None


def _valid(match: re.Match[str]) -> Hit | None:
    """The valid IBAN at the start of the match (the pattern may run into a word).

    A printed IBAN whose check digits fail is kept, and no other category may claim its
    digits (they would otherwise look like a card or phone number).
    """
    written = match.group()
    compact = "".join(ch for ch in written if ch not in _SEPARATORS).upper()
    length = _length(compact[:2])
    if length is None:
        return None
    if length <= len(compact):
        end = [i + 1 for i, ch in enumerate(written) if ch not in _SEPARATORS][length - 1]
        candidate = compact[:length]
        # The mod-97 check first (the one `iban.is_valid` starts with): it fails most often.
        if (
            (end == len(written) or written[end] in _SEPARATORS)
            and mod_97_10.is_valid(candidate[4:] + candidate[:4])
            and iban.is_valid(candidate, check_country=False)
            and _separated_alike(written[:end])
        ):
            return match.start(), match.start() + end, True
    printed = _PRINTED.match(match.string, match.start())
    return (match.start(), printed.end(), False) if printed else None


def _separated_alike(written: str) -> bool:
    """One kind of separator in one IBAN: "NL91 ABNA-0417" is two numbers, not one."""
    return not (" " in written and "-" in written)


IBAN = Detector(
    category="iban",
    placeholder="[IBAN]",
    locator=(r"\b[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{1,4}){3,9}",),
    pattern=PATTERN,
    valid=_valid,
    joiners="-",
)
