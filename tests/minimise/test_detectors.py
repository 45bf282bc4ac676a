"""Each pattern detector on its own: one edge per row, and check digits as properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban, luhn
from stdnum.nl import bsn
from stdnum.no import fodselsnummer, kontonr

from trainright.minimise import Redactor
from trainright.minimise.detect import PATTERN_DETECTORS

# (category, text, the values found in it; a value kept as written is prefixed "keep:")
ROWS = [
    ("email", "x kari@example.com.", ["kari@example.com"]),
    ("email", "a.b-c+d@sub.domain.museum", ["a.b-c+d@sub.domain.museum"]),
    ("email", "not@an-address", []),
    ("phone", "+47 912 34 567", ["+47 912 34 567"]),
    ("phone", "912 34 567", ["912 34 567"]),
    ("phone", "91234567", ["91234567"]),
    ("phone", "12345678", []),  # 8 digits, not a Norwegian mobile or landline shape
    ("phone", "ordre 91234567", []),
    ("phone", "tel +31 (0)6 12345678", ["+31 (0)6 12345678"]),
    ("phone", "0612345678", ["0612345678"]),
    ("phone", "01-05-2024 10", []),
    ("phone", "2024-05-12", []),
    ("phone", "(415) 555-0132", ["(415) 555-0132"]),
    ("phone", "0151 23456789", ["0151 23456789"]),
    ("phone", "Boston, MA 02110-1301", []),
    ("national_id", "15038512363", ["15038512363"]),
    ("national_id", "150385 12363", ["150385 12363"]),
    ("national_id", "15038512361", ["keep:15038512361"]),
    ("national_id", "45068123481", ["45068123481"]),
    ("national_id", "908301662", ["908301662"]),
    ("national_id", "9083.01.662", ["9083.01.662"]),
    ("national_id", "908301663", []),
    ("national_id", "1908301662", []),
    ("iban", "NO93 8601 1117 947", ["NO93 8601 1117 947"]),
    ("iban", "NO9386011117947 og", ["NO9386011117947"]),
    ("iban", "nl91abna0417164300", ["nl91abna0417164300"]),
    ("iban", "NO94 8601 1117 947", ["keep:NO94 8601 1117 947"]),
    ("payment_card", "4432 3194 8757 4919", ["4432 3194 8757 4919"]),
    ("payment_card", "4432319487574919", ["4432319487574919"]),
    ("payment_card", "4432 3194 8757 4918", ["keep:4432 3194 8757 4918"]),
    ("payment_card", "9432319487574911", []),  # passes Luhn, but no card network starts with 9
    ("ip", "at 192.168.1.10.", ["192.168.1.10"]),
    ("ip", "256.1.1.1", []),
    ("ip", "v1.2.3.4", []),
    ("ip", "fe80::1ff:fe23:4567:890a%eth0", ["fe80::1ff:fe23:4567:890a%eth0"]),
    ("ip", "12:30:45", []),
    ("ip", "gcc 2.7.2.3", []),
    ("ip", "std::C and dead::beef", []),
    ("ip", "localhost ::1", ["::1"]),
    ("ip", "unibrow::Utf8::kMaxOneByte", []),
    ("gps", "59.9139, 10.7522", ["59.9139, 10.7522"]),
    ("gps", "99.9139, 10.7522", []),
    ("gps", "59°54'50\"N 10°45'8\"E", ["59°54'50\"N 10°45'8\"E"]),
    ("gps", "N 59.9139 E 10.7522", ["N 59.9139 E 10.7522"]),
    ("gps", "Lat: 52.37, Lon: 4.89", ["Lat: 52.37, Lon: 4.89"]),
    ("gps", "12.50, 13.75", []),
    ("gps", "12.500, 13.750, 14.000", []),
    ("gps", "maps/@59.9139,10.7522,15z", ["59.9139,10.7522"]),
    ("gps", "59.9139°N, 10.7522°E", ["59.9139°N, 10.7522°E"]),
]


@pytest.mark.parametrize(
    ("category", "text", "values"), ROWS, ids=[f"{c}: {t}" for c, t, _ in ROWS]
)
def test_detector_row(category: str, text: str, values: list[str]) -> None:
    found = [
        text[s:e] if redact else f"keep:{text[s:e]}"
        for s, e, redact in PATTERN_DETECTORS[category].find(text)
    ]
    assert found == values


REDACTOR = Redactor(list(PATTERN_DETECTORS))


@settings(deadline=None, max_examples=60)
@given(st.dates(), st.integers(0, 499), st.booleans())
def test_every_valid_birth_number_is_redacted_and_a_wrong_check_survives(
    born: object, individual: int, d_number: bool
) -> None:
    day = born.day + (40 if d_number else 0)  # type: ignore[attr-defined]
    base = f"{day:02d}{born.month:02d}{born.year % 100:02d}{individual:03d}"  # type: ignore[attr-defined]
    first = fodselsnummer.calc_check_digit1(base)
    number = base + first + fodselsnummer.calc_check_digit2(base + first)
    if not fodselsnummer.is_valid(number):
        return  # stdnum rejects the century for this individual number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    out, _ = REDACTOR.redact([f"fnr {number} ok", f"ref {wrong} ok"])
    assert out == ["fnr [NATIONAL_ID] ok", f"ref {wrong} ok"]


@settings(deadline=None, max_examples=60)
@given(st.text("0123456789", min_size=8, max_size=8).filter(lambda s: s[0] != "0"))
def test_bsn_is_redacted_exactly_when_the_eleven_test_holds(prefix: str) -> None:
    numbers = [prefix + last for last in "0123456789"]
    out, _ = REDACTOR.redact([f"BSN {number}." for number in numbers])
    assert [o == "BSN [NATIONAL_ID]." for o in out] == [bsn.is_valid(n) for n in numbers]


@settings(deadline=None, max_examples=60)
@given(st.text("0123456789", min_size=15, max_size=15))
def test_card_numbers_follow_luhn(body: str) -> None:
    number = "4" + body
    (out,), _ = REDACTOR.redact([f"card {number} used"])
    assert (out == "card [CARD] used") == luhn.is_valid(number)


@settings(deadline=None, max_examples=60)
@given(st.text("0123456789", min_size=10, max_size=10).filter(lambda s: s[:4] != "0000"))
def test_norwegian_ibans_follow_mod_97(account: str) -> None:
    checked = [account + d for d in "0123456789" if kontonr.is_valid(account + d)]
    if not checked:
        return  # no check digit makes this a Norwegian account number
    bban = checked[0]  # the account number's own mod-11 check holds
    valid = iban.calc_check_digits("NO00" + bban)
    good = f"NO{valid}{bban}"
    bad = f"NO{(int(valid) % 97) + 1:02d}{bban}"
    (out,), _ = REDACTOR.redact([f"konto {good} og {bad}"])
    assert iban.is_valid(good)
    assert not iban.is_valid(bad)
    assert out == f"konto [IBAN] og {bad}"
