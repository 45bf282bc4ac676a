"""SPEC §3: the identifiers a person without an account registers, normalised and keyed-hashed.

Only these hashes reach the ledger. Each kind is hashed under its own label, so a name
word and an e-mail address that happen to be the same text never share a hash:

- a name is stored as the sequence of its words' hashes ("Grete Hansen" -> two
  hashes), so that the build can find it as a whole-word run in a post by hashing the
  post's words once each (see `trainright.nonusers.match`);
- an e-mail address as the hash of its NFKC, case-folded form;
- a phone number as the hash of its E.164 digits ("+47 912 34 567" -> "4791234567");
- a photo as its 64-bit pHash, in hex, unkeyed: a match is a Hamming distance, which a
  keyed hash would destroy (`trainright.nonusers.photos`).

Hashes are HMAC-SHA256 truncated to 128 bits (32 hex digits): ample against collisions
among millions of identifiers, half the ledger space.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import SecretStr

from trainright.minimise.detect import PATTERN_DETECTORS
from trainright.minimise.detect.base import digits
from trainright.minimise.detect.phone import PATTERN as PHONE_PATTERN
from trainright.minimise.detect.phone import _calling_code

HASH_HEX = 32
PHASH_HEX = 16
_HEX_RE = re.compile(rf"^[0-9a-f]{{{HASH_HEX}}}$")
_PHASH_RE = re.compile(rf"^[0-9a-f]{{{PHASH_HEX}}}$")
#: Between words: any run of characters that are not letters or digits (RE2).
_SPLIT = r"[^\p{L}\p{N}]+"
_EMAIL = PATTERN_DETECTORS["email"]
_PHONE = PATTERN_DETECTORS["phone"]
# The calling code of each national shape the phone detector reads (its `_NATIONAL`
# regions): a national number is tried under each, and only a registered one can match.
_NATIONAL_CODES = {"no": ("47",), "us": ("1",), "trunk": ("31", "44", "49")}


def fold_words(texts: pa.Array) -> pa.ListArray:
    """Each text's words, compared as whole words: compatibility-decomposed (NFKD: the
    NFKC equivalents and accents apart), lower case, every non-spacing mark dropped
    ("é" -> "e"), split at every run of characters that are neither letters nor
    digits. Vectorised (Arrow's C++ kernels), since the build folds every post; a
    registration's names go through the same kernels, so the two can only agree.
    Empty strings may stand at either end of a text's list.

    Texts that are all ASCII (most posts) take a shorter road to the same words: NFKD
    and the marks change nothing there, and ASCII's letters and digits are known, so
    each byte is mapped at once (A-Z lowered, other non-alphanumerics to a space) and
    the text split at spaces, several times faster than the Unicode regex split.
    """
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if pc.all(pc.string_is_ascii(texts)).as_py() is not False:
        return pc.ascii_split_whitespace(_ascii_words_spaced(texts))
    folded = pc.utf8_lower(pc.utf8_normalize(texts, "NFKD"))
    return pc.split_pattern_regex(pc.replace_substring_regex(folded, r"\p{Mn}+", ""), _SPLIT)


#: Per ASCII byte: itself if a lower-case letter or digit, lowered if upper case, else a space.
_ASCII_FOLD = np.array(
    [c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256)], np.uint8
)
_ASCII_FOLD[ord("A") : ord("Z") + 1] += 32


def _ascii_words_spaced(texts: pa.Array) -> pa.Array:
    """ASCII texts lowered, with every byte that is not a letter or digit a space."""
    validity, offsets, data = texts.buffers()
    if data is None:  # no text has a character
        return texts
    mapped = _ASCII_FOLD[np.frombuffer(data, np.uint8)]
    return pa.StringArray.from_buffers(
        len(texts), offsets, pa.py_buffer(mapped), validity, texts.null_count, texts.offset
    )


def name_words(name: str) -> list[str]:
    """A name's words, folded as posts are (`fold_words`)."""
    return [w for w in fold_words(pa.array([name], pa.string()))[0].as_py() or [] if w]


def normal_email(address: str) -> str | None:
    """An address as the e-mail detector reads it, NFKC and case-folded; None if it is not one."""
    text = unicodedata.normalize("NFKC", address.strip())
    if _EMAIL.pattern.fullmatch(text) is None:
        return None
    return text.casefold()


def phone_forms(written: str) -> tuple[str, ...]:
    """The E.164 digits a number the phone detector accepts may stand for.

    International forms give one; a national form gives one per country whose shape it
    has (a Dutch, British or German trunk number is tried as each). Empty when the
    phone detector would not redact it.
    """
    text = written.strip()
    match = PHONE_PATTERN.fullmatch(text)
    if match is None or _PHONE.valid(match) is None:
        return ()
    kind = next(k for k in ("intl", "us", "cc", "trunk", "no") if match.group(k) is not None)
    if kind == "intl":
        number = digits(text.replace("(0)", "", 1))
        return (number[2:] if text.startswith("00") else number,)
    number = digits(text)
    if kind == "cc":
        return (number,)
    if kind == "us" and len(number) == 11:
        number = number[1:]
    if kind == "trunk":
        number = number[1:]
    return tuple(code + number for code in _NATIONAL_CODES[kind])


def normal_phone(written: str) -> str | None:
    """A number as a person registers it: one with a single meaning (a trunk number is not)."""
    forms = phone_forms(written)
    if len(forms) != 1 or _calling_code(forms[0]) is None:
        return None
    return forms[0]


class Hasher:
    """HMAC-SHA256 under the configured key, one label per kind of identifier."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key.get_secret_value().encode()

    def __repr__(self) -> str:
        return "Hasher(<key hidden>)"

    def __reduce__(self) -> tuple[object, tuple[SecretStr]]:
        # Spark ships the matcher to its executors: the key travels as a SecretStr.
        return (Hasher, (SecretStr(self._key.decode()),))

    def _h(self, label: bytes, value: str) -> str:
        mac = hmac.digest(self._key, label + b"\x00" + value.encode(), hashlib.sha256)
        return mac.hex()[:HASH_HEX]

    def word(self, word: str) -> str:
        return self._h(b"name-word", word)

    def email(self, normal: str) -> str:
        return self._h(b"email", normal)

    def phone(self, e164: str) -> str:
        return self._h(b"phone", e164)


@dataclass(frozen=True)
class Identifiers:
    """A registration's hashed identifiers: what a `non_user_objection` event carries."""

    names: tuple[tuple[str, ...], ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    photos: tuple[str, ...] = ()

    def to_json(self) -> str:
        """The canonical text stored in the ledger and covered by the event's hash."""
        body = {
            "emails": sorted(set(self.emails)),
            "names": [list(n) for n in sorted(set(self.names))],
            "phones": sorted(set(self.phones)),
            "photos": sorted(set(self.photos)),
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Identifiers:
        """Read what `to_json` wrote."""
        body = json.loads(text)
        return cls(
            names=tuple(tuple(n) for n in body.get("names", ())),
            emails=tuple(body.get("emails", ())),
            phones=tuple(body.get("phones", ())),
            photos=tuple(body.get("photos", ())),
        )

    def __bool__(self) -> bool:
        return bool(self.names or self.emails or self.phones or self.photos)


class IdentifierError(ValueError):
    """One identifier is not usable; `field` names it (e.g. `emails[1]`), never its value."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def hash_clear(
    hasher: Hasher,
    names: Sequence[str] = (),
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    photos: Sequence[str] = (),
) -> Identifiers:
    """Normalise and hash identifiers given in clear; photos are pHash hex already."""
    hashed_names = []
    for i, name in enumerate(names):
        words = name_words(name)
        if not words:
            raise IdentifierError("a name needs at least one letter or digit", f"names[{i}]")
        hashed_names.append(tuple(hasher.word(w) for w in words))
    hashed_emails = []
    for i, address in enumerate(emails):
        normal = normal_email(address)
        if normal is None:
            raise IdentifierError("not an e-mail address", f"emails[{i}]")
        hashed_emails.append(hasher.email(normal))
    hashed_phones = []
    for i, number in enumerate(phones):
        e164 = normal_phone(number)
        if e164 is None:
            raise IdentifierError(
                "not a phone number in international form (e.g. +47 912 34 567)",
                f"phones[{i}]",
            )
        hashed_phones.append(hasher.phone(e164))
    return Identifiers(
        tuple(hashed_names), tuple(hashed_emails), tuple(hashed_phones), check_phashes(photos)
    )


def check_hashed(
    names: Iterable[Sequence[str]] = (),
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    photos: Sequence[str] = (),
) -> Identifiers:
    """Identifiers hashed before they reached us: only their form can be checked."""
    out_names = []
    for i, seq in enumerate(names):
        if isinstance(seq, str) or not seq or not all(_is_hash(w) for w in seq):
            raise IdentifierError(
                f"expected a list of {HASH_HEX}-hex-digit word hashes", f"name_hashes[{i}]"
            )
        out_names.append(tuple(seq))
    for field, values in (("email_hashes", emails), ("phone_hashes", phones)):
        for i, v in enumerate(values):
            if not _is_hash(v):
                raise IdentifierError(f"expected {HASH_HEX} hex digits", f"{field}[{i}]")
    return Identifiers(tuple(out_names), tuple(emails), tuple(phones), check_phashes(photos))


def check_phashes(photos: Sequence[str]) -> tuple[str, ...]:
    """Photo pHashes as 16 lower-case hex digits (64 bits)."""
    out = []
    for i, v in enumerate(photos):
        if not isinstance(v, str) or not _PHASH_RE.match(v.lower()):
            raise IdentifierError(
                f"expected a 64-bit pHash as {PHASH_HEX} hex digits", f"photo_phashes[{i}]"
            )
        out.append(v.lower())
    return tuple(out)


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and _HEX_RE.match(value) is not None
