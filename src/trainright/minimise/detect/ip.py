"""IP addresses, decided whole by `ipaddress`: every text form of the standards, and never
a piece of one.

IPv4: dotted quads from 0.0.0.0 to 255.255.255.255, with a prefix length ("/24") or a
port (":8080"). IPv6: every RFC 4291 §2.2 text form (eight groups, "::" compression, a
trailing dotted quad: the §2.5.5 IPv4-compatible and IPv4-mapped forms, RFC 6052 NAT64
"64:ff9b::192.0.2.1"), in any case (RFC 5952's canonical form is lowercase; people paste
both), with a zone (RFC 4007 §11, "fe80::1%eth0"; "%25eth0" inside a URI, RFC 6874), a
prefix length ("2001:db8::/32"), or in brackets with a port (RFC 3986 §3.2.2,
"[2001:db8::1]:8080").

The candidate is the maximal run of address characters (possessive: it never gives a
character back), so "::ffff:192.0.2.1" is one candidate, not "::ffff:192" and ".0.2.1";
a run that is not an address as a whole ("::ffff:256.0.0.1", "12345:db8::1") is left as
it is. Not redacted, on purpose: "::" (it names no host, and is the scope operator of
C++, Rust and Ruby code: "std::C"), hex words with fewer than four groups and no digit
("dead::beef"; a trailing dotted quad always makes an address), dotted quads of single digits without a port or prefix ("gcc 2.7.2.3",
version numbers far more often than addresses), numbers after a version word.
"""

from __future__ import annotations

import ipaddress
import re

from trainright.minimise.detect.base import DIGIT_RUN, Detector, Hit

PATTERN = re.compile(
    r"""(?x:
    (?<![0-9A-Fa-f.:\[%])
    (?:
      \[(?P<bracketed>[0-9A-Fa-f:.]++(?:%(?:25)?[0-9A-Za-z_.~\-]++)?)\](?::\d++)?
    | (?=[0-9A-Fa-f.]*+:[0-9A-Fa-f.]*+:|\d{1,3}(?:\.\d{1,3}){3})
      (?P<run>[0-9A-Fa-f:.]++(?:%(?:25)?[0-9A-Za-z_.~\-]++)?(?:/\d++)?)
    )
    (?![\w%\[\]]|/\d)
    )""",
)
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|version|versjon|versie|ver\.|release|build)\s*$")
_PORT = re.compile(r"(.+):(\d{1,5})")


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a candidate's core (no zone, prefix or port) writes, if any. Leading
    zeros in a dotted quad ("192.168.001.010") are read as decimal, as people mean them;
    `ipaddress` refuses them because some older parsers read them as octal."""
    if "." in text:
        head, _, quad = text.rpartition(":") if ":" in text else ("", "", text)
        octets = quad.split(".")
        if len(octets) != 4 or not all(o.isdigit() and len(o) <= 3 for o in octets):
            return None
        if any(int(o) > 255 for o in octets):
            return None
        text = (head + ":" if ":" in text else "") + ".".join(str(int(o)) for o in octets)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _decide(text: str, glued: bool) -> bool:
    """Whether a whole candidate ("fe80::1%eth0", "10.0.0.1:8080", "2001:db8::/32") is
    an address that names a host or a network."""
    core, _, prefix = text.partition("/")
    core = core.split("%")[0]
    address = _address(core)
    port = None
    if address is None and not prefix:
        split = _PORT.fullmatch(core)
        if split is not None and "." in split[1] and int(split[2]) <= 65535:
            address, port = _address(split[1]), split[2]
    if address is None or (prefix and int(prefix) > address.max_prefixlen):
        return False
    if address.version == 4:
        if glued or "%" in text:
            return False
        # "2.7.2.3" is a version number far more often than an address; 0.0.0.0, a port
        # or a prefix length make it an address.
        single = all(len(o) == 1 for o in core.split("."))
        return not single or address.packed == bytes(4) or bool(port or prefix)
    groups = [g for g in re.split(r":+", core) if g]
    if address == ipaddress.IPv6Address("::") and "." not in core:
        return False  # "::" and "::/0" name no host
    if glued and not (core.startswith("::") and len(groups) >= 2):
        return False  # "text::ffff:192.0.2.1" is one; "log::1" and "std::C" are code
    return "." in core or any(ch in "123456789" for ch in core) or len(groups) >= 4


def _valid(match: re.Match[str]) -> Hit | None:
    start, end = match.span()
    before = match.string[start - 1 : start]
    glued = before.isalnum() or before == "_"
    bracketed = match.group("bracketed")
    if bracketed is not None:
        return (start, end, True) if _decide(bracketed, False) else None
    if not glued and _VERSION_BEFORE.search(match.string, max(0, start - 12), start):
        return None
    text = match.group("run").rstrip(".")  # a full stop after an address ends a sentence
    while text:
        if _decide(text, glued):
            return start, start + len(text), True
        if text[-1] != ":":
            return None
        text = text[:-1]  # a colon after the address ("ping ::1: no reply")
    return None


IP = Detector(
    category="ip",
    placeholder="[IP]",
    locator=(
        DIGIT_RUN,
        # any two colons with at most four hex digits between: every IPv6 text form (the
        # hex digits before them come into the region with their token, `_GLUE`)
        r":[0-9A-Fa-f]{0,4}:",
    ),
    pattern=PATTERN,
    valid=_valid,
    joiners=".:%",
    # a bracket, a colon (an IPv6 run has two), or a dotted quad's digits and dot
    needs=re.compile(r"[\[:]|\d\.\d"),
)
