"""What the rights service needs to run: ledger, policy, account facts, keys and limits.

The token signing key (`TRAINRIGHT_WEB_SECRET`) and the operator API key
(`TRAINRIGHT_API_KEY`) come from the environment and are `SecretStr`s, so they
never appear in a repr, a log line or a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from trainright.errors import ConfigError
from trainright.policy import DEFAULT_POLICY_TOML, Policy, load_policy, parse_policy
from trainright.rules.standing import AccountFacts
from trainright.settings import MIN_SECRET_BYTES, LedgerURL
from trainright.web.mailer import Mailer

SECRET_ENV = "TRAINRIGHT_WEB_SECRET"  # noqa: S105 (the name of the variable, not a secret)
API_KEY_ENV = "TRAINRIGHT_API_KEY"


@dataclass(frozen=True)
class Limits:
    """Rate limits (requests per minute, with a burst of the same size) and sizes."""

    account_per_minute: int = 30
    client_per_minute: int = 600
    max_body_bytes: int = 16 * 1024
    max_reason_chars: int = 2000
    link_minutes: int = 15
    session_minutes: int = 60
    #: people without an account (docs/non-users.md): every form or API request they
    #: send, per client address per hour; messages sent to, codes tried for and
    #: registrations naming one address or number, per hour; how long a phone code
    #: and the proofs (the registration form) stay valid
    nonuser_client_per_hour: int = 30
    nonuser_address_per_hour: int = 5
    code_minutes: int = 10
    proof_minutes: int = 60


@dataclass(frozen=True)
class WebConfig:
    """Everything `create_app` needs; build it with `from_env` in production."""

    ledger_url: LedgerURL
    secret: SecretStr
    policy: Policy
    #: every account's facts from the snapshot (`load_account_facts`): a standing is the
    #: rules' decision, and the rules read kind, country, status and birth date
    accounts: Mapping[int, AccountFacts]
    api_key: SecretStr | None = None
    limits: Limits = field(default_factory=Limits)
    #: the non-user page's relay and identifier key (`TRAINRIGHT_NONUSER_KEY`); without
    #: both, the page and its API answer that registration is not available here
    mailer: Mailer | None = None
    nonuser_key: SecretStr | None = None

    def account(self, account_id: int) -> AccountFacts | None:
        """The account's facts, or None when the snapshot lacks it."""
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
