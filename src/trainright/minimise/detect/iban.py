"""IBANs, redacted only when the country format and the mod-97 check hold."""

from __future__ import annotations

import re
from functools import cache

from stdnum import iban, numdb
from stdnum.iso7064 import mod_97_10

from trainright.minimise.detect.base import Detector, Hit

PATTERN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}")


# An IBAN as printed: country, check digits, groups of four (the last may be shorter).
_PRINTED = re.compile(
    r"[A-Z]{2}\d{2}(?: [A-Z0-9]{4})+(?: [A-Z0-9]{1,3})?|[A-Z]{2}\d{2}[A-Z0-9]{11,30}"
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
    compact = written.replace(" ", "").upper()
    length = _length(compact[:2])
    if length is not None and length <= len(compact):
        end = [i + 1 for i, ch in enumerate(written) if ch != " "][length - 1]
        candidate = compact[:length]
        # The mod-97 check first (the one `iban.is_valid` starts with): it fails most often.
        if (
            (end == len(written) or written[end] == " ")
            and mod_97_10.is_valid(candidate[4:] + candidate[:4])
            and iban.is_valid(candidate)
        ):
            return match.start(), match.start() + end, True
    printed = _PRINTED.match(written)
    return (match.start(), match.start() + printed.end(), False) if printed else None


IBAN = Detector(
    category="iban",
    placeholder="[IBAN]",
    locator=(r"\b[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{1,4}){3,9}",),
    pattern=PATTERN,
    valid=_valid,
)
