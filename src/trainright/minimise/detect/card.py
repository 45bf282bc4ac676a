"""Payment card numbers: 13-19 digits, a card-network prefix, and a valid Luhn check."""

from __future__ import annotations

import re

from stdnum import luhn

from trainright.minimise.detect.base import DIGIT_RUN, Detector, Hit, digits

_GROUPED = re.compile(r"\d{4}([ -])\d{4}\1\d{4}\1\d{4}")
PATTERN = re.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w]|[.,-]\d)")


def _valid(match: re.Match[str]) -> Hit | None:
    number = digits(match.group())
    # Issuer prefixes 2-6: Mastercard, Amex, Diners, JCB, Visa, Maestro, Discover, UnionPay.
    if number[0] in "23456" and luhn.is_valid(number):
        return (*match.span(), True)
    # Written like a card (4-4-4-4) but failing Luhn: a gift-card or voucher code; keep it.
    return (*match.span(), False) if _GROUPED.fullmatch(match.group()) else None


PAYMENT_CARD = Detector(
    category="payment_card",
    placeholder="[CARD]",
    locator=(DIGIT_RUN,),
    pattern=PATTERN,
    valid=_valid,
    joiners="-",
    spaced=True,
    by_text=True,
)
