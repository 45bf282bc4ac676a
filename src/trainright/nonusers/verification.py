"""Stateless proof that a person without an account holds an address or number (SPEC §3).

Nothing is stored until the registration itself: every step hands the person a token
signed with the service's key (itsdangerous), bound to the keyed hash of what was
proved and expiring on its own.

- An e-mail address is proved by a one-time link: its token carries the address's
  hash and the proofs gathered so far; opening it adds the address.
- A phone number is proved by a six-digit code sent to it. The code is not stored: it
  is an HMAC of the challenge's random nonce, so only the service can compute it, and
  the challenge (handed to the browser) carries the number's hash and the proofs.
- `Proofs` is what a registration may name: only addresses and numbers proved so.
  The person's reference is derived from its nonce with the key, so sending the same
  registration twice (a double click, a reload) files it under the same reference.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import SecretStr

LINK_SALT = "trainright.nonuser.link"
CODE_SALT = "trainright.nonuser.code"
PROOFS_SALT = "trainright.nonuser.proofs"
#: Addresses and numbers one registration may prove (each kind): a person has a few.
MAX_PROVED = 5
CODE_DIGITS = 6
Failure = Literal["missing", "expired", "forged", "wrong_code", "too_many"]


class VerificationFailure(Exception):
    """A token is missing, expired or forged, a code is wrong, or too much was proved."""

    def __init__(self, reason: Failure) -> None:
        super().__init__(reason)
        self.reason: Failure = reason


@dataclass(frozen=True)
class Proofs:
    """The keyed hashes of the addresses and numbers a person has proved to hold."""

    nonce: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()

    def adding(self, kind: Literal["email", "phone"], hashed: str) -> Proofs:
        """These proofs and one more (already held: unchanged)."""
        have = self.emails if kind == "email" else self.phones
        if hashed in have:
            return self
        if len(have) >= MAX_PROVED:
            raise VerificationFailure("too_many")
        if kind == "email":
            return Proofs(self.nonce, (*self.emails, hashed), self.phones)
        return Proofs(self.nonce, self.emails, (*self.phones, hashed))

    def _dump(self) -> dict[str, object]:
        return {"n": self.nonce, "e": list(self.emails), "p": list(self.phones)}

    @classmethod
    def _load(cls, data: object) -> Proofs:
        if not isinstance(data, dict):
            raise VerificationFailure("forged")
        nonce, emails, phones = data.get("n"), data.get("e"), data.get("p")
        if (
            not isinstance(nonce, str)
            or not isinstance(emails, list)
            or not isinstance(phones, list)
        ):
            raise VerificationFailure("forged")
        return cls(nonce, tuple(map(str, emails)), tuple(map(str, phones)))


def fresh() -> Proofs:
    """No proofs yet, with a new random nonce (the future reference's seed)."""
    return Proofs(secrets.token_urlsafe(16))


class Verifier:
    """Mints and checks the links, code challenges and proofs with one key."""

    def __init__(self, secret: SecretStr) -> None:
        key = secret.get_secret_value()
        self._key = key.encode()
        self._link = URLSafeTimedSerializer(key, salt=LINK_SALT)
        self._code = URLSafeTimedSerializer(key, salt=CODE_SALT)
        self._proofs = URLSafeTimedSerializer(key, salt=PROOFS_SALT)

    def __repr__(self) -> str:
        return "Verifier(<key hidden>)"

    def link_token(self, proofs: Proofs, email_hash: str) -> str:
        """The token of a one-time link that proves the address with this hash."""
        return str(self._link.dumps({"b": proofs._dump(), "h": email_hash}))

    def open_link(self, token: str | None, max_age_s: int) -> Proofs:
        """The proofs a link carries, with its address added."""
        data = _loads(self._link, token, max_age_s)
        if not isinstance(data, dict) or not isinstance(data.get("h"), str):
            raise VerificationFailure("forged")
        return Proofs._load(data.get("b")).adding("email", data["h"])

    def challenge(self, proofs: Proofs, phone_hash: str) -> tuple[str, str]:
        """A challenge for the number with this hash, and the code to send to it."""
        nonce = secrets.token_urlsafe(12)
        token = str(self._code.dumps({"b": proofs._dump(), "h": phone_hash, "c": nonce}))
        return token, self._code_of(nonce)

    def answer(self, challenge: str | None, code: str | None, max_age_s: int) -> Proofs:
        """The proofs a challenge carries, with its number added, when the code is right."""
        data = _loads(self._code, challenge, max_age_s)
        if not isinstance(data, dict):
            raise VerificationFailure("forged")
        hashed, nonce = data.get("h"), data.get("c")
        if not isinstance(hashed, str) or not isinstance(nonce, str):
            raise VerificationFailure("forged")
        given = "".join(ch for ch in (code or "") if ch.isdigit())
        if not hmac.compare_digest(given.encode(), self._code_of(nonce).encode()):
            raise VerificationFailure("wrong_code")
        return Proofs._load(data.get("b")).adding("phone", hashed)

    def challenged(self, challenge: str | None) -> str:
        """The number hash a well-signed challenge names (for counting wrong codes)."""
        data = self._code.loads(challenge or "")
        return str(data["h"])

    def proofs_token(self, proofs: Proofs) -> str:
        """The token a registration form carries."""
        return str(self._proofs.dumps(proofs._dump()))

    def read_proofs(self, token: str | None, max_age_s: int) -> Proofs:
        """The proofs a registration names."""
        return Proofs._load(_loads(self._proofs, token, max_age_s))

    def person_ref(self, proofs: Proofs) -> str:
        """The person's reference: `nu-` and 128 bits only the key can derive from the nonce."""
        mac = hmac.digest(self._key, b"person-ref\x00" + proofs.nonce.encode(), hashlib.sha256)
        return "nu-" + mac.hex()[:32]

    def _code_of(self, nonce: str) -> str:
        mac = hmac.digest(self._key, b"phone-code\x00" + nonce.encode(), hashlib.sha256)
        return str(int.from_bytes(mac[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def _loads(s: URLSafeTimedSerializer, token: str | None, max_age_s: int) -> object:
    if not token:
        raise VerificationFailure("missing")
    try:
        return s.loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise VerificationFailure("expired") from None
    except BadSignature:
        raise VerificationFailure("forged") from None
