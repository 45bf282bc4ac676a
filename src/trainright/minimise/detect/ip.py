"""IPv4 and IPv6 addresses (validated by `ipaddress`); version numbers survive."""

from __future__ import annotations

import ipaddress
import re

from trainright.minimise.detect.base import DIGIT_RUN, Detector, Hit

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
PATTERN = re.compile(
    rf"(?<![\w.:])(?:(?P<v4>{_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?)(?![\w]|\.\d)"
    r"|(?P<v6>[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?"
    r"(?:%\w+)?(?:/\d{1,3})?)(?![\w:]))"
)
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|version|versjon|versie|ver\.|release|build)\s*$")


def _valid(match: re.Match[str]) -> Hit | None:
    if match.group("v4") is not None:
        if _VERSION_BEFORE.search(match.string, max(0, match.start() - 12), match.start()):
            return None
        if all(len(octet) == 1 for octet in match.group("v4").split("/")[0].split(".")):
            return None  # "2.7.2.3": a version number far more often than an address
        return (*match.span(), True)
    address = match.group("v6").split("%")[0].split("/")[0]
    try:
        ipaddress.IPv6Address(address)
    except ValueError:
        return None
    # "::1" and "fe80::1" are addresses; "std::C" or "dead::beef" are not taken for one.
    return (*match.span(), True) if any(ch in "123456789" for ch in address) else None


IP = Detector(
    category="ip",
    placeholder="[IP]",
    locator=(
        DIGIT_RUN,
        # starts at a word boundary, or with the character before a leading "::"
        r"(?:\b[0-9A-Fa-f]{1,4}|(?:^|[^0-9A-Za-z_:])):[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*",
    ),
    pattern=PATTERN,
    valid=_valid,
)
