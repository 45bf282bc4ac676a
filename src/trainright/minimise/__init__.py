"""SPEC §6: minimisation — redact text, scrub images, pseudonymise authors.

The dataset writer depends only on the names exported here.
"""

from trainright.minimise._result import UnsupportedImage
from trainright.minimise.images import ScrubResult, scrub_bytes, scrub_image
from trainright.minimise.pseudonym import Pseudonymiser
from trainright.minimise.text import Redactor

__all__ = [
    "Pseudonymiser",
    "Redactor",
    "ScrubResult",
    "UnsupportedImage",
    "scrub_bytes",
    "scrub_image",
]
