"""Phone numbers: international (+CC / 00CC) and the national formats of NO, NL, GB, US, DE.

Bare digit strings count only in shapes these countries use, so that order numbers,
prices and dates survive; a number introduced as an order/reference number is skipped.
"""

from __future__ import annotations

import re

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
    | (?P<trunk>\(?0[1-9]\d{{0,4}}\)?(?:[ \-/]{{1,3}}\d{{2,8}}){{1,4}}|0[1-9]\d{{8,10}})
    | (?P<no>[49]\d{{2}}[ ]?\d{{2}}[ ]?\d{{3}}|[2-9]\d[ ]\d{{2}}[ ]\d{{2}}[ ]\d{{2}})
    )
    (?![\w]|[.,/\-]?\d)
    )""",
)
# Shapes that are dates, not phone numbers (e.g. "01-05-2024 10").
_DATE = re.compile(r"\b\d{1,2}[./\-]\d{1,2}[./\-](?:19|20)\d{2}\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b")
# Digit counts per shape; a trunk number has ten or more (NL, GB, and all but the
# shortest German numbers), which keeps US ZIP+4 codes ("02110-1301") out.
_DIGITS = {"intl": (8, 15), "us": (10, 11), "trunk": (10, 12), "no": (8, 8)}


def _valid(match: re.Match[str]) -> Hit | None:
    kind = next(k for k in _DIGITS if match.group(k) is not None)
    low, high = _DIGITS[kind]
    if not low <= len(digits(match.group())) <= high or _DATE.search(match.group()):
        return None
    if not match.group().startswith("+") and after_reference(match.string, match.start()):
        return None
    return (*match.span(), True)


PHONE = Detector(
    category="phone",
    placeholder="[PHONE]",
    locator=(DIGIT_RUN,),
    pattern=PATTERN,
    valid=_valid,
)
