"""What the rights service needs to run: ledger, policy, accounts, keys and limits.

The token signing key (`TRAINRIGHT_WEB_SECRET`) and the operator API key
(`TRAINRIGHT_API_KEY`) come from the environment and are `SecretStr`s, so they
never appear in a repr, a log line or a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from trainright.errors import ConfigError
from trainright.policy import DEFAULT_POLICY_TOML, Policy, load_policy, parse_policy
from trainright.settings import MIN_SECRET_BYTES, LedgerURL

SECRET_ENV = "TRAINRIGHT_WEB_SECRET"  # noqa: S105 (the name of the variable, not a secret)
API_KEY_ENV = "TRAINRIGHT_API_KEY"
Kind = Literal["personal", "business"]


@dataclass(frozen=True)
class Account:
    """What the service knows of an account: its kind and its country."""

    kind: Kind
    country: str | None


@dataclass(frozen=True)
class Limits:
    """Rate limits (requests per minute, with a burst of the same size) and sizes."""

    account_per_minute: int = 30
    client_per_minute: int = 600
    max_body_bytes: int = 16 * 1024
    max_reason_chars: int = 2000
    link_minutes: int = 15
    session_minutes: int = 60


@dataclass(frozen=True)
class WebConfig:
    """Everything `create_app` needs; build it with `from_env` in production."""

    ledger_url: LedgerURL
    secret: SecretStr
    policy: Policy
    api_key: SecretStr | None = None
    #: None: no snapshot given, every account is treated as personal with unknown country.
    accounts: dict[int, Account] | None = None
    limits: Limits = field(default_factory=Limits)

    def account(self, account_id: int) -> Account | None:
        """The account's kind and country, or None when the snapshot lacks it."""
        if self.accounts is None:
            return Account("personal", None)
        return self.accounts.get(account_id)


def web_secret(value: str | None = None) -> SecretStr:
    """The key that signs sign-in links, sessions and CSRF tokens."""
    raw = value if value is not None else os.environ.get(SECRET_ENV)
    if not raw or len(raw.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            "no usable signing key for sign-in links and sessions",
            field=SECRET_ENV,
            value="<hidden>" if raw else None,
            hint=(
                f"tried: the {SECRET_ENV} environment variable ({'too short' if raw else 'unset'}). "
                f"Set it to a random string of at least {MIN_SECRET_BYTES} bytes, shared only "
                f"with the platform that signs people in, e.g. "
                f"`export {SECRET_ENV}=$(python3 -c 'import secrets; print(secrets.token_hex(32))')`"
            ),
        )
    return SecretStr(raw)


def api_key() -> SecretStr | None:
    """The operator API key; without it the operator endpoints answer 401."""
    raw = os.environ.get(API_KEY_ENV)
    return SecretStr(raw) if raw else None


def policy_from(path: str | Path | None) -> Policy:
    """The policy file given, or the built-in default policy."""
    if path is None:
        return parse_policy(DEFAULT_POLICY_TOML, "<built-in default policy>")
    return load_policy(path)


def load_accounts(snapshot_dir: str | Path) -> dict[int, Account]:
    """Read kind and country of every account from a snapshot (validated as a build would)."""
    import duckdb

    from trainright.snapshot import load_into_duckdb, locate

    snap = locate(snapshot_dir)
    conn = duckdb.connect()
    try:
        load_into_duckdb(conn, snap)
        rows = conn.execute("SELECT account_id, kind, country FROM accounts").fetchall()
    finally:
        conn.close()
    return {int(a): Account(k, c) for a, k, c in rows}
