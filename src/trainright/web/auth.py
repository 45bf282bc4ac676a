"""Sign-in as the platform does it: signed, expiring tokens, and CSRF tokens.

The platform shares `TRAINRIGHT_WEB_SECRET` with this service and signs people
in with a short-lived, single-use link (`/login?token=...`, minted by
`login_token` or `trainright login-link`); each link carries a random id, which
the service records when the link is opened (`trainright.web.links`), so a
link that leaked (a shared screen, a forwarded e-mail, a browser history) does
not sign anyone in a second time. Opening it sets a session cookie holding a session
token; API clients send the same kind of session token as a Bearer token. Each
kind of token has its own salt, so one cannot stand in for another. A session
carries a random nonce; the CSRF token in every form is that nonce, signed, so a
form works without JavaScript and a post from another site has no valid token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from pydantic import SecretStr

LOGIN_SALT = "trainright.login"
SESSION_SALT = "trainright.session"
CSRF_SALT = "trainright.csrf"
Failure = Literal["missing", "expired", "forged", "link_used"]


class AuthFailure(Exception):
    """A token is missing, expired, not signed by us, or a sign-in link opened before."""

    def __init__(self, reason: Failure) -> None:
        super().__init__(reason)
        self.reason: Failure = reason


@dataclass(frozen=True)
class Login:
    """An opened sign-in link: whose it is, its one-time id, and when it stops working."""

    account_id: int
    link_id: str
    expires_at: datetime


@dataclass(frozen=True)
class Session:
    """A signed-in person: their account and the nonce their CSRF tokens carry."""

    account_id: int
    nonce: str


class Signer:
    """Mints and checks the three kinds of token with one secret key."""

    def __init__(self, secret: SecretStr) -> None:
        key = secret.get_secret_value()
        self._login = URLSafeTimedSerializer(key, salt=LOGIN_SALT)
        self._session = URLSafeTimedSerializer(key, salt=SESSION_SALT)
        self._csrf = URLSafeTimedSerializer(key, salt=CSRF_SALT)

    def login_token(self, account_id: int) -> str:
        """A sign-in link token with a fresh id; it expires after the link lifetime."""
        return str(self._login.dumps({"a": account_id, "j": secrets.token_urlsafe(12)}))

    def session_token(self, account_id: int) -> str:
        """A session (cookie or Bearer) token with a fresh nonce."""
        return str(self._session.dumps({"a": account_id, "n": secrets.token_urlsafe(12)}))

    def read_login(self, token: str | None, max_age_s: int) -> Login:
        """The sign-in link a token is: its account, its one-time id and its expiry."""
        if not token:
            raise AuthFailure("missing")
        try:
            data, signed = self._login.loads(token, max_age=max_age_s, return_timestamp=True)
        except SignatureExpired:
            raise AuthFailure("expired") from None
        except BadSignature:
            raise AuthFailure("forged") from None
        link_id = data.get("j") if isinstance(data, dict) else None
        if not isinstance(link_id, str) or not 8 <= len(link_id) <= 64:
            raise AuthFailure("forged")
        return Login(_account(data), link_id, signed + timedelta(seconds=max_age_s))

    def read_session(self, token: str | None, max_age_s: int) -> Session:
        """The session a cookie or Bearer token carries."""
        data = _load(self._session, token, max_age_s)
        nonce = data.get("n") if isinstance(data, dict) else None
        if not isinstance(nonce, str):
            raise AuthFailure("forged")
        return Session(_account(data), nonce)

    def csrf_token(self, session: Session) -> str:
        """The token a form carries: the session's nonce, signed."""
        return str(self._csrf.dumps(session.nonce))

    def csrf_ok(self, session: Session, token: str | None, max_age_s: int) -> bool:
        """True when the form's token belongs to this session and is fresh."""
        if not token:
            return False
        try:
            return bool(self._csrf.loads(token, max_age=max_age_s) == session.nonce)
        except BadSignature:
            return False


def _load(s: URLSafeTimedSerializer, token: str | None, max_age_s: int) -> object:
    if not token:
        raise AuthFailure("missing")
    try:
        return s.loads(token, max_age=max_age_s)
    except SignatureExpired:
        raise AuthFailure("expired") from None
    except BadSignature:
        raise AuthFailure("forged") from None


def _account(data: object) -> int:
    acc = data.get("a") if isinstance(data, dict) else None
    if isinstance(acc, bool) or not isinstance(acc, int) or acc < 0:
        raise AuthFailure("forged")
    return acc
