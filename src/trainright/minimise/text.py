"""Text redaction (interface; the detectors arrive with the minimisation work)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


class Redactor:
    """Replaces personal data in post text with placeholders such as `[EMAIL]`."""

    def __init__(self, categories: Sequence[str], account_names: Iterable[str] = ()) -> None:
        self.categories = tuple(categories)
        self.account_names = tuple(account_names)

    def redact(self, texts: Sequence[str | None]) -> tuple[list[str | None], Counter[str]]:
        """Redact a batch; returns the texts and the count of replacements per category."""
        return list(texts), Counter()
