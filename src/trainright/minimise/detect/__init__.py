"""The detectors, one per file, listed by the policy's `redact` category names."""

from __future__ import annotations

from trainright.minimise.detect.base import Detector
from trainright.minimise.detect.card import PAYMENT_CARD
from trainright.minimise.detect.email import EMAIL
from trainright.minimise.detect.gps import GPS
from trainright.minimise.detect.iban import IBAN
from trainright.minimise.detect.ip import IP
from trainright.minimise.detect.national_id import NATIONAL_ID
from trainright.minimise.detect.phone import PHONE

# Order breaks ties between equal spans: the earlier category wins.
PATTERN_DETECTORS: dict[str, Detector] = {
    d.category: d for d in (EMAIL, IBAN, NATIONAL_ID, PAYMENT_CARD, IP, GPS, PHONE)
}
PERSON_NAME = "person_name"
PERSON_PLACEHOLDER = "[PERSON]"
CATEGORIES: tuple[str, ...] = (*PATTERN_DETECTORS, PERSON_NAME)

__all__ = ["CATEGORIES", "PATTERN_DETECTORS", "PERSON_NAME", "PERSON_PLACEHOLDER", "Detector"]
