"""E-mail addresses: the RFC 5322 addr-spec as people write it, internationalised.

Local part: a dot-atom of RFC 5322 `atext` (letters, digits and ``!#$%&'*+/=?^`{|}~-``),
with Unicode letters and digits as RFC 6531 allows ("øyvind.ås", "用户"), or a quoted
string ("\"kari nordmann\"@example.no"). Domain: labels of letters, digits and hyphens in
U-label form (Unicode, RFC 5890: "пример.рф") or A-label form ("xn--d1acufc.xn--p1ai"),
ending in a top-level label of letters or an A-label, or an address literal
("kari@[192.0.2.1]", "kari@[IPv6:2001:db8::1]", RFC 5321 §4.1.3). A "'" that opens
the address is read as a quotation mark, not as part of it.

Not redacted: "@handles" and "not@an-address" (no top-level label).
"""

from __future__ import annotations

import re

from trainright.minimise.detect.base import Detector, whole

_ATEXT = r"\w!#$%&'*+/=?^`{|}~\-"
_OPENS = _ATEXT.replace("'", "")  # what an address may start with, or follow
PATTERN = re.compile(
    rf"""(?x:
    (?<![{_OPENS}.])
    (?:[{_OPENS}][{_ATEXT}.]*|"[^"\\\n]{{1,64}}")
    @
    (?:\[(?:IPv6:)?[0-9A-Fa-f:.]+\]
      |(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{{2,}}|xn--[^\W_](?:[\w-]*[^\W_])?)
    )
    (?![\w-]|\.[^\W_])
    )""",
)

EMAIL = Detector(
    category="email",
    placeholder="[EMAIL]",
    locator=(
        # An "@" inside a token (the region then takes the whole token: `_GLUE` in
        # text.py): byte classes keep RE2's automaton small, where Unicode letter classes
        # made every scan a fifth slower. The precise pattern decides.
        r"[^\s\x01\x02@]@[^\s\x01\x02]",
        r"\x22[^\x22\n]+\x22@",  # a quoted local part, which may hold spaces
    ),
    pattern=PATTERN,
    valid=whole,
    joiners=".@-",
    needs=re.compile("@"),
)
