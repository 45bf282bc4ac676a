"""A region without what a detector's pattern needs (`Detector.needs`) is searched without
that pattern, so every match of the pattern must hold it, or values would be lost."""

from __future__ import annotations

import pytest
from corpus import CASES
from hypothesis import given, settings
from hypothesis import strategies as st

from trainright.minimise.detect import PATTERN_DETECTORS, Detector

NEEDING = [d for d in PATTERN_DETECTORS.values() if d.needs is not None]
# Pieces of the values the patterns find, so that generated texts match them often.
_PIECES = [
    *"0123456789abcdefABCDEFNSEWOVØx:.[]%/_~@+-'\"°′″ ,;=#()\t",
    *("12", "192", "255", "2001", "db8", "ffff", "::", "%eth0", "/24", ":8080"),
    *("59.9139", "10.7522", "59°54'50\"", "lat", "lon", "breddegrad", "Latitude"),
    *("kari", "xn--p1ai", "пример", ".no", '"kari nordmann"'),
    *("kari@example.no", "a@xn--d1acufc.xn--p1ai", "jörg@bücher.de", "u@[192.0.2.1]"),
    *("59°54'50\"N 10°45'8\"E", "59.9139°N, 10.7522°E", "N 59.9139 E 10.7522"),
    *("lat 52.37 lon 4.89", "breddegrad: 59.91 lengdegrad: 10.75", "59.9139, 10.7522"),
    *("fe80::1%eth0", "[2001:db8::1]:8080", "::ffff:192.0.2.1", "10.0.0.1/24"),
]


def _assert_needs(detector: Detector, text: str) -> None:
    assert detector.needs is not None
    for match in detector.pattern.finditer(text):
        assert detector.needs.search(match.group()), (detector.category, match.group())


@pytest.mark.parametrize("detector", NEEDING, ids=lambda d: d.category)
def test_every_corpus_value_holds_what_its_pattern_needs(detector: Detector) -> None:
    for case in CASES:
        _assert_needs(detector, case.text)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=20).map("".join))
def test_every_match_holds_what_its_pattern_needs(text: str) -> None:
    for detector in NEEDING:
        _assert_needs(detector, text)
