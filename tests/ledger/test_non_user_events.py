"""SPEC §3: people without an account in the ledger — no account_id, a person_ref, hashes only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from pydantic import SecretStr
from sqlalchemy import create_engine, text

from trainright import EventFileError, Ledger, import_events
from trainright.errors import ConfigError
from trainright.ledger import NewEvent, migrate, verify
from trainright.ledger.events import GENESIS_HASH, canonical, chain
from trainright.nonusers.events import new_person_ref, registration, withdrawal
from trainright.nonusers.identifiers import Hasher, Identifiers, hash_clear

KEY = SecretStr("k" * 32)
AT = "2026-05-01T10:00:00Z"
LINE = {
    "type": "non_user_objection",
    "person_ref": "nu-7f3a",
    "at": AT,
    "names": ["Grete Hansen"],
    "emails": ["grete@example.org"],
    "phones": ["+47 912 34 567"],
    "photo_phashes": ["c3d4e1f0a9b8c7d6"],
}


def write(tmp_path: Path, *rows: object) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_an_account_events_hash_is_what_it_was_before_non_user_fields() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    body = canonical(1, 7, "objection", "ai-training", at, at, "api")
    assert body == (
        b'{"account_id":7,"at":"2026-01-01T00:00:00.000000Z","channel":"api",'
        b'"purpose":"ai-training","received_at":"2026-01-01T00:00:00.000000Z",'
        b'"seq":1,"type":"objection"}'
    )


def test_registration_and_withdrawal_chain_and_verify(ledger: Ledger) -> None:
    ids = hash_clear(Hasher(KEY), names=["Grete Hansen"], emails=["grete@example.org"])
    ref = new_person_ref()
    ledger.append([NewEvent(3, "objection"), registration(ref, ids), withdrawal(ref)])
    events = ledger.events()
    assert [e.account_id for e in events] == [3, None, None]
    assert [e.person_ref for e in events] == [None, ref, ref]
    assert Identifiers.from_json(events[1].identifiers or "") == Identifiers.from_json(
        ids.to_json()
    )
    assert events[2].identifiers is None
    assert verify(ledger).ok


def test_changing_a_stored_identifier_breaks_the_chain(ledger: Ledger) -> None:
    ids = hash_clear(Hasher(KEY), names=["Grete Hansen"])
    ledger.append([registration("nu-1", ids), NewEvent(3, "objection")])
    with ledger.engine.begin() as conn:
        conn.execute(text("UPDATE events SET identifiers = '{}' WHERE seq = 1"))
    result = verify(ledger)
    assert not result.ok
    assert "nu-1" in str(result.problem)


def test_only_hashes_are_stored(tmp_path: Path, ledger: Ledger) -> None:
    import_events(ledger, write(tmp_path, LINE), key=KEY)
    with ledger.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(text("SELECT * FROM events")) for v in row)
    for clear in ("grete", "Grete", "Hansen", "example.org", "912", "4791234567"):
        assert clear not in stored
    assert "c3d4e1f0a9b8c7d6" in stored  # a pHash is stored as it is (SPEC §3)


def test_clear_and_prehashed_lines_give_the_same_identifiers(
    tmp_path: Path, ledger: Ledger
) -> None:
    h = Hasher(KEY)
    hashed = {
        "type": "non_user_objection",
        "person_ref": "nu-b",
        "at": AT,
        "name_hashes": [[h.word("grete"), h.word("hansen")]],
        "email_hashes": [h.email("grete@example.org")],
        "phone_hashes": [h.phone("4791234567")],
        "photo_phashes": ["C3D4E1F0A9B8C7D6"],
    }
    import_events(ledger, write(tmp_path, LINE, hashed), key=KEY)
    a, b = ledger.events()
    assert a.identifiers == b.identifiers
    assert (a.purpose, a.channel, a.at) == ("all", "import", datetime(2026, 5, 1, 10, tzinfo=UTC))


def test_a_prehashed_file_imports_without_the_key(
    tmp_path: Path, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TRAINRIGHT_NONUSER_KEY", raising=False)
    line = {"type": "non_user_objection", "person_ref": "nu-c", "at": AT}
    line["email_hashes"] = ["0" * 32]  # type: ignore[assignment]
    withdraw = {"type": "non_user_objection_withdrawn", "person_ref": "nu-c", "at": AT}
    assert import_events(ledger, write(tmp_path, line, withdraw)).events == 2
    clear = write(tmp_path, LINE)
    with pytest.raises(ConfigError, match="TRAINRIGHT_NONUSER_KEY"):
        import_events(ledger, clear)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"account_id": 4}, "account_id", "unknown field"),
        ({"person_ref": ""}, "person_ref", "person_ref"),
        ({"purpose": "ai-training"}, "purpose", "every purpose"),
        ({"emails": ["grete at example"]}, "emails[0]", "not an e-mail"),
        ({"phones": ["12"]}, "phones[0]", "phone number"),
        ({"phones": ["020 123 4567"]}, "phones[0]", "international"),
        ({"names": ["  --  "]}, "names[0]", "letter"),
        ({"photo_phashes": ["xyz"]}, "photo_phashes[0]", "pHash"),
        ({"email_hashes": ["abc"]}, "email_hashes[0]", "hex"),
        ({"name_hashes": ["0" * 32]}, "name_hashes[0]", "list"),
        ({"names": "Grete"}, "names", "list"),
    ],
)
def test_a_bad_non_user_line_names_field_not_the_personal_value(
    tmp_path: Path, ledger: Ledger, change: dict[str, object], field: str, message: str
) -> None:
    path = write(tmp_path, {**LINE, **change})
    with pytest.raises(EventFileError) as err:
        import_events(ledger, path, key=KEY)
    assert err.value.field == field
    assert err.value.line == 1
    assert message in str(err.value)
    assert "grete at example" not in str(err.value)
    assert ledger.events() == []


def test_a_registration_needs_an_identifier(tmp_path: Path, ledger: Ledger) -> None:
    line = {"type": "non_user_objection", "person_ref": "nu-d", "at": AT}
    with pytest.raises(EventFileError, match="at least one"):
        import_events(ledger, write(tmp_path, line), key=KEY)


def test_export_carries_person_ref_and_identifiers(tmp_path: Path, ledger: Ledger) -> None:
    import_events(ledger, write(tmp_path, LINE), key=KEY)
    _, table = ledger.export_until(datetime(2027, 1, 1, tzinfo=UTC))
    row = table.to_pylist()[0]
    assert row["account_id"] is None
    assert row["person_ref"] == "nu-7f3a"
    assert json.loads(row["identifiers"])["photos"] == ["c3d4e1f0a9b8c7d6"]


def test_a_ledger_of_revision_0006_still_verifies_after_the_migration(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    Ledger(url).head()
    engine = create_engine(url)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    (event,) = chain(0, GENESIS_HASH, [NewEvent(7, "objection", at=at)], at)
    with engine.begin() as conn:
        command.downgrade(migrate._config(conn), "0006")
        conn.execute(
            text(
                "INSERT INTO events (seq, account_id, type, purpose, at, received_at, channel, "
                "hash) VALUES (1, 7, 'objection', 'ai-training', '2026-01-01 00:00:00.000000', "
                "'2026-01-01 00:00:00.000000', 'api', :h)"
            ),
            {"h": event.hash},
        )
        conn.execute(text("UPDATE ledger_head SET seq = 1, hash = :h"), {"h": event.hash})
    engine.dispose()
    new = Ledger(url)
    (read,) = new.events()
    assert (read.account_id, read.person_ref, read.identifiers) == (7, None, None)
    assert verify(new).ok
