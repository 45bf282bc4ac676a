"""SPEC §6: minimisation — redact text, scrub images, pseudonymise authors.

The dataset writer depends only on the names exported here.
"""

from trainright.minimise.images import ScrubResult, scrub_image
from trainright.minimise.pseudonym import Pseudonymiser
from trainright.minimise.text import Redactor

__all__ = ["Pseudonymiser", "Redactor", "ScrubResult", "scrub_image"]
