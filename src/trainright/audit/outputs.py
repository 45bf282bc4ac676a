"""Reading a model-output file: one JSON object a line, `text` and optional `id`, `prompt`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from trainright.errors import InputError, OutputFileError


@dataclass(frozen=True)
class Outputs:
    """The generations of a file, in line order, and the file's sha256."""

    refs: list[str]  # each output's `id`, or its line number when it has none
    lines: list[int]
    texts: list[str]
    sha256: str


def read_outputs(path: Path) -> Outputs:
    """Every line checked; the first bad one stops the audit naming its line and field."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=file, hint="pass a JSON Lines file") from None
    except IsADirectoryError:
        raise InputError("is a directory, not a JSON Lines file", file=file) from None
    refs: list[str] = []
    lines: list[int] = []
    texts: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OutputFileError(
                f"not valid JSON ({exc})", file=file, line=number, hint="one JSON object a line"
            ) from None
        if not isinstance(doc, dict):
            raise OutputFileError(
                "not a JSON object",
                file=file,
                line=number,
                value=doc,
                hint='write each line as {"id": ..., "text": ...}',
            )
        text = doc.get("text")
        if not isinstance(text, str):
            raise OutputFileError(
                "missing or not a string" if text is None else f"must be a string, not {text!r}",
                file=file,
                line=number,
                field="text",
                value=text,
            )
        for name, kinds in (("id", (str, int)), ("prompt", (str,))):
            value = doc.get(name)
            if value is not None and (not isinstance(value, kinds) or isinstance(value, bool)):
                raise OutputFileError(
                    f"must be {' or '.join('a string' if k is str else 'an integer' for k in kinds)}"
                    f", not {value!r}",
                    file=file,
                    line=number,
                    field=name,
                    value=value,
                )
        ref = str(doc["id"]) if doc.get("id") is not None else str(number)
        if ref in seen:
            raise OutputFileError(
                f"the id {ref!r} is already used on line {seen[ref]}",
                file=file,
                line=number,
                field="id",
                value=doc.get("id"),
                hint="give every output its own id, or none (the line number is used)",
            )
        seen[ref] = number
        refs.append(ref)
        lines.append(number)
        texts.append(text)
    return Outputs(refs, lines, texts, hashlib.sha256(raw).hexdigest())
