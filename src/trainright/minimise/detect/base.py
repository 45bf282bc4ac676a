"""What every pattern detector is: a cheap locator for the batch scan, a precise finder.

The locator is a set of RE2 fragments run once over a whole batch (vectorised, in C); it
may over-match but must never miss. The pattern is exact (Python `re`, lookarounds) and
the validator checks the digits; both run only on the small windows the locator flagged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Span = tuple[int, int]
# (start, end, redact): redact False marks a value of this shape that fails its check
# (an IBAN with wrong check digits): it is kept as written, and no other category may
# claim its digits.
Hit = tuple[int, int, bool]


@dataclass(frozen=True)
class Detector:
    """One category of personal data: its policy name, placeholder, locator and pattern.

    `pattern` uses named groups only (the detectors' patterns are also run as one
    alternation), and `valid` turns a match into a hit, or None when the check fails.
    `needs` is found in the text of every match of `pattern` ("@" in an e-mail address):
    a region without it is searched without this pattern.
    """

    category: str
    placeholder: str
    locator: tuple[str, ...]  # RE2 fragments, each a superset of some of the values
    pattern: re.Pattern[str]
    valid: Callable[[re.Match[str]], Hit | None]
    # Separators inside a value of this category ("." and ":" in an address, "-" in a
    # grouped number): a hit next to one that leads on to a letter or digit is part of a
    # longer token, and is widened to all of it (`whole_token`).
    joiners: str = ""
    # Numbers written in groups with spaces ("912 34 567"): a hit with a digit one space
    # before or after it is a piece of a longer run of groups that did not validate as a
    # whole ("+47 912 34 567 89"); it is not applied.
    spaced: bool = False
    # `valid` answers from the matched text alone, and its hit is the whole match
    # (kept or redacted): the Redactor memoises the answer by that text, since the same
    # numbers recur in region after region.
    by_text: bool = False
    needs: re.Pattern[str] | None = None

    def find(self, text: str, start: int = 0, end: int | None = None) -> Iterator[Hit]:
        """Every valid value of this category in text[start:end], each widened to its
        whole token."""
        for match in self.pattern.finditer(text, start, len(text) if end is None else end):
            hit = self.valid(match)
            span = None if hit is None else self.whole_token(text, hit[0], hit[1])
            if hit is not None and span is not None:
                yield (*span, hit[2])

    def whole_token(self, text: str, start: int, end: int) -> Span | None:
        """The span widened over every joiner that leads on to a letter or digit, so that
        no piece of the value is left beside its placeholder ("[IP].0.2.1", "2001:[IP]").

        The patterns are written to match whole tokens; this is the guarantee for the
        forms they did not foresee, on the safe side: more is redacted, never less. None
        when the hit is a piece of a longer run of spaced groups (`spaced`)."""
        if self.spaced and (
            (text[end : end + 1] == " " and text[end + 1 : end + 2].isdigit())
            or (text[start - 1 : start] == " " and text[start - 2 : start - 1].isdigit())
        ):
            return None
        while end + 1 < len(text) and text[end] in self.joiners and text[end + 1].isalnum():
            end += 2
            while end < len(text) and text[end].isalnum():
                end += 1
        while start >= 2 and text[start - 1] in self.joiners and text[start - 2].isalnum():
            start -= 2
            while start > 0 and text[start - 1].isalnum():
                start -= 1
        return start, end


def whole(match: re.Match[str]) -> Hit:
    """Redact the whole match."""
    return (*match.span(), True)


def digits(value: str) -> str:
    """Only the digits of a written number (separators dropped)."""
    return "".join(ch for ch in value if ch.isdigit())


# Every locator fragment needs one of these characters, so a text without them is not
# scanned for values at all (a test holds every detector to it).
TRIGGER = "[0-9@:]"

# Any run of seven or more digits and separators: covers phone numbers, national ids,
# card numbers, IPv4 addresses and decimal or degree coordinates in one locator.
DIGIT_RUN = r"[+(]?\b\d[\d \t().,/:°'′’\"″\-]{5,}\d"

# Text right before a number that makes it an order, invoice or reference number.
REFERENCE_BEFORE = re.compile(
    r"(?i)(?:\b(?:order|ordre|bestilling|bestelling|invoice|faktura|factuur|ref|referanse|"
    r"referentie|reference|kundenummer|kundenr|klantnummer|tracking|sporing|pakke|parcel|"
    r"ticket|billett|sak|zaak|case|id)\w*\W{0,3}(?:no|nr|number|nummer|#)?\.?\W{0,3}|#\s?)$"
)


def after_reference(text: str, start: int) -> bool:
    """True when the number at `start` is introduced as an order/reference number."""
    return REFERENCE_BEFORE.search(text, max(0, start - 30), start) is not None
