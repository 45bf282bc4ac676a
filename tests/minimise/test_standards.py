"""Forms from the standards, one row each, and whole-or-nothing over generated forms.

Rows come first from the standards' own examples (RFC 4291 §2.2 and §2.5.5, RFC 6052,
RFC 5952, RFC 4007, RFC 3986; RFC 5321/5322 with IDNA A- and U-labels and RFC 6531
local parts; ISO 13616 print and electronic forms), then from forms people write.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.nl import bsn
from stdnum.no import fodselsnummer

from trainright.minimise import Redactor
from trainright.minimise.detect import CATEGORIES

REDACTOR = Redactor(CATEGORIES, [])


def redact(text: str) -> str:
    out = REDACTOR.redact([text])[0][0]
    assert out is not None
    return out


IP_FOUND = [
    "2001:DB8:0:0:8:800:200C:417A",  # RFC 4291 §2.2 (1): preferred form
    "FF01:0:0:0:0:0:0:101",
    "2001:DB8::8:800:200C:417A",  # §2.2 (2): "::" compression
    "FF01::101",
    "::1",
    "0:0:0:0:0:0:13.1.68.3",  # §2.2 (3): with a dotted quad
    "0:0:0:0:0:FFFF:129.144.52.38",
    "::13.1.68.3",  # §2.5.5.1: IPv4-compatible
    "::FFFF:129.144.52.38",  # §2.5.5.2: IPv4-mapped
    "::ffff:192.0.2.1",
    "::ffff:0.0.0.0",  # a dotted quad makes it an address, even of zeros
    "64:ff9b::192.0.2.33",  # RFC 6052 §2.4: the well-known NAT64 prefix
    "2001:db8:122:344::192.0.2.33",  # RFC 6052 §2.4: a /64 network-specific prefix
    "2001:db8::10.0.0.1",
    "2001:db8::1",  # RFC 5952 §4: canonical, lower case, longest run compressed
    "2001:db8:0:0:1:0:0:1",
    "fe80::1%eth0",  # RFC 4007 §11: a zone index
    "fe80::1%25eth0",  # RFC 6874: the zone in a URI, "%" escaped
    "[2001:db8::1]:8080",  # RFC 3986 §3.2.2: brackets, with a port
    "[2001:db8::1]",
    "2001:db8::/32",  # RFC 4291 §2.3: a prefix length
    "0.0.0.0",
    "255.255.255.255",
    "192.0.2.1:443",
]
IP_KEPT = [
    "::",  # the unspecified address names no host
    "::ffff:256.0.0.1",  # an octet over 255: not an address
    "2001:db8::256.1.1.1",
    "12345:db8::1",  # a group of five hex digits
    "256.1.1.1",
    "1.2.3",
    "1:2:3:4:5:6:7:8:9",  # nine groups
]


@pytest.mark.parametrize("form", IP_FOUND)
def test_ip_forms_from_the_rfcs_are_redacted_whole(form: str) -> None:
    assert redact(f"from {form} today") == "from [IP] today"


@pytest.mark.parametrize("form", IP_KEPT)
def test_ip_look_alikes_are_left_whole(form: str) -> None:
    assert redact(f"from {form} today") == f"from {form} today"


def test_a_list_of_addresses_leaves_no_fragment() -> None:
    assert redact("IPs: 192.168.1.1, 10.0.0.1, 2001:db8::1") == "IPs: [IP], [IP], [IP]"
    assert redact("text::ffff:192.0.2.1") == "text[IP]"


EMAIL_FOUND = [
    "first.last+tag@example.co.uk",  # RFC 5322 §3.4.1 dot-atom
    "a@xn--d1acufc.xn--p1ai",  # RFC 5890: A-labels
    "a@пример.рф",  # RFC 5890: U-labels
    "jörg@bücher.de",  # RFC 6531: a Unicode local part
    "用户@例子.广告",
]


@pytest.mark.parametrize("form", EMAIL_FOUND)
def test_email_forms_are_redacted_whole(form: str) -> None:
    assert redact(f"write to {form} please") == "write to [EMAIL] please"


IBAN_FOUND = [
    "GB82 WEST 1234 5698 7654 32",  # ISO 13616 print format
    "GB82WEST12345698765432",  # electronic format
    "AL47 2121 1009 0000 0002 3569 8741",
    "AL47-2121-1009-0000-0002-3569-8741",  # dashes, as people write it
    "BE68539007547034",  # mod-97 holds: "the check holds" is the IBAN's own check
    "BE68 5390 0754 7034",
]
IBAN_KEPT = [
    "GB83WEST12345698765432",  # mod-97 fails
    "HR12 001 0051 8630 0016 A",  # not an IBAN, and its digits are no phone number either
]


@pytest.mark.parametrize("form", IBAN_FOUND)
def test_iban_forms_are_redacted_whole(form: str) -> None:
    assert redact(f"pay {form} now") == "pay [IBAN] now"


@pytest.mark.parametrize("form", IBAN_KEPT)
def test_an_iban_whose_check_fails_is_left_whole(form: str) -> None:
    assert redact(f"pay {form} now") == f"pay {form} now"


PHONE_FOUND = [
    "91-415-555-0132",  # India, international form without "+"
    "+91 415 555 0132",
    "+47 22 12 34 56",
    "+31 20 123 4567",
    "+1 (415) 555-0132",
    "020 7946 0018",  # a national form
]


@pytest.mark.parametrize("form", PHONE_FOUND)
def test_phone_forms_are_redacted_whole(form: str) -> None:
    assert redact(f"call {form} now") == "call [PHONE] now"


def _ipv4(n: int) -> str:
    return str(ipaddress.IPv4Address(n))


def _ipv6_forms(n: int, v4: int, zone: str, prefix: int, port: int) -> list[str]:
    a = ipaddress.IPv6Address(n)
    return [
        a.compressed,
        a.exploded,
        f"::ffff:{_ipv4(v4)}",
        f"64:ff9b::{_ipv4(v4)}",
        f"fe80::{n & 0xFFFF:x}%{zone}",
        f"{a.compressed}/{prefix}",
        f"[{a.compressed}]:{port}",
    ]


BESIDE = st.sampled_from([" ", "(", ")", ", ", ": ", "\n", "; "])


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(1 << 64, (1 << 128) - 1),
    v4=st.integers(0, (1 << 32) - 1),
    zone=st.sampled_from(["eth0", "en1", "3", "wlan0"]),
    prefix=st.integers(1, 128),
    port=st.integers(1, 65535),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_an_ip_is_left_next_to_a_placeholder(
    n: int, v4: int, zone: str, prefix: int, port: int, before: str, after: str
) -> None:
    for form in [_ipv4(v4), *_ipv6_forms(n, v4, zone, prefix, port)]:
        text = f"x{before}{form}{after}y"
        out = redact(text)
        assert out in (f"x{before}[IP]{after}y", text), form  # whole or nothing
        assert (out == text) == _left_on_purpose(form), form


def _left_on_purpose(form: str) -> bool:
    """The forms the detector's docstring leaves, restated: a dotted quad of single
    digits ("2.7.2.3", a version far more often) other than 0.0.0.0, and a hex-word
    IPv6 form with no digit 1-9, no dotted quad and fewer than four groups ("dead::beef")."""
    if ":" not in form:
        return form != "0.0.0.0" and all(len(o) == 1 for o in form.split("."))
    core = form.rpartition("]")[0].lstrip("[") if form.startswith("[") else form
    core = core.split("/")[0].split("%")[0]
    groups = [g for g in core.split(":") if g]
    return "." not in core and not any(c in "123456789" for c in core) and len(groups) < 4


def _mod97(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@settings(max_examples=100, deadline=None)
@given(
    bban=st.text("0123456789", min_size=18, max_size=18),
    sep=st.sampled_from(["", " ", "-"]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_an_iban_is_left_next_to_a_placeholder(
    bban: str, sep: str, before: str, after: str
) -> None:
    iban = _mod97("DE", bban)
    form = sep.join(iban[i : i + 4] for i in range(0, len(iban), 4))
    assert redact(f"x{before}{form}{after}y") == f"x{before}[IBAN]{after}y", form


@settings(max_examples=100, deadline=None)
@given(
    local=st.from_regex(r"[a-z][a-z0-9._+-]{0,10}[a-z0-9]", fullmatch=True),
    domain=st.sampled_from(["example.com", "xn--d1acufc.xn--p1ai", "пример.рф", "bücher.de"]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_an_email_is_left_next_to_a_placeholder(
    local: str, domain: str, before: str, after: str
) -> None:
    form = f"{local}@{domain}"
    if ".." in local:
        return  # not an addr-spec (RFC 5322 §3.2.3)
    assert redact(f"x{before}{form}{after}y") == f"x{before}[EMAIL]{after}y", form


@settings(max_examples=100, deadline=None)
@given(
    region=st.sampled_from(["NO", "NL", "GB", "DE", "US"]),
    tail=st.integers(0, 9999),
    style=st.sampled_from(
        [
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            phonenumbers.PhoneNumberFormat.E164,
            phonenumbers.PhoneNumberFormat.NATIONAL,
        ]
    ),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_a_phone_number_is_left_next_to_a_placeholder(
    region: str, tail: int, style: int, before: str, after: str
) -> None:
    """libphonenumber's own example mobile number of each country, its last four digits
    varied, printed in the library's international, E.164 and national formats."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    number = phonenumbers.parse(f"+{example.country_code}{national[:-4]}{tail:04d}")
    form = phonenumbers.format_number(number, style)
    assert redact(f"x{before}{form}{after}y") == f"x{before}[PHONE]{after}y", form


