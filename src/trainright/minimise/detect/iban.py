"""IBANs, redacted only when the country format and the mod-97 check hold."""

from __future__ import annotations

import re

from stdnum import iban
from stdnum.iso7064 import mod_97_10

from trainright.minimise.detect.base import Detector, Hit

PATTERN = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}")


# An IBAN as printed: country, check digits, groups of four (the last may be shorter).
_PRINTED = re.compile(
    r"[A-Z]{2}\d{2}(?: [A-Z0-9]{4})+(?: [A-Z0-9]{1,3})?|[A-Z]{2}\d{2}[A-Z0-9]{11,30}"
)


def _valid(match: re.Match[str]) -> Hit | None:
    """The longest valid IBAN at the start of the match (the pattern may run into a word).

    A printed IBAN whose check digits fail is kept, and no other category may claim its
    digits (they would otherwise look like a card or phone number).
    """
    written = match.group()
    ends = [i + 1 for i, ch in enumerate(written) if ch != " "]
    compact = written.replace(" ", "").upper()
    for length in range(min(len(compact), 34), 14, -1):
        end = ends[length - 1]
        if end != len(written) and written[end] != " ":
            continue
        # The mod-97 check first (the one `iban.is_valid` starts with): most lengths fail it.
        candidate = compact[:length]
        if mod_97_10.is_valid(candidate[4:] + candidate[:4]) and iban.is_valid(candidate):
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
