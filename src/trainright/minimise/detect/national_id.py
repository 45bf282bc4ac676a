"""Norwegian fødselsnummer and D-number, Dutch BSN: redacted only when the check digits hold."""

from __future__ import annotations

import re

from stdnum.nl import bsn
from stdnum.no import fodselsnummer

from trainright.minimise.detect.base import DIGIT_RUN, Detector, Hit, digits

PATTERN = re.compile(
    r"(?<![\w.,/-])(?:(?P<fnr>\d{6}[ -]?\d{5})|(?P<bsn>\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3}(?P<sep>[ .])\d{3}(?P=sep)\d{3}))"
    r"(?![\w]|[.,/-]\d)"
)


# DDMMYY (day +40 for D-numbers) and five digits: the shape of a Norwegian birth number.
BIRTH_NUMBER_SHAPE = re.compile(r"(?:[0-2]\d|3[01]|[4-6]\d|7[01])(?:0[1-9]|1[0-2])\d{7}")


def _valid(match: re.Match[str]) -> Hit | None:
    if match.group("fnr") is not None:
        number = digits(match.group("fnr"))
        # The first check digit (stdnum's own) before the full validation: most fail it.
        if number[-2] == fodselsnummer.calc_check_digit1(number) and fodselsnummer.is_valid(number):
            return (*match.span(), True)
        # A birth-number shape with a wrong check digit is kept, and is no phone number either.
        return (*match.span(), False) if BIRTH_NUMBER_SHAPE.fullmatch(number) else None
    number = digits(match.group("bsn"))
    return (*match.span(), True) if bsn.checksum(number) == 0 and bsn.is_valid(number) else None


NATIONAL_ID = Detector(
    category="national_id",
    placeholder="[NATIONAL_ID]",
    locator=(DIGIT_RUN,),
    pattern=PATTERN,
    valid=_valid,
    joiners=".-",
    spaced=True,
    by_text=True,
)
