"""AI-usage preferences (SPEC §2): what a `content_usage` value says about training.

A value is an RFC 9651 Structured Fields dictionary, read with `http-sf`, in
either vocabulary: the IETF AI-preferences `Content-Usage` (`train-ai=n`, tokens
`y`/`n`) or Cloudflare's `Content-Signal` (`ai-train=no`, tokens `yes`/`no`).
Within one dictionary a repeated key's last value counts (RFC 9651); across the
two vocabularies any disallow wins, then any allow (the aipref draft's
"Combining Preferences"). Unknown keys are ignored. A value that does not parse,
or a training key whose value is not one of the vocabulary's tokens, states no
preference, and is counted in the manifest's warnings: it is never read as consent.
"""

from __future__ import annotations

from dataclasses import dataclass

import http_sf
import pyarrow as pa

#: key -> (the signal's name, its words for allow and disallow)
VOCABULARIES: dict[str, tuple[str, dict[str, bool]]] = {
    "train-ai": ("content-usage", {"y": True, "n": False}),
    "ai-train": ("content-signal", {"yes": True, "no": False}),
}

USAGE_SCHEMA = pa.schema(
    [
        ("value", pa.string()),
        ("allowed", pa.bool_()),  # NULL: no preference about training
        ("signal", pa.string()),  # the vocabulary that decided `allowed`
        ("problem", pa.string()),  # why the value is not well formed, if it is not
    ]
)

#: Every distinct preference a build may read: the posts' and the accounts' own, and
#: those set through the rights service (`preference_set` events).
USAGE_VALUES = """
SELECT content_usage FROM posts WHERE content_usage IS NOT NULL
UNION
SELECT content_usage FROM accounts WHERE content_usage IS NOT NULL
UNION
SELECT content_usage FROM events WHERE content_usage IS NOT NULL
"""


@dataclass(frozen=True)
class Usage:
    """What one value says: allowed (True), reserved (False) or nothing (None)."""

    allowed: bool | None
    signal: str | None
    problem: str | None


def read_usage(value: str) -> Usage:
    """Read one `content_usage` value; never raises."""
    try:
        parsed = http_sf.parse(value.encode("utf-8"), tltype="dictionary")
    except (http_sf.StructuredFieldError, UnicodeEncodeError, ValueError) as exc:
        return Usage(None, None, f"not a structured-field dictionary ({exc})")
    assert isinstance(parsed, dict)
    said: list[tuple[bool, str]] = []
    problem = None
    for key, (signal, words) in VOCABULARIES.items():
        if key not in parsed:
            continue
        entry = parsed[key]
        item = entry[0] if isinstance(entry, tuple) else entry
        if isinstance(item, http_sf.Token) and str(item) in words:
            said.append((words[str(item)], signal))
        else:
            problem = f"{key} is {item!r}, not one of the tokens {', '.join(words)}"
    for allowed in (False, True):
        for verdict, signal in said:
            if verdict is allowed:
                return Usage(allowed, signal, problem)
    return Usage(None, None, problem)


def preference_problem(value: str) -> str | None:
    """Why `value` cannot be a preference set through the rights service (None: it can).

    A preference someone sets must parse and say yes or no to training: what a
    snapshot column may hold by accident, a person's own filing may not.
    """
    usage = read_usage(value)
    if usage.problem is not None:
        return usage.problem
    if usage.allowed is None:
        keys = " or ".join(f"{k}=" for k in VOCABULARIES)
        return f"states no preference about training (expected {keys})"
    return None


def usage_table(values: list[str]) -> pa.Table:
    """The verdict of every distinct value, for the rules to join on."""
    read = [read_usage(v) for v in values]
    return pa.table(
        {
            "value": values,
            "allowed": [u.allowed for u in read],
            "signal": [u.signal for u in read],
            "problem": [u.problem for u in read],
        },
        schema=USAGE_SCHEMA,
    )