def _luhn(prefix: str, length: int, body: str) -> str:
    partial = (prefix + body)[: length - 1]
    return partial + luhn.calc_check_digit(partial)


@settings(max_examples=100, deadline=None)
@given(
    network=st.sampled_from(
        [
            ("4", 16, (4, 4, 4, 4)),
            ("51", 16, (4, 4, 4, 4)),
            ("2221", 16, (4, 4, 4, 4)),
            ("34", 15, (4, 6, 5)),
            ("6011", 16, (4, 4, 4, 4)),
        ]
    ),
    body=st.text("0123456789", min_size=18, max_size=18),
    sep=st.sampled_from(["", " ", "-"]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_a_card_number_is_left_next_to_a_placeholder(
    network: tuple[str, int, tuple[int, ...]], body: str, sep: str, before: str, after: str
) -> None:
    """Visa, Mastercard (both ranges), Amex and Discover numbers with a valid Luhn digit,
    grouped as the networks print them (ISO/IEC 7812)."""
    prefix, length, groups = network
    number = _luhn(prefix, length, body)
    parts, at = [], 0
    for size in groups:
        parts.append(number[at : at + size])
        at += size
    form = sep.join(parts)
    assert redact(f"x{before}{form}{after}y") == f"x{before}[CARD]{after}y", form


@settings(max_examples=100, deadline=None)
@given(
    born=st.dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    individual=st.integers(0, 499),
    d_number=st.booleans(),
    sep=st.sampled_from(["", " "]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_a_birth_number_is_left_next_to_a_placeholder(
    born: dt.date, individual: int, d_number: bool, sep: str, before: str, after: str
) -> None:
    """Norwegian fødselsnummer and D-numbers (day + 40) with both check digits, as the
    Skatteetaten prints them: eleven digits, or six and five."""
    if born.year >= 2000:
        individual += 500  # the individual numbers of those born from 2000
    day = born.day + 40 if d_number else born.day
    head = f"{day:02d}{born:%m%y}{individual:03d}"
    first = fodselsnummer.calc_check_digit1(head)
    second = fodselsnummer.calc_check_digit2(head + first)
    assume(len(first) == 1 and len(second) == 1)  # a remainder of 10 is never issued
    number = head + first + second
    form = number[:6] + sep + number[6:]
    assert redact(f"x{before}{form}{after}y") == f"x{before}[NATIONAL_ID]{after}y", form


@settings(max_examples=100, deadline=None)
@given(
    body=st.integers(10_000_000, 99_999_999),
    style=st.sampled_from(["{}", "{:.4}.{:.2}.{}", "{} {} {}", "{}.{}.{}"]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_a_bsn_is_left_next_to_a_placeholder(
    body: int, style: str, before: str, after: str
) -> None:
    """Dutch BSNs passing the eleven-test, in the forms the Rijksoverheid prints."""
    head = f"{body:08d}"
    check = next((d for d in "0123456789" if bsn.is_valid(head + d)), None)
    assume(check is not None)
    number = head + str(check)
    if style == "{}":
        form = number
    elif style == "{:.4}.{:.2}.{}":
        form = f"{number[:4]}.{number[4:6]}.{number[6:]}"
    else:
        sep = " " if " " in style else "."
        form = sep.join([number[:3], number[3:6], number[6:]])
    assert redact(f"x{before}{form}{after}y") == f"x{before}[NATIONAL_ID]{after}y", form


@settings(max_examples=100, deadline=None)
@given(
    lat=st.integers(-89_999_999, 89_999_999),
    lon=st.integers(-179_999_999, 179_999_999),
    style=st.sampled_from(["pair", "dms", "hemisphere", "keyword"]),
    before=BESIDE,
    after=BESIDE,
)
def test_no_fragment_of_a_coordinate_is_left_next_to_a_placeholder(
    lat: int, lon: int, style: str, before: str, after: str
) -> None:
    """Coordinates in the forms the detector documents: decimal pairs (ISO 6709 order,
    latitude first), degrees-minutes-seconds and hemisphere letters, lat/lon keywords."""
    la, lo = lat / 1e6, lon / 1e6
    if style == "pair":
        form = f"{la:.6f}, {lo:.6f}"
    elif style == "dms":
        form = f"{_dms(la)} {'N' if la >= 0 else 'S'}, {_dms(lo)} {'E' if lo >= 0 else 'W'}"
    elif style == "hemisphere":
        form = f"{abs(la):.5f}° {'N' if la >= 0 else 'S'}, {abs(lo):.5f}° {'E' if lo >= 0 else 'W'}"
    else:
        form = f"lat: {la:.5f}, lon: {lo:.5f}"
    assert redact(f"x{before}{form}{after}y") == f"x{before}[GPS]{after}y", form


def _dms(value: float) -> str:
    value = abs(value)
    degrees, rest = int(value), (abs(value) - int(value)) * 60
    return f"{degrees}°{int(rest)}'{(rest - int(rest)) * 60:.1f}\""
