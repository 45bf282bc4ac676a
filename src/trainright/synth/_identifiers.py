"""Personal identifiers with correct check digits, and look-alikes with wrong ones.

The redactor may only remove a checksummed identifier when its check holds
(SPEC §6), so the synthetic posts carry both kinds. Every value made here is
validated with python-stdnum before it is used, so the ground truth cannot lie.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from stdnum import iban as std_iban
from stdnum import luhn
from stdnum.nl import bsn as std_bsn
from stdnum.no import fodselsnummer

_FNR_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_FNR_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _fnr_checks(first9: str) -> str | None:
    """The two mod-11 check digits of a fødselsnummer, or None when one would be 10."""
    k1 = (11 - sum(int(d) * w for d, w in zip(first9, _FNR_W1, strict=True)) % 11) % 11
    if k1 == 10:
        return None
    first10 = first9 + str(k1)
    k2 = (11 - sum(int(d) * w for d, w in zip(first10, _FNR_W2, strict=True)) % 11) % 11
    return None if k2 == 10 else f"{k1}{k2}"


def _fnr_body(rng: random.Random, d_number: bool) -> tuple[str, str]:
    """Nine leading digits (date + individual number) and their check digits."""
    while True:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        individual = rng.randrange(0, 500) if born.year < 2000 else rng.randrange(500, 1000)
        day = born.day + (40 if d_number else 0)
        first9 = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"
        checks = _fnr_checks(first9)
        if checks is not None:
            return first9, checks


def fodselsnummer_valid(rng: random.Random, d_number: bool = False) -> str:
    """A Norwegian fødselsnummer (or D-number) whose check digits hold."""
    first9, checks = _fnr_body(rng, d_number)
    number = first9 + checks
    assert fodselsnummer.is_valid(number)
    return number if rng.random() < 0.7 else f"{number[:6]} {number[6:]}"


def fodselsnummer_invalid(rng: random.Random) -> str:
    """Eleven digits shaped like a fødselsnummer whose second check digit is wrong."""
    first9, checks = _fnr_body(rng, d_number=False)
    wrong = str((int(checks[1]) + rng.randrange(1, 10)) % 10)
    number = first9 + checks[0] + wrong
    assert not fodselsnummer.is_valid(number)
    return number


def _bsn_sum(first8: str) -> int:
    return sum(int(d) * w for d, w in zip(first8, range(9, 1, -1), strict=True))


def bsn_valid(rng: random.Random) -> str:
    """A Dutch BSN passing the eleven test."""
    while True:
        first8 = str(rng.randrange(1, 10)) + "".join(str(rng.randrange(10)) for _ in range(7))
        last = _bsn_sum(first8) % 11
        if last < 10:
            number = first8 + str(last)
            assert std_bsn.is_valid(number)
            if rng.random() < 0.75:
                return number
            return f"{number[:4]}.{number[4:6]}.{number[6:]}"


def bsn_invalid(rng: random.Random) -> str:
    """Nine digits that fail the eleven test (a customer or order number)."""
    while True:
        number = str(rng.randrange(100_000_000, 1_000_000_000))
        if not std_bsn.is_valid(number):
            return number


_KONTO_W = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _bban_no(rng: random.Random) -> str:
    """A Norwegian bank account number (mod-11 check digit), the BBAN of a NO IBAN."""
    while True:
        body = _digits(rng, 10)
        k = (11 - sum(int(d) * w for d, w in zip(body, _KONTO_W, strict=True)) % 11) % 11
        if k < 10:
            return body + str(k)


def _bban_nl(rng: random.Random) -> str:
    return rng.choice(("ABNA", "INGB", "RABO", "SNSB", "TRIO")) + _digits(rng, 10)


def _bban_de(rng: random.Random) -> str:
    return _digits(rng, 18)


def _bban_gb(rng: random.Random) -> str:
    return rng.choice(("NWBK", "BARC", "LOYD", "HBUK", "MIDL")) + _digits(rng, 14)


_IBAN_BBAN: dict[str, Callable[[random.Random], str]] = {
    "NO": _bban_no,
    "NL": _bban_nl,
    "DE": _bban_de,
    "GB": _bban_gb,
}


def _iban_checks(country: str, bban: str) -> str:
    moved = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in moved)
    return f"{98 - int(numeric) % 97:02d}"


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def iban_valid(rng: random.Random) -> str:
    """An IBAN from NO, NL, DE or GB with correct mod-97 check digits."""
    while True:
        country = rng.choice(tuple(_IBAN_BBAN))
        bban = _IBAN_BBAN[country](rng)
        number = country + _iban_checks(country, bban) + bban
        if std_iban.is_valid(number):
            return _grouped(number) if rng.random() < 0.6 else number


def iban_invalid(rng: random.Random) -> str:
    """An IBAN-shaped string whose mod-97 check fails."""
    while True:
        country = rng.choice(tuple(_IBAN_BBAN))
        bban = _IBAN_BBAN[country](rng)
        good = int(_iban_checks(country, bban))
        bad = (good + rng.randrange(1, 90)) % 97 + 2
        number = f"{country}{bad:02d}{bban}"
        if not std_iban.is_valid(number):
            return _grouped(number) if rng.random() < 0.6 else number


_CARD_PREFIXES = (
    ("4", 16),
    ("51", 16),
    ("53", 16),
    ("55", 16),
    ("2221", 16),
    ("34", 15),
    ("37", 15),
)


def _card_body(rng: random.Random) -> str:
    prefix, length = rng.choice(_CARD_PREFIXES)
    return prefix + _digits(rng, length - len(prefix) - 1)


def _card_format(rng: random.Random, number: str) -> str:
    style = rng.randrange(3)
    if style == 0 or len(number) != 16:
        return number
    return (" " if style == 1 else "-").join(number[i : i + 4] for i in range(0, 16, 4))


def card_valid(rng: random.Random) -> str:
    """A payment card number (Visa, Mastercard, Amex prefixes) passing Luhn."""
    body = _card_body(rng)
    number = body + luhn.calc_check_digit(body)
    assert luhn.is_valid(number)
    return _card_format(rng, number)


def card_invalid(rng: random.Random) -> str:
    """A card-shaped number (a gift card code, say) that fails Luhn."""
    body = _card_body(rng)
    good = int(luhn.calc_check_digit(body))
    number = body + str((good + rng.randrange(1, 10)) % 10)
    assert not luhn.is_valid(number)
    return _card_format(rng, number)


def passes_any_check(text: str) -> bool:
    """Whether the digits of `text` would pass a checksum the redactor applies."""
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 11 and fodselsnummer.is_valid(digits):
        return True
    if len(digits) in (8, 9) and std_bsn.is_valid(digits):
        return True
    return 12 <= len(digits) <= 19 and luhn.is_valid(digits)
