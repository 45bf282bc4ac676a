"""SPEC §3: `rights import` — every line checked first, nothing half-imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainright import EventFileError, InputError, Ledger, import_events

GOOD = {"account_id": 42, "type": "objection", "at": "2026-05-01T09:30:00Z"}


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def test_import_keeps_at_and_defaults(tmp_path: Path, ledger: Ledger) -> None:
    path = write(
        tmp_path, GOOD, {**GOOD, "type": "notice_sent", "purpose": "all", "channel": "notice"}, ""
    )
    result = import_events(ledger, path)
    assert (result.events, result.first_seq, result.last_seq) == (2, 1, 2)
    first, second = ledger.events()
    assert first.at.isoformat() == "2026-05-01T09:30:00+00:00"
    assert (first.purpose, first.channel) == ("ai-training", "import")
    assert (second.purpose, second.channel) == ("all", "notice")
    assert first.received_at >= first.at


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        ({**GOOD, "type": "objected"}, "type", "unknown type 'objected'"),
        ({**GOOD, "account_id": "42"}, "account_id", "64-bit integer"),
        ({**GOOD, "account_id": True}, "account_id", "64-bit integer"),
        ({**GOOD, "account_id": -1}, "account_id", "64-bit integer"),
        ({**GOOD, "at": "2026-13-01T00:00:00Z"}, "at", "2026-13-01"),
        ({**GOOD, "at": "2026-05-01"}, "at", "a date alone"),
        ({**GOOD, "at": 1714555800}, "at", "ISO 8601"),
        ({**GOOD, "channel": "fax"}, "channel", "unknown channel 'fax'"),
        ({**GOOD, "purpose": "AI Training"}, "purpose", "purpose"),
        ({**GOOD, "purpse": "all"}, "purpse", "unknown field 'purpse'"),
        ({"type": "objection", "at": "2026-05-01T09:30:00Z"}, "account_id", "missing"),
        ("[1, 2]", None, "expected a JSON object"),
        ("{not json", None, "not valid JSON"),
    ],
)
def test_bad_line_names_line_field_value(
    tmp_path: Path, ledger: Ledger, row: object, field: str | None, text: str
) -> None:
    path = write(tmp_path, GOOD, GOOD, row, GOOD)
    with pytest.raises(EventFileError) as info:
        import_events(ledger, path)
    err = info.value
    assert (err.line, err.field, err.exit_code) == (3, field, 2)
    assert text in str(err)
    assert f"{path}:3" in str(err)
    assert ledger.events() == []  # nothing half-imported
    assert ledger.head().seq == 0


def test_same_file_twice_is_refused(tmp_path: Path, ledger: Ledger) -> None:
    path = write(tmp_path, GOOD)
    import_events(ledger, path)
    with pytest.raises(InputError, match="already imported"):
        import_events(ledger, path)
    assert len(ledger.events()) == 1


def test_offsets_become_utc(tmp_path: Path, ledger: Ledger) -> None:
    import_events(ledger, write(tmp_path, {**GOOD, "at": "2026-05-01T11:30:00+02:00"}))
    assert ledger.events()[0].at.isoformat() == "2026-05-01T09:30:00+00:00"


def test_hash_chain_links_each_event(tmp_path: Path, ledger: Ledger) -> None:
    from trainright.ledger.events import GENESIS_HASH, event_hash

    import_events(ledger, write(tmp_path, GOOD, {**GOOD, "account_id": 7}))
    prev = GENESIS_HASH
    for e in ledger.events():
        assert e.hash == event_hash(prev, e)
        prev = e.hash
    assert ledger.head().hash == prev
