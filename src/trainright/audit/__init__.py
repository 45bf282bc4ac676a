"""SPEC §8 `audit-outputs`: model outputs that repeat the words of a dataset's posts."""

from trainright.audit.run import AuditResult, Hit, audit_outputs
from trainright.audit.words import WORD_PATTERN, normalise, words

__all__ = ["WORD_PATTERN", "AuditResult", "Hit", "audit_outputs", "normalise", "words"]
