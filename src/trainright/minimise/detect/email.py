"""Email addresses."""

from __future__ import annotations

import re

from trainright.minimise.detect.base import Detector, whole

PATTERN = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")

EMAIL = Detector(
    category="email",
    placeholder="[EMAIL]",
    locator=(r"[A-Za-z0-9_.%+\-\x{00C0}-\x{024F}]+@[A-Za-z0-9_.\-\x{00C0}-\x{024F}]+",),
    pattern=PATTERN,
    valid=whole,
)
