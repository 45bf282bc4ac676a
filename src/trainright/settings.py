"""Where trainright finds its ledger and its pseudonymisation key.

Settings are looked up in a fixed order (command-line option, then environment
variable, then the default) and errors list every place that was tried. The secret
is a `pydantic.SecretStr`, so it never shows in a repr, a log line or a traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from pydantic import SecretStr

from trainright.errors import ConfigError

LEDGER_ENV = "TRAINRIGHT_LEDGER"
SECRET_ENV = "TRAINRIGHT_SECRET"  # noqa: S105 (the variable name, not a secret)
NONUSER_KEY_ENV = "TRAINRIGHT_NONUSER_KEY"
DEFAULT_LEDGER_URL = "sqlite:///trainright.db"
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class LedgerURL:
    """A SQLAlchemy URL and where it came from; the password never prints."""

    url: str
    source: str

    def __repr__(self) -> str:
        return f"LedgerURL({redact_url(self.url)!r}, source={self.source!r})"

    def __str__(self) -> str:
        return redact_url(self.url)


def redact_url(url: str) -> str:
    """Hide the password of a database URL for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def resolve_ledger_url(option: str | None = None) -> LedgerURL:
    """`--ledger`, then `TRAINRIGHT_LEDGER`, then the embedded SQLite default."""
    if option:
        return LedgerURL(option, "--ledger")
    env = os.environ.get(LEDGER_ENV)
    if env:
        return LedgerURL(env, LEDGER_ENV)
    return LedgerURL(DEFAULT_LEDGER_URL, "default")


def resolve_secret(option: str | None = None) -> SecretStr:
    """The HMAC key for pseudonyms: `TRAINRIGHT_SECRET` (or an explicit value)."""
    value = option if option is not None else os.environ.get(SECRET_ENV)
    if not value:
        raise ConfigError(
            "no pseudonymisation key: the dataset's `subject` column is a keyed HMAC "
            "and trainright will not build without a key",
            field=SECRET_ENV,
            hint=(
                f"tried: the {SECRET_ENV} environment variable (unset). Set it to a random "
                f"string of at least {MIN_SECRET_BYTES} bytes kept outside the dataset, e.g. "
                f"`export {SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_hex(32))')`"
            ),
        )
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"the pseudonymisation key is too short ({len(value.encode())} bytes); "
            f"use at least {MIN_SECRET_BYTES}",
            field=SECRET_ENV,
            value="<hidden>",
        )
    return SecretStr(value)


def resolve_nonuser_key(option: str | None = None) -> SecretStr:
    """The HMAC key for the identifiers of people without an account (SPEC §3).

    A key of its own, not the pseudonymisation key: rotating that one (a new series of
    datasets) must not orphan every registration, whose hashes cannot be recomputed.
    """
    value = option if option is not None else os.environ.get(NONUSER_KEY_ENV)
    if not value:
        raise ConfigError(
            "no key for the identifiers of people without an account: they are stored "
            "only as keyed HMACs, and trainright will not hash them without a key",
            field=NONUSER_KEY_ENV,
            hint=(
                f"tried: the {NONUSER_KEY_ENV} environment variable (unset). Set it to a "
                f"random string of at least {MIN_SECRET_BYTES} bytes, the same for `serve`, "
                "`rights import` and `build`, and keep it outside the ledger and datasets"
            ),
        )
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"the non-user identifier key is too short ({len(value.encode())} bytes); "
            f"use at least {MIN_SECRET_BYTES}",
            field=NONUSER_KEY_ENV,
            value="<hidden>",
        )
    return SecretStr(value)


def key_id(secret: SecretStr) -> str:
    """A public fingerprint of the key: tells datasets built with different keys apart."""
    key = secret.get_secret_value().encode()
    return hmac.new(key, b"trainright key id", hashlib.sha256).hexdigest()[:16]
