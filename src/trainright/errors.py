"""One exception tree for trainright; the CLI maps it to exit codes in one place.

    TrainrightError                 exit 1 unless a subclass says otherwise
    ├── InputError                  exit 2: bad snapshot, policy, cutoff, event file, option
    │   ├── SnapshotError           a snapshot table is missing, mistyped or inconsistent
    │   ├── PolicyError             a policy key is unknown or has a bad value
    │   ├── EventFileError          a line of a rights-event file is malformed
    │   └── ConfigError             a setting (ledger URL, secret) is missing or bad
    ├── LedgerError                 the ledger is unreachable or its hash chain is broken
    └── BuildError                  a build could not finish; nothing was written

Every error carries the file, field and value it is about, so the message can say
what to fix without a traceback.
"""

from __future__ import annotations

from typing import Any


class TrainrightError(Exception):
    """Base of every error trainright raises on purpose."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        field: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.field = field
        self.value = value
        self.hint = hint

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.field:
            parts.append(f"field {self.field!r}")
        where = ", ".join(parts)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(TrainrightError):
    """Something the user gave us is wrong; exit code 2."""

    exit_code = 2


class SnapshotError(InputError):
    """A snapshot table is missing, has a wrong column type, duplicate ids or bad values."""


class PolicyError(InputError):
    """The policy TOML has an unknown key or an invalid value."""


class EventFileError(InputError):
    """A rights-event file has a malformed line; carries the line number."""

    def __init__(self, message: str, *, line: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.line = line

    def __str__(self) -> str:
        base = super().__str__()
        if self.file:
            return base.replace(self.file, f"{self.file}:{self.line}", 1)
        return f"line {self.line}: {base}"


class ConfigError(InputError):
    """A setting such as the ledger URL or the pseudonymisation secret is missing or bad."""


class LedgerError(TrainrightError):
    """The ledger cannot be reached, or its hash chain does not verify."""


class Interrupted(TrainrightError):
    """The person pressed Ctrl-C; exit code 130, as a shell reports SIGINT."""

    exit_code = 130


class BuildError(TrainrightError):
    """A build failed; the output directory was not created."""


class OutputFileError(EventFileError):
    """A line of a model-output file (`audit-outputs`) is malformed; carries the line number."""
