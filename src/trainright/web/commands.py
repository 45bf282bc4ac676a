"""The `trainright serve` and `trainright login-link` commands."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from trainright.errors import InputError
from trainright.settings import NONUSER_KEY_ENV, resolve_ledger_url, resolve_nonuser_key
from trainright.web.auth import Signer
from trainright.web.config import Limits, WebConfig, api_key, policy_from, web_secret
from trainright.web.mailer import mailer_from_env


def serve(
    ledger: Annotated[
        str | None,
        typer.Option(
            help="SQLAlchemy URL of the ledger (default: $TRAINRIGHT_LEDGER, then sqlite:///trainright.db)."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="Policy TOML: decides each region's legal basis and honor_gpc (default: built-in)."
        ),
    ] = None,
    snapshot: Annotated[
        Path | None,
        typer.Option(
            help="Snapshot directory (required): its accounts table gives each account's kind, "
            "country, status and birth date, which decide a person's standing as a build would."
        ),
    ] = None,
    account_rate: Annotated[int, typer.Option(help="Filings allowed per account per minute.")] = 30,
    client_rate: Annotated[
        int, typer.Option(help="Requests allowed per client address per minute.")
    ] = 600,
    nonuser_client_rate: Annotated[
        int,
        typer.Option(help="Non-user page and API requests allowed per client address per hour."),
    ] = 30,
    nonuser_address_rate: Annotated[
        int,
        typer.Option(
            help="Messages sent to, codes tried for and registrations naming one e-mail "
            "address or phone number, per hour."
        ),
    ] = 5,
) -> None:
    """Run the rights service: the objection and consent pages and the JSON API.

    People arrive signed in by the platform through a link (see `login-link`);
    pages come in English, Norwegian Bokmål and Dutch. The API is under /api/v1,
    described at /api/v1/openapi.json. Needs TRAINRIGHT_WEB_SECRET (signs links,
    sessions and forms) and, for the operator endpoints, TRAINRIGHT_API_KEY.
    Every receipt is sent only after its event is committed to the ledger.

    The page for people without an account (/non-users) needs TRAINRIGHT_NONUSER_KEY
    and an SMTP relay: TRAINRIGHT_SMTP_HOST, TRAINRIGHT_SMTP_PORT, TRAINRIGHT_MAIL_FROM,
    TRAINRIGHT_PUBLIC_URL, and for phone codes TRAINRIGHT_SMS_GATEWAY
    ('{number}@sms.example.org'); see docs/non-users.md.
    """
    import uvicorn

    from trainright.rules.standing import load_account_facts
    from trainright.web.app import create_app

    if snapshot is None:
        raise InputError(
            "serve needs the platform's snapshot to tell people the truth about their posts",
            field="--snapshot",
            hint="pass --snapshot DIR, the same snapshot the builds read (e.g. snapshot/)",
        )
    if account_rate < 1 or client_rate < 1:
        raise InputError(
            "rate limits must be at least 1 per minute", field="--account-rate/--client-rate"
        )
    if nonuser_client_rate < 1 or nonuser_address_rate < 1:
        raise InputError(
            "rate limits must be at least 1 per hour",
            field="--nonuser-client-rate/--nonuser-address-rate",
        )
    config = WebConfig(
        ledger_url=resolve_ledger_url(ledger),
        secret=web_secret(),
        policy=policy_from(policy),
        api_key=api_key(),
        accounts=load_account_facts(snapshot),
        limits=Limits(
            account_per_minute=account_rate,
            client_per_minute=client_rate,
            nonuser_client_per_hour=nonuser_client_rate,
            nonuser_address_per_hour=nonuser_address_rate,
        ),
        mailer=mailer_from_env(),
        nonuser_key=resolve_nonuser_key() if os.environ.get(NONUSER_KEY_ENV) else None,
    )
    sock = listen(host, port)
    app = create_app(config)
    port = int(sock.getsockname()[1])
    typer.echo(f"rights service on http://{host}:{port}/ (ledger {config.ledger_url})")
    # No access log: sign-in links carry their token in the query string.
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning")
    )
    server.run(sockets=[sock])


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything says the service is up.

    A port in use, an address this machine does not have or a port it may not
    open is a usage error (exit 2) that says what to do, not a start-up line
    followed by the server's own error.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise InputError(
                f"port {port} on {host} is already in use",
                field="--port",
                value=port,
                hint=f"another program (perhaps another `trainright serve`) listens on {where}; "
                "stop it, or pick a free port with --port",
            ) from None
        if exc.errno == errno.EACCES:
            raise InputError(
                f"not allowed to listen on port {port}",
                field="--port",
                value=port,
                hint="ports below 1024 need special rights; use e.g. --port 8000",
            ) from None
        raise InputError(
            f"cannot listen on {where}: {exc.strerror or exc}",
            field="--host",
            value=host,
            hint="use an address of this machine, e.g. --host 127.0.0.1",
        ) from None
    sock.set_inheritable(True)
    return sock


def login_link(
    account_id: Annotated[int, typer.Argument(help="The account to sign in.", min=0)],
    base_url: Annotated[
        str, typer.Option(help="Where the service runs.")
    ] = "http://127.0.0.1:8000",
    bearer: Annotated[
        bool,
        typer.Option(
            "--bearer", help="Print a session token for the API's Authorization header instead."
        ),
    ] = False,
) -> None:
    """Mint a sign-in link for an account, as the platform would (for operators and demos).

    The link expires after 15 minutes; the session it opens after an hour. With
    --bearer, print a session token for `Authorization: Bearer ...` on /api/v1.
    Signed with TRAINRIGHT_WEB_SECRET, which the running service must share.
    """
    signer = Signer(web_secret())
    if bearer:
        typer.echo(signer.session_token(account_id))
    else:
        typer.echo(f"{base_url.rstrip('/')}/login?token={signer.login_token(account_id)}")


def register(app: typer.Typer) -> None:
    """Add `serve` and `login-link` to the trainright CLI."""
    app.command("serve")(serve)
    app.command("login-link")(login_link)
