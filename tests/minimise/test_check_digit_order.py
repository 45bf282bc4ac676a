"""The detectors run stdnum's cheap check before its full validation; the decision must
still be exactly stdnum's."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban
from stdnum.no import fodselsnummer

from trainright.minimise import Redactor

REDACTOR = Redactor(["national_id", "iban"])


@settings(deadline=None, max_examples=80)
@given(
    st.integers(1, 71),
    st.integers(1, 12),
    st.text("0123456789", min_size=7, max_size=7),
)
def test_a_birth_number_is_redacted_exactly_when_stdnum_accepts_it(
    day: int, month: int, rest: str
) -> None:
    base = f"{day:02d}{month:02d}{rest[:5]}"
    first = fodselsnummer.calc_check_digit1(base)
    # the right first check digit with any second one, and any pair of digits
    numbers = [base + first + d for d in "0123456789"] + [base + rest[5:]]
    out, _ = REDACTOR.redact([f"fnr {n} ok" for n in numbers])
    assert [o == "fnr [NATIONAL_ID] ok" for o in out] == [
        fodselsnummer.is_valid(n) for n in numbers
    ]


@settings(deadline=None, max_examples=80)
@given(
    st.sampled_from(["NO", "NL", "DE", "GB", "FR"]),
    st.text("0123456789", min_size=18, max_size=18),
)
def test_an_iban_is_redacted_exactly_when_stdnum_accepts_it(country: str, body: str) -> None:
    length = {"NO": 11, "NL": 14, "DE": 18, "GB": 18, "FR": 23}[country] - 4
    bban = ("ABNA" + body if country == "NL" else "NWBK" + body if country == "GB" else body)[
        :length
    ]
    bban = bban.ljust(length, "0")
    good = f"{country}{iban.calc_check_digits(country + '00' + bban)}{bban}"
    numbers = [good] + [f"{country}{c:02d}{bban}" for c in range(2, 99, 13)]
    out, _ = REDACTOR.redact([f"konto {n} ok" for n in numbers])
    assert [o == "konto [IBAN] ok" for o in out] == [iban.is_valid(n) for n in numbers]
