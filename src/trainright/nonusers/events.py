"""The ledger events of people without an account (SPEC §3), from an import line or a form.

A registration names the person by a random `person_ref` and carries hashes only; a
withdrawal names only the `person_ref`. Both apply to every purpose (`all`): the person
objects to their identifiers being used, not to one use of them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from trainright.ledger.events import (
    ALL_PURPOSES,
    Channel,
    LineProblem,
    NewEvent,
    check_fields,
    line_channel,
)
from trainright.nonusers.identifiers import (
    Hasher,
    IdentifierError,
    Identifiers,
    check_hashed,
    hash_clear,
)

REGISTER: Final = "non_user_objection"
WITHDRAW: Final = "non_user_objection_withdrawn"
PERSON_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CLEAR_FIELDS = ("names", "emails", "phones")
HASHED_FIELDS = ("name_hashes", "email_hashes", "phone_hashes")
REGISTER_FIELDS = {
    "type",
    "person_ref",
    "at",
    "purpose",
    "channel",
    "photo_phashes",
    *CLEAR_FIELDS,
    *HASHED_FIELDS,
}
WITHDRAW_FIELDS = {"type", "person_ref", "at", "purpose", "channel"}


def new_person_ref() -> str:
    """A reference that cannot be guessed (128 random bits): whoever holds it can withdraw."""
    return "nu-" + secrets.token_hex(16)


def registration(
    person_ref: str, ids: Identifiers, at: datetime | None = None, channel: Channel = "web"
) -> NewEvent:
    """A `non_user_objection` event for hashed identifiers."""
    return NewEvent(
        account_id=None,
        type=REGISTER,
        at=at,
        purpose=ALL_PURPOSES,
        channel=channel,
        person_ref=person_ref,
        identifiers=ids.to_json(),
    )


def withdrawal(person_ref: str, at: datetime | None = None, channel: Channel = "web") -> NewEvent:
    """A `non_user_objection_withdrawn` event: the person's reference only."""
    return NewEvent(
        account_id=None,
        type=WITHDRAW,
        at=at,
        purpose=ALL_PURPOSES,
        channel=channel,
        person_ref=person_ref,
    )


def parse_line(obj: dict[str, Any], at: datetime, hasher: Callable[[], Hasher]) -> NewEvent:
    """An import line of either type -> its event; identifiers in clear are hashed here.

    `hasher` is asked for only when the line has identifiers in clear, so a file of
    hashes imports without the key. Errors name an identifier by its place
    (`names[1]`), never by its value: it is personal data of someone else.
    """
    typ = obj["type"]
    check_fields(obj, REGISTER_FIELDS if typ == REGISTER else WITHDRAW_FIELDS, typ)
    if "account_id" in obj:
        raise LineProblem(f"a {typ} event has no account_id", "account_id")
    ref = obj.get("person_ref")
    if not isinstance(ref, str) or not PERSON_REF_RE.match(ref):
        raise LineProblem(
            "expected a person_ref of 1-64 letters, digits, '.', '_' or '-'", "person_ref", ref
        )
    purpose = obj.get("purpose", ALL_PURPOSES)
    if purpose != ALL_PURPOSES:
        raise LineProblem(
            f"a {typ} event applies to every purpose; leave purpose out or give 'all'",
            "purpose",
            purpose,
        )
    channel = line_channel(obj)
    if typ == WITHDRAW:
        return withdrawal(ref, at, channel)
    lists = {}
    for field in (*CLEAR_FIELDS, *HASHED_FIELDS, "photo_phashes"):
        value = obj.get(field, [])
        if not isinstance(value, list):
            raise LineProblem("expected a list", field)
        if field != "name_hashes" and not all(isinstance(v, str) for v in value):
            raise LineProblem("expected a list of strings", field)
        lists[field] = value
    try:
        ids = check_hashed(
            lists["name_hashes"],
            lists["email_hashes"],
            lists["phone_hashes"],
            lists["photo_phashes"],
        )
        if any(lists[f] for f in CLEAR_FIELDS):
            clear = hash_clear(hasher(), lists["names"], lists["emails"], lists["phones"])
            ids = Identifiers(
                ids.names + clear.names,
                ids.emails + clear.emails,
                ids.phones + clear.phones,
                ids.photos,
            )
    except IdentifierError as exc:
        raise LineProblem(str(exc), exc.field) from None
    if not ids:
        raise LineProblem(
            "a registration needs at least one name, e-mail address, phone number or photo hash",
            "names",
        )
    return registration(ref, ids, at, channel)
